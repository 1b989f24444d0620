"""What a run will cost, before it runs: requests, storage per month, early deletion, retrieval.

Prices come from :data:`DEFAULT_PRICES` (AWS's published us-east-1 list prices, dated in the
table), which a user overrides with a JSON file (``--price-table FILE``) holding any part of the
same shape (see :func:`load_price_table`). Every figure is an estimate of AWS's bill for the
requests this program would send and the bytes it would store; taxes, free tiers, volume
discounts and data transfer between regions are not counted. Amounts are US dollars.

Storage classes bill a minimum duration (an object deleted or overwritten earlier is billed for
the rest of it) and, for GLACIER and DEEP_ARCHIVE objects, 40 KB of overhead per object: 32 KB at
the class's rate (index and metadata) plus 8 KB at S3 Standard's rate (the name and user
metadata). A vault bills 32 KB per archive at its own rate.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from aioglacier.errors import ConfigError

__all__ = [
    "DEFAULT_PRICES",
    "ClassPrices",
    "Estimate",
    "PriceTable",
    "age_days",
    "estimate_delete",
    "estimate_purge",
    "estimate_retrieval",
    "estimate_storage",
    "estimate_sync",
    "estimate_upload",
    "load_price_table",
]

GB = 1024**3
KB = 1024


@dataclass(frozen=True)
class ClassPrices:
    """One storage class's prices (or a vault's).

    ``put_per_1000``: PUT, COPY, POST (a multipart upload's create, each part and the complete
    each count one); ``get_per_1000``: GET and HEAD; ``retrieval_per_gb`` and
    ``retrieval_per_1000`` by tier (a class that needs no restore has a ``Standard`` entry for
    its per-GB retrieval fee, if any); ``restore_hours``: the (typical, at most) hours a
    restore takes, by tier; ``min_days``: the minimum storage duration;
    ``overhead_bytes``: billed at this class's rate per object, ``overhead_standard_bytes`` at
    S3 Standard's.
    """

    storage_gb_month: float
    put_per_1000: float
    get_per_1000: float = 0.0004
    retrieval_per_gb: Mapping[str, float] = field(default_factory=dict)
    retrieval_per_1000: Mapping[str, float] = field(default_factory=dict)
    restore_hours: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    min_days: int = 0
    overhead_bytes: int = 0
    overhead_standard_bytes: int = 0
    delete_per_1000: float = 0.0


@dataclass(frozen=True)
class PriceTable:
    """Prices of one region: S3 by storage class, a vault, data transfer out to the internet."""

    taken: str
    region: str
    s3: Mapping[str, ClassPrices]
    vault: ClassPrices
    transfer_out_per_gb: float
    list_per_1000: float = 0.005

    def of(self, storage_class: str | None) -> ClassPrices:
        """The prices of an S3 storage class, or of a vault (``None``)."""
        if storage_class is None:
            return self.vault
        try:
            return self.s3[storage_class]
        except KeyError:
            raise ConfigError(
                f"the price table has no storage class {storage_class!r} "
                f"(it has {', '.join(sorted(self.s3))})"
            ) from None


_FLEX_TIERS = {"Expedited": (0.083, 0.083), "Standard": (4.0, 5.0), "Bulk": (8.0, 12.0)}

#: AWS's published list prices for us-east-1, USD, as taken on the date in ``taken``. Check
#: them against https://aws.amazon.com/s3/pricing/ and override with ``--price-table``.
DEFAULT_PRICES = PriceTable(
    taken="2025-06-01",
    region="us-east-1",
    transfer_out_per_gb=0.09,
    s3={
        "STANDARD": ClassPrices(storage_gb_month=0.023, put_per_1000=0.005),
        "INTELLIGENT_TIERING": ClassPrices(
            storage_gb_month=0.023, put_per_1000=0.005, overhead_standard_bytes=0
        ),
        "STANDARD_IA": ClassPrices(
            storage_gb_month=0.0125,
            put_per_1000=0.01,
            get_per_1000=0.001,
            retrieval_per_gb={"Standard": 0.01},
            min_days=30,
        ),
        "GLACIER_IR": ClassPrices(
            storage_gb_month=0.004,
            put_per_1000=0.02,
            get_per_1000=0.01,
            retrieval_per_gb={"Standard": 0.03},
            min_days=90,
        ),
        "GLACIER": ClassPrices(
            storage_gb_month=0.0036,
            put_per_1000=0.03,
            retrieval_per_gb={"Expedited": 0.03, "Standard": 0.01, "Bulk": 0.0},
            retrieval_per_1000={"Expedited": 10.0, "Standard": 0.05, "Bulk": 0.0},
            restore_hours=_FLEX_TIERS,
            min_days=90,
            overhead_bytes=32 * KB,
            overhead_standard_bytes=8 * KB,
        ),
        "DEEP_ARCHIVE": ClassPrices(
            storage_gb_month=0.00099,
            put_per_1000=0.05,
            retrieval_per_gb={"Standard": 0.02, "Bulk": 0.0025},
            retrieval_per_1000={"Standard": 0.10, "Bulk": 0.025},
            restore_hours={"Standard": (12.0, 12.0), "Bulk": (48.0, 48.0)},
            min_days=180,
            overhead_bytes=32 * KB,
            overhead_standard_bytes=8 * KB,
        ),
    },
    vault=ClassPrices(
        storage_gb_month=0.0036,
        put_per_1000=0.03,
        get_per_1000=0.0,
        retrieval_per_gb={"Expedited": 0.03, "Standard": 0.01, "Bulk": 0.0025},
        retrieval_per_1000={"Expedited": 10.0, "Standard": 0.05, "Bulk": 0.025},
        restore_hours=_FLEX_TIERS,
        min_days=90,
        overhead_bytes=32 * KB,
    ),
)


def _class_from(data: Mapping[str, Any], base: ClassPrices, where: str) -> ClassPrices:
    known = {f.name for f in fields(ClassPrices)}
    unknown = set(data) - known
    if unknown:
        raise ConfigError(f"{where}: unknown field {sorted(unknown)[0]!r}")
    changes: dict[str, Any] = {}
    for key, value in data.items():
        if key == "restore_hours":
            changes[key] = {t: (float(v[0]), float(v[1])) for t, v in value.items()}
        elif isinstance(value, Mapping):
            changes[key] = {t: float(v) for t, v in value.items()}
        else:
            changes[key] = int(value) if key.endswith(("_days", "_bytes")) else float(value)
    return replace(base, **changes)


def load_price_table(path: str | os.PathLike[str] | None) -> PriceTable:
    """The default table, with what the JSON file at ``path`` overrides (``None``: none).

    The file holds any part of the table, e.g. ``{"taken": "2026-11-01", "s3": {"DEEP_ARCHIVE":
    {"storage_gb_month": 0.001}}, "transfer_out_per_gb": 0.05}``; a storage class it names that
    the default lacks starts from S3 Standard's prices.
    """
    table = DEFAULT_PRICES
    if path is None:
        return table
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except OSError as exc:
        raise ConfigError(f"price table {os.fspath(path)}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise ConfigError(f"price table {os.fspath(path)}: not JSON ({exc})") from None
    try:
        if not isinstance(data, dict):
            raise ConfigError("the file must hold a JSON object")
        s3 = dict(table.s3)
        for name, prices in (data.get("s3") or {}).items():
            s3[name] = _class_from(prices, s3.get(name, s3["STANDARD"]), f"s3.{name}")
        vault = _class_from(data.get("vault") or {}, table.vault, "vault")
        return PriceTable(
            taken=str(data.get("taken", table.taken)),
            region=str(data.get("region", table.region)),
            s3=s3,
            vault=vault,
            transfer_out_per_gb=float(data.get("transfer_out_per_gb", table.transfer_out_per_gb)),
            list_per_1000=float(data.get("list_per_1000", table.list_per_1000)),
        )
    except (TypeError, ValueError, AttributeError, IndexError, ConfigError) as exc:
        raise ConfigError(f"price table {os.fspath(path)}: {exc}") from None


@dataclass
class Estimate:
    """An itemized estimate: one-off charges and charges per month, each with its reason."""

    table: PriceTable
    once: list[tuple[str, float]] = field(default_factory=list)
    monthly: list[tuple[str, float]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def total_once(self) -> float:
        """The one-off charges, summed."""
        return sum(amount for _, amount in self.once)

    @property
    def total_monthly(self) -> float:
        """The charges per month, summed."""
        return sum(amount for _, amount in self.monthly)

    def merge(self, other: Estimate) -> Estimate:
        """Both estimates in one."""
        return Estimate(
            self.table,
            self.once + other.once,
            self.monthly + other.monthly,
            self.notes + other.notes,
        )

    def lines(self) -> list[str]:
        """The estimate for a person: one line per charge, totals, the table's date."""
        out = [f"cost estimate ({self.table.region} list prices of {self.table.taken}, USD):"]
        out += [f"  {what}: ${amount:,.4f}" for what, amount in self.once]
        if self.once:
            out.append(f"  total now: ${self.total_once:,.4f}")
        out += [f"  {what}: ${amount:,.4f} per month" for what, amount in self.monthly]
        if self.monthly:
            out.append(f"  total per month: ${self.total_monthly:,.4f}")
        out += [f"  note: {note}" for note in self.notes]
        return out


