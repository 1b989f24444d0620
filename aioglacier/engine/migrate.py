"""Moving a vault into S3: ``migrate`` (streamed, verified, resumable) and the names for AWS's
migration solution (``migration-names``).

:func:`migrate` copies every live archive of a vault's journal into another store (an S3 bucket)
without a local copy of the data: it warms each archive (a retrieval job, journaled in the
vault's journal as a ``RETRIEVE_JOB`` line, so a rerun asks for nothing twice), and as each job
completes it reads the archive in ranged segments whose tree hashes the vault sends and this
program checks, and passes each segment straight to the destination as one part of a multipart
upload (one request for an archive of one segment). The whole archive's tree hash must equal the
journal's before the upload is completed; a mismatch aborts the upload and the archive is read
again once, then reported failed. Memory stays within ``concurrency`` x ``segment_size``.

What the destination gets is what its own commands would have written: the journal's name as
the key, its mtime in the backend's metadata, and a line in a journal of its own (``J2``) that
every command on the bucket then uses. Resume: jobs are the service's (asked once, reused while
their output can be read, asked again when it expired or would close before it is read);
multipart uploads in flight are recorded beside ``J2`` (``J2.uploads.json``): a rerun takes them
up, reads their segments again from the vault (free within a job's window) and sends only the
parts the destination does not already hold with the same SHA-256; finished archives are found
in ``J2`` and skipped. With ``delete_source``, an archive is deleted from the vault only after the
destination confirmed its object (every part's SHA-256 and the completion are checked by S3),
and its ``DELETED`` line goes to the vault's journal.

AWS's "Data Transfer from Amazon S3 Glacier Vaults to Amazon S3" names each object from the
archive's description unless it is given a CSV of ``GlacierArchiveID,FileName`` rows; an
mtglacier vault's descriptions (``mt2 <base64 JSON>``) would become the keys as they are.
:func:`migration_names` writes that CSV from a journal, with every name made the S3 key that
``aioglacier migrate`` would give it (:func:`aioglacier.backends.s3.keys.object_key`), so a vault
moved either way lands under the same keys.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import functools
import hashlib
import math
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TextIO

from aioglacier.backends.base import (
    Backend,
    Capabilities,
    MultipartWriter,
    ObjectSpec,
    Part,
    StoredObject,
    Tier,
    Warmup,
)
from aioglacier.backends.s3.keys import ObjectKeyError, normalize_prefix, object_key
from aioglacier.costs import PriceTable, estimate_retrieval, estimate_storage, estimate_upload
from aioglacier.engine.download import SegmentError
from aioglacier.engine.run import (
    OperationResult,
    Outcome,
    Run,
    RunEnv,
    finish_operation,
    load_outside_journal,
    open_run,
)
from aioglacier.errors import AioGlacierError, NotFound, UsageError, first_leaf
from aioglacier.fanout import Fanout, bounded
from aioglacier.filters import Filter
from aioglacier.journal import (
    Created,
    Deleted,
    JournalState,
    RetrieveJob,
    load_journal,
)
from aioglacier.limits import ByteBudget
from aioglacier.polling import NO_WAIT, Polling
from aioglacier.progress import (
    BytesTransferred,
    FileDone,
    FileFailed,
    FileQueued,
    FileSkipped,
    FileStarted,
    Message,
    ProgressSink,
    null_sink,
)
from aioglacier.resume import PendingUpload, ResumeStore, resume_path_for
from aioglacier.treehash import tree_hash, tree_hash_from_parts

__all__ = [
    "DEFAULT_MIGRATE_SEGMENT",
    "NameRow",
    "migrate",
    "migration_estimate",
    "migration_names",
    "migration_part_size",
    "write_migration_names",
]

MIB = 1024 * 1024

#: Bytes per segment (and per destination part) unless told otherwise: a power of two MiB, as
#: the vault's tree hashes of ranges need, and above S3's 5 MiB minimum part.
DEFAULT_MIGRATE_SEGMENT = 16 * MIB

#: A completed job whose output closes sooner than this is asked for again rather than read.
WINDOW_MARGIN = 3600.0

_STOPPED = "migrate stopped: no new job asked for, no new archive copied"

#: The CSV's header, as AWS's solution expects it.
HEADER = ("GlacierArchiveID", "FileName")


@dataclass(frozen=True)
class NameRow:
    """One archive and the key it gets, or why it gets none (``problem``)."""

    archive_id: str
    relfilename: str
    key: str | None
    problem: str | None = None


def migration_names(
    state: JournalState, *, prefix: str | None = None, filter: Filter | None = None
) -> Iterator[NameRow]:
    """Every live archive of the journal with its S3 key, name by name in journal order.

    A name with several live archives (uploaded more than once without deleting the first)
    lists them oldest first, its current archive last, so that a copy in that order leaves the
    current one under the key (and the older ones as noncurrent versions on a versioned bucket).
    """
    base = normalize_prefix(prefix)  # the S3 backend's rule (UsageError for a leading "/")
    by_name: dict[str, list[Created]] = {}
    for archive in state.archives.values():
        if filter is None or filter.matches(archive.relfilename):
            by_name.setdefault(archive.relfilename, []).append(archive)
    for name, found in by_name.items():
        current = state.files.get(name)
        archives = found
        if current is not None and len(found) > 1:
            archives = [a for a in found if a.archive_id != current.archive_id] + [current]
        try:
            key: str | None = object_key(base, name)
            problem = None
        except ObjectKeyError as exc:
            key, problem = None, str(exc)
        for archive in archives:
            yield NameRow(archive.archive_id, name, key, problem)


def write_migration_names(rows: Iterator[NameRow], out: TextIO) -> list[NameRow]:
    """Write the CSV (header, then one row per archive that has a key; RFC 4180 quoting, so
    commas, quotes and line breaks in names survive); returns the rows left out."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    left_out: list[NameRow] = []
    for row in rows:
        if row.key is None:
            left_out.append(row)
        else:
            writer.writerow((row.archive_id, row.key))
    return left_out


