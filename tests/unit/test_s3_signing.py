"""Our S3 requests carry the signature botocore's S3SigV4Auth computes for them.

A loopback aiohttp server records what S3Api really sends (method, raw path as received, headers,
body); botocore's own S3SigV4Auth then signs that same request at the same timestamp and the
Authorization headers must be equal byte for byte. botocore also recomputes the payload hash from
the body it is given, so a wrong ``x-amz-content-sha256`` fails too. Every header we send is
signed except the transport's own (User-Agent, Accept, Accept-Encoding).
"""

from __future__ import annotations

import hashlib
import random
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import aiohttp
import botocore.auth
import pytest
from aiohttp import web
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials as BotoCredentials

from aioglacier.backends.s3 import (
    Addressing,
    Checksum,
    ChecksumAlgorithm,
    ChecksumMode,
    CompletedPart,
    ObjectIdentifier,
    RestoreOutcome,
    S3Api,
    compute_checksum,
)
from aioglacier.limits import RequestLimiter
from aioglacier.retry import RetryPolicy
from aioglacier.sigv4 import Credentials, SigV4Signer

sys.path.insert(0, str(Path(__file__).parents[1] / "s3"))
from s3_helpers import LoopbackResolver

KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
TOKEN = "FwoGZXIvYXdzEXAMPLETOKEN/+="
TRANSPORT_HEADERS = {"user-agent", "accept", "accept-encoding"}

#: Keys that stress the path encoding: spaces, unicode, +, ~, /, %, empty and dot segments.
KEYS = [
    "plain.txt",
    "with space/and  two",
    "ünïcødé/日本語/😀.jpg",
    "a+b=c&d;e,f",
    "tilde~and_under-score.dot",
    "deep/dir/tree/file",
    "100%/%41%2F%zz",
    "a//b///c/",
    "/leading-slash",
    "./dot/../dotdot/.",
    "quote'\"<>#?[]{}|\\^`!@$*()",
]


@dataclass
class Recorded:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Recorder:
    requests: list[Recorded] = field(default_factory=list)
    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: {"ETag": '"etag"'})
    body: bytes = b""

    async def handle(self, request: web.Request) -> web.Response:
        url = f"http://{request.host}{request.raw_path}"
        self.requests.append(
            Recorded(request.method, url, dict(request.headers), await request.read())
        )
        return web.Response(status=self.status, headers=self.headers, body=self.body)


@pytest.fixture
async def recorder() -> AsyncIterator[tuple[Recorder, int]]:
    rec = Recorder()
    app = web.Application(client_max_size=64 * 1024 * 1024)
    app.router.add_route("*", "/{tail:.*}", rec.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield rec, runner.addresses[0][1]
    finally:
        await runner.cleanup()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(resolver=LoopbackResolver())
    ) as sess:
        yield sess


def botocore_authorization(
    req: Recorded,
    monkeypatch: pytest.MonkeyPatch,
    *,
    token: str | None = None,
    region: str = "us-east-1",
    sign_payload: bool | None = None,
) -> str:
    """botocore's S3SigV4Auth.add_auth, unmodified, at the timestamp our request carried."""
    skip = {"authorization", "x-amz-date", "x-amz-security-token", *TRANSPORT_HEADERS}
    headers = {k: v for k, v in req.headers.items() if k.lower() not in skip}
    aws = AWSRequest(method=req.method, url=req.url, headers=headers, data=req.body)
    if sign_payload is not None:
        aws.context["client_config"] = Config(s3={"payload_signing_enabled": sign_payload})
    when = datetime.strptime(req.headers["X-Amz-Date"], "%Y%m%dT%H%M%SZ")
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: when)
    S3SigV4Auth(BotoCredentials(KEY, SECRET, token), "s3", region).add_auth(aws)
    return str(aws.headers["Authorization"])


def assert_signed_like_botocore(
    req: Recorded, monkeypatch: pytest.MonkeyPatch, **kwargs: object
) -> None:
    ours = req.headers["Authorization"]
    assert ours == botocore_authorization(req, monkeypatch, **kwargs)  # type: ignore[arg-type]
    signed = set(ours.split("SignedHeaders=")[1].split(",")[0].split(";"))
    sent = {k.lower() for k in req.headers} - {"authorization"} - TRANSPORT_HEADERS
    assert sent - signed == set(), "headers sent unsigned"


