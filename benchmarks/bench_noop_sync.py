"""The daily no-op sync: a tree of many files that are all in the journal already.

Run: ``.venv/bin/python benchmarks/bench_noop_sync.py [--files 100000] [--runs 3]``.

Generates (once, seeded, under ``--data``) a tree of ``--files`` small files in directories of
1,000 and a journal that holds every one of them (as a sync would have written it), creates the
vault on the embedded emulator (``local:DIR``), then times ``aioglacier sync`` of the tree
(nothing to do) in fresh processes, beside the floor: ``find -printf`` of every file's size and
mtime (the walk any tool must do). Prints wall time and CPU (user+sys, children included),
median with min and max.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def generate(data: Path, files: int, seed: int) -> tuple[Path, Path]:
    tree = data / "tree"
    journal = data / "journal"
    stamp = data / f"done-{files}-{seed}"
    if stamp.exists():
        return tree, journal
    shutil.rmtree(data, ignore_errors=True)
    tree.mkdir(parents=True)
    rng = random.Random(seed)
    lines: list[str] = []
    for i in range(files):
        d = tree / f"d{i // 1000:04d}"
        if i % 1000 == 0:
            d.mkdir()
        name = f"d{i // 1000:04d}/f{i:07d}.txt"
        body = rng.randbytes(rng.randint(1, 100))
        path = tree / name
        path.write_bytes(body)
        st = path.stat()
        # The tree hash of the file is not needed by a no-op sync (size and mtime decide);
        # any 64 hex digits make a valid record.
        archive = f"{i:0138d}"
        lines.append(
            f"B\t{int(time.time())}\tCREATED\t{archive}\t{st.st_size}\t{int(st.st_mtime)}\t"
            f"{'0' * 64}\t{name}\n"
        )
    journal.write_text("".join(lines), encoding="utf-8")
    stamp.touch()
    return tree, journal


def timed(cmd: list[str]) -> tuple[float, float, str]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return wall, cpu, done.stdout


def summary(name: str, runs: list[tuple[float, float]]) -> str:
    walls = [w for w, _ in runs]
    cpus = [c for _, c in runs]
    return (
        f"| {name} | {statistics.median(walls):.3f} ({min(walls):.3f}-{max(walls):.3f}) "
        f"| {statistics.median(cpus):.3f} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data", type=Path, default=Path("/tmp/aioglacier-bench-noop"))
    args = parser.parse_args()
    tree, journal = generate(args.data, args.files, args.seed)
    emu = args.data / "emulator"
    endpoint = f"local:{emu}"
    cli = [sys.executable, "-m", "aioglacier"]
    creds: list[str] = []  # local:DIR needs none (the emulator's default key pair)
    timed([*cli, "create-vault", "noop", "--endpoint-url", endpoint, *creds])  # idempotent
    sync = [
        *cli,
        "sync",
        "--dir",
        str(tree),
        "--vault",
        "noop",
        "--journal",
        str(journal),
        "--endpoint-url",
        endpoint,
        *creds,
    ]
    floor = ["find", str(tree), "-type", "f", "-printf", "%s %T@ %p\n"]
    ours: list[tuple[float, float]] = []
    base: list[tuple[float, float]] = []
    for _ in range(args.runs):  # alternate, so both see the same machine
        wall, cpu, out = timed(sync)
        ours.append((wall, cpu))
        wall, cpu, _ = timed(floor)
        base.append((wall, cpu))
    print(f"no-op sync of {args.files} files ({args.runs} runs, median (min-max))")
    print("| what | wall s | cpu s |")
    print("|---|---|---|")
    print(summary("aioglacier sync (nothing to do)", ours))
    print(summary("floor: find -printf size, mtime", base))
    ratio = statistics.median(w for w, _ in ours) / statistics.median(w for w, _ in base)
    print(f"aioglacier / floor: {ratio:.1f}x; last sync said: {out.strip().splitlines()[-1:]}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    raise SystemExit(main())
