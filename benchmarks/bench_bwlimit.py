"""Benchmark: ``--bwlimit`` honoured on the emulator, and no loss of throughput when off.

Uploads ``--size``-byte archives to the Glacier emulator (its own process) with
``--concurrency`` requests in flight through one :class:`~aioglacier.bandwidth.Bandwidth`, for
``--seconds``; then waits for the requests in flight. The rate is the bytes uploaded over the
whole time (first request to last answer), against the limit. The same upload runs unlimited
(``off``: no bandwidth object at all, the path every run without ``--bwlimit`` takes) and with
a limit far above what the machine does (the pacing machinery working but never binding), for
``--seconds-off`` each: their throughputs should be the same.

Usage::

    .venv/bin/python benchmarks/bench_bwlimit.py [--limit 8M] [--seconds 30] [--concurrency 64]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import random
import sys
import tempfile
import time

import aiohttp

from aioglacier.backends.glacier import GlacierApi
from aioglacier.bandwidth import Bandwidth, parse_bwlimit, parse_rate
from aioglacier.emulator import DEFAULT_CREDENTIALS
from aioglacier.limits import RequestLimiter
from aioglacier.retry import RetryPolicy
from aioglacier.sigv4 import SigV4Signer
from aioglacier.treehash import tree_hash
from benchmarks.bench_s3_put import start

MIB = 1024 * 1024


async def run(
    url: str, bandwidth: Bandwidth | None, seconds: float, concurrency: int, body: bytes
) -> tuple[int, float]:
    """Bytes uploaded and seconds taken (first request to last answer)."""
    sha = hashlib.sha256(body).hexdigest()
    th = tree_hash(body).hex()
    connector = aiohttp.TCPConnector(limit=concurrency + 8)
    async with aiohttp.ClientSession(connector=connector) as session:
        api = GlacierApi(
            session,
            url,
            SigV4Signer(DEFAULT_CREDENTIALS, "us-east-1", "glacier"),
            RequestLimiter(concurrency),
            RetryPolicy(max_attempts=1, rng=random.Random(0)),
            bandwidth=bandwidth,
        )
        await api.create_vault("bench")
        sent = 0
        start_at = time.monotonic()
        stop_at = start_at + seconds

        async def worker() -> None:
            nonlocal sent
            while time.monotonic() < stop_at:
                await api.upload_archive("bench", body, description="b", tree_hash=th, sha256=sha)
                sent += len(body)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return sent, time.monotonic() - start_at


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", default="8M", help="the --bwlimit to measure (default 8M)")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--seconds-off", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--size", type=int, default=256 * 1024, help="bytes per archive")
    args = parser.parse_args()
    rate = parse_rate(args.limit)
    assert rate is not None, "--limit must limit something"
    body = os.urandom(args.size)
    with tempfile.TemporaryDirectory() as data_dir:
        emu, url = await start(
            [sys.executable, "-m", "aioglacier.emulator", "--data-dir", data_dir, "--port", "0"]
        )
        try:
            off = await run(url, None, args.seconds_off, args.concurrency, body)
            high = Bandwidth(parse_bwlimit("100G"))
            unbound = await run(url, high, args.seconds_off, args.concurrency, body)
            limited = Bandwidth(parse_bwlimit(args.limit))
            sent, took = await run(url, limited, args.seconds, args.concurrency, body)
        finally:
            emu.terminate()
            await emu.wait()
    measured = sent / took
    print(
        f"{args.size}-byte archives to the emulator, {args.concurrency} in flight; "
        f"upload rate (bytes / time from first request to last answer):"
    )
    print(f"  --bwlimit off          {off[0] / off[1] / MIB:9.2f} MiB/s over {off[1]:.1f} s")
    print(
        f"  --bwlimit 100G         {unbound[0] / unbound[1] / MIB:9.2f} MiB/s over "
        f"{unbound[1]:.1f} s (pacing on, never binding)"
    )
    print(
        f"  --bwlimit {args.limit:<12} {measured / MIB:9.2f} MiB/s over {took:.1f} s: "
        f"{(measured / rate - 1) * 100:+.2f}% of the limit ({rate / MIB:.2f} MiB/s); "
        f"{limited.upload.taken} bytes through the bucket, {sent} uploaded"
    )


if __name__ == "__main__":
    try:
        import uvloop

        uvloop.run(main())
    except ImportError:
        asyncio.run(main())
