"""The restore side: retrieval jobs, verified parallel downloads, purge, inventories.

mtglacier restores in two passes: ``restore`` starts archive-retrieval jobs (and journals
RETRIEVE_JOB lines); hours later ``restore-completed`` downloads the archives whose jobs have
completed. Downloads go in ranged segments of 1 MiB x 2^n aligned to their size, so Glacier
returns a tree hash for each; every segment is checked on arrival (retried alone when wrong),
the whole file is checked against the journal, and only then renamed from its temporary name
into place with its mtime from the journal. A name from a journal or an inventory is data from
outside: it never makes us write outside the target directory.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from aioglacier import staging
from aioglacier.backends.glacier import GlacierApi
from aioglacier.errors import AioGlacierError, RemoteError, first_leaf
from aioglacier.filters import Filter
from aioglacier.inventory import Inventory, inventory_to_records, parse_inventory
from aioglacier.journal import (
    Created,
    Deleted,
    JournalError,
    JournalState,
    JournalWriter,
    RetrieveJob,
    format_record,
    load_journal,
)
from aioglacier.limits import ByteBudget
from aioglacier.progress import (
    BytesTransferred,
    FileDone,
    FileFailed,
    FileQueued,
    FileSkipped,
    FileStarted,
    Message,
    ProgressSink,
    RunFinished,
    null_sink,
)
from aioglacier.retry import RetryPolicy
from aioglacier.safepath import Platform, UnsafePathError, restore_name, safe_target
from aioglacier.treehash import MIB, tree_hash, tree_hash_from_parts

__all__ = [
    "DEFAULT_SEGMENT_SIZE",
    "RETRIEVE_JOB_WINDOW",
    "OperationResult",
    "Outcome",
    "Tier",
    "download_inventory",
    "list_all_jobs",
    "newest_inventory",
    "purge_vault",
    "restore_completed",
    "retrieve_inventory",
    "start_restore",
]

Tier = Literal["Expedited", "Standard", "Bulk"]
TIERS: tuple[Tier, ...] = ("Expedited", "Standard", "Bulk")

#: mtglacier's rule: a file with a RETRIEVE_JOB line younger than this gets no new job. We ask
#: the service instead (see :func:`start_restore`); kept for callers of the old rule.
RETRIEVE_JOB_WINDOW = 24 * 3600
#: Files larger than this are downloaded in parallel segments of this size by default.
DEFAULT_SEGMENT_SIZE = 16 * MIB


@dataclass(frozen=True)
class Outcome:
    """What happened to one file or archive."""

    relfilename: str
    status: Literal["done", "skipped", "failed", "planned"]
    detail: str = ""
    archive_id: str | None = None
    size: int = 0


@dataclass
class OperationResult:
    """Outcomes of a restore-side operation, with counts."""

    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0

    def _with(self, status: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == status]

    @property
    def done(self) -> list[Outcome]:
        """Files restored, jobs started, archives deleted."""
        return self._with("done")

    @property
    def skipped(self) -> list[Outcome]:
        """Files left alone, with reasons."""
        return self._with("skipped")

    @property
    def failed(self) -> list[Outcome]:
        """Failures, with reasons."""
        return self._with("failed")

    @property
    def planned(self) -> list[Outcome]:
        """With ``dry_run``: what would be done."""
        return self._with("planned")

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return not self.failed

    @property
    def bytes_done(self) -> int:
        """Bytes of the files restored (or archives deleted)."""
        return sum(o.size for o in self.done)


def _observed(api: GlacierApi, progress: ProgressSink) -> GlacierApi:
    """``api`` reporting its retries to ``progress`` (as Retrying events)."""
    return api if progress is null_sink else api.bind(listener=progress)


def _finish(progress: ProgressSink, result: OperationResult, started: float) -> OperationResult:
    result.seconds = time.monotonic() - started
    progress(
        RunFinished(
            done=len(result.done),
            skipped=len(result.skipped),
            failed=len(result.failed),
            bytes=result.bytes_done,
            seconds=result.seconds,
        )
    )
    return result


async def _load_outside_journal(
    journal_path: Path,
    executor: Executor | None,
    progress: ProgressSink,
    result: OperationResult,
) -> JournalState:
    """Load a journal whose names are outside data: an entry with a refused name (``..``, an
    absolute path...) is reported as failed and left out; the others go on."""
    state = await load_journal(journal_path, executor=executor, skip_bad_names=True)
    for message in state.skipped:
        progress(Message(message, "warning"))
        result.outcomes.append(Outcome("(journal)", "failed", message))
    return state


def _selected(state: JournalState, flt: Filter | None) -> list[Created]:
    return [state.files[n] for n in sorted(state.files) if flt is None or flt.matches(n)]


@dataclass(frozen=True)
class _NameRules:
    """Whose file-name rules a restore applies (see :mod:`aioglacier.safepath`)."""

    platform: Platform | None = None
    escape_windows_names: bool = False

    def local_name(self, relfilename: str) -> str:
        """The name a journal file is restored under (itself, or its Windows escape)."""
        return restore_name(
            relfilename, platform=self.platform, escape_windows_names=self.escape_windows_names
        )


def _missing_target(base_dir: Path, name: str, rules: _NameRules) -> tuple[str | None, str | None]:
    """(local name, None) when the file is missing and safe to write; (None, reason)
    otherwise. The local name is the journal's, or its escape for Windows."""
    try:
        local = rules.local_name(name)
        target = safe_target(base_dir, local, platform=rules.platform)
        if os.path.lexists(target):
            return None, "exists"
    except UnsafePathError as exc:
        return None, str(exc)
    except OSError as exc:  # ENAMETOOLONG, EACCES...: this file fails, the others go on
        return None, f"cannot check the target: {exc.strerror or exc}"
    return local, None


