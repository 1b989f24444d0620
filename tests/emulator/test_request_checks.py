"""Checks the emulator must make for our client's tests to mean anything: it refuses what AWS
refuses (a session token outside the signature; a Complete whose declared size differs from its
parts in either direction) and changes nothing when it does."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from emu_helpers import RawClient, assert_error, call, client_error

from aioglacier.emulator import Emulator
from aioglacier.sigv4 import Credentials, SigV4Signer
from aioglacier.treehash import MIB, tree_hash

TOKEN_INVALID = "The security token included in the request is invalid."


async def test_session_token_must_be_signed(tmp_path: Path) -> None:
    creds = Credentials("AKIATEMPORARY0000000", "tempsecret", "SESSIONTOKEN")
    async with Emulator(tmp_path / "e", credentials=[creds]) as emulator:
        raw = RawClient(emulator.url, creds)
        try:
            signed = await raw.request("PUT", "/-/vaults/signed")
            assert signed.status == 201
            # the right token, sent beside a signature that does not cover it
            unsigned = SigV4Signer(
                Credentials(creds.access_key, creds.secret_key), "us-east-1", "glacier"
            )
            response = await raw.request(
                "PUT",
                "/-/vaults/unsigned",
                headers={"x-amz-security-token": "SESSIONTOKEN"},
                signer=unsigned,
            )
            assert response.status == 403
            assert response.json()["code"] == "UnrecognizedClientException"
            assert response.json()["message"] == TOKEN_INVALID
            assert await emulator.vaults() == ["signed"]
        finally:
            await raw.close()


async def test_token_where_none_is_expected_is_refused(emulator: Emulator) -> None:
    creds = emulator.credentials
    assert creds.token is None
    raw = RawClient(emulator.url, Credentials(creds.access_key, creds.secret_key, "SURPLUS"))
    try:
        response = await raw.request("PUT", "/-/vaults/v")
    finally:
        await raw.close()
    assert response.status == 403
    assert response.json()["message"] == TOKEN_INVALID
    assert await emulator.vaults() == []


async def _upload_parts(glacier: Any, data: bytes) -> str:
    await call(glacier.create_vault, vaultName="v")
    result = await call(
        glacier.initiate_multipart_upload, vaultName="v", partSize=str(MIB), archiveDescription=""
    )
    upload_id = str(result["uploadId"])
    for start in range(0, len(data), MIB):
        body = data[start : start + MIB]
        await call(
            glacier.upload_multipart_part,
            vaultName="v",
            uploadId=upload_id,
            range=f"bytes {start}-{start + len(body) - 1}/*",
            body=body,
        )
    return upload_id


async def test_complete_with_a_declared_size_smaller_than_its_parts_is_refused(
    glacier: Any, emulator: Emulator
) -> None:
    data = os.urandom(2 * MIB + 10)
    upload_id = await _upload_parts(glacier, data)
    for declared in (len(data) - 1, len(data) - 10, 2 * MIB, 1):
        error = await client_error(
            glacier.complete_multipart_upload,
            vaultName="v",
            uploadId=upload_id,
            archiveSize=str(declared),
            checksum=tree_hash(data[:declared]).hex(),
        )
        assert_error(
            error,
            "InvalidParameterValueException",
            400,
            f"Archive size mismatch: the parts hold {len(data)} bytes, "
            f"x-amz-archive-size is {declared}",
        )
    assert await emulator.archives("v") == []
    # nothing was truncated: the upload still completes whole
    done = await call(
        glacier.complete_multipart_upload,
        vaultName="v",
        uploadId=upload_id,
        archiveSize=str(len(data)),
        checksum=tree_hash(data).hex(),
    )
    assert await emulator.read_archive("v", done["archiveId"]) == data
    [archive] = await emulator.archives("v")
    assert (archive.size, archive.sha256_tree_hash) == (len(data), tree_hash(data).hex())


async def test_completed_upload_is_gone(glacier: Any, emulator: Emulator) -> None:
    data = os.urandom(MIB + 1)
    upload_id = await _upload_parts(glacier, data)
    await call(
        glacier.complete_multipart_upload,
        vaultName="v",
        uploadId=upload_id,
        archiveSize=str(len(data)),
        checksum=tree_hash(data).hex(),
    )
    error = await client_error(glacier.list_parts, vaultName="v", uploadId=upload_id)
    assert_error(
        error, "ResourceNotFoundException", 404, f"The upload ID was not found: {upload_id}"
    )
    listed = await call(glacier.list_multipart_uploads, vaultName="v")
    assert listed["UploadsList"] == []
