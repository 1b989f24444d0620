"""Operations on ONE archive: upload a file (single request or multipart, resumable).

Reads and hashes happen together in executor threads (one thread hop per part); the loop only
schedules. Memory: every part's bytes are taken from a shared :class:`ByteBudget` before they
are read and given back once sent, so bytes read but not yet sent stay under the budget.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field, replace

from aioglacier.backends.glacier import GlacierApi, MultipartPart
from aioglacier.batching import ExecutorBatcher
from aioglacier.errors import RemoteError, TransferError, first_leaf
from aioglacier.limits import ByteBudget
from aioglacier.metadata import encode_description
from aioglacier.progress import BytesTransferred, ProgressSink, null_sink
from aioglacier.resume import PendingUpload, ResumeStore
from aioglacier.treehash import TreeHasher, tree_hash_from_parts

__all__ = [
    "FileChangedError",
    "UploadContext",
    "UploadOutcome",
    "UploadStoppedError",
    "upload_file",
]


class FileChangedError(TransferError):
    """The file's size or mtime changed while it was read: its upload is not journaled."""


class UploadStoppedError(TransferError):
    """The run stopped (:attr:`UploadContext.stop`) before this upload created an archive.

    ``upload_id`` is the multipart upload that was aborted, or ``None`` when nothing was sent.
    """

    def __init__(self, message: str, upload_id: str | None = None) -> None:
        super().__init__(message)
        self.upload_id = upload_id


#: Whole files up to this size are read in batches (see :class:`SmallFileReader`).
SMALL_FILE_MAX = 256 * 1024


def _read_whole_job(job: tuple[str, _Identity, str]) -> tuple[bytes, str, str]:
    return _read_whole(*job)


class SmallFileReader:
    """Reads and hashes small whole files in batches: every read requested during one turn of
    the event loop goes to the executor as ONE job, so a sync of many small files pays one
    thread hop per batch instead of one per file (the reads still never run on the loop)."""

    def __init__(self, executor: Executor | None = None, max_batch: int = 64) -> None:
        self._batcher = ExecutorBatcher(_read_whole_job, executor, max_batch)

    @property
    def batches(self) -> int:
        """Executor jobs started so far."""
        return self._batcher.batches

    async def read(
        self, path: str, identity: _Identity, relfilename: str
    ) -> tuple[bytes, str, str]:
        """Read ``path`` whole, hash it, check it did not change; returns (data, tree, sha)."""
        return await self._batcher.submit((path, identity, relfilename))


@dataclass
class UploadContext:
    """What every upload of a run shares.

    ``stop``, once set, stops the run's uploads (its journal cannot be written, so no archive
    it creates could be journaled): an upload that has sent nothing yet sends nothing, a
    multipart upload in flight is aborted, and a single request already sent finishes (its
    archive is returned, for the caller to report).
    """

    api: GlacierApi
    vault: str
    part_size: int
    budget: ByteBudget
    resume: ResumeStore | None = None
    executor: Executor | None = None
    progress: ProgressSink = null_sink
    clock: Callable[[], float] = time.time
    small_reader: SmallFileReader | None = None
    stop: asyncio.Event | None = None

    def check_stop(self, relfilename: str, upload_id: str | None = None) -> None:
        """Raise :class:`UploadStoppedError` when :attr:`stop` is set."""
        if self.stop is not None and self.stop.is_set():
            raise UploadStoppedError(f"{relfilename}: upload stopped", upload_id)

    async def watch_stop(self, relfilename: str, upload_id: str | None) -> None:
        """Raise :class:`UploadStoppedError` once :attr:`stop` is set (never, without one)."""
        if self.stop is None:
            await asyncio.Future()  # until cancelled
        else:
            await self.stop.wait()
        raise UploadStoppedError(f"{relfilename}: upload stopped", upload_id)


async def _parts_then(tasks: list[asyncio.Task[None]], watcher: asyncio.Task[None]) -> None:
    """Wait for every part task, then stop the stop-watcher (all in one task group)."""
    if tasks:
        await asyncio.wait(tasks)
    watcher.cancel()


@dataclass(frozen=True)
class UploadOutcome:
    """An archive created from a file."""

    archive_id: str
    tree_hash: str
    size: int
    parts_sent: int
    parts_reused: int = 0
    resumed: bool = False


@dataclass(frozen=True)
class _Identity:
    size: int
    mtime_ns: int


@dataclass
class _Source:
    """Where an upload's bytes come from: a path (re-statted) or in-memory data (stdin)."""

    relfilename: str
    size: int
    mtime: int
    path: str | None = None
    mtime_ns: int = 0
    data: bytes | None = field(default=None, repr=False)