# ------------------------------------------------------------------------------------ migrate


class _ArchiveMismatch(AioGlacierError):
    """The archive's bytes do not have the journal's tree hash."""


def _digests(data: bytes) -> tuple[bytes, str]:
    """The tree hash (raw) and SHA-256 (hex) of a segment: one executor job, one pass each."""
    return tree_hash(data), hashlib.sha256(data).hexdigest()


def _rank(w: Warmup, closes_before: float) -> tuple[int, float]:
    """How usable a job is: ready (the later its window closes, the better; one closing
    before ``closes_before`` is as good as none), in progress, then failed or expired."""
    if w.status == "ready":
        expires = math.inf if w.expires is None else w.expires
        return (3 if expires >= closes_before else 1, expires)
    return (2 if w.status == "in-progress" else 1, 0.0)


def _stored(record: Created) -> StoredObject:
    return StoredObject(record.archive_id, record.relfilename, record.size, record.treehash)


def migration_part_size(caps: Capabilities, size: int, segment_size: int) -> int:
    """Bytes per segment (and destination part) of an archive of ``size`` bytes: the
    destination's part size for ``segment_size``, made a power-of-two number of MiB, so that
    the parts' tree hashes combine into the archive's and a vault vouches for every range."""
    return replace(caps, part_size_power_of_two=True).part_size_for(max(size, 1), segment_size)


