"""Archival semantics of the emulator's S3: GET refused until restored, RestoreObject's
202/409/200, tier delays scaled by job_delay_scale on the injected clock, expiry."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from emu_helpers import assert_s3_error, call, client_error, make_s3_client

from aioglacier.emulator import Emulator, ManualClock

START = datetime(2024, 3, 10, 10, 30, tzinfo=UTC)


@pytest.fixture
async def timed(tmp_path: Path) -> AsyncIterator[Emulator]:
    """An emulator on a frozen clock with AWS's real restore delays (scale 1)."""
    async with Emulator(tmp_path / "e", clock=ManualClock(START), job_delay_scale=1.0) as emu:
        yield emu


def client(emulator: Emulator) -> Any:
    return make_s3_client(emulator.url, emulator.credentials)


async def restore(s3: Any, key: str, tier: str = "Standard", days: int = 3) -> int:
    answer = await call(
        s3.restore_object,
        Bucket="arch",
        Key=key,
        RestoreRequest={"Days": days, "GlacierJobParameters": {"Tier": tier}},
    )
    return int(answer["ResponseMetadata"]["HTTPStatusCode"])


async def put(s3: Any, key: str, storage_class: str) -> None:
    await call(s3.put_object, Bucket="arch", Key=key, Body=key.encode(), StorageClass=storage_class)


@pytest.mark.parametrize(
    ("storage_class", "tier", "delay"),
    [
        ("GLACIER", "Expedited", timedelta(minutes=5)),
        ("GLACIER", "Standard", timedelta(hours=5)),
        ("GLACIER", "Bulk", timedelta(hours=12)),
        ("DEEP_ARCHIVE", "Standard", timedelta(hours=12)),
        ("DEEP_ARCHIVE", "Bulk", timedelta(hours=48)),
    ],
)
async def test_restore_life_cycle(
    timed: Emulator, storage_class: str, tier: str, delay: timedelta
) -> None:
    s3 = client(timed)
    await call(s3.create_bucket, Bucket="arch")
    await put(s3, "k", storage_class)
    assert "Restore" not in await call(s3.head_object, Bucket="arch", Key="k")
    assert await restore(s3, "k", tier, days=3) == 202
    head = await call(s3.head_object, Bucket="arch", Key="k")
    assert head["Restore"] == 'ongoing-request="true"'
    assert head["StorageClass"] == storage_class
    listed = await call(
        s3.list_objects_v2, Bucket="arch", OptionalObjectAttributes=["RestoreStatus"]
    )
    assert listed["Contents"][0]["RestoreStatus"] == {"IsRestoreInProgress": True}
    error = await client_error(
        s3.restore_object,
        Bucket="arch",
        Key="k",
        RestoreRequest={"Days": 3, "GlacierJobParameters": {"Tier": tier}},
    )
    assert_s3_error(error, "RestoreAlreadyInProgress", 409, "Object restore is already in progress")
    error = await client_error(s3.get_object, Bucket="arch", Key="k")
    assert error["Error"]["Code"] == "InvalidObjectState"
    timed.advance_clock(delay - timedelta(seconds=1))
    assert (await call(s3.head_object, Bucket="arch", Key="k"))[
        "Restore"
    ] == 'ongoing-request="true"'
    timed.advance_clock(timedelta(seconds=1))
    # done: expiry is completion + 3 days, rounded up to the next midnight UTC
    done_at = START + delay
    expiry = (done_at + timedelta(days=3)).replace(hour=0, minute=0, second=0) + timedelta(days=1)
    expected = (
        f'ongoing-request="false", expiry-date="{expiry.strftime("%a, %d %b %Y %H:%M:%S GMT")}"'
    )
    assert (await call(s3.head_object, Bucket="arch", Key="k"))["Restore"] == expected
    listed = await call(
        s3.list_objects_v2, Bucket="arch", OptionalObjectAttributes=["RestoreStatus"]
    )
    assert listed["Contents"][0]["RestoreStatus"] == {
        "IsRestoreInProgress": False,
        "RestoreExpiryDate": expiry,
    }
    got = await call(s3.get_object, Bucket="arch", Key="k", Range="bytes=0-0")
    assert await call(got["Body"].read) == b"k"
    assert got["Restore"] == expected
    # restored: a new request answers 200 and moves the expiry relative to now
    assert await restore(s3, "k", tier, days=10) == 200
    extended = (START + delay + timedelta(days=10)).replace(hour=0, minute=0, second=0) + timedelta(
        days=1
    )
    assert (
        extended.strftime("%d %b %Y")
        in (await call(s3.head_object, Bucket="arch", Key="k"))["Restore"]
    )
    # after the expiry the copy is gone: GET refused again, a new restore starts over
    timed.advance_clock(extended - (START + delay))
    assert "Restore" not in await call(s3.head_object, Bucket="arch", Key="k")
    error = await client_error(s3.get_object, Bucket="arch", Key="k")
    assert error["Error"]["Code"] == "InvalidObjectState"
    assert await restore(s3, "k", tier) == 202


