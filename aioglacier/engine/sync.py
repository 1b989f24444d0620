"""Fan-out of a sync (and of upload-file): files in flight, the journal, progress, stopping.

One :class:`~aioglacier.fanout.Fanout` holds every file's task, at most twice the request
concurrency at once (reading runs ahead of sending); the backend's request limiter bounds
HTTP requests; the :class:`~aioglacier.limits.ByteBudget` bounds memory. Each work action has
its handler (:data:`_HANDLERS`), and a failure fails its file only. Cancelling the awaiting
task cancels every request in flight; the journal still gets every finished transfer
(:meth:`~aioglacier.engine.run.Run.journal`), and multipart uploads stay resumable.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from concurrent.futures import Executor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from aioglacier import progress as events
from aioglacier.backends.base import Backend, StoredObject
from aioglacier.costs import PriceTable, age_days, estimate_sync
from aioglacier.engine.run import Run, RunEnv, open_run
from aioglacier.engine.strays import StrayUpload, handle_stray_uploads
from aioglacier.engine.upload import (
    SmallFileReader,
    UploadContext,
    UploadOutcome,
    UploadStoppedError,
    upload_file,
    upload_stream,
)
from aioglacier.errors import AioGlacierError, NotFound, first_leaf
from aioglacier.fanout import Fanout
from aioglacier.filters import Filter
from aioglacier.journal import Created, Deleted, JournalError, load_journal
from aioglacier.limits import ByteBudget
from aioglacier.planner import (
    LocalFile,
    SyncPlanOptions,
    WalkProblem,
    WorkItem,
    plan_sync,
    resolve_under,
    walk,
)
from aioglacier.progress import Action, ProgressSink, null_sink
from aioglacier.resume import ResumeStore, resume_path_for
from aioglacier.treehash import tree_hash_file

__all__ = ["FileResult", "SyncResult", "run_sync", "upload_one_file"]

Status = Literal["uploaded", "replaced", "deleted", "unchanged", "skipped", "failed"]

EMPTY_FILE_REASON = "empty file: Glacier refuses empty archives"
#: Work items planned ahead of the uploads (bounded memory: a few MB).
PLAN_AHEAD = 10_000


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
    the run: the ones that are ours were aborted (see :mod:`aioglacier.engine.strays`)."""

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
class _Sync:
    """What a sync's file handlers share beyond the :class:`Run`."""

    run: Run[SyncResult]
    backend: Backend
    upload: UploadContext
    base_dir: Path
    problem_dirs: list[str] = field(default_factory=list)
    #: Multipart uploads in flight aborted because the run stopped.
    aborted: int = 0
    journaled: dict[str, int | None] = field(default_factory=dict)
    """The mtime of every file journaled by this run."""

    def record(self, item: FileResult) -> None:
        self.run.result.files.append(item)


def _created(clock: Callable[[], float], rel: str, mtime: int | None, o: UploadOutcome) -> Created:
    return Created(
        time=int(clock()),
        archive_id=o.archive_id,
        size=o.size,
        mtime=mtime,
        treehash=o.tree_hash,
        relfilename=rel,
    )


async def _journal_created(s: _Sync, rel: str, mtime: int | None, outcome: UploadOutcome) -> None:
    record = _created(s.run.clock, rel, mtime, outcome)
    await s.run.journal(record, f'uploaded "{rel}" as archive {outcome.archive_id}')
    s.journaled[rel] = mtime


async def _delete_archive(s: _Sync, old: Created) -> None:
    obj = StoredObject(old.archive_id, old.relfilename, old.size, old.treehash)
    with contextlib.suppress(NotFound):
        await s.backend.bind(subject=old.relfilename).delete(obj)
    record = Deleted(
        time=int(s.run.clock()), archive_id=old.archive_id, relfilename=old.relfilename
    )
    await s.run.journal(record, f'deleted archive {old.archive_id} of "{old.relfilename}"')


def _under_problem_dir(s: _Sync, name: str) -> bool:
    return any(d == "." or name.startswith(d + "/") for d in s.problem_dirs)


def _failed(s: _Sync, rel: str, action: Action, size: int, exc: BaseException) -> None:
    """A file's failure: reported (unless the run's stop says it all) and recorded."""
    if isinstance(exc, UploadStoppedError):
        # The run stopped (its journal failed): the error that ends it says it all.
        if exc.upload_id is not None:
            s.aborted += 1
        s.record(FileResult(rel, "failed", size, reason=str(exc)))
    elif isinstance(exc, JournalError):
        # This file's line could not be written: named in the error that ends the run.
        s.record(FileResult(rel, "failed", size, reason=str(exc)))
    else:
        reason = _describe(exc)
        s.run.progress(events.FileFailed(rel, action, reason))
        s.record(FileResult(rel, "failed", size, reason=reason))


