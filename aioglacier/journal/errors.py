"""The journal's errors: reading (:class:`JournalError` with path and line number), writing,
locking, future format versions, and records that cannot be written.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from aioglacier.errors import AioGlacierError

__all__ = [
    "FutureJournalVersionError",
    "InvalidNameError",
    "InvalidRecordError",
    "JournalError",
    "JournalLockedError",
    "JournalWriteError",
]


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
