"""Journal benchmark: replay time and peak RSS of a 1,000,000-record journal, writer appends/s.

Run: ``.venv/bin/python benchmarks/bench_journal.py [--records N] [--writes N] [--keep DIR]``

* The journal is generated deterministically: 70 % CREATED, 20 % DELETED (of a live archive),
  10 % RETRIEVE_JOB (of a live archive); 138-character archive ids and job ids as Glacier makes
  them, 64-hex tree hashes, names about 50 characters long in a directory tree (a tenth with
  non-ASCII letters, a third with spaces, a tenth re-uploaded as new versions), 5 % of mtimes
  NONE, times advancing 0 to 2 s per record.
* Replay runs ``read_journal`` in a fresh interpreter per run and reads its peak RSS from
  ``resource.getrusage`` (the interpreter and imports included); best and median of the runs,
  wall and CPU time, and for scale the CPU time this machine takes merely to decode and split
  every line (no checks, nothing kept).
* The writer appends with ``fsync="close"`` from 64 concurrent producers and from one producer
  awaiting each append in turn.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aioglacier.journal import (
    Created,
    Deleted,
    JournalWriter,
    Record,
    RetrieveJob,
    format_record,
)

_ID_CHARS = string.ascii_letters + string.digits + "-_"
_WORDS = ["photos", "2013", "Holiday trip", "docs", "backup", "музыка", "raw", "Projects", "tmp"]


def _rand_id(rng: random.Random) -> str:
    return "".join(rng.choices(_ID_CHARS, k=138))


def _rand_name(rng: random.Random, i: int) -> str:
    depth = rng.randint(1, 4)
    parts = [rng.choice(_WORDS) for _ in range(depth)]
    stem = f"file {i}" if rng.random() < 0.33 else f"IMG_{i:07d}"
    if rng.random() < 0.1:
        stem = f"снимок_{i}"
    parts.append(stem + rng.choice([".jpg", ".txt", ".tar.gz", ".flac", ""]))
    return "/".join(parts)


def generate(path: Path, records: int, seed: int = 1) -> dict[str, int]:
    """Write a journal of ``records`` lines; return the count of each record type."""
    rng = random.Random(seed)
    live: list[str] = []
    names: list[str] = []
    live_name: dict[str, str] = {}
    counts = {"CREATED": 0, "DELETED": 0, "RETRIEVE_JOB": 0}
    t = 1355666755
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        batch: list[str] = []
        for i in range(records):
            t += rng.choice((0, 0, 1, 2))
            roll = rng.random()
            rec: Record
            if roll < 0.7 or len(live) < 10:
                aid = _rand_id(rng)
                if names and rng.random() < 0.1:
                    name = rng.choice(names)
                else:
                    name = _rand_name(rng, i)
                    names.append(name)
                mtime = None if rng.random() < 0.05 else rng.randint(1_000_000_000, 1_355_000_000)
                treehash = rng.getrandbits(256).to_bytes(32, "big").hex()
                rec = Created(t, aid, rng.randint(1, 1 << 34), mtime, treehash, name)
                live.append(aid)
                live_name[aid] = name
                counts["CREATED"] += 1
            elif roll < 0.9:
                k = rng.randrange(len(live))
                live[k], live[-1] = live[-1], live[k]
                aid = live.pop()
                rec = Deleted(t, aid, live_name.pop(aid))
                counts["DELETED"] += 1
            else:
                rec = RetrieveJob(t, rng.choice(live), _rand_id(rng))
                counts["RETRIEVE_JOB"] += 1
            batch.append(format_record(rec))
            if len(batch) >= 10000:
                f.write("".join(batch))
                batch.clear()
        f.write("".join(batch))
    counts["live"] = len(live)
    return counts


_REPLAY_CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[2])
from aioglacier.journal import read_journal
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
c0 = time.process_time()
state = read_journal(sys.argv[1])
elapsed = time.perf_counter() - t0
cpu = time.process_time() - c0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
with open("/proc/self/status") as f:
    hwm = int(next(l for l in f if l.startswith("VmHWM:")).split()[1])
jobs = sum(len(j) for j in state.retrieve_jobs.values())
# Reference for this machine: read, decode and split every line into fields, keeping nothing.
c0 = time.process_time()
with open(sys.argv[1], "rb") as f:
    for chunk in iter(lambda: f.read(1 << 20), b""):
        for line in chunk.decode("utf-8", "replace").split("\n"):
            line.split("\t")
floor = time.process_time() - c0
print(json.dumps({"seconds": elapsed, "cpu_seconds": cpu, "peak_kib": peak, "floor": floor,
                  "start_kib": before, "hwm_kib": hwm, "files": len(state.files),
                  "archives": len(state.archives), "lines": state.line_count,
                  "jobs": jobs}))
"""


