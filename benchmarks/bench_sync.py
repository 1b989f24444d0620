"""Upload benchmarks against the emulator, with a plain aiohttp client as the ceiling.

Run: ``.venv/bin/python benchmarks/bench_sync.py`` (options: ``--help``).

1. Many small files: N files of S bytes synced at ``--concurrency`` (default 2,000 x 4 KiB at 32):
   files/s and the client's CPU per file, beside a plain aiohttp client sending the same Upload
   Archive requests with precomputed hashes and signatures (the floor of client CPU per request).
2. One large file (default 1 GiB, part size 32 MiB, concurrency 4): MiB/s beside the ceiling of a
   plain aiohttp client sending precomputed parts to the same emulator in the same run, and the
   client's peak RSS against the target 64 MiB + concurrency x part size.

The emulator runs in its own process (hash verification off, so it is not what limits the
client), and every measured client runs in a fresh child process so CPU time and peak RSS are
its own. Figures go to standard output as a table.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

MIB = 1024 * 1024
HERE = Path(__file__).resolve().parent


def start_emulator(data_dir: Path) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aioglacier.emulator",
            "--data-dir",
            str(data_dir),
            "--no-verify-hashes",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        m = re.search(r"listening on (http://\S+)", line)
        if m:
            return proc, m.group(1)
    raise RuntimeError("emulator did not start")


def run_child(*args: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", *args], capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise RuntimeError(f"child failed: {out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def usage() -> tuple[float, int]:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime, ru.ru_maxrss * 1024


# ------------------------------------------------------------------------------------ children


async def child_sync(
    url: str, base: str, vault: str, journal: str, conc: int, part_mib: int
) -> dict[str, Any]:
    from aioglacier import Client, ClientSettings
    from aioglacier.emulator import DEFAULT_CREDENTIALS

    settings = ClientSettings(
        endpoint_url=url,
        credentials=DEFAULT_CREDENTIALS,
        concurrency=conc,
        part_size=part_mib * MIB,
    )
    async with Client(settings) as client:
        await client.create_vault(vault)
        cpu0, _ = usage()
        t0 = time.perf_counter()
        result = await client.sync(base, vault, journal)
        seconds = time.perf_counter() - t0
        cpu1, rss = usage()
    assert result.ok, result.failed
    return {
        "files": len(result.uploaded),
        "bytes": result.bytes_uploaded,
        "seconds": seconds,
        "cpu": cpu1 - cpu0,
        "maxrss": rss,
    }


async def child_plain_small(url: str, count: int, size: int, conc: int) -> dict[str, Any]:
    """A plain aiohttp client: precomputed bodies, hashes and signatures; only the sending."""
    import aiohttp
    from yarl import URL

    from aioglacier.emulator import DEFAULT_CREDENTIALS
    from aioglacier.sigv4 import SigV4Signer
    from aioglacier.treehash import tree_hash

    signer = SigV4Signer(DEFAULT_CREDENTIALS, "us-east-1", "glacier")
    endpoint = f"{url}/-/vaults/plain/archives"
    requests = []
    for i in range(count):
        body = i.to_bytes(8, "big") + os.urandom(size - 8)
        sha = hashlib.sha256(body).hexdigest()
        headers = {
            "x-amz-glacier-version": "2012-06-01",
            "x-amz-archive-description": f"plain {i}",
            "x-amz-sha256-tree-hash": tree_hash(body).hex(),
            "x-amz-content-sha256": sha,
            "Content-Length": str(size),
            "Content-Type": "application/octet-stream",
        }
        headers.update(signer.sign("POST", endpoint, headers, sha))
        requests.append((headers, body))
    target = URL(endpoint, encoded=True)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=conc)) as session:
        create = f"{url}/-/vaults/plain"
        h = {"x-amz-glacier-version": "2012-06-01"}
        h.update(signer.sign("PUT", create, h, hashlib.sha256(b"").hexdigest()))
        async with session.put(create, headers=h) as resp:
            assert resp.status == 201
        sem = asyncio.Semaphore(conc)

        async def send(headers: dict[str, str], body: bytes) -> None:
            async with sem, session.post(target, headers=headers, data=body) as resp:
                await resp.read()
                assert resp.status == 201, resp.status

        cpu0, _ = usage()
        t0 = time.perf_counter()
        await asyncio.gather(*(send(hd, b) for hd, b in requests))
        seconds = time.perf_counter() - t0
        cpu1, rss = usage()
    return {
        "files": count,
        "bytes": count * size,
        "seconds": seconds,
        "cpu": cpu1 - cpu0,
        "maxrss": rss,
    }


async def child_plain_big(url: str, path: str, conc: int, part_mib: int) -> dict[str, Any]:
    """A plain aiohttp client sending a file's parts, hashes precomputed, bodies read ahead
    of the clock: the ceiling of what the emulator and loopback can take."""
    import aiohttp
    from yarl import URL

    from aioglacier.emulator import DEFAULT_CREDENTIALS
    from aioglacier.sigv4 import SigV4Signer
    from aioglacier.treehash import TreeHasher, tree_hash_from_parts

    signer = SigV4Signer(DEFAULT_CREDENTIALS, "us-east-1", "glacier")
    part = part_mib * MIB
    size = os.path.getsize(path)
    # Precompute hashes part by part (not timed), keep only hashes: bodies are re-read in the
    # timed phase from the page cache with a plain pread, the cheapest possible read.
    hashes = []
    with open(path, "rb") as f:
        while chunk := f.read(part):
            hasher = TreeHasher()
            hasher.update(chunk)
            hashes.append((hasher.hexdigest(), hasher.sha256_hexdigest()))
    base = f"{url}/-/vaults/plain-big"
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=conc)) as session:

        def signed(method: str, u: str, headers: dict[str, str], payload: str) -> dict[str, str]:
            headers = {"x-amz-glacier-version": "2012-06-01", **headers}
            headers.update(signer.sign(method, u, headers, payload))
            return headers

        empty = hashlib.sha256(b"").hexdigest()
        async with session.put(base, headers=signed("PUT", base, {}, empty)) as resp:
            assert resp.status == 201
        init = f"{base}/multipart-uploads"
        async with session.post(
            init, headers=signed("POST", init, {"x-amz-part-size": str(part)}, empty)
        ) as resp:
            assert resp.status == 201
            upload = f"{init}/{resp.headers['x-amz-multipart-upload-id']}"
        fd = os.open(path, os.O_RDONLY)
        sem = asyncio.Semaphore(conc)
        loop = asyncio.get_running_loop()

        async def send(i: int) -> None:
            async with sem:
                start = i * part
                body = await loop.run_in_executor(None, os.pread, fd, part, start)
                tree, sha = hashes[i]
                headers = signed(
                    "PUT",
                    upload,
                    {
                        "Content-Range": f"bytes {start}-{start + len(body) - 1}/*",
                        "x-amz-sha256-tree-hash": tree,
                        "x-amz-content-sha256": sha,
                        "Content-Type": "application/octet-stream",
                    },
                    sha,
                )
                async with session.put(URL(upload, encoded=True), headers=headers, data=body) as r:
                    await r.read()
                    assert r.status == 204, r.status

        cpu0, _ = usage()
        t0 = time.perf_counter()
        await asyncio.gather(*(send(i) for i in range(len(hashes))))
        total = tree_hash_from_parts([bytes.fromhex(h[0]) for h in hashes]).hex()
        async with session.post(
            upload,
            headers=signed(
                "POST",
                upload,
                {"x-amz-archive-size": str(size), "x-amz-sha256-tree-hash": total},
                empty,
            ),
        ) as r:
            assert r.status == 201, r.status
        seconds = time.perf_counter() - t0
        cpu1, rss = usage()
        os.close(fd)
    return {"files": 1, "bytes": size, "seconds": seconds, "cpu": cpu1 - cpu0, "maxrss": rss}


def child_main(argv: list[str]) -> None:
    import uvloop

    kind, *rest = argv
    if kind == "sync":
        url, base, vault, journal, conc, part = rest
        coro = child_sync(url, base, vault, journal, int(conc), int(part))
    elif kind == "plain-small":
        url, count, size, conc = rest
        coro = child_plain_small(url, int(count), int(size), int(conc))
    else:
        url, path, conc, part = rest
        coro = child_plain_big(url, path, int(conc), int(part))
    print(json.dumps(uvloop.run(coro)))


# ---------------------------------------------------------------------------------------- main


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=2000)
    ap.add_argument("--file-size", type=int, default=4096)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--big-mib", type=int, default=1024)
    ap.add_argument("--big-partsize", type=int, default=32)
    ap.add_argument("--big-concurrency", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=2, help="alternating runs of each client")
    ap.add_argument("--skip-small", action="store_true")
    ap.add_argument("--skip-big", action="store_true")
    ap.add_argument("--workdir", default=None, help="where to put data (default: a temp dir)")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        work = Path(tmp)
        emu, url = start_emulator(work / "emu")
        try:
            rows = []
            if not args.skip_small:
                base = work / "small"
                for i in range(args.files):
                    d = base / f"d{i // 100:03d}"
                    d.mkdir(parents=True, exist_ok=True)
                    (d / f"f{i:05d}").write_bytes(os.urandom(args.file_size))
                ours = run_child(
                    "sync",
                    url,
                    str(base),
                    "small",
                    str(work / "j-small"),
                    str(args.concurrency),
                    "16",
                )
                plain = run_child(
                    "plain-small", url, str(args.files), str(args.file_size), str(args.concurrency)
                )
                for name, r in (("aioglacier sync", ours), ("plain aiohttp (ceiling)", plain)):
                    rows.append(
                        (
                            f"{args.files} x {args.file_size} B, c={args.concurrency}",
                            name,
                            f"{r['files'] / r['seconds']:.0f} files/s",
                            f"{1000 * r['cpu'] / r['files']:.3f} ms CPU/file",
                            f"{r['maxrss'] / MIB:.0f} MiB RSS",
                        )
                    )
                rows.append(
                    (
                        "",
                        "ratio ours/ceiling",
                        f"{ours['seconds'] and plain['seconds'] / ours['seconds']:.0%}",
                        "target: >= 800 files/s, <= 0.6 ms CPU/file",
                        "",
                    )
                )
            if not args.skip_big:
                big_dir = work / "big"
                big_dir.mkdir()
                big = big_dir / "big.bin"
                with open(big, "wb") as f:
                    for _ in range(args.big_mib):
                        f.write(os.urandom(MIB))
                # Alternate the two clients and keep each one's best run: the emulator's disk
                # (it fsyncs every part) is shared and noisy.
                plains, ourses = [], []
                for rnd in range(args.rounds):
                    plains.append(
                        run_child(
                            "plain-big",
                            url,
                            str(big),
                            str(args.big_concurrency),
                            str(args.big_partsize),
                        )
                    )
                    ourses.append(
                        run_child(
                            "sync",
                            url,
                            str(big_dir),
                            f"big{rnd}",
                            str(work / f"j-big{rnd}"),
                            str(args.big_concurrency),
                            str(args.big_partsize),
                        )
                    )
                plain = min(plains, key=lambda r: r["seconds"])
                ours = min(ourses, key=lambda r: r["seconds"])
                limit = 64 + args.big_concurrency * args.big_partsize
                for name, r in (("aioglacier sync", ours), ("plain aiohttp (ceiling)", plain)):
                    rows.append(
                        (
                            f"1 x {args.big_mib} MiB, part {args.big_partsize} MiB, "
                            f"c={args.big_concurrency}",
                            name,
                            f"{r['bytes'] / MIB / r['seconds']:.0f} MiB/s",
                            f"{r['cpu']:.1f} s CPU",
                            f"{r['maxrss'] / MIB:.0f} MiB RSS",
                        )
                    )
                ratio = (ours["bytes"] / ours["seconds"]) / (plain["bytes"] / plain["seconds"])
                rows.append(
                    (
                        "",
                        "ratio ours/ceiling",
                        f"{ratio:.0%}",
                        "target: >= 80%",
                        f"RSS target <= {limit} MiB",
                    )
                )
        finally:
            emu.terminate()
            emu.wait(timeout=30)
    widths = [max(len(str(r[i])) for r in rows) for i in range(5)]
    for r in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child_main(sys.argv[2:])
    else:
        main()
