"""SignedHttp, the layer GlacierApi and S3Api send through: retries, the request deadline, the
error decoder passed in, the limiter slot (never held while waiting), streamed bodies.

Every case runs against a scripted loopback aiohttp server; the backoff is observed with an
injected random source drawing the upper bound and an injected sleep that records the delays.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from aioglacier.backends.glacier import GlacierApi
from aioglacier.backends.s3 import S3Api
from aioglacier.config import Timeouts
from aioglacier.errors import NotFound, RemoteError, Throttled, remote_error
from aioglacier.http import SignedHttp
from aioglacier.limits import RequestLimiter
from aioglacier.progress import Retrying
from aioglacier.retry import RetryPolicy
from aioglacier.sigv4 import EMPTY_SHA256, Credentials, SigV4Signer
from aioglacier.transport import STREAM_CHUNK, NetworkError, RequestTimeout


class UpperBound(random.Random):
    """Full jitter drawn at its upper bound: the delay is the cap itself."""

    def uniform(self, a: float, b: float) -> float:
        return b


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Script:
    """Answers each request with the next scripted (status, headers, body); ``hang`` makes
    every request wait for ``release`` instead."""

    answers: list[tuple[int, dict[str, str], bytes]] = field(default_factory=list)
    seen: list[Seen] = field(default_factory=list)
    hang: bool = False
    release: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.seen.append(Seen(request.method, request.path_qs, dict(request.headers), body))
        if self.hang:
            await self.release.wait()
        status, headers, payload = self.answers.pop(0)
        return web.Response(status=status, headers=headers, body=payload)


@pytest.fixture
async def server() -> AsyncIterator[tuple[Script, str]]:
    script = Script()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", script.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield script, f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        script.release.set()
        await runner.cleanup()


@dataclass
class Decoder:
    """An API's error decoder: records what it was given, builds typed errors."""

    given: list[tuple[int, bytes, dict[str, str]]] = field(default_factory=list)

    def __call__(self, status: int, body: bytes, headers: Mapping[str, str]) -> RemoteError:
        self.given.append((status, body, {"x-req": headers.get("x-req", "")}))
        code, _, message = body.decode().partition(":")
        return remote_error(
            code,
            message,
            status=status,
            retryable=status >= 500 or code == "SlowDown",
            request_id=headers.get("x-req"),
        )


def recording(slept: list[float]) -> Callable[[float], Awaitable[None]]:
    async def sleep(delay: float) -> None:
        slept.append(delay)

    return sleep


def layer(
    session: aiohttp.ClientSession,
    decoder: Decoder,
    *,
    slept: list[float] | None = None,
    sleep: Callable[[float], Awaitable[None]] | None = None,
    limiter: RequestLimiter | None = None,
    attempts: int = 4,
    base_delay: float = 0.5,
    timeouts: Timeouts | None = None,
    events: list[Retrying] | None = None,
) -> SignedHttp:
    policy = RetryPolicy(
        max_attempts=attempts,
        base_delay=base_delay,
        max_delay=10.0,
        rng=UpperBound(),
        sleep=sleep or recording(slept if slept is not None else []),
    )
    return SignedHttp(
        session,
        SigV4Signer(Credentials("AKID", "SECRET"), "us-east-1", "glacier"),
        limiter or RequestLimiter(2),
        policy,
        decoder,
        timeouts=timeouts,
        listener=None if events is None else events.append,
        subject="photos/a.jpg",
    )


async def test_a_transient_error_is_retried_with_backoff_and_reported(
    server: tuple[Script, str],
) -> None:
    script, url = server
    script.answers = [
        (503, {"x-req": "R1"}, b"SlowDown:reduce your rate"),
        (500, {"x-req": "R2"}, b"InternalError:oops"),
        (201, {"x-id": "A"}, b"done"),
    ]
    decoder = Decoder()
    slept: list[float] = []
    events: list[Retrying] = []
    told: list[tuple[int, str]] = []
    headers = {"x-amz-glacier-version": "2012-06-01", "Content-Type": "application/octet-stream"}
    body = b"payload"
    async with aiohttp.ClientSession() as session:
        http = layer(session, decoder, slept=slept, events=events)
        status, resp_headers, content = await http.request(
            "POST",
            f"{url}/-/vaults/v/archives",
            operation="upload_archive",
            headers=headers,
            body=body,
            payload_hash=hashlib.sha256(body).hexdigest(),
            expect=(201,),
            on_retry=lambda n, e: told.append((n, type(e).__name__)),
        )
    assert (status, resp_headers["x-id"], content) == (201, "A", b"done")
    assert [(s.method, s.path, s.body) for s in script.seen] == [
        ("POST", "/-/vaults/v/archives", body)
    ] * 3
    # each attempt is signed anew, never over the previous attempt's signature
    signed = [s.headers["Authorization"].split("SignedHeaders=")[1] for s in script.seen]
    assert [names.split(",")[0] for names in signed] == [
        "content-type;host;x-amz-date;x-amz-glacier-version"
    ] * 3
    assert {h: v for h, v in headers.items() if h not in ("Authorization", "X-Amz-Date")} == {
        "x-amz-glacier-version": "2012-06-01",
        "Content-Type": "application/octet-stream",
    }
    assert decoder.given == [
        (503, b"SlowDown:reduce your rate", {"x-req": "R1"}),
        (500, b"InternalError:oops", {"x-req": "R2"}),
    ]
    assert slept == [0.5, 1.0]
    assert told == [(2, "Throttled"), (3, "RemoteError")]
    assert events == [
        Retrying("upload_archive", "photos/a.jpg", "503 SlowDown", 2, 4, 0.5),
        Retrying("upload_archive", "photos/a.jpg", "500 InternalError", 3, 4, 1.0),
    ]