def _label(storage_class: str | None) -> str:
    return "vault" if storage_class is None else storage_class


def estimate_storage(
    table: PriceTable, storage_class: str | None, sizes: Iterable[int], *, what: str = "storage"
) -> Estimate:
    """Storage per month of objects of ``sizes`` bytes in a class (``None``: a vault),
    per-object overhead included."""
    prices = table.of(storage_class)
    standard = table.s3["STANDARD"].storage_gb_month
    count = 0
    total = 0
    for size in sizes:
        count += 1
        total += size
    est = Estimate(table)
    est.monthly.append(
        (
            f"{what}: {count} objects, {total / GB:,.3f} GiB in {_label(storage_class)}",
            total / GB * prices.storage_gb_month,
        )
    )
    overhead = count * (
        prices.overhead_bytes / GB * prices.storage_gb_month
        + prices.overhead_standard_bytes / GB * standard
    )
    if overhead:
        est.monthly.append((f"{what}: per-object overhead of {count} objects", overhead))
    return est


def _requests(size: int, part_size: int, single_max: int) -> int:
    if size <= single_max:
        return 1
    return 2 + math.ceil(size / part_size)  # create, the parts, complete


def estimate_upload(
    table: PriceTable,
    storage_class: str | None,
    sizes: Iterable[int],
    *,
    part_size: int,
    single_max: int | None = None,
) -> Estimate:
    """Uploading objects of ``sizes`` bytes: the requests now, and their storage per month.
    Files up to ``single_max`` bytes (default: the part size) go up in one request."""
    prices = table.of(storage_class)
    limit = part_size if single_max is None else single_max
    sizes = list(sizes)
    requests = sum(_requests(s, part_size, limit) for s in sizes)
    est = Estimate(table)
    est.once.append(
        (
            f"upload requests: {requests} to {_label(storage_class)}",
            requests / 1000 * prices.put_per_1000,
        )
    )
    est = est.merge(estimate_storage(table, storage_class, sizes))
    if prices.min_days:
        est.notes.append(
            f"{_label(storage_class)} bills at least {prices.min_days} days of storage per object"
        )
    return est


