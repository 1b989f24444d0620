"""Identifiers and dates in Glacier's formats."""

from __future__ import annotations

import base64
import itertools
import random
import secrets
from datetime import UTC, datetime

__all__ = [
    "ARCHIVE_ID_LENGTH",
    "JOB_ID_LENGTH",
    "UPLOAD_ID_LENGTH",
    "IdGenerator",
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


class IdGenerator:
    """Fast unique ids for one emulator: a PRNG seeded from the OS, not a syscall per id.

    Ids need to be unique and unguessable enough for a test server, not secret.
    """

    def __init__(self, seed: bytes | None = None) -> None:
        # not for secrets: ids only need to be unique (seeded from the OS)
        self._rng = random.Random(seed if seed is not None else secrets.token_bytes(32))  # noqa: S311
        self._prefix = self._text(12, 16)
        self._counter = itertools.count(1)

    def _text(self, nbytes: int, length: int) -> str:
        raw = self._rng.randbytes(nbytes)
        return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")[:length]

    def archive_id(self) -> str:
        """A 138-character URL-safe archive id."""
        return self._text(104, ARCHIVE_ID_LENGTH)

    def job_id(self) -> str:
        """A 92-character URL-safe job id."""
        return self._text(69, JOB_ID_LENGTH)

    def upload_id(self) -> str:
        """A 92-character URL-safe multipart upload id."""
        return self._text(69, UPLOAD_ID_LENGTH)

    def request_id(self) -> str:
        """A request id for ``x-amzn-RequestId``: a random prefix and a counter."""
        return f"{self._prefix}{next(self._counter):016X}"


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
    if when.tzinfo is not UTC:
        when = when.astimezone(UTC)
    return (
        f"{when.year:04d}-{when.month:02d}-{when.day:02d}T"
        f"{when.hour:02d}:{when.minute:02d}:{when.second:02d}.{when.microsecond // 1000:03d}Z"
    )


def format_inventory_date(when: datetime) -> str:
    """The inventory's ``InventoryDate``: ISO 8601 to the second, UTC: ``2011-12-12T14:19:01Z``."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_date(text: str) -> datetime:
    """Parse an ISO 8601 UTC date as Glacier writes them (with or without milliseconds)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
