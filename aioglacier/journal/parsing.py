"""Reading one line: mtglacier's exact regexes for every format version (``A``, ``B``, ``C``,
``0``), which the replay fast path falls back to, and the decision whether a last line
without its LF is a whole record or a torn write (the reader and the writer share it).
"""

from __future__ import annotations

import re
from typing import Final

from aioglacier.journal.errors import FutureJournalVersionError, JournalError
from aioglacier.journal.records import (
    _PERL_WS,
    Created,
    Deleted,
    Record,
    RetrieveJob,
    _name_problem,
)

__all__ = ["parse_line"]


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
