"""Orphans: what a vault holds that the journal does not know, found, listed and purged.

A ``kill -9`` (a power cut, an out-of-memory kill) can leave, per request in flight:

* an **archive** the service stored whose journal line was never written (the process died
  between the service's answer and the journal's write, or the answer itself was lost): it
  costs storage forever and no journal restores it. Only an inventory shows it.
* a **multipart upload** the service started that ``JOURNAL.uploads.json`` does not record
  (the process died between Initiate and the write of the resume store; or standard input was
  being uploaded, which is never resumed). List Multipart Uploads shows it at any time.

Another program (or another journal) may share the vault, so nothing is removed on a mere
absence. An orphan is **ours** when its ``mt2`` description shows it is a leftover of this
journal's own uploads:

* an archive is ours when its description names a file whose journal archive has the same
  size and tree hash: it is a second copy of data the journal holds, so deleting it loses
  nothing (this is what a rerun after a kill leaves behind);
* a multipart upload is ours when its description names a file and mtime equal to the
  journal's current version of that file: the journal already holds what it was uploading.

:func:`list_orphans` reports every orphan (archives from the newest completed inventory,
compared with every archive the journal ever created or deleted; uploads listed live, compared
with the resume store). :func:`purge_orphans` deletes the orphan archives and aborts the orphan
uploads that are ours (every one with ``all_orphans``), under the journal's lock, and writes
nothing to the journal: it never had a line for them. ``sync`` calls
:func:`handle_stray_uploads` at the end of each run: ours are aborted, others reported.

On a bucket (:class:`~aioglacier.backends.s3.backend.S3Backend`) the orphans are the
multipart uploads in progress under the prefix (ListMultipartUploads, every page) that the
resume store does not record; no inventory is needed, and no object is an orphan (a new
file's upload is conditional: it never lands on a key holding an object the journal does not
know). An upload is ours when the journal holds the file of its key and the upload started
no later than the journal's line of that file: that version is complete, so the upload can
never be. Purging one aborts it (AbortMultipartUpload).
"""

from __future__ import annotations

import asyncio
import fcntl
import functools
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from concurrent.futures import Executor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from aioglacier.backends.base import StoredObject
from aioglacier.backends.glacier.backend import GlacierBackend
from aioglacier.backends.glacier.inventory import newest_inventory
from aioglacier.backends.s3.backend import S3Backend
from aioglacier.engine.run import OperationResult, Outcome, finish_operation
from aioglacier.engine.strays import (
    REQUEST_ERRORS,
    StrayUpload,
    abort_upload,
    find_stray_uploads,
    handle_stray_uploads,
)
from aioglacier.errors import AioGlacierError, NotFound
from aioglacier.fanout import bounded
from aioglacier.journal import (
    Created,
    Deleted,
    JournalError,
    JournalLockedError,
    load_journal,
    parse_line,
)
from aioglacier.metadata import decode_description
from aioglacier.polling import NO_WAIT, Polling
from aioglacier.progress import (
    FileDone,
    FileFailed,
    FileSkipped,
    FileStarted,
    Message,
    ProgressSink,
    null_sink,
)
from aioglacier.resume import ResumeStore, resume_path_for
from aioglacier.retry import RetryPolicy

_REQUEST_ERRORS = REQUEST_ERRORS

__all__ = [
    "OrphanArchive",
    "OrphanReport",
    "StrayUpload",  # re-exported from aioglacier.engine.strays
    "find_stray_uploads",
    "handle_stray_uploads",
    "list_orphans",
    "purge_orphans",
]


@dataclass(frozen=True)
class OrphanArchive:
    """An archive of the vault's inventory that the journal never created nor deleted."""

    archive_id: str
    size: int
    creation_date: str
    treehash: str
    description: str
    name: str | None
    """The file name of an ``mt2`` description (None: not mtglacier's format)."""
    mtime: int | None
    ours: bool
    """A copy (same name, size and tree hash) of an archive the journal holds."""


@dataclass
class OrphanReport:
    """What :func:`list_orphans` found."""

    inventory_date: str
    archives: list[OrphanArchive] = field(default_factory=list)
    uploads: list[StrayUpload] = field(default_factory=list)

    @property
    def orphan_bytes(self) -> int:
        """The size of the orphan archives."""
        return sum(a.size for a in self.archives)


def _decoded(description: str) -> tuple[str | None, int | None]:
    decoded = decode_description(description)
    return (None, None) if decoded is None else decoded


