"""Benchmark: ``aioglacier tree-hash FILE`` against ``openssl dgst -sha256 FILE``.

Both compute a SHA-256 over the same warm (page-cached) file; the tree hash is parallel (one
leaf range per executor job, every core hashing), openssl's digest is one linear pass on one core.
Each tool runs as a fresh process, as a user would run it, interleaved, best of ``--repeat``.

Rows:

* ``openssl dgst -sha256``: the baseline.
* ``aioglacier tree-hash`` (``python -m aioglacier tree-hash FILE``), if the CLI has the command;
  otherwise the row says so and the library row stands in for it.
* ``tree_hash_file (library)``: ``python -c`` calling :func:`aioglacier.treehash.tree_hash_file`
  directly: the same work without the CLI's imports.

``--sweep`` also times ``tree_hash_file`` in this process for several job sizes and worker counts
(the knobs to tune). Usage::

    python benchmarks/bench_treehash.py                  # 1 GiB temp file of random data
    python benchmarks/bench_treehash.py --file big.bin   # reuse a file
    python benchmarks/bench_treehash.py --sweep
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

MIB = 1024 * 1024
TARGET_RATIO = 1.7  # issue 11

LIBRARY_SNIPPET = (
    "import asyncio, sys\n"
    "from aioglacier.treehash import tree_hash_file\n"
    "print(asyncio.run(tree_hash_file(sys.argv[1])).hex)\n"
)


@dataclass
class Row:
    """One timed command."""

    name: str
    argv: list[str]
    times: list[float]
    output: str = ""

    @property
    def best(self) -> float:
        return min(self.times)


def make_file(path: Path, size: int) -> None:
    """Write ``size`` random bytes to ``path``."""
    chunk = 16 * MIB
    with path.open("wb") as out:
        left = size
        while left:
            n = min(chunk, left)
            out.write(os.urandom(n))
            left -= n


def warm(path: Path) -> None:
    """Read the whole file once so every run finds it in the page cache."""
    with path.open("rb", buffering=0) as stream:
        buffer = bytearray(4 * MIB)
        while stream.readinto(buffer):
            pass


def parallel_capacity(threads: int, seconds: float = 0.4) -> float:
    """How many cores' worth of SHA-256 this machine gives right now (other load lowers it).

    Hashes an in-memory buffer on one thread, then on ``threads`` threads, for about
    ``seconds`` each; returns the speedup. On a quiet machine it is close to ``threads``.
    """
    import hashlib
    from concurrent.futures import ThreadPoolExecutor

    buffer = bytes(8 * MIB)

    def spin(deadline: float) -> int:
        count = 0
        while time.perf_counter() < deadline:
            hashlib.sha256(buffer)
            count += 1
        return count

    single = spin(time.perf_counter() + seconds)
    with ThreadPoolExecutor(threads) as pool:
        deadline = time.perf_counter() + seconds
        multi = sum(pool.map(spin, [deadline] * threads))
    return multi / max(1, single)


def run_timed(argv: Sequence[str], env: dict[str, str]) -> tuple[float, str]:
    """Run a command; return its wall time and stdout (raise if it fails)."""
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.strip()}")
    return elapsed, done.stdout


def cli_works(python: str, path: Path, env: dict[str, str], expected: str) -> tuple[bool, str]:
    """Tell whether ``python -m aioglacier tree-hash`` exists and prints the right hash."""
    done = subprocess.run(
        [python, "-m", "aioglacier", "tree-hash", str(path)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    found = re.search(r"\b[0-9a-f]{64}\b", done.stdout)
    if done.returncode != 0 or not found:
        why = (done.stderr.strip() or done.stdout.strip() or "no output").splitlines()
        return False, f"exit {done.returncode}: {why[-1] if why else ''}"
    if found.group(0) != expected:
        return False, f"printed {found.group(0)}, the library says {expected}"
    return True, ""


async def sweep(path: Path, repeat: int) -> None:
    """Time tree_hash_file in this process over job sizes and worker counts."""
    from aioglacier.treehash import tree_hash_file

    size = path.stat().st_size
    cpus = os.cpu_count() or 1
    print(f"\nIn-process sweep (best of {repeat}; jobs in flight = 2 x max_workers):")
    print(f"{'job size':>9} {'max_workers':>11} {'seconds':>8} {'MiB/s':>8}")
    for job_mib in (None, 1, 4, 16, 64, 128):
        for workers in sorted({1, cpus, 2 * cpus}):
            best = float("inf")
            job_size = None if job_mib is None else job_mib * MIB
            for _ in range(repeat):
                start = time.perf_counter()
                await tree_hash_file(path, job_size=job_size, max_workers=workers)
                best = min(best, time.perf_counter() - start)
            label = "auto" if job_mib is None else f"{job_mib} MiB"
            print(f"{label:>9} {workers:>11} {best:>8.3f} {size / MIB / best:>8.0f}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--file", type=Path, help="file to hash (default: a new temp file)")
    parser.add_argument("--size-mib", type=int, default=1024, help="size of the temp file")
    parser.add_argument("--repeat", type=int, default=3, help="runs per tool (best is kept)")
    parser.add_argument("--python", default=sys.executable, help="interpreter for aioglacier")
    parser.add_argument("--sweep", action="store_true", help="also sweep job size x workers")
    args = parser.parse_args(argv)

    openssl = shutil.which("openssl")
    if openssl is None:
        print("openssl not found on PATH", file=sys.stderr)
        return 1
    repo = Path(__file__).resolve().parent.parent
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(repo), env.get("PYTHONPATH", "")]))

    with tempfile.TemporaryDirectory(prefix="bench-treehash-") as tmp:
        if args.file is not None:
            path = args.file
        else:
            path = Path(tmp) / "random.bin"
            print(f"writing {args.size_mib} MiB of random data to {path} ...")
            make_file(path, args.size_mib * MIB)
        size = path.stat().st_size
        warm(path)

        library = Row(
            "tree_hash_file (library)", [args.python, "-c", LIBRARY_SNIPPET, str(path)], []
        )
        _, out = run_timed(library.argv, env)  # a warm-up run, and the reference hash
        expected = out.strip()
        has_cli, why_not = cli_works(args.python, path, env, expected)
        rows = [Row("openssl dgst -sha256", [openssl, "dgst", "-sha256", str(path)], [])]
        if has_cli:
            rows.append(
                Row(
                    "aioglacier tree-hash",
                    [args.python, "-m", "aioglacier", "tree-hash", str(path)],
                    [],
                )
            )
        rows.append(library)

        cpus = os.cpu_count() or 1
        capacity_before = parallel_capacity(cpus)
        for _ in range(args.repeat):
            for row in rows:
                elapsed, row.output = run_timed(row.argv, env)
                row.times.append(elapsed)

        capacity_after = parallel_capacity(cpus)
        print(
            f"\nfile: {path} ({size / MIB:.0f} MiB, page cache warm), {cpus} CPUs, "
            f"best of {args.repeat}, each run a fresh process (startup included)"
        )
        print(
            f"parallel capacity: {capacity_before:.2f} before, {capacity_after:.2f} after, "
            f"of {cpus} cores (in-memory SHA-256 on all cores vs one; other load lowers it)"
        )
        print(f"tree hash: {expected}")
        if not has_cli:
            print(
                "NOTE: `python -m aioglacier tree-hash` is not usable yet "
                f"({why_not}); the library row (tree_hash_file in a subprocess) stands in."
            )
        base = rows[0].best
        print(f"\n{'command':<28} {'best s':>8} {'MiB/s':>8} {'vs openssl':>11}   all runs (s)")
        for row in rows:
            runs = " ".join(f"{t:.3f}" for t in row.times)
            print(
                f"{row.name:<28} {row.best:>8.3f} {size / MIB / row.best:>8.0f} "
                f"{base / row.best:>10.2f}x   {runs}"
            )
        headline = rows[1]
        ratio = base / headline.best
        verdict = "meets" if ratio >= TARGET_RATIO else "misses"
        print(f"\n{headline.name}: {ratio:.2f}x openssl, {verdict} the {TARGET_RATIO}x target")
        if args.sweep:
            asyncio.run(sweep(path, args.repeat))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
