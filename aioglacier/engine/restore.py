"""The restore side's commands: warm-ups (``restore``) and waiting for them, then the
downloads of what is ready (``restore-completed``).

mtglacier restores in two passes: ``restore`` warms objects up (a vault's retrieval jobs,
journaled as RETRIEVE_JOB lines); hours later ``restore-completed`` downloads the objects whose
warm-ups are ready, verified (:mod:`aioglacier.engine.download`) and committed in groups
(:mod:`aioglacier.engine.commit`). A name from a journal or an inventory is data from outside:
it never makes us write outside the target directory.
"""

from __future__ import annotations

import asyncio
import functools
import os
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from aioglacier.backends.base import Backend, StoredObject, Tier, Warmup
from aioglacier.costs import PriceTable, estimate_retrieval
from aioglacier.engine.commit import Committer
from aioglacier.engine.download import DEFAULT_SEGMENT_SIZE, Download, stage_one
from aioglacier.engine.run import (
    OperationResult,
    Run,
    RunEnv,
    begin_operation,
)
from aioglacier.errors import AioGlacierError
from aioglacier.fanout import Fanout
from aioglacier.filters import Filter
from aioglacier.journal import Created, JournalState, RetrieveJob
from aioglacier.limits import ByteBudget
from aioglacier.polling import poll_delay
from aioglacier.progress import (
    FileQueued,
    FileStarted,
    Message,
    ProgressSink,
    null_sink,
)
from aioglacier.retry import RetryPolicy
from aioglacier.safepath import Platform, UnsafePathError, restore_name, safe_target

__all__ = [
    "RETRIEVE_JOB_WINDOW",
    "TIERS",
    "restore_completed",
    "start_restore",
]

TIERS: tuple[Tier, ...] = ("Expedited", "Standard", "Bulk")

#: mtglacier's rule: a file with a RETRIEVE_JOB line younger than this gets no new job. We ask
#: the store instead (see :func:`start_restore`); kept for callers of the old rule. Also how
#: soon before its expiry a restored copy is extended, where the store can (S3).
RETRIEVE_JOB_WINDOW = 24 * 3600
_RESTORE_STOPPED = "restore stopped: no new retrieval job asked for"


def _stored(record: Created) -> StoredObject:
    return StoredObject(record.archive_id, record.relfilename, record.size, record.treehash)


def _blocking(warmups: list[Warmup]) -> Warmup | None:
    """A warm-up that makes a new request a duplicate: one ready (its output can still be
    read: the store lists it until it expires), else one in progress."""
    for status in ("ready", "in-progress"):
        for warm in warmups:
            if warm.status == status:
                return warm
    return None


def _expiring(backend: Backend, warm: Warmup | None, now: float) -> bool:
    """Whether ``warm`` is a ready object whose readable copy expires within
    :data:`RETRIEVE_JOB_WINDOW` of ``now``, on a store where a new warm-up extends it."""
    return (
        warm is not None
        and warm.status == "ready"
        and warm.expires is not None
        and backend.capabilities.warmup_extends
        and warm.expires - now < RETRIEVE_JOB_WINDOW
    )


def _utc(when: float | None) -> str:
    if when is None:
        return "?"
    return datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


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


# ------------------------------------------------------------------------------------ restore


