"""Helpers of the emulator suite: boto3 and raw signed clients, error assertions."""

from __future__ import annotations

import asyncio
import hashlib
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiohttp
import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from multidict import CIMultiDictProxy
from yarl import URL

from aioglacier.sigv4 import Credentials, SigV4Signer
from aioglacier.treehash import tree_hash

REGION = "us-east-1"
ACCOUNT = "123456789012"


def make_client(url: str, credentials: Credentials, region: str = REGION) -> Any:
    """boto3's glacier client for ``url`` (no retries: every response is seen as sent)."""
    session = boto3.session.Session(
        aws_access_key_id=credentials.access_key,
        aws_secret_access_key=credentials.secret_key,
        aws_session_token=credentials.token,
        region_name=region,
    )
    return session.client(
        "glacier",
        endpoint_url=url,
        config=Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=30),
    )


async def call(fn: Callable[..., Any], **kwargs: Any) -> Any:
    """Run a (blocking) boto3 call in a thread, so the emulator keeps serving on the loop."""
    return await asyncio.to_thread(fn, **kwargs)


async def client_error(fn: Callable[..., Any], **kwargs: Any) -> dict[str, Any]:
    """Run a boto3 call that must fail; return its parsed error response."""
    try:
        await call(fn, **kwargs)
    except ClientError as exc:
        return exc.response  # type: ignore[no-any-return]
    raise AssertionError("the call succeeded")


def assert_error(response: dict[str, Any], code: str, status: int, message: str) -> None:
    """The error as AWS sends it: code, status, message, type, request id header."""
    assert response["Error"]["Code"] == code
    assert response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert response["Error"]["Message"] == message
    if "type" in response:  # botocore copies the body's fields for modeled error shapes
        assert response["type"] == ("Server" if status >= 500 else "Client")
        assert response["code"] == code
        assert response["message"] == message
    assert response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]


@dataclass
class RawResponse:
    """A raw HTTP response."""

    status: int
    headers: CIMultiDictProxy[str]
    body: bytes

    def json(self) -> Any:
        import json

        return json.loads(self.body)


class RawClient:
    """A plain aiohttp client signing with our SigV4Signer: sends exactly what a test says."""

    def __init__(self, url: str, credentials: Credentials, region: str = REGION) -> None:
        self.url = url
        self.signer = SigV4Signer(credentials, region, "glacier")
        self.session = aiohttp.ClientSession()

    async def close(self) -> None:
        await self.session.close()

    async def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes = b"",
        headers: Mapping[str, str] | None = None,
        sign: bool = True,
        now: datetime | None = None,
        content_sha256: str | None = None,
        signer: SigV4Signer | None = None,
    ) -> RawResponse:
        all_headers = {"x-amz-glacier-version": "2012-06-01", **(headers or {})}
        url = self.url + path
        payload = hashlib.sha256(body).hexdigest()
        if content_sha256 is not None:
            all_headers["x-amz-content-sha256"] = content_sha256
        if sign:
            all_headers.update(
                (signer or self.signer).sign(method, url, all_headers, payload, now=now)
            )
        async with self.session.request(
            method, URL(url, encoded=True), data=io.BytesIO(body), headers=all_headers
        ) as response:
            data = await response.read()
            return RawResponse(response.status, response.headers, data)

    async def upload(
        self, vault: str, data: bytes, *, description: str = "", **overrides: str
    ) -> RawResponse:
        """Upload Archive with correct hashes unless overridden."""
        headers = {
            "x-amz-archive-description": description,
            "x-amz-sha256-tree-hash": tree_hash(data).hex(),
            "x-amz-content-sha256": hashlib.sha256(data).hexdigest(),
        }
        headers.update(overrides)
        return await self.request("POST", f"/-/vaults/{vault}/archives", body=data, headers=headers)


def make_s3_client(url: str, credentials: Credentials, region: str = REGION, **config: Any) -> Any:
    """boto3's s3 client for ``url``, path-style (no retries: every response is seen as sent)."""
    session = boto3.session.Session(
        aws_access_key_id=credentials.access_key,
        aws_secret_access_key=credentials.secret_key,
        aws_session_token=credentials.token,
        region_name=region,
    )
    return session.client(
        "s3",
        endpoint_url=url,
        config=Config(
            retries={"total_max_attempts": 1},
            connect_timeout=5,
            read_timeout=30,
            s3={"addressing_style": "path"},
            **config,
        ),
    )


def assert_s3_error(response: dict[str, Any], code: str, status: int, message: str) -> None:
    """An S3 error as AWS sends it: code, status, message, request id headers."""
    assert response["Error"]["Code"] == code
    assert response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert response["Error"]["Message"] == message
    headers = response["ResponseMetadata"]["HTTPHeaders"]
    assert headers["x-amz-request-id"]
    assert headers["x-amz-id-2"]


class S3Raw:
    """Signed S3 requests exactly as a test writes them (service ``s3``, path as given)."""

    def __init__(self, url: str, credentials: Credentials, region: str = REGION) -> None:
        self.url = url
        self.signer = SigV4Signer(credentials, region, "s3")
        self.session = aiohttp.ClientSession()

    async def close(self) -> None:
        await self.session.close()

    async def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes = b"",
        headers: Mapping[str, str] | None = None,
        content_sha256: str | None = None,
        now: datetime | None = None,
        sign: bool = True,
    ) -> RawResponse:
        all_headers = dict(headers or {})
        payload = content_sha256 or hashlib.sha256(body).hexdigest()
        all_headers.setdefault("x-amz-content-sha256", payload)
        url = self.url + path
        if sign:
            all_headers.update(self.signer.sign(method, url, all_headers, payload, now=now))
        async with self.session.request(
            method, URL(url, encoded=True), data=io.BytesIO(body), headers=all_headers
        ) as response:
            return RawResponse(response.status, response.headers, await response.read())
