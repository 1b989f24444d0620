"""Authentication on every request: AWS errors, nothing changed by a refused request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from emu_helpers import RawClient, assert_error, call, client_error, make_client

from aioglacier.emulator import Emulator
from aioglacier.sigv4 import Credentials, SigV4Signer

SIG_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details."
)


async def test_unsigned_request(raw: RawClient, emulator: Emulator) -> None:
    response = await raw.request("PUT", "/-/vaults/v", sign=False)
    assert response.status == 400
    assert response.json() == {
        "code": "MissingAuthenticationTokenException",
        "message": "Missing Authentication Token",
        "type": "Client",
    }
    assert response.headers["x-amzn-RequestId"]
    assert await emulator.vaults() == []


async def test_wrong_secret_changes_nothing(emulator: Emulator, raw: RawClient) -> None:
    await raw.request("PUT", "/-/vaults/v")
    bad = make_client(emulator.url, Credentials(emulator.credentials.access_key, "wrong"))
    error = await client_error(bad.upload_archive, vaultName="v", body=b"data")
    assert_error(error, "InvalidSignatureException", 403, SIG_MISMATCH)
    error = await client_error(bad.delete_vault, vaultName="v")
    assert_error(error, "InvalidSignatureException", 403, SIG_MISMATCH)
    assert await emulator.vaults() == ["v"]
    assert await emulator.archives("v") == []


async def test_unknown_access_key(emulator: Emulator) -> None:
    other = make_client(emulator.url, Credentials("AKIAUNKNOWN000000000", "secret"))
    error = await client_error(other.list_vaults)
    assert_error(
        error,
        "UnrecognizedClientException",
        403,
        "The security token included in the request is invalid.",
    )


async def test_expired_and_future_signatures(raw: RawClient) -> None:
    old = datetime.now(UTC) - timedelta(minutes=16)
    response = await raw.request("GET", "/-/vaults", now=old)
    assert response.status == 403
    assert response.json()["code"] == "InvalidSignatureException"
    assert response.json()["message"].startswith(
        f"Signature expired: {old.strftime('%Y%m%dT%H%M%SZ')} is now earlier than "
    )
    future = datetime.now(UTC) + timedelta(minutes=16)
    response = await raw.request("GET", "/-/vaults", now=future)
    assert response.status == 403
    assert response.json()["message"].startswith("Signature not yet current: ")
    recent = datetime.now(UTC) - timedelta(minutes=14)
    assert (await raw.request("GET", "/-/vaults", now=recent)).status == 200


async def test_tampered_body_hash(raw: RawClient, emulator: Emulator) -> None:
    await raw.request("PUT", "/-/vaults/v")
    # JSON operation: the body differs from the signed x-amz-content-sha256
    response = await raw.request(
        "POST",
        "/-/vaults/v/jobs",
        body=b'{"Type": "inventory-retrieval"}',
        content_sha256="0" * 64,
    )
    assert response.status == 403
    assert response.json() == {
        "code": "InvalidSignatureException",
        "message": "The provided 'x-amz-content-sha256' header does not match what was computed.",
        "type": "Client",
    }
    assert await emulator.vaults() == ["v"]
    listed = await raw.request("GET", "/-/vaults/v/jobs")
    assert listed.json()["JobList"] == []


async def test_wrong_service_scope(emulator: Emulator, raw: RawClient) -> None:
    # (a request scoped to s3 goes to the S3 API on the same port: see test_s3_routing.py)
    signer = SigV4Signer(emulator.credentials, "us-east-1", "sqs")
    response = await raw.request("GET", "/-/vaults", signer=signer)
    assert response.status == 403
    assert response.json() == {
        "code": "InvalidSignatureException",
        "message": "Credential should be scoped to correct service: 'glacier'. ",
        "type": "Client",
    }


async def test_region_comes_from_scope(emulator: Emulator) -> None:
    eu = make_client(emulator.url, emulator.credentials, region="eu-west-1")
    await call(eu.create_vault, vaultName="v")
    described = await call(eu.describe_vault, vaultName="v")
    assert described["VaultARN"] == "arn:aws:glacier:eu-west-1:123456789012:vaults/v"


async def test_session_tokens(tmp_path: Path) -> None:
    creds = Credentials("AKIATEMPORARY0000000", "tempsecret", "SESSIONTOKEN")
    async with Emulator(tmp_path / "e", credentials=[creds]) as emulator:
        assert emulator.credentials == creds
        good = make_client(emulator.url, creds)
        await call(good.create_vault, vaultName="v")
        no_token = make_client(emulator.url, Credentials(creds.access_key, creds.secret_key))
        error = await client_error(no_token.list_vaults)
        assert_error(
            error,
            "UnrecognizedClientException",
            403,
            "The security token included in the request is invalid.",
        )
        wrong = make_client(emulator.url, Credentials(creds.access_key, creds.secret_key, "X"))
        error = await client_error(wrong.list_vaults)
        assert error["Error"]["Code"] == "UnrecognizedClientException"
        # the default example pair is not accepted when other credentials are configured
        default = make_client(
            emulator.url,
            Credentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        )
        error = await client_error(default.list_vaults)
        assert error["Error"]["Code"] == "UnrecognizedClientException"
        assert await emulator.vaults() == ["v"]


async def test_repr_hides_secret(emulator: Emulator) -> None:
    assert emulator.credentials.secret_key not in repr(emulator)
    assert emulator.credentials.secret_key not in repr(emulator.credentials)
