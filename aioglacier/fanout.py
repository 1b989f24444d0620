"""One bounded fan-out: run jobs in one task group, at most N at a time, stoppable.

Every command that does many things at once (the files of a sync, retrievals, deletes,
downloads, orphan purges) starts them through :class:`Fanout`, so "how many at once" and
"start no more once stopped" are written once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable

__all__ = ["Fanout", "bounded"]


class Fanout(asyncio.TaskGroup):
    """A task group whose :meth:`start` waits for one of ``limit`` slots; once ``stop`` is
    set, :meth:`start` starts nothing (and says so by returning False). Use as
    ``async with Fanout(n) as fan: await fan.start(job)``: leaving waits for every job.
    Tasks made with :meth:`create_task` take no slot (a planner, a watcher)."""

    def __init__(self, limit: int, stop: asyncio.Event | None = None) -> None:
        super().__init__()
        self._slots = asyncio.Semaphore(max(1, limit))
        self._stop = stop

    @property
    def stopped(self) -> bool:
        """Whether the stop event is set."""
        return self._stop is not None and self._stop.is_set()

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

        self.create_task(run())
        return True


async def bounded(
    limit: int,
    jobs: Iterable[Callable[[], Awaitable[None]]],
    stop: asyncio.Event | None = None,
) -> None:
    """Run ``jobs``, ``limit`` at a time; once ``stop`` is set, start no more (those running
    finish)."""
    async with Fanout(limit, stop) as fan:
        for job in jobs:
            if not await fan.start(job):
                break
