"""Records of the emulator's S3 side (one dataclass per sqlite table), storage classes and the
timing of restores."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import formatdate
from typing import Any

__all__ = [
    "ARCHIVED_CLASSES",
    "DEFAULT_REGION",
    "MIN_PART_SIZE",
    "RESTORE_DELAYS",
    "STORAGE_CLASSES",
    "BucketRecord",
    "CompletedUpload",
    "ObjectRecord",
    "PartEntry",
    "S3UploadRecord",
    "StoredObject",
    "http_date",
    "iso_date",
    "restore_expiry",
]

DEFAULT_REGION = "us-east-1"
#: Storage classes PutObject and CreateMultipartUpload accept.
STORAGE_CLASSES = frozenset(
    {
        "STANDARD",
        "REDUCED_REDUNDANCY",
        "STANDARD_IA",
        "ONEZONE_IA",
        "INTELLIGENT_TIERING",
        "GLACIER",
        "DEEP_ARCHIVE",
        "GLACIER_IR",
    }
)
#: Classes whose objects must be restored before a GET (GLACIER is Flexible Retrieval).
ARCHIVED_CLASSES = frozenset({"GLACIER", "DEEP_ARCHIVE"})
#: How long a restore takes (the upper end of AWS's documented range), before the emulator's
#: ``job_delay_scale``. Expedited is not offered for DEEP_ARCHIVE.
RESTORE_DELAYS: dict[tuple[str, str], timedelta] = {
    ("GLACIER", "Expedited"): timedelta(minutes=5),
    ("GLACIER", "Standard"): timedelta(hours=5),
    ("GLACIER", "Bulk"): timedelta(hours=12),
    ("DEEP_ARCHIVE", "Standard"): timedelta(hours=12),
    ("DEEP_ARCHIVE", "Bulk"): timedelta(hours=48),
}
TIER_SPEED = {"Expedited": 0, "Standard": 1, "Bulk": 2}
MIN_PART_SIZE = 5 * 1024 * 1024
MAX_OBJECT_SIZE = 5 * 1024**4
MAX_PUT_SIZE = 5 * 1024**3
MAX_PARTS = 10_000


def http_date(ts: float) -> str:
    """RFC 7231 date, as in ``Last-Modified``: ``Wed, 21 Oct 2015 07:28:00 GMT``."""
    return formatdate(int(ts), usegmt=True)


def iso_date(ts: float) -> str:
    """ISO 8601 with milliseconds, as in listings: ``2009-10-12T17:50:30.000Z``."""
    when = datetime.fromtimestamp(ts, UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def restore_expiry(start: float, days: int) -> float:
    """When a restored copy goes away: ``days`` after ``start``, rounded up to the next midnight
    UTC (as S3 computes it)."""
    end = datetime.fromtimestamp(start, UTC) + timedelta(days=days)
    midnight = end.replace(hour=0, minute=0, second=0, microsecond=0)
    if midnight < end:
        midnight += timedelta(days=1)
    return float(calendar.timegm(midnight.timetuple()))


@dataclass(frozen=True)
class BucketRecord:
    """A bucket. ``versioning`` is None (never configured), ``Enabled`` or ``Suspended``."""

    name: str
    region: str
    created: float
    versioning: str | None = None


@dataclass(frozen=True)
class ObjectRecord:
    """One version of an object (or a delete marker). Its bytes are the concatenation of
    ``blobs`` (one file for a PutObject, one per part for a multipart upload)."""

    seq: int
    bucket: str
    key: str
    version_id: str
    is_latest: bool
    delete_marker: bool
    size: int
    etag: str  # quoted, as in the ETag header
    last_modified: float
    storage_class: str
    content_type: str | None
    metadata: dict[str, str]
    headers: dict[str, str]
    checksum_algorithm: str | None
    checksum: str | None
    checksum_type: str | None
    part_sizes: tuple[int, ...] | None
    blobs: tuple[str, ...]
    restore_tier: str | None = None
    restore_complete: float | None = None
    restore_expiry: float | None = None

    def restore_state(self, now: float) -> str | None:
        """``ongoing``, ``restored`` or None (never restored, or the copy expired)."""
        if self.restore_complete is None or self.restore_expiry is None:
            return None
        if now < self.restore_complete:
            return "ongoing"
        if now < self.restore_expiry:
            return "restored"
        return None

    def readable(self, now: float) -> bool:
        """Whether a GET may read the bytes (not archived, or restored)."""
        return self.storage_class not in ARCHIVED_CLASSES or self.restore_state(now) == "restored"

    def restore_header(self, now: float) -> str | None:
        """The ``x-amz-restore`` value, or None."""
        state = self.restore_state(now)
        if state == "ongoing":
            return 'ongoing-request="true"'
        if state == "restored":
            assert self.restore_expiry is not None
            return f'ongoing-request="false", expiry-date="{http_date(self.restore_expiry)}"'
        return None

    @property
    def segments(self) -> list[tuple[str, int]]:
        """``(blob, size)`` in order."""
        if not self.blobs:
            return []
        sizes = self.part_sizes if self.part_sizes is not None else (self.size,)
        return list(zip(self.blobs, sizes, strict=True))


@dataclass(frozen=True)
class S3UploadRecord:
    """A multipart upload in progress."""

    upload_id: str
    bucket: str
    key: str
    created: float
    storage_class: str
    content_type: str | None
    metadata: dict[str, str]
    headers: dict[str, str]
    checksum_algorithm: str | None
    checksum_type: str | None


@dataclass(frozen=True)
class PartEntry:
    """One uploaded part."""

    part_number: int
    size: int
    etag: str  # quoted
    checksum: str | None  # base64, of the upload's algorithm
    blob: str
    last_modified: float
    md5: bytes = field(repr=False, default=b"")


@dataclass(frozen=True)
class CompletedUpload:
    """What a CompleteMultipartUpload answered (kept for a while: a repeated Complete of the
    same parts gets the same answer)."""

    upload_id: str
    bucket: str
    key: str
    parts: tuple[tuple[int, str], ...]
    result: dict[str, Any]
    completed: float


@dataclass(frozen=True)
class StoredObject:
    """Read-only view of a stored object version, for tests (see ``Emulator.objects``)."""

    key: str
    version_id: str
    is_latest: bool
    delete_marker: bool
    size: int
    etag: str
    storage_class: str
    last_modified: float
    metadata: dict[str, str]
    checksum_algorithm: str | None
    checksum: str | None
    restore: str | None
