"""Adopting a bucket: a journal rebuilt from what a bucket holds (``download-inventory --bucket``).

Every page of ListObjectsV2 under the backend's prefix is read, and every object's metadata is
read with HeadObject (a listing carries no user metadata), up to ``head_concurrency`` at once.
Each object becomes one ``CREATED`` record:

- the name is the key without the prefix; keys that are no journal name (a "directory"
  marker ending in ``/``, ``a//b``, ``./x``, a key with a line feed...) are skipped with a
  warning naming them;
- the archive id is the one :meth:`S3Backend.archive_id_of` gives (``s3v:<version>`` on a
  versioned bucket, ``s3:<x-amz-meta-archive-id>``, else ``s3:<ETag>``);
- the mtime is ``x-amz-meta-mtime`` (rclone's and aioglacier's), else unknown (``NONE``);
- the tree hash is ``x-amz-meta-tree-hash`` when the object has one; for an object of at most
  1 MiB whose stored checksum is a whole-object SHA-256 it is that SHA-256 (one leaf: the tree
  hash is the SHA-256 of the bytes); otherwise it is unknown, written as
  :data:`~aioglacier.treehash.UNKNOWN_TREE_HASH` (64 zeros). ``check-local-hash`` then checks
  the size only, and ``restore-completed`` verifies the SHA-256 checksum S3 returns, or the
  size, and says which.
- the record's time is the object's Last-Modified.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path

from aioglacier.backends.s3.backend import META_TREE_HASH, S3Backend, bounded_map, parse_mtime
from aioglacier.backends.s3.checksums import ChecksumAlgorithm
from aioglacier.backends.s3.models import ObjectInfo
from aioglacier.display import printable
from aioglacier.journal import Created, InvalidNameError, validate_relfilename
from aioglacier.journal.writer import refuse_nonempty_journal, write_new_journal
from aioglacier.treehash import MIB, UNKNOWN_TREE_HASH

__all__ = ["Adopted", "adopt_bucket", "object_record"]

_HEX64 = re.compile(r"[0-9a-f]{64}")


@dataclass
class Adopted:
    """What an adoption found: the records written, and what it could not take."""

    records: list[Created] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    #: records whose tree hash is unknown (the placeholder)
    unknown_tree_hash: int = 0

    @property
    def warnings(self) -> list[str]:
        """One line per skipped key."""
        return [f"skipped {printable(key)}: not a journal file name" for key in self.skipped]


def object_record(backend: S3Backend, name: str, info: ObjectInfo) -> Created:
    """The ``CREATED`` record of the object ``info`` describes, named ``name``."""
    tree = info.metadata.get(META_TREE_HASH, "").strip().lower()
    if not _HEX64.fullmatch(tree):
        tree = UNKNOWN_TREE_HASH
        checksum = info.checksum
        if (
            info.size <= MIB
            and checksum is not None
            and checksum.algorithm is ChecksumAlgorithm.SHA256
            and checksum.parts is None
        ):
            try:
                tree = checksum.hex()
            except ValueError:
                tree = UNKNOWN_TREE_HASH
    when = int(info.last_modified.timestamp()) if info.last_modified is not None else 0
    return Created(
        time=max(0, when),
        archive_id=backend.archive_id_of(info),
        size=info.size,
        mtime=parse_mtime(info.metadata.get("mtime")),
        treehash=tree,
        relfilename=name,
    )


async def adopt_bucket(
    backend: S3Backend,
    new_journal: Path,
    *,
    executor: Executor | None = None,
    on_warning: Callable[[str], None] | None = None,
    page_size: int | None = None,
) -> Adopted:
    """Write a new journal of every object under the backend's prefix (see the module docs).

    ``new_journal`` must not exist or be empty. The journal is written in key order, to a
    temporary file renamed into place once complete. ``page_size`` is ListObjectsV2's
    ``max-keys`` (S3's default: 1,000).
    """
    await refuse_nonempty_journal(new_journal, executor)
    await backend.ensure_exists()
    adopted = Adopted()
    names: list[tuple[str, str]] = []
    async for page in backend.api.list_object_pages(
        backend.bucket, prefix=backend.prefix or None, page_size=page_size, restore_status=False
    ):
        for listed in page.objects:
            name = backend.name(listed.key)
            try:
                if name is None:
                    raise InvalidNameError(listed.key)
                validate_relfilename(name)
            except InvalidNameError:
                adopted.skipped.append(listed.key)
                continue
            names.append((listed.key, name))

    async def head(item: tuple[str, str]) -> Created | None:
        key, name = item
        info = await backend.head(key)  # None: deleted since it was listed
        return None if info is None else object_record(backend, name, info)

    records = [r async for r in bounded_map(head, names, backend.head_concurrency) if r]
    records.sort(key=lambda r: r.relfilename.encode("utf-8"))
    adopted.records = records
    adopted.unknown_tree_hash = sum(r.treehash == UNKNOWN_TREE_HASH for r in records)
    for warning in adopted.warnings:
        if on_warning is not None:
            on_warning(warning)
    await write_new_journal(new_journal, records, executor)
    return adopted