@dataclass
class _Migration:
    source: Backend
    dest: Backend
    source_journal: Run[OperationResult]
    dest_journal: Run[OperationResult]
    resume: ResumeStore
    budget: ByteBudget
    segment_size: int
    concurrency: int
    delete_source: bool
    executor: Executor | None
    progress: ProgressSink
    clock: Callable[[], float]
    result: OperationResult

    async def fetch(
        self, obj: StoredObject, warm: Warmup, start: int, end: int
    ) -> tuple[bytes, bytes, str]:
        """One verified segment: its bytes, tree hash and SHA-256 (read again, under the
        source's retry policy, when it is short or the source's tree hash of it differs)."""
        loop = asyncio.get_running_loop()
        length = end - start + 1
        whole = start == 0 and length == obj.size
        label = f"{obj.name}: bytes {start}-{end}"
        vouched = self.source.capabilities.ranged_tree_hash

        async def attempt(deadline_at: float) -> tuple[bytes, bytes, str]:
            async with self.source.read(
                obj, warm, byte_range=None if whole else (start, end), deadline_at=deadline_at
            ) as reader:
                data = await reader.read()
                sent = reader.tree_hash if vouched else None
            if len(data) != length:
                raise SegmentError(f"{label}: got {len(data)} of {length} bytes")
            tree, sha = await loop.run_in_executor(self.executor, _digests, data)
            if sent is not None and sent != tree.hex():
                raise SegmentError(f"{label}: tree hash {tree.hex()} differs from the vault's")
            return data, tree, sha

        return await self.source.bind(subject=obj.name).retried("read", attempt)

    async def _hold_for_read(self, length: int) -> int:
        """Take the budget of one segment being read: twice its length, as a read holds the
        chunks received and the bytes joined from them at once. Returns what is held."""
        await self.budget.acquire(2 * length)
        return 2 * length

    def _read_done(self, held: int, length: int) -> int:
        """The read is over: keep the segment's own length until it is sent."""
        self.budget.release(held - length)
        return length

    def _check(self, record: Created, whole: str) -> None:
        if whole != record.treehash:
            raise _ArchiveMismatch(
                f"tree hash of the vault's bytes {whole} differs from the journal's "
                f"{record.treehash}: not copied"
            )

    async def copy(self, record: Created, warm: Warmup) -> str:
        """Copy one archive; returns the destination's archive id."""
        obj = _stored(record)
        spec = ObjectSpec(record.relfilename, record.mtime or 0)
        caps = self.dest.capabilities
        part_size = migration_part_size(caps, record.size, self.segment_size)
        if record.size > part_size or record.size > caps.max_single_put:
            return await self._copy_multipart(record, obj, spec, warm, part_size)
        held = await self._hold_for_read(record.size)
        try:
            data, tree, sha = await self.fetch(obj, warm, 0, record.size - 1)
            held = self._read_done(held, record.size)
            self._check(record, tree.hex())
            archive_id = await self.dest.bind(subject=record.relfilename).put(
                spec, data, tree_hash=record.treehash, sha256=sha
            )
        finally:
            self.budget.release(held)
        self.progress(BytesTransferred(record.relfilename, record.size))
        return archive_id

    async def _writer(
        self, record: Created, spec: ObjectSpec, part_size: int
    ) -> tuple[MultipartWriter, dict[int, Part]]:
        """The upload recorded for this archive, taken up with the parts the destination
        holds; else a new one, recorded before its first part is sent."""
        dest = self.dest.bind(subject=record.relfilename)
        mtime_ns = (record.mtime or 0) * 1_000_000_000
        pending = self.resume.find(self.dest.target, record.relfilename, record.size, mtime_ns)
        if pending is not None:
            if pending.part_size == part_size and pending.description == _tag(record):
                try:
                    writer = await dest.resume_multipart(
                        pending.upload_id, spec, part_size=part_size
                    )
                    present = {p.number: p for p in await writer.present()}
                except NotFound:
                    pass
                else:
                    return writer, present
            await self.resume.remove(pending.upload_id)
        writer = await dest.start_multipart(spec, size=record.size, part_size=part_size)
        await self.resume.add(
            PendingUpload(
                vault=self.dest.target,
                upload_id=writer.upload_id,
                relfilename=record.relfilename,
                size=record.size,
                mtime_ns=mtime_ns,
                part_size=part_size,
                description=_tag(record),
                started=self.clock(),
            )
        )
        return writer, {}

    async def _copy_multipart(
        self, record: Created, obj: StoredObject, spec: ObjectSpec, warm: Warmup, part_size: int
    ) -> str:
        writer, present = await self._writer(record, spec, part_size)
        starts = range(0, record.size, part_size)
        trees: list[bytes] = [b""] * len(starts)
        counted = 0  # bytes reported, taken back when this copy fails

        async def one(index: int, start: int) -> None:
            nonlocal counted
            end = min(start + part_size, record.size) - 1
            length = end - start + 1
            held = await self._hold_for_read(length)
            try:
                data, tree, sha = await self.fetch(obj, warm, start, end)
                held = self._read_done(held, length)
                trees[index] = tree
                have = present.get(index + 1)
                if have is not None and have.holds(start, length, tree.hex(), sha):
                    writer.reuse(have)
                else:
                    await writer.write_part(
                        index + 1, start, data, tree_hash=tree.hex(), sha256=sha
                    )
            finally:
                self.budget.release(held)
            counted += length
            self.progress(BytesTransferred(record.relfilename, length))

        try:
            await bounded(
                self.concurrency,
                [functools.partial(one, i, start) for i, start in enumerate(starts)],
            )
            whole = tree_hash_from_parts(trees).hex()
            self._check(record, whole)
            archive_id = await writer.complete(size=record.size, tree_hash=whole)
        except BaseException as exc:
            if not isinstance(exc, asyncio.CancelledError):
                # A failed copy leaves nothing behind; a cancelled one (Ctrl-C, kill) keeps
                # its upload for the next run to take up.
                with contextlib.suppress(Exception):
                    await asyncio.shield(writer.abort())
                with contextlib.suppress(OSError):
                    await self.resume.remove(writer.upload_id)
                if counted:
                    self.progress(BytesTransferred(record.relfilename, -counted))
            if isinstance(exc, BaseExceptionGroup):
                raise first_leaf(exc) from None
            raise
        with contextlib.suppress(OSError):
            await self.resume.remove(writer.upload_id)
        return archive_id

    async def migrate_one(self, record: Created, warm: Warmup) -> None:
        """Copy one archive (reading it again once when its bytes are not the journal's),
        journal it in ``J2``, then delete it from the vault when asked to."""
        name = record.relfilename
        self.progress(FileStarted(name, "migrate", record.size))
        archive_id: str | None = None
        for attempt in (1, 2):
            try:
                archive_id = await self.copy(record, warm)
                break
            except _ArchiveMismatch as exc:
                if attempt == 2:
                    self.failed(record, str(exc))
                    return
                self.progress(Message(f"{name}: {exc}; reading it again", "warning"))
            except (AioGlacierError, OSError) as exc:
                reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
                self.failed(record, reason)
                return
        assert archive_id is not None
        line = Created(
            time=int(self.clock()),
            archive_id=archive_id,
            size=record.size,
            mtime=record.mtime,
            treehash=record.treehash,
            relfilename=name,
        )
        detail = f"copied to {self.dest.target} as {archive_id}"
        if not await self.dest_journal.journaled(line, f"{name}: {detail}"):
            return
        if self.delete_source:
            try:
                await self.source.bind(subject=name).delete(_stored(record))
            except NotFound:
                pass
            except AioGlacierError as exc:
                self.failed(record, f"copied, but not deleted from the vault: {exc}")
                return
            gone = Deleted(time=int(self.clock()), archive_id=record.archive_id, relfilename=name)
            said = f"{name}: archive {record.archive_id} deleted from {self.source.target}"
            if not await self.source_journal.journaled(gone, said):
                return
            detail += "; deleted from the vault"
        self.progress(FileDone(name, "migrate", record.size, archive_id, detail))
        self.result.outcomes.append(Outcome(name, "done", detail, archive_id, record.size))

    def failed(self, record: Created, reason: str) -> None:
        """An archive not migrated: reported and kept."""
        self.progress(FileFailed(record.relfilename, "migrate", reason))
        self.result.outcomes.append(
            Outcome(record.relfilename, "failed", reason, record.archive_id)
        )


