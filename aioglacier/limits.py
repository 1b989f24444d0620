"""Concurrency and memory bounds with statistics.

:class:`RequestLimiter` is the one semaphore of ``--concurrency``: HTTP requests in flight.
:class:`ByteBudget` caps bytes read but not yet sent, so memory stays near
``concurrency x part size`` whatever the tree. Both record their peaks so tests can check them.
"""

from __future__ import annotations

import asyncio
from collections import deque

__all__ = ["ByteBudget", "RequestLimiter"]


class RequestLimiter:
    """A semaphore bounding requests in flight, with ``in_flight`` and ``peak`` statistics."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self.limit = limit
        self._sem = asyncio.Semaphore(limit)
        self.in_flight = 0
        self.peak = 0
        self.total = 0

    def slot(self) -> RequestLimiter:
        """Hold one request slot for the duration of an ``async with`` block."""
        return self

    async def __aenter__(self) -> None:
        await self._sem.acquire()
        self.in_flight += 1
        self.total += 1
        self.peak = max(self.peak, self.in_flight)

    async def __aexit__(self, *exc_info: object) -> None:
        self.in_flight -= 1
        self._sem.release()

    def __repr__(self) -> str:
        return f"RequestLimiter(limit={self.limit}, in_flight={self.in_flight}, peak={self.peak})"


class ByteBudget:
    """An async budget of bytes: ``acquire(n)`` waits until ``n`` bytes are free (FIFO).

    A request larger than the whole capacity is admitted alone when nothing else is held, so a
    single oversized item never deadlocks.
    """

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self.used = 0
        self.peak = 0
        self._waiters: deque[tuple[int, asyncio.Future[None]]] = deque()

    def _fits(self, n: int) -> bool:
        return self.used + n <= self.capacity or self.used == 0

    async def acquire(self, n: int) -> None:
        """Wait until ``n`` bytes are free, then take them."""
        if not self._waiters and self._fits(n):
            self._take(n)
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (n, fut)
        self._waiters.append(entry)
        try:
            await fut
        except BaseException:
            if entry in self._waiters:
                self._waiters.remove(entry)
            elif fut.done() and not fut.cancelled():
                # Granted just as we were cancelled: give the bytes back.
                self.release(n)
            raise

    def _take(self, n: int) -> None:
        self.used += n
        self.peak = max(self.peak, self.used)

    def release(self, n: int) -> None:
        """Give ``n`` bytes back and wake the waiters that now fit, in order."""
        self.used -= n
        if self.used < 0:
            raise RuntimeError("ByteBudget released more than acquired")
        while self._waiters:
            size, fut = self._waiters[0]
            if fut.done():
                self._waiters.popleft()
                continue
            if not self._fits(size):
                break
            self._waiters.popleft()
            self._take(size)
            fut.set_result(None)

    def hold(self, n: int) -> _Held:
        """Hold ``n`` bytes for the duration of an ``async with`` block."""
        return _Held(self, n)

    def __repr__(self) -> str:
        return f"ByteBudget(capacity={self.capacity}, used={self.used}, peak={self.peak})"


class _Held:
    """``async with budget.hold(n)``: a plain class, cheaper than a generator-based manager."""

    __slots__ = ("_budget", "_n")

    def __init__(self, budget: ByteBudget, n: int) -> None:
        self._budget = budget
        self._n = n

    async def __aenter__(self) -> None:
        await self._budget.acquire(self._n)

    async def __aexit__(self, *exc_info: object) -> None:
        self._budget.release(self._n)