async def test_the_decoders_error_is_raised_as_it_is(server: tuple[Script, str]) -> None:
    script, url = server
    script.answers = [(404, {"x-req": "R9"}, b"ResourceNotFoundException:no vault")]
    decoder = Decoder()
    slept: list[float] = []
    async with aiohttp.ClientSession() as session:
        http = layer(session, decoder, slept=slept)
        with pytest.raises(NotFound) as info:
            await http.request(
                "GET",
                f"{url}/-/vaults/x",
                operation="describe_vault",
                headers={},
                payload_hash=EMPTY_SHA256,
            )
    err = info.value
    assert (err.code, err.message, err.status, err.retryable, err.request_id) == (
        "ResourceNotFoundException",
        "no vault",
        404,
        False,
        "R9",
    )
    assert len(script.seen) == 1
    assert slept == []


async def test_attempts_run_out_with_the_last_answer(server: tuple[Script, str]) -> None:
    script, url = server
    script.answers = [(503, {}, b"SlowDown:later")] * 3
    slept: list[float] = []
    async with aiohttp.ClientSession() as session:
        http = layer(session, Decoder(), slept=slept, attempts=3)
        with pytest.raises(Throttled) as info:
            await http.request(
                "GET", f"{url}/x", operation="op", headers={}, payload_hash=EMPTY_SHA256
            )
    assert str(info.value) == "SlowDown: later"
    assert len(script.seen) == 3
    assert slept == [0.5, 1.0]


async def test_no_retry_means_one_attempt(server: tuple[Script, str]) -> None:
    script, url = server
    script.answers = [(503, {}, b"SlowDown:later")]
    async with aiohttp.ClientSession() as session:
        http = layer(session, Decoder())
        with pytest.raises(Throttled):
            await http.request(
                "PUT",
                f"{url}/x",
                operation="op",
                headers={},
                payload_hash=EMPTY_SHA256,
                retry=False,
            )
    assert len(script.seen) == 1


async def test_a_backoff_past_the_deadline_ends_the_request(server: tuple[Script, str]) -> None:
    script, url = server
    script.answers = [(503, {}, b"SlowDown:later")] * 2
    slept: list[float] = []
    async with aiohttp.ClientSession() as session:
        http = layer(
            session, Decoder(), slept=slept, base_delay=10.0, timeouts=Timeouts(deadline=5)
        )
        with pytest.raises(NetworkError) as info:
            await http.request(
                "GET", f"{url}/x", operation="list_jobs", headers={}, payload_hash=EMPTY_SHA256
            )
    assert (info.value.code, str(info.value), info.value.attempts) == (
        "RequestDeadlineExceeded",
        "list_jobs: 503 SlowDown; request deadline of 5 s passed (gave up after 1 attempt)",
        1,
    )
    assert len(script.seen) == 1
    assert slept == []


async def test_the_deadline_bounds_an_attempt_that_never_ends(
    server: tuple[Script, str],
) -> None:
    script, url = server
    script.hang = True
    limits = Timeouts(connect=30, first_byte=30, stall=30, deadline=0.2)
    limiter = RequestLimiter(1)
    async with aiohttp.ClientSession() as session:
        http = layer(session, Decoder(), limiter=limiter, timeouts=limits)
        with pytest.raises(NetworkError) as info:
            await http.request(
                "GET",
                f"{url}/x",
                operation="describe_job",
                headers={},
                payload_hash=EMPTY_SHA256,
            )
    assert (info.value.code, str(info.value)) == (
        "RequestDeadlineExceeded",
        "describe_job: request deadline of 0.2 s passed (gave up after 1 attempt)",
    )
    assert len(script.seen) == 1
    assert limiter.in_flight == 0


