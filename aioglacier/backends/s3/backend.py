"""A bucket (with an optional key prefix) in one of S3's storage classes, as a
:class:`~aioglacier.backends.base.Backend`.

Naming. An object's key is the prefix (``photos/``; a prefix given without its trailing ``/``
gets one) followed by the journal's relative file name, so the bucket is browsable by any
tool. Each object carries ``x-amz-meta-mtime`` (the file's modification time in rclone's
format: decimal seconds with the nanoseconds where known, ``1577934245.123456789``),
``x-amz-meta-tree-hash`` (hex: a journal can be rebuilt from the bucket alone; a multipart
object's is read before its upload starts) and ``x-amz-meta-archive-id``.

Archive ids (the journal's opaque reference). On a bucket with versioning enabled an object is
``s3v:<version id>``: deleting it deletes exactly that version, so an overwrite of the same key
(replace-modified) never loses the new upload. On a bucket without versioning an upload gets
``s3:<uuid4 hex>``, also stored as ``x-amz-meta-archive-id``; an adopted object that has no
such metadata (written by another tool) is ``s3:<ETag>``. Such an id names the key's current
object only while the key still holds it: a read or delete first checks the metadata (or the
ETag) and answers :class:`~aioglacier.errors.NotFound` when the key was overwritten since, so
the delete that follows a replacement never deletes the replacement.

Warm-ups are restore requests (RestoreObject with the tier and ``restore_days``). S3 has no
job id: the token is ``restore:<Tier>:<days>`` (what the journal's ``RETRIEVE_JOB`` line
holds). The state of an object's restore is read from HeadObject's ``x-amz-restore``, one
request per object, concurrently (bounded). Objects in a class that needs no restore
(GLACIER_IR, STANDARD_IA, INTELLIGENT_TIERING's frequent tiers, STANDARD) are ready at once.

Integrity: every PutObject and UploadPart carries ``x-amz-checksum-sha256`` (the SHA-256 the
engine computed in the same read pass as the tree hash), which S3 verifies; a part's
``sha256`` on resume comes from the checksum ListParts reports. Reads carry no tree hash
(``ranged_tree_hash`` False): the engine checks the whole object's tree hash.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import hashlib
import logging
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, TypeVar

from aioglacier.backends.base import (
    MIB,
    Backend,
    Capabilities,
    MultipartWriter,
    ObjectSpec,
    Part,
    RangeReader,
    StoredObject,
    Tier,
    UploadInfo,
    Warmup,
)
from aioglacier.backends.s3.api import MAX_DELETE_KEYS, ObjectBody, S3Api
from aioglacier.backends.s3.checksums import Checksum, ChecksumAlgorithm
from aioglacier.backends.s3.errors import InvalidObjectStateError
from aioglacier.backends.s3.keys import normalize_prefix, object_key
from aioglacier.backends.s3.models import (
    ARCHIVAL_STORAGE_CLASSES,
    BucketVersioning,
    ListedObject,
    ObjectIdentifier,
    ObjectInfo,
    RestoreOutcome,
    RestoreState,
    RestoreStatus,
    StorageClass,
    UploadedPart,
)
from aioglacier.backends.s3.target import DEFAULT_RESTORE_DAYS
from aioglacier.errors import (
    AioGlacierError,
    NotFound,
    RemoteError,
    TransferError,
    UsageError,
    first_leaf,
    remote_error,
)
from aioglacier.progress import Retrying
from aioglacier.retry import RetryPolicy, is_retryable

__all__ = [
    "DEFAULT_RESTORE_DAYS",
    "DEFAULT_TIER",
    "META_ARCHIVE_ID",
    "META_MTIME",
    "META_TREE_HASH",
    "ConditionalConflictError",
    "ObjectExistsError",
    "RestoredObject",
    "S3Backend",
    "S3Multipart",
    "S3Reader",
    "bounded_map",
    "format_mtime",
    "multipart_etag",
    "parse_mtime",
    "restore_token",
    "s3_capabilities",
    "spec_mtime",
]

log = logging.getLogger(__name__)

T = TypeVar("T")
ItemT = TypeVar("ItemT")

GIB = 1024 * MIB

#: Metadata names (sent as ``x-amz-meta-<name>``).
META_MTIME = "mtime"
META_TREE_HASH = "tree-hash"
META_ARCHIVE_ID = "archive-id"

#: The retrieval tier of a restore unless told otherwise (S3's own default).
DEFAULT_TIER: Tier = "Standard"

#: The archive id prefixes: a version of a versioned bucket, an upload of an unversioned one.
VERSION_PREFIX = "s3v:"
UPLOAD_PREFIX = "s3:"

#: HeadObject requests in flight at once while learning restore states.
DEFAULT_HEAD_CONCURRENCY = 32
#: From this many objects on, restore states come from one listing, not a HEAD each.
DEFAULT_LIST_THRESHOLD = 100

_TIERS: frozenset[str] = frozenset({"Expedited", "Standard", "Bulk"})


class ObjectExistsError(TransferError):
    """A new file's key already holds an object this journal did not write: the conditional
    write (``If-None-Match: *``) was refused with 412 PreconditionFailed and nothing was
    overwritten. Not retried; the journal gets no line for the file."""

    def __init__(self, key: str) -> None:
        super().__init__(
            f"not uploaded: key {key} already holds an object that the journal did not write "
            "(left as it is: adopt the bucket with download-inventory --bucket, or remove that "
            "object)"
        )
        self.key = key


class ConditionalConflictError(TransferError):
    """A conditional write met a concurrent write or delete of the same key (409
    ConditionalRequestConflict): nothing was written; the next sync tries the file again."""

    def __init__(self, key: str) -> None:
        super().__init__(
            f"not uploaded: another write or delete of key {key} ran at the same time "
            "(409 ConditionalRequestConflict); run the sync again"
        )
        self.key = key


def _precondition_failed(exc: RemoteError) -> bool:
    return exc.status == 412 or exc.code == "PreconditionFailed"


def _conditional_conflict(exc: RemoteError) -> bool:
    return exc.code == "ConditionalRequestConflict"


def _same_upload(
    info: ObjectInfo, spec: ObjectSpec, size: int, tree_hash: str, sha256: str
) -> bool:
    """Whether the object ``info`` describes holds exactly what a PutObject of ``spec`` would
    have stored (size, mtime, and the SHA-256 S3 verified, else the tree-hash metadata): an
    earlier run's upload whose journal line was never written (a kill -9 between the two)."""
    if info.size != size or parse_mtime(info.metadata.get(META_MTIME)) != spec.mtime:
        return False
    stored = _sha256_hex(info.checksum)
    if stored is not None:
        return stored == sha256
    return info.metadata.get(META_TREE_HASH) == tree_hash


