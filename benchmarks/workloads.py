"""Seeded workloads: the same trees of files, byte for byte, on every machine and every run.

* ``small``: many small files (default 2,000 x 4 KiB), 100 to a directory;
* ``mixed``: sizes drawn from a log-normal distribution around a median (default 500 files,
  median 200 KiB, sigma 1.2, capped at 64 MiB), 50 to a directory;
* ``large``: one large file (default 1 GiB).

Contents come from ``random.Random(seed)``, so they are incompressible and reproducible; a
workload already on disk with the same description is reused (its manifest says so).
"""

from __future__ import annotations

import json
import math
import random
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

__all__ = ["MIB", "Workload", "default_workloads", "materialize", "quick_workloads"]

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB
_CHUNK = 8 * MIB


@dataclass(frozen=True)
class Workload:
    """A named, seeded tree of files: ``sizes`` in bytes, ``per_dir`` files to a directory."""

    name: str
    description: str
    sizes: tuple[int, ...]
    per_dir: int
    seed: int

    @property
    def files(self) -> int:
        """How many files."""
        return len(self.sizes)

    @property
    def total(self) -> int:
        """How many bytes in all."""
        return sum(self.sizes)

    def relpaths(self) -> list[str]:
        """The files' relative names, in order."""
        return [f"d{i // self.per_dir:03d}/f{i:05d}.bin" for i in range(len(self.sizes))]


def small(count: int = 2000, size: int = 4 * KIB, seed: int = 1) -> Workload:
    """``count`` files of ``size`` bytes."""
    return Workload("small", f"{count} x {_human(size)}", (size,) * count, 100, seed)


def mixed(
    count: int = 500,
    median: int = 200 * KIB,
    sigma: float = 1.2,
    cap: int = 64 * MIB,
    seed: int = 2,
) -> Workload:
    """``count`` files, sizes log-normal around ``median`` (at least 1 byte, at most ``cap``)."""
    rng = random.Random(seed)
    sizes = tuple(
        max(1, min(cap, round(rng.lognormvariate(math.log(median), sigma)))) for _ in range(count)
    )
    total = sum(sizes)
    return Workload(
        "mixed",
        f"{count} files, log-normal around {_human(median)} ({_human(total)} in all)",
        sizes,
        50,
        seed,
    )


def large(size: int = GIB, seed: int = 3) -> Workload:
    """One file of ``size`` bytes."""
    return Workload("large", f"1 x {_human(size)}", (size,), 1, seed)


def default_workloads() -> dict[str, Workload]:
    """The workloads of a real run."""
    return {w.name: w for w in (small(), mixed(), large())}


def quick_workloads() -> dict[str, Workload]:
    """Tiny workloads for ``--quick``: every code path, seconds in all."""
    return {
        w.name: w
        for w in (
            small(count=24),
            mixed(count=10, median=48 * KIB, sigma=1.0, cap=2 * MIB),
            large(size=12 * MIB),
        )
    }


def _human(n: int) -> str:
    for unit, scale in (("GiB", GIB), ("MiB", MIB), ("KiB", KIB)):
        if n >= scale:
            value = n / scale
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{n} B"


def materialize(workload: Workload, root: Path) -> Path:
    """Write ``workload`` under ``root / workload.name`` (reused when already there); return it."""
    base = root / workload.name
    manifest = root / f"{workload.name}.manifest.json"
    wanted = json.dumps(asdict(workload), sort_keys=True)
    if base.is_dir() and manifest.is_file() and manifest.read_text() == wanted:
        return base
    if base.exists():
        shutil.rmtree(base)
    rng = random.Random(workload.seed)
    for rel, size in zip(workload.relpaths(), workload.sizes, strict=True):
        path = base / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as out:
            left = size
            while left:
                n = min(left, _CHUNK)
                out.write(rng.randbytes(n))
                left -= n
    manifest.write_text(wanted)
    return base
