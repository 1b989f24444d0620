"""The fault plan applied to S3 operations (names ``s3.<operation>``, ``s3.*``)."""

from __future__ import annotations

import os
from pathlib import Path

import aiohttp
import pytest
from emu_helpers import S3Raw, call, client_error, make_client, make_s3_client

from aioglacier.emulator import Emulator, FaultRule, parse_fault_spec


def test_s3_names_in_specs() -> None:
    plan = parse_fault_spec(
        "seed=3,s3.upload_part:500=0.1,s3.*:throttle=0.2,glacier.upload_part:503=1"
    )
    assert plan.rules == (
        FaultRule("s3.upload_part", "500", 0.1),
        FaultRule("s3.*", "throttle", 0.2),
        FaultRule("upload_part", "503", 1.0),
    )
    assert plan.rules[1].matches("s3.get_object")
    assert not plan.rules[1].matches("get_job_output")
    assert parse_fault_spec(plan.to_spec()) == plan
    with pytest.raises(ValueError, match=r"unknown operation 's3\.copy_object'"):
        parse_fault_spec("s3.copy_object:500=1")


async def test_error_faults(tmp_path: Path) -> None:
    spec = "seed=1,s3.put_object:500=1,s3.head_object:throttle=1,s3.list_buckets:503=1"
    async with Emulator(tmp_path / "e", faults=spec) as emulator:
        s3 = make_s3_client(emulator.url, emulator.credentials)
        await call(s3.create_bucket, Bucket="bucket")
        error = await client_error(s3.put_object, Bucket="bucket", Key="k", Body=b"x")
        assert error["Error"]["Code"] == "InternalError"
        assert error["ResponseMetadata"]["HTTPStatusCode"] == 500
        error = await client_error(s3.list_buckets)
        assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == (
            "ServiceUnavailable",
            503,
        )
        error = await client_error(s3.head_object, Bucket="bucket", Key="k")
        assert error["ResponseMetadata"]["HTTPStatusCode"] == 503
        assert await emulator.objects("bucket") == []
        # the vault API is not touched by S3 rules
        glacier = make_client(emulator.url, emulator.credentials)
        await call(glacier.create_vault, vaultName="v")
        assert emulator.faults is not None
        assert emulator.faults.injected[("s3.put_object", "500")] == 1


async def test_reset_and_truncate(tmp_path: Path) -> None:
    spec = "seed=1,s3.put_object:reset=1,s3.get_object:truncate=1"
    async with Emulator(tmp_path / "e", faults=spec) as emulator:
        s3 = make_s3_client(emulator.url, emulator.credentials)
        await call(s3.create_bucket, Bucket="bucket")
        raw = S3Raw(emulator.url, emulator.credentials)
        try:
            with pytest.raises(aiohttp.ClientError):
                await raw.request("PUT", "/bucket/k", body=os.urandom(256 * 1024))
            await emulator.idle()
            assert await emulator.objects("bucket") == []
            assert os.listdir(emulator.data_dir / "s3" / "tmp") == []
        finally:
            await raw.close()
    async with Emulator(tmp_path / "e", faults="seed=1,s3.get_object:truncate=1") as emulator:
        s3 = make_s3_client(emulator.url, emulator.credentials)
        await call(s3.put_object, Bucket="bucket", Key="k", Body=b"0123456789" * 1000)
        got = await call(s3.get_object, Bucket="bucket", Key="k")
        assert got["ContentLength"] == 10000
        with pytest.raises(Exception, match=r"(?i)incomplete|connection|read"):
            await call(got["Body"].read)


async def test_per_key_errors_in_delete_objects(tmp_path: Path) -> None:
    async with Emulator(tmp_path / "e", faults="seed=5,s3.delete_object:500=0.5") as emulator:
        s3 = make_s3_client(emulator.url, emulator.credentials)
        await call(s3.create_bucket, Bucket="bucket")
        keys = [f"k{n:02d}" for n in range(40)]
        for key in keys:
            await call(s3.put_object, Bucket="bucket", Key=key, Body=b"x")
        result = await call(
            s3.delete_objects, Bucket="bucket", Delete={"Objects": [{"Key": k} for k in keys]}
        )
        failed = [e["Key"] for e in result["Errors"]]
        assert {e["Code"] for e in result["Errors"]} == {"InternalError"}
        assert sorted(failed + [d["Key"] for d in result["Deleted"]]) == keys
        assert 0 < len(failed) < len(keys)
        # the plan is deterministic: the failed keys are exactly the ones still stored
        assert [o.key for o in await emulator.objects("bucket")] == failed
        assert emulator.faults is not None
        assert emulator.faults.injected[("s3.delete_object", "500")] == len(failed)
