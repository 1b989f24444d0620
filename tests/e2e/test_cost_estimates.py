"""``--dry-run`` prints what a sync, a restore and a purge will cost, on a vault and a bucket.

Every command runs as its own ``python -m aioglacier`` process against the embedded emulator
(``--endpoint-url local:DIR``). Journals are written by hand with CREATED times relative to now
(the age that decides early deletion) and sizes of tens of GiB; local files are sparse, so the
figures are big enough to read without storing anything. The expected lines are exact: the
default table's us-east-1 prices of its date, or a ``--price-table`` file's.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from aioglacier.costs import DEFAULT_PRICES

CLI = [sys.executable, "-m", "aioglacier"]
GIB = 1024**3
DAY = 86400
HEADER = f"cost estimate (us-east-1 list prices of {DEFAULT_PRICES.taken}, USD):"
TREEHASH = "ab" * 32


def run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """One CLI process; its output (stdout, stderr) as text."""
    return subprocess.run(
        [*CLI, *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def journal_line(age_days: float, archive_id: str, size: int, name: str) -> str:
    created = int(time.time() - age_days * DAY)
    return f"B\t{created}\tCREATED\t{archive_id}\t{size}\t1577934245\t{TREEHASH}\t{name}\n"


@pytest.fixture
def place(tmp_path: Path) -> Path:
    """A working directory with an emulator holding vault ``vlt`` and bucket ``bkt``."""
    (tmp_path / "emu").mkdir()
    for command in (["create-vault", "vlt"], ["create-bucket", "bkt"]):
        done = run(*command, "--endpoint-url", f"local:{tmp_path / 'emu'}", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    (tmp_path / "dir").mkdir()
    return tmp_path


def endpoint(place: Path) -> list[str]:
    return ["--endpoint-url", f"local:{place / 'emu'}"]


def target(kind: str) -> list[str]:
    return ["--vault", "vlt"] if kind == "vault" else ["--bucket", "bkt"]


def archive_id(kind: str, n: int) -> str:
    return f"vaultarchive{n:04d}" if kind == "vault" else f"s3:{n:032x}"


def plan_and_estimate(stdout: str) -> list[str]:
    return stdout.splitlines()


def write_journal(place: Path, kind: str) -> Path:
    """A journal of two archives: 100 GiB uploaded 30 days ago, 50 GiB 400 days ago."""
    journal = place / "journal"
    journal.write_text(
        journal_line(30, archive_id(kind, 1), 100 * GIB, "young")
        + journal_line(400, archive_id(kind, 2), 50 * GIB, "old"),
        encoding="utf-8",
    )
    return journal


# ------------------------------------------------------------------------------------ purge


PURGE = {
    # DEEP_ARCHIVE: 180 days minimum; the young one has 150 left: 100 GiB x $0.00099 x 150/30.
    "bucket": [
        "delete requests: 2: $0.0000",
        "early deletion: 1 of 2 objects younger than 180 days: $0.4950",
        "total now: $0.4950",
        "note: deleting stops $0.1485 per month of storage in DEEP_ARCHIVE",
    ],
    # A vault: 90 days minimum; 60 left: 100 GiB x $0.0036 x 60/30.
    "vault": [
        "delete requests: 2: $0.0000",
        "early deletion: 1 of 2 objects younger than 90 days: $0.7200",
        "total now: $0.7200",
        "note: deleting stops $0.5400 per month of storage in vault",
    ],
}


@pytest.mark.parametrize("kind", ["vault", "bucket"])
def test_purge_dry_run_prices_early_deletion(place: Path, kind: str) -> None:
    journal = write_journal(place, kind)
    done = run(
        "purge-vault", *endpoint(place), *target(kind), "--journal", journal, "--dry-run",
        cwd=place,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert plan_and_estimate(done.stdout) == [
        f"Will DELETE archive {archive_id(kind, 1)} (file young)",
        f"Will DELETE archive {archive_id(kind, 2)} (file old)",
        HEADER,
        *(f"  {line}" for line in PURGE[kind]),
    ]
    assert journal.read_text(encoding="utf-8").count("\n") == 2  # nothing journaled


# ---------------------------------------------------------------------------------- restore


RESTORE = {
    "bucket": (
        "Bulk",
        [
            "retrieval (Bulk): 150.000 GiB: $0.3750",
            "retrieval requests (Bulk): 2: $0.0001",
            "download requests: 2: $0.0000",
            "data transfer out to the internet: 150.000 GiB: $13.5000",
            "total now: $13.8751",
            "note: a Bulk retrieval from DEEP_ARCHIVE takes 48 h",
        ],
    ),
    "vault": (
        "Standard",
        [
            "retrieval (Standard): 150.000 GiB: $1.5000",
            "retrieval requests (Standard): 2: $0.0001",
            "download requests: 2: $0.0000",
            "data transfer out to the internet: 150.000 GiB: $13.5000",
            "total now: $15.0001",
            "note: a Standard retrieval from vault takes 4-5 h",
        ],
    ),
}


@pytest.mark.parametrize("kind", ["vault", "bucket"])
def test_restore_dry_run_prices_retrieval_by_tier(place: Path, kind: str) -> None:
    journal = write_journal(place, kind)
    tier, expected = RESTORE[kind]
    done = run(
        "restore", *endpoint(place), *target(kind), "--journal", journal, "--dir", place / "dir",
        "--max-number-of-files", "10", "--tier", tier, "--dry-run",
        cwd=place,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert plan_and_estimate(done.stdout) == [  # in the order of the names
        f"Will RETRIEVE archive {archive_id(kind, 2)} (file old)",
        f"Will RETRIEVE archive {archive_id(kind, 1)} (file young)",
        HEADER,
        *(f"  {line}" for line in expected),
    ]


def test_restore_dry_run_with_nothing_to_restore_prints_no_estimate(place: Path) -> None:
    journal = write_journal(place, "vault")
    for name in ("young", "old"):
        (place / "dir" / name).write_bytes(b"")
    done = run(
        "restore", *endpoint(place), *target("vault"), "--journal", journal,
        "--dir", place / "dir", "--max-number-of-files", "10", "--dry-run",
        cwd=place,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""


# ------------------------------------------------------------------------------------- sync


def sparse(path: Path, size: int) -> None:
    with path.open("wb") as f:
        f.truncate(size)


def sync_place(place: Path, kind: str) -> Path:
    """``big`` grew from 20 GiB (uploaded 30 days ago) to 100 GiB; ``gone`` (50 GiB, 10 days
    old) was removed; ``new1`` and ``new2`` are new."""
    sparse(place / "dir" / "big", 100 * GIB)
    (place / "dir" / "new1").write_bytes(b"one")
    (place / "dir" / "new2").write_bytes(b"two")
    journal = place / "journal"
    journal.write_text(
        journal_line(30, archive_id(kind, 1), 20 * GIB, "big")
        + journal_line(10, archive_id(kind, 2), 50 * GIB, "gone"),
        encoding="utf-8",
    )
    return journal


def sync(place: Path, kind: str, *extra: str | Path) -> subprocess.CompletedProcess[str]:
    return run(
        "sync", *endpoint(place), *target(kind), "--journal", place / "journal",
        "--dir", place / "dir", "--new", "--replace-modified", "--delete-removed",
        "--dry-run", *extra,
        cwd=place,
    )  # fmt: skip


def sync_plan(kind: str) -> list[str]:
    return [
        f"Will UPLOAD big (replacing archive {archive_id(kind, 1)})",
        "Will UPLOAD new1",
        "Will UPLOAD new2",
        f"Will DELETE archive {archive_id(kind, 2)} gone",
    ]


SYNC = {
    # 100 GiB in 16 MiB parts: create + 6400 parts + complete; two single PUTs: 6404 requests.
    # Early deletion (180 days): 20 GiB x 150 days + 50 GiB x 170 days at $0.00099 a month.
    "bucket": [
        "upload requests: 6404 to DEEP_ARCHIVE: $0.3202",
        "delete requests: 2: $0.0000",
        "early deletion: 2 of 2 objects younger than 180 days: $0.3795",
        "total now: $0.6997",
        "storage: 3 objects, 100.000 GiB in DEEP_ARCHIVE: $0.0990 per month",
        "storage: per-object overhead of 3 objects: $0.0000 per month",
        "total per month: $0.0990",
        "note: DEEP_ARCHIVE bills at least 180 days of storage per object",
    ],
    # A vault (90 days): 20 GiB x 60 days + 50 GiB x 80 days at $0.0036 a month.
    "vault": [
        "upload requests: 6404 to vault: $0.1921",
        "delete requests: 2: $0.0000",
        "early deletion: 2 of 2 objects younger than 90 days: $0.6240",
        "total now: $0.8161",
        "storage: 3 objects, 100.000 GiB in vault: $0.3600 per month",
        "storage: per-object overhead of 3 objects: $0.0000 per month",
        "total per month: $0.3600",
        "note: vault bills at least 90 days of storage per object",
    ],
}


@pytest.mark.parametrize("kind", ["vault", "bucket"])
def test_sync_dry_run_prices_uploads_storage_and_early_deletion(place: Path, kind: str) -> None:
    journal = sync_place(place, kind)
    before = journal.read_bytes()
    done = sync(place, kind)
    assert done.returncode == 0, done.stderr
    lines = plan_and_estimate(done.stdout)
    assert sorted(lines[:4]) == sorted(sync_plan(kind))
    assert lines[4:] == [HEADER, *(f"  {line}" for line in SYNC[kind])]
    assert journal.read_bytes() == before


def test_sync_dry_run_in_another_storage_class(place: Path) -> None:
    sync_place(place, "bucket")
    done = sync(place, "bucket", "--storage-class", "GLACIER_IR")
    assert done.returncode == 0, done.stderr
    # GLACIER_IR: $0.02 per 1,000 PUTs, $0.004 per GiB-month, 90 days minimum, no overhead.
    assert plan_and_estimate(done.stdout)[4:] == [
        HEADER,
        "  upload requests: 6404 to GLACIER_IR: $0.1281",
        "  delete requests: 2: $0.0000",
        "  early deletion: 2 of 2 objects younger than 90 days: $0.6933",
        "  total now: $0.8214",
        "  storage: 3 objects, 100.000 GiB in GLACIER_IR: $0.4000 per month",
        "  total per month: $0.4000",
        "  note: GLACIER_IR bills at least 90 days of storage per object",
    ]


# ------------------------------------------------------------------------------ price table


PRICES = {"taken": "2026-11-01", "s3": {"DEEP_ARCHIVE": {"storage_gb_month": 0.002}}}
OVERRIDDEN = [
    "cost estimate (us-east-1 list prices of 2026-11-01, USD):",
    "  upload requests: 6404 to DEEP_ARCHIVE: $0.3202",
    "  delete requests: 2: $0.0000",
    # 20 GiB x 150 days + 50 GiB x 170 days at $0.002 a month.
    "  early deletion: 2 of 2 objects younger than 180 days: $0.7667",
    "  total now: $1.0869",
    "  storage: 3 objects, 100.000 GiB in DEEP_ARCHIVE: $0.2000 per month",
    "  storage: per-object overhead of 3 objects: $0.0000 per month",
    "  total per month: $0.2000",
    "  note: DEEP_ARCHIVE bills at least 180 days of storage per object",
]


def test_price_table_option_overrides_prices_and_date(place: Path) -> None:
    sync_place(place, "bucket")
    prices = place / "prices.json"
    prices.write_text(json.dumps(PRICES), encoding="utf-8")
    done = sync(place, "bucket", "--price-table", prices)
    assert done.returncode == 0, done.stderr
    assert plan_and_estimate(done.stdout)[4:] == OVERRIDDEN


def test_price_table_from_the_config_file(place: Path) -> None:
    sync_place(place, "bucket")
    prices = place / "prices.json"
    prices.write_text(json.dumps(PRICES), encoding="utf-8")
    config = place / "glacier.cfg"
    config.write_text(f"price-table={prices}\n", encoding="utf-8")
    done = sync(place, "bucket", "--config", config)
    assert done.returncode == 0, done.stderr
    assert plan_and_estimate(done.stdout)[4:] == OVERRIDDEN


def test_bad_price_table_is_an_error_before_anything_runs(place: Path) -> None:
    sync_place(place, "bucket")
    prices = place / "prices.json"
    prices.write_text('{"s3": {"DEEP_ARCHIVE": {"storage_per_gb": 1}}}', encoding="utf-8")
    done = sync(place, "bucket", "--price-table", prices)
    assert done.returncode != 0
    assert done.stdout == ""
    assert done.stderr == (
        f"aioglacier: error: price table {prices}: s3.DEEP_ARCHIVE: "
        "unknown field 'storage_per_gb'\n"
    )
