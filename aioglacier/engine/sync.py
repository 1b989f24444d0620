"""Fan-out of a sync: files in flight, the journal task, progress, cancellation.

One task group holds every file's task; a semaphore bounds files in flight (twice the request
concurrency, so reading runs ahead of sending); the :class:`~aioglacier.limits.RequestLimiter`
inside the API bounds HTTP requests; the :class:`~aioglacier.limits.ByteBudget` bounds memory.
A failure fails its file only. Cancelling the awaiting task cancels every request in flight; the
journal writer still writes every record it accepted, and multipart uploads stay resumable.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from aioglacier.backends.glacier import GlacierApi
from aioglacier.errors import AioGlacierError, RemoteError, first_leaf
from aioglacier.filters import Filter
from aioglacier.journal import (
    Created,
    Deleted,
    JournalError,
    JournalWriter,
    load_journal,
)
from aioglacier.limits import ByteBudget
from aioglacier.ops import (
    SmallFileReader,
    UploadContext,
    UploadOutcome,
    UploadStoppedError,
    upload_file,
    upload_stream,
)
from aioglacier.orphans import StrayUpload, handle_stray_uploads
from aioglacier.planner import (
    LocalFile,
    SyncPlanOptions,
    WalkProblem,
    WorkItem,
    plan_sync,
    resolve_under,
    walk,
)
from aioglacier.progress import (
    Action,
    FileDone,
    FileFailed,
    FileQueued,
    FileSkipped,
    FileStarted,
    Message,
    ProgressSink,
    RunFinished,
    ScanProgress,
    null_sink,
)
from aioglacier.resume import ResumeStore, resume_path_for
from aioglacier.treehash import tree_hash_file

__all__ = ["FileResult", "SyncResult", "run_sync", "upload_one_file"]

Status = Literal["uploaded", "replaced", "deleted", "unchanged", "skipped", "failed"]

EMPTY_FILE_REASON = "empty file: Glacier refuses empty archives"
#: Work items planned ahead of the uploads (bounded memory: a few MB).
PLAN_AHEAD = 10_000
#: The largest Glacier archive (10,000 parts of 4 GiB): the bound of a stream with no other.
MAX_STREAM_SIZE = 10_000 * 4096 * 1024 * 1024


@dataclass(frozen=True)
class FileResult:
    """What happened to one file."""

    relfilename: str
    status: Status
    size: int = 0
    archive_id: str | None = None
    reason: str = ""


@dataclass
class SyncResult:
    """The outcome of a sync: every file's result, counts and timing."""

    files: list[FileResult] = field(default_factory=list)
    plan: list[str] = field(default_factory=list)
    seconds: float = 0.0
    stray_uploads: list[StrayUpload] = field(default_factory=list)
    """Multipart uploads in progress that the resume store does not know, found at the end of
    the run: the ones that are ours were aborted (see :mod:`aioglacier.orphans`)."""

    def _with(self, *statuses: Status) -> list[FileResult]:
        return [f for f in self.files if f.status in statuses]

    @property
    def uploaded(self) -> list[FileResult]:
        """New archives for files the journal did not have."""
        return self._with("uploaded")

    @property
    def replaced(self) -> list[FileResult]:
        """Modified files uploaded again (their old archives deleted)."""
        return self._with("replaced")

    @property
    def deleted(self) -> list[FileResult]:
        """Archives deleted because their files were removed locally."""
        return self._with("deleted")

    @property
    def skipped(self) -> list[FileResult]:
        """Files left alone, with reasons (empty files, unchanged after a tree-hash check)."""
        return self._with("skipped", "unchanged")

    @property
    def failed(self) -> list[FileResult]:
        """Files that could not be handled, with reasons."""
        return self._with("failed")

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return not self.failed

    @property
    def bytes_uploaded(self) -> int:
        """Bytes of the archives created."""
        return sum(f.size for f in self._with("uploaded", "replaced"))


@dataclass
class _Run:
    api: GlacierApi
    vault: str
    journal: JournalWriter
    upload: UploadContext
    progress: ProgressSink
    clock: Callable[[], float]
    executor: Executor | None
    result: SyncResult
    base_dir: Path | None = None
    problem_dirs: list[str] = field(default_factory=list)
    #: Set when the journal cannot be written: the run stops (see ``run_sync``).
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    #: What the run did that the journal misses (for the error that ends a stopped run).
    unjournaled: list[str] = field(default_factory=list)
    #: Multipart uploads in flight aborted because the run stopped.
    aborted: int = 0
    journaled: dict[str, int | None] = field(default_factory=dict)
    """The mtime of every file journaled by this run."""

    def record(self, item: FileResult) -> None:
        self.result.files.append(item)


