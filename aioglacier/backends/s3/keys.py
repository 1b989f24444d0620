"""Object keys: the journal's relative file name under the target's prefix.

A key is the prefix followed by the name, so a bucket is browsable as the directory was. A
prefix is used as given, with a ``/`` added when it has none at its end (``--prefix photos``
puts ``a.jpg`` at ``photos/a.jpg``, never ``photosa.jpg``); a prefix starting with ``/`` is
refused (S3 keys have none, and dropping it would put objects where the user did not say).
S3 takes keys of at most 1,024 bytes of UTF-8; a longer one is refused with the name and its
length, never cut. :class:`~aioglacier.backends.s3.backend.S3Backend` and ``migration-names``
both name objects with these two functions.
"""

from __future__ import annotations

from aioglacier.errors import AioGlacierError, UsageError

__all__ = ["MAX_KEY_BYTES", "ObjectKeyError", "normalize_prefix", "object_key"]

#: S3's limit on a key's length, in bytes of UTF-8.
MAX_KEY_BYTES = 1024


class ObjectKeyError(AioGlacierError, ValueError):
    """A name that cannot be an S3 key (too long)."""


def normalize_prefix(prefix: str | None) -> str:
    """The prefix keys start with: ``""``, or the given one with a trailing ``/``;
    :class:`UsageError` for one that starts with ``/``."""
    if not prefix:
        return ""
    if prefix.startswith("/"):
        raise UsageError(f"a key prefix does not start with '/': {prefix!r}")
    return prefix if prefix.endswith("/") else prefix + "/"


def object_key(prefix: str, name: str) -> str:
    """The key of the journal name ``name`` under ``prefix`` (already normalized)."""
    key = prefix + name
    length = len(key.encode("utf-8", "surrogatepass"))
    if length > MAX_KEY_BYTES:
        raise ObjectKeyError(
            f"{name}: the object key would be {length} bytes long; S3 takes at most {MAX_KEY_BYTES}"
        )
    return key