async def start_restore(
    backend: Backend,
    *,
    base_dir: Path,
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
    price_table: PriceTable | None = None,
    storage_class: str | None = None,
) -> OperationResult:
    """mtglacier's ``restore``: warm up (start retrieval jobs for) journal files missing on disk.

    The store decides what is a duplicate (one pass of :meth:`Backend.warmups`; List Jobs on a
    vault): a file whose archive has a retrieval job in progress, or one that succeeded and can
    still be downloaded, gets no new job (a paid retrieval is never asked twice); a file whose
    last job failed, or whose job the service no longer knows (expired), gets a new one. Where a
    new warm-up extends a ready one (``Capabilities.warmup_extends``: S3), a ready object whose
    copy expires within :data:`RETRIEVE_JOB_WINDOW` is asked again, which extends it. At most
    ``max_number_of_files`` jobs are started; each is journaled as a RETRIEVE_JOB line. A
    journal that cannot be written stops the command (no new job is asked for;
    :class:`JournalWriteError` names the jobs started that the journal misses). A name that
    ``restore_completed`` could not write on ``platform`` (``None``: this system; see
    :mod:`aioglacier.safepath`) is refused and gets no job; with ``escape_windows_names``, a
    name that breaks only Windows rules is checked under its escaped form. A ``dry_run`` with a
    ``price_table`` ends with the cost of retrieving (with ``tier``) and downloading the planned
    files from ``storage_class`` (``None``: a vault), and the time the tier takes.
    """
    env = RunEnv(progress, clock, executor, journal_write)
    op = await begin_operation(backend, journal_path, env, torn_tail_now=dry_run)
    backend, state = op.backend, op.state
    loop = asyncio.get_running_loop()
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
            op.failed(record.relfilename, "retrieve", f"refused: {reason}")
    known: dict[str, list[Warmup]] = {}
    extending: dict[str, Warmup] = {}
    if missing and backend.capabilities.needs_warmup:
        async for warm in backend.warmups([_stored(r) for r in missing]):
            known.setdefault(warm.archive_id, []).append(warm)
    for record in missing:
        if not backend.capabilities.needs_warmup:
            why = "readable without a warm-up: run restore-completed"
            op.skipped(record.relfilename, why, record.archive_id)
            continue
        blocking = _blocking(known.get(record.archive_id, []))
        if _expiring(backend, blocking, clock()):
            # A restored copy that would expire before it can be read: asked again, which
            # extends it (S3 answers 200), instead of being skipped.
            assert blocking is not None
            extending[record.archive_id] = blocking
            blocking = None
        if blocking is not None:
            job_id = blocking.token
            why = (
                f"retrieval job {job_id} in progress"
                if blocking.status == "in-progress"
                else f"retrieval job {job_id} completed: run restore-completed"
            )
            op.skipped(record.relfilename, why, record.archive_id)
            continue
        if len(todo) >= max_number_of_files:
            break
        todo.append(record)
    if dry_run:
        lines: list[str] = []
        if price_table is not None and todo:
            sizes = [r.size for r in todo]
            lines = estimate_retrieval(price_table, storage_class, sizes, tier=tier).lines()
        return op.dry_run(todo, "RETRIEVE", lines)

    async def retrieve(run: Run[OperationResult], record: Created) -> None:
        try:
            warm = await op.start(record, "retrieve").warmup(_stored(record), tier=tier)
        except AioGlacierError as exc:
            op.failed(record.relfilename, "retrieve", str(exc))
            return
        job_id = warm.token
        line = RetrieveJob(time=int(clock()), archive_id=record.archive_id, job_id=job_id)
        what = f"job {job_id}"
        old = extending.get(record.archive_id)
        if old is not None:
            what += f" (extends the restored copy that expires at {_utc(old.expires)})"
        if await run.journaled(line, f'started retrieval job {job_id} for "{record.relfilename}"'):
            op.done(record, "retrieve", what, counted=False)

    await op.journaled(todo, retrieve, concurrency, _RESTORE_STOPPED)
    return op.finish()


