"""A bucket target: where a command's objects go on S3, in place of a vault.

``Client`` methods that take a vault name take a :class:`BucketTarget` too; the CLI builds one
from ``--bucket B [--prefix P] [--storage-class C] [--restore-days N]``.
"""

from __future__ import annotations

from dataclasses import dataclass

from aioglacier.errors import UsageError
from aioglacier.validate import DEFAULT_STORAGE_CLASS, STORAGE_CLASSES, validate_bucket_name

__all__ = [
    "DEFAULT_RESTORE_DAYS",
    "DEFAULT_STORAGE_CLASS",
    "STORAGE_CLASSES",
    "BucketTarget",
    "validate_bucket_name",
]

#: Days a restored copy stays readable unless told otherwise.
DEFAULT_RESTORE_DAYS = 7


@dataclass(frozen=True)
class BucketTarget:
    """Objects in ``bucket`` under ``prefix`` (a ``/`` is added when missing), written in
    ``storage_class``, restored for ``restore_days`` days.

    The object key of a journal file is prefix + its relative name (see
    :mod:`aioglacier.backends.s3.backend` for the metadata and archive ids).
    """

    bucket: str
    prefix: str = ""
    storage_class: str = DEFAULT_STORAGE_CLASS
    restore_days: int = DEFAULT_RESTORE_DAYS

    def __post_init__(self) -> None:
        validate_bucket_name(self.bucket)
        if self.storage_class not in STORAGE_CLASSES:
            raise UsageError(
                f"not a storage class: {self.storage_class!r} (one of {', '.join(STORAGE_CLASSES)})"
            )
        if self.restore_days < 1:
            raise UsageError(f"a restore lasts at least one day, not {self.restore_days}")
        if self.prefix.startswith("/"):
            raise UsageError(f"a key prefix does not start with '/': {self.prefix!r}")

    def __str__(self) -> str:
        prefix = self.prefix.rstrip("/")
        return f"bucket {self.bucket}/{prefix}" if prefix else f"bucket {self.bucket}"
