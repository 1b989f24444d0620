"""One bounded fan-out: run jobs in one task group, at most N at a time, stoppable.

Every command that does many things at once (uploads of a sync, retrievals, deletes,
downloads) starts them through :class:`Fanout`, so "how many at once" and "start no more once
stopped" are written once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, Awaitable, Callable, Iterable
from types import TracebackType
from typing import Self

__all__ = ["Fanout", "bounded"]


class Fanout:
    """A task group whose :meth:`start` waits for one of ``limit`` slots; once ``stop`` is
    set, :meth:`start` starts nothing (and says so by returning False). Use as
    ``async with Fanout(n) as fan: await fan.start(job)``: leaving waits for every job."""

    def __init__(self, limit: int, stop: asyncio.Event | None = None) -> None:
        self._slots = asyncio.Semaphore(max(1, limit))
        self._stop = stop
        self._group = asyncio.TaskGroup()

    @property
    def stopped(self) -> bool:
        """Whether the stop event is set."""
        return self._stop is not None and self._stop.is_set()

    async def __aenter__(self) -> Self:
        await self._group.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._group.__aexit__(exc_type, exc, tb)

    def create_task(self, job: Awaitable[None]) -> asyncio.Task[None]:
        """A task of the group that takes no slot (a planner, a watcher)."""

        async def run() -> None:
            await job

        return self._group.create_task(run())

    async def start(self, job: Callable[[], Awaitable[None]]) -> bool:
        """Wait for a free slot, then run ``job()`` in the group; False (nothing started)
        when the fan-out is stopped before or while waiting."""
        if self.stopped:
            return False
        await self._slots.acquire()
        if self.stopped:
            self._slots.release()
            return False

        async def run() -> None:
            try:
                await job()
            finally:
                self._slots.release()

        self._group.create_task(run())
        return True


async def bounded(
    limit: int,
    jobs: Iterable[Callable[[], Awaitable[None]]] | AsyncIterable[Callable[[], Awaitable[None]]],
    stop: asyncio.Event | None = None,
) -> None:
    """Run ``jobs``, ``limit`` at a time; once ``stop`` is set, start no more (those running
    finish)."""
    async with Fanout(limit, stop) as fan:
        if isinstance(jobs, AsyncIterable):
            async for job in jobs:
                if not await fan.start(job):
                    break
        else:
            for job in jobs:
                if not await fan.start(job):
                    break
