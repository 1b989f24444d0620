"""Moving a vault into S3: names for AWS's migration solution (``migration-names``).

AWS's "Data Transfer from Amazon S3 Glacier Vaults to Amazon S3" names each object from the
archive's description unless it is given a CSV of ``GlacierArchiveID,FileName`` rows; an
mtglacier vault's descriptions (``mt2 <base64 JSON>``) would become the keys as they are.
:func:`migration_names` writes that CSV from a journal, with every name made the S3 key that
``aioglacier migrate`` would give it (:func:`aioglacier.backends.s3.keys.object_key`), so a vault
moved either way lands under the same keys.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TextIO

from aioglacier.backends.s3.keys import ObjectKeyError, normalize_prefix, object_key
from aioglacier.filters import Filter
from aioglacier.journal import Created, JournalState

__all__ = ["NameRow", "migration_names", "write_migration_names"]

#: The CSV's header, as AWS's solution expects it.
HEADER = ("GlacierArchiveID", "FileName")


@dataclass(frozen=True)
class NameRow:
    """One archive and the key it gets, or why it gets none (``problem``)."""

    archive_id: str
    relfilename: str
    key: str | None
    problem: str | None = None


def migration_names(
    state: JournalState, *, prefix: str | None = None, filter: Filter | None = None
) -> Iterator[NameRow]:
    """Every live archive of the journal with its S3 key, name by name in journal order.

    A name with several live archives (uploaded more than once without deleting the first)
    lists them oldest first, its current archive last, so that a copy in that order leaves the
    current one under the key (and the older ones as noncurrent versions on a versioned bucket).
    """
    base = normalize_prefix(prefix)
    by_name: dict[str, list[Created]] = {}
    for archive in state.archives.values():
        if filter is None or filter.matches(archive.relfilename):
            by_name.setdefault(archive.relfilename, []).append(archive)
    for name, found in by_name.items():
        current = state.files.get(name)
        archives = found
        if current is not None and len(found) > 1:
            archives = [a for a in found if a.archive_id != current.archive_id] + [current]
        try:
            key: str | None = object_key(base, name)
            problem = None
        except ObjectKeyError as exc:
            key, problem = None, str(exc)
        for archive in archives:
            yield NameRow(archive.archive_id, name, key, problem)


def write_migration_names(rows: Iterator[NameRow], out: TextIO) -> list[NameRow]:
    """Write the CSV (header, then one row per archive that has a key; RFC 4180 quoting, so
    commas, quotes and line breaks in names survive); returns the rows left out."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    left_out: list[NameRow] = []
    for row in rows:
        if row.key is None:
            left_out.append(row)
        else:
            writer.writerow((row.archive_id, row.key))
    return left_out