def _missing_targets(
    base_dir: Path, names: list[str], rules: _NameRules
) -> list[tuple[str | None, str | None]]:
    """:func:`_missing_target` for many names in one executor job."""
    return [_missing_target(base_dir, name, rules) for name in names]


def _escaped_note(record: Created, local: str) -> str:
    return f"restored as {local!r}: Windows cannot hold the name {record.relfilename!r}"


async def _bounded(
    concurrency: int,
    jobs: list[Callable[[], Awaitable[None]]],
    stop: asyncio.Event | None = None,
) -> None:
    """Run ``jobs``, ``concurrency`` at a time; once ``stop`` is set, start no more (those
    running finish)."""
    sem = asyncio.Semaphore(concurrency)

    async def run(job: Callable[[], Awaitable[None]]) -> None:
        try:
            await job()
        finally:
            sem.release()

    async with asyncio.TaskGroup() as group:
        for job in jobs:
            if stop is not None and stop.is_set():
                break
            await sem.acquire()
            if stop is not None and stop.is_set():
                sem.release()
                break
            group.create_task(run(job))


class _Stop:
    """A restore-side command's journal guard: the first record the journal cannot take
    stops the command; what it did that the journal misses is kept for the error."""

    def __init__(self, journal: JournalWriter) -> None:
        self.journal = journal
        self.event = asyncio.Event()
        self.unjournaled: list[str] = []

    async def append(self, record: Created | Deleted | RetrieveJob, done: str) -> bool:
        """Journal ``record`` (shielded); False, and the command stops, when it cannot be."""
        try:
            await asyncio.shield(self.journal.append(record))
        except JournalError:
            self.unjournaled.append(done)
            self.event.set()
            return False
        return True

    def raise_if_stopped(self, what: str) -> None:
        """Raise the command's :class:`JournalWriteError` when it stopped."""
        if self.event.is_set():
            raise self.journal.stopped(what, self.unjournaled)


def _is_retrieval_of(job: dict[str, Any], record: Created) -> bool:
    """Whether ``job`` retrieves the whole archive of ``record``."""
    return (
        job.get("Action") == "ArchiveRetrieval"
        and job.get("ArchiveId") == record.archive_id
        and _whole_archive(job, record.size)
    )


async def _retrieval_jobs(
    api: GlacierApi, vault: str, records: dict[str, Created]
) -> dict[str, list[dict[str, Any]]]:
    """The whole-archive retrieval jobs the service knows for ``records`` (by archive id, in
    the service's order): ONE List Jobs pass, whatever the number of files."""
    found: dict[str, list[dict[str, Any]]] = {}
    async for job in api.list_jobs(vault):
        record = records.get(str(job.get("ArchiveId")))
        if record is not None and _is_retrieval_of(job, record):
            found.setdefault(record.archive_id, []).append(job)
    return found


def _blocking_job(jobs: list[dict[str, Any]]) -> dict[str, Any] | None:
    """A job that makes a new request a duplicate: one in progress, or one that succeeded
    and whose output can still be read (the service lists a job until it expires)."""
    for status in ("Succeeded", "InProgress"):
        for job in jobs:
            if job.get("StatusCode") == status:
                return job
    return None


# ------------------------------------------------------------------------------------ restore


