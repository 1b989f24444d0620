"""The group commit of restored files: staged under a temporary name, verified, then made
durable and put in place in batches (one file-system sync per batch, never replacing a file).
"""

from __future__ import annotations

import asyncio
import contextlib
from concurrent.futures import Executor
from pathlib import Path

from aioglacier import staging
from aioglacier.journal import Created
from aioglacier.safepath import Platform, safe_target

__all__ = ["Committer", "commit_batch", "create_partial", "finish_partial"]


def create_partial(base_dir: Path, local: str, platform: Platform | None) -> staging.PartialFile:
    """Check the name (lstat: executor only), then create the file the download writes:
    a new file no one else has (see :mod:`aioglacier.staging`)."""
    return staging.create(base_dir, safe_target(base_dir, local, platform=platform))


def finish_partial(partial: staging.PartialFile, record: Created) -> staging.PartialFile:
    """Give the staged file its size and the journal's mtime (executor only)."""
    staging.finish(partial, record.size, record.mtime)
    return partial


def commit_batch(batch: list[staging.PartialFile]) -> list[BaseException | None]:
    """Make a batch of downloads durable and put them in place (one executor job).

    Group commit: the batch's data is flushed at once (one file-system sync rather than one
    journal commit per file), then every file is linked under its final name (never replacing
    one), then the directories that received names are flushed. Thousands of small files
    restore quickly, and each is on disk, whole, before it is reported done. Every file of the
    batch is released at the end: nothing the restore created is left but the placed files.
    """
    results: list[BaseException | None] = [None] * len(batch)
    try:
        try:
            staging.flush(batch)
        except OSError as exc:
            return [exc] * len(batch)
        for i, partial in enumerate(batch):
            try:
                staging.place(partial)
            except Exception as exc:
                results[i] = exc
        with contextlib.suppress(OSError):
            staging.flush_directories(p for p, r in zip(batch, results, strict=True) if r is None)
        return results
    finally:
        for partial in batch:
            staging.release(partial)


class Committer:
    """Collects staged downloads and commits them in batches, one executor job at a time.

    At most ``max_outstanding`` files wait or are being committed at once (each holds two
    descriptors): :meth:`submit` waits for room beyond that.
    """

    def __init__(
        self, executor: Executor | None, max_batch: int = 256, max_outstanding: int = 512
    ) -> None:
        self._executor = executor
        self._max_batch = max_batch
        self._max_outstanding = max(max_outstanding, 1)
        self._pending: list[tuple[staging.PartialFile, asyncio.Future[None]]] = []
        self._in_flight = 0
        self._room: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None

    async def commit(self, staged: staging.PartialFile) -> None:
        """Return once ``staged`` is durable under its final name (or raise why not)."""
        future = await self.submit(staged)
        # Shielded: once handed over, the file is committed even if this waiter is cancelled.
        await asyncio.shield(future)

    async def submit(self, staged: staging.PartialFile) -> asyncio.Future[None]:
        """Hand ``staged`` over (waiting while ``max_outstanding`` files are outstanding);
        the future returned is done once it is durable under its final name (or holds why
        not). Once handed over, the file is committed whatever becomes of the caller."""
        loop = asyncio.get_running_loop()
        while len(self._pending) + self._in_flight >= self._max_outstanding:
            if self._room is None:
                self._room = asyncio.Event()
            await self._room.wait()
        future: asyncio.Future[None] = loop.create_future()
        self._pending.append((staged, future))
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._drain())
        return future

    async def drained(self) -> None:
        """Return once every file handed over has its outcome."""
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        while self._pending:
            batch = self._pending[: self._max_batch]
            del self._pending[: self._max_batch]
            self._in_flight = len(batch)
            try:
                results = await loop.run_in_executor(
                    self._executor, commit_batch, [s for s, _ in batch]
                )
            except BaseException as exc:  # the executor itself failed
                for staged, future in batch:
                    staging.release(staged)
                    if not future.done():
                        future.set_exception(exc)
                raise
            finally:
                self._in_flight = 0
                if self._room is not None:
                    self._room.set()
                    self._room = None
            for (_, future), result in zip(batch, results, strict=True):
                if future.done():
                    continue
                if result is None:
                    future.set_result(None)
                else:
                    future.set_exception(result)
