"""Durability of the S3 side: kill -9 of an emulator process during PUTs loses no acknowledged
object or part; files nothing names are gone after a restart."""

from __future__ import annotations

import asyncio
import hashlib
import os
import signal
from pathlib import Path

import aiohttp
from emu_helpers import S3Raw
from test_durability import start_process

from aioglacier.emulator import DEFAULT_CREDENTIALS, Emulator

KILL_AFTER = 120
WORKERS = 16
PART = 5 * 1024 * 1024


async def test_kill_9_loses_no_acknowledged_object(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    process, url = await start_process(data_dir)
    acknowledged: dict[str, bytes] = {}
    client = S3Raw(url, DEFAULT_CREDENTIALS)
    stop = asyncio.Event()
    enough = asyncio.Event()
    died_under: list[int] = []
    try:
        assert (await client.request("PUT", "/bucket")).status == 200
        created = await client.request("POST", "/bucket/pending?uploads")
        upload_id = created.body.split(b"<UploadId>")[1].split(b"</UploadId>")[0].decode()
        first_part = os.urandom(PART)
        put = await client.request(
            "PUT", f"/bucket/pending?partNumber=1&uploadId={upload_id}", body=first_part
        )
        assert put.status == 200

        async def uploader(worker: int) -> None:
            n = 0
            while not stop.is_set():
                n += 1
                size = (worker * 7919 + n * 104729) % (300 * 1024)
                payload = os.urandom(size)
                key = f"w{worker}/{n}"
                try:
                    response = await client.request(
                        "PUT",
                        f"/bucket/{key}",
                        body=payload,
                        headers={"x-amz-storage-class": "DEEP_ARCHIVE"},
                    )
                except (aiohttp.ClientError, OSError):
                    died_under.append(worker)
                    return
                if response.status == 200:
                    assert response.headers["ETag"] == f'"{hashlib.md5(payload).hexdigest()}"'
                    acknowledged[key] = payload
                    if len(acknowledged) >= KILL_AFTER:
                        enough.set()

        workers = [asyncio.create_task(uploader(w)) for w in range(WORKERS)]
        await enough.wait()
        process.kill()
        await process.wait()
        await asyncio.gather(*workers)
    finally:
        stop.set()
        await client.close()
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == -signal.SIGKILL

    async with Emulator(data_dir) as emulator:
        stored = {o.key: o for o in await emulator.objects("bucket")}
        for key, payload in acknowledged.items():
            assert stored[key].size == len(payload)
            assert stored[key].storage_class == "DEEP_ARCHIVE"
            assert await emulator.read_object("bucket", key) == payload
        assert os.listdir(data_dir / "s3" / "tmp") == []
        # every blob is an object's or the pending upload's part
        assert (
            len(os.listdir(data_dir / "s3" / "blobs"))
            == len([o for o in stored.values() if o.size]) + 1
        )
        client = S3Raw(emulator.url, emulator.credentials)
        try:
            tail = b"tail"
            put = await client.request(
                "PUT", f"/bucket/pending?partNumber=2&uploadId={upload_id}", body=tail
            )
            assert put.status == 200
            etags = [f'"{hashlib.md5(p).hexdigest()}"' for p in (first_part, tail)]
            body = (
                "<CompleteMultipartUpload>"
                + "".join(
                    f"<Part><PartNumber>{n}</PartNumber><ETag>{e}</ETag></Part>"
                    for n, e in enumerate(etags, 1)
                )
                + "</CompleteMultipartUpload>"
            )
            done = await client.request(
                "POST", f"/bucket/pending?uploadId={upload_id}", body=body.encode()
            )
            assert done.status == 200, done.body
            assert await emulator.read_object("bucket", "pending") == first_part + tail
        finally:
            await client.close()
    assert len(acknowledged) >= KILL_AFTER
    assert sorted(died_under) == list(range(WORKERS))


async def test_s3_orphans_removed_on_open(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    async with Emulator(data_dir) as emulator:
        client = S3Raw(emulator.url, emulator.credentials)
        try:
            await client.request("PUT", "/bucket")
            await client.request("PUT", "/bucket/kept", body=b"kept")
        finally:
            await client.close()
    [kept] = os.listdir(data_dir / "s3" / "blobs")
    (data_dir / "s3" / "blobs" / "orphan").write_bytes(b"junk")
    (data_dir / "s3" / "tmp" / "partial").write_bytes(b"junk")
    async with Emulator(data_dir) as emulator:
        assert os.listdir(data_dir / "s3" / "blobs") == [kept]
        assert os.listdir(data_dir / "s3" / "tmp") == []
        assert await emulator.read_object("bucket", "kept") == b"kept"