async def start_restore(
    api: GlacierApi,
    *,
    base_dir: Path,
    vault: str,
    journal_path: Path,
    max_number_of_files: int,
    tier: Tier | None = None,
    filter: Filter | None = None,
    dry_run: bool = False,
    concurrency: int = 8,
    executor: Executor | None = None,
    progress: ProgressSink = null_sink,
    clock: Callable[[], float] = time.time,
    journal_write: Callable[[int, bytes], int] = os.write,
    platform: Platform | None = None,
    escape_windows_names: bool = False,
) -> OperationResult:
    """mtglacier's ``restore``: start retrieval jobs for journal files missing on disk.

    The service decides what is a duplicate (one List Jobs pass): a file whose archive has a
    retrieval job in progress, or one that succeeded and can still be downloaded, gets no new
    job (a paid retrieval is never asked twice); a file whose last job failed, or whose job
    the service no longer knows (expired), gets a new one. At most ``max_number_of_files``
    jobs are started; each is journaled as a RETRIEVE_JOB line. A journal that cannot be
    written stops the command (no new job is asked for; :class:`JournalWriteError` names the
    jobs started that the journal misses). A name that ``restore_completed`` could not write
    on ``platform`` (``None``: this system; see :mod:`aioglacier.safepath`) is refused and
    gets no job; with ``escape_windows_names``, a name that breaks only Windows rules is
    checked under its escaped form.
    """
    started = time.monotonic()
    api = _observed(api, progress)
    result = OperationResult()
    loop = asyncio.get_running_loop()
    state = await _load_outside_journal(journal_path, executor, progress, result)
    if state.torn_tail and dry_run:  # else the writer sets the line aside and says so
        progress(Message(f"journal: {state.torn_tail}", "warning"))
    todo: list[Created] = []
    selected = _selected(state, filter)
    rules = _NameRules(platform, escape_windows_names)
    checks = await loop.run_in_executor(
        executor, _missing_targets, base_dir, [r.relfilename for r in selected], rules
    )
    missing: list[Created] = []
    for record, (target, reason) in zip(selected, checks, strict=True):
        if target is not None:
            missing.append(record)
        elif reason != "exists":
            progress(FileFailed(record.relfilename, "retrieve", f"refused: {reason}"))
            result.outcomes.append(Outcome(record.relfilename, "failed", f"refused: {reason}"))
    known = await _retrieval_jobs(api, vault, {r.archive_id: r for r in missing}) if missing else {}
    for record in missing:
        blocking = _blocking_job(known.get(record.archive_id, []))
        if blocking is not None:
            job_id = blocking.get("JobId")
            why = (
                f"retrieval job {job_id} in progress"
                if blocking.get("StatusCode") == "InProgress"
                else f"retrieval job {job_id} completed: run restore-completed"
            )
            progress(FileSkipped(record.relfilename, why))
            result.outcomes.append(Outcome(record.relfilename, "skipped", why, record.archive_id))
            continue
        if len(todo) >= max_number_of_files:
            break
        todo.append(record)
    if dry_run:
        for record in todo:
            line = f"Will RETRIEVE archive {record.archive_id} (file {record.relfilename})"
            progress(Message(line))
            result.outcomes.append(Outcome(record.relfilename, "planned", line, record.archive_id))
        return _finish(progress, result, started)

    params_base: dict[str, Any] = {"Type": "archive-retrieval"}
    if tier is not None:
        params_base["Tier"] = tier
    async with JournalWriter(
        journal_path, fsync=1.0, executor=executor, write=journal_write
    ) as journal:
        if journal.torn_tail:
            progress(Message(f"journal: {journal.torn_tail}", "warning"))
        guard = _Stop(journal)

        def job_for(record: Created) -> Callable[[], Awaitable[None]]:
            async def go() -> None:
                progress(FileStarted(record.relfilename, "retrieve", record.size))
                try:
                    job_id = await api.bind(subject=record.relfilename).initiate_job(
                        vault, {**params_base, "ArchiveId": record.archive_id}
                    )
                except AioGlacierError as exc:
                    progress(FileFailed(record.relfilename, "retrieve", str(exc)))
                    result.outcomes.append(Outcome(record.relfilename, "failed", str(exc)))
                    return
                line = RetrieveJob(time=int(clock()), archive_id=record.archive_id, job_id=job_id)
                done = f'started retrieval job {job_id} for "{record.relfilename}"'
                if not await guard.append(line, done):
                    return
                progress(FileDone(record.relfilename, "retrieve", record.size, record.archive_id))
                result.outcomes.append(
                    Outcome(record.relfilename, "done", f"job {job_id}", record.archive_id)
                )

            return go

        await _bounded(concurrency, [job_for(r) for r in todo], guard.event)
        guard.raise_if_stopped("restore stopped: no new retrieval job asked for")
    return _finish(progress, result, started)


