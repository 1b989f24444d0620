"""The AWS CLI against the emulator's S3 (what AWS would show), and the same S3 scenario
against moto's server and the emulator (statuses and shapes both implement)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from emu_helpers import call, client_error, make_s3_client
from moto.server import ThreadedMotoServer

from aioglacier.emulator import Emulator
from aioglacier.sigv4 import Credentials

MOTO_CREDENTIALS = Credentials("testing", "testing")


async def aws(
    emulator: Emulator, tmp_path: Path, *args: str, ok: bool = True
) -> tuple[int, str, str]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "AWS_ACCESS_KEY_ID": emulator.credentials.access_key,
        "AWS_SECRET_ACCESS_KEY": emulator.credentials.secret_key,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_PAGER": "",
    }
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "aws"),
        *args,
        "--endpoint-url",
        emulator.url,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=tmp_path,
    )
    stdout, stderr = await process.communicate()
    if ok:
        assert process.returncode == 0, stderr.decode()
    return process.returncode or 0, stdout.decode(), stderr.decode()


async def test_aws_cli(emulator: Emulator, tmp_path: Path) -> None:
    await aws(emulator, tmp_path, "s3", "mb", "s3://cli-bucket")
    small = tmp_path / "small.txt"
    small.write_bytes(b"small file\n")
    big = tmp_path / "big.bin"
    big_data = os.urandom(9 * 1024 * 1024 + 5)  # above the CLI's 8 MiB multipart threshold
    big.write_bytes(big_data)
    await aws(
        emulator,
        tmp_path,
        "s3",
        "cp",
        str(small),
        "s3://cli-bucket/dir/small.txt",
        "--storage-class",
        "DEEP_ARCHIVE",
    )
    await aws(emulator, tmp_path, "s3", "cp", str(big), "s3://cli-bucket/big.bin")
    assert await emulator.read_object("cli-bucket", "big.bin") == big_data
    assert (await emulator.objects("cli-bucket"))[0].etag.endswith('-2"')  # multipart
    _, listing, _ = await aws(emulator, tmp_path, "s3", "ls", "s3://cli-bucket/")
    lines = listing.splitlines()
    assert lines[0].split() == ["PRE", "dir/"]
    assert lines[1].split()[2:] == [str(len(big_data)), "big.bin"]
    _, recursive, _ = await aws(emulator, tmp_path, "s3", "ls", "--recursive", "s3://cli-bucket")
    assert [line.split()[-1] for line in recursive.splitlines()] == ["big.bin", "dir/small.txt"]
    # a download of an unrestored DEEP_ARCHIVE object fails as on AWS
    code, _, stderr = await aws(
        emulator,
        tmp_path,
        "s3",
        "cp",
        "s3://cli-bucket/dir/small.txt",
        str(tmp_path / "x"),
        ok=False,
    )
    assert code != 0
    assert "InvalidObjectState" in stderr or "Object is of storage class GLACIER" in stderr
    _, head, _ = await aws(
        emulator,
        tmp_path,
        "s3api",
        "head-object",
        "--bucket",
        "cli-bucket",
        "--key",
        "dir/small.txt",
    )
    described = json.loads(head)
    assert described["StorageClass"] == "DEEP_ARCHIVE"
    assert described["ContentLength"] == len(b"small file\n")
    assert "Restore" not in described
    await aws(
        emulator,
        tmp_path,
        "s3api",
        "restore-object",
        "--bucket",
        "cli-bucket",
        "--key",
        "dir/small.txt",
        "--restore-request",
        '{"Days": 2, "GlacierJobParameters": {"Tier": "Bulk"}}',
    )
    _, head, _ = await aws(
        emulator,
        tmp_path,
        "s3api",
        "head-object",
        "--bucket",
        "cli-bucket",
        "--key",
        "dir/small.txt",
    )
    assert json.loads(head)["Restore"].startswith('ongoing-request="false", expiry-date="')
    await aws(
        emulator,
        tmp_path,
        "s3",
        "cp",
        "s3://cli-bucket/dir/small.txt",
        str(tmp_path / "back.txt"),
        "--force-glacier-transfer",
    )
    assert (tmp_path / "back.txt").read_bytes() == b"small file\n"
    await aws(emulator, tmp_path, "s3", "cp", "s3://cli-bucket/big.bin", str(tmp_path / "big.back"))
    assert (tmp_path / "big.back").read_bytes() == big_data
    code, _, stderr = await aws(
        emulator,
        tmp_path,
        "s3api",
        "restore-object",
        "--bucket",
        "cli-bucket",
        "--key",
        "big.bin",
        "--restore-request",
        '{"Days": 1}',
        ok=False,
    )
    assert code != 0
    assert "(InvalidObjectState)" in stderr
    assert "Restore is not allowed for the object's current storage class" in stderr
    await aws(emulator, tmp_path, "s3", "rm", "--recursive", "s3://cli-bucket/")
    assert await emulator.objects("cli-bucket") == []


@pytest.fixture
def moto_url() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def status(result: dict[str, Any]) -> int:
    return int(result["ResponseMetadata"]["HTTPStatusCode"])


async def scenario(s3: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    out["create"] = await call(s3.create_bucket, Bucket="parity")
    for storage_class in ("STANDARD", "GLACIER", "DEEP_ARCHIVE", "GLACIER_IR"):
        out[f"put_{storage_class}"] = await call(
            s3.put_object,
            Bucket="parity",
            Key=storage_class,
            Body=b"data",
            StorageClass=storage_class,
        )
        out[f"head_{storage_class}"] = await call(
            s3.head_object, Bucket="parity", Key=storage_class
        )
    out["get_glacier"] = await client_error(s3.get_object, Bucket="parity", Key="GLACIER")
    out["get_deep"] = await client_error(s3.get_object, Bucket="parity", Key="DEEP_ARCHIVE")
    out["get_ir"] = await call(s3.get_object, Bucket="parity", Key="GLACIER_IR")
    out["get_ir_body"] = await call(out["get_ir"]["Body"].read)
    out["restore"] = await call(
        s3.restore_object,
        Bucket="parity",
        Key="GLACIER",
        RestoreRequest={"Days": 1, "GlacierJobParameters": {"Tier": "Standard"}},
    )
    out["head_restored"] = await call(s3.head_object, Bucket="parity", Key="GLACIER")
    out["get_restored"] = await call(s3.get_object, Bucket="parity", Key="GLACIER")
    out["get_restored_body"] = await call(out["get_restored"]["Body"].read)
    out["restore_again"] = await call(
        s3.restore_object, Bucket="parity", Key="GLACIER", RestoreRequest={"Days": 2}
    )
    out["restore_standard"] = await client_error(
        s3.restore_object, Bucket="parity", Key="STANDARD", RestoreRequest={"Days": 1}
    )
    out["list"] = await call(s3.list_objects_v2, Bucket="parity")
    out["missing"] = await client_error(s3.get_object, Bucket="parity", Key="absent")
    out["delete"] = await call(
        s3.delete_objects,
        Bucket="parity",
        Delete={
            "Objects": [{"Key": k} for k in ("STANDARD", "GLACIER", "DEEP_ARCHIVE", "GLACIER_IR")]
        },
    )
    out["delete_bucket"] = await call(s3.delete_bucket, Bucket="parity")
    return out


async def test_same_shapes_as_moto(moto_url: str, emulator: Emulator) -> None:
    moto = await scenario(make_s3_client(moto_url, MOTO_CREDENTIALS))
    ours = await scenario(make_s3_client(emulator.url, emulator.credentials))
    for step in ("create", "restore", "restore_again", "list", "delete", "delete_bucket"):
        assert status(ours[step]) == status(moto[step]), step
    assert [status(ours["restore"]), status(ours["restore_again"])] == [202, 200]
    for step in ("get_glacier", "get_deep", "restore_standard", "missing"):
        assert ours[step]["Error"]["Code"] == moto[step]["Error"]["Code"], step
        assert status(ours[step]) == status(moto[step]), step
    assert ours["get_deep"]["Error"]["Code"] == "InvalidObjectState"
    assert ours["get_deep"]["Error"]["StorageClass"] == moto["get_deep"]["Error"]["StorageClass"]
    for storage_class in ("GLACIER", "DEEP_ARCHIVE", "GLACIER_IR"):
        step = f"head_{storage_class}"
        assert ours[step]["StorageClass"] == moto[step]["StorageClass"] == storage_class
    assert "StorageClass" not in ours["head_STANDARD"]
    assert "StorageClass" not in moto["head_STANDARD"]
    assert ours["get_ir_body"] == moto["get_ir_body"] == b"data"
    assert ours["get_restored_body"] == moto["get_restored_body"] == b"data"
    for result in (ours["head_restored"], moto["head_restored"]):
        assert result["Restore"].startswith('ongoing-request="false", expiry-date="')
    assert [c["StorageClass"] for c in ours["list"]["Contents"]] == [
        c["StorageClass"] for c in moto["list"]["Contents"]
    ]
    assert {c["Key"] for c in ours["list"]["Contents"]} == {
        c["Key"] for c in moto["list"]["Contents"]
    }
    assert ours["list"]["Contents"][0].keys() >= {
        "Key",
        "LastModified",
        "ETag",
        "Size",
        "StorageClass",
    }
    assert sorted(d["Key"] for d in ours["delete"]["Deleted"]) == sorted(
        d["Key"] for d in moto["delete"]["Deleted"]
    )
    for step in ("put_STANDARD", "put_GLACIER"):
        assert ours[step]["ETag"] == moto[step]["ETag"]