def _tag(record: Created) -> str:
    """The description of a migration's upload in the resume sidecar: which archive it copies."""
    return f"migration of {record.archive_id}"


def _skip(progress: ProgressSink, result: OperationResult, record: Created, why: str) -> None:
    progress(FileSkipped(record.relfilename, why))
    result.outcomes.append(Outcome(record.relfilename, "skipped", why, record.archive_id))


def migration_estimate(
    table: PriceTable,
    records: list[Created],
    *,
    tier: Tier | None,
    storage_class: str,
    part_size: int,
    single_max: int,
) -> list[str]:
    """What a migration of ``records`` costs, for ``--dry-run``: the vault's retrievals by tier
    (and their time), data transfer out to this machine, the destination's requests, and storage
    per month before and after."""
    sizes = [r.size for r in records]
    est = estimate_retrieval(table, None, sizes, tier=tier)
    est = est.merge(
        estimate_upload(table, storage_class, sizes, part_size=part_size, single_max=single_max)
    )
    before = estimate_storage(table, None, sizes, what="storage in the vault now")
    lines = est.lines()
    lines.append(
        f"  storage in the vault now: ${before.total_monthly:,.4f} per month "
        "(what deleting the vault's copies saves)"
    )
    return lines


def _check_segment_size(segment_size: int) -> None:
    mib = segment_size // MIB
    if segment_size < MIB or segment_size % MIB or mib & (mib - 1):
        raise UsageError(
            f"a migration's segment size is 1 MiB x 2^n, not {segment_size} bytes "
            "(the parts' tree hashes must combine into the archive's)"
        )