# --------------------------------------------------------------------------------------- jobs


async def list_all_jobs(api: GlacierApi, vault: str, **filters: Any) -> list[dict[str, Any]]:
    """Every job of ``vault``, following every page of List Jobs."""
    return [job async for job in api.list_jobs(vault, **filters)]


@dataclass
class _Download:
    api: GlacierApi
    vault: str
    budget: ByteBudget
    retry: RetryPolicy
    executor: Executor | None
    progress: ProgressSink
    committer: _Committer
    platform: Platform | None = None


class _SegmentError(RemoteError):
    """A segment arrived short or with a wrong tree hash: retried alone."""

    def __init__(self, message: str) -> None:
        super().__init__("SegmentVerificationFailed", message, status=200, retryable=True)


def _hash_only(data: bytes) -> bytes:
    """The tree hash of ``data`` (no linear SHA-256: downloads only need the tree)."""
    return tree_hash(data)


def _verify_and_write(
    fd: int, start: int, data: bytes, service_hash: str | None, label: str
) -> bytes:
    """Hash a segment, refuse it if the service's tree hash differs, else write it: one job."""
    digest = tree_hash(data)
    if service_hash is not None and service_hash != digest.hex():
        raise _SegmentError(
            f"{label}: tree hash {digest.hex()} differs from the service's {service_hash}"
        )
    _write_at(fd, start, data)
    return digest


async def _fetch_segment(
    d: _Download, job_id: str, record: Created, fd: int, start: int, end: int, whole: bool
) -> bytes:
    loop = asyncio.get_running_loop()
    length = end - start + 1

    async def attempt(deadline_at: float) -> bytes:
        async with d.api.job_output(
            d.vault, job_id, byte_range=None if whole else (start, end), deadline_at=deadline_at
        ) as out:
            data = await out.read()
            header = out.tree_hash
        if len(data) != length:
            raise _SegmentError(
                f"{record.relfilename}: bytes {start}-{end}: got {len(data)} of {length} bytes"
            )
        label = f"{record.relfilename}: bytes {start}-{end}"
        return await loop.run_in_executor(
            d.executor, _verify_and_write, fd, start, data, header, label
        )

    async with d.budget.hold(length):
        digest = await d.api.retried("get_job_output", attempt, policy=d.retry)
    d.progress(BytesTransferred(record.relfilename, length))
    return digest


def _write_at(fd: int, offset: int, data: bytes) -> None:
    view = memoryview(data)
    written = 0
    while written < len(data):
        written += os.pwrite(fd, view[written:], offset + written)


def _create_partial(base_dir: Path, local: str, platform: Platform | None) -> staging.PartialFile:
    """Check the name (lstat: executor only), then create the file the download writes:
    a new file no one else has (see :mod:`aioglacier.staging`)."""
    return staging.create(base_dir, safe_target(base_dir, local, platform=platform))


def _finish_partial(partial: staging.PartialFile, record: Created) -> staging.PartialFile:
    staging.finish(partial, record.size, record.mtime)
    return partial


def _commit_batch(batch: list[staging.PartialFile]) -> list[BaseException | None]:
    """Make a batch of downloads durable and put them in place (one executor job).

    Group commit: the batch's data is flushed at once (one file-system sync rather than one
    journal commit per file), then every file is linked under its final name (never replacing
    one), then the directories that received names are flushed. Thousands of small files
    restore quickly, and each is on disk, whole, before it is reported done. Every file of the
    batch is released at the end: nothing the restore created is left but the placed files.
    """
    results: list[BaseException | None] = [None] * len(batch)
    try:
        try:
            staging.flush(batch)
        except OSError as exc:
            return [exc] * len(batch)
        for i, partial in enumerate(batch):
            try:
                staging.place(partial)
            except Exception as exc:
                results[i] = exc
        with contextlib.suppress(OSError):
            staging.flush_directories(p for p, r in zip(batch, results, strict=True) if r is None)
        return results
    finally:
        for partial in batch:
            staging.release(partial)


