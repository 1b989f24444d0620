"""Typed results of the S3 operations, and the restore state of an archived object.

Every result is a frozen dataclass. Dates are timezone-aware UTC datetimes. ETags keep their
quotes as S3 sends them (``"9b2cf535f27731c974343645a3985328"``): they are opaque and are sent
back as they came (If-Match, CompleteMultipartUpload).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum

from aioglacier.backends.s3.checksums import Checksum, ChecksumAlgorithm

__all__ = [
    "ARCHIVAL_STORAGE_CLASSES",
    "ARCHIVE_ACCESS_TIERS",
    "BucketInfo",
    "BucketVersioning",
    "CompletedPart",
    "CompletedUpload",
    "DeleteError",
    "DeleteObjectsResult",
    "DeletedObject",
    "ListedObject",
    "MultipartUpload",
    "ObjectIdentifier",
    "ObjectInfo",
    "ObjectListPage",
    "PutResult",
    "RestoreOutcome",
    "RestoreState",
    "RestoreStatus",
    "StorageClass",
    "UploadedPart",
    "parse_restore_header",
    "parse_s3_datetime",
    "restore_state",
]


class StorageClass(StrEnum):
    """AWS's storage classes. Servers may send others: fields typed ``str`` keep any value."""

    STANDARD = "STANDARD"
    REDUCED_REDUNDANCY = "REDUCED_REDUNDANCY"
    STANDARD_IA = "STANDARD_IA"
    ONEZONE_IA = "ONEZONE_IA"
    INTELLIGENT_TIERING = "INTELLIGENT_TIERING"
    GLACIER = "GLACIER"
    DEEP_ARCHIVE = "DEEP_ARCHIVE"
    GLACIER_IR = "GLACIER_IR"


#: Classes whose objects must be restored before a GET (GLACIER_IR is read directly).
ARCHIVAL_STORAGE_CLASSES = frozenset({StorageClass.GLACIER, StorageClass.DEEP_ARCHIVE})

#: ``x-amz-archive-status`` values of INTELLIGENT_TIERING objects that need a restore.
ARCHIVE_ACCESS_TIERS = frozenset({"ARCHIVE_ACCESS", "DEEP_ARCHIVE_ACCESS"})


class RestoreStatus(StrEnum):
    """Where an object stands with respect to restores."""

    NOT_ARCHIVED = "not-archived"  # readable now: not in an archival class (or tier)
    ARCHIVED = "archived"  # archived, no restored copy: a GET fails with InvalidObjectState
    IN_PROGRESS = "in-progress"  # a restore was asked for and is not finished
    RESTORED = "restored"  # a restored copy is readable until ``expiry``


@dataclass(frozen=True)
class RestoreState:
    """An object's restore state; ``expiry`` is when a restored copy goes away (if known)."""

    status: RestoreStatus
    expiry: datetime | None = None

    @property
    def readable(self) -> bool:
        """Whether a GET of the object's data succeeds now."""
        return self.status in (RestoreStatus.NOT_ARCHIVED, RestoreStatus.RESTORED)


_NOT_ARCHIVED = RestoreState(RestoreStatus.NOT_ARCHIVED)
_ARCHIVED = RestoreState(RestoreStatus.ARCHIVED)
_IN_PROGRESS = RestoreState(RestoreStatus.IN_PROGRESS)
_RESTORE_PAIR = re.compile(r'\s*([A-Za-z][A-Za-z0-9-]*)\s*=\s*"([^"]*)"\s*(?:,|$)')


def parse_s3_datetime(text: str) -> datetime:
    """An S3 date, ISO 8601 (XML bodies) or RFC 1123 (headers), as an aware UTC datetime.

    ValueError when ``text`` is neither.
    """
    text = text.strip()
    if text[:4].isdigit():
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    else:
        try:
            value = parsedate_to_datetime(text)
        except (TypeError, IndexError) as exc:
            raise ValueError(f"not a date: {text!r}") from exc
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def parse_restore_header(value: str) -> RestoreState:
    """Parse ``x-amz-restore``: ``ongoing-request="true"`` or ``ongoing-request="false",
    expiry-date="Fri, 21 Dec 2012 00:00:00 GMT"``.

    A finished restore without an expiry date (INTELLIGENT_TIERING's archive tiers move the
    object back to a readable tier) is RESTORED with ``expiry`` None. ValueError when the
    header is malformed.
    """
    pairs: dict[str, str] = {}
    pos = 0
    text = value.strip()
    while pos < len(text):
        match = _RESTORE_PAIR.match(text, pos)
        if match is None:
            raise ValueError(f"malformed x-amz-restore header: {value!r}")
        pairs[match.group(1).lower()] = match.group(2)
        pos = match.end()
    ongoing = pairs.get("ongoing-request", "").lower()
    if ongoing == "true":
        return _IN_PROGRESS
    if ongoing != "false":
        raise ValueError(f"malformed x-amz-restore header: {value!r}")
    expiry = pairs.get("expiry-date")
    return RestoreState(RestoreStatus.RESTORED, parse_s3_datetime(expiry) if expiry else None)


