"""--bwlimit through the signed-HTTP layer: uploads (streamed and small bodies) and downloads
take their bytes from the client's bucket, and on a fake clock take exactly bytes / rate.

Requests go to a loopback aiohttp server; the bucket's clock only moves when it sleeps, so
what is asserted is the pacing itself, not the machine's speed.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from datetime import datetime

import aiohttp
import pytest
from aiohttp import web

from aioglacier.bandwidth import Bandwidth, parse_bwlimit
from aioglacier.errors import remote_error
from aioglacier.http import SignedHttp
from aioglacier.limits import RequestLimiter
from aioglacier.retry import RetryPolicy
from aioglacier.sigv4 import Credentials, SigV4Signer
from aioglacier.transport import STREAM_CHUNK

MIB = 1024 * 1024


class FakeTime:
    """A monotonic clock that only moves when someone sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        self.now += delay
        await asyncio.sleep(0)


def _bandwidth(limit: str, t: FakeTime) -> Bandwidth:
    return Bandwidth(
        parse_bwlimit(limit),
        now=lambda: datetime(2026, 12, 2, 12, 0),
        clock=t.clock,
        sleep=t.sleep,
        burst=0,
    )


DOWNLOAD = bytes(range(256)) * (3 * MIB // 256 + 17)


@pytest.fixture
async def endpoint() -> AsyncIterator[tuple[list[bytes], str]]:
    received: list[bytes] = []

    async def put(request: web.Request) -> web.Response:
        received.append(await request.read())
        return web.Response(status=200, body=b"ok")

    async def get(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(status=200)
        resp.content_length = len(DOWNLOAD)
        await resp.prepare(request)
        for start in range(0, len(DOWNLOAD), 64 * 1024):
            await resp.write(DOWNLOAD[start : start + 64 * 1024])
        await resp.write_eof()
        return resp

    app = web.Application(client_max_size=64 * MIB)
    app.router.add_put("/{tail:.*}", put)
    app.router.add_get("/{tail:.*}", get)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield received, f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


def _layer(session: aiohttp.ClientSession, bandwidth: Bandwidth | None) -> SignedHttp:
    return SignedHttp(
        session,
        SigV4Signer(Credentials("AKID", "SECRET"), "us-east-1", "glacier"),
        RequestLimiter(64),
        RetryPolicy(max_attempts=1),
        lambda status, body, headers: remote_error("Error", "unexpected", status=status),
        bandwidth=bandwidth,
    )


async def _put(http: SignedHttp, base: str, name: str, body: bytes) -> None:
    status, _, answer = await http.request(
        "PUT",
        f"{base}/{name}",
        operation="upload_part",
        headers={},
        body=body,
        payload_hash=hashlib.sha256(body).hexdigest(),
    )
    assert (status, answer) == (200, b"ok")


async def test_paced_uploads_take_bytes_over_the_rate(
    endpoint: tuple[list[bytes], str],
) -> None:
    """64 concurrent uploads, streamed and small, at 1 MiB/s up: the fake clock moves by
    exactly the bytes sent over the rate, every byte went through the upload bucket and none
    through the download one (the answers' two bytes apart)."""
    received, base = endpoint
    t = FakeTime()
    bandwidth = _bandwidth("1M:off", t)
    bodies = [bytes([i]) * (STREAM_CHUNK + 1000 * i if i % 2 else 4000 + i) for i in range(64)]
    async with aiohttp.ClientSession() as session:
        http = _layer(session, bandwidth)
        await asyncio.gather(*(_put(http, base, f"o{i}", b) for i, b in enumerate(bodies)))
    total = sum(map(len, bodies))
    assert sorted(received) == sorted(bodies)
    assert bandwidth.upload.taken == total
    assert t.now - 1000.0 == pytest.approx(total / MIB)
    assert bandwidth.download.taken == 2 * len(bodies)  # the "ok" answers, unlimited


async def test_a_small_body_alone_is_paced(endpoint: tuple[list[bytes], str]) -> None:
    """A body sent whole (no streaming) still waits for its bytes: 100 KiB at 50 KiB/s."""
    received, base = endpoint
    t = FakeTime()
    bandwidth = _bandwidth("50k", t)
    body = b"x" * (100 * 1024)
    async with aiohttp.ClientSession() as session:
        await _put(_layer(session, bandwidth), base, "small", body)
    assert received == [body]
    assert bandwidth.upload.taken == len(body)
    assert t.now - 1000.0 == pytest.approx(2.0 + 2 / (50 * 1024))  # and the answer's bytes


@pytest.mark.parametrize("by_chunks", [False, True])
async def test_paced_download_whatever_the_reader(
    endpoint: tuple[list[bytes], str], by_chunks: bool
) -> None:
    """A streamed download at 2 MiB/s down reaches the caller whole, whether it reads at once
    or piece by piece, after exactly its size over the rate on the fake clock."""
    _, base = endpoint
    t = FakeTime()
    bandwidth = _bandwidth("off:2M", t)
    async with aiohttp.ClientSession() as session:
        http = _layer(session, bandwidth)
        async with http.open("GET", f"{base}/archive", {}) as answer:
            if by_chunks:
                pieces = [chunk async for chunk in answer.content.iter_any()]
                data = b"".join(pieces)
            else:
                data = await answer.read()
    assert data == DOWNLOAD
    assert bandwidth.download.taken == len(DOWNLOAD)
    assert bandwidth.upload.taken == 0
    assert t.now - 1000.0 == pytest.approx(len(DOWNLOAD) / (2 * MIB))


async def test_no_limit_no_bucket(endpoint: tuple[list[bytes], str]) -> None:
    """``--bwlimit off`` builds no bandwidth at all: nothing on the request path changes."""
    assert Bandwidth.from_limit("off") is None
    assert Bandwidth.from_limit("00:00,off:off 08:00,off") is None
    assert Bandwidth.from_limit(None) is None
    assert Bandwidth.from_limit("4M:off") is not None
