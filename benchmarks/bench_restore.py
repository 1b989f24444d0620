"""Restore-side benchmarks against the emulator, with their peers in the same run.

Run: ``.venv/bin/python benchmarks/bench_restore.py`` (options: ``--help``).

1. restore-completed of N small files (default 2,000 x 4 KiB) and of one large file (default
   1 GiB, 16 MiB segments): files/s and MiB/s, beside the ceiling of a plain aiohttp client that
   fetches the same job outputs with precomputed signatures and writes them to disk (target >=
   90% of it).
   The plain client fsyncs what it wrote before its clock stops, as a restore must.
2. check-local-hash of a tree of mixed sizes (default about 1 GiB) beside ``openssl dgst
   -sha256`` over the same files (target >= 1.5x: files and leaves hash in parallel).

The emulator runs in its own process; each measured client runs in a fresh child process.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_sync import MIB, start_emulator

CLI = [sys.executable, "-m", "aioglacier"]


def run_child(*args: str, tree: str | None = None) -> dict[str, Any]:
    """Run a measured client in a fresh process; ``tree``: another checkout's aioglacier
    (an old commit, to compare before and after in the same sitting)."""
    env = dict(os.environ)
    if tree:
        env["PYTHONPATH"] = tree + os.pathsep + env.get("PYTHONPATH", "")
    out = subprocess.run(
        [sys.executable, __file__, "--child", *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    if out.returncode != 0:
        raise RuntimeError(f"child failed: {out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def settings(url: str, concurrency: int) -> Any:
    from aioglacier import ClientSettings
    from aioglacier.emulator import DEFAULT_CREDENTIALS

    return ClientSettings(
        endpoint_url=url, credentials=DEFAULT_CREDENTIALS, concurrency=concurrency
    )


async def prepare(url: str, base: str, vault: str, journal: str) -> None:
    """Upload the tree, delete it locally, start the retrieval jobs (untimed)."""
    from aioglacier import Client

    async with Client(settings(url, 32)) as client:
        await client.create_vault(vault)
        result = await client.sync(base, vault, journal)
        assert result.ok
        for path in sorted(Path(base).rglob("*"), reverse=True):
            if path.is_file():
                path.unlink()
        started = await client.restore(base, vault, journal, max_number_of_files=10**9)
        assert started.ok


async def child_restore(
    url: str, base: str, vault: str, journal: str, conc: int, seg: int
) -> dict[str, Any]:
    from aioglacier import Client

    async with Client(settings(url, conc)) as client:
        t0, c0 = time.perf_counter(), time.process_time()
        result = await client.restore_completed(
            base, vault, journal, segment_size=seg * MIB if seg else None
        )
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    assert result.ok, result.failed
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return {
        "files": len(result.done),
        "bytes": result.bytes_done,
        "seconds": seconds,
        "cpu": cpu,
        "peak_rss_mib": peak,
    }


async def child_plain(url: str, vault: str, out_dir: str, conc: int, seg: int) -> dict[str, Any]:
    """Plain aiohttp: list the jobs (untimed), then GET every output (in segments for large
    archives) with precomputed signatures, writing each to its own file."""
    import aiohttp
    from yarl import URL

    from aioglacier import Client
    from aioglacier.emulator import DEFAULT_CREDENTIALS
    from aioglacier.sigv4 import SigV4Signer

    async with Client(settings(url, 8)) as client:
        jobs = [j for j in await client.list_jobs(vault) if j["Action"] == "ArchiveRetrieval"]
    signer = SigV4Signer(DEFAULT_CREDENTIALS, "us-east-1", "glacier")
    empty = hashlib.sha256(b"").hexdigest()
    seg_bytes = seg * MIB if seg else 16 * MIB
    requests: list[tuple[str, int, int, dict[str, str]]] = []
    for n, job in enumerate(jobs):
        size = int(job["ArchiveSizeInBytes"])
        u = f"{url}/-/vaults/{vault}/jobs/{job['JobId']}/output"
        for start in range(0, size, seg_bytes):
            end = min(start + seg_bytes, size) - 1
            headers = {"x-amz-glacier-version": "2012-06-01"}
            if size > seg_bytes:
                headers["Range"] = f"bytes={start}-{end}"
            headers.update(signer.sign("GET", u, headers, empty))
            requests.append((u, n, start, headers))
    loop = asyncio.get_running_loop()
    fds: dict[int, int] = {}
    sem = asyncio.Semaphore(conc)
    total = 0

    def write(n: int, start: int, data: bytes) -> None:
        fd = fds.get(n)
        if fd is None:
            fd = fds[n] = os.open(os.path.join(out_dir, f"{n}"), os.O_WRONLY | os.O_CREAT, 0o600)
        os.pwrite(fd, data, start)

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=conc, ssl=False)) as s:

        async def get(u: str, n: int, start: int, headers: dict[str, str]) -> None:
            nonlocal total
            async with sem, s.get(URL(u, encoded=True), headers=headers) as resp:
                data = await resp.read()
                assert resp.status in (200, 206)
            total += len(data)
            await loop.run_in_executor(None, write, n, start, data)

        t0, c0 = time.perf_counter(), time.process_time()
        await asyncio.gather(*(get(*r) for r in requests))
        # The same job as a restore: the files must be on disk when it says done.
        await asyncio.gather(*(loop.run_in_executor(None, os.fsync, fd) for fd in fds.values()))
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    for fd in fds.values():
        os.close(fd)
    return {"files": len(jobs), "bytes": total, "seconds": seconds, "cpu": cpu}


def child_main(argv: list[str]) -> None:
    import uvloop

    kind, *rest = argv
    if os.environ.get("BENCH_NO_FSYNC"):
        os.fsync = lambda fd: None
    if kind == "prepare":
        uvloop.run(prepare(*rest))
        print(json.dumps({}))
    elif kind == "restore":
        url, base, vault, journal, conc, seg, *profile = rest
        job = child_restore(url, base, vault, journal, int(conc), int(seg))
        if profile:
            import cProfile

            with cProfile.Profile() as prof:
                got = uvloop.run(job)
            prof.dump_stats(profile[0])
        else:
            got = uvloop.run(job)
        print(json.dumps(got))
    else:
        url, vault, out_dir, conc, seg = rest
        print(json.dumps(uvloop.run(child_plain(url, vault, out_dir, int(conc), int(seg)))))


def make_mixed_tree(base: Path, total_mib: int) -> int:
    """About ``total_mib`` MiB in files of mixed sizes; returns the file count."""
    sizes = [total_mib // 2 * MIB] + [64 * MIB] * (total_mib // 4 // 64)
    sizes += [MIB] * (total_mib // 8) + [50 * 1024] * (total_mib * 1024 // 8 // 50)
    for i, size in enumerate(sizes):
        d = base / f"d{i % 10}"
        d.mkdir(parents=True, exist_ok=True)
        with open(d / f"f{i:05d}", "wb") as f:
            left = size
            while left:
                n = min(left, 8 * MIB)
                f.write(os.urandom(n))
                left -= n
    return len(sizes)


def timed(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=2000)
    ap.add_argument("--file-size", type=int, default=4096)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--big-mib", type=int, default=1024)
    ap.add_argument("--segment-mib", type=int, default=16)
    ap.add_argument("--big-concurrency", type=int, default=8)
    ap.add_argument("--check-mib", type=int, default=1024)
    ap.add_argument("--skip-restore", action="store_true")
    ap.add_argument("--skip-small", action="store_true", help="only the large file's restore")
    ap.add_argument("--skip-big", action="store_true", help="only the small files' restore")
    ap.add_argument(
        "--runs",
        type=int,
        default=1,
        help="restore runs per case, alternating with the plain client",
    )
    ap.add_argument(
        "--old-tree",
        default=None,
        help="a checkout of another commit: its restore-completed runs too, alternating",
    )
    ap.add_argument(
        "--profile", default=None, help="write a cProfile of (the last) restore-completed here"
    )
    ap.add_argument("--skip-check", action="store_true")
    ap.add_argument("--workdir", default=None)
    args = ap.parse_args()
    rows: list[tuple[str, ...]] = []
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        work = Path(tmp)
        if not args.skip_restore:
            emu, url = start_emulator(work / "emu")
            try:
                cases = [
                    (
                        f"{args.files} x {args.file_size} B",
                        args.files,
                        args.file_size,
                        args.concurrency,
                        0,
                    ),
                    (
                        f"1 x {args.big_mib} MiB, {args.segment_mib} MiB segments",
                        1,
                        args.big_mib * MIB,
                        args.big_concurrency,
                        args.segment_mib,
                    ),
                ]
                if args.skip_small:
                    cases = cases[1:]
                if args.skip_big:
                    cases = cases[:1]
                for label, count, size, conc, seg in cases:
                    vault = f"v{count}"
                    base = work / vault
                    for i in range(count):
                        d = base / f"d{i // 100:03d}"
                        d.mkdir(parents=True, exist_ok=True)
                        with open(d / f"f{i:05d}", "wb") as f:
                            left = size
                            while left:
                                n = min(left, 8 * MIB)
                                f.write(os.urandom(n))
                                left -= n
                    journal = str(work / f"{vault}.journal")
                    run_child("prepare", url, str(base), vault, journal)
                    trees: list[tuple[str, str | None]] = [("aioglacier restore-completed", None)]
                    if args.old_tree:
                        trees.append(("aioglacier (old tree)", args.old_tree))
                    results: dict[str, list[dict[str, Any]]] = {}
                    for run in range(args.runs):
                        plain_dir = work / f"{vault}-plain-{run}"
                        plain_dir.mkdir()
                        got = run_child("plain", url, vault, str(plain_dir), str(conc), str(seg))
                        results.setdefault("plain aiohttp (ceiling)", []).append(got)
                        shutil.rmtree(plain_dir)
                        for name, tree in trees if run % 2 == 0 else trees[::-1]:
                            extra = [args.profile] if args.profile else []
                            got = run_child(
                                "restore",
                                url,
                                str(base),
                                vault,
                                journal,
                                str(conc),
                                str(seg),
                                *extra,
                                tree=tree,
                            )
                            results.setdefault(name, []).append(got)
                            for path in base.rglob("*"):  # the next run restores them again
                                if path.is_file():
                                    path.unlink()
                    plains = results["plain aiohttp (ceiling)"]
                    for name, runs in results.items():
                        r = min(runs, key=lambda x: x["seconds"])
                        rows.append(
                            (
                                label,
                                name,
                                f"{r['files'] / r['seconds']:.0f} files/s",
                                f"{r['bytes'] / MIB / r['seconds']:.0f} MiB/s",
                                f"client CPU {r['cpu']:.2f} s",
                            )
                        )
                        if name.startswith("aioglacier"):
                            ratios = [
                                p["seconds"] / o["seconds"]
                                for p, o in zip(plains, runs, strict=True)
                            ]
                            shown = " ".join(f"{x:.0%}" for x in ratios)
                            rows.append(
                                ("", f"ratio {name}/ceiling, per run", shown, "target >= 90%")
                            )
                        if seg and name.startswith("aioglacier"):
                            budget = 64 + conc * seg
                            peak = max(x["peak_rss_mib"] for x in runs)
                            rows.append(
                                (
                                    "",
                                    f"{name} peak RSS",
                                    f"{peak:.0f} MiB",
                                    f"target <= 64 MiB + {conc} x {seg} MiB = {budget} MiB",
                                )
                            )
            finally:
                emu.terminate()
                emu.wait(timeout=30)
        if not args.skip_check:
            base = work / "check"
            count = make_mixed_tree(base, args.check_mib)
            journal = work / "check.journal"
            # Build the journal from tree hashes (untimed): what sync would have written.
            from aioglacier.journal import Created, format_record
            from aioglacier.treehash import tree_hash_file_sync

            lines = []
            files = sorted(p for p in base.rglob("*") if p.is_file())
            for n, p in enumerate(files):
                rel = p.relative_to(base).as_posix()
                fh = tree_hash_file_sync(p)
                lines.append(
                    format_record(
                        Created(
                            1, f"A{n}", fh.size, int(p.stat().st_mtime), fh.tree_hash.hex(), rel
                        )
                    )
                )
            journal.write_text("".join(lines))
            for p in files:  # warm the page cache
                p.read_bytes()
            openssl = min(timed(["openssl", "dgst", "-sha256", *map(str, files)]) for _ in range(3))
            ours = min(
                timed([*CLI, "check-local-hash", "--dir", str(base), "--journal", str(journal)])
                for _ in range(3)
            )
            total = sum(p.stat().st_size for p in files) / MIB
            rows.append(
                (
                    f"check-local-hash, {count} files, {total:.0f} MiB",
                    "aioglacier",
                    f"{total / ours:.0f} MiB/s",
                    f"{ours:.2f} s",
                )
            )
            rows.append(
                ("", "openssl dgst -sha256", f"{total / openssl:.0f} MiB/s", f"{openssl:.2f} s")
            )
            rows.append(("", "ratio ours/openssl", f"{openssl / ours:.2f}x", "target >= 1.5x"))
    rows = [r + ("",) * (5 - len(r)) for r in rows]
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child_main(sys.argv[2:])
    else:
        main()
