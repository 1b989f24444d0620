"""ExecutorBatcher: one executor hop per loop turn, results and errors to their own awaiters."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from aioglacier.batching import ExecutorBatcher


async def test_jobs_of_one_turn_share_one_executor_job() -> None:
    threads: list[int] = []

    def square(n: int) -> int:
        threads.append(threading.get_ident())
        if n == 3:
            raise ValueError("three")
        return n * n

    with ThreadPoolExecutor(4) as pool:
        batcher = ExecutorBatcher(square, pool, max_batch=64)
        results = await asyncio.gather(
            *(batcher.submit(n) for n in range(10)), return_exceptions=True
        )
    assert results[:3] == [0, 1, 4]
    assert isinstance(results[3], ValueError)
    assert str(results[3]) == "three"
    assert results[4:] == [16, 25, 36, 49, 64, 81]
    assert batcher.batches == 1
    assert len(set(threads)) == 1
    assert threading.get_ident() not in threads  # never on the loop thread


async def test_max_batch_splits() -> None:
    batcher = ExecutorBatcher(lambda n: n + 1, None, max_batch=4)
    assert await asyncio.gather(*(batcher.submit(n) for n in range(10))) == list(range(1, 11))
    assert batcher.batches == 3


async def test_cancelled_awaiter_does_not_break_the_batch() -> None:
    gate = threading.Event()
    running = threading.Event()

    def slow(n: int) -> int:
        running.set()
        gate.wait(60)
        return n

    batcher = ExecutorBatcher(slow, None)
    first = asyncio.create_task(batcher.submit(1))
    second = asyncio.create_task(batcher.submit(2))
    await asyncio.to_thread(running.wait)  # the batch is in its executor job
    first.cancel()
    gate.set()
    assert await second == 2
    with pytest.raises(asyncio.CancelledError):
        await first