class _Committer:
    """Collects staged downloads and commits them in batches, one executor job at a time."""

    def __init__(self, executor: Executor | None, max_batch: int = 256) -> None:
        self._executor = executor
        self._max_batch = max_batch
        self._pending: list[tuple[staging.PartialFile, asyncio.Future[None]]] = []
        self._task: asyncio.Task[None] | None = None

    async def commit(self, staged: staging.PartialFile) -> None:
        """Return once ``staged`` is durable under its final name (or raise why not)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        self._pending.append((staged, future))
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._drain())
        # Shielded: once handed over, the file is committed even if this waiter is cancelled.
        await asyncio.shield(future)

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        while self._pending:
            batch = self._pending[: self._max_batch]
            del self._pending[: self._max_batch]
            try:
                results = await loop.run_in_executor(
                    self._executor, _commit_batch, [s for s, _ in batch]
                )
            except BaseException as exc:  # the executor itself failed
                for staged, future in batch:
                    staging.release(staged)
                    if not future.done():
                        future.set_exception(exc)
                raise
            for (_, future), result in zip(batch, results, strict=True):
                if future.done():
                    continue
                if result is None:
                    future.set_result(None)
                else:
                    future.set_exception(result)


def _segment_size_for(size: int, requested: int | None) -> int:
    if requested:
        return requested
    return DEFAULT_SEGMENT_SIZE


def _store_whole(
    base_dir: Path,
    record: Created,
    local: str,
    platform: Platform | None,
    data: bytes,
    service_hash: str | None,
) -> staging.PartialFile:
    """Verify a whole archive's bytes and write them to a new file: one executor job."""
    digest = _hash_only(data).hex()
    if service_hash is not None and service_hash != digest:
        raise _SegmentError(
            f"{record.relfilename}: tree hash {digest} differs from the service's {service_hash}"
        )
    if digest != record.treehash:
        raise AioGlacierError(
            f"tree hash of the download {digest} differs from the journal's {record.treehash}"
        )
    partial = _create_partial(base_dir, local, platform)
    try:
        _write_at(partial.fd, 0, data)
        return _finish_partial(partial, record)
    except BaseException:
        staging.release(partial)
        raise


async def _download_whole(
    d: _Download, base_dir: Path, record: Created, local: str, job_id: str
) -> None:
    """A file of one segment: fetch, then verify and store in ONE executor job."""
    loop = asyncio.get_running_loop()

    async def attempt(deadline_at: float) -> staging.PartialFile:
        async with d.api.job_output(d.vault, job_id, deadline_at=deadline_at) as out:
            data = await out.read()
            header = out.tree_hash
        if len(data) != record.size:
            raise _SegmentError(f"{record.relfilename}: got {len(data)} of {record.size} bytes")
        return await loop.run_in_executor(
            d.executor, _store_whole, base_dir, record, local, d.platform, data, header
        )

    async with d.budget.hold(record.size):
        staged = await d.api.retried("get_job_output", attempt, policy=d.retry)
    d.progress(BytesTransferred(record.relfilename, record.size))
    await d.committer.commit(staged)


async def _download_one(
    d: _Download,
    base_dir: Path,
    record: Created,
    local: str,
    job_id: str,
    segment_size: int | None,
) -> None:
    seg = _segment_size_for(record.size, segment_size)
    if record.size <= seg:
        await _download_whole(d, base_dir, record, local, job_id)
        return
    loop = asyncio.get_running_loop()
    partial = await loop.run_in_executor(d.executor, _create_partial, base_dir, local, d.platform)
    starts = list(range(0, record.size, seg))
    whole = False
    try:
        digests: list[bytes] = [b""] * len(starts)

        async def one(i: int, start: int) -> None:
            end = min(start + seg, record.size) - 1
            digests[i] = await _fetch_segment(d, job_id, record, partial.fd, start, end, whole)

        async with asyncio.TaskGroup() as group:
            for i, start in enumerate(starts):
                group.create_task(one(i, start))
        total = tree_hash_from_parts(digests).hex()
        if total != record.treehash:
            raise AioGlacierError(
                f"tree hash of the download {total} differs from the journal's {record.treehash}"
            )
        await loop.run_in_executor(d.executor, _finish_partial, partial, record)
    except BaseException as exc:
        await asyncio.shield(loop.run_in_executor(d.executor, staging.release, partial))
        if isinstance(exc, BaseExceptionGroup):
            raise first_leaf(exc) from None
        raise
    await d.committer.commit(partial)


