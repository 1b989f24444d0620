"""Cost estimates: exact figures from the default table, overrides, and clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aioglacier.costs import (
    DEFAULT_PRICES,
    estimate_delete,
    estimate_retrieval,
    estimate_storage,
    estimate_upload,
    load_price_table,
)
from aioglacier.errors import ConfigError

GIB = 1024**3
MIB = 1024**2


def test_upload_of_small_files_to_deep_archive() -> None:
    est = estimate_upload(DEFAULT_PRICES, "DEEP_ARCHIVE", [4096] * 2000, part_size=8 * MIB)
    assert est.once == [("upload requests: 2000 to DEEP_ARCHIVE", pytest.approx(0.10))]
    storage, overhead = est.monthly
    assert storage[0] == "storage: 2000 objects, 0.008 GiB in DEEP_ARCHIVE"
    assert storage[1] == pytest.approx(2000 * 4096 / GIB * 0.00099)
    # 32 KiB at Deep Archive's rate and 8 KiB at Standard's, per object: the overhead is
    # far more than the data itself for small files.
    assert overhead == (
        "storage: per-object overhead of 2000 objects",
        pytest.approx(2000 * (32 * 1024 / GIB * 0.00099 + 8 * 1024 / GIB * 0.023)),
    )
    assert overhead[1] > storage[1]
    assert est.notes == ["DEEP_ARCHIVE bills at least 180 days of storage per object"]


def test_multipart_uploads_count_create_parts_and_complete() -> None:
    est = estimate_upload(DEFAULT_PRICES, "GLACIER", [100 * MIB], part_size=16 * MIB)
    # 7 parts (6 of 16 MiB and one of 4 MiB) + create + complete.
    assert est.once == [("upload requests: 9 to GLACIER", pytest.approx(9 / 1000 * 0.03))]


def test_vault_storage_has_its_own_overhead() -> None:
    est = estimate_storage(DEFAULT_PRICES, None, [GIB, GIB])
    assert [what for what, _ in est.monthly] == [
        "storage: 2 objects, 2.000 GiB in vault",
        "storage: per-object overhead of 2 objects",
    ]
    assert est.total_monthly == pytest.approx(2 * 0.0036 + 2 * 32 * 1024 / GIB * 0.0036)


def test_retrieval_by_tier_with_time() -> None:
    est = estimate_retrieval(DEFAULT_PRICES, "DEEP_ARCHIVE", [GIB] * 10, tier="Bulk")
    assert est.once == [
        ("retrieval (Bulk): 10.000 GiB", pytest.approx(10 * 0.0025)),
        ("retrieval requests (Bulk): 10", pytest.approx(10 / 1000 * 0.025)),
        ("download requests: 10", pytest.approx(10 / 1000 * 0.0004)),
        ("data transfer out to the internet: 10.000 GiB", pytest.approx(10 * 0.09)),
    ]
    assert est.notes == ["a Bulk retrieval from DEEP_ARCHIVE takes 48 h"]
    assert "\n".join(est.lines()).startswith(
        "cost estimate (us-east-1 list prices of 2025-06-01, USD):\n"
        "  retrieval (Bulk): 10.000 GiB: $0.0250\n"
    )


def test_deep_archive_has_no_expedited_tier() -> None:
    with pytest.raises(ConfigError, match="DEEP_ARCHIVE has no Expedited retrieval tier"):
        estimate_retrieval(DEFAULT_PRICES, "DEEP_ARCHIVE", [1], tier="Expedited")


def test_instant_retrieval_needs_no_restore() -> None:
    est = estimate_retrieval(DEFAULT_PRICES, "GLACIER_IR", [GIB], tier=None, transfer_out=False)
    assert est.once == [
        ("retrieval (Standard): 1.000 GiB", pytest.approx(0.03)),
        ("download requests: 1", pytest.approx(1 / 1000 * 0.01)),
    ]
    assert est.notes == []


def test_early_deletion_charges_only_young_objects() -> None:
    est = estimate_delete(DEFAULT_PRICES, "DEEP_ARCHIVE", [(GIB, 30.0), (GIB, 200.0)])
    assert est.once[1] == (
        "early deletion: 1 of 2 objects younger than 180 days",
        pytest.approx(0.00099 * 150 / 30),
    )


def test_price_table_override(tmp_path: Path) -> None:
    path = tmp_path / "prices.json"
    path.write_text(
        json.dumps(
            {
                "taken": "2026-11-01",
                "s3": {"DEEP_ARCHIVE": {"storage_gb_month": 0.002}, "NEW": {"put_per_1000": 1}},
                "transfer_out_per_gb": 0.05,
            }
        )
    )
    table = load_price_table(path)
    assert table.taken == "2026-11-01"
    assert table.s3["DEEP_ARCHIVE"].storage_gb_month == 0.002
    assert table.s3["DEEP_ARCHIVE"].min_days == 180  # the rest is the default's
    assert table.s3["NEW"].storage_gb_month == 0.023  # a new class starts from Standard
    assert table.transfer_out_per_gb == 0.05
    assert load_price_table(None) is DEFAULT_PRICES


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{", "not JSON"),
        ("[]", "must hold a JSON object"),
        ('{"s3": {"GLACIER": {"storage": 1}}}', "s3.GLACIER: unknown field 'storage'"),
        ('{"vault": {"put_per_1000": "cheap"}}', "could not convert string to float"),
    ],
)
def test_bad_price_tables_are_one_line_errors(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "prices.json"
    path.write_text(content)
    with pytest.raises(ConfigError, match=message) as info:
        load_price_table(path)
    assert str(info.value).startswith(f"price table {path}: ")
    assert "\n" not in str(info.value)


def test_missing_price_table(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="No such file or directory"):
        load_price_table(tmp_path / "absent.json")


def test_unknown_storage_class() -> None:
    with pytest.raises(ConfigError, match="no storage class 'COLD'"):
        DEFAULT_PRICES.of("COLD")