async def test_the_limiter_slot_is_released_while_waiting_to_retry(
    server: tuple[Script, str],
) -> None:
    """One slot: a request sent while the first waits for its retry gets it at once."""
    script, url = server
    script.answers = [(503, {}, b"SlowDown:later"), (200, {}, b"other"), (200, {}, b"first")]
    limiter = RequestLimiter(1)
    during_wait: list[tuple[int, bytes]] = []
    async with aiohttp.ClientSession() as session:
        http: SignedHttp

        async def sleep(delay: float) -> None:
            in_flight = limiter.in_flight
            _, _, other = await http.request(
                "GET", f"{url}/other", operation="other", headers={}, payload_hash=EMPTY_SHA256
            )
            during_wait.append((in_flight, other))

        http = layer(session, Decoder(), sleep=sleep, limiter=limiter)
        _, _, content = await http.request(
            "GET", f"{url}/first", operation="first", headers={}, payload_hash=EMPTY_SHA256
        )
    assert content == b"first"
    assert during_wait == [(0, b"other")]
    assert [s.path for s in script.seen] == ["/first", "/other", "/first"]
    assert (limiter.in_flight, limiter.peak, limiter.total) == (0, 1, 3)


async def test_a_check_turns_an_expected_answer_into_a_retried_error(
    server: tuple[Script, str],
) -> None:
    script, url = server
    script.answers = [(200, {}, b"<Error>InternalError"), (200, {}, b"<Done/>")]
    slept: list[float] = []

    def check(status: int, headers: Mapping[str, str], body: bytes) -> None:
        if body.startswith(b"<Error>"):
            raise remote_error(body[7:].decode(), "", status=status, retryable=True)

    async with aiohttp.ClientSession() as session:
        http = layer(session, Decoder(), slept=slept)
        answer = await http.request(
            "POST",
            f"{url}/k?uploadId=U",
            operation="complete",
            headers={},
            payload_hash=EMPTY_SHA256,
            check=check,
        )
    assert (answer[0], answer[2]) == (200, b"<Done/>")
    assert len(script.seen) == 2
    assert slept == [0.5]


