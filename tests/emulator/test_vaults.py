"""Vault operations through boto3: create, describe, list (every page), delete, errors."""

from __future__ import annotations

import re
from typing import Any

from emu_helpers import ACCOUNT, RawClient, assert_error, call, client_error

from aioglacier.emulator import Emulator

DATE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def arn(name: str) -> str:
    return f"arn:aws:glacier:us-east-1:{ACCOUNT}:vaults/{name}"


async def test_create_describe_delete(glacier: Any, emulator: Emulator) -> None:
    created = await call(glacier.create_vault, vaultName="my.vault_-1")
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert created["location"] == f"/{ACCOUNT}/vaults/my.vault_-1"
    # creating it again is not an error (AWS: idempotent)
    again = await call(glacier.create_vault, vaultName="my.vault_-1")
    assert again["location"] == created["location"]

    described = await call(glacier.describe_vault, vaultName="my.vault_-1")
    body = {k: v for k, v in described.items() if k != "ResponseMetadata"}
    assert body == {
        "VaultARN": arn("my.vault_-1"),
        "VaultName": "my.vault_-1",
        "CreationDate": body["CreationDate"],
        "NumberOfArchives": 0,
        "SizeInBytes": 0,
    }
    assert DATE.fullmatch(body["CreationDate"])
    assert await emulator.vaults() == ["my.vault_-1"]

    deleted = await call(glacier.delete_vault, vaultName="my.vault_-1")
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    error = await client_error(glacier.describe_vault, vaultName="my.vault_-1")
    assert_error(
        error,
        "ResourceNotFoundException",
        404,
        f"Vault not found for ARN: {arn('my.vault_-1')}",
    )


async def test_describe_counts_archives(glacier: Any) -> None:
    await call(glacier.create_vault, vaultName="v")
    await call(glacier.upload_archive, vaultName="v", body=b"a" * 10)
    await call(glacier.upload_archive, vaultName="v", body=b"b" * 20)
    described = await call(glacier.describe_vault, vaultName="v")
    assert (described["NumberOfArchives"], described["SizeInBytes"]) == (2, 30)


async def test_account_id_forms(glacier: Any) -> None:
    await call(glacier.create_vault, accountId=ACCOUNT, vaultName="v")
    assert (await call(glacier.describe_vault, accountId="-", vaultName="v"))["VaultName"] == "v"
    error = await client_error(glacier.describe_vault, accountId="999999999999", vaultName="v")
    assert error["Error"]["Code"] == "AccessDeniedException"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 403
    error = await client_error(glacier.describe_vault, accountId="12345", vaultName="v")
    assert_error(error, "InvalidParameterValueException", 400, "Invalid account ID: '12345'")


async def test_delete_non_empty_vault(glacier: Any) -> None:
    await call(glacier.create_vault, vaultName="full")
    archive = await call(glacier.upload_archive, vaultName="full", body=b"x")
    error = await client_error(glacier.delete_vault, vaultName="full")
    assert_error(
        error,
        "InvalidParameterValueException",
        400,
        f"Vault not empty or recently written to: {arn('full')}",
    )
    await call(glacier.delete_archive, vaultName="full", archiveId=archive["archiveId"])
    await call(glacier.delete_vault, vaultName="full")


async def test_delete_missing_vault(glacier: Any) -> None:
    error = await client_error(glacier.delete_vault, vaultName="nope")
    assert_error(error, "ResourceNotFoundException", 404, f"Vault not found for ARN: {arn('nope')}")


async def test_invalid_vault_names(raw: RawClient) -> None:
    for name in ("a" * 256, "bad%20name", "semi%3Bcolon", "%C3%A9"):
        response = await raw.request("PUT", f"/-/vaults/{name}")
        assert response.status == 400, name
        assert response.json()["code"] == "InvalidParameterValueException"
        assert response.json()["type"] == "Client"
        assert response.json()["message"].startswith("Invalid vault name: ")
    ok = await raw.request("PUT", "/-/vaults/" + "a" * 255)
    assert ok.status == 201


async def test_list_vaults_pages(glacier: Any) -> None:
    names = [f"vault-{i:02d}" for i in range(23)]
    for name in reversed(names):
        await call(glacier.create_vault, vaultName=name)

    default = await call(glacier.list_vaults)
    assert [v["VaultName"] for v in default["VaultList"]] == names[:10]
    assert default["Marker"] == arn(names[10])

    seen: list[str] = []
    markers: list[str] = []
    kwargs: dict[str, str] = {"limit": "7"}
    while True:
        page = await call(glacier.list_vaults, **kwargs)
        seen += [v["VaultName"] for v in page["VaultList"]]
        assert len(page["VaultList"]) <= 7
        if "Marker" not in page:
            break
        markers.append(page["Marker"])
        kwargs["marker"] = page["Marker"]
    assert seen == names
    assert markers == [arn(names[7]), arn(names[14]), arn(names[21])]

    element = default["VaultList"][0]
    assert set(element) == {
        "VaultARN",
        "VaultName",
        "CreationDate",
        "NumberOfArchives",
        "SizeInBytes",
    }

    paginator = glacier.get_paginator("list_vaults")
    pages = await call(lambda: list(paginator.paginate(limit="5")))
    assert [v["VaultName"] for p in pages for v in p["VaultList"]] == names
    assert len(pages) == 5


async def test_list_vaults_bad_parameters(glacier: Any) -> None:
    for limit in ("0", "1001", "x"):
        error = await client_error(glacier.list_vaults, limit=limit)
        assert_error(
            error,
            "InvalidParameterValueException",
            400,
            f"Invalid limit value: '{limit}'. The limit must be between 1 and 1000.",
        )
    error = await client_error(glacier.list_vaults, marker="garbage")
    assert_error(error, "InvalidParameterValueException", 400, "Invalid marker: 'garbage'")
    empty = await call(glacier.list_vaults)
    assert empty["VaultList"] == []
    assert "Marker" not in empty


async def test_unknown_operation(raw: RawClient) -> None:
    response = await raw.request("GET", "/-/vaults/v/archives")
    assert response.status == 400
    assert response.json() == {
        "code": "UnknownOperationException",
        "message": "No operation matches GET /-/vaults/v/archives",
        "type": "Client",
    }
