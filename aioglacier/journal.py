"""The mt-aws-glacier compatible journal: parse, replay to state, and one asyncio writer task.

Format (what mtglacier >= 0.8 writes, version ``B``; TAB-separated, LF-terminated, UTF-8)::

    B<TAB>time<TAB>CREATED<TAB>archive_id<TAB>size<TAB>mtime|NONE<TAB>treehash<TAB>relfilename
    B<TAB>time<TAB>DELETED<TAB>archive_id<TAB>relfilename
    B<TAB>time<TAB>RETRIEVE_JOB<TAB>archive_id<TAB>job_id

Reading follows mtglacier's ``App::MtAws::Journal::process_line`` exactly:

* versions ``A``, ``B`` and ``C`` share the layout above; ``A`` requires a numeric mtime and, as
  in mtglacier, a version ``A`` CREATED record whose archive id equals its file name (made by
  ``download-inventory`` for archives without metadata) has no mtime;
* the legacy version ``0`` is space-separated: ``time CREATED id size treehash name`` (single
  spaces; the name is the rest of the line and may hold spaces), ``time DELETED id name`` and
  ``time RETRIEVE_JOB id`` (any whitespace runs), with no mtime and no job id;
* times and sizes are 1 to 20 ASCII digits; an mtime is ``[+-]?`` and 1 to 20 digits (it may be
  negative), or ``NONE`` in ``B``/``C``; archive ids and tree hashes are runs of non-whitespace;
* CRLF line endings are accepted; a line starting ``D`` to ``Z`` and a TAB comes from a future
  version (:class:`FutureJournalVersionError`); any other line that does not match is an error
  naming its line number; so are a bad file name, invalid UTF-8, a duplicate archive id and a
  DELETED of an archive that is not live.

Departures from mtglacier, each stricter or safer, none affecting journals mtglacier writes:

* A last line without its LF that parses completely is a record, as mtglacier reads it
  (``while (<F>) { chomp; ... }``); :class:`JournalWriter` writes the missing LF before its
  first new line. A last line that does not parse (a crash in the middle of a write, a cut
  inside a UTF-8 sequence) is torn: replay reports it in :attr:`JournalState.torn_tail` and
  ignores it, using every record before it. Elsewhere such a line would be an error naming
  its line number; at the end it is what an interrupted write leaves. :class:`JournalWriter`
  moves it, byte for byte, to a side file ``JOURNAL.torn-<UTC time>`` beside the journal
  (reported in :attr:`JournalWriter.torn_tail`) and cuts it off, so the journal stays one
  mtglacier can read and nothing is destroyed. A fresh line after the fragment would instead
  leave a broken line that both programs refuse.
* File names are checked on DELETED lines too, and NUL and a trailing ``/`` are refused.
* When two live archives of one name tie under mtglacier's ordering (mtime, else time, then
  time), mtglacier's pick depends on Perl hash order; here the later line wins.

The current archive of a name is the live archive with the greatest ``mtime`` (``time`` when the
mtime is ``None``), ties broken by the greatest ``time`` (mtglacier's ``FileVersions::_cmp``).

Replay (:func:`read_journal`) is built for journals of millions of records: lines are decoded
and split in 1 MiB chunks; a fast path accepts well-formed ``B``/``C`` lines with a few string
checks and hands anything else to the exact regex parser, which decides (so the fast path only
ever accepts what the exact parser accepts). The state keeps each archive as a plain tuple (the
garbage collector untracks tuples of strings and ints; a tree hash is kept as its 32 bytes) and
:class:`ArchiveMap` builds :class:`Created` records on access.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import os
import re
import threading
import time as _time
from collections.abc import (
    Callable,
    ItemsView,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
    ValuesView,
)
from concurrent.futures import Executor
from dataclasses import dataclass, field
from types import TracebackType
from typing import Final, Literal, Self, TypeAlias, cast

from aioglacier.errors import AioGlacierError
from aioglacier.localfs import fsync_parent, pread_all, write_all
from aioglacier.safepath import journal_name_problem

__all__ = [
    "ArchiveMap",
    "Created",
    "Deleted",
    "FutureJournalVersionError",
    "InvalidNameError",
    "InvalidRecordError",
    "JournalError",
    "JournalLockedError",
    "JournalState",
    "JournalWriteError",
    "JournalWriter",
    "Record",
    "RetrieveJob",
    "RetrieveJobMap",
    "format_record",
    "load_journal",
    "parse_line",
    "read_journal",
    "validate_relfilename",
]

# --------------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Created:
    """An archive was uploaded: ``CREATED``.

    ``time`` is when the record was written (epoch seconds), ``mtime`` the file's modification
    time (epoch seconds, may be negative) or ``None`` when unknown, ``treehash`` the archive's
    SHA-256 tree hash (64 lowercase hex digits when written by us).
    """

    time: int
    archive_id: str
    size: int
    mtime: int | None
    treehash: str
    relfilename: str


@dataclass(frozen=True, slots=True)
class Deleted:
    """An archive was deleted from the vault: ``DELETED``."""

    time: int
    archive_id: str
    relfilename: str


@dataclass(frozen=True, slots=True)
class RetrieveJob:
    """A retrieval job was started for an archive: ``RETRIEVE_JOB`` (no job id in version 0)."""

    time: int
    archive_id: str
    job_id: str | None


Record: TypeAlias = Created | Deleted | RetrieveJob


class _CreatedBuilder:
    """Mutable twin of :class:`Created` (the same slots) used only to build fast.

    The generated ``__init__`` of a frozen dataclass sets each field through
    ``object.__setattr__`` and costs about three times as much as plain slot stores. Replay
    builds hundreds of thousands of records, so it builds this twin and then switches the
    instance's class to :class:`Created`; CPython allows that because the layouts are
    identical. The result is an ordinary, immutable ``Created``.
    """

    __slots__ = ("archive_id", "mtime", "relfilename", "size", "time", "treehash")

    def __init__(
        self,
        time: int,
        archive_id: str,
        size: int,
        mtime: int | None,
        treehash: str,
        relfilename: str,
    ) -> None:
        self.time = time
        self.archive_id = archive_id
        self.size = size
        self.mtime = mtime
        self.treehash = treehash
        self.relfilename = relfilename


class _RetrieveJobBuilder:
    """Mutable twin of :class:`RetrieveJob`; see :class:`_CreatedBuilder`."""

    __slots__ = ("archive_id", "job_id", "time")

    def __init__(self, time: int, archive_id: str, job_id: str | None) -> None:
        self.time = time
        self.archive_id = archive_id
        self.job_id = job_id


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------


class JournalError(AioGlacierError):
    """A journal cannot be read or written. ``str()`` is ``"journal.log:12: reason"``."""

    def __init__(
        self,
        reason: str,
        *,
        path: str | os.PathLike[str] | None = None,
        line_number: int | None = None,
    ) -> None:
        self.reason = reason
        self.path = None if path is None else os.fspath(path)
        self.line_number = line_number
        super().__init__(self._format())

    def _format(self) -> str:
        if self.path is not None and self.line_number is not None:
            return f"{self.path}:{self.line_number}: {self.reason}"
        if self.path is not None:
            return f"{self.path}: {self.reason}"
        if self.line_number is not None:
            return f"line {self.line_number}: {self.reason}"
        return self.reason

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild_error, (type(self), self.reason, self.path, self.line_number))


def _rebuild_error(
    cls: type[JournalError], reason: str, path: str | None, line_number: int | None
) -> JournalError:
    return cls(reason, path=path, line_number=line_number)


class JournalWriteError(JournalError):
    """The journal cannot be written (a full disk, an I/O error): its writer refuses every
    further record, and a command stops at once rather than do work no journal would know.

    ``unjournaled`` names what such a stopped command did that the journal misses (archives
    uploaded, archives deleted, jobs started), one phrase each; the message lists them too.
    """

    def __init__(
        self,
        reason: str,
        *,
        path: str | os.PathLike[str] | None = None,
        line_number: int | None = None,
        unjournaled: Sequence[str] = (),
    ) -> None:
        self.unjournaled = tuple(unjournaled)
        super().__init__(reason, path=path, line_number=line_number)

    def stopped(self, what: str, unjournaled: Sequence[str]) -> JournalWriteError:
        """This error, once a command stopped because of it: ``what`` says how it stopped;
        ``unjournaled`` what it did that the journal misses (nothing is left unsaid)."""
        if unjournaled:
            missing = f"NOT in the journal: {'; '.join(unjournaled)}"
        else:
            missing = "nothing done is missing from the journal"
        return JournalWriteError(
            f"{self.reason}; {what}; {missing}",
            path=self.path,
            line_number=self.line_number,
            unjournaled=unjournaled,
        )

    def __reduce__(self) -> tuple[object, ...]:
        return (
            _rebuild_write_error,
            (self.reason, self.path, self.line_number, self.unjournaled),
        )


def _rebuild_write_error(
    reason: str, path: str | None, line_number: int | None, unjournaled: tuple[str, ...]
) -> JournalWriteError:
    return JournalWriteError(reason, path=path, line_number=line_number, unjournaled=unjournaled)


class JournalLockedError(JournalError):
    """Another process, or another :class:`JournalWriter` in this one, holds the journal lock."""


class FutureJournalVersionError(JournalError):
    """A line was written by a newer journal format version (``D`` to ``Z``)."""


class InvalidRecordError(AioGlacierError, ValueError):
    """A record cannot be written: a field is out of the journal format's range."""


