"""Rendering progress events for the CLI: a live rich display, plain lines, or JSON lines."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

from aioglacier.display import json_line, printable
from aioglacier.progress import (
    BytesTransferred,
    Event,
    FileDone,
    FileFailed,
    FileQueued,
    FileSkipped,
    Message,
    Retrying,
    RunFinished,
    ScanProgress,
    Totals,
    event_to_json,
)

if TYPE_CHECKING:  # rich is imported only for a live display (a run on a terminal)
    from rich.progress import TaskID

__all__ = ["Renderer", "make_renderer"]

_VERB = {
    "upload": "uploaded",
    "replace": "replaced",
    "delete": "deleted",
    "download": "downloaded",
    "retrieve": "retrieval started",
    "verify": "verified",
    "check": "checked",
    "purge": "deleted",
}


def _size(n: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} B"


def _mib(n: int) -> str:
    return f"{n / 1048576:.1f} MiB"


class Renderer:
    """A progress sink that writes for people or machines. Use as a context manager."""

    def __init__(self, out: TextIO, err: TextIO, *, quiet: bool = False) -> None:
        self.out = out
        self.err = err
        self.quiet = quiet
        self.totals = Totals()

    def __call__(self, event: Event) -> None:
        self.totals.feed(event)
        self.handle(event)

    def handle(self, event: Event) -> None:
        """Render one event."""

    def __enter__(self) -> Renderer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None


class JsonRenderer(Renderer):
    """One JSON object per event on standard output."""

    def handle(self, event: Event) -> None:
        """Write the event as one JSON line."""
        self.out.write(json_line(event_to_json(event)) + "\n")
        self.out.flush()


class PlainRenderer(Renderer):
    """Log lines: one per finished, skipped or failed file, and a status line every few seconds."""

    def __init__(
        self,
        out: TextIO,
        err: TextIO,
        *,
        quiet: bool = False,
        interval: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(out, err, quiet=quiet)
        self._interval = interval
        self._clock = clock
        self._last = clock()
        self._start = self._last

    def _line(self, text: str, *, always: bool = False) -> None:
        if always or not self.quiet:
            # What ``print(..., flush=True)`` writes, in one write call (a line per file).
            err = self.err
            err.write(printable(text) + "\n")
            err.flush()

    def handle(self, event: Event) -> None:
        """Write a line for file outcomes and warnings; a status line now and then."""
        if isinstance(event, FileDone):
            detail = f", {event.detail}" if event.detail else ""
            self._line(
                f"{_VERB.get(event.action, event.action)}: {event.relfilename} "
                f"({_size(event.size)}{detail})"
            )
        elif isinstance(event, FileSkipped):
            self._line(f"skipped: {event.relfilename}: {event.reason}")
        elif isinstance(event, FileFailed):
            self._line(f"FAILED: {event.relfilename}: {event.error}", always=True)
        elif isinstance(event, Retrying):
            self._line(event.describe())
        elif isinstance(event, Message):
            if event.level == "warning":
                self._line(f"warning: {event.text}", always=True)
            else:
                print(printable(event.text), file=self.out, flush=True)
        elif isinstance(event, BytesTransferred | ScanProgress | FileQueued):
            now = self._clock()
            if now - self._last >= self._interval:
                self._last = now
                t = self.totals
                rate = t.bytes_done / max(now - self._start, 1e-9)
                self._line(
                    f"progress: {t.done_files} of {t.planned_files} files, "
                    f"{_mib(t.bytes_done)} of {_mib(t.planned_bytes)}, {_mib(int(rate))}/s"
                )


class RichRenderer(PlainRenderer):
    """A live display on a terminal: files done of total, bytes, throughput, ETA."""

    REFRESH = 0.1

    def __init__(self, out: TextIO, err: TextIO, *, quiet: bool = False) -> None:
        super().__init__(out, err, quiet=quiet)
        from rich.console import Console
        from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn

        # Names are text, never markup, emoji codes or something to highlight (see display.py).
        self._console = Console(file=err, markup=False, emoji=False, highlight=False)
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[files]}"),
            DownloadColumn(binary_units=True),
            # rich resets its own speed samples whenever the total changes, and a streaming
            # scan changes it all the time: the renderer computes throughput and ETA itself.
            TextColumn("{task.fields[rate]}"),
            TextColumn("{task.fields[eta]}"),
            console=self._console,
            transient=False,
        )
        self._task: TaskID | None = None
        self._samples: list[tuple[float, int]] = []
        # Printing above a live display and redrawing it cost about a millisecond per call:
        # lines are buffered and the bar refreshed at most every REFRESH seconds, so a sync of
        # thousands of small files is not slowed down by its own display.
        self._buffer: list[str] = []
        self._last_flush = 0.0

    def __enter__(self) -> Renderer:
        self._progress.start()
        self._task = self._progress.add_task(
            "transfer", total=None, files="0/0 files", rate="", eta=""
        )
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._flush()
        self._progress.stop()

    def _line(self, text: str, *, always: bool = False) -> None:
        if always or not self.quiet:
            self._buffer.append(printable(text))

    def _flush(self) -> None:
        self._last_flush = self._clock()
        if self._buffer:
            text, self._buffer = "\n".join(self._buffer), []
            self._progress.console.print(text, markup=False, emoji=False, highlight=False)
        if self._task is None:
            return
        t = self.totals
        scan = "" if t.scan_done else " (scanning)"
        finished = t.done_files + t.skipped_files + t.failed_files
        rate, eta = self._rate_and_eta()
        self._progress.update(
            self._task,
            total=t.planned_bytes or None,
            completed=t.bytes_done,
            files=f"{finished}/{t.planned_files} files{scan}",
            rate=rate,
            eta=eta,
        )

    def _rate_and_eta(self) -> tuple[str, str]:
        """Throughput over the last 10 seconds, and the time left at that pace."""
        now = self._clock()
        done = self.totals.bytes_done
        if not self._samples or self._samples[-1][1] != done:
            self._samples.append((now, done))
        while len(self._samples) > 2 and now - self._samples[0][0] > 10:
            self._samples.pop(0)
        first_t, first_b = self._samples[0]
        if now - first_t < 0.5:
            return "", ""
        rate = (done - first_b) / (now - first_t)
        left = self.totals.planned_bytes - done
        eta = _eta_text(left / rate) if rate > 0 and self.totals.scan_done else ""
        return _rate_text(rate), eta

    def handle(self, event: Event) -> None:
        """Update the live bar; print file outcomes above it (both at most 10 times a second)."""
        if not isinstance(event, BytesTransferred | ScanProgress | FileQueued):
            super().handle(event)
        finished = isinstance(event, RunFinished)
        if finished or self._clock() - self._last_flush >= self.REFRESH:
            self._flush()
        if finished and self._task is not None:
            done = self.totals.bytes_done
            self._progress.update(self._task, completed=done, total=done or 1)


def _rate_text(bytes_per_second: float) -> str:
    return f"{_size(int(bytes_per_second))}/s"


def _eta_text(seconds: float) -> str:
    seconds = int(seconds)
    return f"ETA {seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def make_renderer(
    out: TextIO, err: TextIO, *, json_lines: bool, quiet: bool, force_plain: bool = False
) -> Renderer:
    """JSON lines with ``json_lines``; a rich live display on a terminal; plain lines otherwise."""
    if json_lines:
        return JsonRenderer(out, err, quiet=quiet)
    if not quiet and not force_plain and err.isatty():
        return RichRenderer(out, err, quiet=quiet)
    return PlainRenderer(out, err, quiet=quiet)
