"""Retries: exponential backoff with full jitter, a bounded number of attempts.

What is retried: connection errors, timeouts, truncated bodies, HTTP 5xx, 408, and AWS's
throttling and request-timeout error codes. Everything else is permanent. Randomness and sleeping
are injected so tests are deterministic and fast.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

import aiohttp

from aioglacier.errors import RemoteError

__all__ = ["RETRYABLE_CODES", "RetryPolicy", "is_retryable", "with_retries"]

T = TypeVar("T")

#: AWS error codes that mean "try again later" whatever the status.
RETRYABLE_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "RequestTimeoutException",
        "RequestTimeout",
        "ServiceUnavailableException",
        "ServiceUnavailable",
        "SlowDown",
        "InternalError",
        "InternalFailure",
        "RequestLimitExceeded",
    }
)


def is_retryable(exc: BaseException) -> bool:
    """Whether ``exc`` is a transient failure worth another attempt."""
    if isinstance(exc, RemoteError):
        return exc.retryable
    return isinstance(
        exc,
        aiohttp.ClientConnectionError
        | aiohttp.ClientPayloadError
        | aiohttp.ServerDisconnectedError
        | TimeoutError
        | ConnectionError,
    )


@dataclass(frozen=True)
class RetryPolicy:
    """Attempts, delays and the injected randomness and sleep function.

    The delay before attempt ``n`` (``n`` >= 2) is uniform in ``[0, min(max_delay, base_delay *
    2 ** (n - 2))]`` ("full jitter").
    """

    max_attempts: int = 8
    base_delay: float = 0.25
    max_delay: float = 20.0
    rng: random.Random = field(default_factory=random.Random, repr=False, compare=False)
    sleep: Callable[[float], Awaitable[None]] = field(
        default=asyncio.sleep, repr=False, compare=False
    )

    def delay(self, attempt: int) -> float:
        """The jittered delay before attempt number ``attempt`` (2 for the first retry)."""
        cap = min(self.max_delay, self.base_delay * (2 ** max(0, attempt - 2)))
        return self.rng.uniform(0.0, cap)


async def with_retries(
    operation: Callable[[int], Awaitable[T]],
    policy: RetryPolicy,
    *,
    on_retry: Callable[[int, BaseException], None] | None = None,
    start: int = 1,
) -> T:
    """Await ``operation(attempt)`` until it succeeds, fails permanently or attempts run out.

    ``on_retry(next_attempt, error)`` is called before each retry (to rewind progress, log...).
    ``start`` numbers the first attempt (a caller that already made attempts continues the
    count and the backoff). The last error is raised as it is.
    """
    attempt = start
    while True:
        try:
            return await operation(attempt)
        except Exception as exc:
            if attempt >= policy.max_attempts or not is_retryable(exc):
                raise
            attempt += 1
            if on_retry is not None:
                on_retry(attempt, exc)
            await policy.sleep(policy.delay(attempt))