async def _journal_created(run: _Run, rel: str, mtime: int | None, outcome: UploadOutcome) -> None:
    record = Created(
        time=int(run.clock()),
        archive_id=outcome.archive_id,
        size=outcome.size,
        mtime=mtime,
        treehash=outcome.tree_hash,
        relfilename=rel,
    )
    await _journal(run, record, f'uploaded "{rel}" as archive {outcome.archive_id}')
    run.journaled[rel] = mtime


async def _delete_archive(run: _Run, old: Created) -> None:
    try:
        await run.api.bind(subject=old.relfilename).delete_archive(run.vault, old.archive_id)
    except RemoteError as exc:
        if exc.code != "ResourceNotFoundException":
            raise
    record = Deleted(time=int(run.clock()), archive_id=old.archive_id, relfilename=old.relfilename)
    await _journal(run, record, f'deleted archive {old.archive_id} of "{old.relfilename}"')


async def _journal(run: _Run, record: Created | Deleted, done: str) -> None:
    """Append a record that must be written even if we are being cancelled.

    The writer's queue has room for every file in flight (see ``run_sync``), so ``append``
    queues the record before it first suspends, and a record once queued is always written:
    no shielding task is needed on this hot path. When the journal cannot take it, ``done``
    (what the record says, for a person) is kept for the error that ends the run, and the
    run stops.
    """
    try:
        await run.journal.append(record)
    except JournalError:
        run.unjournaled.append(done)
        run.stop.set()
        raise


async def _upload(run: _Run, f: LocalFile) -> UploadOutcome:
    return await upload_file(
        run.upload,
        f.relfilename,
        path=f.path,
        size=f.size,
        mtime=f.mtime,
        mtime_ns=f.mtime_ns,
    )


def _under_problem_dir(run: _Run, name: str) -> bool:
    return any(d == "." or name.startswith(d + "/") for d in run.problem_dirs)


async def _process(run: _Run, item: WorkItem) -> None:
    f = item.file
    rel = item.relfilename
    action: Action = (
        "delete"
        if item.action == "delete"
        else ("upload" if item.action == "upload" else "replace")
    )
    if run.stop.is_set():
        return  # the run is stopping: start nothing new
    try:
        if item.action == "delete":
            assert item.old is not None
            assert run.base_dir is not None
            path = resolve_under(run.base_dir, rel)
            loop = asyncio.get_running_loop()
            exists = await loop.run_in_executor(run.executor, os.path.lexists, path)
            if exists or _under_problem_dir(run, rel):
                reason = "still on disk" if exists else "its directory could not be read"
                run.progress(FileSkipped(rel, f"not deleted: {reason}"))
                run.record(FileResult(rel, "skipped", item.old.size, reason=reason))
                return
            run.progress(FileStarted(rel, "delete", item.old.size))
            await _delete_archive(run, item.old)
            run.progress(FileDone(rel, "delete", item.old.size, item.old.archive_id))
            run.record(FileResult(rel, "deleted", item.old.size, item.old.archive_id))
            return
        assert f is not None
        if f.size == 0:
            run.progress(FileSkipped(rel, EMPTY_FILE_REASON))
            run.record(FileResult(rel, "skipped", 0, reason=EMPTY_FILE_REASON))
            return
        run.progress(FileStarted(rel, action, f.size))
        if item.action == "verify-replace":
            assert item.old is not None
            local = await tree_hash_file(f.path, executor=run.executor)
            if local.tree_hash.hex() == item.old.treehash and local.size == item.old.size:
                run.progress(FileSkipped(rel, "unchanged: tree hash matches the journal"))
                run.record(FileResult(rel, "unchanged", f.size, item.old.archive_id))
                return
        outcome = await _upload(run, f)
        await _journal_created(run, rel, f.mtime, outcome)
        if item.old is not None:
            await _delete_archive(run, item.old)
        status: Status = "uploaded" if item.old is None else "replaced"
        detail = ""
        if outcome.resumed:
            detail = f"resumed: {outcome.parts_reused} parts reused, {outcome.parts_sent} sent"
        run.progress(FileDone(rel, action, f.size, outcome.archive_id, detail))
        run.record(FileResult(rel, status, f.size, outcome.archive_id, detail))
    except UploadStoppedError as exc:
        # The run stopped (its journal failed): the error that ends it says it all.
        if exc.upload_id is not None:
            run.aborted += 1
        run.record(FileResult(rel, "failed", f.size if f else 0, reason=str(exc)))
    except JournalError as exc:
        # This file's line could not be written: named in the error that ends the run.
        run.record(FileResult(rel, "failed", f.size if f else 0, reason=str(exc)))
    except (AioGlacierError, OSError, ValueError) as exc:
        reason = _describe(exc)
        run.progress(FileFailed(rel, action, reason))
        run.record(FileResult(rel, "failed", f.size if f else 0, reason=reason))