async def test_scale_zero_restores_at_once(emulator: Emulator, s3: Any) -> None:
    await call(s3.create_bucket, Bucket="arch")
    await put(s3, "k", "DEEP_ARCHIVE")
    assert await restore(s3, "k", "Bulk") == 202
    assert (await call(s3.head_object, Bucket="arch", Key="k"))["Restore"].startswith(
        'ongoing-request="false", expiry-date="'
    )
    got = await call(s3.get_object, Bucket="arch", Key="k")
    assert await call(got["Body"].read) == b"k"
    assert await restore(s3, "k", "Bulk") == 200
    [stored] = await emulator.objects("arch")
    assert stored.restore is not None
    assert stored.restore.startswith('ongoing-request="false"')


async def test_tier_upgrade_while_in_progress(timed: Emulator) -> None:
    s3 = client(timed)
    await call(s3.create_bucket, Bucket="arch")
    await put(s3, "k", "GLACIER")
    assert await restore(s3, "k", "Bulk") == 202
    timed.advance_clock(timedelta(hours=1))
    assert await restore(s3, "k", "Expedited") == 202  # faster: the restore speeds up
    timed.advance_clock(timedelta(minutes=5))
    assert (await call(s3.head_object, Bucket="arch", Key="k"))["Restore"].startswith(
        'ongoing-request="false"'
    )


async def test_restore_refusals(emulator: Emulator, s3: Any) -> None:
    await call(s3.create_bucket, Bucket="arch")
    for storage_class in ("STANDARD", "STANDARD_IA", "INTELLIGENT_TIERING", "GLACIER_IR"):
        await put(s3, storage_class, storage_class)
        error = await client_error(
            s3.restore_object, Bucket="arch", Key=storage_class, RestoreRequest={"Days": 1}
        )
        assert_s3_error(
            error,
            "InvalidObjectState",
            403,
            "Restore is not allowed for the object's current storage class",
        )
        got = await call(s3.get_object, Bucket="arch", Key=storage_class)  # read directly
        assert await call(got["Body"].read) == storage_class.encode()
    await put(s3, "deep", "DEEP_ARCHIVE")
    error = await client_error(
        s3.restore_object,
        Bucket="arch",
        Key="deep",
        RestoreRequest={"Days": 1, "GlacierJobParameters": {"Tier": "Expedited"}},
    )
    assert error["Error"]["Code"] == "InvalidObjectState"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 403
    error = await client_error(
        s3.restore_object,
        Bucket="arch",
        Key="deep",
        RestoreRequest={"GlacierJobParameters": {"Tier": "Bulk"}},
    )
    assert error["Error"]["Code"] == "MalformedXML"  # Days is required for an archive
    error = await client_error(
        s3.restore_object, Bucket="arch", Key="absent", RestoreRequest={"Days": 1}
    )
    assert error["Error"]["Code"] == "NoSuchKey"
    [deep] = [o for o in await emulator.objects("arch") if o.key == "deep"]
    assert deep.restore is None