def s3_capabilities(storage_class: str, *, versioned: bool = False) -> Capabilities:
    """What a bucket can do for objects of ``storage_class``: 10,000 parts of 5 MiB to 5 GiB
    (the last may be smaller), one PutObject up to 5 GiB, objects up to 5 TiB, empty objects
    allowed, no tree hash on reads, a restore before reading GLACIER and DEEP_ARCHIVE (a new
    RestoreObject extends a restored copy), a paged listing (no inventory job)."""
    return Capabilities(
        max_parts=10_000,
        min_part_size=5 * MIB,
        max_part_size=5 * GIB,
        max_single_put=5 * GIB,
        max_object_size=5 * 1024 * GIB,
        part_size_power_of_two=False,
        empty_objects=True,
        ranged_tree_hash=False,
        needs_warmup=storage_class in ARCHIVAL_STORAGE_CLASSES,
        warmup_extends=True,
        tree_hash_first=True,
        inventory=False,
        versioned=versioned,
        object_name="one S3 object",
    )


def format_mtime(mtime: int | float | Decimal) -> str:
    """A modification time in rclone's ``x-amz-meta-mtime`` format: decimal seconds with up to
    nine fraction digits and no trailing zeros (``1577934245``, ``1577934245.5``)."""
    value = Decimal(mtime).quantize(Decimal("1e-9")) if not isinstance(mtime, int) else mtime
    if isinstance(value, int):
        return str(value)
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def spec_mtime(spec: ObjectSpec) -> str:
    """The ``x-amz-meta-mtime`` of an object to create: the nanoseconds where known
    (``1577934245.123456789``), else the whole seconds."""
    if spec.mtime_ns is not None and spec.mtime_ns // 1_000_000_000 == spec.mtime:
        return format_mtime(Decimal(spec.mtime_ns).scaleb(-9))
    return format_mtime(spec.mtime)


def parse_mtime(text: str | None) -> int | None:
    """Whole seconds (rounded down) of an ``x-amz-meta-mtime`` value; None when absent or not
    a decimal number of seconds."""
    if not text:
        return None
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    if not value.is_finite():
        return None
    return int(value.to_integral_value(rounding="ROUND_FLOOR"))


def restore_token(tier: str, days: int) -> str:
    """The journal's ``RETRIEVE_JOB`` token of a restore request (S3 has no job id)."""
    return f"restore:{tier}:{days}"


def multipart_etag(part_etags: Iterable[str]) -> str:
    """The ETag S3 gives an object completed from parts with these ETags (quoted): the MD5 of
    the parts' binary MD5s, a dash, and the number of parts."""
    digests = [bytes.fromhex(e.strip('"')) for e in part_etags]
    return f'"{hashlib.md5(b"".join(digests), usedforsecurity=False).hexdigest()}-{len(digests)}"'


def _sha256_hex(checksum: Checksum | None) -> str | None:
    """The hex SHA-256 a part's stored checksum holds (None for another algorithm or none)."""
    if checksum is None or checksum.algorithm is not ChecksumAlgorithm.SHA256:
        return None
    try:
        return checksum.hex()
    except ValueError:
        return None


def _iso(value: datetime | None) -> str:
    return value.isoformat().replace("+00:00", "Z") if value is not None else ""


@dataclass(frozen=True)
class RestoredObject:
    """An object with a restore in progress or a restored copy (:meth:`S3Backend.restores`)."""

    key: str
    storage_class: str
    restore: RestoreState

    def describe(self) -> dict[str, str | None]:
        """As ``list-jobs --json`` prints it."""
        restored = self.restore.status is RestoreStatus.RESTORED
        return {
            "Key": self.key,
            "StorageClass": self.storage_class,
            "StatusCode": "Succeeded" if restored else "InProgress",
            "ExpiryDate": _iso(self.restore.expiry) if self.restore.expiry else None,
        }


