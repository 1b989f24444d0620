"""Benchmark the Glacier emulator: single 4 KiB uploads per second and multipart MiB/s.

The emulator runs as a separate process (``python -m aioglacier.emulator``, on uvloop) so that
server and client each get a core (both on uvloop); the client is a plain aiohttp session with
precomputed hashes and signatures (our SigV4Signer), ``--concurrency`` requests in flight (32 by
default). Each figure is measured with hash verification on (default emulator) and off
(``--no-verify-hashes``).

    .venv/bin/python benchmarks/bench_emulator.py [--seconds 5] [--multipart-mib 512]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass

import aiohttp
from yarl import URL

from aioglacier.emulator import DEFAULT_CREDENTIALS
from aioglacier.sigv4 import SigV4Signer
from aioglacier.treehash import MIB, tree_hash, tree_hash_from_parts

LISTENING = re.compile(r"listening on (http://\S+)")


@dataclass
class Result:
    verify: bool
    uploads_per_s: float
    upload_p50_ms: float
    upload_p99_ms: float
    multipart_mib_s: float


async def start_emulator(
    data_dir: str, verify: bool, extra: tuple[str, ...] = ()
) -> tuple[asyncio.subprocess.Process, str]:
    args = [sys.executable, "-m", "aioglacier.emulator", "--data-dir", data_dir, "--port", "0"]
    args += extra
    if not verify:
        args.append("--no-verify-hashes")
    process = await asyncio.create_subprocess_exec(
        *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL
    )
    assert process.stdout is not None
    while True:
        line = (await process.stdout.readline()).decode()
        if not line:
            raise RuntimeError("emulator exited")
        match = LISTENING.search(line)
        if match:
            return process, match.group(1)


def signed(
    signer: SigV4Signer, method: str, url: str, headers: dict[str, str], payload_hex: str
) -> dict[str, str]:
    all_headers = {"x-amz-glacier-version": "2012-06-01", **headers}
    all_headers.update(signer.sign(method, url, all_headers, payload_hex))
    return all_headers


async def single_uploads(
    session: aiohttp.ClientSession, url: str, signer: SigV4Signer, seconds: float, concurrency: int
) -> tuple[float, list[float]]:
    payloads = [os.urandom(4096) for _ in range(64)]
    target = f"{url}/-/vaults/bench/archives"
    prepared = []
    for payload in payloads:
        digest = hashlib.sha256(payload).hexdigest()
        headers = signed(
            signer,
            "POST",
            target,
            {
                "x-amz-content-sha256": digest,
                "x-amz-sha256-tree-hash": tree_hash(payload).hex(),
                "x-amz-archive-description": "bench",
            },
            digest,
        )
        prepared.append((payload, headers))
    latencies: list[float] = []
    done = 0
    deadline = time.perf_counter() + seconds

    async def worker(index: int) -> None:
        nonlocal done
        i = index
        while time.perf_counter() < deadline:
            payload, headers = prepared[i % len(prepared)]
            i += concurrency
            started = time.perf_counter()
            async with session.post(URL(target, encoded=True), data=payload, headers=headers) as r:
                await r.read()
                if r.status != 201:
                    raise RuntimeError(f"upload failed: {r.status}")
            latencies.append(time.perf_counter() - started)
            done += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    return done / (time.perf_counter() - started), latencies


async def multipart(
    session: aiohttp.ClientSession,
    url: str,
    signer: SigV4Signer,
    total_mib: int,
    part_mib: int,
    concurrency: int,
) -> float:
    part_size = part_mib * MIB
    part = os.urandom(part_size)
    part_hash = tree_hash(part).hex()
    part_sha = hashlib.sha256(part).hexdigest()
    count = total_mib // part_mib
    base = f"{url}/-/vaults/bench/multipart-uploads"
    headers = signed(
        signer, "POST", base, {"x-amz-part-size": str(part_size)}, hashlib.sha256(b"").hexdigest()
    )
    async with session.post(base, headers=headers) as r:
        upload_id = r.headers["x-amz-multipart-upload-id"]
    target = f"{base}/{upload_id}"
    prepared = [
        signed(
            signer,
            "PUT",
            target,
            {
                "Content-Range": f"bytes {i * part_size}-{(i + 1) * part_size - 1}/*",
                "x-amz-content-sha256": part_sha,
                "x-amz-sha256-tree-hash": part_hash,
            },
            part_sha,
        )
        for i in range(count)
    ]
    queue = list(range(count))

    async def worker() -> None:
        while queue:
            i = queue.pop()
            async with session.put(target, data=part, headers=prepared[i]) as r:
                await r.read()
                if r.status != 204:
                    raise RuntimeError(f"part failed: {r.status}")

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    archive_hash = tree_hash_from_parts([bytes.fromhex(part_hash)] * count).hex()
    headers = signed(
        signer,
        "POST",
        target,
        {"x-amz-archive-size": str(count * part_size), "x-amz-sha256-tree-hash": archive_hash},
        hashlib.sha256(b"").hexdigest(),
    )
    async with session.post(target, headers=headers) as r:
        await r.read()
        if r.status != 201:
            raise RuntimeError(f"complete failed: {r.status}")
    return count * part_mib / (time.perf_counter() - started)


async def run(verify: bool, args: argparse.Namespace) -> Result:
    with tempfile.TemporaryDirectory(dir=args.data_root) as data_dir:
        process, url = await start_emulator(data_dir, verify)
        try:
            signer = SigV4Signer(DEFAULT_CREDENTIALS, "us-east-1", "glacier")
            connector = aiohttp.TCPConnector(limit=args.concurrency)
            async with aiohttp.ClientSession(connector=connector) as session:
                headers = signed(
                    signer, "PUT", f"{url}/-/vaults/bench", {}, hashlib.sha256(b"").hexdigest()
                )
                async with session.put(f"{url}/-/vaults/bench", headers=headers) as r:
                    assert r.status == 201
                await single_uploads(session, url, signer, 1.0, args.concurrency)  # warm up
                rate, latencies = await single_uploads(
                    session, url, signer, args.seconds, args.concurrency
                )
                latencies.sort()
                mib_s = 0.0
                for _ in range(args.repeat):
                    mib_s = max(
                        mib_s,
                        await multipart(
                            session,
                            url,
                            signer,
                            args.multipart_mib,
                            args.part_mib,
                            args.concurrency,
                        ),
                    )
        finally:
            process.terminate()
            await process.wait()
    return Result(
        verify,
        rate,
        latencies[len(latencies) // 2] * 1000,
        latencies[int(len(latencies) * 0.99)] * 1000,
        mib_s,
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="single-upload phase length")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--multipart-mib", type=int, default=512, help="archive size")
    parser.add_argument("--part-mib", type=int, default=8, help="part size (power of two)")
    parser.add_argument("--repeat", type=int, default=2, help="multipart runs (best kept)")
    parser.add_argument("--data-root", default=None, help="where the emulator stores (tmp)")
    args = parser.parse_args()
    results = [await run(verify, args) for verify in (True, False)]
    print(f"emulator benchmark: concurrency {args.concurrency}, {os.cpu_count()} CPUs")
    print(
        f"{'verification':<13} {'4 KiB uploads/s':>16} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'multipart MiB/s':>16}"
    )
    for r in results:
        print(
            f"{'on' if r.verify else 'off':<13} {r.uploads_per_s:>16.0f} {r.upload_p50_ms:>8.1f} "
            f"{r.upload_p99_ms:>8.1f} {r.multipart_mib_s:>16.0f}"
        )
    print(
        f"(multipart: {args.multipart_mib} MiB archive in {args.part_mib} MiB parts; every "
        "acknowledged request is fsynced)"
    )


if __name__ == "__main__":
    try:
        import uvloop
    except ImportError:  # pragma: no cover
        asyncio.run(main())
    else:
        uvloop.run(main())
