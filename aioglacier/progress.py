"""Progress events and sinks. No rendering here: the CLI renders, a library caller consumes.

A sink is any callable taking an :class:`Event`. :class:`ProgressStream` turns the events of a
running operation into an async iterator; :class:`Totals` keeps running counters that renderers
read.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

__all__ = [
    "BytesTransferred",
    "Event",
    "FileDone",
    "FileFailed",
    "FileQueued",
    "FileSkipped",
    "FileStarted",
    "Message",
    "ProgressSink",
    "ProgressStream",
    "Retrying",
    "RunFinished",
    "ScanProgress",
    "Totals",
    "event_to_json",
    "null_sink",
]

Action = Literal[
    "upload", "replace", "delete", "download", "retrieve", "verify", "check", "purge", "migrate"
]


@dataclass(frozen=True)
class ScanProgress:
    """The directory walk found ``files`` files of ``bytes`` bytes so far; ``done`` at the end."""

    files: int
    bytes: int
    done: bool = False
    kind: str = field(default="scan", init=False)


@dataclass(frozen=True)
class _FileAction:
    """The fields every event about one file's action starts with."""

    relfilename: str
    action: Action
    size: int


@dataclass(frozen=True)
class FileQueued(_FileAction):
    """A file was planned for ``action``."""

    kind: str = field(default="queued", init=False)


@dataclass(frozen=True)
class FileStarted(_FileAction):
    """Work on a file began."""

    kind: str = field(default="started", init=False)


@dataclass(frozen=True)
class BytesTransferred:
    """``nbytes`` more bytes of ``relfilename`` went over the wire (negative: rewound)."""

    relfilename: str
    nbytes: int
    kind: str = field(default="bytes", init=False)


@dataclass(frozen=True)
class FileDone(_FileAction):
    """A file's action finished; ``archive_id`` for uploads, ``detail`` for humans."""

    archive_id: str | None = None
    detail: str = ""
    kind: str = field(default="done", init=False)


@dataclass(frozen=True)
class FileSkipped:
    """A file was left alone, with the reason."""

    relfilename: str
    reason: str
    kind: str = field(default="skipped", init=False)


@dataclass(frozen=True)
class FileFailed:
    """A file's action failed; the run goes on with the others."""

    relfilename: str
    action: Action
    error: str
    kind: str = field(default="failed", init=False)


@dataclass(frozen=True)
class Message:
    """A line for the user (warnings, dry-run plans)."""

    text: str
    level: Literal["info", "warning"] = "info"
    kind: str = field(default="message", init=False)


@dataclass(frozen=True)
class Retrying:
    """A request failed in a way worth another try, which starts in ``delay`` seconds.

    ``operation`` is the API operation (``upload_part``...), ``relfilename`` the file it is for
    ("" when none), ``error`` what went wrong, ``attempt`` the number of the coming attempt.
    """

    operation: str
    relfilename: str
    error: str
    attempt: int
    max_attempts: int
    delay: float
    kind: str = field(default="retrying", init=False)

    def describe(self) -> str:
        """One line for people: ``retrying upload_part for a.jpg: 503 ..., attempt 3/8, next
        in 4.2 s``."""
        subject = f" for {self.relfilename}" if self.relfilename else ""
        return (
            f"retrying {self.operation}{subject}: {self.error}, "
            f"attempt {self.attempt}/{self.max_attempts}, next in {self.delay:.1f} s"
        )


@dataclass(frozen=True)
class RunFinished:
    """The operation ended: counts by outcome."""

    done: int
    skipped: int
    failed: int
    bytes: int
    seconds: float
    kind: str = field(default="finished", init=False)


Event = (
    ScanProgress
    | FileQueued
    | FileStarted
    | BytesTransferred
    | FileDone
    | FileSkipped
    | FileFailed
    | Message
    | Retrying
    | RunFinished
)

ProgressSink = Callable[[Event], None]


def null_sink(event: Event) -> None:
    """A sink that drops every event."""


def event_to_json(event: Event) -> dict[str, Any]:
    """A JSON-ready dict of ``event`` (with its ``kind``)."""
    return asdict(event)


class ProgressStream:
    """A sink that is also an async iterator of the events it receives.

    Pass it as ``progress=`` to an operation running in a task and ``async for`` over it; the
    iteration ends after :class:`RunFinished` or after :meth:`close`.
    """

    def __init__(self, maxsize: int = 0) -> None:
        self._queue: asyncio.Queue[Event | None] = asyncio.Queue(maxsize)
        self._closed = False

    def __call__(self, event: Event) -> None:
        if not self._closed:
            self._queue.put_nowait(event)
            if isinstance(event, RunFinished):
                self.close()

    def close(self) -> None:
        """End the iteration once queued events are consumed."""
        if not self._closed:
            self._closed = True
            self._queue.put_nowait(None)

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Event]:
        while True:
            event = await self._queue.get()
            if event is None:
                return
            yield event


@dataclass
class Totals:
    """Running counters fed by events: what a renderer shows."""

    planned_files: int = 0
    planned_bytes: int = 0
    scanned_files: int = 0
    scan_done: bool = False
    done_files: int = 0
    skipped_files: int = 0
    failed_files: int = 0
    bytes_done: int = 0
    in_progress: dict[str, int] = field(default_factory=dict)

    def feed(self, event: Event) -> None:
        """Update the counters with one event."""
        if isinstance(event, ScanProgress):
            self.scanned_files = event.files
            self.scan_done = event.done
        elif isinstance(event, FileQueued):
            self.planned_files += 1
            self.planned_bytes += event.size
        elif isinstance(event, FileStarted):
            self.in_progress[event.relfilename] = event.size
        elif isinstance(event, BytesTransferred):
            self.bytes_done += event.nbytes
        elif isinstance(event, FileDone):
            self.done_files += 1
            self.in_progress.pop(event.relfilename, None)
        elif isinstance(event, FileSkipped):
            self.skipped_files += 1
        elif isinstance(event, FileFailed):
            self.failed_files += 1
            self.in_progress.pop(event.relfilename, None)