def estimate_retrieval(
    table: PriceTable,
    storage_class: str | None,
    sizes: Iterable[int],
    *,
    tier: str | None,
    transfer_out: bool = True,
) -> Estimate:
    """Restoring and downloading objects of ``sizes`` bytes with ``tier`` (default Standard):
    the retrieval fees, the GET requests, data transfer out to the internet (``transfer_out``),
    and how long the tier takes."""
    prices = table.of(storage_class)
    sizes = list(sizes)
    count, total = len(sizes), sum(sizes)
    name = tier or "Standard"
    est = Estimate(table)
    needs_restore = bool(prices.restore_hours)
    if needs_restore and name not in prices.restore_hours:
        raise ConfigError(f"{_label(storage_class)} has no {name} retrieval tier")
    per_gb = prices.retrieval_per_gb.get(name, prices.retrieval_per_gb.get("Standard", 0.0))
    if per_gb:
        est.once.append((f"retrieval ({name}): {total / GB:,.3f} GiB", total / GB * per_gb))
    per_request = prices.retrieval_per_1000.get(name, 0.0)
    if needs_restore:
        est.once.append((f"retrieval requests ({name}): {count}", count / 1000 * per_request))
    est.once.append((f"download requests: {count}", count / 1000 * prices.get_per_1000))
    if transfer_out:
        est.once.append(
            (
                f"data transfer out to the internet: {total / GB:,.3f} GiB",
                total / GB * table.transfer_out_per_gb,
            )
        )
    if needs_restore:
        typical, most = prices.restore_hours[name]
        span = f"{typical:g} h" if typical == most else f"{typical:g}-{most:g} h"
        est.notes.append(f"a {name} retrieval from {_label(storage_class)} takes {span}")
    return est