def replay_once(path: Path) -> dict[str, float]:
    """Replay ``path`` in a fresh interpreter; return its measurements."""
    root = str(Path(__file__).resolve().parent.parent)
    out = subprocess.run(
        [sys.executable, "-c", _REPLAY_CHILD, str(path), root],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, float] = json.loads(out.stdout)
    return result


async def _write_bench(path: Path, records: list[Record], producers: int) -> float:
    async with JournalWriter(path, fsync="close", queue_size=4096) as journal:
        t0 = time.perf_counter()
        if producers == 1:
            for rec in records:
                await journal.append(rec)
        else:

            async def produce(part: list[Record]) -> None:
                for rec in part:
                    await journal.append(rec)

            async with asyncio.TaskGroup() as tg:
                for k in range(producers):
                    tg.create_task(produce(records[k::producers]))
        return time.perf_counter() - t0


def writer_bench(directory: Path, count: int, producers: int) -> tuple[float, int]:
    """Appends/s with ``producers`` concurrent producers; and the number of os.write calls."""
    rng = random.Random(2)
    records: list[Record] = [
        Created(1355666755 + i, _rand_id(rng), i + 1, 1355566755, "0" * 64, _rand_name(rng, i))
        for i in range(count)
    ]
    path = directory / f"write-{producers}.log"
    if path.exists():
        path.unlink()
    elapsed = asyncio.run(_write_bench(path, records, producers))
    with open(path, encoding="utf-8") as f:
        lines = sum(1 for _ in f)
    assert lines == count, (lines, count)
    return count / elapsed, lines


def main() -> None:
    """Run the benchmark and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--writes", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="directory to keep the journal in")
    parser.add_argument("--generate", nargs=2, metavar=("PATH", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        print(generate(Path(args.generate[0]), int(args.generate[1])))
        return

    with tempfile.TemporaryDirectory() as tmp:
        directory = args.keep or Path(tmp)
        directory.mkdir(parents=True, exist_ok=True)
        journal = directory / f"journal-{args.records}.log"
        if not journal.exists():
            # In a child, so that this process stays small: a child's ru_maxrss starts from
            # its parent's resident size at fork.
            t0 = time.perf_counter()
            out = subprocess.run(
                [sys.executable, __file__, "--generate", str(journal), str(args.records)],
                check=True,
                capture_output=True,
                text=True,
            )
            print(f"generated {journal} in {time.perf_counter() - t0:.1f} s: {out.stdout.strip()}")
        size_mib = journal.stat().st_size / 2**20
        print(f"journal: {args.records:,} records, {size_mib:.0f} MiB")

        runs = [replay_once(journal) for _ in range(args.runs)]
        secs = [r["seconds"] for r in runs]
        cpu = [r["cpu_seconds"] for r in runs]
        peaks = [r["peak_kib"] / 1024 for r in runs]
        r0 = runs[0]
        print(
            f"replay: best {min(secs):.2f} s, median {statistics.median(secs):.2f} s "
            f"(CPU best {min(cpu):.2f} s; this machine decodes and splits the lines alone in "
            f"{min(r['floor'] for r in runs):.2f} s CPU) "
            f"({args.records / min(secs):,.0f} records/s); peak RSS {max(peaks):.0f} MiB "
            f"(getrusage; VmHWM {max(r['hwm_kib'] for r in runs) / 1024:.0f} MiB; "
            f"{r0['start_kib'] / 1024:.0f} MiB before reading); "
            f"{r0['files']:,} files, {r0['archives']:,} live archives, {r0['jobs']:,} jobs"
        )
        for producers in (64, 1):
            rate, _ = writer_bench(directory, args.writes, producers)
            print(f"writer, fsync=close, {producers} producer(s): {rate:,.0f} records/s")
        if not args.keep:
            os.remove(journal)


if __name__ == "__main__":
    main()