async def migrate(
    source: Backend,
    dest: Backend,
    *,
    journal_path: Path,
    new_journal_path: Path,
    tier: Tier | None = None,
    filter: Filter | None = None,
    max_number_of_files: int | None = None,
    segment_size: int = DEFAULT_MIGRATE_SEGMENT,
    concurrency: int = 8,
    delete_source: bool = False,
    dry_run: bool = False,
    polling: Polling = NO_WAIT,
    executor: Executor | None = None,
    progress: ProgressSink = null_sink,
    clock: Callable[[], float] = time.time,
    price_table: PriceTable | None = None,
    storage_class: str = "DEEP_ARCHIVE",
    window_margin: float = WINDOW_MARGIN,
    journal_write: Callable[[int, bytes], int] = os.write,
) -> OperationResult:
    """Copy every live archive of the vault's journal into ``dest`` (see the module docstring).

    Each run looks at the jobs the source knows for the archives not yet in ``J2``
    (``new_journal_path``): an archive whose job completed (and whose output stays readable
    for ``window_margin`` seconds more) is copied; one whose job is in progress waits (skipped
    without ``polling.wait``); one with no usable job (none, failed, expired, or closing) gets
    a new one, journaled as a ``RETRIEVE_JOB`` line in ``J`` (at most ``max_number_of_files``
    new jobs per run). A job asked for in this run that then fails fails its archive (the next
    run asks anew). With ``polling.wait`` it checks again (``polling.delay(n)``) until every
    archive is copied or failed. ``dry_run`` lists and prices (``price_table``) the archives
    to copy without asking the source for anything.

    Only each name's current archive is copied (the one ``J`` lists for the name). A journal
    that cannot take a record (``journal_write`` is its ``os.write``) stops the migration:
    nothing new starts, and :class:`~aioglacier.journal.JournalWriteError` names what the
    journals miss.

    Raises :class:`~aioglacier.errors.UsageError` when ``segment_size`` is not 1 MiB x 2^n.
    """
    _check_segment_size(segment_size)
    started = time.monotonic()
    if progress is not null_sink:
        source = source.bind(listener=progress)
        dest = dest.bind(listener=progress)
    result = OperationResult()
    state = await load_outside_journal(journal_path, executor, progress, result)
    done = await load_journal(new_journal_path, executor=executor, skip_bad_names=True)
    todo: list[Created] = []
    for name in sorted(state.files):
        record = state.files[name]
        if filter is not None and not filter.matches(name):
            continue
        there = done.files.get(name)
        if there is not None and there.treehash == record.treehash and there.size == record.size:
            _skip(progress, result, record, f"already in {dest.target} as {there.archive_id}")
            continue
        todo.append(record)
    if dry_run:
        for record in todo:
            line = f"Will MIGRATE archive {record.archive_id} (file {record.relfilename})"
            progress(Message(line))
            result.outcomes.append(Outcome(record.relfilename, "planned", line, record.archive_id))
        if price_table is not None and todo:
            caps = dest.capabilities
            for line in migration_estimate(
                price_table,
                todo,
                tier=tier,
                storage_class=storage_class,
                part_size=segment_size,
                single_max=min(segment_size, caps.max_single_put),
            ):
                progress(Message(line))
        return finish_operation(progress, result, started)

    resume = ResumeStore(resume_path_for(new_journal_path), executor=executor)
    await resume.load()
    concurrency = max(1, concurrency)
    env = RunEnv(progress, clock, executor, journal_write)
    async with (
        open_run(journal_path, result, env) as source_journal,
        open_run(new_journal_path, result, env) as dest_journal,
    ):
        # One stop for both: a journal that cannot take a record stops the whole migration.
        source_journal.stop = dest_journal.stop
        m = _Migration(
            source,
            dest,
            source_journal,
            dest_journal,
            resume,
            ByteBudget(concurrency * segment_size),
            segment_size,
            concurrency,
            delete_source,
            executor,
            progress,
            clock,
            result,
        )
        await _rounds(m, todo, tier, max_number_of_files, polling, window_margin)
        for run in (dest_journal, source_journal):
            run.raise_if_stopped(_STOPPED)
    return finish_operation(progress, result, started)


