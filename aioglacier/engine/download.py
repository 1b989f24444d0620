"""ONE object downloaded, verified: ranged segments in parallel, each checked on arrival.

Files above the segment size go in ranged segments of 1 MiB x 2^n aligned to their size, each
hashed into its tree-hash leaves and written with ``pwrite`` as its bytes arrive (a few MiB
held per segment, never the whole of it). When
the store sends a tree hash with every range (``Capabilities.ranged_tree_hash``: a vault does),
each segment is checked on arrival and retried alone when wrong; whatever the store, the
whole file's tree hash is checked against the journal before the file is committed
(:mod:`aioglacier.engine.commit`).

A journal record whose tree hash is unknown (an adopted bucket's object, see
:func:`~aioglacier.treehash.tree_hash_unknown`) is verified by the SHA-256 the store keeps of
the whole object when a whole-object read gives it (a reader's optional ``sha256``
attribute, hex), else by its size; :func:`download_one` says which.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path

from aioglacier import staging
from aioglacier.backends.base import Backend, StoredObject, Warmup
from aioglacier.engine.commit import Committer, create_partial, finish_partial
from aioglacier.errors import AioGlacierError, RemoteError, first_leaf
from aioglacier.journal import Created
from aioglacier.limits import ByteBudget
from aioglacier.progress import BytesTransferred, ProgressSink
from aioglacier.retry import RetryPolicy
from aioglacier.safepath import Platform
from aioglacier.treehash import (
    MIB,
    combine_hashes,
    tree_hash,
    tree_hash_from_parts,
    tree_hash_unknown,
)

__all__ = [
    "DEFAULT_SEGMENT_SIZE",
    "SHA256_CHECKED",
    "SIZE_CHECKED",
    "Download",
    "SegmentError",
    "download_one",
    "stage_one",
]

#: What :func:`download_one` says of a file whose journal has no tree hash.
SHA256_CHECKED = "tree hash unknown: SHA-256 checked"
SIZE_CHECKED = "tree hash unknown: size checked"

#: Files larger than this are downloaded in parallel segments of this size by default.
DEFAULT_SEGMENT_SIZE = 16 * MIB


@dataclass
class Download:
    """What every download of a restore shares."""

    backend: Backend
    budget: ByteBudget
    retry: RetryPolicy
    executor: Executor | None
    progress: ProgressSink
    committer: Committer
    platform: Platform | None = None


class SegmentError(RemoteError):
    """A segment arrived short or with a wrong tree hash: retried alone."""

    def __init__(self, message: str) -> None:
        super().__init__("SegmentVerificationFailed", message, status=200, retryable=True)


def _stored(record: Created) -> StoredObject:
    return StoredObject(record.archive_id, record.relfilename, record.size, record.treehash)


def _write_at(fd: int, offset: int, data: bytes | memoryview) -> None:
    view = memoryview(data)
    written = 0
    while written < len(data):
        written += os.pwrite(fd, view[written:], offset + written)


#: A segment is hashed and written in batches of about this many bytes as they arrive (one
#: executor job each, one in flight while the next fills): what a download holds in memory
#: beyond aiohttp's own read buffer, whatever the segment size.
WRITE_BATCH = 4 * MIB


class _SegmentWriter:
    """One attempt at a segment: bytes hashed into 1 MiB tree-hash leaves and written with
    ``pwrite`` at their offset as they arrive. Holds at most two batches (one being written,
    one filling); jobs run one at a time, in order, in ``executor``."""

    __slots__ = (
        "_executor",
        "_fd",
        "_job",
        "_leaf",
        "_leaf_fill",
        "_leaves",
        "_loop",
        "_offset",
        "_pending",
        "_pending_size",
        "received",
    )

    def __init__(self, executor: Executor | None, fd: int, start: int) -> None:
        self._loop = asyncio.get_running_loop()
        self._executor = executor
        self._fd = fd
        self._offset = start
        self._pending: list[bytes] = []
        self._pending_size = 0
        self._job: asyncio.Future[None] | None = None
        self._leaves: list[bytes] = []
        self._leaf = hashlib.sha256()
        self._leaf_fill = 0
        self.received = 0

    async def feed(self, chunk: bytes) -> None:
        """Take the next bytes; a full batch goes to the executor (after the previous one)."""
        self._pending.append(chunk)
        self._pending_size += len(chunk)
        self.received += len(chunk)
        if self._pending_size >= WRITE_BATCH:
            await self._flush()

    async def _flush(self) -> None:
        if self._job is not None:
            job, self._job = self._job, None
            await job
        if self._pending:
            batch, offset = self._pending, self._offset
            self._pending, self._offset = [], offset + self._pending_size
            self._pending_size = 0
            self._job = self._loop.run_in_executor(self._executor, self._write, batch, offset)

    def _write(self, batch: list[bytes], offset: int) -> None:
        """Executor job: hash the batch into leaves and write it at ``offset``."""
        leaf, fill, leaves = self._leaf, self._leaf_fill, self._leaves
        for chunk in batch:
            view = memoryview(chunk)
            pos = 0
            while pos < len(view):
                take = min(MIB - fill, len(view) - pos)
                leaf.update(view[pos : pos + take])
                fill += take
                pos += take
                if fill == MIB:
                    leaves.append(leaf.digest())
                    leaf, fill = hashlib.sha256(), 0
            _write_at(self._fd, offset, view)
            offset += len(view)
        self._leaf, self._leaf_fill = leaf, fill

    async def finish(self) -> bytes:
        """Write what is left; the tree hash of every byte fed."""
        await self._flush()
        await self._flush()  # the last job
        if self._leaf_fill or not self._leaves:
            self._leaves.append(self._leaf.digest())
        return combine_hashes(self._leaves)

    async def abandon(self) -> None:
        """Wait for the job in flight (the fd stays someone else's to close)."""
        if self._job is not None:
            job, self._job = self._job, None
            await asyncio.gather(job, return_exceptions=True)


def _range_hash(d: Download, header: str | None) -> str | None:
    """The store's tree hash of a range, when the store vouches for ranges (else none)."""
    return header if d.backend.capabilities.ranged_tree_hash else None


async def _fetch_segment(
    d: Download,
    warmup: Warmup | None,
    record: Created,
    fd: int,
    start: int,
    end: int,
) -> bytes:
    length = end - start + 1
    obj = _stored(record)
    label = f"{record.relfilename}: bytes {start}-{end}"

    async def attempt(deadline_at: float) -> bytes:
        # Hashed and written as the bytes arrive: no copy of the whole segment is ever held.
        writer = _SegmentWriter(d.executor, fd, start)
        got = 0
        try:
            async with d.backend.read(
                obj, warmup, byte_range=(start, end), deadline_at=deadline_at
            ) as reader:
                header = _range_hash(d, reader.tree_hash)
                async for chunk in reader.chunks():
                    got += len(chunk)
                    if got <= length:  # never past the segment's end (another one's bytes)
                        await writer.feed(chunk)
            if got != length:
                raise SegmentError(f"{label}: got {got} of {length} bytes")
            digest = await writer.finish()
        except BaseException:
            await writer.abandon()
            raise
        if header is not None and header != digest.hex():
            raise SegmentError(
                f"{label}: tree hash {digest.hex()} differs from the service's {header}"
            )
        return digest

    async with d.budget.hold(length):
        digest = await d.backend.retried("get_job_output", attempt, policy=d.retry)
    d.progress(BytesTransferred(record.relfilename, length))
    return digest


def _store_whole(
    base_dir: Path,
    record: Created,
    local: str,
    platform: Platform | None,
    data: bytes,
    service_hash: str | None,
    service_sha256: str | None = None,
) -> staging.PartialFile:
    """Verify a whole object's bytes and write them to a new file: one executor job."""
    # Up to one leaf (1 MiB), the tree hash is the SHA-256 of the bytes: one pass, no list.
    small = len(data) <= MIB
    digest = hashlib.sha256(data).hexdigest() if small else tree_hash(data).hex()
    if service_hash is not None and service_hash != digest:
        raise SegmentError(
            f"{record.relfilename}: tree hash {digest} differs from the service's {service_hash}"
        )
    if tree_hash_unknown(record.treehash, record.archive_id):
        sha256 = (digest if small else hashlib.sha256(data).hexdigest()) if service_sha256 else None
        if service_sha256 is not None and sha256 != service_sha256:
            raise SegmentError(
                f"{record.relfilename}: SHA-256 differs from the one the store keeps "
                f"({service_sha256})"
            )
    elif digest != record.treehash:
        raise AioGlacierError(
            f"tree hash of the download {digest} differs from the journal's {record.treehash}"
        )
    partial = create_partial(base_dir, local, platform)
    try:
        _write_at(partial.fd, 0, data)
        return finish_partial(partial, record)
    except BaseException:
        staging.release(partial)
        raise


async def _stage_whole(
    d: Download, base_dir: Path, record: Created, local: str, warmup: Warmup | None
) -> tuple[staging.PartialFile, str]:
    """A file of one segment: fetch, then verify and store in ONE executor job."""
    loop = asyncio.get_running_loop()
    obj = _stored(record)
    checked = ""

    async def attempt(deadline_at: float) -> staging.PartialFile:
        nonlocal checked
        async with d.backend.read(obj, warmup, deadline_at=deadline_at) as reader:
            data = await reader.read()
            header = _range_hash(d, reader.tree_hash)
            sha256: str | None = getattr(reader, "sha256", None)
        if len(data) != record.size:
            raise SegmentError(f"{record.relfilename}: got {len(data)} of {record.size} bytes")
        checked = SHA256_CHECKED if sha256 is not None else SIZE_CHECKED
        return await loop.run_in_executor(
            d.executor, _store_whole, base_dir, record, local, d.platform, data, header, sha256
        )

    async with d.budget.hold(record.size):
        staged = await d.backend.retried("get_job_output", attempt, policy=d.retry)
    d.progress(BytesTransferred(record.relfilename, record.size))
    return staged, (checked if tree_hash_unknown(record.treehash, record.archive_id) else "")


async def stage_one(
    d: Download,
    base_dir: Path,
    record: Created,
    local: str,
    warmup: Warmup | None,
    segment_size: int | None,
) -> tuple[staging.PartialFile, str]:
    """Download ``record`` for ``local`` under ``base_dir`` (read through ``warmup`` where the
    store needs one) into a staged file, verified (the whole file's tree hash against the
    journal's) and finished, not yet durable nor under its name: hand it to
    :meth:`Committer.submit` (or release it). Raise why not. The text is "" when the tree
    hash was verified, else what was (:data:`SHA256_CHECKED`, :data:`SIZE_CHECKED`)."""
    seg = segment_size or DEFAULT_SEGMENT_SIZE
    if record.size <= seg:
        return await _stage_whole(d, base_dir, record, local, warmup)
    loop = asyncio.get_running_loop()
    partial = await loop.run_in_executor(d.executor, create_partial, base_dir, local, d.platform)
    starts = list(range(0, record.size, seg))
    try:
        digests: list[bytes] = [b""] * len(starts)

        async def one(i: int, start: int) -> None:
            end = min(start + seg, record.size) - 1
            digests[i] = await _fetch_segment(d, warmup, record, partial.fd, start, end)

        async with asyncio.TaskGroup() as group:
            for i, start in enumerate(starts):
                group.create_task(one(i, start))
        total = tree_hash_from_parts(digests).hex()
        unknown = tree_hash_unknown(record.treehash, record.archive_id)
        if not unknown and total != record.treehash:
            raise AioGlacierError(
                f"tree hash of the download {total} differs from the journal's {record.treehash}"
            )
        await loop.run_in_executor(d.executor, finish_partial, partial, record)
    except BaseException as exc:
        await asyncio.shield(loop.run_in_executor(d.executor, staging.release, partial))
        if isinstance(exc, BaseExceptionGroup):
            raise first_leaf(exc) from None
        raise
    return partial, (SIZE_CHECKED if unknown else "")


async def download_one(
    d: Download,
    base_dir: Path,
    record: Created,
    local: str,
    warmup: Warmup | None,
    segment_size: int | None,
) -> str:
    """Download ``record`` to ``local`` under ``base_dir`` (read through ``warmup`` where the
    store needs one), verified, and commit it; raise why not. Returns "" when the tree hash
    was verified, else what was (:data:`SHA256_CHECKED`, :data:`SIZE_CHECKED`)."""
    staged, checked = await stage_one(d, base_dir, record, local, warmup, segment_size)
    await d.committer.commit(staged)
    return checked
