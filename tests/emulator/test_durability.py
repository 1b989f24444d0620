"""Durability: kill -9 of an emulator process during uploads loses no acknowledged archive."""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import signal
import sqlite3
import sys
from pathlib import Path

import aiohttp
from emu_helpers import RawClient, RawResponse

from aioglacier.emulator import DEFAULT_CREDENTIALS, Emulator
from aioglacier.treehash import MIB, tree_hash

#: Uploads acknowledged before the emulator is killed, and concurrent uploaders.
KILL_AFTER = 120
WORKERS = 16

LISTENING = re.compile(r"aioglacier emulator listening on (http://\S+)")


async def start_process(data_dir: Path, *extra: str) -> tuple[asyncio.subprocess.Process, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "aioglacier.emulator",
        "--data-dir",
        str(data_dir),
        "--port",
        "0",
        *extra,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    while True:
        line = (await asyncio.wait_for(process.stdout.readline(), 30)).decode()
        assert line, "the emulator exited before listening"
        match = LISTENING.search(line)
        if match:
            return process, match.group(1)


async def test_kill_9_loses_no_acknowledged_archive(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    process, url = await start_process(data_dir)
    acknowledged: dict[str, bytes] = {}
    client = RawClient(url, DEFAULT_CREDENTIALS)
    stop = asyncio.Event()
    enough = asyncio.Event()  # KILL_AFTER uploads acknowledged: time to kill
    died_under: list[int] = []  # workers whose request failed because the server died
    try:
        assert (await client.request("PUT", "/-/vaults/v")).status == 201
        # one completed multipart upload, one left half done
        data = os.urandom(2 * MIB + 7)
        initiated = await client.request(
            "POST", "/-/vaults/v/multipart-uploads", headers={"x-amz-part-size": str(MIB)}
        )
        upload_id = initiated.headers["x-amz-multipart-upload-id"]
        for start in range(0, len(data), MIB):
            part = data[start : start + MIB]
            assert (await put_part(client, upload_id, part, start)).status == 204
        done = await client.request(
            "POST",
            f"/-/vaults/v/multipart-uploads/{upload_id}",
            headers={
                "x-amz-archive-size": str(len(data)),
                "x-amz-sha256-tree-hash": tree_hash(data).hex(),
            },
        )
        assert done.status == 201
        acknowledged[done.headers["x-amz-archive-id"]] = data
        # and one upload with an acknowledged first part, to finish after the restart
        pending = await client.request(
            "POST", "/-/vaults/v/multipart-uploads", headers={"x-amz-part-size": str(MIB)}
        )
        pending_id = pending.headers["x-amz-multipart-upload-id"]
        first_part = os.urandom(MIB)
        assert (await put_part(client, pending_id, first_part, 0)).status == 204

        async def uploader(worker: int) -> None:
            n = 0
            while not stop.is_set():
                n += 1
                size = 1 + (worker * 7919 + n * 104729) % (300 * 1024)
                payload = os.urandom(size)
                try:
                    response = await client.upload("v", payload, description=f"{worker}-{n}")
                except (aiohttp.ClientError, OSError):
                    died_under.append(worker)  # the server died under us
                    return
                if response.status == 201:
                    acknowledged[response.headers["x-amz-archive-id"]] = payload
                    if len(acknowledged) >= KILL_AFTER:
                        enough.set()

        workers = [asyncio.create_task(uploader(w)) for w in range(WORKERS)]
        await enough.wait()
        process.kill()  # SIGKILL, while every worker is uploading
        await process.wait()
        await asyncio.gather(*workers)  # each ends on its first failed request
        stop.set()
    finally:
        stop.set()
        await client.close()
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == -signal.SIGKILL

    async with Emulator(data_dir) as emulator:
        stored = {a.archive_id: a for a in await emulator.archives("v")}
        for archive_id, payload in acknowledged.items():
            assert archive_id in stored
            assert stored[archive_id].size == len(payload)
            assert stored[archive_id].sha256_tree_hash == tree_hash(payload).hex()
            assert await emulator.read_archive("v", archive_id) == payload
        # nothing half-written is left behind: every file is named by committed metadata
        assert os.listdir(data_dir / "tmp") == []
        assert set(os.listdir(data_dir / "archives")) == set(stored)
        # the acknowledged part survived: finish that upload
        client = RawClient(emulator.url, emulator.credentials)
        try:
            second_part = b"tail"
            assert (await put_part(client, pending_id, second_part, MIB)).status == 204
            whole = first_part + second_part
            done = await client.request(
                "POST",
                f"/-/vaults/v/multipart-uploads/{pending_id}",
                headers={
                    "x-amz-archive-size": str(len(whole)),
                    "x-amz-sha256-tree-hash": tree_hash(whole).hex(),
                },
            )
            assert done.status == 201
            assert await emulator.read_archive("v", done.headers["x-amz-archive-id"]) == whole
        finally:
            await client.close()
    # At least KILL_AFTER uploads (and the multipart ones) were acknowledged before the kill, and
    # every worker was still uploading when it came: the kill hit uploads in flight. (How many
    # more were acknowledged between the count and the kill depends on the machine's speed,
    # so it is not asserted.)
    assert len(acknowledged) >= KILL_AFTER
    assert sorted(died_under) == list(range(WORKERS))


async def put_part(client: RawClient, upload_id: str, part: bytes, start: int) -> RawResponse:
    return await client.request(
        "PUT",
        f"/-/vaults/v/multipart-uploads/{upload_id}",
        body=part,
        headers={
            "Content-Range": f"bytes {start}-{start + len(part) - 1}/*",
            "x-amz-sha256-tree-hash": tree_hash(part).hex(),
            "x-amz-content-sha256": hashlib.sha256(part).hexdigest(),
        },
    )


async def test_orphans_removed_on_open(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    async with Emulator(data_dir) as emulator:
        client = RawClient(emulator.url, emulator.credentials)
        await client.request("PUT", "/-/vaults/v")
        kept = (await client.upload("v", b"kept")).headers["x-amz-archive-id"]
        await client.close()
    # a crash between rename and commit leaves a file no metadata names; and a temp file
    (data_dir / "archives" / "orphan").write_bytes(b"junk")
    (data_dir / "tmp" / "partial").write_bytes(b"junk")
    (data_dir / "uploads" / "stale").write_bytes(b"junk")
    async with Emulator(data_dir) as emulator:
        assert os.listdir(data_dir / "archives") == [kept]
        assert os.listdir(data_dir / "tmp") == []
        assert os.listdir(data_dir / "uploads") == []
        assert await emulator.read_archive("v", kept) == b"kept"
    with sqlite3.connect(data_dir / "emulator.sqlite3") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)


async def test_sigterm_stops_cleanly(tmp_path: Path) -> None:
    process, url = await start_process(tmp_path / "data", "--faults", "seed=2,*:slow=0")
    client = RawClient(url, DEFAULT_CREDENTIALS)
    try:
        assert (await client.request("GET", "/-/vaults")).status == 200
    finally:
        await client.close()
    process.send_signal(signal.SIGTERM)
    stdout, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, stderr.decode()
    assert stdout.decode().splitlines()[-1] == "stopping"


async def test_bad_fault_spec_on_command_line(tmp_path: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "aioglacier.emulator",
        "--data-dir",
        str(tmp_path),
        "--faults",
        "upload:500=1",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await process.communicate()
    assert process.returncode == 2
    assert "--faults: unknown operation 'upload' in fault rule" in stderr.decode()


async def test_run_emulator_forever_in_process(tmp_path: Path) -> None:
    from aioglacier.emulator import run_emulator_forever

    lines: list[str] = []
    stop = asyncio.Event()
    listening = asyncio.Event()

    def emit(line: str) -> None:
        lines.append(line)
        if "listening on" in line:
            listening.set()

    task = asyncio.create_task(
        run_emulator_forever(
            tmp_path / "d", None, None, None, "seed=4,job:fail=0.5", emit, stop=stop
        )
    )
    await listening.wait()
    url = LISTENING.search(lines[0])
    assert url is not None
    assert url.group(1).startswith("http://127.0.0.1:")
    client = RawClient(url.group(1), DEFAULT_CREDENTIALS)
    try:
        assert (await client.request("PUT", "/-/vaults/v")).status == 201
    finally:
        await client.close()
    stop.set()
    await task
    assert lines[1:] == [
        f"data directory: {tmp_path / 'd'}",
        "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE",
        "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "region: any (e.g. us-east-1); account id: - or 123456789012",
        "faults: seed=4,job:fail=0.5",
        "stopping",
    ]
