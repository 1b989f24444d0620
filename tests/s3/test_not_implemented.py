"""A server that lacks an operation (501 NotImplemented) is answered at once, never retried.

s3rver (a third-party S3 server) answers ListMultipartUploads with 501 NotImplemented. Retried as
a transient 5xx, that one request waited out the whole backoff (seven sleeps, about 20 s with the
default policy) before every sync on such a server could finish: the cause of the benchmark's
106 files/s there. These tests run a loopback server that answers like s3rver and count what
reaches it and every backoff sleep the client takes.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import aiohttp
import pytest
from aiohttp import web

from aioglacier.backends.s3 import S3Api
from aioglacier.backends.s3.errors import error_from_response
from aioglacier.errors import RemoteError
from aioglacier.limits import RequestLimiter
from aioglacier.retry import RetryPolicy, is_retryable
from aioglacier.sigv4 import Credentials, SigV4Signer

# s3rver 3.7.1's answer to ListMultipartUploads, as it sends it.
NOT_IMPLEMENTED = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NotImplemented</Code>'
    b"<Message>A parameter you provided implies functionality that is not implemented"
    b"</Message></Error>"
)
EMPTY_LISTING = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult><Name>bkt</Name>'
    b"<KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>"
    b"</ListBucketResult>"
)


@dataclass
class LacksOperations:
    """Answers 501 NotImplemented to ``?uploads`` (as s3rver does) and to listings that ask for
    RestoreStatus (as some other S3-compatible servers do), an empty listing otherwise; records
    every request it receives."""

    requests: list[tuple[str, str, bool]] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        asks_restore = "x-amz-optional-object-attributes" in request.headers
        self.requests.append((request.method, request.path_qs, asks_restore))
        if "uploads" in request.query or asks_restore:
            return web.Response(status=501, body=NOT_IMPLEMENTED, content_type="application/xml")
        return web.Response(status=200, body=EMPTY_LISTING, content_type="application/xml")


@dataclass
class Client:
    server: LacksOperations
    api: S3Api
    sleeps: list[float]


@pytest.fixture
async def client() -> AsyncIterator[Client]:
    server = LacksOperations()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", server.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    sleeps: list[float] = []

    async def sleep(delay: float) -> None:
        sleeps.append(delay)

    # The default policy's attempts (8): what made one 501 cost seven backoff sleeps.
    retry = RetryPolicy(rng=random.Random(0), sleep=sleep)
    try:
        async with aiohttp.ClientSession() as session:
            api = S3Api(
                session,
                f"http://127.0.0.1:{runner.addresses[0][1]}",
                SigV4Signer.for_s3(Credentials("S3RVER", "S3RVER"), "us-east-1"),
                RequestLimiter(2),
                retry,
                addressing="path",
            )
            yield Client(server, api, sleeps)
    finally:
        await runner.cleanup()


async def test_list_multipart_uploads_not_implemented_is_one_request(client: Client) -> None:
    with pytest.raises(RemoteError) as caught:
        await client.api.list_multipart_uploads("bkt", prefix="p/")
    error = caught.value
    assert (error.code, error.status, error.retryable) == ("NotImplemented", 501, False)
    assert error.message == (
        "A parameter you provided implies functionality that is not implemented"
    )
    assert client.server.requests == [("GET", "/bkt?encoding-type=url&prefix=p%2F&uploads", False)]
    assert client.sleeps == []


async def test_listing_without_restore_status_costs_one_refused_request(client: Client) -> None:
    objects = [obj async for obj in client.api.list_objects_v2("bkt", prefix="p/")]
    assert objects == []
    assert [asks for _, _, asks in client.server.requests] == [True, False]
    assert client.sleeps == []
    assert not client.api.lists_restore_status


@pytest.mark.parametrize(
    ("status", "retryable"),
    [(500, True), (501, False), (502, True), (503, True), (504, True), (505, False), (507, True)],
)
def test_which_5xx_statuses_are_retried(status: int, retryable: bool) -> None:
    error = error_from_response(status, b"", {})
    assert (error.retryable, is_retryable(error)) == (retryable, retryable)


def test_a_retryable_code_is_retried_whatever_the_status() -> None:
    body = b"<Error><Code>SlowDown</Code><Message>Reduce your request rate.</Message></Error>"
    assert error_from_response(501, body, {}).retryable
