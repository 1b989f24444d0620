"""ONE object: upload a file, bytes or a stream (single request or multipart, resumable).

Every multipart upload goes through one driver (:func:`_drive`) fed by a part source: a path
(parts read and hashed in executor threads, concurrently, one thread hop per part), bytes in
memory, or a non-seekable stream (standard input: read in order, hashed in parallel). Abort is
a registered failure cleanup (:class:`_Cleanups`), run when the upload can never complete.
Memory: every part's bytes are taken from a shared :class:`ByteBudget` before they are read (a
stream's: once read) and given back once sent, so bytes read but not yet sent stay bounded.
Part limits come from the backend's :class:`~aioglacier.backends.base.Capabilities`.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import threading
import time
from collections.abc import AsyncGenerator, Awaitable, Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field, replace
from typing import Protocol

from aioglacier.backends.base import Backend, Capabilities, MultipartWriter, ObjectSpec, Part
from aioglacier.batching import ExecutorBatcher
from aioglacier.errors import NotFound, RemoteError, TransferError, first_leaf
from aioglacier.limits import ByteBudget
from aioglacier.progress import BytesTransferred, ProgressSink, null_sink
from aioglacier.resume import PendingUpload, ResumeStore
from aioglacier.treehash import TreeHasher, tree_hash_file, tree_hash_from_parts

__all__ = [
    "EMPTY_INPUT_REASON",
    "FileChangedError",
    "SharedFd",
    "SmallFileReader",
    "UploadContext",
    "UploadOutcome",
    "UploadStoppedError",
    "upload_file",
    "upload_stream",
]

#: Why an empty input is refused by a store that holds no empty object.
EMPTY_INPUT_REASON = "empty input: Glacier refuses empty archives"


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
    """What every upload of a run shares: the backend, the wanted part size (grown to fit
    the store's limits), the byte budget, the resume store.

    ``stop``, once set, stops the run's uploads (its journal cannot be written, so no archive
    it creates could be journaled): an upload that has sent nothing yet sends nothing, a
    multipart upload in flight is aborted, and a single request already sent finishes (its
    archive is returned, for the caller to report).
    """

    backend: Backend
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

    def with_backend(self, backend: Backend) -> UploadContext:
        """This context with ``backend`` in place of its own: ``dataclasses.replace`` without
        its cost (it runs ``__init__`` over every field; this is done once per file)."""
        bound = object.__new__(type(self))
        bound.__dict__.update(self.__dict__)
        bound.backend = backend
        return bound

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


def engine_part_size(caps: Capabilities, size: int, wanted: int) -> int:
    """The part size of an upload of ``size`` bytes: valid for the store and, whatever the
    store allows, 1 MiB times a power of two, so that the parts' tree hashes make the whole
    file's (:func:`~aioglacier.treehash.tree_hash_from_parts`). S3 accepts any part from 5 MiB:
    a wanted 1 MiB part becomes 8 MiB there, not 5."""
    return dataclasses.replace(caps, part_size_power_of_two=True).part_size_for(size, wanted)


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


class SharedFd:
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
    shared: SharedFd, offset: int, length: int, relfilename: str
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


@dataclass(frozen=True)
class _PendingPart:
    """A part the driver can start: its number (from 1), offset, length, and how to get its
    bytes and digests (tree hash, SHA-256)."""

    number: int
    start: int
    length: int
    load: Callable[[], Awaitable[tuple[bytes, str, str]]]


class PartSource(Protocol):
    """Where a multipart upload's bytes come from (see :func:`_drive`)."""

    def parts(self, part_size: int) -> AsyncGenerator[_PendingPart, None]:
        """The parts in order, each yielded as soon as it can be started."""
        ...

    async def finish(self) -> None:
        """Check the source did not change while read (raise :class:`FileChangedError`)."""
        ...

    def close(self) -> None:
        """Release what the source holds (its file descriptor)."""
        ...


@dataclass(frozen=True)
class _PathSource:
    """A file (opened once, checked against its scanned identity): parts are read and hashed
    in executor threads, concurrently, each in one job."""

    fd: SharedFd
    identity: _Identity
    relfilename: str
    executor: Executor | None

    async def parts(self, part_size: int) -> AsyncGenerator[_PendingPart, None]:
        loop = asyncio.get_running_loop()
        size = self.identity.size
        for index, start in enumerate(range(0, size, part_size)):
            length = min(part_size, size - start)

            def load(start: int = start, length: int = length) -> Awaitable[tuple[bytes, str, str]]:
                return loop.run_in_executor(
                    self.executor, _read_part, self.fd, start, length, self.relfilename
                )

            yield _PendingPart(index + 1, start, length, load)

    async def finish(self) -> None:
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(
            self.executor, _check_identity, self.fd.fd, self.identity, self.relfilename
        )

    def close(self) -> None:
        self.fd.close()


