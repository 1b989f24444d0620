"""Identifiers and dates in Glacier's formats."""

from __future__ import annotations

import base64
import secrets
from datetime import UTC, datetime

__all__ = [
    "ARCHIVE_ID_LENGTH",
    "JOB_ID_LENGTH",
    "UPLOAD_ID_LENGTH",
    "format_date",
    "format_inventory_date",
    "new_archive_id",
    "new_job_id",
    "new_request_id",
    "new_upload_id",
    "parse_date",
]

ARCHIVE_ID_LENGTH = 138
JOB_ID_LENGTH = 92
UPLOAD_ID_LENGTH = 92


def _urlsafe(nbytes: int, length: int) -> str:
    text = base64.urlsafe_b64encode(secrets.token_bytes(nbytes)).decode("ascii").rstrip("=")
    return text[:length]


def new_archive_id() -> str:
    """A 138-character URL-safe archive id, like AWS's."""
    return _urlsafe(104, ARCHIVE_ID_LENGTH)


def new_job_id() -> str:
    """A 92-character URL-safe job id, like AWS's."""
    return _urlsafe(69, JOB_ID_LENGTH)


def new_upload_id() -> str:
    """A 92-character URL-safe multipart upload id, like AWS's."""
    return _urlsafe(69, UPLOAD_ID_LENGTH)


def new_request_id() -> str:
    """A request id for the ``x-amzn-RequestId`` header."""
    return _urlsafe(33, 44)


def format_date(when: datetime) -> str:
    """ISO 8601 with milliseconds, UTC: ``2012-03-20T17:03:43.221Z``."""
    when = when.astimezone(UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def format_inventory_date(when: datetime) -> str:
    """The inventory's ``InventoryDate``: ISO 8601 to the second, UTC: ``2011-12-12T14:19:01Z``."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_date(text: str) -> datetime:
    """Parse an ISO 8601 UTC date as Glacier writes them (with or without milliseconds)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
