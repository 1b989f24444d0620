"""S3 authentication and routing on the emulator's port: SigV4 header and presigned forms,
chunked payload signing (checked against AWS's published example), trailers, errors,
virtual-host addressing, and the split between the vault API and S3."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import zlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from emu_helpers import S3Raw, assert_s3_error, call, client_error, make_client, make_s3_client

from aioglacier.emulator import DEFAULT_CREDENTIALS, Emulator
from aioglacier.sigv4 import Credentials


async def test_glacier_and_s3_share_the_port(emulator: Emulator, s3: Any) -> None:
    glacier = make_client(emulator.url, emulator.credentials)
    await call(glacier.create_vault, vaultName="vault")
    await call(s3.create_bucket, Bucket="bucket")
    assert await emulator.vaults() == ["vault"]
    assert await emulator.buckets() == ["bucket"]
    assert [b["Name"] for b in (await call(s3.list_buckets))["Buckets"]] == ["bucket"]
    assert [v["VaultName"] for v in (await call(glacier.list_vaults))["VaultList"]] == ["vault"]


async def test_signature_errors(emulator: Emulator, s3raw: S3Raw) -> None:
    wrong = make_s3_client(emulator.url, Credentials(emulator.credentials.access_key, "wrong"))
    error = await client_error(wrong.list_buckets)
    assert_s3_error(
        error,
        "SignatureDoesNotMatch",
        403,
        "The request signature we calculated does not match the signature you provided. "
        "Check your key and signing method.",
    )
    assert error["Error"]["AWSAccessKeyId"] == emulator.credentials.access_key
    assert error["Error"]["CanonicalRequest"].startswith("GET\n/\n")
    unknown = make_s3_client(emulator.url, Credentials("AKIAUNKNOWN", "secret"))
    error = await client_error(unknown.list_buckets)
    assert_s3_error(
        error,
        "InvalidAccessKeyId",
        403,
        "The AWS Access Key Id you provided does not exist in our records.",
    )
    skewed = await s3raw.request("GET", "/", now=datetime.now(UTC) - timedelta(minutes=20))
    assert skewed.status == 403
    assert b"<Code>RequestTimeTooSkewed</Code>" in skewed.body
    anonymous = await s3raw.request("GET", "/", sign=False)
    assert anonymous.status == 403
    assert b"<Code>AccessDenied</Code><Message>Access Denied</Message>" in anonymous.body
    missing = await s3raw.request("GET", "/", headers={"x-amz-content-sha256": "nonsense"})
    assert missing.status == 400
    assert b"<Code>InvalidArgument</Code>" in missing.body


@pytest.fixture
async def aws_example(tmp_path: Path) -> AsyncIterator[tuple[Emulator, list[datetime]]]:
    """An emulator whose signature clock can be set (AWS's examples are dated 2013-05-24)."""
    when = [datetime.now(UTC)]
    async with Emulator(tmp_path / "e", auth_clock=lambda: when[0]) as emu:
        yield emu, when


async def test_presigned_urls(aws_example: tuple[Emulator, list[datetime]]) -> None:
    emulator, when = aws_example
    s3 = make_s3_client(emulator.url, emulator.credentials, signature_version="s3v4")
    await call(s3.create_bucket, Bucket="bucket")
    await call(s3.put_object, Bucket="bucket", Key="a key", Body=b"presigned")
    url = s3.generate_presigned_url(
        "get_object", Params={"Bucket": "bucket", "Key": "a key"}, ExpiresIn=60
    )
    assert "X-Amz-Credential=" in url
    async with aiohttp.ClientSession() as session:
        async with session.get(url) as response:
            assert response.status == 200
            assert await response.read() == b"presigned"
        bad = url.replace("X-Amz-Signature=", "X-Amz-Signature=0")
        async with session.get(bad) as response:
            assert response.status == 403
            assert b"<Code>SignatureDoesNotMatch</Code>" in await response.read()
        when[0] = datetime.now(UTC) + timedelta(minutes=2)
        async with session.get(url) as response:
            assert response.status == 403
            body = await response.read()
            assert b"<Code>AccessDenied</Code><Message>Request has expired</Message>" in body
            assert b"<X-Amz-Expires>60</X-Amz-Expires>" in body


async def test_virtual_host_addressing(emulator: Emulator, s3: Any, s3raw: S3Raw) -> None:
    await call(s3.create_bucket, Bucket="bucket")
    await call(s3.put_object, Bucket="bucket", Key="dir/k", Body=b"virtual")
    host = f"bucket.localhost:{emulator.port}"
    got = await s3raw.request("GET", "/dir/k", headers={"Host": host})
    assert got.status == 200
    assert got.body == b"virtual"
    listed = await s3raw.request("GET", "/?list-type=2", headers={"Host": host})
    assert b"<Name>bucket</Name>" in listed.body
    assert b"<Key>dir/k</Key>" in listed.body


async def test_chunked_signing_matches_aws_example(
    aws_example: tuple[Emulator, list[datetime]],
) -> None:
    """AWS's documented STREAMING-AWS4-HMAC-SHA256-PAYLOAD example: 66560 bytes of 'a' in
    64 KiB chunks, with its published seed and chunk signatures."""
    emulator, when = aws_example
    s3 = make_s3_client(emulator.url, DEFAULT_CREDENTIALS)
    await call(s3.create_bucket, Bucket="examplebucket")
    when[0] = datetime(2013, 5, 24, 0, 0, 5, tzinfo=UTC)
    chunks = [
        (65536, "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"),
        (1024, "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497"),
        (0, "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"),
    ]
    body = b"".join(
        f"{size:x};chunk-signature={sig}\r\n".encode() + b"a" * size + b"\r\n"
        for size, sig in chunks
    )
    assert len(body) == 66824
    headers = {
        "Host": "s3.amazonaws.com",
        "x-amz-date": "20130524T000000Z",
        "x-amz-storage-class": "REDUCED_REDUNDANCY",
        "Authorization": (
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
            "SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;"
            "x-amz-decoded-content-length;x-amz-storage-class,"
            "Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
        ),
        "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        "Content-Encoding": "aws-chunked",
        "x-amz-decoded-content-length": "66560",
        "Content-Length": "66824",
    }
    async with aiohttp.ClientSession(skip_auto_headers=["Content-Type"]) as session:
        url = f"{emulator.url}/examplebucket/chunkObject.txt"
        async with session.put(url, data=body, headers=headers) as response:
            assert response.status == 200, await response.text()
            assert response.headers["ETag"] == f'"{hashlib.md5(b"a" * 66560).hexdigest()}"'
        tampered = body.replace(b"0055627c", b"1055627c")
        async with session.put(
            url.replace(".txt", "2.txt"), data=tampered, headers=headers
        ) as response:
            # (the seed signature covers the path, so the renamed object fails before its chunks)
            assert response.status == 403
        async with session.put(url, data=tampered, headers=headers) as response:
            assert response.status == 403
            assert b"<Code>SignatureDoesNotMatch</Code>" in await response.read()
    when[0] = datetime.now(UTC)
    assert await emulator.read_object("examplebucket", "chunkObject.txt") == b"a" * 66560
    [stored] = await emulator.objects("examplebucket")
    assert stored.storage_class == "REDUCED_REDUNDANCY"


def trailer_body(data: bytes, checksum: str, chunk: int = 1000) -> bytes:
    pieces = [
        f"{len(data[i : i + chunk]):x}\r\n".encode() + data[i : i + chunk] + b"\r\n"
        for i in range(0, len(data), chunk)
    ]
    return b"".join(pieces) + f"0\r\nx-amz-checksum-crc32:{checksum}\r\n\r\n".encode()


async def test_unsigned_payload_with_trailer(emulator: Emulator, s3: Any, s3raw: S3Raw) -> None:
    await call(s3.create_bucket, Bucket="bucket")
    data = bytes(range(256)) * 20
    crc = base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()
    headers = {
        "Content-Encoding": "aws-chunked",
        "x-amz-decoded-content-length": str(len(data)),
        "x-amz-trailer": "x-amz-checksum-crc32",
        "x-amz-sdk-checksum-algorithm": "CRC32",
    }
    put = await s3raw.request(
        "PUT",
        "/bucket/trailed",
        body=trailer_body(data, crc),
        headers=headers,
        content_sha256="STREAMING-UNSIGNED-PAYLOAD-TRAILER",
    )
    assert put.status == 200, put.body
    assert put.headers["x-amz-checksum-crc32"] == crc
    assert await emulator.read_object("bucket", "trailed") == data
    bad = await s3raw.request(
        "PUT",
        "/bucket/bad",
        body=trailer_body(data, "AAAAAA=="),
        headers=headers,
        content_sha256="STREAMING-UNSIGNED-PAYLOAD-TRAILER",
    )
    assert bad.status == 400
    assert b"<Code>BadDigest</Code>" in bad.body
    short = await s3raw.request(
        "PUT",
        "/bucket/short",
        body=trailer_body(data, crc),
        headers={**headers, "x-amz-decoded-content-length": str(len(data) + 1)},
        content_sha256="STREAMING-UNSIGNED-PAYLOAD-TRAILER",
    )
    assert short.status == 400
    assert b"<Code>IncompleteBody</Code>" in short.body
    assert [o.key for o in await emulator.objects("bucket")] == ["trailed"]


async def test_expect_100_continue(emulator: Emulator, s3: Any) -> None:
    """A client that waits for ``100 Continue`` (botocore does, for uploads) gets it before it
    sends the body; a refused request is answered at once and the connection closed."""
    from aioglacier.sigv4 import SigV4Signer

    await call(s3.create_bucket, Bucket="bucket")
    signer = SigV4Signer(emulator.credentials, "us-east-1", "s3")
    body = b"continued"

    async def exchange(path: str) -> tuple[bytes, asyncio.StreamReader, asyncio.StreamWriter]:
        payload = hashlib.sha256(body).hexdigest()
        headers = {
            "Host": f"127.0.0.1:{emulator.port}",
            "Content-Length": str(len(body)),
            "Expect": "100-continue",
            "x-amz-content-sha256": payload,
        }
        headers.update(signer.sign("PUT", f"{emulator.url}{path}", headers, payload))
        reader, writer = await asyncio.open_connection("127.0.0.1", emulator.port)
        head = f"PUT {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        writer.write(head.encode() + b"\r\n")
        await writer.drain()
        # (the deadline only guards against a server that never answers)
        return await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30), reader, writer

    first, reader, writer = await exchange("/bucket/k")
    assert first == b"HTTP/1.1 100 Continue\r\n\r\n"
    writer.write(body)
    await writer.drain()
    final = await reader.readuntil(b"\r\n\r\n")
    assert final.startswith(b"HTTP/1.1 200 OK\r\n")
    writer.close()
    refused, reader, writer = await exchange("/absent-bucket/k")
    assert refused.startswith(b"HTTP/1.1 404 Not Found\r\n")
    assert b"Connection: close" in refused
    writer.close()
    assert await emulator.read_object("bucket", "k") == body
