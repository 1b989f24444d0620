"""Jobs: archive and inventory retrievals, delays by tier, listing (every page), job output."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from emu_helpers import ACCOUNT, RawClient, assert_error, call, client_error, make_client

from aioglacier.emulator import Emulator
from aioglacier.treehash import MIB, tree_hash

ARN = f"arn:aws:glacier:us-east-1:{ACCOUNT}:vaults/v"
DATE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


async def archive_job(glacier: Any, archive_id: str, **params: str) -> str:
    result = await call(
        glacier.initiate_job,
        vaultName="v",
        jobParameters={"Type": "archive-retrieval", "ArchiveId": archive_id, **params},
    )
    return str(result["jobId"])


async def output(
    glacier: Any, job_id: str, byte_range: str | None = None
) -> tuple[dict[str, Any], bytes]:
    kwargs = {"range": byte_range} if byte_range else {}
    result = await call(glacier.get_job_output, vaultName="v", jobId=job_id, **kwargs)
    body = await call(result["body"].read)
    return result, body


async def setup_archive(glacier: Any, data: bytes, description: str = "the archive") -> str:
    await call(glacier.create_vault, vaultName="v")
    result = await call(
        glacier.upload_archive, vaultName="v", body=data, archiveDescription=description
    )
    return str(result["archiveId"])


async def test_archive_retrieval_whole(glacier: Any) -> None:
    data = os.urandom(2 * MIB + 5)
    archive_id = await setup_archive(glacier, data)
    result = await call(
        glacier.initiate_job,
        vaultName="v",
        jobParameters={
            "Type": "archive-retrieval",
            "ArchiveId": archive_id,
            "Description": "restore it",
            "SNSTopic": "arn:aws:sns:us-east-1:123456789012:topic",
        },
    )
    job_id = result["jobId"]
    assert result["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert len(job_id) == 92
    assert result["location"] == f"/{ACCOUNT}/vaults/v/jobs/{job_id}"

    described = await call(glacier.describe_job, vaultName="v", jobId=job_id)
    body = {k: v for k, v in described.items() if k != "ResponseMetadata"}
    assert DATE.fullmatch(body["CreationDate"])
    assert body == {
        "Action": "ArchiveRetrieval",
        "ArchiveId": archive_id,
        "ArchiveSHA256TreeHash": tree_hash(data).hex(),
        "ArchiveSizeInBytes": len(data),
        "Completed": True,
        "CompletionDate": body["CreationDate"],  # job delay scale 0: done at once
        "CreationDate": body["CreationDate"],
        "JobDescription": "restore it",
        "JobId": job_id,
        "RetrievalByteRange": f"0-{len(data) - 1}",
        "SHA256TreeHash": tree_hash(data).hex(),
        "SNSTopic": "arn:aws:sns:us-east-1:123456789012:topic",
        "StatusCode": "Succeeded",
        "StatusMessage": "Succeeded",
        "Tier": "Standard",
        "VaultARN": ARN,
    }
    result, got = await output(glacier, job_id)
    assert got == data
    assert result["status"] == 200
    assert result["checksum"] == tree_hash(data).hex()
    assert result["contentType"] == "application/octet-stream"
    assert result["acceptRanges"] == "bytes"
    assert result["archiveDescription"] == "the archive"
    assert "contentRange" not in result


async def test_raw_describe_has_nulls(raw: RawClient, glacier: Any) -> None:
    archive_id = await setup_archive(glacier, b"tiny")
    job_id = await archive_job(glacier, archive_id, Tier="Expedited")
    response = await raw.request("GET", f"/-/vaults/v/jobs/{job_id}")
    document = response.json()
    assert document["InventorySizeInBytes"] is None
    assert document["JobDescription"] is None
    assert document["SNSTopic"] is None
    assert document["Tier"] == "Expedited"
    assert response.headers["Content-Type"] == "application/json"


async def test_output_ranges_and_checksums(glacier: Any) -> None:
    data = os.urandom(6 * MIB + MIB // 2)  # 6.5 MiB, as in AWS's tree-hash examples
    archive_id = await setup_archive(glacier, data)
    job_id = await archive_job(glacier, archive_id)
    cases = [
        (0, MIB - 1, True),
        (MIB, 2 * MIB - 1, True),
        (MIB, 3 * MIB - 1, False),  # 2 MiB starting at an odd MiB: not a tree node
        (2 * MIB, 4 * MIB - 1, True),
        (4 * MIB, len(data) - 1, True),  # to the end: 3 leaves under a 4-wide node
        (6 * MIB, len(data) - 1, True),
        (0, len(data) - 1, True),
        (10, 2 * MIB - 1, False),
        (0, 100, False),
    ]
    for first, last, aligned in cases:
        result, got = await output(glacier, job_id, f"bytes={first}-{last}")
        assert got == data[first : last + 1]
        assert result["status"] == 206
        assert result["contentRange"] == f"bytes {first}-{last}/{len(data)}"
        if aligned:
            assert result["checksum"] == tree_hash(data[first : last + 1]).hex(), (first, last)
        else:
            assert "checksum" not in result, (first, last)
    # open-ended and suffix ranges
    result, got = await output(glacier, job_id, f"bytes={len(data) - 10}-")
    assert got == data[-10:]
    result, got = await output(glacier, job_id, "bytes=-7")
    assert got == data[-7:]
    assert result["contentRange"] == f"bytes {len(data) - 7}-{len(data) - 1}/{len(data)}"
    error = await client_error(
        glacier.get_job_output, vaultName="v", jobId=job_id, range=f"bytes={len(data)}-"
    )
    assert_error(
        error,
        "InvalidParameterValueException",
        400,
        f"Invalid range: 'bytes={len(data)}-'. The job output is {len(data)} bytes long.",
    )


async def test_ranged_retrieval(glacier: Any) -> None:
    data = os.urandom(6 * MIB + MIB // 2)
    archive_id = await setup_archive(glacier, data)
    aligned = await archive_job(glacier, archive_id, RetrievalByteRange=f"{2 * MIB}-{4 * MIB - 1}")
    described = await call(glacier.describe_job, vaultName="v", jobId=aligned)
    assert described["RetrievalByteRange"] == f"{2 * MIB}-{4 * MIB - 1}"
    assert described["SHA256TreeHash"] == tree_hash(data[2 * MIB : 4 * MIB]).hex()
    assert described["ArchiveSHA256TreeHash"] == tree_hash(data).hex()
    result, got = await output(glacier, aligned)
    assert got == data[2 * MIB : 4 * MIB]
    assert result["checksum"] == tree_hash(got).hex()
    result, got = await output(glacier, aligned, f"bytes=0-{MIB - 1}")
    assert got == data[2 * MIB : 3 * MIB]
    assert result["checksum"] == tree_hash(got).hex()
    assert result["contentRange"] == f"bytes 0-{MIB - 1}/{2 * MIB}"

    unaligned = await archive_job(glacier, archive_id, RetrievalByteRange=f"{MIB}-{3 * MIB - 1}")
    described = await call(glacier.describe_job, vaultName="v", jobId=unaligned)
    assert "SHA256TreeHash" not in described  # null: not tree-hash aligned
    result, got = await output(glacier, unaligned)
    assert got == data[MIB : 3 * MIB]
    assert "checksum" not in result

    tail = await archive_job(glacier, archive_id, RetrievalByteRange=f"{6 * MIB}-{len(data) - 1}")
    result, got = await output(glacier, tail)
    assert got == data[6 * MIB :]
    assert result["checksum"] == tree_hash(got).hex()

    for bad in (f"1-{MIB}", f"0-{MIB}", f"{MIB}-{MIB - 1}", f"0-{len(data)}", "x-y"):
        error = await client_error(
            glacier.initiate_job,
            vaultName="v",
            jobParameters={
                "Type": "archive-retrieval",
                "ArchiveId": archive_id,
                "RetrievalByteRange": bad,
            },
        )
        assert error["Error"]["Code"] == "InvalidParameterValueException", bad
        assert error["Error"]["Message"].startswith(f"Invalid RetrievalByteRange: '{bad}'.")


async def test_inventory_json_is_a_snapshot(glacier: Any) -> None:
    await call(glacier.create_vault, vaultName="v")
    first = await call(glacier.upload_archive, vaultName="v", body=b"one", archiveDescription="a")
    second = await call(
        glacier.upload_archive, vaultName="v", body=b"two!", archiveDescription='q"q'
    )
    result = await call(
        glacier.initiate_job, vaultName="v", jobParameters={"Type": "inventory-retrieval"}
    )
    job_id = result["jobId"]
    # changes after the job started are not in its inventory
    await call(glacier.upload_archive, vaultName="v", body=b"three")
    await call(glacier.delete_archive, vaultName="v", archiveId=first["archiveId"])

    result, body = await output(glacier, job_id)
    assert result["contentType"] == "application/json"
    assert "checksum" not in result
    document = json.loads(body)
    assert list(document) == ["VaultARN", "InventoryDate", "ArchiveList"]
    assert document["VaultARN"] == ARN
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", document["InventoryDate"])
    entries = document["ArchiveList"]
    assert [list(e) for e in entries] == [
        ["ArchiveId", "ArchiveDescription", "CreationDate", "Size", "SHA256TreeHash"]
    ] * 2
    assert [
        (e["ArchiveId"], e["ArchiveDescription"], e["Size"], e["SHA256TreeHash"]) for e in entries
    ] == [
        (first["archiveId"], "a", 3, tree_hash(b"one").hex()),
        (second["archiveId"], 'q"q', 4, tree_hash(b"two!").hex()),
    ]
    assert body == json.dumps(document, separators=(",", ":")).encode()
    described = await call(glacier.describe_job, vaultName="v", jobId=job_id)
    assert described["Action"] == "InventoryRetrieval"
    assert described["InventorySizeInBytes"] == len(body)
    assert described["InventoryRetrievalParameters"] == {"Format": "JSON"}
    for absent in ("ArchiveId", "ArchiveSizeInBytes", "RetrievalByteRange", "SHA256TreeHash"):
        assert absent not in described
    vault = await call(glacier.describe_vault, vaultName="v")
    assert vault["LastInventoryDate"] == described["CreationDate"]


async def test_inventory_csv(glacier: Any) -> None:
    await call(glacier.create_vault, vaultName="v")
    a = await call(
        glacier.upload_archive, vaultName="v", body=b"x", archiveDescription='say "hi", ok'
    )
    b = await call(glacier.upload_archive, vaultName="v", body=b"yy")
    result = await call(
        glacier.initiate_job,
        vaultName="v",
        jobParameters={"Type": "inventory-retrieval", "Format": "CSV"},
    )
    result, body = await output(glacier, result["jobId"])
    assert result["contentType"] == "text/csv"
    lines = body.decode().split("\n")
    assert lines[0] == "ArchiveId,ArchiveDescription,CreationDate,Size,SHA256TreeHash"
    assert re.fullmatch(
        re.escape(a["archiveId"])
        + r',"say ""hi"", ok",\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ,1,'
        + tree_hash(b"x").hex(),
        lines[1],
    )
    assert re.fullmatch(
        re.escape(b["archiveId"]) + r',"",\S+Z,2,' + tree_hash(b"yy").hex(), lines[2]
    )
    assert lines[3:] == [""]


async def test_job_delays_by_tier(tmp_path: Path) -> None:
    async with Emulator(tmp_path / "e", job_delay_scale=1.0) as emulator:
        glacier = make_client(emulator.url, emulator.credentials)
        archive_id = await setup_archive(glacier, b"data")
        jobs = {
            tier: await archive_job(glacier, archive_id, Tier=tier)
            for tier in ("Expedited", "Standard", "Bulk")
        }
        inventory = (
            await call(
                glacier.initiate_job, vaultName="v", jobParameters={"Type": "inventory-retrieval"}
            )
        )["jobId"]

        async def status(job_id: str) -> str:
            return str(
                (await call(glacier.describe_job, vaultName="v", jobId=job_id))["StatusCode"]
            )

        described = await call(glacier.describe_job, vaultName="v", jobId=jobs["Bulk"])
        assert described["Completed"] is False
        assert described["StatusMessage"] == "Operation in progress."
        assert "CompletionDate" not in described
        assert "SHA256TreeHash" not in described  # whole archive, in progress: null
        error = await client_error(glacier.get_job_output, vaultName="v", jobId=jobs["Bulk"])
        assert_error(
            error,
            "InvalidParameterValueException",
            400,
            f"The job is not currently available for download: {jobs['Bulk']}",
        )
        emulator.advance_clock(3 * 60 - 2)
        assert await status(jobs["Expedited"]) == "InProgress"
        emulator.advance_clock(3)
        assert await status(jobs["Expedited"]) == "Succeeded"
        assert await status(jobs["Standard"]) == "InProgress"
        emulator.advance_clock(4 * 3600)
        assert await status(jobs["Standard"]) == "Succeeded"
        assert await status(inventory) == "Succeeded"
        assert await status(jobs["Bulk"]) == "InProgress"
        emulator.advance_clock(8 * 3600)
        assert await status(jobs["Bulk"]) == "Succeeded"
        _, body = await output(glacier, jobs["Bulk"])
        assert body == b"data"
        # 24 hours after completion, jobs are gone
        emulator.advance_clock(21 * 3600)
        error = await client_error(glacier.describe_job, vaultName="v", jobId=jobs["Expedited"])
        assert_error(
            error,
            "ResourceNotFoundException",
            404,
            f"The job ID was not found: {jobs['Expedited']}",
        )
        listed = await call(glacier.list_jobs, vaultName="v")
        assert {j["JobId"] for j in listed["JobList"]} == {jobs["Bulk"]}


async def test_job_delay_scale(tmp_path: Path) -> None:
    async with Emulator(tmp_path / "e", job_delay_scale=0.001) as emulator:
        glacier = make_client(emulator.url, emulator.credentials)
        archive_id = await setup_archive(glacier, b"data")
        job_id = await archive_job(glacier, archive_id, Tier="Bulk")  # 12 h * 0.001 = 43.2 s
        emulator.advance_clock(43)
        assert (await call(glacier.describe_job, vaultName="v", jobId=job_id))["Completed"] is False
        emulator.advance_clock(1)
        assert (await call(glacier.describe_job, vaultName="v", jobId=job_id))["Completed"] is True


async def test_list_jobs_pages_and_filters(tmp_path: Path) -> None:
    async with Emulator(tmp_path / "e", job_delay_scale=1.0) as emulator:
        glacier = make_client(emulator.url, emulator.credentials)
        archive_id = await setup_archive(glacier, b"data")
        expedited = [await archive_job(glacier, archive_id, Tier="Expedited") for _ in range(4)]
        bulk = [await archive_job(glacier, archive_id, Tier="Bulk") for _ in range(3)]
        emulator.advance_clock(600)
        everything = expedited + bulk

        async def all_pages(**kwargs: str) -> list[str]:
            paginator = glacier.get_paginator("list_jobs")
            pages = await call(lambda: list(paginator.paginate(vaultName="v", **kwargs)))
            return [j["JobId"] for p in pages for j in p["JobList"]]

        assert await all_pages() == everything
        assert await all_pages(limit="2") == everything
        assert await all_pages(limit="2", statuscode="Succeeded") == expedited
        assert await all_pages(limit="2", statuscode="InProgress") == bulk
        assert await all_pages(statuscode="Failed") == []
        assert await all_pages(limit="3", completed="true") == expedited
        assert await all_pages(limit="1", completed="false") == bulk

        first = await call(glacier.list_jobs, vaultName="v", limit="3")
        assert [j["JobId"] for j in first["JobList"]] == everything[:3]
        assert first["Marker"] == everything[3]
        second = await call(glacier.list_jobs, vaultName="v", limit="3", marker=first["Marker"])
        assert [j["JobId"] for j in second["JobList"]] == everything[3:6]
        third = await call(glacier.list_jobs, vaultName="v", limit="3", marker=second["Marker"])
        assert [j["JobId"] for j in third["JobList"]] == everything[6:]
        assert "Marker" not in third

        for params, message in (
            ({"limit": "51"}, "Invalid limit value: '51'. The limit must be between 1 and 50."),
            ({"limit": "0"}, "Invalid limit value: '0'. The limit must be between 1 and 50."),
            ({"marker": "nope"}, "Invalid marker: 'nope'"),
            (
                {"statuscode": "Done"},
                "Invalid statuscode: 'Done'. Valid values are InProgress, Succeeded and Failed.",
            ),
            (
                {"completed": "yes"},
                "Invalid completed value: 'yes'. Valid values are true and false.",
            ),
        ):
            error = await client_error(glacier.list_jobs, vaultName="v", **params)
            assert_error(error, "InvalidParameterValueException", 400, message)


async def test_initiate_job_errors(glacier: Any, raw: RawClient) -> None:
    archive_id = await setup_archive(glacier, b"data")

    async def refused(params: dict[str, Any]) -> dict[str, Any]:
        return await client_error(glacier.initiate_job, vaultName="v", jobParameters=params)

    assert_error(
        await refused({"Type": "archive-retrieval", "ArchiveId": "unknown"}),
        "ResourceNotFoundException",
        404,
        "Archive not found for ArchiveId: unknown",
    )
    assert_error(
        await refused({"Type": "archive-retrieval"}),
        "MissingParameterValueException",
        400,
        "Required parameter ArchiveId is missing",
    )
    assert_error(
        await refused({"Type": "archive-retrieval", "ArchiveId": archive_id, "Tier": "Fast"}),
        "InvalidParameterValueException",
        400,
        "Invalid tier: 'Fast'. Valid tiers are Expedited, Standard and Bulk.",
    )
    assert_error(
        await refused({"Type": "inventory-retrieval", "Format": "XML"}),
        "InvalidParameterValueException",
        400,
        "Invalid format: 'XML'. Valid formats are CSV and JSON.",
    )
    assert_error(
        await refused({"Type": "inventory-retrieval", "ArchiveId": archive_id}),
        "InvalidParameterValueException",
        400,
        "ArchiveId is not valid for inventory-retrieval jobs",
    )
    assert_error(
        await refused({"Type": "restore"}),
        "InvalidParameterValueException",
        400,
        "Invalid job type: 'restore'. Valid types are archive-retrieval, inventory-retrieval "
        "and select.",
    )
    assert_error(
        await refused({}),
        "MissingParameterValueException",
        400,
        "Required parameter Type is missing",
    )
    response = await raw.request("POST", "/-/vaults/v/jobs", body=b"{not json")
    assert response.status == 400
    assert response.json() == {
        "code": "SerializationException",
        "message": "The request body is not valid JSON.",
        "type": "Client",
    }
    error = await client_error(glacier.describe_job, vaultName="v", jobId="missing")
    assert_error(error, "ResourceNotFoundException", 404, "The job ID was not found: missing")
    error = await client_error(glacier.get_job_output, vaultName="v", jobId="missing")
    assert_error(error, "ResourceNotFoundException", 404, "The job ID was not found: missing")


async def test_output_survives_archive_deletion(glacier: Any) -> None:
    archive_id = await setup_archive(glacier, b"keep me")
    job_id = await archive_job(glacier, archive_id)
    await call(glacier.delete_archive, vaultName="v", archiveId=archive_id)
    _, body = await output(glacier, job_id)
    assert body == b"keep me"


async def test_failed_jobs(tmp_path: Path) -> None:
    async with Emulator(tmp_path / "e", faults="job:fail=1") as emulator:
        glacier = make_client(emulator.url, emulator.credentials)
        archive_id = await setup_archive(glacier, b"data")
        job_id = await archive_job(glacier, archive_id)
        described = await call(glacier.describe_job, vaultName="v", jobId=job_id)
        assert described["StatusCode"] == "Failed"
        assert described["Completed"] is True
        assert described["StatusMessage"] == "Failed: the emulator's fault plan failed this job"
        error = await client_error(glacier.get_job_output, vaultName="v", jobId=job_id)
        assert_error(
            error,
            "InvalidParameterValueException",
            400,
            f"The job failed and has no output: {job_id}",
        )
        failed = await call(glacier.list_jobs, vaultName="v", statuscode="Failed")
        assert [j["JobId"] for j in failed["JobList"]] == [job_id]


async def test_manual_clock_gives_exact_dates(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from aioglacier.emulator import ManualClock

    clock = ManualClock(datetime(2012, 3, 20, 17, 3, 43, 221000, tzinfo=UTC))
    async with Emulator(tmp_path / "e", clock=clock, job_delay_scale=1.0) as emulator:
        glacier = make_client(emulator.url, emulator.credentials)
        archive_id = await setup_archive(glacier, b"data")
        vault = await call(glacier.describe_vault, vaultName="v")
        assert vault["CreationDate"] == "2012-03-20T17:03:43.221Z"
        job_id = await archive_job(glacier, archive_id, Tier="Expedited")
        emulator.advance_clock(180)
        described = await call(glacier.describe_job, vaultName="v", jobId=job_id)
        assert described["CreationDate"] == "2012-03-20T17:03:43.221Z"
        assert described["CompletionDate"] == "2012-03-20T17:06:43.221Z"
        assert [a.creation_date for a in await emulator.archives("v")] == [
            "2012-03-20T17:03:43.221Z"
        ]