class InvalidNameError(InvalidRecordError):
    """A file name is not a clean relative ``/``-separated path the journal can hold."""


# --------------------------------------------------------------------------------------------
# Field validation
# --------------------------------------------------------------------------------------------

# Perl's \s on character strings (the Unicode White_Space property): what mtglacier's \S+ and
# \s+ exclude and match.
_PERL_WS: Final = "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_TOKEN_RE: Final = re.compile(f"[^{_PERL_WS}]+")
_MAX_DIGITS: Final = 20


def _name_problem(name: str) -> str | None:
    """Why ``name`` is not a valid journal file name, or ``None`` when it is (the rules are
    :func:`aioglacier.safepath.journal_name_problem`, part of the one name policy)."""
    problem = journal_name_problem(name)
    if problem is None:
        return None
    return "empty file name" if not name else f"file name {name!r} {problem}"


def _has_dot_component(name: str) -> bool:
    return any(part in (".", "..") for part in name.split("/"))


def validate_relfilename(name: str) -> None:
    """Check that ``name`` can be written to the journal.

    A valid name is relative and ``/``-separated: not empty, no leading ``/``, no empty, ``.``
    or ``..`` component, no TAB, CR, LF or NUL, and encodable as UTF-8. (Whether a file may be
    backed up at all is :func:`aioglacier.safepath.check_name`'s decision, which includes this.)

    Raises:
        InvalidNameError: naming the problem.
    """
    if not isinstance(name, str):
        raise InvalidNameError(f"file name must be a str, not {type(name).__name__}")
    problem = _name_problem(name)
    if problem is not None:
        raise InvalidNameError(problem)


