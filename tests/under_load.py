"""Run the whole suite on a busy machine, in random order, several times in a row.

    .venv/bin/python tests/under_load.py [--runs 3] [--load N] [pytest arguments...]

Proves that no test's verdict depends on the machine's speed: while the suite runs, ``--load``
processes (default: one per core) spin in pure Python to keep every core busy, and each run
shuffles the tests with pytest-randomly (a new seed per run, printed so that a failure can be
replayed with ``-p randomly --randomly-seed=SEED``). Prints one line per run (seed, outcome,
duration) and exits 1 if any run failed. Not part of CI (it takes several times the suite).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPIN = "while True: pass"
SUMMARY = re.compile(r"^=*\s*(\d+ (?:passed|failed|errors?|skipped).*?) in [0-9.]+s", re.MULTILINE)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="suite runs in a row (default 3)")
    parser.add_argument(
        "--load",
        type=int,
        default=os.cpu_count() or 2,
        help="spinning processes kept running during the runs (default: one per core)",
    )
    parser.add_argument(
        "--log-dir",
        type=Path,
        default=Path(tempfile.gettempdir()),
        help="where each run's full pytest output is kept (default: the temporary directory)",
    )
    args, pytest_args = parser.parse_known_args(argv)
    load = [
        subprocess.Popen([sys.executable, "-c", SPIN], stdin=subprocess.DEVNULL)
        for _ in range(args.load)
    ]
    results: list[tuple[int, int, str, float, int]] = []
    try:
        for run in range(1, args.runs + 1):
            seed = random.SystemRandom().randrange(2**32)
            command = [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "randomly",
                f"--randomly-seed={seed}",
                *pytest_args,
            ]
            print(f"run {run}/{args.runs}: {' '.join(command[1:])}", flush=True)
            started = time.monotonic()
            done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
            seconds = time.monotonic() - started
            log = args.log_dir / f"under-load-run{run}-seed{seed}.log"
            log.write_text(done.stdout + done.stderr)
            sys.stdout.write(done.stdout[-3000:])
            sys.stderr.write(done.stderr[-3000:])
            print(f"full output: {log}", flush=True)
            found = SUMMARY.findall(done.stdout)
            summary = found[-1] if found else f"exit code {done.returncode}"
            results.append((run, seed, summary, seconds, done.returncode))
            print(
                f"run {run}: seed {seed}: {summary}; {seconds:.0f} s, exit {done.returncode}",
                flush=True,
            )
            if done.returncode != 0:
                break
    finally:
        for process in load:
            process.kill()
        for process in load:
            process.wait()
    print(f"\nunder load ({args.load} spinning processes on {os.cpu_count()} cores):")
    for run, seed, summary, seconds, _ in results:
        print(f"  run {run}  seed {seed:>10}  {seconds:6.0f} s  {summary}")
    failed = len(results) < args.runs or any(code != 0 for *_, code in results)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