@dataclass
class _Shared:
    """What every bound view of one backend shares."""

    versioned: bool = False
    #: the token of the last restore asked for each archive id (this process)
    tokens: dict[str, str] = field(default_factory=dict)
    #: (upload id, part number) -> (ETag, SHA-256) of each part this process sent, for
    #: servers whose ListParts gives no checksum: a listed part with that ETag holds them
    sent_parts: dict[tuple[str, int], tuple[str, str]] = field(default_factory=dict)

    def forget_upload(self, upload_id: str) -> None:
        """Drop what is remembered of an upload's parts (completed or aborted)."""
        for key in [k for k in self.sent_parts if k[0] == upload_id]:
            del self.sent_parts[key]


class S3Reader:
    """An open GetObject as a :class:`~aioglacier.backends.base.RangeReader` (no tree hash)."""

    def __init__(self, body: ObjectBody) -> None:
        self._body = body

    @property
    def tree_hash(self) -> str | None:
        """None: S3 sends no tree hash."""
        return None

    @property
    def checksum(self) -> Checksum | None:
        """The whole object's stored checksum, when S3 sent one (a GET of the whole object)."""
        return self._body.checksum

    @property
    def sha256(self) -> str | None:
        """The whole object's SHA-256 (hex) S3 keeps, when it sent one: a GET of the whole
        object stored with a SHA-256 checksum of its full bytes (not a ranged GET, not a
        multipart object's composite checksum)."""
        if self._body.content_range is not None or self._body.status != 200:
            return None
        return _sha256_hex(self._body.checksum)

    async def chunks(self) -> AsyncIterator[bytes]:
        """The body as it arrives (every piece is progress for the stall limit)."""
        timer = self._body.timer
        async for chunk in self._body.content.iter_any():
            if timer is not None:
                timer.progress()
            yield chunk

    async def read(self) -> bytes:
        """The whole body, under the attempt's time limits."""
        return await self._body.read()


class S3Multipart:
    """One S3 multipart upload (:class:`~aioglacier.backends.base.MultipartWriter`).

    Parts are numbered from 1 and carry their SHA-256 (``x-amz-checksum-sha256``); their ETags
    are kept for CompleteMultipartUpload. ``archive_id`` is the id the object will have on an
    unversioned bucket (None after a resume: it is then read back from the object).
    ``create_only``: the completion sends ``If-None-Match: *``; refused (412, the key holds
    another object; 409, a concurrent write), the upload is aborted and the error raised.
    ``tree_hash``: the ``x-amz-meta-tree-hash`` the upload was created with; a completion with
    another tree hash is refused (and the upload aborted).
    """

    def __init__(
        self,
        backend: S3Backend,
        key: str,
        upload_id: str,
        part_size: int,
        archive_id: str | None,
        *,
        create_only: bool = False,
        tree_hash: str | None = None,
    ) -> None:
        self._backend = backend
        self._create_only = create_only
        self._tree_hash = tree_hash
        self._key = key
        self._upload_id = upload_id
        self._part_size = part_size
        self._archive_id = archive_id
        self._parts: dict[int, Part] = {}

    @property
    def upload_id(self) -> str:
        """S3's upload id."""
        return self._upload_id

    @property
    def part_size(self) -> int:
        """Bytes per part."""
        return self._part_size

    @property
    def key(self) -> str:
        """The object key the upload creates."""
        return self._key

    def _part(self, uploaded: UploadedPart, start: int) -> Part:
        size = uploaded.size if uploaded.size is not None else 0
        sha256 = _sha256_hex(uploaded.checksum)
        if sha256 is None:
            sent = self._backend.shared.sent_parts.get((self._upload_id, uploaded.part_number))
            if sent is not None and sent[0] == uploaded.etag:
                sha256 = sent[1]
        return Part(
            uploaded.part_number, start, start + size - 1, sha256=sha256, etag=uploaded.etag
        )

    async def present(self) -> list[Part]:
        """The parts S3 holds (ListParts, every page); :class:`NotFound` when the upload is
        gone. A part's ``sha256`` is the SHA-256 S3 keeps of it, or the one this process sent
        with the ETag S3 lists (servers that keep none); else None, and the part is sent again
        rather than reused."""
        api = self._backend.api
        uploaded = await api.list_parts(self._backend.bucket, self._key, self._upload_id)
        return [self._part(p, (p.part_number - 1) * self._part_size) for p in uploaded]

    async def write_part(
        self, number: int, start: int, body: bytes, *, tree_hash: str, sha256: str
    ) -> Part:
        """UploadPart ``number`` with its SHA-256 checksum."""
        if start != (number - 1) * self._part_size:
            raise ValueError(f"part {number} starts at {(number - 1) * self._part_size}")
        uploaded = await self._backend.api.upload_part(
            self._backend.bucket, self._key, self._upload_id, number, body, sha256=sha256
        )
        part = Part(number, start, start + len(body) - 1, sha256=sha256, etag=uploaded.etag)
        self._parts[number] = part
        self._backend.shared.sent_parts[(self._upload_id, number)] = (uploaded.etag, sha256)
        return part

    def reuse(self, part: Part) -> None:
        """Count a part S3 already holds (its ETag goes into the completion)."""
        if part.etag is None:
            raise ValueError(f"part {part.number} has no ETag to complete with")
        self._parts[part.number] = part

    async def complete(self, *, size: int, tree_hash: str) -> str:
        """CompleteMultipartUpload with every part written or reused; returns the archive id.

        A completion whose answer was lost (retried, then NoSuchUpload) is recognised by the
        object's ETag, which S3 derives from the parts' ETags.
        """
        numbers = sorted(self._parts)
        if numbers != list(range(1, len(numbers) + 1)):
            raise TransferError(f"{self._key}: parts {numbers} are not 1 to {len(numbers)}")
        parts = [self._parts[n] for n in numbers]
        total = sum(p.size for p in parts)
        if total != size:
            raise TransferError(f"{self._key}: the parts hold {total} bytes, not {size}")
        if self._tree_hash is not None and tree_hash != self._tree_hash:
            # x-amz-meta-tree-hash would lie: the file changed between the two reads
            await self.abort()
            raise TransferError(
                f"{self._key}: file changed while it was read (its tree hash is not the one "
                "read before the upload); the upload is aborted"
            )
        archive_id = await self._complete(parts)
        self._backend.shared.forget_upload(self._upload_id)
        return archive_id

    async def _complete(self, parts: list[Part]) -> str:
        backend = self._backend
        completed = [UploadedPart(p.number, p.etag or "", p.size, None) for p in parts]
        checksums = [
            UploadedPart(
                p.number,
                p.etag or "",
                p.size,
                Checksum.sha256_hex(p.sha256) if p.sha256 else None,
            )
            for p in parts
        ]
        expected = multipart_etag(p.etag or "" for p in parts)
        try:
            done = await backend.api.complete_multipart_upload(
                backend.bucket,
                self._key,
                self._upload_id,
                checksums if all(p.sha256 for p in parts) else completed,
                if_none_match=self._create_only,
            )
        except NotFound:
            info = await backend.head(self._key)
            if info is None or info.etag != expected:
                raise
            log.info("%s: the completion was lost, the object is there", self._key)
            return backend.archive_id_of(info)
        except RemoteError as exc:
            if not self._create_only:
                raise
            if _conditional_conflict(exc):
                await self.abort()
                raise ConditionalConflictError(self._key) from None
            if not _precondition_failed(exc):
                raise
            info = await backend.head(self._key)
            if info is not None and info.etag == expected:
                # a retry after a completion whose answer was lost: the object is ours
                log.info("%s: the completion was lost, the object is there", self._key)
                return backend.archive_id_of(info)
            await self.abort()
            raise ObjectExistsError(self._key) from None
        if done.version_id and done.version_id != "null":
            backend.shared.versioned = True
            return VERSION_PREFIX + done.version_id
        if self._archive_id is not None:
            return self._archive_id
        info = await backend.head(self._key)
        if info is None:
            raise remote_error("NoSuchKey", f"{self._key} is gone right after its completion")
        return backend.archive_id_of(info)

    async def abort(self) -> None:
        """AbortMultipartUpload (an upload already gone is not an error)."""
        with contextlib.suppress(NotFound):
            await self._backend.api.abort_multipart_upload(
                self._backend.bucket, self._key, self._upload_id
            )
        self._backend.shared.forget_upload(self._upload_id)


