"""What a replayed journal says: :class:`JournalState` and its compact, read-only mappings
(archives kept as plain tuples, records built on access).
"""

from __future__ import annotations

from collections.abc import ItemsView, Iterator, Mapping, Sequence, ValuesView
from dataclasses import dataclass, field
from typing import Generic, TypeAlias, TypeVar, cast

from aioglacier.journal.records import Created, RetrieveJob, _CreatedBuilder, _RetrieveJobBuilder

__all__ = ["ArchiveMap", "JournalState", "RetrieveJobMap"]


# Rows: replay keeps plain tuples (cheap to build; the garbage collector untracks tuples of
# strings and ints, so a million of them cost it nothing) and materialises records on access.
# A tree hash of 64 lowercase hex digits is kept as its 32 bytes (80 bytes of memory instead
# of 128); anything else mtglacier accepts stays a str.
_CreatedRow: TypeAlias = tuple[int, str, int, "int | None", "str | bytes", str]
_JobRow: TypeAlias = tuple[int, str, "str | None"]
_R = TypeVar("_R")
_V = TypeVar("_V")


def _created(row: _CreatedRow) -> Created:
    t, aid, size, mtime, th, name = row
    rec = _CreatedBuilder(t, aid, size, mtime, th if isinstance(th, str) else th.hex(), name)
    rec.__class__ = Created  # type: ignore[assignment]
    return cast(Created, rec)


def _compact_treehash(th: str) -> str | bytes:
    if len(th) == 64 and th.islower():
        try:
            return bytes.fromhex(th)
        except ValueError:
            pass
    return th


def _job(row: _JobRow) -> RetrieveJob:
    rec = _RetrieveJobBuilder(*row)
    rec.__class__ = RetrieveJob  # type: ignore[assignment]
    return cast(RetrieveJob, rec)


class _RowMap(Mapping[str, _V], Generic[_R, _V]):
    """A read-only mapping over compact rows keyed by archive id; ``in``, ``len`` and
    iteration over keys build no value."""

    __slots__ = ("_rows",)

    def __init__(self, rows: dict[str, _R] | None = None) -> None:
        self._rows: dict[str, _R] = {} if rows is None else rows

    def __contains__(self, key: object) -> bool:
        return key in self._rows

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {len(self._rows)} archives>"


class ArchiveMap(_RowMap[_CreatedRow, Created]):
    """A read-only mapping to :class:`Created` records, stored compactly.

    Each lookup builds a fresh (equal, immutable) ``Created``: compare records with ``==``,
    not ``is``. ``in``, ``len`` and iteration over keys cost no record.
    """

    __slots__ = ()

    def __getitem__(self, key: str) -> Created:
        return _created(self._rows[key])

    def get(self, key: str, default: Created | None = None) -> Created | None:  # type: ignore[override]
        """The record for ``key``, or ``default``."""
        row = self._rows.get(key)
        return default if row is None else _created(row)

    def values(self) -> ValuesView[Created]:
        """The records, in order."""
        return _Values(self)

    def items(self) -> ItemsView[str, Created]:
        """``(key, record)`` pairs, in order."""
        return _Items(self)


class _Values(ValuesView[Created]):
    _mapping: ArchiveMap

    def __iter__(self) -> Iterator[Created]:
        return map(_created, self._mapping._rows.values())


class _Items(ItemsView[str, Created]):
    _mapping: ArchiveMap

    def __iter__(self) -> Iterator[tuple[str, Created]]:
        for key, row in self._mapping._rows.items():
            yield key, _created(row)


class RetrieveJobMap(_RowMap[_JobRow | list[_JobRow], tuple[RetrieveJob, ...]]):
    """A read-only mapping from archive id to its retrieval jobs, in journal order."""

    __slots__ = ()

    def __getitem__(self, key: str) -> tuple[RetrieveJob, ...]:
        return tuple(map(_job, _job_rows(self._rows[key])))


@dataclass
class JournalState:
    """What a journal says once replayed.

    Attributes:
        files: the current archive of each file name (see the module docstring for the rule).
        archives: every live archive (created and not deleted) by archive id, in journal order;
            older versions of a file are here too (what ``purge`` needs).
        retrieve_jobs: every retrieval job by archive id, in journal order (also for archives
            deleted since).
        torn_tail: a description of an incomplete last line (no LF; a crash mid-write), which
            was ignored, or ``None``.
        used_versions: the format versions met (``"0"``, ``"A"``, ``"B"``, ``"C"``).
        line_count: complete lines read.
        skipped: with ``skip_bad_names``, one message per line whose file name was refused
            (and whose archive is left out of the state).

    Replay fills them with read-only, compact mappings (:class:`ArchiveMap`,
    :class:`RetrieveJobMap`) whose lookups build fresh, equal records; any mapping of records
    works too (``JournalState(files={"a": created})`` in a test).
    """

    files: Mapping[str, Created] = field(default_factory=ArchiveMap)
    archives: Mapping[str, Created] = field(default_factory=ArchiveMap)
    retrieve_jobs: Mapping[str, Sequence[RetrieveJob]] = field(default_factory=RetrieveJobMap)
    torn_tail: str | None = None
    used_versions: frozenset[str] = frozenset()
    line_count: int = 0
    skipped: tuple[str, ...] = ()

    def latest(self, relfilename: str) -> Created | None:
        """The current archive of ``relfilename``, or ``None`` when it has no live archive."""
        return self.files.get(relfilename)

    def versions(self, relfilename: str) -> list[Created]:
        """Every live archive of ``relfilename``, oldest first (the last is :meth:`latest`).

        This scans all archives: O(number of archives).
        """
        if isinstance(self.archives, ArchiveMap):
            rows = [r for r in self.archives._rows.values() if r[5] == relfilename]
            found = [_created(r) for r in rows]
        else:
            found = [a for a in self.archives.values() if a.relfilename == relfilename]
        found.sort(key=_version_key)  # stable: ties keep journal order, the later line last
        return found

    def latest_retrieve_job(self, archive_id: str) -> RetrieveJob | None:
        """The most recent retrieval job of ``archive_id`` (greatest time, then later line)."""
        jobs = self.retrieve_jobs.get(archive_id)
        if not jobs:
            return None
        best = jobs[0]
        for job in jobs:
            if job.time >= best.time:
                best = job
        return best


def _job_rows(found: _JobRow | list[_JobRow]) -> list[_JobRow]:
    return found if isinstance(found, list) else [found]


def _version_key(a: Created) -> tuple[int, int]:
    return (a.time if a.mtime is None else a.mtime, a.time)