def _deleted_ids(path: Path) -> set[str]:
    """Archive ids of the journal's DELETED records (executor only)."""
    found: set[str] = set()
    with open(path, "rb") as f:
        for number, raw in enumerate(f, 1):
            if b"DELETED" not in raw or not raw.endswith(b"\n"):
                continue
            try:
                record = parse_line(raw.decode("utf-8"), number)
            except (UnicodeDecodeError, JournalError):
                continue  # the journal was read whole before: such a line holds no DELETED
            if isinstance(record, Deleted):
                found.add(record.archive_id)
    return found


def _gone(exc: BaseException) -> bool:
    return isinstance(exc, NotFound)


@dataclass
class _Known:
    """What the journal knows: ids, copies (name, size, tree hash), current mtimes."""

    ids: set[str]
    copies: set[tuple[str, int, str]]
    files: Mapping[str, Created]
    pending: set[str]

    def current_mtime(self, name: str) -> int | None:
        record = self.files.get(name)
        return None if record is None else record.mtime


async def _known(journal_path: Path, executor: Executor | None) -> _Known:
    loop = asyncio.get_running_loop()
    exists = await loop.run_in_executor(executor, os.path.isfile, journal_path)
    if not exists:
        raise AioGlacierError(f"journal {journal_path} not found")
    state = await load_journal(journal_path, executor=executor, missing_ok=False)
    deleted = await loop.run_in_executor(executor, _deleted_ids, journal_path)

    def index() -> tuple[set[str], set[tuple[str, int, str]]]:
        ids = set(state.archives) | deleted
        copies = {(a.relfilename, a.size, a.treehash) for a in state.archives.values()}
        return ids, copies

    ids, copies = await loop.run_in_executor(executor, index)
    resume = ResumeStore(resume_path_for(journal_path), executor=executor)
    await resume.load()
    return _Known(ids, copies, state.files, {p.upload_id for p in resume.pending()})


async def _bucket_uploads(backend: S3Backend, known: _Known) -> list[StrayUpload]:
    """The multipart uploads under the bucket's prefix that the resume store does not hold."""
    uploads = await backend.api.list_multipart_uploads(
        backend.bucket, prefix=backend.prefix or None
    )
    strays: list[StrayUpload] = []
    for upload in uploads:
        if upload.upload_id in known.pending:
            continue
        name = backend.name(upload.key)
        record = known.files.get(name) if name is not None else None
        started = upload.initiated
        ours = (
            record is not None and started is not None and int(started.timestamp()) <= record.time
        )
        strays.append(
            StrayUpload(
                upload_id=upload.upload_id,
                creation_date=started.isoformat().replace("+00:00", "Z") if started else "",
                description=upload.key,
                part_size=0,
                name=name,
                mtime=None,
                ours=ours,
            )
        )
    return strays


async def _report(
    backend: GlacierBackend | S3Backend,
    journal_path: Path,
    inventory_date: str,
    archives: list[tuple[str, int, str, str, str]],
    executor: Executor | None,
) -> OrphanReport:
    known = await _known(journal_path, executor)
    if isinstance(backend, S3Backend):
        return OrphanReport(inventory_date, uploads=await _bucket_uploads(backend, known))
    report = OrphanReport(inventory_date)
    for archive_id, size, creation_date, treehash, description in archives:
        if archive_id in known.ids:
            continue
        name, mtime = _decoded(description)
        ours = name is not None and (name, size, treehash) in known.copies
        report.archives.append(
            OrphanArchive(archive_id, size, creation_date, treehash, description, name, mtime, ours)
        )
    report.uploads = await find_stray_uploads(
        backend, known=known.pending, current_mtime=known.current_mtime
    )
    return report


async def _inventory_rows(
    backend: GlacierBackend | S3Backend,
    polling: Polling,
    retry: RetryPolicy | None,
    progress: ProgressSink,
) -> tuple[str, list[tuple[str, int, str, str, str]]]:
    if isinstance(backend, S3Backend):
        return "", []  # a bucket has no inventory: its orphans are uploads only
    inventory = await newest_inventory(
        backend.api,
        backend.vault,
        polling=polling,
        retry=retry,
        progress=progress,
    )
    rows = [
        (a.archive_id, a.size, a.creation_date, a.treehash, a.description)
        for a in inventory.archives
    ]
    return inventory.inventory_date, rows


async def list_orphans(
    backend: GlacierBackend | S3Backend,
    *,
    journal_path: Path,
    polling: Polling = NO_WAIT,
    retry: RetryPolicy | None = None,
    executor: Executor | None = None,
    progress: ProgressSink = null_sink,
) -> OrphanReport:
    """Every orphan of ``vault`` for the journal at ``journal_path`` (see the module docs).

    Needs a completed inventory job (``retrieve-inventory``; ``polling.wait`` polls for one in
    progress). Archives created after the inventory was taken are not in it: run it again
    after a new inventory to see them. On a bucket: its orphan uploads, listed live (no
    inventory). Changes nothing.
    """
    date, rows = await _inventory_rows(backend, polling, retry, progress)
    return await _report(backend, journal_path, date, rows, executor)


