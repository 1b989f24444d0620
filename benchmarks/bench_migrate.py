"""Benchmark: ``aioglacier migrate`` (vault -> bucket, streamed) against the two-step way
(``restore`` + ``restore-completed`` to disk, then ``sync --bucket``), same run, same emulator.

Run: ``.venv/bin/python benchmarks/bench_migrate.py [--data /tmp/perf-data] [--small 2000]
[--big-mib 256] [--segment-mib 16] [--concurrency 8]``

Two workloads, generated once under ``--data`` (seeded, reused): ``--small`` files of 4 KiB and
one file of ``--big-mib`` MiB. Each is synced to a vault of an emulator started for the run (its
own process, jobs completing at once), then moved to a bucket both ways:

* ``migrate``: ``migrate`` once to ask for the jobs, once more to copy (as ``restore`` and
  ``restore-completed`` are two passes); no local copy of the data.
* ``two-step``: ``restore`` (jobs), ``restore-completed`` into a scratch directory, then
  ``sync --bucket`` of that directory to another bucket.

Each command is a fresh process, as a user runs it. Printed per workload and way: seconds,
archives/s, MiB/s, and the peak RSS of the largest process (``wait4``'s ``ru_maxrss``). The
result is checked (every file in the bucket's journal, sizes and tree hashes the vault's), so a
fast wrong answer is never a figure. Target: migrate faster than two-step, with peak RSS within
64 MiB + concurrency x segment size.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.servers import EMULATOR_CREDENTIALS  # noqa: E402
from benchmarks.workloads import MIB, Workload, materialize, small  # noqa: E402

CLI = [sys.executable, "-m", "aioglacier"]
_LISTENING = re.compile(r"listening on (http://\S+)")
KEYS = [
    "--key",
    EMULATOR_CREDENTIALS.access_key,
    "--secret",
    EMULATOR_CREDENTIALS.secret_key,
]


@dataclass
class Timed:
    seconds: float
    peak_rss_mib: float


def run(argv: list[str], endpoint: str) -> Timed:
    """Run one CLI command to completion; its wall time and peak RSS."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [*CLI, *argv, "--endpoint-url", endpoint, *KEYS],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:1])} exited {proc.returncode}: {err.decode()}")
    return Timed(seconds, usage.ru_maxrss / 1024)


def start_emulator(data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    proc = subprocess.Popen(
        [*CLI, "emulator", "--data-dir", str(data_dir), "--port", "0", "--job-delay-scale", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert proc.stdout is not None
    while True:
        line = proc.stdout.readline().decode()
        if not line:
            raise RuntimeError("the emulator exited before listening")
        match = _LISTENING.search(line)
        if match:
            return proc, match.group(1)


def bench(workload: Workload, base: Path, scratch: Path, args: argparse.Namespace) -> None:
    from aioglacier.journal import read_journal

    emu_dir = scratch / f"emu-{workload.name}"
    shutil.rmtree(emu_dir, ignore_errors=True)
    proc, endpoint = start_emulator(emu_dir)
    try:
        journal = scratch / f"{workload.name}.journal"
        for leftover in scratch.glob(f"{workload.name}.journal*"):
            leftover.unlink()
        # One vault per way: the two-step way must not find the jobs migrate asked for.
        journal2 = scratch / f"{workload.name}.journal-b"
        for leftover in scratch.glob(f"{workload.name}.journal-b*"):
            leftover.unlink()
        for vault, path in (("vault", journal), ("vault-b", journal2)):
            run(["create-vault", vault], endpoint)
            run(["sync", "--dir", str(base), "--vault", vault, "--journal", str(path)], endpoint)
        for bucket in ("via-migrate", "via-disk"):
            run(["create-bucket", bucket], endpoint)
        common = ["--concurrency", str(args.concurrency)]
        segment = ["--segment-size", str(args.segment_mib)]

        j2 = Path(f"{journal}.migrated")
        move = [
            "migrate",
            "--vault",
            "vault",
            "--journal",
            str(journal),
            "--bucket",
            "via-migrate",
            "--new-journal",
            str(j2),
            *segment,
            *common,
        ]
        steps = [run(move, endpoint), run([*move, "--wait"], endpoint)]
        report(workload, "migrate", steps)

        disk = scratch / f"disk-{workload.name}"
        shutil.rmtree(disk, ignore_errors=True)
        disk.mkdir()
        j3 = Path(f"{journal}.via-disk")
        where = ["--vault", "vault-b", "--journal", str(journal2), "--dir", str(disk)]
        steps = [
            run(["restore", *where, "--max-number-of-files", "1000000", *common], endpoint),
            run(["restore-completed", *where, "--wait", *segment, *common], endpoint),
            run(
                ["sync", "--dir", str(disk), "--bucket", "via-disk", "--journal", str(j3), *common],
                endpoint,
            ),
        ]
        report(workload, "two-step", steps)
        shutil.rmtree(disk, ignore_errors=True)

        want = {n: (r.size, r.treehash) for n, r in read_journal(journal).files.items()}
        for path in (j2, j3):
            got = {n: (r.size, r.treehash) for n, r in read_journal(path).files.items()}
            if got != want:
                raise RuntimeError(f"{path}: the bucket's journal is not the vault's")
    finally:
        proc.terminate()
        proc.wait()
        shutil.rmtree(emu_dir, ignore_errors=True)


def report(workload: Workload, way: str, steps: list[Timed]) -> None:
    seconds = sum(s.seconds for s in steps)
    rss = max(s.peak_rss_mib for s in steps)
    mib = workload.total / MIB
    print(
        f"{workload.description:>14}  {way:<9} {seconds:8.2f} s  "
        f"{workload.files / seconds:9.1f} archives/s  {mib / seconds:8.1f} MiB/s  "
        f"peak RSS {rss:6.1f} MiB  (steps: {' + '.join(f'{s.seconds:.2f}' for s in steps)} s)",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("/tmp/perf-data"))
    parser.add_argument("--small", type=int, default=2000, help="files of 4 KiB (0: none)")
    parser.add_argument("--big-mib", type=int, default=256, help="one file of MiB (0: none)")
    parser.add_argument("--segment-mib", type=int, default=16)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    args.data.mkdir(parents=True, exist_ok=True)
    scratch = args.data / "migrate-scratch"
    scratch.mkdir(exist_ok=True)
    workloads = []
    if args.small:
        workloads.append(small(args.small))
    if args.big_mib:
        size = args.big_mib * MIB
        workloads.append(Workload("one-big", f"1 x {args.big_mib} MiB", (size,), 1, 9))
    print(f"concurrency {args.concurrency}, segment {args.segment_mib} MiB", flush=True)
    for workload in workloads:
        base = materialize(workload, args.data / "migrate")
        bench(workload, base, scratch, args)
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