def restore_state(
    storage_class: str, restore_header: str | None, archive_status: str | None = None
) -> RestoreState:
    """The restore state from a HEAD's ``x-amz-storage-class``, ``x-amz-restore`` and
    ``x-amz-archive-status`` headers (ValueError when ``x-amz-restore`` is malformed)."""
    if restore_header:
        return parse_restore_header(restore_header)
    if storage_class in ARCHIVAL_STORAGE_CLASSES or archive_status in ARCHIVE_ACCESS_TIERS:
        return _ARCHIVED
    return _NOT_ARCHIVED


class BucketVersioning(StrEnum):
    """A bucket's versioning state (GetBucketVersioning)."""

    UNVERSIONED = "Unversioned"  # never enabled: S3 sends no Status
    ENABLED = "Enabled"
    SUSPENDED = "Suspended"


@dataclass(frozen=True)
class BucketInfo:
    """What HeadBucket tells: the bucket's region (``x-amz-bucket-region``) when sent."""

    name: str
    region: str | None


@dataclass(frozen=True)
class PutResult:
    """PutObject's answer: the ETag, the version id (versioned buckets), the checksum S3
    computed (echoed when one was sent)."""

    etag: str
    version_id: str | None
    checksum: Checksum | None


@dataclass(frozen=True)
class UploadedPart:
    """A part of a multipart upload, as UploadPart answered or ListParts lists it."""

    part_number: int
    etag: str
    size: int | None = None
    checksum: Checksum | None = None
    last_modified: datetime | None = None

    def completed(self) -> CompletedPart:
        """The entry for CompleteMultipartUpload."""
        return CompletedPart(self.part_number, self.etag, self.checksum)


@dataclass(frozen=True)
class CompletedPart:
    """One part named in CompleteMultipartUpload: number, ETag, and its checksum if any."""

    part_number: int
    etag: str
    checksum: Checksum | None = None


@dataclass(frozen=True)
class CompletedUpload:
    """CompleteMultipartUpload's answer."""

    etag: str
    version_id: str | None
    checksum: Checksum | None
    location: str | None = None
    checksum_type: str | None = None


@dataclass(frozen=True)
class MultipartUpload:
    """A multipart upload in progress (ListMultipartUploads)."""

    key: str
    upload_id: str
    initiated: datetime | None
    storage_class: str
    checksum_algorithm: ChecksumAlgorithm | None = None


@dataclass(frozen=True)
class _ObjectSummary:
    """What HeadObject and a listing both say of an object (the fields they start with)."""

    key: str
    size: int
    etag: str
    last_modified: datetime | None
    storage_class: str
    restore: RestoreState


@dataclass(frozen=True)
class ObjectInfo(_ObjectSummary):
    """HeadObject's answer.

    ``metadata`` holds the ``x-amz-meta-*`` headers, names lower-cased without the prefix.
    ``checksum`` is the object's stored checksum (asked for with ``x-amz-checksum-mode``); for
    a multipart object it may be composite (``Checksum.parts``).
    """

    version_id: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    checksum: Checksum | None = None
    checksum_type: str | None = None
    content_type: str | None = None
    archive_status: str | None = None
    parts_count: int | None = None


@dataclass(frozen=True)
class ListedObject(_ObjectSummary):
    """One object of a ListObjectsV2 page.

    ``restore`` comes from the page's ``RestoreStatus`` element (asked for with
    ``x-amz-optional-object-attributes: RestoreStatus``). AWS sends that element only for
    objects with a restore in progress or done, so an archived object without it is ARCHIVED.
    A server that ignores the header never sends it: its archived objects all read ARCHIVED,
    and a RestoreObject then answers what the state really is (200 already restored, 409 in
    progress). ``restore_reported`` says whether this entry carried the element.
    """

    restore_reported: bool = False
    checksum_algorithms: tuple[str, ...] = ()
    checksum_type: str | None = None


@dataclass(frozen=True)
class ObjectListPage:
    """One ListObjectsV2 page: its objects, and the token of the next page (None: the last)."""

    objects: list[ListedObject]
    next_token: str | None
    common_prefixes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ObjectIdentifier:
    """A key, and optionally one of its versions (DeleteObjects)."""

    key: str
    version_id: str | None = None


@dataclass(frozen=True)
class DeletedObject:
    """One key DeleteObjects (or DeleteObject) deleted."""

    key: str
    version_id: str | None = None
    delete_marker: bool = False
    delete_marker_version_id: str | None = None


@dataclass(frozen=True)
class DeleteError:
    """One key DeleteObjects could not delete, with S3's error code and message."""

    key: str
    version_id: str | None
    code: str
    message: str


@dataclass(frozen=True)
class DeleteObjectsResult:
    """Every key of a DeleteObjects call: deleted (empty in quiet mode) and failed."""

    deleted: list[DeletedObject]
    errors: list[DeleteError]


class RestoreOutcome(StrEnum):
    """What RestoreObject answered: each is a state, not an error."""

    ACCEPTED = "accepted"  # 202: a restore was started
    IN_PROGRESS = "in-progress"  # 409 RestoreAlreadyInProgress
    ALREADY_RESTORED = "already-restored"  # 200: a restored copy exists (its expiry is extended)
