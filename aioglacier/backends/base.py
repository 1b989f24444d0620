"""The backend seam: what the engine asks of an archive store, whatever the store is.

The engine (uploads, restores, purges, migrations) talks only to a :class:`Backend`: the Glacier
vault API (:mod:`aioglacier.backends.glacier`), S3's archival storage classes
(:mod:`aioglacier.backends.s3`) and the in-memory store of the engine's fast tests
(:mod:`aioglacier.backends.fake`) all have this shape. A backend owns its naming and metadata
(an ``mt2`` description is the Glacier backend's business, an object key and its
``x-amz-meta-*`` headers the S3 backend's) and turns its own reference to a stored object into
the journal's archive id, an opaque string the engine only stores and gives back.

What stores differ in is declared, not discovered by failing: :class:`Capabilities`. Optional
behaviour the engine needs to know about (a tree hash on every ranged read, warming an object
before it can be read, an inventory) is a flag there.

Errors are typed: a backend raises :class:`~aioglacier.errors.NotFound` for "no such object,
upload or job" and :class:`~aioglacier.errors.Throttled` for "slow down", whatever its wire
codes, so the engine never compares error-code strings.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Literal, Protocol, TypeAlias, TypeVar

from aioglacier.errors import TransferError
from aioglacier.progress import Retrying
from aioglacier.retry import RetryPolicy

T = TypeVar("T")

#: Shorthands for implementations of the seam's signatures (added for the backends): a
#: retry listener (or none), one attempt of a retried operation, an inclusive byte range.
Listener: TypeAlias = Callable[[Retrying], None] | None
Attempt: TypeAlias = Callable[[float], Awaitable[T]]
ByteRange: TypeAlias = tuple[int, int]

__all__ = [
    "Attempt",
    "Backend",
    "ByteRange",
    "Capabilities",
    "Listener",
    "MultipartWriter",
    "ObjectSpec",
    "Part",
    "RangeReader",
    "StoredObject",
    "Tier",
    "UploadInfo",
    "Warmup",
    "WarmupStatus",
]

MIB = 1024 * 1024

#: Retrieval speed of a cold object (both stores use these names).
Tier = Literal["Expedited", "Standard", "Bulk"]

#: Where a warm-up (a vault's retrieval job, an S3 restore request) stands.
#: ``ready``: the object's bytes can be read now; ``in-progress``: asked for, not ready yet;
#: ``failed``: the store gave up (a new request is needed); ``expired``: it was ready once and
#: its window closed (a new request is needed).
WarmupStatus = Literal["in-progress", "ready", "failed", "expired"]


@dataclass(frozen=True)
class Capabilities:
    """What a store can do, and its limits. The engine plans with these, never with constants.

    ``max_parts``, ``min_part_size``, ``max_part_size``: multipart limits (the last part may be
    smaller than ``min_part_size``). ``part_size_power_of_two``: every part but the last must be
    a power-of-two number of MiB (Glacier). ``max_single_put``: the largest object one request
    may create. ``empty_objects``: whether an object of zero bytes can be stored.
    ``ranged_tree_hash``: a ranged read carries the store's tree hash of the range (Glacier's
    ``x-amz-sha256-tree-hash`` on MiB-aligned ranges); when False the engine verifies ranges
    only through the whole object's tree hash. ``needs_warmup``: an object must be warmed
    (:meth:`Backend.warmup`) before its bytes can be read. ``inventory``: the store's listing
    is a slow inventory job (Glacier) rather than a paged list (S3). ``versioned``: an
    overwrite keeps the previous version (so deleting by archive id deletes exactly one).
    ``warmup_extends``: a new warm-up of a ready object extends how long it stays ready (S3's
    RestoreObject on a restored copy), so ``restore`` asks again for one about to expire.
    ``tree_hash_first``: a multipart upload wants the file's tree hash at its start (S3 takes
    metadata only then): the engine reads the file once before it, in ``ObjectSpec.tree_hash``.
    ``object_name`` names one stored object in errors (``a Glacier archive``).
    """

    max_parts: int
    min_part_size: int
    max_part_size: int
    max_single_put: int
    max_object_size: int
    part_size_power_of_two: bool = False
    empty_objects: bool = True
    ranged_tree_hash: bool = False
    needs_warmup: bool = True
    inventory: bool = False
    versioned: bool = False
    warmup_extends: bool = False
    tree_hash_first: bool = False
    #: How an error names one stored object ("a Glacier archive"; the default for others).
    object_name: str = "one object of this store"

    def part_size_for(self, size: int, wanted: int) -> int:
        """``wanted`` (bytes), made valid for this store and grown (doubled) until ``size``
        bytes fit in :attr:`max_parts` parts; :class:`TransferError` when they never can."""
        part = max(wanted, self.min_part_size)
        if self.part_size_power_of_two:
            mib = max(1, part // MIB)
            part = MIB * (1 << (mib - 1).bit_length())
        while -(-size // part) > self.max_parts:
            part *= 2
        if part > self.max_part_size or size > self.max_object_size:
            raise TransferError(
                f"{size} bytes is more than {self.object_name} can hold "
                f"({self.max_parts} parts of at most {self.max_part_size} bytes)"
            )
        return part


@dataclass(frozen=True)
class ObjectSpec:
    """An object to create: the journal's relative file name and modification time (seconds),
    from which the backend derives its own naming and metadata.

    ``mtime_ns``: the same time in nanoseconds where it is known (a file on disk), for a
    store that keeps fractions of a second (S3's ``x-amz-meta-mtime``); None otherwise.
    ``create_only``: the object must not replace one already stored under its name (a new
    file of a sync: a store that can refuses the write instead, S3's ``If-None-Match: *``).
    ``tree_hash``: the whole file's tree hash (hex) when known before a multipart upload starts
    (``Capabilities.tree_hash_first``), for a store that keeps it as metadata given at creation.
    """

    name: str
    mtime: int
    mtime_ns: int | None = None
    create_only: bool = False
    tree_hash: str | None = None


@dataclass(frozen=True)
class StoredObject:
    """A stored object as the journal knows it (a ``CREATED`` record)."""

    archive_id: str
    name: str
    size: int
    tree_hash: str


@dataclass(frozen=True)
class Part:
    """One part of a multipart upload: its number (from 1), its byte range (inclusive end) and
    whatever digests the store keeps of it (hex; ``None`` when the store keeps none). ``etag``
    is the store's receipt, given back when the upload is completed (S3)."""

    number: int
    start: int
    end: int
    tree_hash: str | None = None
    sha256: str | None = None
    etag: str | None = None

    @property
    def size(self) -> int:
        """The part's length in bytes."""
        return self.end - self.start + 1

    def holds(self, start: int, length: int, tree_hash: str, sha256: str) -> bool:
        """Whether this part, already in the store, is exactly these bytes (resume reuses it).
        A part whose store keeps no digest is never reused."""
        if self.start != start or self.size != length:
            return False
        if self.tree_hash is None and self.sha256 is None:
            return False
        return (self.tree_hash is None or self.tree_hash == tree_hash) and (
            self.sha256 is None or self.sha256 == sha256
        )


@dataclass(frozen=True)
class UploadInfo:
    """A multipart upload the store holds that was neither completed nor aborted."""

    upload_id: str
    name: str | None
    started: str
    part_size: int | None = None
    #: The modification time the upload's object will carry (None: the store's metadata
    #: does not say, or is not mtglacier's).
    mtime: int | None = None
    #: The store's own words for the upload (a vault's archive description), for people.
    description: str = ""


@dataclass(frozen=True)
class Warmup:
    """The state of one warm-up of one object: ``token`` is what the journal's ``RETRIEVE_JOB``
    line records (a vault's job id; for S3 see :mod:`aioglacier.backends.s3`), ``message`` the
    store's own words when it failed, ``expires`` (epoch seconds) when a ready object stops
    being readable, if the store says."""

    archive_id: str
    token: str
    status: WarmupStatus
    message: str | None = None
    expires: float | None = None


class RangeReader(Protocol):
    """An open read of an object's bytes (one attempt; the caller retries)."""

    @property
    def tree_hash(self) -> str | None:
        """The store's tree hash of the bytes read (hex), when it sends one."""
        ...

    def chunks(self) -> AsyncIterator[bytes]:
        """The bytes as they arrive (the stall limit applies between chunks)."""
        ...

    async def read(self) -> bytes:
        """All the bytes at once."""
        ...


class MultipartWriter(Protocol):
    """One multipart upload (rclone's ChunkWriter shape). Parts may be written concurrently
    and in any order; :meth:`complete` creates the object, :meth:`abort` discards the upload."""

    @property
    def upload_id(self) -> str:
        """The store's id of this upload (recorded for resume)."""
        ...

    @property
    def part_size(self) -> int:
        """Bytes per part (the last part may be shorter)."""
        ...

    async def present(self) -> list[Part]:
        """The parts the store already holds (after a resume). :class:`NotFound` when the
        upload is gone."""
        ...

    async def write_part(
        self, number: int, start: int, body: bytes, *, tree_hash: str, sha256: str
    ) -> Part:
        """Send one part (``number`` from 1, ``start`` its offset), with its digests (hex)."""
        ...

    def reuse(self, part: Part) -> None:
        """Count a part returned by :meth:`present` as written (resume)."""
        ...

    async def complete(self, *, size: int, tree_hash: str) -> str:
        """Create the object from every part; returns the journal's archive id."""
        ...

    async def abort(self) -> None:
        """Discard the upload and its parts (an upload already gone is not an error)."""
        ...


class Backend(Protocol):
    """One archive store (a vault, a bucket with an optional prefix), as the engine sees it.

    ``target`` names it for people (``vault photos``, ``bucket b/prefix``) and is the key
    of pending uploads in the resume sidecar. Every method may raise
    :class:`~aioglacier.errors.RemoteError` (typed: :class:`~aioglacier.errors.NotFound`,
    :class:`~aioglacier.errors.Throttled`) after the backend's own retries.
    """

    @property
    def capabilities(self) -> Capabilities:
        """What this store can do (see :class:`Capabilities`)."""
        ...

    @property
    def target(self) -> str:
        """The store's name for people and for the resume sidecar."""
        ...

    def bind(
        self, *, subject: str | None = None, listener: Callable[[Retrying], None] | None = None
    ) -> Backend:
        """A view of this backend whose retries name ``subject`` (a file) and are reported to
        ``listener``; it shares everything else (session, limiter)."""
        ...

    async def retried(
        self,
        operation: str,
        attempt: Callable[[float], Awaitable[T]],
        *,
        policy: RetryPolicy | None = None,
    ) -> T:
        """Run ``attempt(deadline_at)`` under the backend's retry policy (a read's caller
        retries its own verification failures this way)."""
        ...

    async def ensure_exists(self, *, create: bool = False) -> None:
        """Check the vault or bucket exists (create it with ``create``); a clear error if not."""
        ...

    async def put(self, spec: ObjectSpec, body: bytes, *, tree_hash: str, sha256: str) -> str:
        """Store ``body`` as one object in one request; returns the journal's archive id."""
        ...

    async def start_multipart(
        self, spec: ObjectSpec, *, size: int, part_size: int
    ) -> MultipartWriter:
        """Start a multipart upload of an object of ``size`` bytes (``-1``: not known yet)."""
        ...

    async def resume_multipart(
        self, upload_id: str, spec: ObjectSpec, *, part_size: int
    ) -> MultipartWriter:
        """Take up an upload recorded for resume; :class:`NotFound` when the store lost it."""
        ...

    async def list_uploads(self) -> list[UploadInfo]:
        """Every multipart upload in progress in this store (orphans are found with it)."""
        ...

    async def delete(self, obj: StoredObject) -> None:
        """Delete exactly the object the journal's archive id names (:class:`NotFound` when
        it is gone)."""
        ...

    async def warmup(self, obj: StoredObject, *, tier: Tier | None = None) -> Warmup:
        """Ask the store to make ``obj`` readable (a retrieval job; a restore request)."""
        ...

    def warmups(self, objects: Sequence[StoredObject]) -> AsyncIterator[Warmup]:
        """The warm-ups the store knows for ``objects``, as they are learned (one listing
        pass on a vault; one request per object on S3). An object with none yields nothing."""
        ...

    def read(
        self,
        obj: StoredObject,
        warmup: Warmup | None,
        *,
        byte_range: tuple[int, int] | None = None,
        deadline_at: float | None = None,
    ) -> AbstractAsyncContextManager[RangeReader]:
        """Open a read of ``obj`` (warmed by ``warmup`` where the store needs one), of the
        inclusive ``byte_range`` or the whole object. One attempt; the caller retries."""
        ...