async def _rounds(
    m: _Migration,
    todo: list[Created],
    tier: Tier | None,
    max_number_of_files: int | None,
    polling: Polling,
    window_margin: float,
) -> None:
    """Check the source's jobs, ask for the missing ones and copy the ready ones, round after
    round while ``polling.wait`` and jobs are in progress."""
    source, progress, clock = m.source, m.progress, m.clock
    pending = {r.archive_id: r for r in todo}
    asked: set[str] = set()  # archives whose job this run asked for
    new_jobs = 0
    round_number = 0

    async def request(record: Created) -> None:
        try:
            warm = await source.bind(subject=record.relfilename).warmup(_stored(record), tier=tier)
        except AioGlacierError as exc:
            del pending[record.archive_id]
            m.failed(record, str(exc))
            return
        asked.add(record.archive_id)
        line = RetrieveJob(time=int(clock()), archive_id=record.archive_id, job_id=warm.token)
        said = f"started retrieval job {warm.token} for {record.relfilename}"
        if await m.source_journal.journaled(line, said):
            progress(Message(said))

    while pending:
        known: dict[str, Warmup] = {}
        closes_before = clock() + window_margin
        async for found in source.warmups([_stored(r) for r in pending.values()]):
            have = known.get(found.archive_id)
            if have is None or _rank(found, closes_before) > _rank(have, closes_before):
                known[found.archive_id] = found
        ready: list[tuple[Created, Warmup]] = []
        ask: list[Created] = []
        waiting = 0
        for aid, record in list(pending.items()):
            warm = known.get(aid)
            usable = warm is not None and _rank(warm, closes_before)[0] == 3
            if warm is not None and usable:
                del pending[aid]
                ready.append((record, warm))
            elif warm is not None and warm.status == "in-progress":
                waiting += 1
            elif aid in asked:
                # Asked for in this run and not served: failed, or gone already.
                del pending[aid]
                m.failed(record, _job_failure(warm))
            elif max_number_of_files is not None and new_jobs >= max_number_of_files:
                del pending[aid]
                _skip(progress, m.result, record, "no job asked for: --max-number-of-files")
            else:
                ask.append(record)
                new_jobs += 1
        stop = m.dest_journal.stop
        # Twice as many archives as requests in flight, as restore-completed: one archive's
        # hashing and journaling overlap the others' requests (memory is the budget's).
        async with Fanout(m.concurrency * 2, stop) as fan:
            for record in ask:
                await fan.start(functools.partial(request, record))
            for record, warm in ready:
                progress(FileQueued(record.relfilename, "migrate", record.size))
                await fan.start(functools.partial(m.migrate_one, record, warm))
        waiting += sum(1 for r in ask if r.archive_id in pending)
        if stop.is_set():
            return
        if not polling.wait or not pending or waiting == 0:
            break
        delay = polling.delay(round_number)
        round_number += 1
        progress(Message(f"waiting for {waiting} retrieval jobs; next check in {delay:.0f} s"))
        await polling.sleep(delay)
    for record in pending.values():
        warm_note = "retrieval job in progress: run migrate again later (or use --wait)"
        _skip(progress, m.result, record, warm_note)


def _job_failure(warm: Warmup | None) -> str:
    if warm is None:
        return "retrieval job unknown to the service; run migrate again to ask anew"
    said = f' (the service says: "{warm.message}")' if warm.message else ""
    return f"retrieval job {warm.token} {warm.status}{said}; run migrate again to ask anew"
