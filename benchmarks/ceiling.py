"""The ceiling client: a plain aiohttp client that does only the sending.

``python -m benchmarks.ceiling --api vault|s3 --url URL --target NAME --src DIR ...`` uploads
every file under ``DIR`` the way the API wants (the vault: Upload Archive up to the part size,
multipart above it; S3: PutObject up to the part size, multipart above it) with as little client
work as possible: bodies of files up to the part size are read, hashed and their requests signed
before the clock starts; parts of larger files are hashed before the clock and read with
``os.pread`` from the page cache while it runs. No journal, no retries, no progress.

It prints one JSON line with the seconds and CPU seconds of its timed phase only (not its start,
imports or precomputation): the figures the other tools are compared against. Credentials come
from ``AWS_ACCESS_KEY_ID`` and ``AWS_SECRET_ACCESS_KEY``.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import re
import resource
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp
from multidict import CIMultiDict
from yarl import URL

from aioglacier.sigv4 import Credentials, SigV4Signer
from aioglacier.treehash import TreeHasher, tree_hash_from_parts

__all__ = ["main"]

_GLACIER_VERSION = "2012-06-01"
_EMPTY = hashlib.sha256(b"").hexdigest()
_UPLOAD_ID = re.compile(rb"<UploadId>([^<]+)</UploadId>")


def _cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


@dataclass
class _File:
    rel: str
    path: Path
    size: int
    body: bytes | None = None  # whole body, for single-request uploads
    headers: dict[str, str] = field(default_factory=dict)  # signed, for single-request uploads
    parts: list[tuple[str, str]] = field(default_factory=list)  # (tree hash, sha256) per part


class _Ceiling:
    def __init__(self, args: argparse.Namespace, credentials: Credentials) -> None:
        self.args = args
        self.api: str = args.api
        self.url: str = args.url.rstrip("/")
        self.target: str = args.target
        self.prefix: str = args.prefix
        self.part: int = args.partsize
        self.signer = SigV4Signer(
            credentials, args.region, "glacier" if self.api == "vault" else "s3"
        )
        self.sem = asyncio.Semaphore(args.concurrency)
        self.fds: dict[str, int] = {}

    # ------------------------------------------------------------------------- preparation

    def file_url(self, f: _File) -> str:
        if self.api == "vault":
            return f"{self.url}/-/vaults/{self.target}/archives"
        return f"{self.url}/{self.target}/{quote(self.prefix + f.rel, safe='/-_.~')}"

    def signed(self, method: str, url: str, headers: dict[str, str], sha: str) -> dict[str, str]:
        all_headers = dict(headers)
        if self.api == "vault":
            all_headers["x-amz-glacier-version"] = _GLACIER_VERSION
        all_headers["x-amz-content-sha256"] = sha
        all_headers.update(self.signer.sign(method, url, all_headers, sha))
        return all_headers

    def prepare(self, f: _File) -> None:
        if f.size <= self.part:
            body = f.path.read_bytes()
            sha = hashlib.sha256(body).hexdigest()
            headers = {"Content-Type": "application/octet-stream"}
            if self.api == "vault":
                hasher = TreeHasher()
                hasher.update(body)
                headers["x-amz-sha256-tree-hash"] = hasher.hexdigest()
                headers["x-amz-archive-description"] = f.rel
            else:
                headers["x-amz-storage-class"] = self.args.storage_class
            f.body = body
            f.headers = self.signed(
                "POST" if self.api == "vault" else "PUT", self.file_url(f), headers, sha
            )
            return
        with open(f.path, "rb") as stream:
            while chunk := stream.read(self.part):
                hasher = TreeHasher()
                hasher.update(chunk)
                f.parts.append((hasher.hexdigest(), hasher.sha256_hexdigest()))

    # ------------------------------------------------------------------------------ sending

    async def request(
        self,
        session: aiohttp.ClientSession,
        method: str,
        url: str,
        headers: dict[str, str],
        body: bytes | None,
        expect: int,
    ) -> tuple[CIMultiDict[str], bytes]:
        async with (
            self.sem,
            session.request(method, URL(url, encoded=True), headers=headers, data=body) as resp,
        ):
            data = await resp.read()
            if resp.status != expect:
                raise RuntimeError(f"{method} {url}: HTTP {resp.status} {data[:300]!r}")
            return CIMultiDict(resp.headers), data

    async def single(self, session: aiohttp.ClientSession, f: _File) -> None:
        method = "POST" if self.api == "vault" else "PUT"
        expect = 201 if self.api == "vault" else 200
        await self.request(session, method, self.file_url(f), f.headers, f.body, expect)

    async def read_part(self, f: _File, index: int) -> bytes:
        fd = self.fds.get(f.rel)
        if fd is None:
            fd = self.fds[f.rel] = os.open(f.path, os.O_RDONLY)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, os.pread, fd, self.part, index * self.part)

    async def multipart_vault(self, session: aiohttp.ClientSession, f: _File) -> None:
        base = f"{self.url}/-/vaults/{self.target}/multipart-uploads"
        init = {"x-amz-part-size": str(self.part), "x-amz-archive-description": f.rel}
        headers, _ = await self.request(
            session, "POST", base, self.signed("POST", base, init, _EMPTY), None, 201
        )
        upload = f"{base}/{headers['x-amz-multipart-upload-id']}"

        async def part(i: int) -> None:
            body = await self.read_part(f, i)
            tree, sha = f.parts[i]
            start = i * self.part
            h = {
                "Content-Range": f"bytes {start}-{start + len(body) - 1}/*",
                "x-amz-sha256-tree-hash": tree,
                "Content-Type": "application/octet-stream",
            }
            await self.request(
                session, "PUT", upload, self.signed("PUT", upload, h, sha), body, 204
            )

        await asyncio.gather(*(part(i) for i in range(len(f.parts))))
        total = tree_hash_from_parts([bytes.fromhex(t) for t, _ in f.parts]).hex()
        done = {"x-amz-archive-size": str(f.size), "x-amz-sha256-tree-hash": total}
        await self.request(
            session, "POST", upload, self.signed("POST", upload, done, _EMPTY), None, 201
        )

    async def multipart_s3(self, session: aiohttp.ClientSession, f: _File) -> None:
        key_url = self.file_url(f)
        init_url = f"{key_url}?uploads"
        init = {"x-amz-storage-class": self.args.storage_class}
        _, data = await self.request(
            session, "POST", init_url, self.signed("POST", init_url, init, _EMPTY), None, 200
        )
        match = _UPLOAD_ID.search(data)
        if match is None:
            raise RuntimeError(f"CreateMultipartUpload: no UploadId in {data[:300]!r}")
        upload_id = quote(match.group(1).decode(), safe="-_.~")
        etags: dict[int, str] = {}

        async def part(i: int) -> None:
            body = await self.read_part(f, i)
            _, sha = f.parts[i]
            u = f"{key_url}?partNumber={i + 1}&uploadId={upload_id}"
            headers, _ = await self.request(
                session, "PUT", u, self.signed("PUT", u, {}, sha), body, 200
            )
            etags[i + 1] = headers.get("ETag", "")

        await asyncio.gather(*(part(i) for i in range(len(f.parts))))
        xml = "".join(
            f"<Part><PartNumber>{n}</PartNumber><ETag>{etags[n]}</ETag></Part>"
            for n in sorted(etags)
        )
        body = f"<CompleteMultipartUpload>{xml}</CompleteMultipartUpload>".encode()
        u = f"{key_url}?uploadId={upload_id}"
        sha = hashlib.sha256(body).hexdigest()
        await self.request(session, "POST", u, self.signed("POST", u, {}, sha), body, 200)

    async def run(self, files: list[_File]) -> dict[str, Any]:
        connector = aiohttp.TCPConnector(limit=self.args.concurrency, limit_per_host=0)
        async with aiohttp.ClientSession(
            connector=connector, skip_auto_headers=["User-Agent"]
        ) as s:
            jobs: list[Callable[[], Awaitable[None]]] = []
            for f in files:
                if f.body is not None:
                    jobs.append(lambda f=f: self.single(s, f))  # type: ignore[misc]
                elif self.api == "vault":
                    jobs.append(lambda f=f: self.multipart_vault(s, f))  # type: ignore[misc]
                else:
                    jobs.append(lambda f=f: self.multipart_s3(s, f))  # type: ignore[misc]
            cpu0 = _cpu()
            t0 = time.perf_counter()
            await asyncio.gather(*(job() for job in jobs))
            seconds = time.perf_counter() - t0
            cpu = _cpu() - cpu0
        for fd in self.fds.values():
            os.close(fd)
        return {"seconds": seconds, "cpu": cpu}


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, prepare, send, print the timed phase's figures as one JSON line."""
    ap = argparse.ArgumentParser(prog="python -m benchmarks.ceiling", description=__doc__)
    ap.add_argument("--api", choices=("vault", "s3"), required=True)
    ap.add_argument("--url", required=True)
    ap.add_argument("--target", required=True, help="vault or bucket")
    ap.add_argument("--prefix", default="", help="S3 key prefix")
    ap.add_argument("--src", required=True)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--partsize", type=int, default=16 * 1024 * 1024, help="bytes")
    ap.add_argument("--region", default="us-east-1")
    ap.add_argument("--storage-class", default="DEEP_ARCHIVE")
    args = ap.parse_args(argv)
    credentials = Credentials(os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"])
    src = Path(args.src)
    files = [
        _File(p.relative_to(src).as_posix(), p, p.stat().st_size)
        for p in sorted(src.rglob("*"))
        if p.is_file()
    ]
    ceiling = _Ceiling(args, credentials)
    for f in files:
        ceiling.prepare(f)
    try:
        import uvloop

        result = uvloop.run(ceiling.run(files))
    except ImportError:  # pragma: no cover - uvloop is a dependency off Windows
        result = asyncio.run(ceiling.run(files))
    result.update(files=len(files), bytes=sum(f.size for f in files))
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