#: What fails one file (and not the run).
_FILE_ERRORS = (AioGlacierError, OSError, ValueError)


async def _handle_delete(s: _Sync, item: WorkItem) -> None:
    """A file removed locally: delete its archive (unless it is still there after all)."""
    rel, old = item.relfilename, item.old
    assert old is not None
    try:
        path = resolve_under(s.base_dir, rel)
        loop = asyncio.get_running_loop()
        exists = await loop.run_in_executor(s.run.executor, os.path.lexists, path)
        if exists or _under_problem_dir(s, rel):
            reason = "still on disk" if exists else "its directory could not be read"
            s.run.progress(events.FileSkipped(rel, f"not deleted: {reason}"))
            s.record(FileResult(rel, "skipped", old.size, reason=reason))
            return
        s.run.progress(events.FileStarted(rel, "delete", old.size))
        await _delete_archive(s, old)
    except _FILE_ERRORS as exc:
        _failed(s, rel, "delete", 0, exc)
        return
    s.run.progress(events.FileDone(rel, "delete", old.size, old.archive_id))
    s.record(FileResult(rel, "deleted", old.size, old.archive_id))


async def _handle_upload(s: _Sync, item: WorkItem) -> None:
    """A new or modified file (``verify-replace``: only when its tree hash differs)."""
    f, rel = item.file, item.relfilename
    assert f is not None
    action = _action_of(item)
    if f.size == 0 and not s.backend.capabilities.empty_objects:
        s.run.progress(events.FileSkipped(rel, EMPTY_FILE_REASON))
        s.record(FileResult(rel, "skipped", 0, reason=EMPTY_FILE_REASON))
        return
    s.run.progress(events.FileStarted(rel, action, f.size))
    try:
        if item.action == "verify-replace":
            assert item.old is not None
            local = await tree_hash_file(f.path, executor=s.run.executor)
            if local.tree_hash.hex() == item.old.treehash and local.size == item.old.size:
                s.run.progress(events.FileSkipped(rel, "unchanged: tree hash matches the journal"))
                s.record(FileResult(rel, "unchanged", f.size, item.old.archive_id))
                return
        outcome = await upload_file(
            s.upload,
            rel,
            path=f.path,
            size=f.size,
            mtime=f.mtime,
            mtime_ns=f.mtime_ns,
            create_only=item.old is None,  # a key the journal does not know: never clobbered
        )
        await _journal_created(s, rel, f.mtime, outcome)
        if item.old is not None:
            await _delete_archive(s, item.old)
    except _FILE_ERRORS as exc:
        _failed(s, rel, action, f.size, exc)
        return
    status: Status = "uploaded" if item.old is None else "replaced"
    detail = ""
    if outcome.resumed:
        detail = f"resumed: {outcome.parts_reused} parts reused, {outcome.parts_sent} sent"
    s.run.progress(events.FileDone(rel, action, f.size, outcome.archive_id, detail))
    s.record(FileResult(rel, status, f.size, outcome.archive_id, detail))


#: One handler per work action of the planner.
_HANDLERS: dict[str, Callable[[_Sync, WorkItem], Awaitable[None]]] = {
    "delete": _handle_delete,
    "upload": _handle_upload,
    "replace": _handle_upload,
    "verify-replace": _handle_upload,
}


