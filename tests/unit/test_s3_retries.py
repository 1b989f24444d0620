"""S3Api's retries and S3's 200-with-error answers, against a scripted loopback server."""

from __future__ import annotations

import hashlib
import random
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from aioglacier.backends.s3 import CompletedPart, S3Api
from aioglacier.errors import RemoteError
from aioglacier.limits import RequestLimiter
from aioglacier.progress import Retrying
from aioglacier.retry import RetryPolicy
from aioglacier.sigv4 import Credentials, SigV4Signer

SLOW_DOWN = (
    b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"
)
INTERNAL = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n\n<Error><Code>InternalError</Code>'
    b"<Message>We encountered an internal error. Please try again.</Message></Error>"
)
DONE = (
    b"<CompleteMultipartUploadResult><ETag>&quot;e-1&quot;</ETag></CompleteMultipartUploadResult>"
)


class Script:
    """Answers each request with the next scripted (status, headers, body)."""

    def __init__(self) -> None:
        self.answers: list[tuple[int, dict[str, str], bytes]] = []
        self.bodies: list[bytes] = []

    async def handle(self, request: web.Request) -> web.Response:
        self.bodies.append(await request.read())
        status, headers, body = self.answers.pop(0)
        return web.Response(status=status, headers=headers, body=body)


@pytest.fixture
async def scripted() -> AsyncIterator[tuple[Script, S3Api]]:
    script = Script()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", script.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    sleeps: list[float] = []

    async def sleep(delay: float) -> None:
        sleeps.append(delay)

    retry = RetryPolicy(max_attempts=3, rng=random.Random(0), sleep=sleep)
    async with aiohttp.ClientSession() as session:
        api = S3Api(
            session,
            f"http://127.0.0.1:{runner.addresses[0][1]}",
            SigV4Signer.for_s3(Credentials("AK", "SECRET"), "us-east-1"),
            RequestLimiter(2),
            retry,
        )
        try:
            yield script, api
        finally:
            await runner.cleanup()


async def test_throttled_put_is_retried_with_the_same_body(
    scripted: tuple[Script, S3Api],
) -> None:
    script, api = scripted
    script.answers = [(503, {}, SLOW_DOWN), (200, {"ETag": '"e"'}, b"")]
    body = b"payload"
    result = await api.put_object("bkt", "k", body, sha256=hashlib.sha256(body).hexdigest())
    assert result.etag == '"e"'
    assert script.bodies == [body, body]
    assert api.limiter.in_flight == 0


async def test_attempts_run_out_with_the_last_error(scripted: tuple[Script, S3Api]) -> None:
    script, api = scripted
    script.answers = [(503, {}, SLOW_DOWN)] * 3
    with pytest.raises(RemoteError) as info:
        await api.put_object("bkt", "k", b"x", sha256=hashlib.sha256(b"x").hexdigest())
    assert (info.value.code, info.value.throttled, info.value.retryable) == ("SlowDown", True, True)
    assert str(info.value) == "SlowDown: Please reduce your request rate."
    assert len(script.bodies) == 3


async def test_permanent_errors_are_not_retried(scripted: tuple[Script, S3Api]) -> None:
    script, api = scripted
    script.answers = [
        (403, {}, b"<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>")
    ]
    with pytest.raises(RemoteError) as info:
        await api.put_object("bkt", "k", b"x", sha256=hashlib.sha256(b"x").hexdigest())
    assert (info.value.code, info.value.status, info.value.retryable) == (
        "AccessDenied",
        403,
        False,
    )
    assert len(script.bodies) == 1


async def test_complete_answering_200_with_an_error_is_retried(
    scripted: tuple[Script, S3Api],
) -> None:
    script, api = scripted
    script.answers = [(200, {}, INTERNAL), (200, {"x-amz-version-id": "V"}, DONE)]
    done = await api.complete_multipart_upload("bkt", "k", "U", [CompletedPart(1, '"e1"')])
    assert (done.etag, done.version_id) == ('"e-1"', "V")
    assert len(script.bodies) == 2
    assert script.bodies[0] == script.bodies[1]


async def test_complete_answering_200_with_a_permanent_error_raises(
    scripted: tuple[Script, S3Api],
) -> None:
    script, api = scripted
    script.answers = [
        (200, {}, b"<Error><Code>InvalidPart</Code><Message>One or more parts.</Message></Error>")
    ]
    with pytest.raises(RemoteError) as info:
        await api.complete_multipart_upload("bkt", "k", "U", [CompletedPart(1, '"e1"')])
    assert (info.value.code, info.value.status, info.value.retryable) == ("InvalidPart", 200, False)


async def test_a_checksum_the_server_did_not_store_is_an_error(
    scripted: tuple[Script, S3Api],
) -> None:
    script, api = scripted
    script.answers = [(200, {"ETag": '"e"', "x-amz-checksum-sha256": "AAAA"}, b"")]
    with pytest.raises(RemoteError, match="ChecksumMismatch: the service stored SHA256 AAAA"):
        await api.put_object("bkt", "k", b"x", sha256=hashlib.sha256(b"x").hexdigest())


async def test_malformed_listing_is_an_invalid_response(scripted: tuple[Script, S3Api]) -> None:
    script, api = scripted
    script.answers = [(200, {}, b"<ListBucketResult><Contents><Size>big</Size>")]
    with pytest.raises(RemoteError) as info:
        _ = [o async for o in api.list_objects_v2("bkt")]
    assert info.value.code == "InvalidResponse"
    assert str(info.value).startswith("InvalidResponse: malformed XML response")


async def test_retries_are_reported_to_a_bound_listener(scripted: tuple[Script, S3Api]) -> None:
    script, api = scripted
    script.answers = [(503, {}, SLOW_DOWN), (500, {}, INTERNAL), (200, {"ETag": '"e"'}, b"")]
    events: list[Retrying] = []
    bound = api.bind(subject="photos/a.jpg", listener=events.append)
    body = b"payload"
    await bound.upload_part("bkt", "k", "up", 3, body, sha256=hashlib.sha256(body).hexdigest())
    assert [(e.operation, e.relfilename, e.attempt, e.max_attempts) for e in events] == [
        ("upload_part", "photos/a.jpg", 2, 3),
        ("upload_part", "photos/a.jpg", 3, 3),
    ]
    # The one retry line of every API (README: "503 ServiceUnavailableException, attempt 3/8").
    assert events[0].error == "503 SlowDown"
    assert events[1].error == "500 InternalError"
    script.answers = [(503, {}, SLOW_DOWN), (200, {"ETag": '"e"'}, b"")]
    await api.put_object("bkt", "k", body, sha256=hashlib.sha256(body).hexdigest())
    assert len(events) == 2  # the unbound client reports to no one
