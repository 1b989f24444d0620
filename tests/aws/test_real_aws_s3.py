"""Opt-in tests against real Amazon S3. They run only when credentials and a bucket are given:

    AIOGLACIER_AWS_TEST_KEY, AIOGLACIER_AWS_TEST_SECRET   (required)
    AIOGLACIER_AWS_TEST_BUCKET                            (required: an existing bucket)
    AIOGLACIER_AWS_TEST_REGION                            (default us-east-1: the bucket's)
    AIOGLACIER_AWS_TEST_S3_ENDPOINT                       (optional: another S3, e.g. local:DIR,
                                                           to check these tests themselves)

Each run works under a key prefix of its own (``aioglacier-test/<random>/``) and deletes what
it wrote. A STANDARD round trip (sync, restore-completed read directly, purge), and a
DEEP_ARCHIVE upload whose Bulk restore is asked for (and not asked twice) but not awaited:
restores take up to 48 hours. Cost per run: a few dozen requests, and DEEP_ARCHIVE's 180-day
minimum on one object of a few bytes (well under a cent).
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from aioglacier import BucketTarget, Client, ClientSettings, Credentials
from aioglacier.backends.s3 import RestoreStatus
from aioglacier.costs import DEFAULT_PRICES
from aioglacier.journal import read_journal
from aioglacier.progress import Message

KEY = os.environ.get("AIOGLACIER_AWS_TEST_KEY")
SECRET = os.environ.get("AIOGLACIER_AWS_TEST_SECRET")
BUCKET = os.environ.get("AIOGLACIER_AWS_TEST_BUCKET")
ENDPOINT = os.environ.get("AIOGLACIER_AWS_TEST_S3_ENDPOINT")

pytestmark = [
    pytest.mark.aws,
    pytest.mark.skipif(
        not (KEY and SECRET and BUCKET),
        reason="real AWS S3 tests need AIOGLACIER_AWS_TEST_KEY, AIOGLACIER_AWS_TEST_SECRET and "
        "AIOGLACIER_AWS_TEST_BUCKET (an existing bucket)",
    ),
]

FILES = {
    "a.txt": (b"aioglacier real S3 test\n", 1_577_934_245),
    "sub/b c.bin": (os.urandom(1000), 1_600_000_000),
    "big.bin": (os.urandom(9 * 1024 * 1024 + 1), 1_650_000_000),  # multipart: 8 MiB parts
}


def settings() -> ClientSettings:
    assert KEY
    assert SECRET
    return ClientSettings(
        region=os.environ.get("AIOGLACIER_AWS_TEST_REGION", "us-east-1"),
        endpoint_url=ENDPOINT,
        # the embedded emulator (local:DIR) has credentials of its own
        credentials=None if (ENDPOINT or "").startswith("local:") else Credentials(KEY, SECRET),
        part_size=8 * 1024 * 1024,
    )


def make_tree(base: Path, names: list[str]) -> None:
    for name in names:
        data, mtime = FILES[name]
        path = base / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        os.utime(path, (mtime, mtime))


def prefix(kind: str) -> str:
    return f"aioglacier-test/{uuid.uuid4().hex}/{kind}"


async def test_standard_round_trip_on_real_s3(tmp_path: Path) -> None:
    assert BUCKET
    target = BucketTarget(BUCKET, prefix("standard"), storage_class="STANDARD")
    make_tree(tmp_path / "src", list(FILES))
    (tmp_path / "dst").mkdir()
    journal = tmp_path / "journal"
    async with Client(settings()) as client:
        lines: list[str] = []
        planned = await client.sync(
            tmp_path / "src",
            target,
            journal,
            dry_run=True,
            price_table=DEFAULT_PRICES,
            progress=lambda e: lines.append(e.text) if isinstance(e, Message) else None,
        )
        assert len(planned.plan) == 3
        # two PUTs, and create, 2 parts and complete of big.bin
        assert "  upload requests: 6 to STANDARD: $0.0000" in lines

        result = await client.sync(tmp_path / "src", target, journal)
        assert result.ok, result.failed
        assert len(result.uploaded) == 3
        assert len(read_journal(journal).files) == 3
        try:
            for name, (data, mtime) in FILES.items():
                info = await client.s3.head_object(BUCKET, f"{target.prefix}/{name}")
                assert info.size == len(data)
                assert info.metadata["mtime"] == str(mtime)
                assert info.restore.status is RestoreStatus.NOT_ARCHIVED
            got = await client.restore_completed(tmp_path / "dst", target, journal)
            assert got.ok, got.failed
            assert len(got.done) == 3
            for name, (data, mtime) in FILES.items():
                assert (tmp_path / "dst" / name).read_bytes() == data
                assert int((tmp_path / "dst" / name).stat().st_mtime) == mtime
        finally:
            purged = await client.purge_vault(target, journal)
        assert purged.ok, purged.failed
        assert len(purged.done) == 3
        left = [o.key async for o in client.s3.list_objects_v2(BUCKET, prefix=target.prefix)]
        assert left == []


async def test_deep_archive_restore_is_asked_once_on_real_s3(tmp_path: Path) -> None:
    assert BUCKET
    target = BucketTarget(BUCKET, prefix("deep"), storage_class="DEEP_ARCHIVE", restore_days=1)
    make_tree(tmp_path / "src", ["a.txt"])
    (tmp_path / "dst").mkdir()
    journal = tmp_path / "journal"
    key = f"{target.prefix}/a.txt"
    async with Client(settings()) as client:
        result = await client.sync(tmp_path / "src", target, journal)
        assert result.ok, result.failed
        try:
            info = await client.s3.head_object(BUCKET, key)
            assert info.storage_class == "DEEP_ARCHIVE"
            assert info.restore.status is RestoreStatus.ARCHIVED
            asked = await client.restore(
                tmp_path / "dst", target, journal, max_number_of_files=10, tier="Bulk"
            )
            assert asked.ok, asked.failed
            assert len(asked.done) == 1
            again = await client.restore(
                tmp_path / "dst", target, journal, max_number_of_files=10, tier="Bulk"
            )
            assert len(again.done) == 0
            assert len(again.skipped) == 1  # in progress (or, off AWS, already restored)
            info = await client.s3.head_object(BUCKET, key)
            expected = {RestoreStatus.IN_PROGRESS}
            if ENDPOINT:
                expected.add(RestoreStatus.RESTORED)
            assert info.restore.status in expected
        finally:
            purged = await client.purge_vault(target, journal)
        assert purged.ok, purged.failed
        assert len(purged.done) == 1
