"""Checks of what a user names before it reaches a URL: vault names and endpoint URLs.

Both raise :class:`~aioglacier.errors.UsageError` (the CLI's exit code 2) with one line that
shows the offending value escaped (:func:`aioglacier.display.printable`).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from aioglacier.display import printable
from aioglacier.errors import UsageError

__all__ = [
    "DEFAULT_STORAGE_CLASS",
    "LOCAL_PREFIX",
    "STORAGE_CLASSES",
    "VAULT_NAME_RULE",
    "validate_bucket_name",
    "validate_endpoint_url",
    "validate_vault_name",
]

#: AWS's rule for vault names: 1 to 255 characters of a-z, A-Z, 0-9, '_', '-' and '.'.
VAULT_NAME_RULE = re.compile(r"[A-Za-z0-9_.-]{1,255}")

#: ``local:DIR``: the embedded emulator with its data in DIR.
LOCAL_PREFIX = "local:"

_SHOWN = 80

#: The storage classes a bucket target may write (``--storage-class``).
STORAGE_CLASSES = (
    "DEEP_ARCHIVE",
    "GLACIER",
    "GLACIER_IR",
    "STANDARD_IA",
    "INTELLIGENT_TIERING",
    "STANDARD",
)
#: What a bucket target writes unless told otherwise.
DEFAULT_STORAGE_CLASS = "DEEP_ARCHIVE"

# S3's rules for bucket names, loosened to what S3-compatible servers accept (capitals and
# underscores, which older buckets and other servers allow).
_BUCKET = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{1,253}[A-Za-z0-9]")


def _shown(value: str) -> str:
    text = value if len(value) <= _SHOWN else value[:_SHOWN] + "..."
    return printable(repr(text))


def validate_vault_name(name: str) -> str:
    """Return ``name`` when it is a valid vault name (AWS's rule, :data:`VAULT_NAME_RULE`).

    Raises:
        UsageError: anything else (``../../etc``, an empty name, a slash, 256 characters...).
    """
    if not isinstance(name, str) or VAULT_NAME_RULE.fullmatch(name) is None:
        shown = _shown(name) if isinstance(name, str) else type(name).__name__
        raise UsageError(
            f"invalid vault name {shown}: a vault name is 1 to 255 characters of a-z, A-Z, "
            "0-9, '_', '-' and '.'"
        )
    return name


def validate_endpoint_url(url: str) -> str:
    """Return ``url`` when it is ``http://HOST[:PORT][/PATH]``, ``https://...`` or
    ``local:DIR``.

    Raises:
        UsageError: another scheme (``ftp://x``), no host, or ``local:`` without a directory.
    """
    if url.startswith(LOCAL_PREFIX):
        if not url[len(LOCAL_PREFIX) :]:
            raise UsageError("endpoint URL local: needs a directory, as in local:./glacier-data")
        return url
    problem = None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as exc:
        problem = str(exc)
    else:
        if parts.scheme.lower() not in ("http", "https"):
            problem = "expected http://HOST, https://HOST or local:DIR"
        elif not parts.hostname:
            problem = "no host"
        elif parts.query or parts.fragment:
            problem = "no query or fragment allowed"
    if problem is not None:
        raise UsageError(f"invalid endpoint URL {_shown(url)}: {problem}")
    return url


def validate_bucket_name(name: str) -> str:
    """``name`` when it can be a bucket's; :class:`UsageError` naming the problem otherwise."""
    if not _BUCKET.fullmatch(name) or ".." in name:
        raise UsageError(
            f"invalid bucket name {_shown(name)}: 3 to 255 letters, digits, dots, hyphens or "
            "underscores, starting and ending with a letter or digit"
        )
    return name
