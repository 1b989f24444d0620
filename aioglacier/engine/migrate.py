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

Versions. A journal can hold several live archives of one name (a file uploaded again without
deleting the first: ``upload-file`` twice, a sync without replace-modified's deletion). On a
bucket with versioning enabled every one is copied, oldest first in the journal's order (mtime,
then upload time: the order that makes the last one the name's latest), one after the other, so
the latest is the key's current version and the older ones its noncurrent versions, each in
``J2`` with its ``s3v:<version id>``. On a bucket without versioning only the latest is copied
(an older copy would be overwritten at once): each older archive is reported skipped with that
reason, stays in the vault and in ``J``, and ``delete_source`` never deletes it. An archive is
never copied once a newer one of its name is in the bucket (it would become the current
object): it is skipped with that reason too.

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
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field, replace
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
    "MigrationPlan",
    "NameRow",
    "migrate",
    "migration_estimate",
    "migration_names",
    "migration_part_size",
    "plan_migration",
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


# ------------------------------------------------------------------------------- what to copy


def _version_order(record: Created) -> tuple[int, int]:
    """The journal's order of a name's archives (as :meth:`JournalState.versions`): by mtime
    (the upload time when the line has none), then upload time; the last is the name's latest,
    the archive mtglacier and every command here take as the file."""
    return (record.time if record.mtime is None else record.mtime, record.time)


def _identity(record: Created) -> tuple[int, str, int | None]:
    """What makes a ``J2`` line the copy of a vault archive: the bytes and the mtime."""
    return (record.size, record.treehash, record.mtime)


@dataclass(frozen=True)
class MigrationPlan:
    """What a run copies and what it leaves, decided from ``J`` and ``J2`` before anything is
    asked. ``chains``: per file name, the archives to copy, oldest first (each starts only once
    the one before it is in ``J2``, so that on a versioned bucket the newest is the current
    version). ``skipped``: each archive left alone, with its reason."""

    chains: list[list[Created]]
    skipped: list[tuple[Created, str]]
    #: The skipped archives that are older versions left in the vault (not yet copied, and
    #: not to be): what a dry run's estimate names as not migrated.
    left_in_vault: list[Created] = field(default_factory=list)

    @property
    def records(self) -> list[Created]:
        """Every archive to copy, name by name, oldest first."""
        return [r for chain in self.chains for r in chain]


def plan_migration(
    state: JournalState,
    done: JournalState,
    *,
    versioned: bool,
    dest_target: str,
    filter: Filter | None = None,
) -> MigrationPlan:
    """Which of the journal's live archives to copy into the destination whose journal is
    ``done`` (``J2``).

    A name with one live archive is copied unless ``J2`` already holds it (same size, tree hash
    and mtime). A name with several (older versions kept in the vault) gets, on a ``versioned``
    bucket, every version not yet copied, oldest first, and on a bucket that keeps no versions
    only its latest: each older one is skipped with its reason (an older copy would only be
    overwritten). In both cases an archive is never copied after a newer one of its name is in
    the bucket (a later version already copied, or a ``J2`` line with a later mtime): it would
    become the key's current object; it is skipped with that reason.
    """
    by_name: dict[str, list[Created]] = {}
    for archive in state.archives.values():
        name = archive.relfilename
        if filter is None or filter.matches(name):
            by_name.setdefault(name, []).append(archive)
    copies: dict[str, list[Created]] = {}
    for archive in done.archives.values():
        if archive.relfilename in by_name:
            copies.setdefault(archive.relfilename, []).append(archive)
    chains: list[list[Created]] = []
    skipped: list[tuple[Created, str]] = []
    left: list[Created] = []
    for name in sorted(by_name):
        versions = by_name[name]
        versions.sort(key=_version_order)  # stable: equal keys keep journal order
        there = copies.get(name, [])
        # Each J2 line is the copy of at most one archive: identical archives (the same file
        # uploaded twice) are matched to as many lines as there are, oldest first.
        free: dict[tuple[int, str, int | None], list[Created]] = {}
        for line in there:
            free.setdefault(_identity(line), []).append(line)
        copied: list[Created | None] = []
        for record in versions:
            found = free.get(_identity(record))
            copied.append(found.pop(0) if found else None)
        last_copied = max((i for i, c in enumerate(copied) if c is not None), default=-1)
        newest_mtime = max((c.mtime for c in there if c.mtime is not None), default=None)
        latest = len(versions) - 1
        chain: list[Created] = []
        for i, record in enumerate(versions):
            match = copied[i]
            if match is not None:
                skipped.append((record, f"already in {dest_target} as {match.archive_id}"))
                continue
            if not versioned and i < latest:
                skipped.append(
                    (
                        record,
                        f"older version (archive {record.archive_id}), not migrated: "
                        f"{dest_target} keeps no versions (versioning is not enabled), so only "
                        f"the latest archive of the name, {versions[latest].archive_id}, is "
                        "copied; this one stays in the vault",
                    )
                )
                left.append(record)
                continue
            if i < last_copied:
                newer = versions[last_copied].archive_id
                skipped.append((record, _behind(record, f"a newer version (archive {newer})")))
                left.append(record)
                continue
            if (
                record.mtime is not None
                and newest_mtime is not None
                and newest_mtime > record.mtime
            ):
                skipped.append(
                    (record, _behind(record, f"a version with a later mtime ({newest_mtime})"))
                )
                left.append(record)
                continue
            chain.append(record)
        if chain:
            chains.append(chain)
    return MigrationPlan(chains, skipped, left)


def _behind(record: Created, what: str) -> str:
    return (
        f"older version (archive {record.archive_id}), not migrated: {what} is already in the "
        "bucket and copying this one now would make it the current object; it stays in the "
        "vault"
    )


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
        # Found by the archive it copies: two versions of a name may share size and mtime.
        pending = next(
            (
                p
                for p in self.resume.pending()
                if p.vault == self.dest.target
                and p.description == _tag(record)
                and p.relfilename == record.relfilename
            ),
            None,
        )
        if pending is not None:
            if pending.part_size == part_size and pending.size == record.size:
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

    async def migrate_one(self, record: Created, warm: Warmup) -> bool:
        """Copy one archive (reading it again once when its bytes are not the journal's),
        journal it in ``J2``, then delete it from the vault when asked to. Returns whether the
        copy is in ``J2`` (a newer version of the name may follow it)."""
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
                    return False
                self.progress(Message(f"{name}: {exc}; reading it again", "warning"))
            except (AioGlacierError, OSError) as exc:
                reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
                self.failed(record, reason)
                return False
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
            return False
        if self.delete_source:
            try:
                await self.source.bind(subject=name).delete(_stored(record))
            except NotFound:
                pass
            except AioGlacierError as exc:
                self.failed(record, f"copied, but not deleted from the vault: {exc}")
                return True
            gone = Deleted(time=int(self.clock()), archive_id=record.archive_id, relfilename=name)
            said = f"{name}: archive {record.archive_id} deleted from {self.source.target}"
            if not await self.source_journal.journaled(gone, said):
                return True
            detail += "; deleted from the vault"
        self.progress(FileDone(name, "migrate", record.size, archive_id, detail))
        self.result.outcomes.append(Outcome(name, "done", detail, archive_id, record.size))
        return True

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
    left_in_vault: Sequence[Created] = (),
) -> list[str]:
    """What a migration of ``records`` costs, for ``--dry-run``: the vault's retrievals by tier
    (and their time), data transfer out to this machine, the destination's requests, and storage
    per month before and after; then the older versions that are not migrated
    (``left_in_vault``: each stays in the vault, and keeps costing its storage there)."""
    sizes = [r.size for r in records]
    left_line = []
    if left_in_vault:
        kept = [r.size for r in left_in_vault]
        monthly = estimate_storage(table, None, kept).total_monthly
        left_line.append(
            f"  not migrated: {len(kept)} older versions ({sum(kept):,} bytes), each skipped "
            f"with its reason, stay in the vault: ${monthly:,.4f} per month"
        )
    if not records:
        return [*estimate_storage(table, None, []).lines()[:1], *left_line]
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
    return lines + left_line


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

    What is copied is :func:`plan_migration`'s: on a bucket with versioning enabled
    (``dest.capabilities.versioned``, learnt by ``ensure_exists``) every live archive of a name,
    oldest first, so that its latest is the key's current version and each has its ``s3v:``
    version id in ``J2``; on any other bucket only each name's latest, every older one skipped
    with its reason (and never deleted by ``delete_source``). A journal
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
    plan = plan_migration(
        state, done, versioned=dest.capabilities.versioned, dest_target=dest.target, filter=filter
    )
    for record, why in plan.skipped:
        _skip(progress, result, record, why)
    todo = plan.records
    if dry_run:
        for record in todo:
            line = f"Will MIGRATE archive {record.archive_id} (file {record.relfilename})"
            progress(Message(line))
            result.outcomes.append(Outcome(record.relfilename, "planned", line, record.archive_id))
        if price_table is not None and (todo or plan.left_in_vault):
            caps = dest.capabilities
            for line in migration_estimate(
                price_table,
                todo,
                tier=tier,
                storage_class=storage_class,
                part_size=segment_size,
                single_max=min(segment_size, caps.max_single_put),
                left_in_vault=plan.left_in_vault,
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
        await _rounds(m, plan.chains, tier, max_number_of_files, polling, window_margin)
        for run in (dest_journal, source_journal):
            run.raise_if_stopped(_STOPPED)
    return finish_operation(progress, result, started)


async def _rounds(
    m: _Migration,
    chains: list[list[Created]],
    tier: Tier | None,
    max_number_of_files: int | None,
    polling: Polling,
    window_margin: float,
) -> None:
    """Check the source's jobs, ask for the missing ones and copy the ready ones, round after
    round while ``polling.wait`` and jobs are in progress.

    Jobs are asked for every archive at once, but the archives of one chain (the versions of
    one name, oldest first) are copied one after the other: an archive whose job is ready waits
    while an older one of its chain is not copied yet, and when one is given up (failed, or
    skipped), the newer ones are skipped for this run, so that a later run copies them in
    order."""
    source, progress, clock = m.source, m.progress, m.clock
    chains = [list(chain) for chain in chains if chain]
    chain_of = {r.archive_id: chain for chain in chains for r in chain}
    pending = {r.archive_id: r for chain in chains for r in chain}
    asked: set[str] = set()  # archives whose job this run asked for
    held: dict[str, Created] = {}  # ready archives waiting for an older one of their chain
    new_jobs = 0
    round_number = 0

    def give_up(record: Created) -> None:
        """``record`` leaves its chain uncopied: the newer ones skip this run."""
        chain = chain_of[record.archive_id]
        at = next(i for i, r in enumerate(chain) if r.archive_id == record.archive_id)
        later = chain[at + 1 :]
        del chain[at:]
        pending.pop(record.archive_id, None)
        for newer in later:
            pending.pop(newer.archive_id, None)
            why = (
                f"newer version (archive {newer.archive_id}), not copied in this run: the "
                f"older archive {record.archive_id} of the name was not, and versions are "
                "copied oldest first; run migrate again"
            )
            _skip(progress, m.result, newer, why)

    async def request(record: Created) -> None:
        try:
            warm = await source.bind(subject=record.relfilename).warmup(_stored(record), tier=tier)
        except AioGlacierError as exc:
            m.failed(record, str(exc))
            give_up(record)
            return
        asked.add(record.archive_id)
        line = RetrieveJob(time=int(clock()), archive_id=record.archive_id, job_id=warm.token)
        said = f"started retrieval job {warm.token} for {record.relfilename}"
        if await m.source_journal.journaled(line, said):
            progress(Message(said))

    async def copy_in_order(run: list[tuple[Created, Warmup]]) -> None:
        chain = chain_of[run[0][0].archive_id]
        for record, warm in run:
            if await m.migrate_one(record, warm):
                chain.remove(record)
            else:
                give_up(record)
                return

    while pending:
        known: dict[str, Warmup] = {}
        closes_before = clock() + window_margin
        async for found in source.warmups([_stored(r) for r in pending.values()]):
            have = known.get(found.archive_id)
            if have is None or _rank(found, closes_before) > _rank(have, closes_before):
                known[found.archive_id] = found
        runs: list[list[tuple[Created, Warmup]]] = []
        ask: list[Created] = []
        held.clear()
        waiting = 0
        for chain in [c for c in chains if c]:
            run: list[tuple[Created, Warmup]] = []
            first_unready: Created | None = None  # the newer ones of the chain wait for it
            for record in list(chain):
                aid = record.archive_id
                warm = known.get(aid)
                if warm is not None and _rank(warm, closes_before)[0] == 3:
                    if first_unready is None:
                        del pending[aid]
                        run.append((record, warm))
                    else:
                        held[aid] = first_unready
                    continue
                first_unready = first_unready or record
                if warm is not None and warm.status == "in-progress":
                    waiting += 1
                elif aid in asked:
                    # Asked for in this run and not served: failed, or gone already.
                    m.failed(record, _job_failure(warm))
                    give_up(record)
                    break
                elif max_number_of_files is not None and new_jobs >= max_number_of_files:
                    _skip(progress, m.result, record, "no job asked for: --max-number-of-files")
                    give_up(record)
                    break
                else:
                    ask.append(record)
                    new_jobs += 1
            if run:
                runs.append(run)
        stop = m.dest_journal.stop
        # Twice as many archives as requests in flight, as restore-completed: one archive's
        # hashing and journaling overlap the others' requests (memory is the budget's).
        async with Fanout(m.concurrency * 2, stop) as fan:
            for record in ask:
                await fan.start(functools.partial(request, record))
            for run in runs:
                for record, _ in run:
                    progress(FileQueued(record.relfilename, "migrate", record.size))
                await fan.start(functools.partial(copy_in_order, run))
        waiting += sum(1 for r in ask if r.archive_id in pending)
        if stop.is_set():
            return
        if not polling.wait or not pending or waiting == 0:
            break
        delay = polling.delay(round_number)
        round_number += 1
        progress(Message(f"waiting for {waiting} retrieval jobs; next check in {delay:.0f} s"))
        await polling.sleep(delay)
    for aid, record in pending.items():
        older = held.get(aid)
        if older is not None and older.archive_id in pending:
            note = (
                f"retrieval job ready, waiting for the older version (archive "
                f"{older.archive_id}) to be copied first: run migrate again later "
                "(or use --wait)"
            )
        else:
            note = "retrieval job in progress: run migrate again later (or use --wait)"
        _skip(progress, m.result, record, note)


def _job_failure(warm: Warmup | None) -> str:
    if warm is None:
        return "retrieval job unknown to the service; run migrate again to ask anew"
    said = f' (the service says: "{warm.message}")' if warm.message else ""
    return f"retrieval job {warm.token} {warm.status}{said}; run migrate again to ask anew"
