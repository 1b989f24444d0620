"""Our Glacier requests carry the same SigV4 signature botocore computes for them.

A loopback aiohttp server records what our client really sends; botocore's SigV4Auth then signs
the same request (method, URL, headers, body, timestamp) and the Authorization headers must be
equal byte for byte.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime

import aiohttp
import botocore.auth
import pytest
from aiohttp import web
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotoCredentials

from aioglacier.backends.glacier import GlacierApi
from aioglacier.errors import RemoteError
from aioglacier.limits import RequestLimiter
from aioglacier.retry import RetryPolicy
from aioglacier.sigv4 import Credentials, SigV4Signer

KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


@dataclass
class Recorded:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Recorder:
    requests: list[Recorded] = field(default_factory=list)
    status: int = 201
    response_headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append(
            Recorded(request.method, str(request.url), dict(request.headers), await request.read())
        )
        return web.Response(status=self.status, headers=self.response_headers, body=self.body)


@pytest.fixture
async def recorder() -> AsyncIterator[tuple[Recorder, str]]:
    rec = Recorder()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", rec.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield rec, f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def botocore_authorization(
    req: Recorded, monkeypatch: pytest.MonkeyPatch, token: str | None = None
) -> str:
    """botocore's own add_auth, unmodified, at the timestamp our request carried."""
    skip = (
        "authorization",
        "user-agent",
        "accept",
        "accept-encoding",
        "x-amz-date",
        "x-amz-security-token",
    )
    headers = {k: v for k, v in req.headers.items() if k.lower() not in skip}
    aws = AWSRequest(method=req.method, url=req.url, headers=headers, data=req.body)
    when = datetime.strptime(req.headers["X-Amz-Date"], "%Y%m%dT%H%M%SZ")
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: when)
    SigV4Auth(BotoCredentials(KEY, SECRET, token), "glacier", "us-east-1").add_auth(aws)
    return str(aws.headers["Authorization"])


def make_api(session: aiohttp.ClientSession, url: str, token: str | None = None) -> GlacierApi:
    signer = SigV4Signer(Credentials(KEY, SECRET, token), "us-east-1", "glacier")
    return GlacierApi(
        session, url, signer, RequestLimiter(4), RetryPolicy(max_attempts=1, rng=random.Random(0))
    )


@pytest.mark.parametrize("token", [None, "FwoGZXIvYXdzEXAMPLETOKEN/+="])
async def test_upload_archive_signature_equals_botocore(
    recorder: tuple[Recorder, str], token: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    rec, url = recorder
    rec.response_headers = {"x-amz-archive-id": "ARCHIVE", "Location": "/-/vaults/v/archives/A"}
    body = b"hello glacier" * 100
    sha = hashlib.sha256(body).hexdigest()
    async with aiohttp.ClientSession() as session:
        api = make_api(session, url, token)
        archive_id = await api.upload_archive(
            "my.vault-1", body, description="mt2 eyJmaWxlbmFtZSI6ImEifQ", tree_hash=sha, sha256=sha
        )
    assert archive_id == "ARCHIVE"
    [req] = rec.requests
    assert req.body == body
    assert req.headers["x-amz-glacier-version"] == "2012-06-01"
    assert req.headers["Authorization"] == botocore_authorization(req, monkeypatch, token)
    if token:
        assert req.headers["X-Amz-Security-Token"] == token


async def test_list_jobs_query_signature_equals_botocore(
    recorder: tuple[Recorder, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    rec, url = recorder
    rec.status = 200
    rec.body = b'{"JobList": [], "Marker": null}'
    async with aiohttp.ClientSession() as session:
        api = make_api(session, url)
        jobs = [
            j
            async for j in api.list_jobs(
                "vault", completed=True, statuscode="Succeeded", page_size=50
            )
        ]
    assert jobs == []
    [req] = rec.requests
    assert "completed=true" in req.url
    assert "statuscode=Succeeded" in req.url
    assert req.headers["Authorization"] == botocore_authorization(req, monkeypatch)


async def test_upload_part_signature_equals_botocore(
    recorder: tuple[Recorder, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    rec, url = recorder
    rec.status = 204
    body = bytes(range(256)) * 4096
    sha = hashlib.sha256(body).hexdigest()
    async with aiohttp.ClientSession() as session:
        api = make_api(session, url)
        await api.upload_part("v", "UPLOAD-ID_x", 1048576, body, tree_hash=sha, sha256=sha)
    [req] = rec.requests
    assert req.headers["Content-Range"] == f"bytes 1048576-{1048576 + len(body) - 1}/*"
    assert req.headers["Authorization"] == botocore_authorization(req, monkeypatch)


async def test_error_body_becomes_remote_error(recorder: tuple[Recorder, str]) -> None:
    rec, url = recorder
    rec.status = 404
    rec.response_headers = {"x-amzn-RequestId": "REQ1"}
    rec.body = (
        b'{"code":"ResourceNotFoundException","message":"Vault not found for ARN: x",'
        b'"type":"Client"}'
    )
    async with aiohttp.ClientSession() as session:
        api = make_api(session, url)
        with pytest.raises(RemoteError) as info:
            await api.describe_vault("x")
    err = info.value
    assert (err.code, err.status, err.retryable, err.request_id) == (
        "ResourceNotFoundException",
        404,
        False,
        "REQ1",
    )
    assert str(err) == "ResourceNotFoundException: Vault not found for ARN: x"
    assert SECRET not in str(err)
    assert SECRET not in repr(api)


def test_signer_timestamp_is_utc() -> None:
    signer = SigV4Signer(Credentials(KEY, SECRET), "us-east-1", "glacier")
    headers = signer.sign("GET", "http://127.0.0.1/-/vaults", {}, hashlib.sha256(b"").hexdigest())
    stamp = datetime.strptime(headers["X-Amz-Date"], "%Y%m%dT%H%M%SZ")
    assert stamp.year >= 2024
