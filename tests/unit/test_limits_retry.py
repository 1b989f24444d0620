"""ByteBudget, RequestLimiter and the retry policy."""

from __future__ import annotations

import asyncio
import random

import aiohttp
import pytest

from aioglacier.errors import RemoteError
from aioglacier.limits import ByteBudget, RequestLimiter
from aioglacier.retry import RetryPolicy, is_retryable, with_retries


async def test_byte_budget_blocks_until_released() -> None:
    budget = ByteBudget(10)
    await budget.acquire(6)
    waiter = asyncio.create_task(budget.acquire(6))
    await asyncio.sleep(0)
    assert not waiter.done()
    budget.release(6)
    await asyncio.wait_for(waiter, 1)
    assert budget.used == 6
    assert budget.peak == 6


async def test_byte_budget_is_fifo() -> None:
    budget = ByteBudget(10)
    await budget.acquire(10)
    order: list[int] = []

    async def take(n: int) -> None:
        await budget.acquire(n)
        order.append(n)

    big = asyncio.create_task(take(8))
    await asyncio.sleep(0)
    small = asyncio.create_task(take(1))
    await asyncio.sleep(0)
    budget.release(10)
    await asyncio.gather(big, small)
    assert order == [8, 1]
    assert budget.used == 9


async def test_byte_budget_admits_oversized_alone() -> None:
    budget = ByteBudget(4)
    await budget.acquire(100)
    assert budget.used == 100
    budget.release(100)
    assert budget.used == 0


async def test_byte_budget_cancelled_waiter_leaves_no_trace() -> None:
    budget = ByteBudget(4)
    await budget.acquire(4)
    waiter = asyncio.create_task(budget.acquire(4))
    await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    budget.release(4)
    assert budget.used == 0
    await budget.acquire(4)
    assert budget.used == 4


def test_byte_budget_over_release() -> None:
    with pytest.raises(RuntimeError, match="released more than acquired"):
        ByteBudget(4).release(1)


async def test_request_limiter_bounds_in_flight() -> None:
    limiter = RequestLimiter(3)

    async def one() -> None:
        async with limiter.slot():
            await asyncio.sleep(0.001)

    await asyncio.gather(*(one() for _ in range(20)))
    assert limiter.peak == 3
    assert limiter.total == 20
    assert limiter.in_flight == 0


def test_full_jitter_delays_are_bounded() -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=4.0, rng=random.Random(7))
    for attempt in range(2, 12):
        cap = min(4.0, 0.5 * 2 ** (attempt - 2))
        for _ in range(50):
            assert 0.0 <= policy.delay(attempt) <= cap


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (RemoteError("ThrottlingException", "slow down", status=400, retryable=True), True),
        (RemoteError("InvalidParameterValueException", "bad", status=400), False),
        (aiohttp.ServerDisconnectedError(), True),
        (aiohttp.ClientPayloadError("truncated"), True),
        (TimeoutError(), True),
        (ConnectionResetError(), True),
        (ValueError("x"), False),
    ],
)
def test_is_retryable(exc: BaseException, expected: bool) -> None:
    assert is_retryable(exc) is expected


async def test_with_retries_retries_transient_then_succeeds() -> None:
    slept: list[float] = []

    async def sleep(d: float) -> None:
        slept.append(d)

    policy = RetryPolicy(max_attempts=5, rng=random.Random(1), sleep=sleep)
    attempts: list[int] = []

    async def op(n: int) -> str:
        attempts.append(n)
        if n < 3:
            raise RemoteError("ServiceUnavailableException", "", status=500, retryable=True)
        return "ok"

    retried: list[int] = []
    assert await with_retries(op, policy, on_retry=lambda n, e: retried.append(n)) == "ok"
    assert attempts == [1, 2, 3]
    assert retried == [2, 3]
    assert len(slept) == 2


async def test_with_retries_gives_up_after_max_attempts() -> None:
    async def sleep(d: float) -> None:
        return None

    policy = RetryPolicy(max_attempts=3, sleep=sleep)
    calls = 0

    async def op(n: int) -> None:
        nonlocal calls
        calls += 1
        raise aiohttp.ServerDisconnectedError()

    with pytest.raises(aiohttp.ServerDisconnectedError):
        await with_retries(op, policy)
    assert calls == 3


async def test_with_retries_does_not_retry_permanent() -> None:
    calls = 0

    async def op(n: int) -> None:
        nonlocal calls
        calls += 1
        raise RemoteError("ResourceNotFoundException", "no vault", status=404)

    with pytest.raises(RemoteError, match="ResourceNotFoundException: no vault"):
        await with_retries(op, RetryPolicy())
    assert calls == 1


async def test_with_retries_start_continues_the_count() -> None:
    slept: list[float] = []

    async def sleep(d: float) -> None:
        slept.append(d)

    policy = RetryPolicy(
        max_attempts=4, base_delay=1.0, max_delay=100.0, rng=random.Random(3), sleep=sleep
    )
    seen: list[int] = []

    async def op(n: int) -> None:
        seen.append(n)
        raise TimeoutError

    with pytest.raises(TimeoutError):
        await with_retries(op, policy, start=2)
    assert seen == [2, 3, 4]  # attempts 2 to 4: the first was made by the caller
    assert len(slept) == 2
    assert slept[0] <= 2.0  # delay before attempt 3
    assert slept[1] <= 4.0  # delay before attempt 4
