"""Upload Archive and Delete Archive: hashes verified, descriptions checked, exact headers."""

from __future__ import annotations

import asyncio
import hashlib
import os
from typing import Any

from emu_helpers import ACCOUNT, RawClient, assert_error, call, client_error

from aioglacier.emulator import Emulator
from aioglacier.treehash import tree_hash

PRINTABLE = "".join(chr(c) for c in range(0x20, 0x7F))


async def test_upload_archive_headers_and_bytes(glacier: Any, emulator: Emulator) -> None:
    await call(glacier.create_vault, vaultName="v")
    data = os.urandom(3 * 1024 * 1024 + 17)
    result = await call(
        glacier.upload_archive, vaultName="v", body=data, archiveDescription="my archive"
    )
    archive_id = result["archiveId"]
    assert result["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert len(archive_id) == 138
    assert set(archive_id) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    )
    assert result["checksum"] == tree_hash(data).hex()
    assert result["location"] == f"/{ACCOUNT}/vaults/v/archives/{archive_id}"

    stored = await emulator.archives("v")
    assert [(a.archive_id, a.description, a.size, a.sha256_tree_hash) for a in stored] == [
        (archive_id, "my archive", len(data), tree_hash(data).hex())
    ]
    assert await emulator.read_archive("v", archive_id) == data


async def test_upload_small_and_exact_chunk_sizes(raw: RawClient, emulator: Emulator) -> None:
    await raw.request("PUT", "/-/vaults/v")
    sizes = [1, 4096, 1024 * 1024 - 1, 1024 * 1024, 1024 * 1024 + 1, 2 * 1024 * 1024]
    ids = []
    for size in sizes:
        data = os.urandom(size)
        response = await raw.upload("v", data)
        assert response.status == 201, response.body
        assert response.headers["x-amz-sha256-tree-hash"] == tree_hash(data).hex()
        ids.append(response.headers["x-amz-archive-id"])
        assert await emulator.read_archive("v", ids[-1]) == data
    assert [a.size for a in await emulator.archives("v")] == sizes


async def test_upload_to_missing_vault(glacier: Any) -> None:
    error = await client_error(glacier.upload_archive, vaultName="none", body=b"x")
    assert_error(
        error,
        "ResourceNotFoundException",
        404,
        f"Vault not found for ARN: arn:aws:glacier:us-east-1:{ACCOUNT}:vaults/none",
    )


async def test_tree_hash_mismatch_refused(glacier: Any, emulator: Emulator) -> None:
    await call(glacier.create_vault, vaultName="v")
    data = b"hello world"
    error = await client_error(glacier.upload_archive, vaultName="v", body=data, checksum="0" * 64)
    assert_error(
        error,
        "InvalidParameterValueException",
        400,
        f"Checksum mismatch: expected {tree_hash(data).hex()} (calculated), "
        f"actual {'0' * 64} (specified)",
    )
    assert await emulator.archives("v") == []


async def test_content_sha256_mismatch_refused(raw: RawClient, emulator: Emulator) -> None:
    await raw.request("PUT", "/-/vaults/v")
    data = b"payload"
    wrong = hashlib.sha256(b"other").hexdigest()
    response = await raw.upload("v", data, **{"x-amz-content-sha256": wrong})
    assert response.status == 400
    assert response.json() == {
        "code": "InvalidParameterValueException",
        "message": "The value passed in as x-amz-content-sha256 does not match the computed "
        f"payload hash. Computed digest: {hashlib.sha256(data).hexdigest()} "
        f"expected hash: {wrong}",
        "type": "Client",
    }
    assert await emulator.archives("v") == []
    assert os.listdir(emulator.data_dir / "tmp") == []
    assert os.listdir(emulator.data_dir / "archives") == []


async def test_missing_and_malformed_hash_headers(raw: RawClient) -> None:
    await raw.request("PUT", "/-/vaults/v")
    response = await raw.request(
        "POST",
        "/-/vaults/v/archives",
        body=b"abc",
        content_sha256=hashlib.sha256(b"abc").hexdigest(),
    )
    assert response.status == 400
    assert response.json() == {
        "code": "MissingParameterValueException",
        "message": "Required header x-amz-sha256-tree-hash is missing",
        "type": "Client",
    }
    response = await raw.upload("v", b"abc", **{"x-amz-sha256-tree-hash": "xyz"})
    assert response.status == 400
    assert response.json()["message"] == "Invalid x-amz-sha256-tree-hash header value: 'xyz'"
    response = await raw.request("POST", "/-/vaults/v/archives", body=b"abc")
    assert response.status == 400
    assert response.json()["message"] == "Required header x-amz-content-sha256 is missing"


async def test_empty_archive_refused(raw: RawClient, emulator: Emulator) -> None:
    await raw.request("PUT", "/-/vaults/v")
    response = await raw.upload("v", b"")
    assert response.status == 400
    assert response.json()["code"] == "InvalidParameterValueException"
    assert await emulator.archives("v") == []


async def test_descriptions(raw: RawClient, emulator: Emulator) -> None:
    await raw.request("PUT", "/-/vaults/v")
    # (HTTP trims leading and trailing blanks of header values: none at the ends here)
    longest = ("<" + PRINTABLE * 11)[:1023] + ">"
    ok = await raw.upload("v", b"1", description=longest)
    assert ok.status == 201
    assert (await emulator.archives("v"))[0].description == longest
    for bad in (longest + "x", "tab\there"):
        response = await raw.upload("v", b"1", description=bad)
        assert response.status == 400
        assert response.json() == {
            "code": "InvalidParameterValueException",
            "message": "Invalid archive description: it must be at most 1024 printable ASCII "
            f"characters (0x20-0x7E); got {len(bad)} characters",
            "type": "Client",
        }
    assert len(await emulator.archives("v")) == 1


async def test_delete_archive(glacier: Any, emulator: Emulator) -> None:
    await call(glacier.create_vault, vaultName="v")
    first = await call(glacier.upload_archive, vaultName="v", body=b"one")
    second = await call(glacier.upload_archive, vaultName="v", body=b"two")
    deleted = await call(glacier.delete_archive, vaultName="v", archiveId=first["archiveId"])
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert [a.archive_id for a in await emulator.archives("v")] == [second["archiveId"]]
    assert not emulator.archive_path(first["archiveId"]).exists()
    error = await client_error(glacier.delete_archive, vaultName="v", archiveId=first["archiveId"])
    assert_error(
        error,
        "ResourceNotFoundException",
        404,
        f"Archive not found for ArchiveId: {first['archiveId']}",
    )
    described = await call(glacier.describe_vault, vaultName="v")
    assert (described["NumberOfArchives"], described["SizeInBytes"]) == (1, 3)


async def test_many_concurrent_uploads(raw: RawClient, emulator: Emulator) -> None:
    await raw.request("PUT", "/-/vaults/v")
    payloads = [os.urandom(100 + i) for i in range(64)]
    responses = await asyncio.gather(
        *(raw.upload("v", p, description=str(i)) for i, p in enumerate(payloads))
    )
    assert all(r.status == 201 for r in responses)
    stored = {a.description: a for a in await emulator.archives("v")}
    assert len(stored) == 64
    for i, payload in enumerate(payloads):
        assert stored[str(i)].sha256_tree_hash == tree_hash(payload).hex()