def estimate_delete(
    table: PriceTable, storage_class: str | None, objects: Iterable[tuple[int, float]]
) -> Estimate:
    """Deleting objects given as ``(size, age in days)``: the early-deletion charge of those
    younger than the class's minimum duration, and the delete requests (free on AWS today)."""
    prices = table.of(storage_class)
    count = 0
    early = 0
    charge = 0.0
    for size, age in objects:
        count += 1
        left = prices.min_days - age
        if left > 0:
            early += 1
            charge += size / GB * prices.storage_gb_month * left / 30
    est = Estimate(table)
    est.once.append((f"delete requests: {count}", count / 1000 * prices.delete_per_1000))
    if prices.min_days:
        est.once.append(
            (
                f"early deletion: {early} of {count} objects younger than {prices.min_days} days",
                charge,
            )
        )
    return est


def age_days(created: float, now: float) -> float:
    """The age in days, at ``now``, of an object created at ``created`` (epoch seconds; a
    journal's CREATED time), never negative."""
    return max(0.0, (now - created) / 86400)


def estimate_sync(
    table: PriceTable,
    storage_class: str | None,
    uploads: Iterable[int],
    removed: Iterable[tuple[int, float]],
    *,
    part_size: int,
    single_max: int | None = None,
) -> Estimate:
    """A sync: uploading objects of ``uploads`` bytes (requests now, storage per month), and
    removing the objects ``removed`` (``(size, age in days)``: the archives that
    ``--replace-modified`` and ``--delete-removed`` delete or overwrite), with their early
    deletion charge."""
    est = estimate_upload(table, storage_class, uploads, part_size=part_size, single_max=single_max)
    removed = list(removed)
    if removed:
        est = est.merge(estimate_delete(table, storage_class, removed))
    return est


def estimate_purge(
    table: PriceTable, storage_class: str | None, objects: Iterable[tuple[int, float]]
) -> Estimate:
    """A purge of ``objects`` (``(size, age in days)``): the delete requests and early
    deletion charges now, and a note of the storage per month it stops."""
    objects = list(objects)
    est = estimate_delete(table, storage_class, objects)
    saved = estimate_storage(table, storage_class, (size for size, _ in objects))
    est.notes.append(
        f"deleting stops ${saved.total_monthly:,.4f} per month of storage in "
        f"{_label(storage_class)}"
    )
    return est
