"""Complete Multipart Upload is idempotent, as AWS documents: a repeat returns the same archive.

AWS: "After your first successful complete multipart upload, if you call the operation again
within a short period, the operation will succeed and return the same archive ID." The upload
itself is gone (List Parts and List Multipart Uploads no longer show it). AWS gives no number
for the period; the emulator keeps completions for ``completed_upload_retention`` (one hour by
default) of its clock, durably.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from datetime import timedelta
from pathlib import Path

from emu_helpers import RawClient, RawResponse

from aioglacier.emulator import Emulator
from aioglacier.emulator.glacier.models import COMPLETED_UPLOAD_RETENTION
from aioglacier.treehash import MIB, tree_hash

DATA = os.urandom(2 * MIB + 5)
TREE = tree_hash(DATA).hex()


async def uploaded_parts(raw: RawClient) -> str:
    """A vault ``v`` and an upload of DATA with every part sent, not completed."""
    assert (await raw.request("PUT", "/-/vaults/v")).status == 201
    initiated = await raw.request(
        "POST",
        "/-/vaults/v/multipart-uploads",
        headers={"x-amz-part-size": str(MIB), "x-amz-archive-description": "idem"},
    )
    upload_id = initiated.headers["x-amz-multipart-upload-id"]
    for start in range(0, len(DATA), MIB):
        part = DATA[start : start + MIB]
        response = await raw.request(
            "PUT",
            f"/-/vaults/v/multipart-uploads/{upload_id}",
            body=part,
            headers={
                "Content-Range": f"bytes {start}-{start + len(part) - 1}/*",
                "x-amz-sha256-tree-hash": tree_hash(part).hex(),
                "x-amz-content-sha256": hashlib.sha256(part).hexdigest(),
            },
        )
        assert response.status == 204
    return upload_id


async def complete(
    raw: RawClient, upload_id: str, size: int = len(DATA), checksum: str = TREE
) -> RawResponse:
    return await raw.request(
        "POST",
        f"/-/vaults/v/multipart-uploads/{upload_id}",
        headers={"x-amz-archive-size": str(size), "x-amz-sha256-tree-hash": checksum},
    )


def error_of(response: RawResponse) -> tuple[int, str, str]:
    body = response.json()
    return response.status, body["code"], body["message"]


def not_found(upload_id: str) -> tuple[int, str, str]:
    return (404, "ResourceNotFoundException", f"The upload ID was not found: {upload_id}")


async def test_repeated_complete_returns_the_same_archive(
    emulator: Emulator, raw: RawClient
) -> None:
    upload_id = await uploaded_parts(raw)
    first = await complete(raw, upload_id)
    assert first.status == 201
    archive_id = first.headers["x-amz-archive-id"]
    for _ in range(3):
        again = await complete(raw, upload_id)
        assert again.status == 201
        assert again.headers["x-amz-archive-id"] == archive_id
        assert again.headers["Location"] == first.headers["Location"]
        assert again.headers["x-amz-sha256-tree-hash"] == TREE
    [stored] = await emulator.archives("v")
    assert stored.archive_id == archive_id
    assert await emulator.read_archive("v", archive_id) == DATA
    # the upload itself is gone, as on AWS, even while a repeated Complete still answers
    parts = await raw.request("GET", f"/-/vaults/v/multipart-uploads/{upload_id}")
    assert error_of(parts) == not_found(upload_id)
    uploads = await raw.request("GET", "/-/vaults/v/multipart-uploads")
    assert uploads.json()["UploadsList"] == []
    abort = await raw.request("DELETE", f"/-/vaults/v/multipart-uploads/{upload_id}")
    assert error_of(abort) == not_found(upload_id)
    assert (await complete(raw, upload_id)).headers["x-amz-archive-id"] == archive_id


async def test_repeat_with_other_size_or_tree_hash_is_refused(
    emulator: Emulator, raw: RawClient
) -> None:
    upload_id = await uploaded_parts(raw)
    archive_id = (await complete(raw, upload_id)).headers["x-amz-archive-id"]
    assert error_of(await complete(raw, upload_id, size=len(DATA) + 1)) == (
        400,
        "InvalidParameterValueException",
        f"Archive size mismatch: the parts hold {len(DATA)} bytes, "
        f"x-amz-archive-size is {len(DATA) + 1}",
    )
    assert error_of(await complete(raw, upload_id, checksum="3" * 64)) == (
        400,
        "InvalidParameterValueException",
        f"Checksum mismatch: expected {TREE} (calculated), actual {'3' * 64} (specified)",
    )
    # a refused repeat changes nothing: the right values still get the archive, and only one
    assert (await complete(raw, upload_id)).headers["x-amz-archive-id"] == archive_id
    assert [a.archive_id for a in await emulator.archives("v")] == [archive_id]


async def test_concurrent_completes_create_one_archive(emulator: Emulator, raw: RawClient) -> None:
    upload_id = await uploaded_parts(raw)
    answers = await asyncio.gather(*(complete(raw, upload_id) for _ in range(4)))
    assert [a.status for a in answers] == [201] * 4
    ids = {a.headers["x-amz-archive-id"] for a in answers}
    assert len(ids) == 1
    assert [a.archive_id for a in await emulator.archives("v")] == list(ids)


async def test_repeat_survives_a_restart(tmp_path: Path) -> None:
    data_dir = tmp_path / "emulator"
    async with Emulator(data_dir) as emulator:
        raw = RawClient(emulator.url, emulator.credentials)
        try:
            upload_id = await uploaded_parts(raw)
            archive_id = (await complete(raw, upload_id)).headers["x-amz-archive-id"]
        finally:
            await raw.close()
    async with Emulator(data_dir) as emulator:
        raw = RawClient(emulator.url, emulator.credentials)
        try:
            again = await complete(raw, upload_id)
            assert again.status == 201
            assert again.headers["x-amz-archive-id"] == archive_id
            refused = await complete(raw, upload_id, checksum="4" * 64)
            assert error_of(refused)[:2] == (400, "InvalidParameterValueException")
        finally:
            await raw.close()
        assert [a.archive_id for a in await emulator.archives("v")] == [archive_id]


async def test_repeat_after_the_retention_period_is_not_found(
    emulator: Emulator, raw: RawClient
) -> None:
    upload_id = await uploaded_parts(raw)
    assert (await complete(raw, upload_id)).status == 201
    emulator.advance_clock(COMPLETED_UPLOAD_RETENTION - timedelta(seconds=1))
    assert (await complete(raw, upload_id)).status == 201
    emulator.advance_clock(timedelta(seconds=2))
    assert error_of(await complete(raw, upload_id)) == not_found(upload_id)


async def test_repeat_after_the_archive_was_deleted_is_not_found(
    emulator: Emulator, raw: RawClient
) -> None:
    upload_id = await uploaded_parts(raw)
    archive_id = (await complete(raw, upload_id)).headers["x-amz-archive-id"]
    assert (await raw.request("DELETE", f"/-/vaults/v/archives/{archive_id}")).status == 204
    assert error_of(await complete(raw, upload_id)) == not_found(upload_id)


async def test_retention_is_configurable(tmp_path: Path) -> None:
    async with Emulator(tmp_path / "emulator", completed_upload_retention=timedelta(0)) as emulator:
        raw = RawClient(emulator.url, emulator.credentials)
        try:
            upload_id = await uploaded_parts(raw)
            assert (await complete(raw, upload_id)).status == 201
            emulator.advance_clock(timedelta(microseconds=1))
            assert error_of(await complete(raw, upload_id)) == not_found(upload_id)
        finally:
            await raw.close()
