"""The same scenarios against moto's server and the emulator; the AWS CLI against the emulator."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from emu_helpers import call, make_client
from moto.server import ThreadedMotoServer

from aioglacier.emulator import Emulator
from aioglacier.sigv4 import Credentials

MOTO_CREDENTIALS = Credentials("testing", "testing")


@pytest.fixture
def moto_url() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def keys(result: dict[str, Any]) -> set[str]:
    return set(result) - {"ResponseMetadata"}


def status(result: dict[str, Any]) -> int:
    return int(result["ResponseMetadata"]["HTTPStatusCode"])


async def scenario(glacier: Any) -> dict[str, Any]:
    """Vaults, a single upload, an archive job and an inventory job; what each call returned."""
    out: dict[str, Any] = {}
    out["create"] = await call(glacier.create_vault, vaultName="parity")
    out["describe"] = await call(glacier.describe_vault, vaultName="parity")
    out["list"] = await call(glacier.list_vaults)
    out["upload"] = await call(
        glacier.upload_archive, vaultName="parity", body=b"parity data", archiveDescription="d"
    )
    archive_id = out["upload"]["archiveId"]
    out["archive_job"] = await call(
        glacier.initiate_job,
        vaultName="parity",
        jobParameters={"Type": "archive-retrieval", "ArchiveId": archive_id, "Tier": "Expedited"},
    )
    out["inventory_job"] = await call(
        glacier.initiate_job,
        vaultName="parity",
        jobParameters={"Type": "inventory-retrieval", "Tier": "Expedited"},
    )
    archive_job = out["archive_job"]["jobId"]
    inventory_job = out["inventory_job"]["jobId"]
    # moto completes Expedited jobs after 2 s of real time: wait for both to be completed
    for job_id in (archive_job, inventory_job):
        while not (await call(glacier.describe_job, vaultName="parity", jobId=job_id))["Completed"]:
            await asyncio.sleep(0.1)
    out["describe_job"] = await call(glacier.describe_job, vaultName="parity", jobId=archive_job)
    out["list_jobs"] = await call(glacier.list_jobs, vaultName="parity")
    output = await call(glacier.get_job_output, vaultName="parity", jobId=archive_job)
    out["output_body"] = await call(output["body"].read)
    out["output"] = output
    inventory = await call(glacier.get_job_output, vaultName="parity", jobId=inventory_job)
    out["inventory_body"] = json.loads(await call(inventory["body"].read))
    out["inventory"] = inventory
    out["delete_archive"] = await call(
        glacier.delete_archive, vaultName="parity", archiveId=archive_id
    )
    out["delete_vault"] = await call(glacier.delete_vault, vaultName="parity")
    out["list_after"] = await call(glacier.list_vaults)
    return out


async def test_same_statuses_and_shapes_as_moto(moto_url: str, emulator: Emulator) -> None:
    moto = await scenario(make_client(moto_url, MOTO_CREDENTIALS))
    ours = await scenario(make_client(emulator.url, emulator.credentials))

    for step in (
        "create",
        "describe",
        "list",
        "upload",
        "archive_job",
        "inventory_job",
        "describe_job",
        "list_jobs",
        "output",
        "inventory",
        "delete_archive",
        "delete_vault",
        "list_after",
    ):
        assert status(ours[step]) == status(moto[step]), step
    assert [status(ours[s]) for s in ("create", "upload", "archive_job", "delete_vault")] == [
        201,
        201,
        202,
        204,
    ]
    # identical shapes, but: moto dates LastInventoryDate at creation, AWS leaves it null
    # until the vault's first inventory (and botocore drops nulls)
    for step in ("list_after", "delete_archive", "delete_vault"):
        assert keys(ours[step]) == keys(moto[step]), step
    assert keys(ours["describe"]) | {"LastInventoryDate"} == keys(moto["describe"])
    assert [set(v) | {"LastInventoryDate"} for v in ours["list"]["VaultList"]] == [
        set(v) for v in moto["list"]["VaultList"]
    ]
    assert keys(ours["upload"]) >= keys(moto["upload"]) == {"archiveId", "checksum"}
    assert keys(ours["upload"]) == {"archiveId", "checksum", "location"}  # AWS sends Location
    for step in ("archive_job", "inventory_job"):
        assert keys(ours[step]) >= keys(moto[step]) >= {"jobId"}
    # moto reports a made-up InventorySizeInBytes (10000) on archive jobs; AWS leaves it null
    assert keys(ours["describe_job"]) >= keys(moto["describe_job"]) - {"InventorySizeInBytes"}
    assert keys(ours["list_jobs"]) == keys(moto["list_jobs"]) == {"JobList"}
    assert len(ours["list_jobs"]["JobList"]) == len(moto["list_jobs"]["JobList"]) == 2
    assert ours["output_body"] == moto["output_body"] == b"parity data"
    assert (
        set(ours["inventory_body"])
        == set(moto["inventory_body"])
        == {
            "VaultARN",
            "InventoryDate",
            "ArchiveList",
        }
    )
    assert len(ours["inventory_body"]["ArchiveList"]) == len(moto["inventory_body"]["ArchiveList"])
    for step in ("output", "inventory"):
        assert {"body", "contentType", "status"} <= keys(ours[step])
        assert {"body", "status"} <= keys(moto[step])
    assert ours["describe"]["VaultARN"] == moto["describe"]["VaultARN"].replace(
        moto["describe"]["VaultARN"].split(":")[4], "123456789012"
    )


async def run_aws(emulator: Emulator, tmp_path: Path, *args: str) -> Any:
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
    aws = Path(sys.executable).parent / "aws"
    process = await asyncio.create_subprocess_exec(
        str(aws),
        "glacier",
        *args,
        "--account-id",
        "-",
        "--endpoint-url",
        emulator.url,
        "--output",
        "json",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=tmp_path,
    )
    stdout, stderr = await process.communicate()
    assert process.returncode == 0, stderr.decode()
    return json.loads(stdout) if stdout.strip() else None


async def test_aws_cli_round_trip(emulator: Emulator, tmp_path: Path) -> None:
    await run_aws(emulator, tmp_path, "create-vault", "--vault-name", "cli")
    archive = tmp_path / "archive.bin"
    data = os.urandom(1024 * 1024 + 99)
    archive.write_bytes(data)
    uploaded = await run_aws(
        emulator,
        tmp_path,
        "upload-archive",
        "--vault-name",
        "cli",
        "--body",
        str(archive),
        "--archive-description",
        "from the cli",
    )
    [stored] = await emulator.archives("cli")
    assert uploaded["archiveId"] == stored.archive_id
    assert uploaded["checksum"] == stored.sha256_tree_hash
    assert stored.description == "from the cli"
    job = await run_aws(
        emulator,
        tmp_path,
        "initiate-job",
        "--vault-name",
        "cli",
        "--job-parameters",
        json.dumps({"Type": "archive-retrieval", "ArchiveId": stored.archive_id}),
    )
    out = tmp_path / "out.bin"
    result = await run_aws(
        emulator,
        tmp_path,
        "get-job-output",
        "--vault-name",
        "cli",
        f"--job-id={job['jobId']}",  # an id may start with "-" (one in 64): never a separate word
        str(out),
    )
    assert result["status"] == 200
    assert result["checksum"] == stored.sha256_tree_hash
    assert out.read_bytes() == data
