"""Fault injection: the spec parser, deterministic decisions, and each fault seen on the wire."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import boto3
import pytest
from botocore.config import Config
from emu_helpers import RawClient, call
from hypothesis import given
from hypothesis import strategies as st

from aioglacier.emulator import (
    FAULT_KINDS,
    OPERATIONS,
    Emulator,
    FaultPlan,
    FaultRule,
    parse_fault_spec,
)
from aioglacier.treehash import MIB, tree_hash

EXAMPLE = (
    "seed=1,upload_part:500=0.1,upload_archive:throttle=0.05,get_job_output:truncate=0.1,"
    "*:reset=0.02,job:fail=0.1,bandwidth=50MiB"
)

UNAVAILABLE = "Service unavailable. Try again later."


def test_parse_example_spec() -> None:
    plan = parse_fault_spec(EXAMPLE)
    assert plan == FaultPlan(
        seed=1,
        rules=(
            FaultRule("upload_part", "500", 0.1),
            FaultRule("upload_archive", "throttle", 0.05),
            FaultRule("get_job_output", "truncate", 0.1),
            FaultRule("*", "reset", 0.02),
        ),
        job_failure_rate=0.1,
        bandwidth=50 * MIB,
    )
    assert FaultPlan.parse(plan.to_spec()) == plan
    assert plan.active


def test_parse_units_aliases_and_delay() -> None:
    plan = parse_fault_spec(
        " upload_multipart_part:slow=1 , bandwidth=512KiB/s, delay=250ms, seed=-3 "
    )
    assert plan.rules == (FaultRule("upload_part", "slow", 1.0),)
    assert plan.bandwidth == 512 * 1024
    assert plan.slow_delay == 0.25
    assert plan.seed == -3
    assert parse_fault_spec("bandwidth=1000").bandwidth == 1000
    assert parse_fault_spec("bandwidth=2GB").bandwidth == 2 * 1024**3
    assert parse_fault_spec("delay=2s").slow_delay == 2.0
    assert parse_fault_spec("delay=1.5").slow_delay == 1.5
    assert parse_fault_spec("") == FaultPlan()
    assert not FaultPlan().active


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("upload:500=0.1", "unknown operation 'upload' in fault rule"),
        ("upload_part:boom=0.1", "unknown fault kind 'boom'"),
        ("upload_part:500=2", "bad rate '2' in fault item 'upload_part:500=2': expected 0..1"),
        ("upload_part:500=x", "bad rate 'x'"),
        ("bandwidth=fast", "bad size 'fast'"),
        ("bandwidth=0", "bad size '0'"),
        ("delay=soon", "bad duration 'soon'"),
        ("seed=abc", "bad seed 'abc': expected an integer"),
        ("upload_part:500", "fault item 'upload_part:500' has no '=VALUE'"),
        ("whatever=1", "unknown fault item 'whatever=1'"),
        ("job:fail=1.5", "bad rate '1.5'"),
    ],
)
def test_parse_errors(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match="^" + message.replace("(", r"\(").replace(".", r"\.")):
        parse_fault_spec(spec)


def test_operations_and_kinds_are_documented() -> None:
    import aioglacier.emulator.faults as faults

    assert faults.__doc__ is not None
    for kind in FAULT_KINDS:
        assert f"``{kind}``" in faults.__doc__
    assert "upload_part" in OPERATIONS
    assert len(OPERATIONS) == 16 + len(faults.S3_OPERATIONS)
    assert all(name.startswith("s3.") for name in faults.S3_OPERATIONS)
    assert "s3.upload_part" in OPERATIONS


@given(seed=st.integers(-(2**31), 2**31), rate=st.floats(0.0, 1.0))
def test_decisions_deterministic(seed: int, rate: float) -> None:
    plan = FaultPlan(seed=seed, rules=(FaultRule("upload_part", "500", rate),))
    again = FaultPlan.parse(plan.to_spec())
    first = [plan.decide("upload_part", n) for n in range(1, 200)]
    assert first == [again.decide("upload_part", n) for n in range(1, 200)]
    assert all(plan.decide("upload_archive", n) is None for n in range(1, 50))
    if rate == 0.0:
        assert first == [None] * 199
    if rate == 1.0:
        assert first == ["500"] * 199


def test_rates_roughly_honoured() -> None:
    plan = parse_fault_spec("seed=7,*:reset=0.1,upload_part:500=0.3,job:fail=0.2")
    hits = sum(plan.decide("list_vaults", n) == "reset" for n in range(1, 10001))
    assert 900 < hits < 1100
    kinds = [plan.decide("upload_part", n) for n in range(1, 10001)]
    # "*:reset" is listed first: it wins when both fire
    assert 900 < kinds.count("reset") < 1100
    assert 2500 < kinds.count("500") < 2900
    assert 1800 < sum(plan.job_fails(n) for n in range(1, 10001)) < 2200
    other_seed = parse_fault_spec("seed=8,*:reset=0.1")
    assert [plan.decide("list_vaults", n) for n in range(1, 300)] != [
        other_seed.decide("list_vaults", n) for n in range(1, 300)
    ]


@asynccontextmanager
async def faulty(tmp_path: Path, spec: str) -> AsyncIterator[tuple[Emulator, RawClient]]:
    async with Emulator(tmp_path / "e", faults=spec) as emulator:
        client = RawClient(emulator.url, emulator.credentials)
        try:
            yield emulator, client
        finally:
            await client.close()


@pytest.mark.parametrize(
    ("kind", "status", "code", "message", "error_type"),
    [
        (
            "500",
            500,
            "ServiceUnavailableException",
            "Service unavailable. Try again later.",
            "Server",
        ),
        (
            "503",
            503,
            "ServiceUnavailableException",
            "Service unavailable. Try again later.",
            "Server",
        ),
        ("throttle", 400, "ThrottlingException", "Rate exceeded", "Client"),
        (
            "timeout",
            408,
            "RequestTimeoutException",
            "Request timed out waiting for the request body.",
            "Client",
        ),
    ],
)
async def test_error_faults_store_nothing(
    tmp_path: Path, kind: str, status: int, code: str, message: str, error_type: str
) -> None:
    async with faulty(tmp_path, f"upload_archive:{kind}=1") as (emulator, raw):
        await raw.request("PUT", "/-/vaults/v")
        response = await raw.upload("v", b"data" * 1000)
        assert response.status == status
        assert response.json() == {"code": code, "message": message, "type": error_type}
        assert response.headers["x-amzn-RequestId"]
        assert await emulator.archives("v") == []
        assert emulator.faults is not None
        assert emulator.faults.injected[("upload_archive", kind)] == 1
        assert emulator.faults.requests["create_vault"] == 1


async def test_reset_during_upload(tmp_path: Path) -> None:
    async with faulty(tmp_path, "upload_archive:reset=1,upload_part:reset=1") as (emulator, raw):
        await raw.request("PUT", "/-/vaults/v")
        with pytest.raises(aiohttp.ClientError):
            await raw.upload("v", os.urandom(3 * MIB))
        with pytest.raises(aiohttp.ClientError):
            await raw.upload("v", b"small")
        initiated = await raw.request(
            "POST", "/-/vaults/v/multipart-uploads", headers={"x-amz-part-size": str(MIB)}
        )
        upload_id = initiated.headers["x-amz-multipart-upload-id"]
        body = os.urandom(MIB)
        with pytest.raises(aiohttp.ClientError):
            await raw.request(
                "PUT",
                f"/-/vaults/v/multipart-uploads/{upload_id}",
                body=body,
                headers={
                    "Content-Range": f"bytes 0-{MIB - 1}/*",
                    "x-amz-sha256-tree-hash": tree_hash(body).hex(),
                    "x-amz-content-sha256": hashlib.sha256(body).hexdigest(),
                },
            )
        await emulator.idle()  # the handlers saw the reset and cleaned up
        assert await emulator.archives("v") == []
        assert os.listdir(emulator.data_dir / "tmp") == []
        parts = await raw.request("GET", f"/-/vaults/v/multipart-uploads/{upload_id}")
        assert parts.json()["Parts"] == []


async def test_truncated_and_reset_downloads(tmp_path: Path) -> None:
    spec = "seed=3,get_job_output:truncate=1,describe_vault:truncate=1,list_vaults:reset=1"
    async with faulty(tmp_path, spec) as (_emulator, raw):
        await raw.request("PUT", "/-/vaults/v")
        data = os.urandom(2 * MIB + 3)
        archive_id = (await raw.upload("v", data)).headers["x-amz-archive-id"]
        job = await raw.request(
            "POST",
            "/-/vaults/v/jobs",
            body=f'{{"Type": "archive-retrieval", "ArchiveId": "{archive_id}"}}'.encode(),
        )
        job_id = job.headers["x-amz-job-id"]
        with pytest.raises(aiohttp.ClientPayloadError):
            await raw.request("GET", f"/-/vaults/v/jobs/{job_id}/output")
        with pytest.raises(aiohttp.ClientPayloadError):
            await raw.request("GET", "/-/vaults/v")
        with pytest.raises(aiohttp.ClientError):
            await raw.request("GET", "/-/vaults")
        # the request itself took effect: the job is still there, the vault too
        described = await raw.request("GET", f"/-/vaults/v/jobs/{job_id}")
        assert described.json()["StatusCode"] == "Succeeded"


async def test_reset_mid_download(tmp_path: Path) -> None:
    async with faulty(tmp_path, "get_job_output:reset=1") as (_emulator, raw):
        await raw.request("PUT", "/-/vaults/v")
        archive_id = (await raw.upload("v", os.urandom(MIB))).headers["x-amz-archive-id"]
        job = await raw.request(
            "POST",
            "/-/vaults/v/jobs",
            body=f'{{"Type": "archive-retrieval", "ArchiveId": "{archive_id}"}}'.encode(),
        )
        with pytest.raises(aiohttp.ClientError):
            await raw.request("GET", f"/-/vaults/v/jobs/{job.headers['x-amz-job-id']}/output")


async def test_drop_applies_then_resets(tmp_path: Path) -> None:
    async with faulty(tmp_path, "create_vault:drop=1,upload_archive:drop=1") as (emulator, raw):
        with pytest.raises(aiohttp.ClientError):
            await raw.request("PUT", "/-/vaults/v")
        assert await emulator.vaults() == ["v"]
        with pytest.raises(aiohttp.ClientError):
            await raw.upload("v", b"stored anyway")
        [archive] = await emulator.archives("v")
        assert archive.size == len(b"stored anyway")


async def test_slow_and_bandwidth(tmp_path: Path) -> None:
    async with faulty(tmp_path, "describe_vault:slow=1,delay=300ms,bandwidth=4MiB") as (
        _emulator,
        raw,
    ):
        await raw.request("PUT", "/-/vaults/v")
        started = time.monotonic()
        assert (await raw.request("GET", "/-/vaults/v")).status == 200
        # Lower bounds only: a loaded machine makes requests slower, never faster.
        assert time.monotonic() - started >= 0.3
        started = time.monotonic()
        response = await raw.upload("v", os.urandom(2 * MIB))
        assert response.status == 201
        assert time.monotonic() - started >= 0.45  # 2 MiB at 4 MiB/s


async def test_boto3_retries_through_faults(tmp_path: Path) -> None:
    async with Emulator(
        tmp_path / "e", faults="seed=26,upload_archive:500=0.2,list_vaults:throttle=0.5"
    ) as emulator:
        session = boto3.session.Session(
            aws_access_key_id=emulator.credentials.access_key,
            aws_secret_access_key=emulator.credentials.secret_key,
            region_name="us-east-1",
        )
        glacier = session.client(
            "glacier",
            endpoint_url=emulator.url,
            config=Config(retries={"mode": "standard", "total_max_attempts": 20}),
        )
        await call(glacier.create_vault, vaultName="v")
        payloads = [os.urandom(50 + i) for i in range(8)]
        for payload in payloads:
            await call(glacier.upload_archive, vaultName="v", body=payload)
        stored = await emulator.archives("v")
        assert [a.sha256_tree_hash for a in stored] == [tree_hash(p).hex() for p in payloads]
        assert emulator.faults is not None
        # seed 26: the 3rd and 7th uploads and the 2nd listing fail once (isolated faults keep
        # botocore's backoff short)
        assert emulator.faults.injected[("upload_archive", "500")] == 2
        for _ in range(3):
            assert (await call(glacier.list_vaults))["VaultList"][0]["VaultName"] == "v"
        assert emulator.faults.injected[("list_vaults", "throttle")] == 1
