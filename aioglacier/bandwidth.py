"""Bandwidth limits: rclone's ``--bwlimit`` syntax, a timetable, and one token bucket per direction.

A limit is a rate in bytes per second, written as rclone writes it: a number with an optional
binary suffix (``B``, ``K``, ``M``, ``G``, ``T``; no suffix means KiB, so ``512`` is 512 KiB/s),
``off`` for no limit; ``UP:DOWN`` sets uploads and downloads apart (``4M:off``). A timetable is a
list of ``[DAY-]HH:MM,LIMIT`` entries separated by spaces or semicolons
(``08:00,512k 19:00,off``, ``Mon-08:00,1M Sat-00:00,off``): each entry holds from its time until
the next one, the week round (the last entry of the week holds until the first).

:class:`TokenBucket` paces one direction of a whole run: every request of the run takes its
bytes from the same bucket, in the order they ask (a reservation per call, so many coroutines
share it fairly). It allows a burst of at most ``burst`` seconds' worth of bytes, so over any
long window the rate stays within ``burst / window`` of the limit. Clocks and the sleep are
injected; there is no global state.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from aioglacier.errors import UsageError

__all__ = ["Bandwidth", "Rates", "Slot", "Timetable", "TokenBucket", "parse_bwlimit", "parse_rate"]

_SUFFIX = {"B": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}
_RATE = re.compile(r"(?i)^(\d+(?:\.\d+)?)([bkmgt]?)(?:i?b?)?$")
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WHEN = re.compile(r"(?i)^(?:([a-z]{3})-)?(\d{1,2}):(\d{2})$")


def parse_rate(text: str) -> float | None:
    """Bytes per second of one rclone rate (``512k``, ``4M``, ``1.5G``, ``100``, ``off``);
    ``None`` for no limit (``off``, or ``0``, as in rclone)."""
    value = text.strip()
    if value.lower() == "off":
        return None
    match = _RATE.match(value)
    if match is None:
        raise UsageError(f"--bwlimit: {text!r} is not a rate (examples: 512k, 4M, 1.5G, off)")
    number = float(match.group(1))
    suffix = match.group(2).upper() or "K"
    rate = number * _SUFFIX[suffix]
    return rate if rate > 0 else None


@dataclass(frozen=True)
class Rates:
    """The limits in force: bytes per second up and down (``None``: unlimited)."""

    upload: float | None
    download: float | None


def _parse_rates(text: str) -> Rates:
    up, sep, down = text.partition(":")
    if sep:
        return Rates(parse_rate(up), parse_rate(down))
    rate = parse_rate(text)
    return Rates(rate, rate)


@dataclass(frozen=True)
class Slot:
    """One timetable entry: from ``minute`` of the week (Monday 00:00 is 0) on, ``rates``.
    ``day`` is ``None`` for an entry that holds every day at that time."""

    day: int | None
    minute: int
    rates: Rates


@dataclass(frozen=True)
class Timetable:
    """A parsed ``--bwlimit``: one slot (a plain limit) or a week of slots."""

    slots: tuple[Slot, ...]

    def rates_at(self, when: datetime) -> Rates:
        """The limits in force at the local time ``when``."""
        if len(self.slots) == 1 and self.slots[0].minute == 0 and self.slots[0].day is None:
            return self.slots[0].rates
        now = when.weekday() * 1440 + when.hour * 60 + when.minute
        best: tuple[int, Rates] | None = None
        latest: tuple[int, Rates] | None = None
        for slot in self.slots:
            days = range(7) if slot.day is None else (slot.day,)
            for day in days:
                start = day * 1440 + slot.minute
                if start <= now and (best is None or start >= best[0]):
                    best = (start, slot.rates)
                if latest is None or start >= latest[0]:
                    latest = (start, slot.rates)
        chosen = best or latest
        assert chosen is not None
        return chosen[1]

    @property
    def unlimited(self) -> bool:
        """Whether no slot limits anything (``--bwlimit off``)."""
        return all(s.rates.upload is None and s.rates.download is None for s in self.slots)


def parse_bwlimit(text: str) -> Timetable:
    """Parse a ``--bwlimit`` value (a rate, ``UP:DOWN``, or a timetable); one-line
    :class:`UsageError` for anything else."""
    entries = [e for e in re.split(r"[\s;]+", text.strip()) if e]
    if not entries:
        raise UsageError("--bwlimit: empty value")
    if len(entries) == 1 and "," not in entries[0]:
        return Timetable((Slot(None, 0, _parse_rates(entries[0])),))
    slots: list[Slot] = []
    for entry in entries:
        when, comma, limit = entry.partition(",")
        match = _WHEN.match(when)
        if not comma or match is None:
            raise UsageError(
                f"--bwlimit: {entry!r} is not a timetable entry ([DAY-]HH:MM,RATE, "
                "e.g. 08:00,512k or Mon-19:00,off)"
            )
        day_name, hh, mm = match.group(1), int(match.group(2)), int(match.group(3))
        if hh > 23 or mm > 59:
            raise UsageError(f"--bwlimit: {when!r} is not a time of day")
        day: int | None = None
        if day_name is not None:
            if day_name.lower() not in _DAYS:
                raise UsageError(f"--bwlimit: {day_name!r} is not a day (Mon, Tue ... Sun)")
            day = _DAYS.index(day_name.lower())
        slots.append(Slot(day, hh * 60 + mm, _parse_rates(limit)))
    return Timetable(tuple(slots))


class TokenBucket:
    """Paces bytes to ``rate()`` bytes per second (``None``: unpaced), shared by every caller.

    ``take(n)`` reserves ``n`` bytes at once and sleeps until the reservation is due, so
    concurrent callers are served in the order they ask and none starves. Up to ``burst``
    seconds' worth of bytes may pass without waiting after an idle spell.
    """

    def __init__(
        self,
        rate: Callable[[], float | None],
        *,
        burst: float = 0.25,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._rate = rate
        self._burst = burst
        self._clock = clock
        self._sleep = sleep
        self._due = 0.0  # when the bytes reserved so far have all passed at the rate
        self.waited = 0.0
        """Seconds spent waiting so far (all callers)."""
        self.taken = 0
        """Bytes that passed through the bucket so far (all callers, limited or not)."""

    def __repr__(self) -> str:
        return f"TokenBucket(rate={self._rate()!r}, burst={self._burst})"

    def slice_size(self, smallest: int, largest: int) -> int:
        """How many bytes to take at a time: about 1/64 s at the current rate, within
        ``smallest`` and ``largest`` (small slices keep waits short at low rates; large ones
        keep the cost per byte low at high rates)."""
        rate = self._rate()
        if rate is None:
            return largest
        return max(smallest, min(largest, int(rate / 64)))

    async def take(self, n: int) -> None:
        """Wait until ``n`` more bytes may pass."""
        if n <= 0:
            return
        self.taken += n
        rate = self._rate()
        now = self._clock()
        if rate is None:
            self._due = now
            return
        self._due = max(self._due, now) + n / rate
        delay = self._due - self._burst - now
        if delay > 0:
            self.waited += delay
            await self._sleep(delay)


class Bandwidth:
    """The limits of one run: a bucket for uploads and one for downloads, both following the
    timetable (read from ``now()``, the local wall clock, once per call)."""

    def __init__(
        self,
        timetable: Timetable,
        *,
        now: Callable[[], datetime] = datetime.now,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        burst: float = 0.25,
    ) -> None:
        self.timetable = timetable
        self._now = now
        self.upload = TokenBucket(
            lambda: timetable.rates_at(now()).upload, burst=burst, clock=clock, sleep=sleep
        )
        self.download = TokenBucket(
            lambda: timetable.rates_at(now()).download, burst=burst, clock=clock, sleep=sleep
        )

    def __repr__(self) -> str:
        return f"Bandwidth({self.timetable.rates_at(self._now())!r})"

    @classmethod
    def from_limit(cls, text: str | None) -> Bandwidth | None:
        """The limits a ``--bwlimit`` value sets; ``None`` for none (no value, or ``off``)."""
        if text is None:
            return None
        timetable = parse_bwlimit(text)
        return None if timetable.unlimited else cls(timetable)