async def _process(s: _Sync, item: WorkItem) -> None:
    if s.run.stopped:
        return  # the run is stopping: start nothing new
    await _HANDLERS[item.action](s, item)


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
    backend: Backend,
    *,
    base_dir: str | os.PathLike[str],
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
    price_table: PriceTable | None = None,
    storage_class: str | None = None,
) -> SyncResult:
    """Sync ``base_dir`` to ``backend``, journaling into ``journal_path`` (see :class:`Client`).

    A journal that cannot be written (a full disk) stops the sync at once: no new upload
    starts, multipart uploads in flight are aborted, single requests already sent finish, and
    :class:`JournalWriteError` names every archive uploaded or deleted that the journal
    misses. ``journal_write`` is the journal writer's ``os.write`` (tests inject failures).
    A ``dry_run`` with a ``price_table`` ends with the run's cost estimate for objects of
    ``storage_class`` (``None``: a vault): see :func:`aioglacier.costs.estimate_sync`.

    Raises:
        JournalWriteError: the journal could not be written (the run stopped).
    """
    started = time.monotonic()
    if progress is not null_sink:
        backend = backend.bind(listener=progress)
    result = SyncResult()
    state = await load_journal(journal_path)
    if state.torn_tail and dry_run:  # else the writer sets the line aside and says so
        progress(events.Message(f"journal: {state.torn_tail}", "warning"))
    problems: list[WalkProblem] = []
    scanned = [0, 0]

    async def files() -> AsyncIterator[LocalFile | WalkProblem]:
        async for entry in walk(base_dir, filter=filter, follow=follow, executor=executor):
            if isinstance(entry, LocalFile):
                scanned[0] += 1
                scanned[1] += entry.size
                if scanned[0] % 1000 == 0:
                    progress(events.ScanProgress(scanned[0], scanned[1]))
            elif entry.status == "skipped":
                progress(events.FileSkipped(entry.relfilename, entry.reason))
                result.files.append(FileResult(entry.relfilename, "skipped", reason=entry.reason))
            else:
                progress(events.Message(f"{entry.relfilename}: {entry.reason}", "warning"))
                status: Status = "skipped" if entry.warning else "failed"
                result.files.append(FileResult(entry.relfilename, status, reason=entry.reason))
            yield entry
        progress(events.ScanProgress(scanned[0], scanned[1], done=True))

    plan = plan_sync(files(), state, options, filter=filter, problems=problems)
    if dry_run:
        uploads: list[int] = []
        removed: list[tuple[int, float]] = []
        now = clock()
        async for item in plan:
            line = _dry_run_line(item)
            result.plan.append(line)
            progress(events.Message(line))
            if item.file is not None and item.action != "delete":
                uploads.append(item.file.size)
            if item.old is not None:
                removed.append((item.old.size, age_days(item.old.time, now)))
        if price_table is not None:
            caps = backend.capabilities
            estimate = estimate_sync(
                price_table,
                storage_class,
                uploads,
                removed,
                part_size=part_size,
                single_max=min(part_size, caps.max_single_put),
            )
            for line in estimate.lines():
                progress(events.Message(line))
        result.seconds = time.monotonic() - started
        _finish(progress, result)
        return result

    env = RunEnv(progress, clock, executor, journal_write)
    ctx, resume = await _prepare_uploads(backend, journal_path, part_size, concurrency, env)
    # Room for every file in flight: an append never waits for room in the queue.
    queue_size = max(1024, 4 * concurrency)
    async with open_run(
        journal_path, result, env, queue_size=queue_size, resume=resume, budget=ctx.budget
    ) as run:
        s = _Sync(
            run=run,
            backend=backend,
            upload=replace(ctx, small_reader=SmallFileReader(executor), stop=run.stop),
            base_dir=Path(base_dir),
        )
        # The plan runs ahead of the uploads by up to PLAN_AHEAD items, so the display knows
        # the work to come (files and bytes, hence an ETA) long before the walk ends, while
        # memory stays bounded whatever the tree.
        ahead: asyncio.Queue[WorkItem | None] = asyncio.Queue(PLAN_AHEAD)

        async def planner() -> None:
            # On an error the fan-out cancels the loop below: no end marker is needed then
            # (and waiting to put one into a full queue nobody drains would never end).
            async for item in plan:
                size = item.file.size if item.file else (item.old.size if item.old else 0)
                progress(events.FileQueued(item.relfilename, _action_of(item), size))
                await ahead.put(item)
            await ahead.put(None)

        try:
            await _run_group(planner(), ahead, problems, s, concurrency * 2)
        except BaseExceptionGroup as group_error:
            # File-level failures never get here (each handler catches its own); what does
            # is a failure of the run itself (an unreadable root): raise it as it is, not
            # wrapped in a group.
            raise first_leaf(group_error) from None
        run.raise_if_stopped(_sync_stop_note(s.aborted))

    def current_mtime(name: str) -> int | None:
        if name in s.journaled:
            return s.journaled[name]
        record = state.files.get(name)
        return None if record is None else record.mtime

    result.stray_uploads = await handle_stray_uploads(
        backend, resume=resume, current_mtime=current_mtime, progress=progress
    )
    result.seconds = time.monotonic() - started
    _finish(progress, result)
    return result


