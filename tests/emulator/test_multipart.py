"""Multipart uploads: initiate, parts (parallel, replaced), list (every page), complete, abort."""

from __future__ import annotations

import asyncio
import hashlib
import os
from typing import Any

from emu_helpers import ACCOUNT, RawClient, assert_error, call, client_error

from aioglacier.emulator import Emulator
from aioglacier.treehash import MIB, tree_hash

ARN = f"arn:aws:glacier:us-east-1:{ACCOUNT}:vaults/v"


async def initiate(glacier: Any, part_size: int = MIB, description: str = "") -> str:
    result = await call(
        glacier.initiate_multipart_upload,
        vaultName="v",
        partSize=str(part_size),
        archiveDescription=description,
    )
    return str(result["uploadId"])


async def put_part(glacier: Any, upload_id: str, data: bytes, start: int) -> Any:
    return await call(
        glacier.upload_multipart_part,
        vaultName="v",
        uploadId=upload_id,
        range=f"bytes {start}-{start + len(data) - 1}/*",
        body=data,
    )


async def test_full_cycle_parallel_parts(glacier: Any, emulator: Emulator) -> None:
    await call(glacier.create_vault, vaultName="v")
    result = await call(
        glacier.initiate_multipart_upload, vaultName="v", partSize=str(MIB), archiveDescription="mp"
    )
    upload_id = result["uploadId"]
    assert result["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert len(upload_id) == 92
    assert result["location"] == f"/{ACCOUNT}/vaults/v/multipart-uploads/{upload_id}"

    data = os.urandom(5 * MIB + 123)
    starts = list(range(0, len(data), MIB))
    replies = await asyncio.gather(
        *(put_part(glacier, upload_id, data[s : s + MIB], s) for s in reversed(starts))
    )
    for reply, start in zip(replies, reversed(starts), strict=True):
        assert reply["ResponseMetadata"]["HTTPStatusCode"] == 204
        assert reply["checksum"] == tree_hash(data[start : start + MIB]).hex()

    done = await call(
        glacier.complete_multipart_upload,
        vaultName="v",
        uploadId=upload_id,
        archiveSize=str(len(data)),
        checksum=tree_hash(data).hex(),
    )
    assert done["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert done["checksum"] == tree_hash(data).hex()
    assert done["location"] == f"/{ACCOUNT}/vaults/v/archives/{done['archiveId']}"
    assert await emulator.read_archive("v", done["archiveId"]) == data
    [stored] = await emulator.archives("v")
    assert (stored.description, stored.size) == ("mp", len(data))
    # the upload is gone
    error = await client_error(glacier.list_parts, vaultName="v", uploadId=upload_id)
    assert_error(
        error, "ResourceNotFoundException", 404, f"The upload ID was not found: {upload_id}"
    )
    assert os.listdir(emulator.data_dir / "uploads") == []


async def test_bigger_part_size_and_short_last_part(glacier: Any, emulator: Emulator) -> None:
    await call(glacier.create_vault, vaultName="v")
    upload_id = await initiate(glacier, part_size=4 * MIB)
    data = os.urandom(4 * MIB + 1)
    await put_part(glacier, upload_id, data[: 4 * MIB], 0)
    await put_part(glacier, upload_id, data[4 * MIB :], 4 * MIB)
    done = await call(
        glacier.complete_multipart_upload,
        vaultName="v",
        uploadId=upload_id,
        archiveSize=str(len(data)),
        checksum=tree_hash(data).hex(),
    )
    assert await emulator.read_archive("v", done["archiveId"]) == data


async def test_part_replaced(glacier: Any, emulator: Emulator) -> None:
    await call(glacier.create_vault, vaultName="v")
    upload_id = await initiate(glacier)
    await put_part(glacier, upload_id, b"a" * MIB, 0)
    await put_part(glacier, upload_id, b"b" * 10, MIB)
    await put_part(glacier, upload_id, b"c" * MIB, 0)  # replaces the first
    parts = await call(glacier.list_parts, vaultName="v", uploadId=upload_id)
    assert parts["Parts"] == [
        {"RangeInBytes": f"0-{MIB - 1}", "SHA256TreeHash": tree_hash(b"c" * MIB).hex()},
        {"RangeInBytes": f"{MIB}-{MIB + 9}", "SHA256TreeHash": tree_hash(b"b" * 10).hex()},
    ]
    data = b"c" * MIB + b"b" * 10
    done = await call(
        glacier.complete_multipart_upload,
        vaultName="v",
        uploadId=upload_id,
        archiveSize=str(len(data)),
        checksum=tree_hash(data).hex(),
    )
    assert await emulator.read_archive("v", done["archiveId"]) == data


async def test_initiate_errors(glacier: Any, raw: RawClient) -> None:
    await call(glacier.create_vault, vaultName="v")
    for size in ("0", "1000", str(3 * MIB), str(8192 * MIB), "abc"):
        error = await client_error(glacier.initiate_multipart_upload, vaultName="v", partSize=size)
        assert_error(
            error,
            "InvalidParameterValueException",
            400,
            f"Invalid part size: {size}. Part size must not be null, must be a power of two "
            "and be between 1048576 and 4294967296 bytes.",
        )
    response = await raw.request("POST", "/-/vaults/v/multipart-uploads")
    assert response.status == 400
    assert response.json() == {
        "code": "MissingParameterValueException",
        "message": "Required header x-amz-part-size is missing",
        "type": "Client",
    }
    for size in (MIB, 4096 * MIB):
        assert await initiate(glacier, part_size=size)


async def test_upload_part_errors(glacier: Any, raw: RawClient, emulator: Emulator) -> None:
    await call(glacier.create_vault, vaultName="v")
    upload_id = await initiate(glacier, part_size=2 * MIB)
    for content_range, body in (
        (f"bytes {MIB}-{2 * MIB - 1}/*", b"x" * MIB),  # not at a multiple of the part size
        (f"bytes 0-{3 * MIB - 1}/*", b"x" * 3 * MIB),  # longer than a part
    ):
        error = await client_error(
            glacier.upload_multipart_part,
            vaultName="v",
            uploadId=upload_id,
            range=content_range,
            body=body,
        )
        assert_error(
            error,
            "InvalidParameterValueException",
            400,
            f"Invalid Content-Range: '{content_range}'. The range must start at a multiple of "
            f"the part size ({2 * MIB}) and be at most one part long.",
        )
    error = await client_error(
        glacier.upload_multipart_part,
        vaultName="v",
        uploadId=upload_id,
        range="bytes=0-3",
        body=b"abcd",
    )
    assert_error(
        error,
        "InvalidParameterValueException",
        400,
        "Invalid Content-Range: 'bytes=0-3'. Expected 'bytes START-END/*'.",
    )
    error = await client_error(
        glacier.upload_multipart_part,
        vaultName="v",
        uploadId=upload_id,
        range="bytes 0-3/*",
        body=b"abcd",
        checksum="1" * 64,
    )
    assert_error(
        error,
        "InvalidParameterValueException",
        400,
        f"Checksum mismatch: expected {tree_hash(b'abcd').hex()} (calculated), "
        f"actual {'1' * 64} (specified)",
    )
    # body length and range disagree
    body = b"abcdef"
    response = await raw.request(
        "PUT",
        f"/-/vaults/v/multipart-uploads/{upload_id}",
        body=body,
        headers={
            "Content-Range": "bytes 0-3/*",
            "x-amz-sha256-tree-hash": tree_hash(body).hex(),
            "x-amz-content-sha256": hashlib.sha256(body).hexdigest(),
        },
    )
    assert response.status == 400
    assert response.json()["message"] == "Content-Length 6 does not match the Content-Range size 4"
    error = await client_error(
        glacier.upload_multipart_part,
        vaultName="v",
        uploadId="NOPE",
        range="bytes 0-3/*",
        body=b"abcd",
    )
    assert_error(error, "ResourceNotFoundException", 404, "The upload ID was not found: NOPE")
    parts = await call(glacier.list_parts, vaultName="v", uploadId=upload_id)
    assert parts["Parts"] == []


async def test_complete_errors(glacier: Any, emulator: Emulator) -> None:
    await call(glacier.create_vault, vaultName="v")
    upload_id = await initiate(glacier)
    data = os.urandom(3 * MIB)

    async def complete(size: int, checksum: str) -> dict[str, Any]:
        return await client_error(
            glacier.complete_multipart_upload,
            vaultName="v",
            uploadId=upload_id,
            archiveSize=str(size),
            checksum=checksum,
        )

    error = await complete(len(data), tree_hash(data).hex())
    assert_error(
        error,
        "InvalidParameterValueException",
        400,
        f"No parts were uploaded for upload ID: {upload_id}",
    )
    await put_part(glacier, upload_id, data[:MIB], 0)
    await put_part(glacier, upload_id, data[2 * MIB :], 2 * MIB)
    error = await complete(len(data), tree_hash(data).hex())
    assert_error(
        error,
        "InvalidParameterValueException",
        400,
        f"Missing part: no part covers bytes {MIB}-{2 * MIB - 1}",
    )
    await put_part(glacier, upload_id, data[MIB : MIB + 5], MIB)  # short, not last
    error = await complete(len(data), tree_hash(data).hex())
    assert_error(
        error,
        "InvalidParameterValueException",
        400,
        f"Part {MIB}-{MIB + 4} is shorter than the part size {MIB} and is not the last part",
    )
    await put_part(glacier, upload_id, data[MIB : 2 * MIB], MIB)
    error = await complete(len(data) + 1, tree_hash(data).hex())
    assert_error(
        error,
        "InvalidParameterValueException",
        400,
        f"Archive size mismatch: the parts hold {len(data)} bytes, "
        f"x-amz-archive-size is {len(data) + 1}",
    )
    error = await complete(len(data), "2" * 64)
    assert_error(
        error,
        "InvalidParameterValueException",
        400,
        f"Checksum mismatch: expected {tree_hash(data).hex()} (calculated), "
        f"actual {'2' * 64} (specified)",
    )
    assert await emulator.archives("v") == []
    # after all those refusals the upload still completes
    done = await call(
        glacier.complete_multipart_upload,
        vaultName="v",
        uploadId=upload_id,
        archiveSize=str(len(data)),
        checksum=tree_hash(data).hex(),
    )
    assert await emulator.read_archive("v", done["archiveId"]) == data


async def test_abort(glacier: Any, emulator: Emulator) -> None:
    await call(glacier.create_vault, vaultName="v")
    upload_id = await initiate(glacier)
    await put_part(glacier, upload_id, b"x" * 100, 0)
    result = await call(glacier.abort_multipart_upload, vaultName="v", uploadId=upload_id)
    assert result["ResponseMetadata"]["HTTPStatusCode"] == 204
    error = await client_error(glacier.abort_multipart_upload, vaultName="v", uploadId=upload_id)
    assert_error(
        error, "ResourceNotFoundException", 404, f"The upload ID was not found: {upload_id}"
    )
    listed = await call(glacier.list_multipart_uploads, vaultName="v")
    assert listed["UploadsList"] == []
    assert os.listdir(emulator.data_dir / "uploads") == []
    assert await emulator.archives("v") == []


async def test_list_parts_pages(glacier: Any) -> None:
    await call(glacier.create_vault, vaultName="v")
    upload_id = await initiate(glacier, description="pages")
    pieces = [bytes([i]) * MIB for i in range(7)]
    for i, piece in enumerate(pieces):
        await put_part(glacier, upload_id, piece, i * MIB)
    first = await call(glacier.list_parts, vaultName="v", uploadId=upload_id, limit="3")
    assert {k: v for k, v in first.items() if k not in ("ResponseMetadata", "Parts")} == {
        "ArchiveDescription": "pages",
        "CreationDate": first["CreationDate"],
        "Marker": str(3 * MIB),
        "MultipartUploadId": upload_id,
        "PartSizeInBytes": MIB,
        "VaultARN": ARN,
    }
    ranges: list[str] = [p["RangeInBytes"] for p in first["Parts"]]
    marker = first["Marker"]
    while marker:
        page = await call(
            glacier.list_parts, vaultName="v", uploadId=upload_id, limit="3", marker=marker
        )
        ranges += [p["RangeInBytes"] for p in page["Parts"]]
        marker = page.get("Marker")
    assert ranges == [f"{i * MIB}-{(i + 1) * MIB - 1}" for i in range(7)]
    paginator = glacier.get_paginator("list_parts")
    pages = await call(
        lambda: list(paginator.paginate(vaultName="v", uploadId=upload_id, limit="2"))
    )
    assert len(pages) == 4
    assert [p["RangeInBytes"] for page in pages for p in page["Parts"]] == ranges
    error = await client_error(
        glacier.list_parts, vaultName="v", uploadId=upload_id, marker="12345"
    )
    assert_error(error, "InvalidParameterValueException", 400, "Invalid marker: '12345'")


async def test_list_multipart_uploads_pages(glacier: Any) -> None:
    await call(glacier.create_vault, vaultName="v")
    ids = [await initiate(glacier, part_size=MIB << (i % 3), description=f"u{i}") for i in range(5)]
    first = await call(glacier.list_multipart_uploads, vaultName="v", limit="2")
    assert first["UploadsList"][0] == {
        "ArchiveDescription": "u0",
        "CreationDate": first["UploadsList"][0]["CreationDate"],
        "MultipartUploadId": ids[0],
        "PartSizeInBytes": MIB,
        "VaultARN": ARN,
    }
    assert first["Marker"] == ids[2]
    paginator = glacier.get_paginator("list_multipart_uploads")
    pages = await call(lambda: list(paginator.paginate(vaultName="v", limit="2")))
    assert [u["MultipartUploadId"] for p in pages for u in p["UploadsList"]] == ids
    assert len(pages) == 3
    everything = await call(glacier.list_multipart_uploads, vaultName="v")
    assert [u["MultipartUploadId"] for u in everything["UploadsList"]] == ids
    assert "Marker" not in everything
    error = await client_error(glacier.list_multipart_uploads, vaultName="v", marker="zzz")
    assert_error(error, "InvalidParameterValueException", 400, "Invalid marker: 'zzz'")


async def test_uploads_survive_restart(tmp_path: Any) -> None:
    from emu_helpers import make_client

    async with Emulator(tmp_path / "e") as emulator:
        glacier = make_client(emulator.url, emulator.credentials)
        await call(glacier.create_vault, vaultName="v")
        upload_id = await initiate(glacier)
        await put_part(glacier, upload_id, b"a" * MIB, 0)
    async with Emulator(tmp_path / "e") as emulator:
        glacier = make_client(emulator.url, emulator.credentials)
        await put_part(glacier, upload_id, b"b" * 3, MIB)
        data = b"a" * MIB + b"b" * 3
        done = await call(
            glacier.complete_multipart_upload,
            vaultName="v",
            uploadId=upload_id,
            archiveSize=str(len(data)),
            checksum=tree_hash(data).hex(),
        )
        assert await emulator.read_archive("v", done["archiveId"]) == data


async def test_vault_deletion_drops_uploads(glacier: Any, emulator: Emulator) -> None:
    await call(glacier.create_vault, vaultName="v")
    upload_id = await initiate(glacier)
    await call(glacier.delete_vault, vaultName="v")
    assert os.listdir(emulator.data_dir / "uploads") == []
    await call(glacier.create_vault, vaultName="v")
    error = await client_error(glacier.list_parts, vaultName="v", uploadId=upload_id)
    assert error["Error"]["Code"] == "ResourceNotFoundException"