def _hashed(
    body: bytes, executor: Executor | None
) -> Callable[[], Awaitable[tuple[bytes, str, str]]]:
    """A part's loader for bytes already in memory: hash them in an executor thread."""

    async def load() -> tuple[bytes, str, str]:
        tree, sha = await asyncio.get_running_loop().run_in_executor(executor, _hash, body)
        return body, tree, sha

    return load


@dataclass(frozen=True)
class _BytesSource:
    """Bytes in memory: parts are slices, hashed in executor threads."""

    data: bytes = field(repr=False)
    executor: Executor | None

    async def parts(self, part_size: int) -> AsyncGenerator[_PendingPart, None]:
        for index, start in enumerate(range(0, len(self.data), part_size)):
            body = self.data[start : start + part_size]
            yield _PendingPart(index + 1, start, len(body), _hashed(body, self.executor))

    async def finish(self) -> None:
        """Bytes in memory cannot change."""

    def close(self) -> None:
        """Nothing held."""


@dataclass(frozen=True)
class _StreamSource:
    """A non-seekable stream (a blocking ``read(n)``, called in executor threads, one at a
    time): parts are read in order, hashed in parallel; ``first`` is what was already read.
    A stream longer than ``max_size`` fails."""

    read: Callable[[int], bytes]
    first: bytes = field(repr=False)
    max_size: int
    relfilename: str
    executor: Executor | None

    async def parts(self, part_size: int) -> AsyncGenerator[_PendingPart, None]:
        loop = asyncio.get_running_loop()
        chunk, total, number = self.first, 0, 1
        while chunk:
            if total + len(chunk) > self.max_size:
                raise TransferError(_too_large(self.relfilename, self.max_size))
            yield _PendingPart(number, total, len(chunk), _hashed(chunk, self.executor))
            total += len(chunk)
            number += 1
            if len(chunk) < part_size:
                return
            chunk = await loop.run_in_executor(self.executor, _read_full, self.read, part_size)

    async def finish(self) -> None:
        """A stream read to its end is what was sent."""

    def close(self) -> None:
        """The caller owns the stream."""


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


def _too_large(relfilename: str, max_size: int) -> str:
    return f"{relfilename}: input is larger than the maximum of {max_size} bytes"


class _Cleanups:
    """Failure cleanups of one upload (s3transfer's shape): each runs, shielded and once, when
    the block fails with an error its ``when`` accepts; none runs on success."""

    def __init__(self) -> None:
        self._jobs: list[tuple[Callable[[], Awaitable[None]], Callable[[BaseException], bool]]] = []

    def on_failure(
        self,
        job: Callable[[], Awaitable[None]],
        when: Callable[[BaseException], bool] = lambda exc: True,
    ) -> None:
        """Register ``job`` for failures that ``when`` accepts."""
        self._jobs.append((job, when))

    async def __aenter__(self) -> _Cleanups:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object
    ) -> None:
        if exc is None:
            return
        for job, when in reversed(self._jobs):
            if when(exc):
                with contextlib.suppress(Exception):
                    await asyncio.shield(job())