async def restore_completed(
    api: GlacierApi,
    *,
    base_dir: Path,
    vault: str,
    journal_path: Path,
    segment_size: int | None = None,
    filter: Filter | None = None,
    dry_run: bool = False,
    wait: bool = False,
    poll: Callable[[int], float] | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    concurrency: int = 8,
    retry: RetryPolicy | None = None,
    executor: Executor | None = None,
    progress: ProgressSink = null_sink,
    platform: Platform | None = None,
    escape_windows_names: bool = False,
) -> OperationResult:
    """mtglacier's ``restore-completed``: download completed retrievals of missing files.

    Follows every page of List Jobs, and starts downloading as pages arrive (a vault with
    thousands of jobs has dozens of pages). With ``wait``, polls (``poll(n)`` gives the n-th
    delay; by default 2 s doubling up to 5 min) until no needed retrieval is in progress.
    Every file missing on disk has an outcome: downloaded; failed when its retrieval job
    failed (with the service's status message) or is no longer known to the service
    (expired); skipped, with the reason, when its job is still in progress or it has none.

    Names follow the rules of ``platform`` (``None``: this system; see
    :mod:`aioglacier.safepath`): a name it cannot hold is refused, or, with
    ``escape_windows_names``, a name that breaks only Windows rules is restored under its
    escaped form (reported in the file's outcome). A file is written to a new file no one else
    has and linked into place only once verified and durable; an existing file is never
    replaced, even one that appears during the download (see :mod:`aioglacier.staging`).
    """
    started = time.monotonic()
    api = _observed(api, progress)
    result = OperationResult()
    loop = asyncio.get_running_loop()
    state = await _load_outside_journal(journal_path, executor, progress, result)
    if state.torn_tail:
        progress(Message(f"journal: {state.torn_tail}", "warning"))
    records = _selected(state, filter)
    d = _Download(
        api,
        vault,
        ByteBudget(concurrency * (segment_size or DEFAULT_SEGMENT_SIZE)),
        retry or RetryPolicy(),
        executor,
        progress,
        _Committer(executor),
        platform,
    )
    rules = _NameRules(platform, escape_windows_names)
    checks = await loop.run_in_executor(
        executor, _missing_targets, base_dir, [r.relfilename for r in records], rules
    )
    needed: dict[str, Created] = {}
    local_names: dict[str, str] = {}
    for record, (local, reason) in zip(records, checks, strict=True):
        if local is not None:
            needed[record.archive_id] = record
            local_names[record.archive_id] = local
        elif reason != "exists":
            msg = f"refused: {reason}"
            progress(FileFailed(record.relfilename, "download", msg))
            result.outcomes.append(Outcome(record.relfilename, "failed", msg))

    async def download(record: Created, job_id: str) -> None:
        local = local_names[record.archive_id]
        progress(FileStarted(record.relfilename, "download", record.size))
        try:
            mine = replace(d, api=d.api.bind(subject=record.relfilename))
            await _download_one(mine, base_dir, record, local, job_id, segment_size)
        except (AioGlacierError, OSError, UnsafePathError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            progress(FileFailed(record.relfilename, "download", reason))
            result.outcomes.append(Outcome(record.relfilename, "failed", reason, record.archive_id))
            return
        note = "" if local == record.relfilename else _escaped_note(record, local)
        if note:
            progress(Message(f"{record.relfilename}: {note}", "warning"))
        progress(FileDone(record.relfilename, "download", record.size, record.archive_id))
        result.outcomes.append(
            Outcome(record.relfilename, "done", note, record.archive_id, record.size)
        )

    slots = asyncio.Semaphore(max(1, concurrency) * 2)

    async def in_slot(record: Created, job_id: str) -> None:
        try:
            await download(record, job_id)
        finally:
            slots.release()

    def not_downloaded(record: Created, status: Literal["skipped", "failed"], why: str) -> None:
        if status == "failed":
            progress(FileFailed(record.relfilename, "download", why))
        else:
            progress(FileSkipped(record.relfilename, why))
        result.outcomes.append(Outcome(record.relfilename, status, why, record.archive_id))

    round_number = 0
    while needed:
        in_progress: dict[str, str] = {}
        failed: dict[str, tuple[str, str]] = {}
        async with asyncio.TaskGroup() as group:
            async for job in api.list_jobs(vault):
                archive_id = str(job.get("ArchiveId"))
                wanted = needed.get(archive_id)
                if wanted is None or not _is_retrieval_of(job, wanted):
                    continue
                status = job.get("StatusCode")
                if status == "InProgress":
                    in_progress[archive_id] = str(job.get("JobId"))
                elif status == "Failed":
                    failed[archive_id] = (str(job.get("JobId")), str(job.get("StatusMessage")))
                if status != "Succeeded":
                    continue
                del needed[archive_id]
                record = wanted
                job_id = str(job["JobId"])
                if dry_run:
                    line = (
                        f"Will DOWNLOAD {record.relfilename} "
                        f"(archive {record.archive_id}, job {job_id})"
                    )
                    progress(Message(line))
                    result.outcomes.append(Outcome(record.relfilename, "planned", line))
                    continue
                progress(FileQueued(record.relfilename, "download", record.size))
                await slots.acquire()
                group.create_task(in_slot(record, job_id))
        # Every needed file without a completed job is accounted for: a failed or expired
        # job fails it (run restore again: it asks anew), no job at all skips it (named).
        for archive_id, record in list(needed.items()):
            if archive_id in in_progress:
                continue
            del needed[archive_id]
            if archive_id in failed:
                job_id, message = failed[archive_id]
                not_downloaded(
                    record,
                    "failed",
                    f'retrieval job {job_id} failed (the service says: "{message}"); '
                    "run restore to start a new one",
                )
            elif (last := state.latest_retrieve_job(archive_id)) is not None:
                not_downloaded(
                    record,
                    "failed",
                    f"retrieval job {last.job_id or '(no id)'} is unknown to the service "
                    "(expired: a job is kept about 24 hours after it completes); run restore "
                    "to start a new one",
                )
            else:
                not_downloaded(record, "skipped", "no retrieval job: run restore first")
        waiting = len(needed)
        if dry_run or not wait or waiting == 0:
            for archive_id, record in needed.items():
                not_downloaded(
                    record, "skipped", f"retrieval job {in_progress[archive_id]} in progress"
                )
            break
        delay = poll(round_number) if poll else min(300.0, 2.0 * 2**round_number)
        round_number += 1
        progress(Message(f"waiting for {waiting} retrieval jobs; next check in {delay:.0f} s"))
        await sleep(delay)
    return _finish(progress, result, started)


def _whole_archive(job: dict[str, Any], size: int) -> bool:
    """Whether a retrieval job covers the whole archive (a partial one is not a restore)."""
    byte_range = job.get("RetrievalByteRange")
    return not byte_range or not size or byte_range == f"0-{size - 1}"


# -------------------------------------------------------------------------------------- purge


async def purge_vault(
    api: GlacierApi,
    *,
    vault: str,
    journal_path: Path,
    filter: Filter | None = None,
    dry_run: bool = False,
    concurrency: int = 8,
    executor: Executor | None = None,
    progress: ProgressSink = null_sink,
    clock: Callable[[], float] = time.time,
    journal_write: Callable[[int, bytes], int] = os.write,
) -> OperationResult:
    """mtglacier's ``purge-vault``: delete every live archive of the journal (filtered).

    A journal that cannot be written stops the command (no new delete is sent;
    :class:`JournalWriteError` names the archives deleted that the journal still lists).
    """
    started = time.monotonic()
    api = _observed(api, progress)
    result = OperationResult()
    state = await _load_outside_journal(journal_path, executor, progress, result)
    if state.torn_tail and dry_run:  # else the writer sets the line aside and says so
        progress(Message(f"journal: {state.torn_tail}", "warning"))
    victims = [
        a for a in state.archives.values() if filter is None or filter.matches(a.relfilename)
    ]
    if dry_run:
        for a in victims:
            line = f"Will DELETE archive {a.archive_id} (file {a.relfilename})"
            progress(Message(line))
            result.outcomes.append(Outcome(a.relfilename, "planned", line, a.archive_id))
        return _finish(progress, result, started)
    async with JournalWriter(
        journal_path, fsync=1.0, executor=executor, write=journal_write
    ) as journal:
        if journal.torn_tail:
            progress(Message(f"journal: {journal.torn_tail}", "warning"))
        guard = _Stop(journal)

        def job_for(a: Created) -> Callable[[], Awaitable[None]]:
            async def go() -> None:
                progress(FileStarted(a.relfilename, "purge", a.size))
                try:
                    await api.bind(subject=a.relfilename).delete_archive(vault, a.archive_id)
                except RemoteError as exc:
                    if exc.code != "ResourceNotFoundException":
                        progress(FileFailed(a.relfilename, "purge", str(exc)))
                        result.outcomes.append(
                            Outcome(a.relfilename, "failed", str(exc), a.archive_id)
                        )
                        return
                record = Deleted(
                    time=int(clock()), archive_id=a.archive_id, relfilename=a.relfilename
                )
                done = f'deleted archive {a.archive_id} of "{a.relfilename}"'
                if not await guard.append(record, done):
                    return
                progress(FileDone(a.relfilename, "purge", a.size, a.archive_id))
                result.outcomes.append(Outcome(a.relfilename, "done", "", a.archive_id, a.size))

            return go

        await _bounded(concurrency, [job_for(a) for a in victims], guard.event)
        guard.raise_if_stopped("purge stopped: no new delete sent")
    return _finish(progress, result, started)


# ---------------------------------------------------------------------------------- inventory


async def retrieve_inventory(api: GlacierApi, vault: str, *, format: str = "JSON") -> str:
    """Start an inventory-retrieval job; returns its job id."""
    fmt = format.upper()
    if fmt not in ("JSON", "CSV"):
        raise AioGlacierError(f"inventory format must be json or csv, got {format!r}")
    return await api.initiate_job(vault, {"Type": "inventory-retrieval", "Format": fmt})


async def _read_job_output(api: GlacierApi, vault: str, job_id: str, deadline_at: float) -> bytes:
    async with api.job_output(vault, job_id, deadline_at=deadline_at) as out:
        data = await out.read()
        header = out.tree_hash
    if header is not None and header != _hash_only(data).hex():
        raise RemoteError(
            "TreeHashMismatch", "inventory body does not match its tree hash", retryable=True
        )
    return data


async def download_inventory(
    api: GlacierApi,
    *,
    vault: str,
    new_journal: Path,
    wait: bool = False,
    poll: Callable[[int], float] | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    retry: RetryPolicy | None = None,
    executor: Executor | None = None,
    progress: ProgressSink = null_sink,
) -> int:
    """mtglacier's ``download-inventory``: rebuild a journal from the newest inventory.

    ``new_journal`` must not exist or be empty. Returns the number of records written.
    """
    api = _observed(api, progress)
    loop = asyncio.get_running_loop()
    size = await loop.run_in_executor(executor, _size_or_zero, new_journal)
    if size:
        raise AioGlacierError(f"journal {new_journal} is not empty: give a new journal file")
    inventory = await newest_inventory(
        api, vault, wait=wait, poll=poll, sleep=sleep, retry=retry, progress=progress
    )
    records, warnings = inventory_to_records(inventory)
    for warning in warnings:
        progress(Message(warning, "warning"))
    text = "".join(format_record(r) for r in records).encode("utf-8")
    await loop.run_in_executor(executor, _write_new_journal, new_journal, text)
    return len(records)


async def newest_inventory(
    api: GlacierApi,
    vault: str,
    *,
    wait: bool = False,
    poll: Callable[[int], float] | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    retry: RetryPolicy | None = None,
    progress: ProgressSink = null_sink,
) -> Inventory:
    """The output of the newest completed inventory job of ``vault``, parsed.

    With ``wait``, polls while an inventory job is in progress (``poll(n)``: the n-th delay).

    Raises:
        AioGlacierError: no completed inventory job (and none in progress, or no ``wait``).
        InventoryError: the inventory does not parse.
    """
    round_number = 0
    while True:
        jobs = await list_all_jobs(api, vault)
        inventories = [j for j in jobs if j.get("Action") == "InventoryRetrieval"]
        done = [j for j in inventories if j.get("StatusCode") == "Succeeded"]
        if done:
            break
        in_progress = any(j.get("StatusCode") == "InProgress" for j in inventories)
        if not wait or not in_progress:
            raise AioGlacierError(
                "no completed inventory job"
                + (
                    " (one is in progress; try --wait)"
                    if in_progress
                    else "; run retrieve-inventory"
                )
            )
        delay = poll(round_number) if poll else min(300.0, 2.0 * 2**round_number)
        round_number += 1
        progress(Message(f"waiting for the inventory job; next check in {delay:.0f} s"))
        await sleep(delay)
    newest = max(done, key=lambda j: str(j.get("CompletionDate") or j.get("CreationDate") or ""))
    job_id = str(newest["JobId"])
    data = await api.retried(
        "get_job_output",
        lambda deadline_at: _read_job_output(api, vault, job_id, deadline_at),
        policy=retry,
    )
    fmt = str((newest.get("InventoryRetrievalParameters") or {}).get("Format") or "") or None
    return parse_inventory(data, format="CSV" if fmt == "CSV" else "JSON" if fmt else None)


def _size_or_zero(path: Path) -> int:
    try:
        return os.stat(path).st_size
    except FileNotFoundError:
        return 0


def _write_new_journal(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