async def _prepare_uploads(
    backend: Backend,
    journal_path: str | os.PathLike[str],
    part_size: int,
    concurrency: int,
    env: RunEnv,
) -> tuple[UploadContext, ResumeStore]:
    """Check the store is there (one clear line when not, instead of one per file), load the
    resume store, and make the run's upload context (its byte budget: ``concurrency`` parts)."""
    await backend.ensure_exists()
    resume = ResumeStore(resume_path_for(journal_path), executor=env.executor)
    await resume.load()
    ctx = UploadContext(
        backend=backend,
        part_size=part_size,
        budget=ByteBudget(concurrency * part_size),
        resume=resume,
        executor=env.executor,
        progress=env.progress,
        clock=env.clock,
    )
    return ctx, resume


async def _run_group(
    planner: Coroutine[Any, Any, None],
    ahead: asyncio.Queue[WorkItem | None],
    problems: list[WalkProblem],
    s: _Sync,
    files_in_flight: int,
) -> None:
    """Start the planner, then a task per work item as the fan-out has room.

    When the journal fails (``run.stop``), planning ends and no new task starts; the tasks
    in flight finish (their uploads stop or end, see :class:`UploadContext`).
    """
    run = s.run
    async with Fanout(files_in_flight, run.stop) as fan:
        planning = fan.create_task(planner)

        async def stopper() -> None:
            failing = asyncio.ensure_future(run.journal_writer.failure())
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

        stopping_task = fan.create_task(stopper())
        while (work := await ahead.get()) is not None and not run.stopped:
            if work.action == "delete":
                s.problem_dirs = [
                    p.relfilename for p in problems if p.reason.startswith("cannot list")
                ]
            if not await fan.start(functools.partial(_process, s, work)):
                break
        stopping_task.cancel()


def _sync_stop_note(aborted: int) -> str:
    note = "sync stopped: no new upload started"
    if aborted:
        note += f", {aborted} multipart upload{'s' if aborted > 1 else ''} in flight aborted"
    return note


def _action_of(item: WorkItem) -> Action:
    if item.action == "delete":
        return "delete"
    return "upload" if item.action == "upload" else "replace"


def _finish(progress: ProgressSink, result: SyncResult) -> None:
    progress(
        events.RunFinished(
            done=len(result.uploaded) + len(result.replaced) + len(result.deleted),
            skipped=len(result.skipped),
            failed=len(result.failed),
            bytes=result.bytes_uploaded,
            seconds=result.seconds,
        )
    )


async def upload_one_file(
    backend: Backend,
    *,
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
    fits in the store's parts; default: the largest object the store holds). Refuses a name
    the journal already holds. Raises on failure; when the journal cannot take the archive's
    line, :class:`JournalWriteError` names the archive. ``journal_write`` is the journal
    writer's ``os.write`` (tests inject failures).
    """
    from aioglacier.safepath import check_name

    check_name(relfilename)  # the name rules of sync: restore could write it back
    if progress is not null_sink:
        backend = backend.bind(listener=progress)
    if (path is None) == (stream is None):
        raise AioGlacierError("give exactly one of path and stream")
    state = await load_journal(journal_path)
    if relfilename in state.files:
        raise AioGlacierError(f'file "{relfilename}" is already in the journal')
    loop = asyncio.get_running_loop()
    caps = backend.capabilities
    size = mtime_ns = 0
    file_mtime = int(clock())
    if path is not None:
        st = await loop.run_in_executor(executor, os.stat, os.fspath(path))
        size, file_mtime, mtime_ns = st.st_size, int(st.st_mtime), st.st_mtime_ns
        if size == 0 and not caps.empty_objects:
            raise AioGlacierError(f'"{relfilename}": {EMPTY_FILE_REASON}')
    if mtime is not None:
        file_mtime = mtime
    env = RunEnv(progress, clock, executor, journal_write)
    ctx, resume = await _prepare_uploads(backend, journal_path, part_size, concurrency, env)
    progress(events.FileStarted(relfilename, "upload", size))
    async with open_run(journal_path, None, env, resume=resume, budget=ctx.budget) as run:
        if stream is not None:
            outcome = await upload_stream(
                ctx,
                relfilename,
                stream,
                mtime=file_mtime,
                max_size=max_size if max_size is not None else caps.max_object_size,
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
        done = f'uploaded "{relfilename}" as archive {outcome.archive_id}'
        try:
            await run.journal(_created(clock, relfilename, file_mtime, outcome), done)
        except JournalError:
            raise run.stopped_error("the upload finished but was not journaled") from None
    progress(events.FileDone(relfilename, "upload", outcome.size, outcome.archive_id))
    return FileResult(relfilename, "uploaded", outcome.size, outcome.archive_id)
