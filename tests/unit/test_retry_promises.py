"""Retries as the README promises them: connection errors, timeouts, 5xx (whatever the error
code says), 408 and throttling are retried with exponential backoff and full jitter; every
other error is permanent and is not repeated.

The backoff is observed exactly with an injected random source that always draws the upper
bound of the jitter interval, and an injected sleep that records the delays. The HTTP cases run
against a scripted loopback server, not a mock.
"""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import aiohttp
import pytest
from aiohttp import web

from aioglacier.backends.glacier import GlacierApi
from aioglacier.errors import RemoteError
from aioglacier.limits import RequestLimiter
from aioglacier.retry import RETRYABLE_CODES, RetryPolicy, is_retryable, with_retries
from aioglacier.sigv4 import Credentials, SigV4Signer


class UpperBound(random.Random):
    """Full jitter drawn at its upper bound: the delay is the cap itself."""

    def uniform(self, a: float, b: float) -> float:
        return b


class LowerBound(random.Random):
    def uniform(self, a: float, b: float) -> float:
        return a


def recording_sleep(slept: list[float]) -> Callable[[float], Awaitable[None]]:
    async def sleep(delay: float) -> None:
        slept.append(delay)

    return sleep


def test_backoff_doubles_up_to_its_cap() -> None:
    policy = RetryPolicy(base_delay=0.25, max_delay=3.0, rng=UpperBound())
    assert [policy.delay(n) for n in range(2, 10)] == [0.25, 0.5, 1.0, 2.0, 3.0, 3.0, 3.0, 3.0]
    assert RetryPolicy(base_delay=0.25, max_delay=3.0, rng=LowerBound()).delay(9) == 0.0
    # the defaults: 0.25 s doubling, at most 20 s
    default = RetryPolicy(rng=UpperBound())
    assert [default.delay(n) for n in (2, 3, 8, 9, 30)] == [0.25, 0.5, 16.0, 20.0, 20.0]
    assert default.max_attempts == 8


async def test_with_retries_sleeps_the_growing_backoff_between_attempts() -> None:
    slept: list[float] = []
    policy = RetryPolicy(
        max_attempts=5,
        base_delay=1.0,
        max_delay=100.0,
        rng=UpperBound(),
        sleep=recording_sleep(slept),
    )
    attempts: list[int] = []

    async def op(n: int) -> str:
        attempts.append(n)
        raise TimeoutError

    with pytest.raises(TimeoutError):
        await with_retries(op, policy)
    assert attempts == [1, 2, 3, 4, 5]
    assert slept == [1.0, 2.0, 4.0, 8.0]


async def test_the_last_error_is_raised_as_it_is() -> None:
    errors = [TimeoutError("first"), ConnectionResetError("second")]

    async def op(n: int) -> None:
        raise errors[n - 1]

    policy = RetryPolicy(max_attempts=2, sleep=recording_sleep([]))
    with pytest.raises(ConnectionResetError) as info:
        await with_retries(op, policy)
    assert info.value is errors[1]


@dataclass
class Scripted:
    """A loopback server answering each request with the next scripted (status, body)."""

    script: list[tuple[int, dict[str, str] | None]]
    seen: int = 0
    log: list[str] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        self.log.append(f"{request.method} {request.path}")
        status, body = self.script[min(self.seen, len(self.script) - 1)]
        self.seen += 1
        if status == 200:
            payload = {"VaultName": "v", "VaultARN": "arn:x", "NumberOfArchives": 0}
            payload |= {"SizeInBytes": 0, "CreationDate": "2024-01-01T00:00:00.000Z"}
            return web.json_response(payload)
        text = json.dumps(body) if body is not None else "<html>oops</html>"
        return web.Response(status=status, body=text.encode())


@pytest.fixture
async def server() -> AsyncIterator[tuple[Scripted, str]]:
    scripted = Scripted([])
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", scripted.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield scripted, f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


def api_for(session: aiohttp.ClientSession, url: str, slept: list[float]) -> GlacierApi:
    signer = SigV4Signer(Credentials("AKIDEXAMPLE", "secret"), "us-east-1", "glacier")
    policy = RetryPolicy(
        max_attempts=4,
        base_delay=0.5,
        max_delay=10.0,
        rng=UpperBound(),
        sleep=recording_sleep(slept),
    )
    return GlacierApi(session, url, signer, RequestLimiter(2), policy)


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (500, {"code": "SomethingNobodyKnows", "message": "?"}),  # unknown code, plain 500
        (500, None),  # not even JSON
        (502, {"code": "BadGateway"}),
        (503, {"code": "ServiceUnavailableException", "message": "later"}),
        (408, {"code": "RequestTimeout"}),
        (400, {"code": "ThrottlingException", "message": "Rate exceeded"}),
        (400, {"code": "RequestTimeoutException"}),
    ],
)
async def test_transient_responses_are_retried_with_backoff(
    server: tuple[Scripted, str], status: int, body: dict[str, str] | None
) -> None:
    scripted, url = server
    scripted.script = [(status, body), (status, body), (200, None)]
    slept: list[float] = []
    async with aiohttp.ClientSession() as session:
        info = await api_for(session, url, slept).describe_vault("v")
    assert info.name == "v"
    assert scripted.seen == 3
    assert slept == [0.5, 1.0]


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (400, {"code": "InvalidParameterValueException", "message": "bad"}),
        (404, {"code": "ResourceNotFoundException", "message": "no vault"}),
        (403, {"code": "SomethingNobodyKnows", "message": "no"}),
    ],
)
async def test_permanent_responses_are_not_repeated(
    server: tuple[Scripted, str], status: int, body: dict[str, str]
) -> None:
    scripted, url = server
    scripted.script = [(status, body), (200, None)]
    slept: list[float] = []
    async with aiohttp.ClientSession() as session:
        with pytest.raises(RemoteError) as info:
            await api_for(session, url, slept).describe_vault("v")
    assert (info.value.code, info.value.status, info.value.retryable) == (
        body["code"],
        status,
        False,
    )
    assert scripted.seen == 1
    assert slept == []


async def test_attempts_run_out_on_a_service_that_stays_down(
    server: tuple[Scripted, str],
) -> None:
    scripted, url = server
    scripted.script = [(500, {"code": "Odd", "message": "down"})]
    slept: list[float] = []
    async with aiohttp.ClientSession() as session:
        with pytest.raises(RemoteError) as info:
            await api_for(session, url, slept).describe_vault("v")
    assert str(info.value) == "Odd: down"
    assert info.value.retryable
    assert scripted.seen == 4
    assert slept == [0.5, 1.0, 2.0]


@pytest.mark.parametrize("code", sorted(RETRYABLE_CODES))
def test_throttling_codes_are_retryable_whatever_the_status(code: str) -> None:
    assert code in RETRYABLE_CODES
    assert is_retryable(RemoteError(code, "", status=400, retryable=True))


async def test_on_retry_is_told_the_attempt_and_the_error() -> None:
    errors = [TimeoutError("one"), ConnectionResetError("two")]

    async def op(n: int) -> str:
        if n <= len(errors):
            raise errors[n - 1]
        return "done"

    told: list[tuple[int, BaseException]] = []
    policy = RetryPolicy(max_attempts=3, sleep=recording_sleep([]))
    assert await with_retries(op, policy, on_retry=lambda n, e: told.append((n, e))) == "done"
    assert told == [(2, errors[0]), (3, errors[1])]
