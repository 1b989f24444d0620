"""The shared request pipeline: which API a request goes to, and gates on either API."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from emu_helpers import call

from aioglacier.emulator import Emulator
from aioglacier.emulator.pipeline import credential_service


@pytest.mark.parametrize(
    ("headers", "query", "service"),
    [
        (
            {
                "Authorization": "AWS4-HMAC-SHA256 Credential=AKID/20260102/us-east-1/s3/"
                "aws4_request, SignedHeaders=host, Signature=00"
            },
            "",
            "s3",
        ),
        (
            {
                "Authorization": "AWS4-HMAC-SHA256 Credential=AKID/20260102/eu-west-1/glacier/"
                "aws4_request,SignedHeaders=host,Signature=00"
            },
            "",
            "glacier",
        ),
        ({}, "X-Amz-Credential=AKID%2F20260102%2Fus-east-1%2Fs3%2Faws4_request&x=1", "s3"),
        ({"Authorization": "AWS4-HMAC-SHA256 Credential=AKID/20260102/s3"}, "", None),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "", None),
        ({}, "prefix=a", None),
    ],
)
def test_credential_service(headers: dict[str, str], query: str, service: str | None) -> None:
    assert credential_service(headers, query) == service


async def test_a_gate_holds_an_s3_operation(emulator: Emulator, s3: Any) -> None:
    await call(s3.create_bucket, Bucket="bucket")
    gate = emulator.hold("s3.put_object", after=1)
    await call(s3.put_object, Bucket="bucket", Key="first", Body=b"1")
    held = asyncio.create_task(call(s3.put_object, Bucket="bucket", Key="second", Body=b"2"))
    await gate.holding()
    assert [o.key for o in await emulator.objects("bucket")] == ["first"]
    assert gate.arrived == 2
    gate.open()
    await held
    assert [o.key for o in await emulator.objects("bucket")] == ["first", "second"]
    assert await emulator.read_object("bucket", "second") == b"2"


async def test_a_gate_holds_a_vault_operation_only(emulator: Emulator, glacier: Any) -> None:
    gate = emulator.hold("describe_vault")
    await call(glacier.create_vault, vaultName="v")
    assert (await call(glacier.list_vaults))["VaultList"][0]["VaultName"] == "v"
    held = asyncio.create_task(call(glacier.describe_vault, vaultName="v"))
    await gate.holding()
    assert not held.done()
    gate.open()
    assert (await held)["VaultName"] == "v"
    assert gate.arrived == 1