def _describe(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return str(exc)


def _dry_run_line(item: WorkItem) -> str:
    if item.action == "upload":
        return f"Will UPLOAD {item.relfilename}"
    if item.action == "delete":
        return f"Will DELETE archive {item.old.archive_id if item.old else '?'} {item.relfilename}"
    verb = "VERIFY treehash and UPLOAD" if item.action == "verify-replace" else "UPLOAD"
    old = item.old.archive_id if item.old else "?"
    return f"Will {verb} {item.relfilename} (replacing archive {old})"


async def run_sync(
    api: GlacierApi,
    *,
    base_dir: str | os.PathLike[str],
    vault: str,
    journal_path: str | os.PathLike[str],
    options: SyncPlanOptions,
    part_size: int,
    concurrency: int,
    filter: Filter | None = None,
    follow: bool = False,
    dry_run: bool = False,
    executor: Executor | None = None,
    progress: ProgressSink = null_sink,
    clock: Callable[[], float] = time.time,
    journal_write: Callable[[int, bytes], int] = os.write,
) -> SyncResult:
    """Sync ``base_dir`` to ``vault``, journaling into ``journal_path`` (see :class:`Client`).

    A journal that cannot be written (a full disk) stops the sync at once: no new upload
    starts, multipart uploads in flight are aborted, single requests already sent finish, and
    :class:`JournalWriteError` names every archive uploaded or deleted that the journal
    misses. ``journal_write`` is the journal writer's ``os.write`` (tests inject failures).

    Raises:
        JournalWriteError: the journal could not be written (the run stopped).
    """
    started = time.monotonic()
    if progress is not null_sink:
        api = api.bind(listener=progress)
    result = SyncResult()
    state = await load_journal(journal_path)
    if state.torn_tail and dry_run:  # else the writer sets the line aside and says so
        progress(Message(f"journal: {state.torn_tail}", "warning"))
    problems: list[WalkProblem] = []
    scanned = [0, 0]

    async def files() -> AsyncIterator[LocalFile | WalkProblem]:
        async for entry in walk(base_dir, filter=filter, follow=follow, executor=executor):
            if isinstance(entry, LocalFile):
                scanned[0] += 1
                scanned[1] += entry.size
                if scanned[0] % 1000 == 0:
                    progress(ScanProgress(scanned[0], scanned[1]))
            elif entry.status == "skipped":
                progress(FileSkipped(entry.relfilename, entry.reason))
                result.files.append(FileResult(entry.relfilename, "skipped", reason=entry.reason))
            else:
                progress(Message(f"{entry.relfilename}: {entry.reason}", "warning"))
                status: Status = "skipped" if entry.warning else "failed"
                result.files.append(FileResult(entry.relfilename, status, reason=entry.reason))
            yield entry
        progress(ScanProgress(scanned[0], scanned[1], done=True))

    plan = plan_sync(files(), state, options, filter=filter, problems=problems)
    if dry_run:
        async for item in plan:
            line = _dry_run_line(item)
            result.plan.append(line)
            progress(Message(line))
        result.seconds = time.monotonic() - started
        _finish(progress, result)
        return result

    await ensure_vault(api, vault)
    resume = ResumeStore(resume_path_for(journal_path), executor=executor)
    await resume.load()
    budget = ByteBudget(concurrency * part_size)
    slots = asyncio.Semaphore(concurrency * 2)
    # Room for every file in flight: an append never waits, so a cancelled file task can never
    # lose the line of an archive it created (see _journal).
    queue_size = max(1024, 4 * concurrency)
    async with JournalWriter(
        journal_path, fsync=1.0, executor=executor, queue_size=queue_size, write=journal_write
    ) as journal:
        if journal.torn_tail:
            progress(Message(f"journal: {journal.torn_tail}", "warning"))
        stop = asyncio.Event()
        run = _Run(
            api=api,
            vault=vault,
            journal=journal,
            upload=UploadContext(
                api=api,
                vault=vault,
                part_size=part_size,
                budget=budget,
                resume=resume,
                executor=executor,
                progress=progress,
                clock=clock,
                small_reader=SmallFileReader(executor),
                stop=stop,
            ),
            progress=progress,
            clock=clock,
            executor=executor,
            result=result,
            base_dir=Path(base_dir),
            stop=stop,
        )

        async def task(item: WorkItem) -> None:
            try:
                await _process(run, item)
            finally:
                slots.release()

        # The plan runs ahead of the uploads by up to PLAN_AHEAD items, so the display knows
        # the work to come (files and bytes, hence an ETA) long before the walk ends, while
        # memory stays bounded whatever the tree.
        ahead: asyncio.Queue[WorkItem | None] = asyncio.Queue(PLAN_AHEAD)

        async def planner() -> None:
            # On an error the task group cancels the loop below: no end marker is needed then
            # (and waiting to put one into a full queue nobody drains would never end).
            async for item in plan:
                size = item.file.size if item.file else (item.old.size if item.old else 0)
                progress(FileQueued(item.relfilename, _action_of(item), size))
                await ahead.put(item)
            await ahead.put(None)

        try:
            await _run_group(planner, ahead, slots, problems, run, task)
        except BaseExceptionGroup as group_error:
            # File-level failures never get here (each file task catches its own); what does
            # is a failure of the run itself (an unreadable root): raise it as it is, not
            # wrapped in a group.
            raise first_leaf(group_error) from None
        if run.stop.is_set():
            raise journal.stopped(_sync_stop_note(run.aborted), run.unjournaled)

    def current_mtime(name: str) -> int | None:
        if name in run.journaled:
            return run.journaled[name]
        record = state.files.get(name)
        return None if record is None else record.mtime

    result.stray_uploads = await handle_stray_uploads(
        api, vault, resume=resume, current_mtime=current_mtime, progress=progress
    )
    result.seconds = time.monotonic() - started
    _finish(progress, result)
    return result


async def _run_group(
    planner: Callable[[], Coroutine[Any, Any, None]],
    ahead: asyncio.Queue[WorkItem | None],
    slots: asyncio.Semaphore,
    problems: list[WalkProblem],
    run: _Run,
    task: Callable[[WorkItem], Coroutine[Any, Any, None]],
) -> None:
    """Start the planner, then a task per work item as slots free up.

    When the journal fails (``run.stop``), planning ends and no new task starts; the tasks
    in flight finish (their uploads stop or end, see :class:`UploadContext`).
    """
    async with asyncio.TaskGroup() as group:
        planning = group.create_task(planner())

        async def stopper() -> None:
            failing = asyncio.ensure_future(run.journal.failure())
            stopping = asyncio.ensure_future(run.stop.wait())
            try:
                await asyncio.wait((failing, stopping), return_when=asyncio.FIRST_COMPLETED)
            finally:
                failing.cancel()
                stopping.cancel()
            run.stop.set()
            planning.cancel()
            with contextlib.suppress(asyncio.QueueFull):
                ahead.put_nowait(None)  # wakes the loop below if it waits for work

        stopping_task = group.create_task(stopper())
        while (work := await ahead.get()) is not None and not run.stop.is_set():
            if work.action == "delete":
                run.problem_dirs = [
                    p.relfilename for p in problems if p.reason.startswith("cannot list")
                ]
            await slots.acquire()
            if run.stop.is_set():
                slots.release()
                break
            group.create_task(task(work))
        stopping_task.cancel()


def _sync_stop_note(aborted: int) -> str:
    note = "sync stopped: no new upload started"
    if aborted:
        note += f", {aborted} multipart upload{'s' if aborted > 1 else ''} in flight aborted"
    return note


async def ensure_vault(api: GlacierApi, vault: str) -> None:
    """Fail with one clear line when ``vault`` does not exist (instead of once per file)."""
    try:
        await api.describe_vault(vault)
    except RemoteError as exc:
        if exc.code == "ResourceNotFoundException":
            raise AioGlacierError(
                f'vault "{vault}" does not exist (create it with: aioglacier create-vault {vault})'
            ) from None
        raise


def _action_of(item: WorkItem) -> Action:
    if item.action == "delete":
        return "delete"
    return "upload" if item.action == "upload" else "replace"


def _finish(progress: ProgressSink, result: SyncResult) -> None:
    progress(
        RunFinished(
            done=len(result.uploaded) + len(result.replaced) + len(result.deleted),
            skipped=len(result.skipped),
            failed=len(result.failed),
            bytes=result.bytes_uploaded,
            seconds=result.seconds,
        )
    )


async def upload_one_file(
    api: GlacierApi,
    *,
    vault: str,
    journal_path: str | os.PathLike[str],
    relfilename: str,
    part_size: int,
    concurrency: int,
    path: str | os.PathLike[str] | None = None,
    stream: Callable[[int], bytes] | None = None,
    max_size: int | None = None,
    mtime: int | None = None,
    executor: Executor | None = None,
    progress: ProgressSink = null_sink,
    clock: Callable[[], float] = time.time,
    journal_write: Callable[[int, bytes], int] = os.write,
) -> FileResult:
    """mtglacier's upload-file: one file, or a stream, under ``relfilename``.

    ``stream`` is a blocking ``read(n)`` (standard input's, say), read in executor threads and
    uploaded part by part as it arrives; ``max_size`` bounds it (and sets the part size so it
    fits in 10,000 parts). Refuses a name the journal already holds. Raises on failure; when
    the journal cannot take the archive's line, :class:`JournalWriteError` names the archive.
    ``journal_write`` is the journal writer's ``os.write`` (tests inject failures).
    """
    from aioglacier.safepath import check_name

    check_name(relfilename)  # the name rules of sync: restore could write it back
    if progress is not null_sink:
        api = api.bind(listener=progress)
    if (path is None) == (stream is None):
        raise AioGlacierError("give exactly one of path and stream")
    state = await load_journal(journal_path)
    if relfilename in state.files:
        raise AioGlacierError(f'file "{relfilename}" is already in the journal')
    loop = asyncio.get_running_loop()
    size = mtime_ns = 0
    file_mtime = int(clock())
    if path is not None:
        st = await loop.run_in_executor(executor, os.stat, os.fspath(path))
        size, file_mtime, mtime_ns = st.st_size, int(st.st_mtime), st.st_mtime_ns
        if size == 0:
            raise AioGlacierError(f'"{relfilename}": {EMPTY_FILE_REASON}')
    if mtime is not None:
        file_mtime = mtime
    await ensure_vault(api, vault)
    resume = ResumeStore(resume_path_for(journal_path), executor=executor)
    await resume.load()
    ctx = UploadContext(
        api=api,
        vault=vault,
        part_size=part_size,
        budget=ByteBudget(concurrency * part_size),
        resume=resume,
        executor=executor,
        progress=progress,
        clock=clock,
    )
    progress(FileStarted(relfilename, "upload", size))
    async with JournalWriter(
        journal_path, fsync=1.0, executor=executor, write=journal_write
    ) as journal:
        if journal.torn_tail:
            progress(Message(f"journal: {journal.torn_tail}", "warning"))
        if stream is not None:
            outcome = await upload_stream(
                ctx,
                relfilename,
                stream,
                mtime=file_mtime,
                max_size=max_size if max_size is not None else MAX_STREAM_SIZE,
            )
        else:
            assert path is not None
            outcome = await upload_file(
                ctx,
                relfilename,
                path=os.fspath(path),
                size=size,
                mtime=file_mtime,
                mtime_ns=mtime_ns,
            )
        record = Created(
            time=int(clock()),
            archive_id=outcome.archive_id,
            size=outcome.size,
            mtime=file_mtime,
            treehash=outcome.tree_hash,
            relfilename=relfilename,
        )
        try:
            await asyncio.shield(journal.append(record))
        except JournalError:
            done = f'uploaded "{relfilename}" as archive {outcome.archive_id}'
            raise journal.stopped("the upload finished but was not journaled", [done]) from None
    progress(FileDone(relfilename, "upload", outcome.size, outcome.archive_id))
    return FileResult(relfilename, "uploaded", outcome.size, outcome.archive_id)