class S3Backend:
    """The bucket ``bucket`` (objects under ``prefix``) in ``storage_class``, reached through
    ``api`` (:class:`~aioglacier.backends.base.Backend`).

    ``restore_days`` and ``tier`` are the restore requests' defaults (a warm-up's own tier
    wins). ``head_concurrency`` bounds the HeadObject requests of :meth:`warmups`;
    ``list_threshold`` is how many objects make it list instead.
    ``versioned``: whether the bucket keeps versions; :meth:`ensure_exists` asks the bucket.
    """

    def __init__(
        self,
        api: S3Api,
        bucket: str,
        prefix: str = "",
        storage_class: str = StorageClass.DEEP_ARCHIVE,
        *,
        restore_days: int = DEFAULT_RESTORE_DAYS,
        tier: Tier = DEFAULT_TIER,
        head_concurrency: int = DEFAULT_HEAD_CONCURRENCY,
        list_threshold: int = DEFAULT_LIST_THRESHOLD,
        versioned: bool = False,
        retry: RetryPolicy | None = None,
    ) -> None:
        if not bucket or "/" in bucket:
            raise UsageError(f"not a bucket name: {bucket!r}")
        if restore_days < 1:
            raise UsageError(f"a restore lasts at least one day, not {restore_days}")
        if tier not in _TIERS:
            raise UsageError(f"not a retrieval tier: {tier!r} (Expedited, Standard or Bulk)")
        self.api = api
        self.bucket = bucket
        self.prefix = normalize_prefix(prefix)
        self.storage_class = str(storage_class)
        self.restore_days = restore_days
        self.tier: Tier = tier
        self.head_concurrency = max(1, head_concurrency)
        self.list_threshold = list_threshold
        self.shared = _Shared(versioned=versioned)
        self._retry = retry or RetryPolicy()
        self._subject = ""
        self._listener: Callable[[Retrying], None] | None = None
        if tier == "Expedited":
            self._refuse_expedited(tier)

    def __repr__(self) -> str:
        return (
            f"S3Backend(bucket={self.bucket!r}, prefix={self.prefix!r}, "
            f"storage_class={self.storage_class!r}, api={self.api!r})"
        )

    # ---------------------------------------------------------------- identity

    @property
    def capabilities(self) -> Capabilities:
        """:func:`s3_capabilities` of the storage class (and the bucket's versioning)."""
        return s3_capabilities(self.storage_class, versioned=self.shared.versioned)

    @property
    def target(self) -> str:
        """``bucket B`` or ``bucket B/prefix``."""
        if self.prefix:
            return f"bucket {self.bucket}/{self.prefix.rstrip('/')}"
        return f"bucket {self.bucket}"

    def key(self, name: str) -> str:
        """The object key of the journal's relative file name ``name`` (:class:`ObjectKeyError`
        when S3 could not take it)."""
        return object_key(self.prefix, name)

    def name(self, key: str) -> str | None:
        """The journal's relative file name of ``key`` (None when outside the prefix)."""
        if not key.startswith(self.prefix) or key == self.prefix:
            return None
        return key[len(self.prefix) :]

    def archive_id_of(self, info: ObjectInfo) -> str:
        """The archive id of an object as HeadObject describes it."""
        if info.version_id and info.version_id != "null" and self.shared.versioned:
            return VERSION_PREFIX + info.version_id
        own = info.metadata.get(META_ARCHIVE_ID)
        if own:
            return UPLOAD_PREFIX + own
        return UPLOAD_PREFIX + info.etag.strip('"')

    def bind(
        self, *, subject: str | None = None, listener: Callable[[Retrying], None] | None = None
    ) -> S3Backend:
        """The same bucket with retries named after ``subject`` and reported to ``listener``."""
        bound = copy.copy(self)
        bound.api = self.api.bind(subject=subject, listener=listener)
        if subject is not None:
            bound._subject = subject
        if listener is not None:
            bound._listener = listener
        return bound

    async def retried(
        self,
        operation: str,
        attempt: Callable[[float], Awaitable[T]],
        *,
        policy: RetryPolicy | None = None,
    ) -> T:
        """``attempt(deadline_at)`` until it succeeds, fails permanently or attempts run out;
        each retry is reported to the listener."""
        policy = policy or self._retry
        loop = asyncio.get_running_loop()
        deadline_at = loop.time() + 3600.0
        number = 1
        while True:
            try:
                return await attempt(deadline_at)
            except Exception as exc:
                if number >= policy.max_attempts or not is_retryable(exc):
                    raise
                error = exc
            number += 1
            delay = policy.delay(number)
            if self._listener is not None:
                self._listener(
                    Retrying(
                        operation=operation,
                        relfilename=self._subject,
                        error=str(error) or type(error).__name__,
                        attempt=number,
                        max_attempts=policy.max_attempts,
                        delay=delay,
                    )
                )
            await policy.sleep(delay)

    # ---------------------------------------------------------------- bucket

    async def ensure_exists(self, *, create: bool = False) -> None:
        """HeadBucket (CreateBucket first with ``create``); one clear line when it is missing.
        Also learns whether the bucket keeps versions."""
        try:
            await self.api.head_bucket(self.bucket)
        except NotFound:
            if not create:
                raise AioGlacierError(
                    f'bucket "{self.bucket}" does not exist '
                    f"(create it with: aioglacier create-bucket {self.bucket})"
                ) from None
            await self.api.create_bucket(self.bucket)
        versioning = await self.api.get_bucket_versioning(self.bucket)
        self.shared.versioned = versioning is BucketVersioning.ENABLED

    # ---------------------------------------------------------------- writes

    def _metadata(self, spec: ObjectSpec, archive_id: str, tree_hash: str | None) -> dict[str, str]:
        meta = {META_MTIME: spec_mtime(spec), META_ARCHIVE_ID: archive_id}
        if tree_hash is not None:
            meta[META_TREE_HASH] = tree_hash
        return meta

    async def put(self, spec: ObjectSpec, body: bytes, *, tree_hash: str, sha256: str) -> str:
        """PutObject with the object's metadata and SHA-256 checksum.

        ``spec.create_only`` sends ``If-None-Match: *``: an object already under the key is
        never replaced (:class:`ObjectExistsError`). A 412 answering a retry whose first
        attempt did store the object (its answer lost) is recognised by the object's
        ``x-amz-meta-archive-id``; an object holding the very same bytes and mtime (an
        interrupted run's upload whose journal line was never written) is adopted: its
        archive id is returned."""
        own = uuid.uuid4().hex
        key = self.key(spec.name)
        try:
            result = await self.api.put_object(
                self.bucket,
                key,
                body,
                sha256=sha256,
                storage_class=self.storage_class,
                metadata=self._metadata(spec, own, tree_hash),
                if_none_match=spec.create_only,
            )
        except RemoteError as exc:
            if not spec.create_only:
                raise
            if _conditional_conflict(exc):
                raise ConditionalConflictError(key) from None
            if not _precondition_failed(exc):
                raise
            info = await self.head(key)
            if info is None:
                raise ObjectExistsError(key) from None
            if info.metadata.get(META_ARCHIVE_ID) == own:
                log.info("%s: the upload's answer was lost, the object is there", key)
                return self._stored_id(info, own)
            if not _same_upload(info, spec, len(body), tree_hash, sha256):
                raise ObjectExistsError(key) from None
            log.info("%s: the key holds these very bytes and mtime already: adopted", key)
            return self.archive_id_of(info)
        if result.version_id and result.version_id != "null":
            self.shared.versioned = True
            return VERSION_PREFIX + result.version_id
        return UPLOAD_PREFIX + own

    def _stored_id(self, info: ObjectInfo, own: str) -> str:
        if info.version_id and info.version_id != "null":
            self.shared.versioned = True
            return VERSION_PREFIX + info.version_id
        return UPLOAD_PREFIX + own

    async def start_multipart(self, spec: ObjectSpec, *, size: int, part_size: int) -> S3Multipart:
        """CreateMultipartUpload (SHA-256 checksums on every part).

        Its ``x-amz-meta-tree-hash`` is ``spec.tree_hash``, the tree hash the engine read
        before the upload (``tree_hash_first``: S3 takes metadata only now, and cannot add it
        to an archived object later); the completion refuses an upload whose own tree hash
        differs (the file changed between the two reads).

        ``spec.create_only``: a HeadObject first, so that a key already taken fails at once
        (:class:`ObjectExistsError`) rather than after every part was sent; the completion
        carries ``If-None-Match: *`` (CreateMultipartUpload takes no condition), which closes
        the window between the two.
        """
        own = uuid.uuid4().hex
        key = self.key(spec.name)
        if spec.create_only and await self.head(key) is not None:
            raise ObjectExistsError(key)
        upload_id = await self.api.create_multipart_upload(
            self.bucket,
            key,
            storage_class=self.storage_class,
            metadata=self._metadata(spec, own, spec.tree_hash),
            checksum_algorithm=ChecksumAlgorithm.SHA256,
        )
        return S3Multipart(
            self,
            key,
            upload_id,
            part_size,
            UPLOAD_PREFIX + own,
            create_only=spec.create_only,
            tree_hash=spec.tree_hash,
        )

    async def resume_multipart(
        self, upload_id: str, spec: ObjectSpec, *, part_size: int
    ) -> S3Multipart:
        """The recorded upload (no request: :meth:`S3Multipart.present` raises
        :class:`NotFound` when S3 no longer has it)."""
        return S3Multipart(
            self, self.key(spec.name), upload_id, part_size, None, create_only=spec.create_only
        )

    async def list_uploads(self) -> list[UploadInfo]:
        """ListMultipartUploads under the prefix (every page)."""
        uploads = await self.api.list_multipart_uploads(self.bucket, prefix=self.prefix or None)
        return [
            UploadInfo(
                upload_id=u.upload_id,
                name=self.name(u.key),
                started=_iso(u.initiated),
                part_size=None,
                mtime=None,
                description=u.key,
            )
            for u in uploads
        ]

    # ---------------------------------------------------------------- objects

    def _locate(self, obj: StoredObject) -> tuple[str, str | None, str | None]:
        """(key, version id, own id) of an archive id."""
        key = self.key(obj.name)
        if obj.archive_id.startswith(VERSION_PREFIX):
            return key, obj.archive_id[len(VERSION_PREFIX) :], None
        if obj.archive_id.startswith(UPLOAD_PREFIX):
            return key, None, obj.archive_id[len(UPLOAD_PREFIX) :]
        raise TransferError(f"{obj.archive_id!r} is not an S3 archive id (s3: or s3v:)")

    @staticmethod
    def _is_ours(own: str, metadata: Mapping[str, str], etag: str) -> bool:
        stored = metadata.get(META_ARCHIVE_ID)
        if stored is not None:
            return stored == own
        return etag.strip('"') == own

    async def head(self, key: str, version_id: str | None = None) -> ObjectInfo | None:
        """HeadObject (None when the key or version does not exist)."""
        try:
            return await self.api.head_object(self.bucket, key, version_id=version_id)
        except NotFound:
            return None

    def _gone(self, obj: StoredObject, why: str = "no longer in the bucket") -> NotFound:
        error = remote_error("NoSuchKey", f"{self.key(obj.name)} ({obj.archive_id}): {why}")
        assert isinstance(error, NotFound)
        return error

    async def _current(self, obj: StoredObject) -> ObjectInfo:
        """HeadObject of exactly the object ``obj`` names; :class:`NotFound` when gone."""
        key, version_id, own = self._locate(obj)
        info = await self.head(key, version_id)
        if info is None:
            raise self._gone(obj)
        if own is not None and not self._is_ours(own, info.metadata, info.etag):
            raise self._gone(obj, "the key holds another object now")
        return info

    async def delete(self, obj: StoredObject) -> None:
        """Delete exactly the object ``obj`` names: that version (``s3v:``), or the key only
        while it still holds that object (``s3:``; with ``If-Match`` on its ETag);
        :class:`NotFound` when it is gone."""
        info = await self._current(obj)
        key, version_id, _ = self._locate(obj)
        if version_id is not None:
            await self.api.delete_object(self.bucket, key, version_id=version_id)
            return
        try:
            await self.api.delete_object(self.bucket, key, if_match=info.etag)
        except RemoteError as exc:
            if exc.status == 412:
                raise self._gone(obj, "the key holds another object now") from None
            raise

    #: At most this many objects per :meth:`delete_batch` call: one DeleteObjects request.
    delete_batch_size = MAX_DELETE_KEYS

    async def delete_batch(self, objects: Sequence[StoredObject]) -> list[AioGlacierError | None]:
        """Delete exactly the objects named, as :meth:`delete` does each, with DeleteObjects
        (up to :attr:`delete_batch_size` objects per request); one outcome per object, in
        order: ``None`` (deleted), :class:`NotFound` (gone, or the key holds another object
        now) or the error that kept it.

        An ``s3v:`` archive is deleted by its version id without a question (deleting a
        version deletes nothing else). An ``s3:`` archive (an unversioned key) is deleted only
        if the key still holds it: a HeadObject each first (``head_concurrency`` at once), and
        only the keys that hold their object go into the batch. (DeleteObjects has no
        ``If-Match``: an overwrite between the HEAD and the batch, by another writer, would be
        deleted; :meth:`delete` closes that window with ``If-Match``, at one request a key.)
        """
        outcomes: list[AioGlacierError | None] = [None] * len(objects)
        targets: list[tuple[int, ObjectIdentifier]] = []
        unversioned: list[int] = []
        for i, obj in enumerate(objects):
            try:
                key, version_id, _ = self._locate(obj)
            except TransferError as exc:
                outcomes[i] = exc
                continue
            if version_id is not None:
                targets.append((i, ObjectIdentifier(key, version_id)))
            else:
                unversioned.append(i)

        async def check(i: int) -> tuple[int, AioGlacierError | None]:
            try:
                await self._current(objects[i])
            except AioGlacierError as exc:
                return i, exc
            return i, None

        async for i, error in bounded_map(check, unversioned, self.head_concurrency):
            if error is None:
                targets.append((i, ObjectIdentifier(self.key(objects[i].name))))
            else:
                outcomes[i] = error
        if not targets:
            return outcomes
        try:
            result = await self.api.delete_objects(self.bucket, [t for _, t in targets])
        except (AioGlacierError, BaseExceptionGroup) as exc:
            leaf = first_leaf(exc)
            if not isinstance(leaf, AioGlacierError):
                raise
            for i, _ in targets:
                outcomes[i] = leaf
            return outcomes
        failed = {(e.key, e.version_id or None): e for e in result.errors}
        for i, target in targets:
            e = failed.get((target.key, target.version_id))
            if e is not None:
                outcomes[i] = remote_error(e.code, f"{e.key}: {e.message}")
        return outcomes

    # ---------------------------------------------------------------- restores

    def _refuse_expedited(self, tier: str) -> None:
        if tier == "Expedited" and self.storage_class == StorageClass.DEEP_ARCHIVE:
            raise UsageError(
                "the Expedited tier is not offered for DEEP_ARCHIVE (use Standard, about 12 "
                "hours, or Bulk, about 48 hours)"
            )

    async def warmup(self, obj: StoredObject, *, tier: Tier | None = None) -> Warmup:
        """RestoreObject for ``restore_days`` at ``tier``: in progress (202 accepted, 409
        already in progress) or ready (200 already restored: S3 then moves the restored
        copy's expiry to ``restore_days`` from now; an object that needs no restore).
        Expedited on DEEP_ARCHIVE is refused before any request."""
        tier = tier or self.tier
        self._refuse_expedited(tier)
        token = restore_token(tier, self.restore_days)
        self.shared.tokens[obj.archive_id] = token
        key, version_id, _ = self._locate(obj)
        try:
            outcome = await self.api.restore_object(
                self.bucket, key, days=self.restore_days, tier=tier, version_id=version_id
            )
        except InvalidObjectStateError:
            info = await self._current(obj)  # readable without a restore? NotFound when gone
            if not info.restore.readable:
                raise
            return Warmup(obj.archive_id, token, "ready")
        if outcome is RestoreOutcome.ALREADY_RESTORED:
            return Warmup(obj.archive_id, token, "ready")
        return Warmup(obj.archive_id, token, "in-progress")

    def _warmup_of(self, obj: StoredObject, info: ObjectInfo | ListedObject) -> Warmup | None:
        token = self.shared.tokens.get(obj.archive_id) or restore_token(
            self.tier, self.restore_days
        )
        state = info.restore
        if state.status is RestoreStatus.IN_PROGRESS:
            return Warmup(obj.archive_id, token, "in-progress")
        if state.status is RestoreStatus.RESTORED:
            expires = state.expiry.timestamp() if state.expiry is not None else None
            return Warmup(obj.archive_id, token, "ready", expires=expires)
        if state.status is RestoreStatus.NOT_ARCHIVED:
            return Warmup(obj.archive_id, token, "ready")
        return None

    async def warmups(self, objects: Sequence[StoredObject]) -> AsyncIterator[Warmup]:
        """The restore state of each object, in the order learned. An archived object with
        no restore, and an object no longer in the bucket, yield nothing.

        Many objects (at least ``list_threshold``) are looked up in ONE listing of their
        common key prefix with ``RestoreStatus`` (ListObjectsV2, a page per 1,000 keys);
        what the listing cannot settle is asked with HeadObject (``x-amz-restore``, up to
        ``head_concurrency`` at once): an ``s3v:`` version (a listing shows current versions
        only) and, when the listing reported no restore at all (a server may ignore
        ``RestoreStatus``), every archived object. (An ``s3:`` object whose key was
        overwritten since shows the new object's state; its read then finds it gone.)
        """
        heads: Sequence[StoredObject] = objects
        if len(objects) >= self.list_threshold and self.api.lists_restore_status:
            heads = []
            async for warm, unsettled in self._listed_warmups(objects):
                if warm is not None:
                    yield warm
                heads.extend(unsettled)

        async def state(obj: StoredObject) -> Warmup | None:
            try:
                info = await self._current(obj)
            except NotFound:
                return None
            return self._warmup_of(obj, info)

        async for warm in bounded_map(state, heads, self.head_concurrency):
            if warm is not None:
                yield warm

    async def _listed_warmups(
        self, objects: Sequence[StoredObject]
    ) -> AsyncIterator[tuple[Warmup | None, list[StoredObject]]]:
        """(warm-up, objects left for HeadObject) from one listing of the objects' prefix."""
        wanted: dict[str, list[StoredObject]] = {}
        for obj in objects:
            wanted.setdefault(self.key(obj.name), []).append(obj)
        prefix = os.path.commonprefix(list(wanted))  # noqa: RUF071 - keys, not paths
        archived: list[StoredObject] = []
        reported = False
        async for page in self.api.list_object_pages(
            self.bucket, prefix=prefix or None, restore_status=True
        ):
            for listed in page.objects:
                for obj in wanted.pop(listed.key, ()):
                    if self._locate(obj)[1] is not None:
                        yield None, [obj]  # a version: the listing shows the current one
                        continue
                    reported = reported or listed.restore_reported
                    if listed.restore.status is RestoreStatus.ARCHIVED:
                        archived.append(obj)
                        continue
                    yield self._warmup_of(obj, listed), []
        # Keys not listed are gone: nothing. Archived objects the listing showed no restore
        # for are settled unless no object had one (the server may ignore RestoreStatus).
        yield None, [] if reported else archived

    async def restores(self) -> list[RestoredObject]:
        """Every object under the prefix with a restore in progress or a restored copy
        (``list-jobs --bucket``), in key order.

        One ListObjectsV2 listing with ``RestoreStatus`` (a page per 1,000 keys); when no
        entry of it carried a restore state (a server may ignore ``RestoreStatus``), each
        archived object (GLACIER, DEEP_ARCHIVE) is asked with HeadObject (``x-amz-restore``,
        up to ``head_concurrency`` at once).
        """
        found: list[RestoredObject] = []
        archived: list[str] = []
        classes: dict[str, str] = {}
        reported = False
        async for page in self.api.list_object_pages(
            self.bucket, prefix=self.prefix or None, restore_status=True
        ):
            for listed in page.objects:
                reported = reported or listed.restore_reported
                classes[listed.key] = listed.storage_class
                status = listed.restore.status
                if status in (RestoreStatus.IN_PROGRESS, RestoreStatus.RESTORED):
                    found.append(RestoredObject(listed.key, listed.storage_class, listed.restore))
                elif status is RestoreStatus.ARCHIVED:
                    archived.append(listed.key)
        if not reported and archived:

            async def state(key: str) -> RestoredObject | None:
                info = await self.head(key)
                if info is None or info.restore.status not in (
                    RestoreStatus.IN_PROGRESS,
                    RestoreStatus.RESTORED,
                ):
                    return None
                return RestoredObject(key, classes[key], info.restore)

            async for item in bounded_map(state, archived, self.head_concurrency):
                if item is not None:
                    found.append(item)
        found.sort(key=lambda r: r.key.encode("utf-8", "surrogatepass"))
        return found

    # ---------------------------------------------------------------- reads

    @asynccontextmanager
    async def read(
        self,
        obj: StoredObject,
        warmup: Warmup | None,
        *,
        byte_range: tuple[int, int] | None = None,
        deadline_at: float | None = None,
    ) -> AsyncIterator[RangeReader]:
        """GetObject (a ``Range`` when ``byte_range``; one attempt). :class:`NotFound` when
        the key no longer holds the object; an archived object not restored raises
        :class:`~aioglacier.backends.s3.errors.InvalidObjectStateError`."""
        key, version_id, own = self._locate(obj)
        async with self.api.get_object(
            self.bucket, key, byte_range=byte_range, version_id=version_id
        ) as body:
            if own is not None and not self._is_ours(own, body.metadata, body.etag):
                raise self._gone(obj, "the key holds another object now")
            if byte_range is not None and body.content_range is not None:
                first, last, _ = body.content_range
                if (first, last) != byte_range:
                    raise TransferError(
                        f"{key}: asked for bytes {byte_range[0]}-{byte_range[1]}, "
                        f"got {first}-{last}"
                    )
            yield S3Reader(body)


async def bounded_map(
    job: Callable[[ItemT], Awaitable[T]], items: Sequence[ItemT], limit: int
) -> AsyncIterator[T]:
    """``job(item)`` for every item, at most ``limit`` at once, results as they finish; the
    first failure is raised (the other jobs are cancelled)."""
    results: asyncio.Queue[tuple[T, None] | tuple[None, BaseException]] = asyncio.Queue()
    source = iter(items)

    async def worker() -> None:
        for item in source:
            try:
                value = await job(item)
            except Exception as exc:
                results.put_nowait((None, exc))
                return
            results.put_nowait((value, None))

    workers = [asyncio.create_task(worker()) for _ in range(min(limit, len(items)))]
    try:
        for _ in range(len(items)):
            outcome = await results.get()
            if outcome[1] is not None:
                raise outcome[1]
            yield outcome[0]
    finally:
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)


if TYPE_CHECKING:  # mypy proves both classes have the seam's shapes
    _backend: type[Backend] = S3Backend
    _writer: type[MultipartWriter] = S3Multipart