async def test_a_large_body_is_streamed_from_memory_whole(server: tuple[Script, str]) -> None:
    script, url = server
    script.answers = [(204, {}, b"")]
    body = bytes(range(256)) * (STREAM_CHUNK // 256 * 3 + 7)  # three slices and a bit
    async with aiohttp.ClientSession() as session:
        http = layer(session, Decoder())
        status, _, content = await http.request(
            "PUT",
            f"{url}/part",
            operation="upload_part",
            headers={"Content-Length": str(len(body))},
            body=memoryview(body),
            payload_hash=hashlib.sha256(body).hexdigest(),
            expect=(204,),
        )
    assert (status, content) == (204, b"")
    [seen] = script.seen
    assert seen.body == body
    assert seen.headers["Content-Length"] == str(len(body))


async def test_open_streams_the_body_in_a_slot(server: tuple[Script, str]) -> None:
    script, url = server
    script.answers = [(206, {"Content-Range": "bytes 0-4/10"}, b"01234")]
    limiter = RequestLimiter(2)
    async with aiohttp.ClientSession() as session:
        http = layer(session, Decoder(), limiter=limiter)
        async with http.open(
            "GET",
            f"{url}/obj",
            {"Range": "bytes=0-4"},
            unsigned_headers={"Accept-Encoding": "identity"},
        ) as answer:
            held = limiter.in_flight
            data = await answer.read()
    assert (answer.status, answer.headers["Content-Range"], answer.content_length) == (
        206,
        "bytes 0-4/10",
        5,
    )
    assert (data, held, limiter.in_flight) == (b"01234", 1, 0)
    [seen] = script.seen
    assert seen.headers["Range"] == "bytes=0-4"
    assert seen.headers["Accept-Encoding"] == "identity"
    signed = seen.headers["Authorization"].split("SignedHeaders=")[1].split(",")[0].split(";")
    assert signed == ["host", "range", "x-amz-date"]  # Accept-Encoding left unsigned


async def test_open_raises_the_decoded_error(server: tuple[Script, str]) -> None:
    script, url = server
    script.answers = [(403, {"x-req": "R3"}, b"InvalidObjectState:archived")]
    decoder = Decoder()
    limiter = RequestLimiter(1)
    async with aiohttp.ClientSession() as session:
        http = layer(session, decoder, limiter=limiter)
        with pytest.raises(RemoteError) as info:
            async with http.open("GET", f"{url}/obj", {}):
                pytest.fail("an error answer opens nothing")
    assert (info.value.code, info.value.status, info.value.request_id) == (
        "InvalidObjectState",
        403,
        "R3",
    )
    assert decoder.given == [(403, b"InvalidObjectState:archived", {"x-req": "R3"})]
    assert limiter.in_flight == 0


async def test_bind_names_the_subject_and_keeps_the_rest(server: tuple[Script, str]) -> None:
    script, url = server
    script.answers = [(500, {}, b"InternalError:x"), (200, {}, b"")]
    first: list[Retrying] = []
    second: list[Retrying] = []
    async with aiohttp.ClientSession() as session:
        http = layer(session, Decoder(), events=first)
        bound = http.bind(subject="b.txt", listener=second.append)
        await bound.request(
            "GET", f"{url}/x", operation="op", headers={}, payload_hash=EMPTY_SHA256
        )
    assert first == []
    assert second == [Retrying("op", "b.txt", "500 InternalError", 2, 4, 0.5)]
    assert bound.limiter is http.limiter


# ---------------------------------------------------------------- the two APIs on the layer


def s3_api(session: aiohttp.ClientSession, url: str, **kwargs: Any) -> S3Api:
    signer = SigV4Signer.for_s3(Credentials("AKID", "SECRET"), "us-east-1")
    retry = RetryPolicy(max_attempts=1, rng=random.Random(0))
    return S3Api(session, url, signer, RequestLimiter(1), retry, **kwargs)


def glacier_api(session: aiohttp.ClientSession, url: str) -> GlacierApi:
    signer = SigV4Signer(Credentials("AKID", "SECRET"), "us-east-1", "glacier")
    retry = RetryPolicy(max_attempts=1, rng=random.Random(0))
    return GlacierApi(session, url, signer, RequestLimiter(1), retry)


async def test_each_apis_decoder_types_its_errors(server: tuple[Script, str]) -> None:
    script, url = server
    script.answers = [
        (404, {}, b'{"code":"ResourceNotFoundException","message":"no vault"}'),
        (400, {}, b'{"code":"ThrottlingException","message":"Rate exceeded"}'),
        (404, {}, b"<Error><Code>NoSuchKey</Code><Message>gone</Message></Error>"),
        (503, {}, b"<Error><Code>SlowDown</Code><Message>later</Message></Error>"),
        (403, {}, b"<Error><Code>AccessDenied</Code><Message>no</Message></Error>"),
    ]
    async with aiohttp.ClientSession() as session:
        glacier, s3 = glacier_api(session, url), s3_api(session, url)
        with pytest.raises(NotFound, match="ResourceNotFoundException: no vault"):
            await glacier.describe_vault("v")
        with pytest.raises(Throttled, match="ThrottlingException: Rate exceeded"):
            await glacier.describe_vault("v")
        with pytest.raises(NotFound, match="NoSuchKey: gone"):
            await s3.get_bucket_versioning("bkt")
        with pytest.raises(Throttled, match="SlowDown: later"):
            await s3.get_bucket_versioning("bkt")
        with pytest.raises(RemoteError) as denied:
            await s3.get_bucket_versioning("bkt")
    assert type(denied.value) is RemoteError
    assert len(script.seen) == 5


async def test_s3_get_object_streams_through_the_layer(server: tuple[Script, str]) -> None:
    script, url = server
    script.answers = [(200, {"ETag": '"e"'}, b"stored bytes")]
    async with aiohttp.ClientSession() as session:
        s3 = s3_api(session, url)
        async with s3.get_object("bkt", "k") as obj:
            held = s3.limiter.in_flight
            data = await obj.read()
    assert (data, obj.etag, obj.size, held, s3.limiter.in_flight) == (
        b"stored bytes",
        '"e"',
        12,
        1,
        0,
    )


async def test_s3_get_object_body_that_stalls_fails_the_attempt() -> None:
    """Headers, then a few bytes, then nothing: the stall limit ends the read."""
    release = asyncio.Event()

    async def handle(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Length": "100", "ETag": '"e"'})
        await response.prepare(request)
        await response.write(b"first bytes")
        await release.wait()
        return response

    app = web.Application()
    app.router.add_get("/{tail:.*}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    limits = Timeouts(connect=30, first_byte=30, stall=0.2, deadline=60)
    try:
        async with aiohttp.ClientSession() as session:
            s3 = s3_api(session, f"http://127.0.0.1:{runner.addresses[0][1]}", timeouts=limits)
            with pytest.raises(RequestTimeout) as late:
                async with s3.get_object("bkt", "k") as obj:
                    await obj.read()
            assert s3.limiter.in_flight == 0
    finally:
        release.set()
        await runner.cleanup()
    assert (str(late.value), late.value.retryable) == (
        "no data received for 0.2 s (stall timeout)",
        True,
    )
