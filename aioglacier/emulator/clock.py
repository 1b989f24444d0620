"""The emulator's service clock (creation dates, job completion), injectable and advanceable."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

__all__ = ["AdvanceableClock", "Clock", "ManualClock", "OffsetClock"]


@runtime_checkable
class Clock(Protocol):
    """Something that tells the time (timezone-aware, UTC)."""

    def now(self) -> datetime:
        """The current time."""
        ...


@runtime_checkable
class AdvanceableClock(Clock, Protocol):
    """A clock tests can move forward."""

    def advance(self, delta: timedelta) -> None:
        """Move the clock ``delta`` forward."""
        ...


class OffsetClock:
    """Real time (or ``wall``'s) plus an offset that :meth:`advance` grows (the emulator's
    default clock)."""

    def __init__(self, wall: Callable[[], datetime] | None = None) -> None:
        self._wall = wall or (lambda: datetime.now(UTC))
        self._offset = timedelta()
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """The wall clock's time plus the accumulated offset."""
        with self._lock:
            offset = self._offset
        return self._wall() + offset

    def advance(self, delta: timedelta) -> None:
        """Jump ``delta`` into the future."""
        if delta < timedelta():
            raise ValueError("a clock only moves forward")
        with self._lock:
            self._offset += delta

    def __repr__(self) -> str:
        return f"OffsetClock(offset={self._offset!r})"


class ManualClock(OffsetClock):
    """A clock that stands still until :meth:`advance` moves it (fully deterministic dates):
    an :class:`OffsetClock` over a wall clock stopped at ``start``."""

    def __init__(self, start: datetime | None = None) -> None:
        start = start or datetime(2024, 1, 1, tzinfo=UTC)
        if start.tzinfo is None:
            start = start.replace(tzinfo=UTC)
        super().__init__(lambda: start)

    def __repr__(self) -> str:
        return f"ManualClock({self.now().isoformat()})"