def _flatten(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """The one error a failed upload ends with: the file's change or the run's stop first
    (they decide that the upload is aborted), else the first failure."""
    for kind in (FileChangedError, UploadStoppedError):
        found = group.subgroup(kind)
        if found is not None:
            return first_leaf(found)
    return first_leaf(group)


@dataclass
class _Driven:
    tree_hash: str
    size: int
    sent: int
    reused: int


async def _drive(
    ctx: UploadContext,
    relfilename: str,
    source: PartSource,
    writer: MultipartWriter,
    present: dict[int, Part],
) -> _Driven:
    """THE multipart driver: every part of ``source`` in flight within the byte budget (a part
    ``present`` in the store that holds the same bytes is reused, not sent), stopped by the
    run's stop; then the source's final check. Errors of the parts come out as one
    (:func:`_flatten`)."""
    hashes: list[bytes] = []
    counts = [0, 0]  # sent, reused
    total = 0

    async def one(part: _PendingPart) -> None:
        try:
            body, tree, sha = await part.load()
            hashes[part.number - 1] = bytes.fromhex(tree)
            have = present.get(part.number)
            if have is not None and have.holds(part.start, part.length, tree, sha):
                writer.reuse(have)
                counts[1] += 1
            else:
                await writer.write_part(part.number, part.start, body, tree_hash=tree, sha256=sha)
                counts[0] += 1
            del body
        finally:
            ctx.budget.release(part.length)
        ctx.progress(BytesTransferred(relfilename, part.length))

    try:
        async with asyncio.TaskGroup() as group:
            watcher = group.create_task(ctx.watch_stop(relfilename, writer.upload_id))
            tasks: list[asyncio.Task[None]] = []
            async with contextlib.aclosing(source.parts(writer.part_size)) as parts:
                async for part in parts:
                    await ctx.budget.acquire(part.length)
                    hashes.append(b"")
                    total += part.length
                    tasks.append(group.create_task(one(part)))
            await _parts_then(tasks, watcher)
    except BaseExceptionGroup as group_error:
        raise _flatten(group_error) from None
    ctx.check_stop(relfilename, writer.upload_id)
    await source.finish()
    return _Driven(tree_hash_from_parts(hashes).hex(), total, counts[0], counts[1])


async def upload_file(
    ctx: UploadContext,
    relfilename: str,
    *,
    path: str | None = None,
    data: bytes | None = None,
    size: int,
    mtime: int,
    mtime_ns: int = 0,
    create_only: bool = False,
) -> UploadOutcome:
    """Upload one file as one object named ``relfilename`` with modification time ``mtime``
    (the backend turns both into its own naming and metadata).

    Give ``path`` (with the ``size`` and ``mtime_ns`` seen by the scan: a file that differs
    before or after reading fails with :class:`FileChangedError`), or ``data`` for bytes already
    in memory (standard input). Files up to the part size go up in one request; larger ones as a
    multipart upload with parts in flight concurrently, recorded for resume (paths only).
    ``create_only``: the store must not replace an object of that name (see :class:`ObjectSpec`).
    """
    ctx = ctx.with_backend(ctx.backend.bind(subject=relfilename))
    known_ns = mtime_ns if path is not None and mtime_ns // 1_000_000_000 == mtime else None
    spec = ObjectSpec(relfilename, mtime, mtime_ns=known_ns, create_only=create_only)
    caps = ctx.backend.capabilities
    identity = _Identity(size, mtime_ns)
    if size <= min(ctx.part_size, caps.max_single_put):
        return await _upload_single(ctx, spec, size, path, data, identity)
    if data is not None:
        part_size = engine_part_size(caps, size, ctx.part_size)
        return await _upload_unresumable(
            ctx, spec, _BytesSource(data, ctx.executor), size, part_size
        )
    assert path is not None
    return await _upload_path(ctx, spec, path, identity)


async def _upload_single(
    ctx: UploadContext,
    spec: ObjectSpec,
    size: int,
    path: str | None,
    data: bytes | None,
    identity: _Identity,
) -> UploadOutcome:
    loop = asyncio.get_running_loop()
    rel = spec.name
    async with ctx.budget.hold(size):
        if data is not None:
            body = data
            tree, sha = await loop.run_in_executor(ctx.executor, _hash, body)
        elif size <= SMALL_FILE_MAX and ctx.small_reader is not None:
            assert path is not None
            body, tree, sha = await ctx.small_reader.read(path, identity, rel)
        else:
            assert path is not None
            body, tree, sha = await loop.run_in_executor(
                ctx.executor, _read_whole, path, identity, rel
            )
        ctx.check_stop(rel)
        archive_id = await ctx.backend.put(spec, body, tree_hash=tree, sha256=sha)
    ctx.progress(BytesTransferred(rel, size))
    return UploadOutcome(archive_id, tree, size, parts_sent=1)


async def _upload_unresumable(
    ctx: UploadContext, spec: ObjectSpec, source: PartSource, size: int, part_size: int
) -> UploadOutcome:
    """A multipart upload nothing records for resume (bytes, a stream): aborted on ANY
    failure, cancellation included, for no later run could complete it."""
    ctx.check_stop(spec.name)
    writer = await ctx.backend.start_multipart(spec, size=size, part_size=part_size)
    async with _Cleanups() as cleanups:
        cleanups.on_failure(writer.abort)
        done = await _drive(ctx, spec.name, source, writer, {})
        ctx.check_stop(spec.name, writer.upload_id)
        archive_id = await writer.complete(size=done.size, tree_hash=done.tree_hash)
    return UploadOutcome(archive_id, done.tree_hash, done.size, done.sent)


def _never_completes(exc: BaseException) -> bool:
    """Whether a failure leaves a recorded upload that no run can complete (the file changed;
    the run stopped): then it is aborted; otherwise (a network failure, a cancellation) it
    stays, to be resumed."""
    return isinstance(exc, (FileChangedError, UploadStoppedError))


async def _upload_path(
    ctx: UploadContext, spec: ObjectSpec, path: str, identity: _Identity
) -> UploadOutcome:
    loop = asyncio.get_running_loop()
    ctx.check_stop(spec.name)
    pending, writer, present, resumed = await _start_or_resume(ctx, spec, identity, path)
    async with _Cleanups() as cleanups:
        cleanups.on_failure(lambda: _abort_quietly(ctx, pending, writer), when=_never_completes)
        try:
            opened = await loop.run_in_executor(
                ctx.executor, _open_checked, path, identity, spec.name
            )
        except OSError:
            # Gone since the scan: this upload can never be completed.
            await _abort_quietly(ctx, pending, writer)
            raise
        source = _PathSource(SharedFd(opened), identity, spec.name, ctx.executor)
        try:
            done = await _drive(ctx, spec.name, source, writer, present)
        finally:
            source.close()
    archive_id = await writer.complete(size=done.size, tree_hash=done.tree_hash)
    if ctx.resume is not None:
        # The archive exists: it must reach the caller (and the journal) whatever happens to
        # the sidecar. An entry that cannot be removed (a full disk) is found stale later.
        with contextlib.suppress(OSError):
            await ctx.resume.remove(pending.upload_id)
    return UploadOutcome(archive_id, done.tree_hash, done.size, done.sent, done.reused, resumed)


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
    grows so that ``max_size`` fits in the store's parts; a stream longer than ``max_size``
    fails (and its upload is aborted).
    """
    loop = asyncio.get_running_loop()
    ctx = ctx.with_backend(ctx.backend.bind(subject=relfilename))
    caps = ctx.backend.capabilities
    spec = ObjectSpec(relfilename, mtime)
    part_size = engine_part_size(caps, max_size, ctx.part_size)
    first = await loop.run_in_executor(ctx.executor, _read_full, read, part_size)
    if not first and not caps.empty_objects:
        raise TransferError(f"{relfilename}: {EMPTY_INPUT_REASON}")
    if len(first) > max_size:
        raise TransferError(_too_large(relfilename, max_size))
    if len(first) < part_size and len(first) <= caps.max_single_put:
        return await _upload_single(ctx, spec, len(first), None, first, _Identity(len(first), 0))
    source = _StreamSource(read, first, max_size, relfilename, ctx.executor)
    return await _upload_unresumable(ctx, spec, source, -1, part_size)


async def _start_or_resume(
    ctx: UploadContext, spec: ObjectSpec, identity: _Identity, path: str | None = None
) -> tuple[PendingUpload, MultipartWriter, dict[int, Part], bool]:
    """The recorded upload of this very file (its parts in the store), or a new one (recorded
    for resume when a resume store is given). A store that wants the tree hash at the start
    (``tree_hash_first``) gets it from a first read of ``path`` (the writer checks it against
    the upload's own at completion)."""
    store = ctx.resume
    target = ctx.backend.target
    if store is not None:
        pending = store.find(target, spec.name, identity.size, identity.mtime_ns)
        if pending is not None:
            writer = await ctx.backend.resume_multipart(
                pending.upload_id, spec, part_size=pending.part_size
            )
            try:
                parts = await writer.present()
            except NotFound:
                await store.remove(pending.upload_id)
            else:
                return pending, writer, {p.number: p for p in parts}, True
        for stale in store.pending():
            # An upload of an earlier version of this file can never be completed: drop it.
            if stale.vault == target and stale.relfilename == spec.name:
                old = await ctx.backend.resume_multipart(
                    stale.upload_id, spec, part_size=stale.part_size
                )
                await _abort_quietly(ctx, stale, old)
    part_size = engine_part_size(ctx.backend.capabilities, identity.size, ctx.part_size)
    if path is not None and ctx.backend.capabilities.tree_hash_first:
        hashed = await tree_hash_file(path, executor=ctx.executor)
        if hashed.size != identity.size:
            raise FileChangedError(f"{spec.name}: file changed while it was read")
        spec = replace(spec, tree_hash=hashed.tree_hash.hex())
    writer = await ctx.backend.start_multipart(spec, size=identity.size, part_size=part_size)
    pending = PendingUpload(
        vault=target,
        upload_id=writer.upload_id,
        relfilename=spec.name,
        size=identity.size,
        mtime_ns=identity.mtime_ns,
        part_size=part_size,
        description="",
        started=ctx.clock(),
    )
    if store is not None:
        try:
            await store.add(pending)
        except Exception:
            # Not resumable (the sidecar cannot be written: a full disk?): leave nothing behind.
            with contextlib.suppress(Exception):
                await asyncio.shield(writer.abort())
            raise
    return pending, writer, {}, False


async def _abort_quietly(
    ctx: UploadContext, pending: PendingUpload, writer: MultipartWriter
) -> None:
    with contextlib.suppress(RemoteError):
        await writer.abort()
    if ctx.resume is not None:
        # A sidecar that cannot be rewritten keeps a stale entry: the next run's List Parts
        # answers that the upload is gone, and the entry is dropped then.
        with contextlib.suppress(OSError):
            await ctx.resume.remove(pending.upload_id)