def _check_uint(what: str, value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidRecordError(f"{what} must be an int, not {type(value).__name__}")
    if value < 0 or len(str(value)) > _MAX_DIGITS:
        raise InvalidRecordError(f"{what} {value} is out of range (0 to 20 digits)")
    return value


def _check_token(what: str, value: object) -> str:
    if not isinstance(value, str):
        raise InvalidRecordError(f"{what} must be a str, not {type(value).__name__}")
    if value.isascii() and value.isprintable() and value and " " not in value:
        return value  # the common case, without the regex
    if _TOKEN_RE.fullmatch(value) is None:
        raise InvalidRecordError(f"{what} {value!r} must be non-empty and hold no whitespace")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidRecordError(f"{what} {value!r} is not valid Unicode") from None
    return value


def format_record(record: Record) -> str:
    """The version ``B`` journal line of ``record``, with its trailing ``"\\n"``.

    Raises:
        InvalidNameError: the file name is not valid (see :func:`validate_relfilename`).
        InvalidRecordError: another field is out of range: a negative time or size, a tree
            hash that is not 64 lowercase hex digits, an id with whitespace.
    """
    if isinstance(record, Created):
        t = _check_uint("time", record.time)
        aid = _check_token("archive id", record.archive_id)
        size = _check_uint("size", record.size)
        mtime = record.mtime
        if mtime is None:
            mtime_text = "NONE"
        elif not isinstance(mtime, int) or isinstance(mtime, bool):
            raise InvalidRecordError(f"mtime must be an int or None, not {type(mtime).__name__}")
        elif len(str(abs(mtime))) > _MAX_DIGITS:
            raise InvalidRecordError(f"mtime {mtime} is out of range (20 digits at most)")
        else:
            mtime_text = str(mtime)
        th = record.treehash
        if not isinstance(th, str) or len(th) != 64 or th.strip("0123456789abcdef"):
            raise InvalidRecordError(f"tree hash {th!r} must be 64 lowercase hex digits")
        validate_relfilename(record.relfilename)
        return f"B\t{t}\tCREATED\t{aid}\t{size}\t{mtime_text}\t{th}\t{record.relfilename}\n"
    if isinstance(record, Deleted):
        t = _check_uint("time", record.time)
        aid = _check_token("archive id", record.archive_id)
        validate_relfilename(record.relfilename)
        return f"B\t{t}\tDELETED\t{aid}\t{record.relfilename}\n"
    if isinstance(record, RetrieveJob):
        t = _check_uint("time", record.time)
        aid = _check_token("archive id", record.archive_id)
        job = _check_token("job id", record.job_id)
        return f"B\t{t}\tRETRIEVE_JOB\t{aid}\t{job}\n"
    raise InvalidRecordError(f"not a journal record: {type(record).__name__}")


# --------------------------------------------------------------------------------------------
# Exact line parser (mtglacier's regexes); the replay fast path falls back to it
# --------------------------------------------------------------------------------------------

_S: Final = f"[^{_PERL_WS}]+"
_SP: Final = f"[{_PERL_WS}]+"
_UINT: Final = "([0-9]{1,20})"
_RE_CREATED_ABC: Final = re.compile(
    rf"([ABC])\t{_UINT}\tCREATED\t({_S})\t{_UINT}\t([+-]?[0-9]{{1,20}}|NONE)\t({_S})\t(.*)"
)
_RE_DELETED_ABC: Final = re.compile(rf"([ABC])\t{_UINT}\tDELETED\t({_S})\t(.*)")
_RE_RETRIEVE_ABC: Final = re.compile(rf"([ABC])\t{_UINT}\tRETRIEVE_JOB\t({_S})\t(.*)")
_RE_CREATED_0: Final = re.compile(rf"{_UINT} CREATED ({_S}) {_UINT} ({_S}) (.*)")
_RE_DELETED_0: Final = re.compile(rf"{_UINT}{_SP}DELETED{_SP}({_S}){_SP}(.*)")
_RE_RETRIEVE_0: Final = re.compile(rf"{_UINT}{_SP}RETRIEVE_JOB{_SP}({_S})")
_RE_BROKEN: Final = re.compile(r"[0-9]{1,20} |[A-C]\t")
_RE_FUTURE: Final = re.compile(r"[D-Z]\t")
_SHOWN_CHARS: Final = 300


def _shown(text: str) -> str:
    if len(text) > _SHOWN_CHARS:
        return repr(text[:_SHOWN_CHARS]) + f"... ({len(text)} characters)"
    return repr(text)


def _parse_exact(line: str, line_number: int | None, path: str | None) -> tuple[Record, str]:
    """Parse one line (no LF, no trailing CR) exactly as mtglacier does: (record, version)."""

    def fail(reason: str) -> JournalError:
        return JournalError(reason, path=path, line_number=line_number)

    def checked_name(name: str) -> str:
        problem = _name_problem(name)
        if problem is not None:
            raise fail(f"invalid file name: {problem}")
        return name

    m = _RE_CREATED_ABC.fullmatch(line)
    if m is not None:
        ver, t, aid, size, mtime_text, th, name = m.groups()
        checked_name(name)
        mtime: int | None
        if ver == "A":
            if mtime_text == "NONE":
                raise fail("line is broken: mtime NONE is not allowed in a version A record")
            # mtglacier: 'A' records made by download-inventory for archives without metadata
            # carry a made-up mtime and have the archive id as file name.
            mtime = None if aid == name else int(mtime_text)
        else:
            mtime = None if mtime_text == "NONE" else int(mtime_text)
        return Created(int(t), aid, int(size), mtime, th, name), ver
    m = _RE_DELETED_ABC.fullmatch(line)
    if m is not None:
        ver, t, aid, name = m.groups()
        return Deleted(int(t), aid, checked_name(name)), ver
    m = _RE_RETRIEVE_ABC.fullmatch(line)
    if m is not None:
        ver, t, aid, job = m.groups()
        return RetrieveJob(int(t), aid, job), ver
    m = _RE_CREATED_0.fullmatch(line)
    if m is not None:
        t, aid, size, th, name = m.groups()
        return Created(int(t), aid, int(size), None, th, checked_name(name)), "0"
    m = _RE_DELETED_0.fullmatch(line)
    if m is not None:
        t, aid, name = m.groups()
        return Deleted(int(t), aid, checked_name(name)), "0"
    m = _RE_RETRIEVE_0.fullmatch(line)
    if m is not None:
        t, aid = m.groups()
        return RetrieveJob(int(t), aid, None), "0"
    if _RE_BROKEN.match(line):
        raise fail(f"line is broken: {_shown(line)}")
    if _RE_FUTURE.match(line):
        raise FutureJournalVersionError(
            f"line is from a future version of the journal format (version {line[0]!r}); "
            "upgrade to read this journal",
            path=path,
            line_number=line_number,
        )
    raise fail(f"line is in an unknown format: {_shown(line)}")


def parse_line(line: str, line_number: int, *, path: str | None = None) -> Record:
    """Parse one journal line of any version (``A``, ``B``, ``C`` or ``0``).

    ``line`` may end with ``"\\n"`` or ``"\\r\\n"``; one such ending is removed first.

    Raises:
        FutureJournalVersionError: the line is from a newer format version.
        JournalError: the line is broken or has a bad file name; the message names
            ``path`` (when given) and ``line_number``.
    """
    if line.endswith("\n"):
        line = line[:-1]
    if line.endswith("\r"):
        line = line[:-1]
    return _parse_exact(line, line_number, path)[0]


# --------------------------------------------------------------------------------------------
# Replay
# --------------------------------------------------------------------------------------------


# Rows: replay keeps plain tuples (cheap to build; the garbage collector untracks tuples of
# strings and ints, so a million of them cost it nothing) and materialises records on access.
# A tree hash of 64 lowercase hex digits is kept as its 32 bytes (80 bytes of memory instead
# of 128); anything else mtglacier accepts stays a str.
_CreatedRow: TypeAlias = tuple[int, str, int, "int | None", "str | bytes", str]
_JobRow: TypeAlias = tuple[int, str, "str | None"]


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


class ArchiveMap(Mapping[str, Created]):
    """A read-only mapping to :class:`Created` records, stored compactly.

    Each lookup builds a fresh (equal, immutable) ``Created``: compare records with ``==``,
    not ``is``. ``in``, ``len`` and iteration over keys cost no record.
    """

    __slots__ = ("_rows",)

    def __init__(self, rows: dict[str, _CreatedRow] | None = None) -> None:
        self._rows: dict[str, _CreatedRow] = {} if rows is None else rows

    def __getitem__(self, key: str) -> Created:
        return _created(self._rows[key])

    def get(self, key: str, default: Created | None = None) -> Created | None:  # type: ignore[override]
        """The record for ``key``, or ``default``."""
        row = self._rows.get(key)
        return default if row is None else _created(row)

    def __contains__(self, key: object) -> bool:
        return key in self._rows

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def values(self) -> ValuesView[Created]:
        """The records, in order."""
        return _Values(self)

    def items(self) -> ItemsView[str, Created]:
        """``(key, record)`` pairs, in order."""
        return _Items(self)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {len(self._rows)} archives>"


class _Values(ValuesView[Created]):
    _mapping: ArchiveMap

    def __iter__(self) -> Iterator[Created]:
        return map(_created, self._mapping._rows.values())


class _Items(ItemsView[str, Created]):
    _mapping: ArchiveMap

    def __iter__(self) -> Iterator[tuple[str, Created]]:
        for key, row in self._mapping._rows.items():
            yield key, _created(row)


class RetrieveJobMap(Mapping[str, tuple[RetrieveJob, ...]]):
    """A read-only mapping from archive id to its retrieval jobs, in journal order."""

    __slots__ = ("_rows",)

    def __init__(self, rows: dict[str, _JobRow | list[_JobRow]] | None = None) -> None:
        self._rows: dict[str, _JobRow | list[_JobRow]] = {} if rows is None else rows

    def __getitem__(self, key: str) -> tuple[RetrieveJob, ...]:
        return tuple(map(_job, _job_rows(self._rows[key])))

    def __contains__(self, key: object) -> bool:
        return key in self._rows

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {len(self._rows)} archives>"


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


_CHUNK: Final = 1 << 20
_CAREFUL_BYTES: Final = (b"\r", b"\x00", b"\x0b", b"\x0c")


class _Replay:
    """Applies lines to a state. A fast path handles the common well-formed ``B``/``C`` lines;
    anything it does not accept goes through :func:`_parse_exact`, which decides exactly."""

    def __init__(self, path: str | None, skip_bad_names: bool = False) -> None:
        self.path = path
        self.skip_bad_names = skip_bad_names
        self.skipped: list[str] = []
        self.skipped_ids: set[str] = set()
        self.rows: dict[str, _CreatedRow] = {}
        # One job is stored as its row, more as a list of rows (most archives have at most one).
        self.jobs: dict[str, _JobRow | list[_JobRow]] = {}
        self.versions: set[str] = set()
        self.line_count = 0

    def error(self, reason: str, line_number: int) -> JournalError:
        return JournalError(reason, path=self.path, line_number=line_number)

    def slow(self, line: str, line_number: int) -> None:
        """Parse ``line`` exactly and apply it."""
        try:
            record, version = _parse_exact(line, line_number, self.path)
        except JournalError as exc:
            if not (self.skip_bad_names and exc.reason.startswith("invalid file name")):
                raise
            # Outside data (a journal from elsewhere): refuse the entry, keep the others.
            fields = line.split("\t")
            aid_field = fields[3] if len(fields) > 3 else ([*line.split(), "", "", ""])[2]
            self.skipped_ids.add(aid_field)
            self.skipped.append(f"{exc}: entry skipped")
            return
        self.versions.add(version)
        aid = record.archive_id
        if aid in self.skipped_ids:
            return
        if isinstance(record, Created):
            row = (
                record.time,
                aid,
                record.size,
                record.mtime,
                _compact_treehash(record.treehash),
                record.relfilename,
            )
            if self.rows.setdefault(aid, row) is not row:
                raise self.error(_duplicate(aid), line_number)
        elif isinstance(record, Deleted):
            if self.rows.pop(aid, None) is None and aid not in self.skipped_ids:
                raise self.error(_unknown(aid), line_number)
        else:
            live = self.rows.get(aid)
            if live is not None:
                aid = live[1]  # share the string
            job: _JobRow = (record.time, aid, record.job_id)
            jobs = self.jobs.get(aid)
            if jobs is None:
                self.jobs[aid] = job
            elif isinstance(jobs, list):
                jobs.append(job)
            else:
                self.jobs[aid] = [jobs, job]

    def feed(self, lines: list[str], all_ascii: bool, careful: bool) -> None:
        """Apply ``lines`` (without their LF).

        ``all_ascii``: every line is ASCII. ``careful``: the lines may hold CR, NUL, VT or FF,
        which the fast path does not check.
        """
        # Locals for speed: this loop runs once per journal line. Every check here only
        # accepts what _parse_exact accepts; anything else goes to the exact slow path.
        lineno = self.line_count
        rows = self.rows
        add_row = rows.setdefault
        pop_row = rows.pop
        get_row = rows.get
        jobs = self.jobs
        get_jobs = jobs.get
        versions = self.versions
        slow = self.slow
        dot_component = _has_dot_component
        from_hex = bytes.fromhex
        last_ts = ""
        last_t = 0
        last_version = ""
        for raw in lines:
            lineno += 1
            line = raw
            if careful:
                if line[-1:] == "\r":
                    line = line[:-1]
                if "\r" in line or "\x00" in line or "\x0b" in line or "\x0c" in line:
                    slow(line, lineno)
                    continue
            f = line.split("\t")
            n = len(f)
            if n == 8:
                version, ts, kind, aid, ss, ms, th, name = f
                if (
                    kind != "CREATED"
                    or (version != "B" and version != "C")  # noqa: PLR1714 - faster
                    or not (all_ascii or line.isascii() or line[: -len(name)].isascii())
                    or not aid
                    or " " in aid
                    or not ss.isdigit()
                    or len(ss) > 20
                    or not name
                    or name[0] == "/"
                    or name[-1] == "/"
                    or "//" in name
                    or ((name[0] == "." or "/." in name) and dot_component(name))
                ):
                    slow(line, lineno)
                    continue
                if ts != last_ts:
                    if not ts.isdigit() or len(ts) > 20:
                        slow(line, lineno)
                        continue
                    last_t = int(ts)
                    last_ts = ts
                if ms == "NONE":
                    mtime = None
                elif ms.isdigit() and len(ms) <= 20:
                    mtime = int(ms)
                else:
                    slow(line, lineno)
                    continue
                packed: str | bytes = th
                if len(th) == 64 and th.islower():
                    try:  # noqa: SIM105 - a try costs less than contextlib.suppress here
                        packed = from_hex(th)
                    except ValueError:
                        pass
                # 32 bytes from 64 characters: hex digits only, no whitespace.
                if packed is th or len(packed) != 32:
                    if not th or " " in th:
                        slow(line, lineno)
                        continue
                    packed = th
                row = (last_t, aid, int(ss), mtime, packed, name)
                if add_row(aid, row) is not row:
                    raise self.error(_duplicate(aid), lineno)
            elif n == 5:
                version, ts, kind, aid, name = f
                if (
                    (version != "B" and version != "C")  # noqa: PLR1714 - faster
                    or not (all_ascii or line.isascii() or line[: -len(name) or None].isascii())
                    or not aid
                    or " " in aid
                ):
                    slow(line, lineno)
                    continue
                if ts != last_ts:
                    if not ts.isdigit() or len(ts) > 20:
                        slow(line, lineno)
                        continue
                    last_t = int(ts)
                    last_ts = ts
                if kind == "DELETED":
                    if (
                        not name
                        or name[0] == "/"
                        or name[-1] == "/"
                        or "//" in name
                        or ((name[0] == "." or "/." in name) and dot_component(name))
                    ):
                        slow(line, lineno)
                        continue
                    if pop_row(aid, None) is None and aid not in self.skipped_ids:
                        raise self.error(_unknown(aid), lineno)
                elif kind == "RETRIEVE_JOB":
                    live = get_row(aid)
                    if live is not None:
                        aid = live[1]  # share the string
                    found = get_jobs(aid)
                    if found is None:
                        jobs[aid] = (last_t, aid, name)
                    elif isinstance(found, list):
                        found.append((last_t, aid, name))
                    else:
                        jobs[aid] = [found, (last_t, aid, name)]
                else:
                    slow(line, lineno)
                    continue
            else:
                slow(line, lineno)
                continue
            if version is not last_version:
                versions.add(version)
                last_version = version
        self.line_count = lineno

    def state(self, torn_tail: str | None) -> JournalState:
        """The replayed state; computes the current archive of each name."""
        files: dict[str, _CreatedRow] = {}
        get = files.get
        for row in self.rows.values():
            name = row[5]
            cur = get(name)
            if cur is None:
                files[name] = row
                continue
            rm = row[3]
            cm = cur[3]
            if rm is None:
                rm = row[0]
            if cm is None:
                cm = cur[0]
            if rm > cm or (rm == cm and row[0] >= cur[0]):
                files[name] = row
        return JournalState(
            files=ArchiveMap(files),
            archives=ArchiveMap(self.rows),
            retrieve_jobs=RetrieveJobMap(self.jobs),
            torn_tail=torn_tail,
            used_versions=frozenset(self.versions),
            line_count=self.line_count,
            skipped=tuple(self.skipped),
        )


def _duplicate(aid: str) -> str:
    return f"duplicate archive id {_shown(aid)}: already created and not deleted"


def _unknown(aid: str) -> str:
    return f"DELETED of unknown archive id {_shown(aid)}: never created, or already deleted"


def read_journal(
    path: str | os.PathLike[str], *, missing_ok: bool = True, skip_bad_names: bool = False
) -> JournalState:
    """Read and replay the journal at ``path`` (blocking; run it in an executor).

    A missing file gives an empty state unless ``missing_ok`` is false. With
    ``skip_bad_names`` (what restores use: a journal is data from outside), a record whose file
    name is refused (``..``, absolute...) is left out and reported in
    :attr:`JournalState.skipped` instead of failing the whole journal.

    Raises:
        JournalError: a bad line, with its line number (see the module docstring).
        FutureJournalVersionError: a line from a newer format version.
        OSError: the file cannot be read.
    """
    shown = os.fspath(path)
    replay = _Replay(shown, skip_bad_names)
    try:
        f = open(path, "rb")  # noqa: SIM115 - closed below
    except FileNotFoundError:
        if missing_ok:
            return replay.state(None)
        raise
    rest = b""
    with f:
        while True:
            chunk = f.read(_CHUNK)
            if not chunk:
                break
            if rest:
                chunk = rest + chunk
            cut = chunk.rfind(b"\n") + 1
            if cut == 0:
                rest = chunk
                continue
            rest = chunk[cut:]
            complete = chunk[:cut] if cut < len(chunk) else chunk
            del chunk
            raw_lines = complete.split(b"\n")
            raw_lines.pop()  # the empty string after the final LF
            # Line by line: ASCII lines take the fast decoder, and the other lines do not
            # widen the whole chunk to a UCS-2 or UCS-4 string.
            try:
                lines = [raw.decode("utf-8") for raw in raw_lines]
            except UnicodeDecodeError:
                raise _utf8_error(raw_lines, replay.line_count, shown) from None
            del raw_lines
            careful = any(c in complete for c in _CAREFUL_BYTES)
            replay.feed(lines, complete.isascii(), careful)
            del complete, lines
    torn = None
    if rest:
        line_number = replay.line_count + 1
        line = _complete_tail(rest, line_number, shown)
        if line is not None:
            replay.slow(line, line_number)  # a whole record that only lacks its LF
            replay.line_count = line_number
        else:
            fragment = rest.decode("utf-8", errors="replace")
            torn = (
                f"{shown}:{line_number}: incomplete last line (no newline, and not a whole "
                f"record: a write interrupted by a crash?), ignored: {_shown(fragment)}"
            )
    return replay.state(torn)


def _complete_tail(raw: bytes, line_number: int | None, path: str | None) -> str | None:
    """The last line of a journal that has no LF, when it is a whole record; else ``None``.

    A line that parses completely is a record (mtglacier reads it as one); one that does not
    (a cut in the middle of a field, of a UTF-8 sequence...) is a torn write. The reader and
    the writer both decide with this function, so they always agree. A line from a future
    format version is not torn: it raises, as it does anywhere else in the journal.

    Raises:
        FutureJournalVersionError: the line is from a newer format version.
    """
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if line.endswith("\r"):
        line = line[:-1]
    try:
        _parse_exact(line, line_number, path)
    except FutureJournalVersionError:
        raise
    except JournalError:
        return None
    return line


def _utf8_error(raw_lines: list[bytes], lines_before: int, path: str) -> JournalError:
    for i, raw in enumerate(raw_lines, lines_before + 1):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            return JournalError(
                f"invalid UTF-8 ({exc.reason} at byte {exc.start} of the line)",
                path=path,
                line_number=i,
            )
    raise AssertionError("no invalid line")  # pragma: no cover


async def load_journal(
    path: str | os.PathLike[str],
    *,
    executor: Executor | None = None,
    missing_ok: bool = True,
    skip_bad_names: bool = False,
) -> JournalState:
    """:func:`read_journal` in ``executor`` (the loop's default when ``None``).

    A missing file gives an empty state unless ``missing_ok`` is false.
    """
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(
        executor,
        lambda: read_journal(path, missing_ok=missing_ok, skip_bad_names=skip_bad_names),
    )


# --------------------------------------------------------------------------------------------
# Writer
# --------------------------------------------------------------------------------------------

FsyncPolicy: TypeAlias = Literal["always", "close"] | float


class _Control:
    """A queue item that is not a record: a sync request or the end of input."""

    __slots__ = ("future", "kind")

    def __init__(self, kind: Literal["sync", "close"], future: asyncio.Future[None]) -> None:
        self.kind = kind
        self.future = future


_Item: TypeAlias = tuple[bytes, "asyncio.Future[None]"] | _Control


class JournalWriter:
    """The only writer of a journal: an asyncio task draining a bounded queue.

    Use it as ``async with JournalWriter(path) as journal: await journal.append(record)``.

    On enter it opens the file (``O_APPEND|O_CREAT``), takes an exclusive ``flock`` (a second
    writer, in this process or another, gets :class:`JournalLockedError`) and starts the task.
    A last line without its LF is kept when it is a whole record (the first write adds the LF
    before the new lines), and otherwise moved to a side file ``JOURNAL.torn-<UTC time>`` and
    cut off (see :attr:`torn_tail`): no byte of the journal is ever destroyed. Producers
    ``await append(record)``; it returns once the record's line is written to the file (and
    fsynced when the policy says so). The task writes whatever is queued with one write per
    drain (a short write is continued): whole lines only; a write that fails is truncated
    away and fails the records of that drain with :class:`JournalWriteError`, and
    the writer then refuses every further record (:attr:`error`, :meth:`failure`). On exit it
    writes what is queued, fsyncs, unlocks and closes. File I/O runs in ``executor`` (the
    loop's default when ``None``); ``write`` is the ``os.write`` it uses for data (a test
    injects failures there).

    ``fsync``: ``"always"`` (before any ``append`` of a drain returns), ``"close"`` (only on
    exit and :meth:`sync`), or a number of seconds N (written data is fsynced within about N
    seconds). Cancelling a producer after its record was queued does not withdraw the record:
    it is written whole.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        fsync: FsyncPolicy = "close",
        queue_size: int = 1024,
        executor: Executor | None = None,
        clock: Callable[[], float] = _time.time,
        write: Callable[[int, bytes], int] = os.write,
    ) -> None:
        if fsync not in ("always", "close") and (
            isinstance(fsync, bool)
            or not isinstance(fsync, int | float)
            or not 0 < fsync < float("inf")
        ):
            raise ValueError(
                f"fsync must be 'always', 'close' or a number of seconds > 0, not {fsync!r}"
            )
        if queue_size < 1:
            raise ValueError(f"queue_size must be at least 1, not {queue_size}")
        self._path = os.fspath(path)
        self._fsync_policy = fsync
        self._queue_size = queue_size
        self._executor = executor
        self._clock = clock
        self._fd = -1
        self._size = 0
        self._io_lock = threading.RLock()  # executor threads take turns with the descriptor
        self._queue: asyncio.Queue[_Item] | None = None
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self._write_fn = write
        self._prefix = b""  # written before the first record: the LF a last line lacked
        self._error: JournalError | None = None
        self._failed = asyncio.Event()
        self._torn_tail: str | None = None
        self._torn_path: str | None = None
        self._dirty = False
        self._last_fsync = 0.0
        self.write_count = 0
        """``os.write`` calls made."""
        self.fsync_count = 0
        """``fsync`` calls made."""
        self.records_written = 0
        """Records written."""

    @property
    def path(self) -> str:
        """The journal's path."""
        return self._path

    @property
    def torn_tail(self) -> str | None:
        """A description of the torn last line set aside on open (naming the side file that
        holds it), or ``None``: a warning for the user."""
        return self._torn_tail

    @property
    def torn_path(self) -> str | None:
        """The side file that received a torn last line on open, or ``None``."""
        return self._torn_path

    @property
    def error(self) -> JournalError | None:
        """Why the writer refuses records (a :class:`JournalWriteError` when a write or an
        fsync failed), or ``None`` while it works."""
        return self._error

    def stopped(self, what: str, unjournaled: Sequence[str]) -> JournalWriteError:
        """The one error that ends a command this writer's failure stopped: why the journal
        failed, ``what`` the command did about it, and what it did that the journal misses
        (see :meth:`JournalWriteError.stopped`)."""
        error = self._error
        if not isinstance(error, JournalWriteError):
            reason = error.reason if error is not None else "the journal cannot be written"
            error = JournalWriteError(reason, path=self._path)
        return error.stopped(what, unjournaled)

    async def failure(self) -> JournalError:
        """Wait until the writer fails (see :attr:`error`), and return why."""
        await self._failed.wait()
        assert self._error is not None
        return self._error

    def _set_error(self, error: JournalError) -> JournalError:
        """Record the first failure (later ones keep it) and wake :meth:`failure`."""
        if self._error is None:
            self._error = error
            self._failed.set()
        return self._error

    # -- opening and closing ------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        if self._task is not None or self._closing:
            raise RuntimeError("a JournalWriter can be entered only once")
        loop = asyncio.get_running_loop()
        opening = loop.run_in_executor(self._executor, self._open)
        try:
            # Shielded: if we are cancelled, the open still completes and is then undone.
            self._fd = await asyncio.shield(opening)
        except asyncio.CancelledError:
            opening.add_done_callback(self._close_abandoned)
            raise
        self._last_fsync = _time.monotonic()
        self._queue = asyncio.Queue(maxsize=self._queue_size)
        self._task = asyncio.create_task(self._run(), name=f"journal writer {self._path}")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            await self._drain_and_stop()
        finally:
            task = self._task
            if task is not None and not task.done():  # only when cancelled while draining
                task.cancel()
            if self._fd >= 0:
                loop = asyncio.get_running_loop()
                # Shielded: if we are cancelled, the close (fsync, unlock) still completes.
                await asyncio.shield(loop.run_in_executor(self._executor, self._close))
        if exc_type is None and self._error is not None:
            raise self._error

    def _close_abandoned(self, opening: asyncio.Future[int]) -> None:
        if not opening.cancelled() and opening.exception() is None:
            self._fd = opening.result()
            self._set_error(JournalError("journal writer cancelled while opening", path=self._path))
            asyncio.get_running_loop().run_in_executor(self._executor, self._close)

    async def _drain_and_stop(self) -> None:
        task = self._task
        queue = self._queue
        if task is None or queue is None or task.done():
            self._closing = True
            return
        self._closing = True
        done = asyncio.get_running_loop().create_future()
        await queue.put(_Control("close", done))
        await task

    def _open(self) -> int:
        flags = os.O_RDWR | os.O_APPEND | os.O_CLOEXEC
        created = False
        try:
            fd = os.open(self._path, flags | os.O_CREAT | os.O_EXCL, 0o666)
            created = True
        except FileExistsError:
            fd = os.open(self._path, flags)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise JournalLockedError(
                    "journal is locked: another process (or another writer in this process) "
                    "is writing it",
                    path=self._path,
                ) from None
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                size = self._handle_tail(fd, size)
            self._size = size
            if created:
                fsync_parent(self._path)
        except BaseException:
            os.close(fd)
            raise
        return fd

    def _handle_tail(self, fd: int, size: int) -> int:
        """The journal's last line has no LF: keep it if it is a whole record (the first write
        then starts with the LF it lacks), else set it aside in a side file and cut it off.
        Returns the size the journal has now."""
        cut = _last_line_start(fd, size)
        tail = pread_all(fd, cut, size - cut)
        try:
            whole = _complete_tail(tail, None, self._path) is not None
        except FutureJournalVersionError as exc:
            raise FutureJournalVersionError(
                exc.reason + " (the last line, which has no newline)", path=self._path
            ) from None
        if whole:
            self._prefix = b"\n"
            return size
        try:
            side = self._set_aside(tail)
        except OSError as exc:
            raise JournalWriteError(
                f"cannot set aside the incomplete last line ({size - cut} bytes at offset {cut}) "
                f"in a side file, so the journal is left as it is: {exc}",
                path=self._path,
            ) from None
        os.ftruncate(fd, cut)
        os.fsync(fd)
        self.fsync_count += 1
        self._torn_path = side
        fragment = tail[: 4 * _SHOWN_CHARS].decode("utf-8", errors="replace")
        self._torn_tail = (
            f"{self._path}: incomplete last line ({size - cut} bytes at offset {cut}, no "
            f"newline, and not a whole record: a write interrupted by a crash?) moved to "
            f"{side}: {_shown(fragment)}"
        )
        return cut

    def _set_aside(self, data: bytes) -> str:
        """Write ``data`` to a new side file ``JOURNAL.torn-<UTC time>`` (durably); its path."""
        stamp = _time.strftime("%Y%m%dT%H%M%SZ", _time.gmtime(self._clock()))
        base = f"{self._path}.torn-{stamp}"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | os.O_NOFOLLOW
        for n in range(1, 1000):
            side = base if n == 1 else f"{base}-{n}"
            try:
                sfd = os.open(side, flags, 0o666)
            except FileExistsError:
                continue
            try:
                try:
                    write_all(sfd, data, self._write_fn)
                    os.fsync(sfd)
                finally:
                    os.close(sfd)
                fsync_parent(self._path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(side)
                raise
            return side
        raise OSError(errno.EEXIST, f"{base}: 999 side files exist already")

    def _close(self) -> None:
        with self._io_lock:
            fd = self._fd
            if fd < 0:
                return
            try:
                if self._error is None:
                    os.fsync(fd)
                    self.fsync_count += 1
                    self._dirty = False
            finally:
                self._fd = -1
                try:
                    fcntl.flock(fd, fcntl.LOCK_UN)
                finally:
                    os.close(fd)

    # -- producers ------------------------------------------------------------------------------

    def _check_open(self) -> asyncio.Queue[_Item]:
        if self._error is not None:
            raise self._error
        if self._queue is None or self._closing:
            raise RuntimeError("the journal writer is not open (use 'async with')")
        return self._queue

    async def append(self, record: Record) -> None:
        """Write ``record``; return once it is written (and fsynced if the policy says so).

        Raises:
            InvalidNameError, InvalidRecordError: the record cannot be written (nothing is).
            JournalError: the write failed (the writer then refuses further records).
            RuntimeError: the writer is not open.
        """
        queue = self._check_open()
        try:
            data = format_record(record).encode("utf-8")
        except UnicodeEncodeError as exc:
            raise InvalidRecordError(f"record is not valid Unicode: {exc.reason}") from None
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        await queue.put((data, future))
        await future

    async def created(
        self,
        archive_id: str,
        size: int,
        mtime: int | None,
        treehash: str,
        relfilename: str,
    ) -> Created:
        """Append a :class:`Created` stamped with the clock's time; return it."""
        record = Created(int(self._clock()), archive_id, size, mtime, treehash, relfilename)
        await self.append(record)
        return record

    async def deleted(self, archive_id: str, relfilename: str) -> Deleted:
        """Append a :class:`Deleted` stamped with the clock's time; return it."""
        record = Deleted(int(self._clock()), archive_id, relfilename)
        await self.append(record)
        return record

    async def retrieve_job(self, archive_id: str, job_id: str) -> RetrieveJob:
        """Append a :class:`RetrieveJob` stamped with the clock's time; return it."""
        record = RetrieveJob(int(self._clock()), archive_id, job_id)
        await self.append(record)
        return record

    async def sync(self) -> None:
        """Wait until every record queued before this call is written, then fsync."""
        queue = self._check_open()
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        await queue.put(_Control("sync", future))
        await future

    # -- the writer task ------------------------------------------------------------------------

    async def _run(self) -> None:
        queue = self._queue
        assert queue is not None
        policy = self._fsync_policy
        interval = None if isinstance(policy, str) else float(policy)
        pending: list[_Item] = []
        try:
            while True:
                if interval is not None and self._dirty:
                    delay = self._last_fsync + interval - _time.monotonic()
                    if delay <= 0:
                        try:
                            await self._in_executor(self._fsync)
                        except OSError as exc:
                            self._set_error(
                                JournalWriteError(
                                    f"cannot fsync the journal: {exc}", path=self._path
                                )
                            )
                            self._dirty = False
                        continue
                    try:
                        async with asyncio.timeout(delay):
                            item = await queue.get()
                    except TimeoutError:
                        continue
                else:
                    item = await queue.get()
                pending = [item]
                while True:
                    try:
                        pending.append(queue.get_nowait())
                    except asyncio.QueueEmpty:
                        break
                closing = await self._write_batch(pending, interval)
                pending = []
                if closing:
                    return
        except BaseException as exc:
            if isinstance(exc, JournalError):
                error = exc
            elif isinstance(exc, asyncio.CancelledError):
                error = JournalError("journal writer cancelled before writing", path=self._path)
            else:
                error = JournalError(f"journal writer stopped: {exc!r}", path=self._path)
            self._fail_items(pending, error)
            while not queue.empty():
                self._fail_items([queue.get_nowait()], error)
            self._set_error(error)
            if not isinstance(exc, Exception):
                raise

    async def _write_batch(self, items: list[_Item], interval: float | None) -> bool:
        chunks: list[bytes] = []
        syncing = closing = False
        for item in items:
            if isinstance(item, _Control):
                syncing = syncing or item.kind == "sync"
                closing = closing or item.kind == "close"
            else:
                chunks.append(item[0])
        want_fsync = syncing or self._fsync_policy == "always"
        if not want_fsync and interval is not None and (self._dirty or chunks):
            want_fsync = _time.monotonic() - self._last_fsync >= interval
        if self._error is not None:
            self._fail_items(items, self._error)
            return closing
        loop = asyncio.get_running_loop()
        if chunks:
            job = loop.run_in_executor(self._executor, self._write, b"".join(chunks), want_fsync)
        elif want_fsync and self._dirty:
            job = loop.run_in_executor(self._executor, self._fsync)
        else:
            self._settle(items, None)
            return closing
        try:
            await asyncio.shield(job)
        except asyncio.CancelledError:
            # The write goes on in its thread: settle these records by its outcome, not ours.
            settled = list(items)
            job.add_done_callback(lambda done: self._settle(settled, done))
            items.clear()
            raise
        except OSError:
            pass
        self._settle(items, job)
        return closing

    def _settle(self, items: list[_Item], job: asyncio.Future[None] | None) -> None:
        """Resolve the futures of ``items`` by the outcome of the write ``job``."""
        error = None
        if job is not None:
            if job.cancelled():
                error = JournalError("journal writer cancelled before writing", path=self._path)
            elif (exc := job.exception()) is not None:
                error = JournalWriteError(f"cannot write the journal: {exc}", path=self._path)
        if error is not None:
            self._fail_items(items, self._set_error(error))
            return
        self.records_written += sum(1 for item in items if not isinstance(item, _Control))
        for item in items:
            future = item.future if isinstance(item, _Control) else item[1]
            if not future.done():
                future.set_result(None)

    def _fail_items(self, items: Iterable[_Item], error: JournalError) -> None:
        for item in items:
            future = item.future if isinstance(item, _Control) else item[1]
            if not future.done():
                future.set_exception(error)
                # The producer may have been cancelled and never look: mark it retrieved.
                future.exception()

    async def _in_executor(self, fn: Callable[..., None], *args: object) -> None:
        await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    def _write(self, data: bytes, fsync: bool) -> None:
        with self._io_lock:
            fd = self._open_fd()
            if self._prefix:
                data = self._prefix + data  # the LF a whole last record lacked
            try:
                # A short write (a disk filling up) is continued: the next call either
                # finishes the batch or says why not (ENOSPC), rather than a byte count.
                written = 0
                while written < len(data):
                    n = self._write_fn(fd, data[written:] if written else data)
                    self.write_count += 1
                    if n <= 0:
                        raise OSError(errno.ENOSPC, f"short write ({written} of {len(data)})")
                    written += n
            except OSError:
                self._truncate_back(fd)
                raise
            self._prefix = b""
            self._size += written
            self._dirty = True
            if fsync:
                self._fsync_locked(fd)

    def _open_fd(self) -> int:
        if self._fd < 0:
            raise OSError(errno.EBADF, "the journal is closed")
        return self._fd

    def _truncate_back(self, fd: int) -> None:
        """Remove what a failed write left, so the journal ends with a whole line."""
        with contextlib.suppress(OSError):
            if os.fstat(fd).st_size > self._size:
                os.ftruncate(fd, self._size)

    def _fsync(self) -> None:
        with self._io_lock:
            self._fsync_locked(self._open_fd())

    def _fsync_locked(self, fd: int) -> None:
        os.fsync(fd)
        self.fsync_count += 1
        self._dirty = False
        self._last_fsync = _time.monotonic()


def _last_line_start(fd: int, size: int) -> int:
    """The offset just after the last LF of the first ``size`` bytes (0 when there is none)."""
    pos = size
    while pos > 0:
        start = max(0, pos - _CHUNK)
        i = os.pread(fd, pos - start, start).rfind(b"\n")
        if i >= 0:
            return start + i + 1
        pos = start
    return 0