async def restore_completed(
    backend: Backend,
    *,
    base_dir: Path,
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

    Learns the warm-ups in one pass of :meth:`Backend.warmups` (every page of List Jobs on a
    vault), and starts downloading as they arrive (a vault with
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
    env = RunEnv(progress, executor=executor)
    op = await begin_operation(backend, journal_path, env, torn_tail_now=True)
    backend, state = op.backend, op.state
    loop = asyncio.get_running_loop()
    records = _selected(state, filter)
    d = Download(
        backend,
        ByteBudget(concurrency * (segment_size or DEFAULT_SEGMENT_SIZE)),
        retry or RetryPolicy(),
        executor,
        progress,
        Committer(executor),
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
            op.failed(record.relfilename, "download", f"refused: {reason}")

    failures = (AioGlacierError, OSError, UnsafePathError)
    unexpected: list[BaseException] = []
    outstanding: set[asyncio.Future[None]] = set()

    def download_failed(record: Created, exc: BaseException) -> None:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        op.failed(record.relfilename, "download", reason, record.archive_id)

    def committed(record: Created, local: str, checked: str, future: asyncio.Future[None]) -> None:
        """A file's outcome, once its commit (durable, under its name) is known."""
        exc = None if future.cancelled() else future.exception()
        if future.cancelled() or (exc is not None and not isinstance(exc, failures)):
            unexpected.append(exc or asyncio.CancelledError())
            return
        if exc is not None:
            download_failed(record, exc)
            return
        note = "" if local == record.relfilename else _escaped_note(record, local)
        if note:
            progress(Message(f"{record.relfilename}: {note}", "warning"))
        if checked:  # the journal has no tree hash (an adopted bucket): say what was checked
            note = f"{note}; {checked}" if note else checked
        op.done(record, "download", note, shown=checked)

    async def download(record: Created, warm: Warmup | None) -> None:
        # The slot is held while the file downloads, not while it waits for its group
        # commit: the outcome is reported when the commit is known (``committed``).
        local = local_names[record.archive_id]
        progress(FileStarted(record.relfilename, "download", record.size))
        try:
            mine = replace(d, backend=d.backend.bind(subject=record.relfilename))
            staged, checked = await stage_one(mine, base_dir, record, local, warm, segment_size)
        except failures as exc:
            download_failed(record, exc)
            return
        future = await d.committer.submit(staged)
        future.add_done_callback(functools.partial(committed, record, local, checked))
        outstanding.add(future)
        future.add_done_callback(outstanding.discard)

    async def all_committed() -> None:
        await d.committer.drained()
        # Their outcomes: each future's callbacks run in order, ``committed`` first.
        await asyncio.gather(*outstanding, return_exceptions=True)
        if unexpected:
            raise unexpected[0]

    def not_downloaded(record: Created, status: Literal["skipped", "failed"], why: str) -> None:
        if status == "failed":
            op.failed(record.relfilename, "download", why, record.archive_id)
        else:
            op.skipped(record.relfilename, why, record.archive_id)

    if not backend.capabilities.needs_warmup:
        async with Fanout(concurrency * 2) as fan:
            for record in needed.values():
                if dry_run:
                    line = f"Will DOWNLOAD {record.relfilename} (archive {record.archive_id})"
                    op.planned(record.relfilename, line)
                    continue
                progress(FileQueued(record.relfilename, "download", record.size))
                await fan.start(functools.partial(download, record, None))
        await all_committed()
        return op.finish()

    round_number = 0
    while needed:
        in_progress: dict[str, str] = {}
        failed: dict[str, tuple[str, str]] = {}
        async with Fanout(concurrency * 2) as fan:
            async for warm in backend.warmups([_stored(r) for r in needed.values()]):
                wanted = needed.get(warm.archive_id)
                if wanted is None:
                    continue
                if warm.status == "in-progress":
                    in_progress[warm.archive_id] = warm.token
                elif warm.status == "failed":
                    failed[warm.archive_id] = (warm.token, str(warm.message))
                if warm.status != "ready":
                    continue
                del needed[warm.archive_id]
                record = wanted
                if dry_run:
                    line = (
                        f"Will DOWNLOAD {record.relfilename} "
                        f"(archive {record.archive_id}, job {warm.token})"
                    )
                    op.planned(record.relfilename, line)
                    continue
                progress(FileQueued(record.relfilename, "download", record.size))
                await fan.start(functools.partial(download, record, warm))
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
        await all_committed()  # this round's outcomes before the wait
        delay = poll_delay(round_number, poll)
        round_number += 1
        progress(Message(f"waiting for {waiting} retrieval jobs; next check in {delay:.0f} s"))
        await sleep(delay)
    await all_committed()
    return op.finish()