def make_api(
    session: aiohttp.ClientSession, url: str, *, token: str | None = None, **kwargs: object
) -> S3Api:
    signer = SigV4Signer.for_s3(Credentials(KEY, SECRET, token), "us-east-1")
    return S3Api(
        session,
        url,
        signer,
        RequestLimiter(4),
        RetryPolicy(max_attempts=1, rng=random.Random(0)),
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("addressing", [Addressing.PATH, Addressing.VIRTUAL])
@pytest.mark.parametrize("token", [None, TOKEN])
async def test_put_object_signature_equals_botocore_for_every_key(
    recorder: tuple[Recorder, int],
    session: aiohttp.ClientSession,
    monkeypatch: pytest.MonkeyPatch,
    addressing: Addressing,
    token: str | None,
) -> None:
    rec, port = recorder
    api = make_api(session, f"http://s3.aioglacier.test:{port}", token=token, addressing=addressing)
    for key in KEYS:
        body = f"data of {key}".encode()
        sha = hashlib.sha256(body).hexdigest()
        result = await api.put_object(
            "my-bucket",
            key,
            body,
            sha256=sha,
            storage_class="DEEP_ARCHIVE",
            metadata={"mtime": "1577934245.123456789", "x-amz-meta-treehash": sha},
            if_none_match=True,
        )
        assert result.etag == '"etag"'
    assert len(rec.requests) == len(KEYS)
    for key, req in zip(KEYS, rec.requests, strict=True):
        assert req.body == f"data of {key}".encode()
        assert req.headers["x-amz-content-sha256"] == hashlib.sha256(req.body).hexdigest()
        assert (
            req.headers["x-amz-checksum-sha256"]
            == Checksum.sha256_hex(hashlib.sha256(req.body).hexdigest()).value
        )
        assert req.headers["x-amz-sdk-checksum-algorithm"] == "SHA256"
        assert req.headers["x-amz-storage-class"] == "DEEP_ARCHIVE"
        assert req.headers["x-amz-meta-mtime"] == "1577934245.123456789"
        assert req.headers["If-None-Match"] == "*"
        if addressing is Addressing.VIRTUAL:
            assert req.url.startswith(f"http://my-bucket.s3.aioglacier.test:{port}/")
        else:
            assert req.url.startswith(f"http://s3.aioglacier.test:{port}/my-bucket/")
        if token:
            assert req.headers["X-Amz-Security-Token"] == token
        assert_signed_like_botocore(req, monkeypatch, token=token)


async def test_keys_are_sent_as_botocore_encodes_them(
    recorder: tuple[Recorder, int], session: aiohttp.ClientSession
) -> None:
    rec, port = recorder
    api = make_api(session, f"http://127.0.0.1:{port}", addressing=Addressing.PATH)
    for key in ("a b+c~d/e%f", "./x/../y", "a//b"):
        await api.put_object("bkt", key, b"x", sha256=hashlib.sha256(b"x").hexdigest())
    assert [r.url.split("/bkt/", 1)[1] for r in rec.requests] == [
        "a%20b%2Bc~d/e%25f",
        "./x/../y",
        "a//b",
    ]


async def test_query_requests_signature_equals_botocore(
    recorder: tuple[Recorder, int], session: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    rec, port = recorder
    api = make_api(session, f"http://127.0.0.1:{port}")
    rec.body = b"<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>"
    listed = [
        o
        async for o in api.list_objects_v2(
            "bkt", prefix="ünï cødé/+%", start_after="a b", page_size=7
        )
    ]
    assert listed == []
    rec.body = b"<ListPartsResult><IsTruncated>false</IsTruncated></ListPartsResult>"
    assert await api.list_parts("bkt", "k ey+", "Up/load+Id=", page_size=3) == []
    rec.body = (
        b"<ListMultipartUploadsResult><IsTruncated>false</IsTruncated></ListMultipartUploadsResult>"
    )
    assert await api.list_multipart_uploads("bkt", prefix="p q") == []
    rec.body = b"<VersioningConfiguration/>"
    await api.get_bucket_versioning("bkt")
    rec.body = b""
    rec.headers = {"ETag": '"e"', "Content-Length": "7"}
    info = await api.head_object("bkt", "a b/ü", version_id="v+1/=")
    assert (info.size, info.etag) == (7, '"e"')
    for req in rec.requests:
        assert_signed_like_botocore(req, monkeypatch)
    first = rec.requests[0]
    assert first.headers["x-amz-optional-object-attributes"] == "RestoreStatus"
    assert "encoding-type=url" in first.url
    assert "prefix=%C3%BCn%C3%AF%20c%C3%B8d%C3%A9%2F%2B%25" in first.url
    assert rec.requests[-1].headers["x-amz-checksum-mode"] == "ENABLED"


async def test_xml_body_requests_signature_equals_botocore(
    recorder: tuple[Recorder, int], session: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    rec, port = recorder
    api = make_api(session, f"http://127.0.0.1:{port}")
    rec.body = b"<DeleteResult/>"
    result = await api.delete_objects(
        "bkt", ["a b", ObjectIdentifier("c\td", "v1"), "ü+~%"], quiet=False
    )
    assert result.errors == []
    rec.status = 202
    rec.body = b""
    assert await api.restore_object("bkt", "k y", days=3, tier="Bulk") is RestoreOutcome.ACCEPTED
    rec.status = 200
    rec.body = (
        b"<InitiateMultipartUploadResult><UploadId>U+1</UploadId></InitiateMultipartUploadResult>"
    )
    assert await api.create_multipart_upload("bkt", "big file", storage_class="GLACIER") == "U+1"
    rec.body = (
        b"<CompleteMultipartUploadResult><ETag>&quot;e-1&quot;</ETag>"
        b"</CompleteMultipartUploadResult>"
    )
    done = await api.complete_multipart_upload(
        "bkt", "big file", "U+1", [CompletedPart(1, '"e1"')], if_none_match=True
    )
    assert done.etag == '"e-1"'
    rec.status = 204
    await api.abort_multipart_upload("bkt", "big file", "U+1")
    await api.delete_object("bkt", "gone file", version_id="v 1")
    await api.delete_bucket("bkt")
    rec.status = 200
    assert await api.create_bucket("new-bucket") is True
    for req in rec.requests:
        assert_signed_like_botocore(req, monkeypatch)
    assert [r.method for r in rec.requests[4:]] == ["DELETE", "DELETE", "DELETE", "PUT"]
    delete = rec.requests[0]
    assert delete.url.endswith("/bkt?delete")
    assert (
        delete.headers["x-amz-checksum-sha256"]
        == Checksum.sha256_hex(hashlib.sha256(delete.body).hexdigest()).value
    )
    assert b"<Key>c&#9;d</Key><VersionId>v1</VersionId>" in delete.body
    assert rec.requests[2].headers["x-amz-checksum-algorithm"] == "SHA256"
    assert rec.requests[3].headers["If-None-Match"] == "*"


async def test_unsigned_payload_signature_equals_botocore(
    recorder: tuple[Recorder, int], session: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    rec, port = recorder
    api = make_api(session, f"http://127.0.0.1:{port}", sign_payload=False)
    body = bytes(range(256)) * 8192  # 2 MiB: streamed in 1 MiB slices
    crc = compute_checksum(ChecksumAlgorithm.CRC32, body)
    part = await api.upload_part("bkt", "big file", "U+1", 3, body, checksum=crc)
    assert (part.part_number, part.etag, part.checksum) == (3, '"etag"', crc)
    [req] = rec.requests
    assert req.body == body
    assert req.headers["x-amz-content-sha256"] == "UNSIGNED-PAYLOAD"
    assert req.headers["x-amz-checksum-crc32"] == crc.value
    assert req.headers["x-amz-sdk-checksum-algorithm"] == "CRC32"
    assert "partNumber=3&uploadId=U%2B1" in req.url
    assert_signed_like_botocore(req, monkeypatch, sign_payload=False)


async def test_get_object_signature_and_raw_body(
    recorder: tuple[Recorder, int], session: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    rec, port = recorder
    rec.status = 206
    rec.body = b"\x1f\x8b gzip-looking bytes stay as stored"
    rec.headers = {
        "ETag": '"e"',
        "Content-Encoding": "gzip",
        "Content-Range": f"bytes 10-{10 + len(rec.body) - 1}/1000",
    }
    api = make_api(session, f"http://127.0.0.1:{port}")
    async with api.get_object("bkt", "a b/ü", byte_range=(10, 50), if_match='"e"') as obj:
        data = await obj.content.read()
    assert data == rec.body
    assert obj.content_range == (10, 10 + len(rec.body) - 1, 1000)
    [req] = rec.requests
    assert req.headers["Range"] == "bytes=10-50"
    assert req.headers["Accept-Encoding"] == "identity"
    assert_signed_like_botocore(req, monkeypatch)


async def test_when_required_sends_no_checksum_headers(
    recorder: tuple[Recorder, int], session: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    rec, port = recorder
    api = make_api(session, f"http://127.0.0.1:{port}", checksum_mode=ChecksumMode.WHEN_REQUIRED)
    body = b"payload"
    sha = hashlib.sha256(body).hexdigest()
    await api.put_object("bkt", "k", body, sha256=sha)
    await api.upload_part(
        "bkt", "k", "U", 1, body, checksum=compute_checksum(ChecksumAlgorithm.CRC32, body)
    )
    rec.body = (
        b"<InitiateMultipartUploadResult><UploadId>U</UploadId></InitiateMultipartUploadResult>"
    )
    await api.create_multipart_upload("bkt", "k")
    rec.body = b"<DeleteResult/>"
    await api.delete_objects("bkt", ["k"])
    rec.body = b""
    rec.headers = {"ETag": '"e"', "Content-Length": "7"}
    await api.head_object("bkt", "k")
    for req in rec.requests:
        assert not [h for h in req.headers if h.lower().startswith("x-amz-checksum")], req.url
        assert "x-amz-sdk-checksum-algorithm" not in req.headers
        assert req.headers["x-amz-content-sha256"] != "UNSIGNED-PAYLOAD"
        assert_signed_like_botocore(req, monkeypatch)
    assert rec.requests[0].headers["x-amz-content-sha256"] == sha
    # the part was given only a CRC32: its payload is hashed and signed instead
    assert rec.requests[1].headers["x-amz-content-sha256"] == sha
    delete = rec.requests[3]
    assert (
        delete.headers["Content-MD5"]
        == __import__("base64").b64encode(hashlib.md5(delete.body).digest()).decode()
    )


def test_unsigned_payload_only_over_https_by_default() -> None:
    """botocore's default: UNSIGNED-PAYLOAD needs TLS and a checksum header."""

    async def payload_hash(url: str, checksum: Checksum | None, sha: str | None) -> str:
        async with aiohttp.ClientSession() as sess:
            api = make_api(sess, url)
            payload, _ = await api._data_headers({}, b"abc", checksum, sha, None)
            return payload

    import asyncio

    crc = compute_checksum(ChecksumAlgorithm.CRC32, b"abc")
    sha = hashlib.sha256(b"abc").hexdigest()
    assert asyncio.run(payload_hash("https://s3.eu-west-1.amazonaws.com", crc, None)) == (
        "UNSIGNED-PAYLOAD"
    )
    assert asyncio.run(payload_hash("http://127.0.0.1:9", crc, None)) == sha
    assert asyncio.run(payload_hash("https://s3.eu-west-1.amazonaws.com", None, sha)) == sha


def test_addressing_auto() -> None:
    async def virtual(url: str, bucket: str) -> str:
        async with aiohttp.ClientSession() as sess:
            return make_api(sess, url).url(bucket, "k ey")

    import asyncio

    aws = "https://s3.eu-west-1.amazonaws.com"
    assert (
        asyncio.run(virtual(aws, "my-bucket"))
        == "https://my-bucket.s3.eu-west-1.amazonaws.com/k%20ey"
    )
    # dots break TLS wildcard certificates: path style
    assert asyncio.run(virtual(aws, "my.bucket")) == f"{aws}/my.bucket/k%20ey"
    # S3-compatible servers, IPs, localhost: path style
    assert (
        asyncio.run(virtual("http://minio.lan:9000", "b-1")) == "http://minio.lan:9000/b-1/k%20ey"
    )
    assert (
        asyncio.run(virtual("http://127.0.0.1:9000/", "b-1")) == "http://127.0.0.1:9000/b-1/k%20ey"
    )
    assert asyncio.run(virtual("http://host/s3/", "b-1")) == "http://host/s3/b-1/k%20ey"


def test_s3_signer_does_not_normalize_and_glacier_signer_still_does() -> None:
    creds = Credentials(KEY, SECRET)
    when = datetime(2024, 1, 2, 3, 4, 5)
    url = "http://h/b/a%20b//c/./d"
    s3 = SigV4Signer.for_s3(creds, "us-east-1").sign("GET", url, {}, "UNSIGNED-PAYLOAD", now=when)
    glacier = SigV4Signer(creds, "us-east-1", "s3").sign(
        "GET", url, {}, "UNSIGNED-PAYLOAD", now=when
    )
    assert s3["Authorization"] != glacier["Authorization"]
    with pytest.raises(ValueError, match="normalize_path=False"):
        S3Api(
            None,  # type: ignore[arg-type]
            "http://h",
            SigV4Signer(creds, "us-east-1", "s3"),
            RequestLimiter(1),
            RetryPolicy(),
        )
    assert SECRET not in repr(SigV4Signer.for_s3(Credentials(KEY, SECRET, TOKEN), "eu-west-1"))


async def test_listing_falls_back_when_restore_status_is_refused(
    session: aiohttp.ClientSession,
) -> None:
    """A server that refuses x-amz-optional-object-attributes is asked again without it."""
    seen: list[str | None] = []

    async def handle(request: web.Request) -> web.Response:
        header = request.headers.get("x-amz-optional-object-attributes")
        seen.append(header)
        if header is not None:
            return web.Response(
                status=400,
                body=b"<Error><Code>InvalidArgument</Code><Message>no</Message></Error>",
            )
        return web.Response(
            body=b"<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>k</Key>"
            b"<Size>1</Size><StorageClass>GLACIER</StorageClass></Contents></ListBucketResult>"
        )

    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        api = make_api(session, f"http://127.0.0.1:{runner.addresses[0][1]}")
        for _ in range(2):
            [obj] = [o async for o in api.list_objects_v2("bkt")]
            assert (obj.key, obj.restore.status.value) == ("k", "archived")
    finally:
        await runner.cleanup()
    assert seen == ["RestoreStatus", None, None]  # refused once, never asked again
