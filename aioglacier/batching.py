"""Batching many small blocking jobs into few executor hops.

A sync of many small files, or a check of many small files, would pay one thread hand-off per
file. :class:`ExecutorBatcher` collects every job submitted during one turn of the event loop
(up to ``max_batch``) and runs them together in ONE executor job, so the work stays off the
loop thread at a fraction of the hand-offs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Generic, TypeVar

__all__ = ["ExecutorBatcher"]

J = TypeVar("J")
R = TypeVar("R")


def _run_all(function: Callable[[J], R], jobs: list[J]) -> list[R | BaseException]:
    out: list[R | BaseException] = []
    for job in jobs:
        try:
            out.append(function(job))
        except Exception as exc:
            out.append(exc)
    return out


class ExecutorBatcher(Generic[J, R]):
    """Run ``function(job)`` in ``executor`` for each submitted job, batched per loop turn.

    Each job's result or exception goes back to its own awaiter. Cancelling an awaiter does not
    stop its job (it may already be running in a thread).
    """

    def __init__(
        self, function: Callable[[J], R], executor: Executor | None = None, max_batch: int = 64
    ) -> None:
        self._function = function
        self._executor = executor
        self._max_batch = max_batch
        self._pending: list[tuple[J, asyncio.Future[R]]] = []
        self._scheduled = False
        self.batches = 0
        """Executor jobs started so far."""

    async def submit(self, job: J) -> R:
        """Run ``function(job)`` in a batch; return its result or raise its exception."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[R] = loop.create_future()
        self._pending.append((job, future))
        if len(self._pending) >= self._max_batch:
            self._flush()
        elif not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._flush)
        return await future

    def _flush(self) -> None:
        self._scheduled = False
        batch, self._pending = self._pending, []
        if not batch:
            return
        self.batches += 1
        loop = asyncio.get_running_loop()
        done = loop.run_in_executor(
            self._executor, _run_all, self._function, [job for job, _ in batch]
        )

        def deliver(fut: asyncio.Future[list[R | BaseException]]) -> None:
            if fut.cancelled():
                for _, f in batch:
                    f.cancel()
                return
            error = fut.exception()
            results: list[R | BaseException] = (
                [error] * len(batch) if error is not None else fut.result()
            )
            for (_, f), result in zip(batch, results, strict=True):
                if f.done():
                    continue
                if isinstance(result, BaseException):
                    f.set_exception(result)
                else:
                    f.set_result(result)

        done.add_done_callback(deliver)