def _read_exact(fd: int, offset: int, length: int) -> bytes:
    chunks: list[bytes] = []
    got = 0
    while got < length:
        chunk = os.pread(fd, length - got, offset + got)
        if not chunk:
            break
        chunks.append(chunk)
        got += len(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _hash(data: bytes) -> tuple[str, str]:
    hasher = TreeHasher()
    hasher.update(data)
    return hasher.hexdigest(), hasher.sha256_hexdigest()


def _check_identity(fd: int, expected: _Identity, relfilename: str) -> None:
    st = os.fstat(fd)
    if st.st_size != expected.size or st.st_mtime_ns != expected.mtime_ns:
        raise FileChangedError(f"{relfilename}: file changed while it was read")


def _read_whole(path: str, expected: _Identity, relfilename: str) -> tuple[bytes, str, str]:
    """Open, read all, hash, and check the file did not change (one executor job)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        _check_identity(fd, expected, relfilename)
        data = _read_exact(fd, 0, expected.size)
        if len(data) != expected.size:
            raise FileChangedError(f"{relfilename}: file changed while it was read")
        _check_identity(fd, expected, relfilename)
    finally:
        os.close(fd)
    tree, sha = _hash(data)
    return data, tree, sha


class _SharedFd:
    """An fd shared by executor jobs: closed by the last user once :meth:`close` was called.

    A cancelled part leaves its executor thread running; closing the fd under it could make it
    read another file that reused the number.
    """

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self._users = 0
        self._closing = False
        self._lock = threading.Lock()

    def enter(self) -> int:
        with self._lock:
            if self._closing:
                raise TransferError("upload cancelled")
            self._users += 1
            return self.fd

    def exit(self) -> None:
        with self._lock:
            self._users -= 1
            last = self._closing and self._users == 0
        if last:
            os.close(self.fd)

    def close(self) -> None:
        with self._lock:
            self._closing = True
            last = self._users == 0
        if last:
            os.close(self.fd)


def _read_part(
    shared: _SharedFd, offset: int, length: int, relfilename: str
) -> tuple[bytes, str, str]:
    fd = shared.enter()
    try:
        data = _read_exact(fd, offset, length)
    finally:
        shared.exit()
    if len(data) != length:
        raise FileChangedError(f"{relfilename}: file changed while it was read")
    tree, sha = _hash(data)
    return data, tree, sha


def _open_checked(path: str, expected: _Identity, relfilename: str) -> int:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        _check_identity(fd, expected, relfilename)
    except BaseException:
        os.close(fd)
        raise
    return fd


async def upload_file(
    ctx: UploadContext,
    relfilename: str,
    *,
    path: str | None = None,
    data: bytes | None = None,
    size: int,
    mtime: int,
    mtime_ns: int = 0,
) -> UploadOutcome:
    """Upload one file as one archive described with mtglacier's ``mt2`` description.

    Give ``path`` (with the ``size`` and ``mtime_ns`` seen by the scan: a file that differs
    before or after reading fails with :class:`FileChangedError`), or ``data`` for bytes already
    in memory (standard input). Files up to the part size go up in one request; larger ones as a
    multipart upload with parts in flight concurrently, recorded for resume.
    """
    description = encode_description(relfilename, mtime)
    ctx = replace(ctx, api=ctx.api.bind(subject=relfilename))
    src = _Source(relfilename, size, mtime, path, mtime_ns, data)
    if size <= ctx.part_size:
        return await _upload_single(ctx, src, description)
    return await _upload_multipart(ctx, src, description)


async def _upload_single(ctx: UploadContext, src: _Source, description: str) -> UploadOutcome:
    loop = asyncio.get_running_loop()
    async with ctx.budget.hold(src.size):
        if src.data is not None:
            body = src.data
            tree, sha = await loop.run_in_executor(ctx.executor, _hash, body)
        elif src.size <= SMALL_FILE_MAX and ctx.small_reader is not None:
            assert src.path is not None
            identity = _Identity(src.size, src.mtime_ns)
            body, tree, sha = await ctx.small_reader.read(src.path, identity, src.relfilename)
        else:
            assert src.path is not None
            body, tree, sha = await loop.run_in_executor(
                ctx.executor,
                _read_whole,
                src.path,
                _Identity(src.size, src.mtime_ns),
                src.relfilename,
            )
        ctx.check_stop(src.relfilename)
        archive_id = await ctx.api.upload_archive(
            ctx.vault, body, description=description, tree_hash=tree, sha256=sha
        )
    ctx.progress(BytesTransferred(src.relfilename, src.size))
    return UploadOutcome(archive_id, tree, src.size, parts_sent=1)


#: Glacier's limits: parts per upload, and the largest part.
MAX_PARTS = 10_000
MAX_PART_SIZE = 4096 * 1024 * 1024


def part_size_for(size: int, wanted: int) -> int:
    """``wanted``, doubled as often as needed for ``size`` to fit in 10,000 parts."""
    part = wanted
    while -(-size // part) > MAX_PARTS:
        part *= 2
    if part > MAX_PART_SIZE:
        raise TransferError(
            f"{size} bytes is more than a Glacier archive can hold (10,000 parts of 4 GiB)"
        )
    return part


def _read_full(read: Callable[[int], bytes], size: int) -> bytes:
    """Read up to ``size`` bytes from a stream, stopping early only at its end."""
    chunks: list[bytes] = []
    got = 0
    while got < size:
        chunk = read(size - got)
        if not chunk:
            break
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


async def upload_stream(
    ctx: UploadContext,
    relfilename: str,
    read: Callable[[int], bytes],
    *,
    mtime: int,
    max_size: int,
) -> UploadOutcome:
    """Upload a stream of unknown length (standard input) without holding it in memory.

    ``read(n)`` is a blocking read (called in executor threads, one at a time). A stream
    shorter than the part size goes up in one request; a longer one as a multipart upload
    whose parts are sent while the next ones are read, within the byte budget. The part size
    grows so that ``max_size`` fits in 10,000 parts; a stream longer than ``max_size`` fails
    (and its upload is aborted).
    """
    loop = asyncio.get_running_loop()
    description = encode_description(relfilename, mtime)
    ctx = replace(ctx, api=ctx.api.bind(subject=relfilename))
    part_size = part_size_for(max_size, ctx.part_size)
    first = await loop.run_in_executor(ctx.executor, _read_full, read, part_size)
    if not first:
        raise TransferError(f"{relfilename}: empty input: Glacier refuses empty archives")
    if len(first) > max_size:
        raise TransferError(f"{relfilename}: input is larger than the maximum of {max_size} bytes")
    if len(first) < part_size:
        src = _Source(relfilename, len(first), mtime, data=first)
        return await _upload_single(ctx, src, description)
    ctx.check_stop(relfilename)
    upload_id = await ctx.api.initiate_multipart(
        ctx.vault, part_size=part_size, description=description
    )
    hashes: list[bytes] = []
    total = 0

    async def one_part(index: int, start: int, body: bytes) -> None:
        try:
            tree, sha = await loop.run_in_executor(ctx.executor, _hash, body)
            hashes[index] = bytes.fromhex(tree)
            await ctx.api.upload_part(ctx.vault, upload_id, start, body, tree_hash=tree, sha256=sha)
        finally:
            ctx.budget.release(len(body))
        ctx.progress(BytesTransferred(relfilename, len(body)))

    try:
        async with asyncio.TaskGroup() as group:
            watcher = group.create_task(ctx.watch_stop(relfilename, upload_id))
            parts: list[asyncio.Task[None]] = []
            chunk = first
            while chunk:
                if total + len(chunk) > max_size:
                    raise TransferError(
                        f"{relfilename}: input is larger than the maximum of {max_size} bytes"
                    )
                await ctx.budget.acquire(len(chunk))
                hashes.append(b"")
                parts.append(group.create_task(one_part(len(hashes) - 1, total, chunk)))
                total += len(chunk)
                if len(chunk) < part_size:
                    break
                chunk = await loop.run_in_executor(ctx.executor, _read_full, read, part_size)
            await _parts_then(parts, watcher)
        ctx.check_stop(relfilename, upload_id)
        tree_hash = tree_hash_from_parts(hashes).hex()
        archive_id = await ctx.api.complete_multipart(
            ctx.vault, upload_id, archive_size=total, tree_hash=tree_hash
        )
    except BaseException as exc:
        with contextlib.suppress(Exception):
            await asyncio.shield(ctx.api.abort_multipart(ctx.vault, upload_id))
        if isinstance(exc, BaseExceptionGroup):
            raise first_leaf(exc) from None
        raise
    return UploadOutcome(archive_id, tree_hash, total, parts_sent=len(hashes))


async def _start_or_resume(
    ctx: UploadContext, src: _Source, description: str
) -> tuple[PendingUpload, dict[int, MultipartPart], bool]:
    store = ctx.resume
    if store is not None and src.path is not None:
        pending = store.find(ctx.vault, src.relfilename, src.size, src.mtime_ns)
        if pending is not None:
            try:
                _, parts = await ctx.api.list_parts(ctx.vault, pending.upload_id)
            except RemoteError as exc:
                if exc.code != "ResourceNotFoundException":
                    raise
                await store.remove(pending.upload_id)
            else:
                return pending, {p.start: p for p in parts}, True
        for stale in store.pending():
            # An upload of an earlier version of this file can never be completed: drop it.
            if stale.vault == ctx.vault and stale.relfilename == src.relfilename:
                await _abort_quietly(ctx, stale)
    part_size = part_size_for(src.size, ctx.part_size)
    upload_id = await ctx.api.initiate_multipart(
        ctx.vault, part_size=part_size, description=description
    )
    pending = PendingUpload(
        vault=ctx.vault,
        upload_id=upload_id,
        relfilename=src.relfilename,
        size=src.size,
        mtime_ns=src.mtime_ns,
        part_size=part_size,
        description=description,
        started=ctx.clock(),
    )
    if store is not None and src.path is not None:
        try:
            await store.add(pending)
        except Exception:
            # Not resumable (the sidecar cannot be written: a full disk?): leave nothing behind.
            with contextlib.suppress(Exception):
                await asyncio.shield(ctx.api.abort_multipart(ctx.vault, upload_id))
            raise
    return pending, {}, False


async def _upload_multipart(ctx: UploadContext, src: _Source, description: str) -> UploadOutcome:
    loop = asyncio.get_running_loop()
    ctx.check_stop(src.relfilename)
    pending, remote, resumed = await _start_or_resume(ctx, src, description)
    part_size = pending.part_size
    starts = list(range(0, src.size, part_size))
    hashes: list[bytes | None] = [None] * len(starts)
    sent = 0
    reused = 0
    identity = _Identity(src.size, src.mtime_ns)
    fd: _SharedFd | None = None
    if src.path is not None:
        try:
            opened = await loop.run_in_executor(
                ctx.executor, _open_checked, src.path, identity, src.relfilename
            )
        except (FileChangedError, OSError):
            # Changed (or gone) since the scan: this upload can never be completed.
            await _abort_quietly(ctx, pending)
            raise
        fd = _SharedFd(opened)

    async def one_part(index: int, start: int, length: int) -> None:
        nonlocal sent, reused
        try:
            if fd is not None:
                body, tree, sha = await loop.run_in_executor(
                    ctx.executor, _read_part, fd, start, length, src.relfilename
                )
            else:
                assert src.data is not None
                body = src.data[start : start + length]
                tree, sha = await loop.run_in_executor(ctx.executor, _hash, body)
            hashes[index] = bytes.fromhex(tree)
            have = remote.get(start)
            if have is not None and have.end == start + length - 1 and have.tree_hash == tree:
                reused += 1
            else:
                await ctx.api.upload_part(
                    ctx.vault, pending.upload_id, start, body, tree_hash=tree, sha256=sha
                )
                sent += 1
            del body
        finally:
            ctx.budget.release(length)
        ctx.progress(BytesTransferred(src.relfilename, length))

    try:
        async with asyncio.TaskGroup() as group:
            watcher = group.create_task(ctx.watch_stop(src.relfilename, pending.upload_id))
            parts: list[asyncio.Task[None]] = []
            for index, start in enumerate(starts):
                length = min(part_size, src.size - start)
                await ctx.budget.acquire(length)
                parts.append(group.create_task(one_part(index, start, length)))
            await _parts_then(parts, watcher)
        ctx.check_stop(src.relfilename, pending.upload_id)
        if fd is not None:
            try:
                await loop.run_in_executor(
                    ctx.executor, _check_identity, fd.fd, identity, src.relfilename
                )
            except FileChangedError:
                await _abort_quietly(ctx, pending)
                raise
    except UploadStoppedError:
        await asyncio.shield(_abort_quietly(ctx, pending))
        raise
    except BaseExceptionGroup as group_error:
        for kind in (FileChangedError, UploadStoppedError):
            found = group_error.subgroup(kind)
            if found is not None:
                await asyncio.shield(_abort_quietly(ctx, pending))
                raise first_leaf(found) from None
        first = first_leaf(group_error)
        raise first from None
    finally:
        if fd is not None:
            fd.close()
    tree_hash = tree_hash_from_parts([h for h in hashes if h is not None]).hex()
    archive_id = await ctx.api.complete_multipart(
        ctx.vault, pending.upload_id, archive_size=src.size, tree_hash=tree_hash
    )
    if ctx.resume is not None:
        # The archive exists: it must reach the caller (and the journal) whatever happens to
        # the sidecar. An entry that cannot be removed (a full disk) is found stale later.
        with contextlib.suppress(OSError):
            await ctx.resume.remove(pending.upload_id)
    return UploadOutcome(archive_id, tree_hash, src.size, sent, reused, resumed)


async def _abort_quietly(ctx: UploadContext, pending: PendingUpload) -> None:
    with contextlib.suppress(RemoteError):
        await ctx.api.abort_multipart(ctx.vault, pending.upload_id)
    if ctx.resume is not None:
        # A sidecar that cannot be rewritten keeps a stale entry: the next run's List Parts
        # answers that the upload is gone, and the entry is dropped then.
        with contextlib.suppress(OSError):
            await ctx.resume.remove(pending.upload_id)
