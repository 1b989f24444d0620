"""Benchmark: client CPU per small upload request, S3Api.put_object against GlacierApi.

The issue's budget is 0.6 ms of client CPU per small file for the whole data path (read, hash,
request, journal); this measures the request part: building, signing, sending one small upload
and parsing its answer on one shared aiohttp session, ``--concurrency`` requests in flight. Each
server runs in a process of its own, so the figure is this process's CPU time
(``time.process_time``) divided by the number of requests; the body's SHA-256 is computed
beforehand (the engine computes it anyway, for the tree hash), as the engine passes it.

Rows (same run, interleaved, best of ``--repeat``):

* ``S3Api.put_object -> plain aiohttp``: a plain aiohttp server answering 200 with an ETag at
  once (its own process, uvloop);
* ``GlacierApi.upload_archive -> plain aiohttp``: the same server answering 201 with an archive
  id, the Glacier client's own floor;
* ``GlacierApi.upload_archive -> emulator``: the Glacier emulator (``python -m
  aioglacier.emulator``), which verifies signatures and hashes and stores the archive;
* ``S3Api.put_object -> moto`` (``--moto``): moto in server mode (slow server, same client CPU).

Usage::

    .venv/bin/python benchmarks/bench_s3_put.py [--requests 3000] [--concurrency 16] [--moto]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import random
import re
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable

import aiohttp

from aioglacier.backends.glacier import GlacierApi
from aioglacier.backends.s3 import Addressing, S3Api
from aioglacier.emulator import DEFAULT_CREDENTIALS
from aioglacier.limits import RequestLimiter
from aioglacier.retry import RetryPolicy
from aioglacier.sigv4 import Credentials, SigV4Signer

LISTENING = re.compile(r"(http://127\.0\.0\.1:\d+)")

PLAIN_SERVER = r"""
import asyncio, sys, uvloop
from aiohttp import web

S3 = {"ETag": '"0123456789abcdef0123456789abcdef"'}
GLACIER = {"x-amz-archive-id": "A" * 138, "Location": "/-/vaults/v/archives/A"}

async def handle(request):
    await request.read()
    if request.path.startswith("/-/"):
        return web.Response(status=201, headers=GLACIER)
    return web.Response(status=200, headers=S3)

async def main():
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(f"http://127.0.0.1:{runner.addresses[0][1]}", flush=True)
    await asyncio.Event().wait()

uvloop.run(main())
"""

MOTO_SERVER = (
    "from moto.server import ThreadedMotoServer; import time\n"
    "s = ThreadedMotoServer(ip_address='127.0.0.1', port=0, verbose=False); s.start()\n"
    "h, p = s.get_host_and_port(); print(f'http://{h}:{p}', flush=True)\n"
    "time.sleep(10**6)\n"
)


async def start(argv: list[str]) -> tuple[asyncio.subprocess.Process, str]:
    """Start a server process and wait for the URL it prints."""
    process = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL
    )
    assert process.stdout is not None
    while True:
        line = (await process.stdout.readline()).decode()
        if not line:
            raise RuntimeError(f"{argv[:3]} exited before listening")
        match = LISTENING.search(line)
        if match:
            return process, match.group(1)


async def measure(
    send: Callable[[int], Awaitable[object]], requests: int, concurrency: int
) -> float:
    """Client CPU microseconds per request for ``requests`` calls of ``send``."""
    for i in range(min(50, requests)):  # warm up: connections, caches
        await send(i)
    queue = iter(range(requests))
    start = time.process_time()

    async def worker() -> None:
        for i in queue:
            await send(i)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return (time.process_time() - start) / requests * 1e6


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--size", type=int, default=4096)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--moto", action="store_true", help="also against moto")
    args = parser.parse_args()

    body = os.urandom(args.size)
    sha = hashlib.sha256(body).hexdigest()
    processes = []
    with tempfile.TemporaryDirectory() as data_dir:
        plain, plain_url = await start([sys.executable, "-c", PLAIN_SERVER])
        processes.append(plain)
        emu, emu_url = await start(
            [sys.executable, "-m", "aioglacier.emulator", "--data-dir", data_dir, "--port", "0"]
        )
        processes.append(emu)
        moto_url = None
        if args.moto:
            moto, moto_url = await start([sys.executable, "-c", MOTO_SERVER])
            processes.append(moto)
        try:
            connector = aiohttp.TCPConnector(limit=args.concurrency * 2)
            async with aiohttp.ClientSession(connector=connector) as session:
                retry = RetryPolicy(max_attempts=1, rng=random.Random(0))

                def s3(url: str, creds: Credentials) -> S3Api:
                    signer = SigV4Signer.for_s3(creds, "us-east-1")
                    limiter = RequestLimiter(args.concurrency)
                    return S3Api(session, url, signer, limiter, retry, addressing=Addressing.PATH)

                def glacier(url: str, creds: Credentials) -> GlacierApi:
                    signer = SigV4Signer(creds, "us-east-1", "glacier")
                    return GlacierApi(session, url, signer, RequestLimiter(args.concurrency), retry)

                s3_plain = s3(plain_url, DEFAULT_CREDENTIALS)
                glacier_plain = glacier(plain_url, DEFAULT_CREDENTIALS)
                glacier_emu = glacier(emu_url, DEFAULT_CREDENTIALS)
                await glacier_emu.create_vault("bench")
                rows: dict[str, Callable[[int], Awaitable[object]]] = {
                    "S3Api.put_object -> plain aiohttp": lambda i: s3_plain.put_object(
                        "bench",
                        f"dir/file-{i:07d}.jpg",
                        body,
                        sha256=sha,
                        storage_class="DEEP_ARCHIVE",
                        metadata={"mtime": "1577934245.123456789", "treehash": sha},
                    ),
                    "GlacierApi.upload_archive -> plain aiohttp": lambda i: (
                        glacier_plain.upload_archive(
                            "bench", body, description=f"mt2 file-{i}", tree_hash=sha, sha256=sha
                        )
                    ),
                    "GlacierApi.upload_archive -> emulator": lambda i: glacier_emu.upload_archive(
                        "bench", body, description=f"mt2 file-{i}", tree_hash=sha, sha256=sha
                    ),
                }
                if moto_url is not None:
                    s3_moto = s3(moto_url, Credentials("testing", "testing"))
                    await s3_moto.create_bucket("bench")
                    rows["S3Api.put_object -> moto"] = lambda i: s3_moto.put_object(
                        "bench",
                        f"dir/file-{i:07d}.jpg",
                        body,
                        sha256=sha,
                        storage_class="DEEP_ARCHIVE",
                    )
                best: dict[str, float] = {}
                for _ in range(args.repeat):
                    for name, send in rows.items():
                        n = args.requests if "moto" not in name else min(args.requests, 1000)
                        us = await measure(send, n, args.concurrency)
                        best[name] = min(best.get(name, us), us)
        finally:
            for process in processes:
                process.terminate()
                await process.wait()

    print(
        f"{args.size}-byte bodies, {args.requests} requests, {args.concurrency} in flight, "
        f"best of {args.repeat}; client CPU per request:"
    )
    for name, us in best.items():
        print(f"  {name:<46} {us:8.1f} us")


if __name__ == "__main__":
    try:
        import uvloop

        uvloop.run(main())
    except ImportError:
        asyncio.run(main())
