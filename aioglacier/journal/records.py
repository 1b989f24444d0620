"""The journal's records (one per line kind), the checks of their fields, and their line in
the format mtglacier >= 0.8 writes (version ``B``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, TypeAlias

from aioglacier.journal.errors import InvalidNameError, InvalidRecordError
from aioglacier.safepath import journal_name_problem

__all__ = ["Created", "Deleted", "Record", "RetrieveJob", "format_record", "validate_relfilename"]


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