def _lock(path: Path) -> int:
    """Take the journal's exclusive lock (the one :class:`JournalWriter` takes) without
    opening it for writing (executor only)."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise JournalLockedError(
            "journal is locked: another process (or another writer in this process) is writing it",
            path=str(path),
        ) from None
    except BaseException:
        os.close(fd)
        raise
    return fd


@asynccontextmanager
async def _locked(path: Path, executor: Executor | None) -> AsyncIterator[None]:
    loop = asyncio.get_running_loop()
    try:
        fd = await loop.run_in_executor(executor, _lock, path)
    except FileNotFoundError:
        raise AioGlacierError(f"journal {path} not found") from None
    try:
        yield
    finally:
        os.close(fd)  # closing releases the lock


async def purge_orphans(
    backend: GlacierBackend | S3Backend,
    *,
    journal_path: Path,
    all_orphans: bool = False,
    dry_run: bool = False,
    polling: Polling = NO_WAIT,
    retry: RetryPolicy | None = None,
    concurrency: int = 8,
    executor: Executor | None = None,
    progress: ProgressSink = null_sink,
) -> OperationResult:
    """Delete the orphan archives and abort the orphan uploads that are ours (every orphan with
    ``all_orphans``: only for a vault no other program or journal writes to).

    The journal is locked meanwhile (no sync of it can run) and never written: it has no line
    for an orphan. The others are reported as skipped. ``dry_run`` only says what would go.
    """
    started = time.monotonic()
    result = OperationResult()

    async def delete(archive: OrphanArchive, label: str) -> None:
        progress(FileStarted(label, "purge", archive.size))
        detail = f"orphan archive {archive.archive_id}"
        try:
            obj = StoredObject(archive.archive_id, label, archive.size, archive.treehash)
            await backend.delete(obj)
        except _REQUEST_ERRORS as exc:
            if not _gone(exc):
                progress(FileFailed(label, "purge", f"{detail}: {exc}"))
                result.outcomes.append(Outcome(label, "failed", str(exc), archive.archive_id))
                return
            detail += ", already gone"
        progress(FileDone(label, "purge", archive.size, archive.archive_id, detail))
        result.outcomes.append(Outcome(label, "done", detail, archive.archive_id, archive.size))

    async def abort(upload: StrayUpload, label: str) -> None:
        progress(FileStarted(label, "purge", 0))
        detail = f"multipart upload {upload.upload_id} aborted"
        try:
            await abort_upload(backend, upload)
        except _REQUEST_ERRORS as exc:
            progress(FileFailed(label, "purge", f"multipart upload {upload.upload_id}: {exc}"))
            result.outcomes.append(Outcome(label, "failed", str(exc)))
            return
        progress(FileDone(label, "purge", 0, None, detail))
        result.outcomes.append(Outcome(label, "done", detail))

    date, rows = await _inventory_rows(backend, polling, retry, progress)
    async with _locked(journal_path, executor):
        report = await _report(backend, journal_path, date, rows, executor)
        jobs: list[Callable[[], Awaitable[None]]] = []
        for archive in report.archives:
            label = archive.name if archive.name is not None else archive.archive_id
            if not (archive.ours or all_orphans):
                why = "orphan archive left alone: not a copy of an archive of the journal"
                progress(FileSkipped(label, f"{why} (archive {archive.archive_id})"))
                result.outcomes.append(Outcome(label, "skipped", why, archive.archive_id))
                continue
            if dry_run:
                line = (
                    f"Will DELETE orphan archive {archive.archive_id} (file {label}, "
                    f"{archive.size} bytes, created {archive.creation_date})"
                )
                progress(Message(line))
                result.outcomes.append(Outcome(label, "planned", line, archive.archive_id))
                continue
            jobs.append(functools.partial(delete, archive, label))
        for upload in report.uploads:
            label = upload.name if upload.name is not None else upload.upload_id
            if not (upload.ours or all_orphans):
                why = "orphan multipart upload left alone: not the journal's version of a file"
                progress(FileSkipped(label, f"{why} (upload {upload.upload_id})"))
                result.outcomes.append(Outcome(label, "skipped", why))
                continue
            if dry_run:
                line = f"Will ABORT multipart upload {upload.upload_id} (file {label})"
                progress(Message(line))
                result.outcomes.append(Outcome(label, "planned", line))
                continue
            jobs.append(functools.partial(abort, upload, label))
        await bounded(concurrency, jobs)
    return finish_operation(progress, result, started)
