"""The CLI on buckets, end to end: real processes, real HTTP, against the emulator's S3 and moto.

Every command runs as its own ``python -m aioglacier`` process against a server started by the
test (no HTTP mocks). What is checked: the journal's exact lines (``s3:`` and ``s3v:`` archive
ids, ``RETRIEVE_JOB`` tokens ``restore:<Tier>:<days>``), byte-identical round trips with the
files' mtimes, restores that take time (``--wait``), replace-modified on versioned and
unversioned buckets never deleting the new upload, purges, and adopting a bucket written by
another tool.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import random
import re
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from moto.server import ThreadedMotoServer

from aioglacier.backends.s3 import Addressing, ObjectInfo, S3Api
from aioglacier.emulator import Emulator
from aioglacier.journal import read_journal
from aioglacier.limits import RequestLimiter
from aioglacier.retry import RetryPolicy
from aioglacier.sigv4 import Credentials, SigV4Signer
from aioglacier.treehash import MIB, tree_hash

from .conftest import write

CLI = [sys.executable, "-m", "aioglacier"]

#: 12 hours (DEEP_ARCHIVE's Standard tier) in about 1.5 s on the emulator.
DELAY_SCALE = 1.5 / (12 * 3600)


@dataclass
class Server:
    """An S3 endpoint the CLI is pointed at, and whether its restores take time."""

    name: str
    url: str
    credentials: Credentials
    slow_restores: bool
    emulator: Emulator | None = None

    @property
    def args(self) -> list[str]:
        keys = ["--key", self.credentials.access_key, "--secret", self.credentials.secret_key]
        return ["--endpoint-url", self.url, *keys]


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture(params=["emulator", "moto"])
async def server(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Server]:
    if request.param == "moto":
        url = request.getfixturevalue("moto_url")
        yield Server("moto", url, Credentials("testing", "testing"), slow_restores=False)
        return
    async with Emulator(tmp_path / "emu", job_delay_scale=DELAY_SCALE) as emu:
        yield Server("emulator", emu.url, emu.credentials, slow_restores=True, emulator=emu)


@pytest.fixture
async def s3(server: Server) -> AsyncIterator[S3Api]:
    """A client of our own to look at the bucket (HEAD, listing) as another tool would."""
    async with aiohttp.ClientSession() as session:
        yield S3Api(
            session,
            server.url,
            SigV4Signer.for_s3(server.credentials, "us-east-1"),
            RequestLimiter(4),
            RetryPolicy(max_attempts=2, base_delay=0.0),
            addressing=Addressing.PATH,
        )


async def run(server: Server | None, *args: str) -> tuple[int, str, str]:
    """Run the CLI (pointed at ``server`` unless None: an offline command)."""
    proc = await asyncio.create_subprocess_exec(
        *CLI,
        *args,
        *(server.args if server is not None else []),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=120)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def ok(server: Server, *args: str) -> str:
    code, _, err = await run(server, *args)
    assert code == 0, err
    return err


def bucket_name() -> str:
    return f"cli-{random.randrange(16**10):010x}"


def journal_rows(journal: Path) -> list[list[str]]:
    """The journal's lines split on TAB, without the time field."""
    rows = []
    for line in journal.read_text().splitlines():
        fields = line.split("\t")
        rows.append([fields[0], *fields[2:]])
    return rows


async def objects(s3: S3Api, bucket: str) -> dict[str, ObjectInfo]:
    return {o.key: await s3.head_object(bucket, o.key) async for o in s3.list_objects_v2(bucket)}


FILES = {
    "a.txt": (b"hello, deep archive\n", 1_577_934_245),
    "dir/b b.bin": (bytes(range(256)) * 40, 1_600_000_000),
    "dir/big.bin": (random.Random(7).randbytes(11 * MIB + 3), 1_500_000_000),  # 3 parts
}


def make_tree(base: Path) -> None:
    for name, (data, mtime) in FILES.items():
        write(base, name, data, mtime)


async def test_sync_restore_wait_round_trip(server: Server, s3: S3Api, tmp_path: Path) -> None:
    bucket = bucket_name()
    src, dst, journal = tmp_path / "src", tmp_path / "dst", tmp_path / "journal"
    make_tree(src)
    dst.mkdir()
    target = ["--bucket", bucket, "--prefix", "backup"]
    await ok(server, "create-bucket", bucket)
    err = await ok(
        server, "sync", "--dir", str(src), "--journal", str(journal), *target, "--partsize", "1"
    )
    assert "sync: 3 uploaded, 0 replaced, 0 deleted, 0 skipped, 0 failed" in err
    stored = await objects(s3, bucket)
    assert sorted(stored) == sorted(f"backup/{n}" for n in FILES)
    expected = []
    for name, (data, mtime) in sorted(FILES.items(), key=lambda kv: kv[0].encode()):
        info = stored[f"backup/{name}"]
        assert info.storage_class == "DEEP_ARCHIVE"
        assert info.metadata["mtime"] == str(mtime)
        # multipart objects too: the tree hash is read before CreateMultipartUpload
        assert info.metadata["tree-hash"] == tree_hash(data).hex()
        aid = "s3:" + info.metadata["archive-id"]
        expected.append(
            ["B", "CREATED", aid, str(len(data)), str(mtime), tree_hash(data).hex(), name]
        )
    assert sorted(journal_rows(journal), key=lambda r: r[-1].encode()) == expected
    ids = {row[-1]: row[2] for row in expected}

    # Nothing is readable before a restore: restore-completed says so and downloads nothing.
    code, _, err = await run(
        server, "restore-completed", "--dir", str(dst), "--journal", str(journal), *target
    )
    assert code == 0, err
    assert "restore-completed: 0 downloaded, 3 skipped, 0 failed" in err
    err = await ok(
        server,
        "restore",
        "--dir",
        str(dst),
        "--journal",
        str(journal),
        *target,
        "--max-number-of-files",
        "10",
        "--tier",
        "Bulk",
        "--restore-days",
        "3",
    )
    assert "restore: 3 retrieval jobs started, 0 skipped, 0 failed" in err
    retrieve = [r for r in journal_rows(journal) if r[1] == "RETRIEVE_JOB"]
    assert sorted(retrieve) == sorted(
        ["B", "RETRIEVE_JOB", aid, "restore:Bulk:3"] for aid in ids.values()
    )
    if server.slow_restores:  # asked again: in progress, nothing asked twice
        err = await ok(
            server,
            "restore",
            "--dir",
            str(dst),
            "--journal",
            str(journal),
            *target,
            "--max-number-of-files",
            "10",
        )
        assert "restore: 0 retrieval jobs started, 3 skipped, 0 failed" in err
        assert len([r for r in journal_rows(journal) if r[1] == "RETRIEVE_JOB"]) == 3
    err = await ok(
        server,
        "restore-completed",
        "--dir",
        str(dst),
        "--journal",
        str(journal),
        *target,
        "--wait",
        "--segment-size",
        "4",
    )
    assert "restore-completed: 3 downloaded, 0 skipped, 0 failed" in err
    for name, (data, mtime) in FILES.items():
        path = dst.joinpath(*name.split("/"))
        assert path.read_bytes() == data
        assert int(path.stat().st_mtime) == mtime


async def test_expedited_on_deep_archive_is_refused_up_front(
    server: Server, tmp_path: Path
) -> None:
    journal = tmp_path / "journal"
    journal.write_text("")
    code, out, err = await run(
        server,
        "restore",
        "--dir",
        str(tmp_path),
        "--journal",
        str(journal),
        "--bucket",
        "never-asked",
        "--max-number-of-files",
        "1",
        "--tier",
        "Expedited",
    )
    assert (code, out) == (2, "")
    assert err == (
        "aioglacier: the Expedited tier is not offered for DEEP_ARCHIVE (use Standard, about "
        "12 hours, or Bulk, about 48 hours)\n"
    )


@pytest.mark.parametrize("versioning", [False, True], ids=["unversioned", "versioned"])
async def test_replace_modified_never_deletes_the_new_upload(
    server: Server, s3: S3Api, tmp_path: Path, versioning: bool
) -> None:
    bucket = bucket_name()
    src, journal = tmp_path / "src", tmp_path / "journal"
    write(src, "f.txt", b"version one", 1_000_000)
    await ok(server, "create-bucket", bucket, *(["--versioning"] if versioning else []))
    target = ["--bucket", bucket, "--storage-class", "GLACIER_IR"]
    await ok(server, "sync", "--dir", str(src), "--journal", str(journal), *target)
    write(src, "f.txt", b"version two!", 2_000_000)
    err = await ok(
        server,
        "sync",
        "--dir",
        str(src),
        "--journal",
        str(journal),
        *target,
        "--replace-modified",
    )
    assert "sync: 0 uploaded, 1 replaced, 0 deleted, 0 skipped, 0 failed" in err
    rows = journal_rows(journal)
    assert [r[1] for r in rows] == ["CREATED", "CREATED", "DELETED"]
    old_id, new_id = rows[0][2], rows[1][2]
    assert rows[2] == ["B", "DELETED", old_id, "f.txt"]
    prefix = "s3v:" if versioning else "s3:"
    assert old_id.startswith(prefix)
    assert new_id.startswith(prefix)
    info = await s3.head_object(bucket, "f.txt")
    assert info.metadata["mtime"] == "2000000"
    async with s3.get_object(bucket, "f.txt") as body:
        assert await body.content.read() == b"version two!"
    if versioning:
        assert info.version_id == new_id[4:]
        if server.emulator is not None:  # exactly one version left, no delete marker
            versions = await server.emulator.objects(bucket, versions=True)
            assert [(v.version_id, v.delete_marker) for v in versions] == [(new_id[4:], False)]
    else:
        assert info.metadata["archive-id"] == new_id[3:]

    # purge deletes exactly what the journal holds: the bucket is empty after.
    err = await ok(server, "purge-vault", "--journal", str(journal), *target)
    assert "purge-vault: 1 archives deleted, 0 skipped, 0 failed" in err
    assert journal_rows(journal)[-1] == ["B", "DELETED", new_id, "f.txt"]
    assert [o async for o in s3.list_objects_v2(bucket)] == []


async def test_a_bucket_written_by_another_tool_is_adopted_and_restored(
    server: Server, s3: S3Api, tmp_path: Path
) -> None:
    bucket = bucket_name()
    await ok(server, "create-bucket", bucket)
    small, big = b"rclone wrote me", random.Random(3).randbytes(2 * MIB + 1)
    for key, data, meta in (
        ("photos/small.jpg", small, {"mtime": "1577934245.123456789"}),  # rclone's metadata
        ("photos/big.raw", big, {}),  # aws s3 sync: none
    ):
        await s3.put_object(
            bucket,
            key,
            data,
            sha256=hashlib.sha256(data).hexdigest(),
            storage_class="GLACIER",
            metadata=meta,
        )
    journal = tmp_path / "journal"
    target = ["--bucket", bucket, "--prefix", "photos", "--storage-class", "GLACIER"]
    err = await ok(server, "download-inventory", "--new-journal", str(journal), *target)
    assert "download-inventory: 2 archives written to" in err
    etag = {
        k: (await s3.head_object(bucket, k)).etag.strip('"')
        for k in ("photos/small.jpg", "photos/big.raw")
    }
    assert journal_rows(journal) == [
        [
            "B",
            "CREATED",
            "s3:" + etag["photos/big.raw"],
            str(len(big)),
            "NONE",
            "0" * 64,
            "big.raw",
        ],
        [
            "B",
            "CREATED",
            "s3:" + etag["photos/small.jpg"],
            str(len(small)),
            "1577934245",
            tree_hash(small).hex(),
            "small.jpg",
        ],
    ]
    dst = tmp_path / "dst"
    dst.mkdir()
    await ok(
        server, "restore", "--dir", str(dst), "--journal", str(journal), *target,
        "--max-number-of-files", "5",
    )  # fmt: skip
    err = await ok(
        server, "restore-completed", "--dir", str(dst), "--journal", str(journal), *target,
        "--wait",
    )  # fmt: skip
    assert "restore-completed: 2 downloaded, 0 skipped, 0 failed" in err
    assert "downloaded: big.raw (2.0 MiB, tree hash unknown: SHA-256 checked)" in err
    assert (dst / "big.raw").read_bytes() == big
    assert (dst / "small.jpg").read_bytes() == small
    assert int((dst / "small.jpg").stat().st_mtime) == 1577934245
    code, out, _ = await run(None, "check-local-hash", "--dir", str(dst), "--journal", str(journal))
    assert code == 0
    assert out.splitlines()[:2] == [
        f"OK big.raw {len(big)} (tree hash unknown: size checked)",
        f"OK small.jpg {len(small)} {tree_hash(small).hex()}",
    ]


async def test_round_trip_through_injected_faults(tmp_path: Path) -> None:
    # One S3 request in ten fails (500, throttling, resets, cut responses): every file still
    # goes up once and comes back byte-identical.
    faults = "seed=3,s3.*:500=0.04,s3.*:throttle=0.03,s3.*:reset=0.02,s3.get_object:truncate=0.03"
    async with Emulator(tmp_path / "emu", faults=faults) as emu:
        server = Server("emulator", emu.url, emu.credentials, slow_restores=False, emulator=emu)
        src, dst, journal = tmp_path / "src", tmp_path / "dst", tmp_path / "journal"
        rng = random.Random(11)
        files = {f"d{i % 4}/f{i}.bin": rng.randbytes(rng.randrange(0, 40_000)) for i in range(60)}
        files["big.bin"] = rng.randbytes(9 * MIB + 5)
        for name, data in files.items():
            write(src, name, data, 1_000_000 + len(data))
        dst.mkdir()
        target = ["--bucket", "faulty", "--storage-class", "GLACIER"]
        await ok(server, "create-bucket", "faulty")
        sync = ["sync", "--dir", str(src), "--journal", str(journal), *target, "--partsize", "1"]
        code, _, err = await run(server, *sync)
        assert "retrying " in err  # the faults were met
        if code != 0:  # a file whose every attempt failed: the rerun sends only what is left
            err = await ok(server, *sync)
        assert " 0 failed" in err
        assert sorted(read_journal(journal).files) == sorted(files)
        restore = [
            "restore", "--dir", str(dst), "--journal", str(journal), *target,
            "--max-number-of-files", "100",
        ]  # fmt: skip
        completed = ["restore-completed", "--dir", str(dst), "--journal", str(journal), *target]
        for command in (restore, completed):
            code, _, err = await run(server, *command)
            if code != 0:
                await ok(server, *command)
        for name, data in files.items():
            assert dst.joinpath(*name.split("/")).read_bytes() == data


async def test_kill_9_in_a_multipart_upload_then_a_rerun_resumes_it(tmp_path: Path) -> None:
    # Uploads trickle (2 MiB/s per request) and go one part at a time: once the first part is
    # reported sent, the second is in flight when the process is killed.
    async with Emulator(tmp_path / "emu", faults="bandwidth=2MiB/s") as emu:
        server = Server("emulator", emu.url, emu.credentials, slow_restores=False, emulator=emu)
        src, journal = tmp_path / "src", tmp_path / "journal"
        data = random.Random(5).randbytes(3 * 8 * MIB + 17)
        write(src, "big.bin", data, 1_234_567_890)
        await ok(server, "create-bucket", "resumable")
        sync = [
            "sync", "--dir", str(src), "--journal", str(journal), "--bucket", "resumable",
            "--partsize", "8", "--concurrency", "1",
        ]  # fmt: skip
        proc = await asyncio.create_subprocess_exec(
            *CLI, *sync, *server.args, "--json",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert proc.stdout is not None
        while b'"kind": "bytes"' not in (line := await proc.stdout.readline()):
            assert line, "the sync ended before a part was sent"
        proc.kill()
        await proc.wait()
        assert not journal.exists() or "CREATED" not in journal.read_text()
        [(key, _)] = await emu.multipart_uploads("resumable")
        assert key == "big.bin"
        err = await ok(server, *sync)
        assert re.search(r"resumed: [1-3] parts reused, [0-3] sent", err), err
        assert "sync: 1 uploaded, 0 replaced, 0 deleted, 0 skipped, 0 failed" in err
        assert await emu.multipart_uploads("resumable") == []
        assert await emu.read_object("resumable", "big.bin") == data
        [row] = journal_rows(journal)
        head = await emu.objects("resumable")
        assert row == [
            "B",
            "CREATED",
            "s3:" + head[0].metadata["archive-id"],
            str(len(data)),
            "1234567890",
            tree_hash(data).hex(),
            "big.bin",
        ]


@pytest.mark.slow
async def test_more_than_a_listing_page_of_objects_with_filters(tmp_path: Path) -> None:
    # 1,050 objects: the adoption lists two pages; restores honour filters and the maximum.
    async with Emulator(tmp_path / "emu") as emu:
        server = Server("emulator", emu.url, emu.credentials, slow_restores=False, emulator=emu)
        src, dst, journal = tmp_path / "src", tmp_path / "dst", tmp_path / "journal"
        for i in range(1050):
            write(src, f"d{i % 3}/f{i:04}.txt", f"file {i}\n".encode(), 1_000_000 + i)
        dst.mkdir()
        target = ["--bucket", "many", "--storage-class", "GLACIER", "--prefix", "p"]
        await ok(server, "create-bucket", "many")
        await ok(server, "sync", "--dir", str(src), "--journal", str(journal), *target)
        adopted = tmp_path / "adopted"
        err = await ok(server, "download-inventory", "--new-journal", str(adopted), *target)
        assert "download-inventory: 1050 archives written to" in err
        synced = {
            n: (r.archive_id, r.size, r.mtime, r.treehash)
            for n, r in read_journal(journal).files.items()
        }
        rebuilt = {
            n: (r.archive_id, r.size, r.mtime, r.treehash)
            for n, r in read_journal(adopted).files.items()
        }
        assert rebuilt == synced
        err = await ok(
            server, "restore", "--dir", str(dst), "--journal", str(adopted), *target,
            "--max-number-of-files", "5", "--include", "d1/*", "--exclude", "*",
        )  # fmt: skip
        assert "restore: 5 retrieval jobs started, 0 skipped, 0 failed" in err
        err = await ok(
            server, "restore-completed", "--dir", str(dst), "--journal", str(adopted), *target,
            "--include", "d1/*", "--exclude", "*",
        )  # fmt: skip
        assert "restore-completed: 5 downloaded, 345 skipped, 0 failed" in err
        restored = sorted(str(p.relative_to(dst)) for p in dst.rglob("*.txt"))
        assert restored == [f"d1/f{i:04}.txt" for i in range(1, 15, 3)]


async def test_a_sync_never_clobbers_an_object_it_did_not_write(
    server: Server, s3: S3Api, tmp_path: Path
) -> None:
    bucket = bucket_name()
    src, journal = tmp_path / "src", tmp_path / "journal"
    make_tree(src)
    await ok(server, "create-bucket", bucket)
    theirs = {}
    for key in ("a.txt", "dir/big.bin"):  # a small file's key and a multipart file's key
        body = f"another tool wrote {key}".encode()
        put = await s3.put_object(bucket, key, body, sha256=hashlib.sha256(body).hexdigest())
        theirs[key] = (put.etag, body)
    target = ["--bucket", bucket, "--storage-class", "STANDARD"]
    code, _, err = await run(
        server, "sync", "--dir", str(src), "--journal", str(journal), *target, "--partsize", "4"
    )
    assert code == 1, err
    for key in ("a.txt", "dir/big.bin"):
        assert (
            f"FAILED: {key}: not uploaded: key {key} already holds an object that the journal "
            "did not write (left as it is: adopt the bucket with download-inventory --bucket, "
            "or remove that object)\n"
        ) in err
    assert "sync: 1 uploaded, 0 replaced, 0 deleted, 0 skipped, 2 failed" in err
    assert [r[-1] for r in journal_rows(journal)] == ["dir/b b.bin"]
    for key, (etag, body) in theirs.items():
        assert (await s3.head_object(bucket, key)).etag == etag
        async with s3.get_object(bucket, key) as got:
            assert await got.content.read() == body
    assert await s3.list_multipart_uploads(bucket) == []


async def test_orphan_uploads_of_a_bucket_are_listed_and_purged(
    server: Server, s3: S3Api, tmp_path: Path
) -> None:
    bucket = bucket_name()
    src, journal = tmp_path / "src", tmp_path / "journal"
    write(src, "f.txt", b"the journal's version", 1_000_000)
    await ok(server, "create-bucket", bucket)
    # Left by a run killed before its resume store was written: then the file was synced.
    leftover = await s3.create_multipart_upload(bucket, "keep/f.txt")
    target = ["--bucket", bucket, "--prefix", "keep"]
    await ok(server, "sync", "--dir", str(src), "--journal", str(journal), *target)
    stranger = await s3.create_multipart_upload(bucket, "keep/other.bin")  # not the journal's
    outside = await s3.create_multipart_upload(bucket, "elsewhere/f.txt")  # not under the prefix
    uploads = {u.upload_id: u for u in await s3.list_multipart_uploads(bucket)}

    def started(upload_id: str) -> str:
        when = uploads[upload_id].initiated
        assert when is not None
        return when.isoformat().replace("+00:00", "Z")

    code, out, err = await run(server, "list-orphans", "--journal", str(journal), *target)
    assert code == 0, err
    assert sorted(out.splitlines()) == sorted(
        [
            f"upload\t{leftover}\t-\t{started(leftover)}\tf.txt\tours",
            f"upload\t{stranger}\t-\t{started(stranger)}\tother.bin\tunknown",
        ]
    )
    assert (
        f"list-orphans: 2 multipart uploads in progress in bucket {bucket}/keep not in the "
        "resume store (1 ours)\n"
    ) in err

    code, out, err = await run(
        server, "purge-orphans", "--journal", str(journal), *target, "--dry-run"
    )
    assert code == 0, err
    assert f"Will ABORT multipart upload {leftover} (file f.txt)" in out + err
    assert len(await s3.list_multipart_uploads(bucket)) == 3
    err = await ok(server, "purge-orphans", "--journal", str(journal), *target)
    assert "purge-orphans: 1 orphans removed, 1 skipped, 0 failed" in err
    left = {u.upload_id for u in await s3.list_multipart_uploads(bucket)}
    assert left == {stranger, outside}
    err = await ok(server, "purge-orphans", "--journal", str(journal), *target, "--all-orphans")
    assert "purge-orphans: 1 orphans removed, 0 skipped, 0 failed" in err
    assert {u.upload_id for u in await s3.list_multipart_uploads(bucket)} == {outside}
    assert len(journal_rows(journal)) == 1  # nothing written to the journal


async def test_list_jobs_of_a_bucket_shows_its_restores(
    server: Server, s3: S3Api, tmp_path: Path
) -> None:
    bucket = bucket_name()
    src, dst, journal = tmp_path / "src", tmp_path / "dst", tmp_path / "journal"
    write(src, "a.txt", b"restore me", 1_000_000)
    write(src, "b.txt", b"leave me", 1_000_000)
    dst.mkdir()
    await ok(server, "create-bucket", bucket)
    target = ["--bucket", bucket, "--prefix", "p"]
    await ok(server, "sync", "--dir", str(src), "--journal", str(journal), *target)
    code, out, err = await run(server, "list-jobs", *target)
    assert (code, out) == (0, ""), err
    await ok(
        server,
        "restore",
        "--dir",
        str(dst),
        "--journal",
        str(journal),
        *target,
        "--filter=+a.txt",
        "--filter=-*",
        "--max-number-of-files",
        "10",
    )
    # Once restored (restore-completed --wait), the same on every server: Succeeded, expiry.
    await ok(
        server, "restore-completed", "--dir", str(dst), "--journal", str(journal), *target, "--wait"
    )
    code, out, err = await run(server, "list-jobs", *target, "--json")
    assert code == 0, err
    [job] = [json.loads(line) for line in out.splitlines()]
    info = await s3.head_object(bucket, "p/a.txt")
    assert info.restore.expiry is not None
    expiry = info.restore.expiry.isoformat().replace("+00:00", "Z")
    assert job == {
        "Key": "p/a.txt",
        "StorageClass": "DEEP_ARCHIVE",
        "StatusCode": "Succeeded",
        "ExpiryDate": expiry,
    }
    code, out, _ = await run(server, "list-jobs", *target)
    assert out == f"p/a.txt\t{job['StatusCode']}\t{job['ExpiryDate'] or '-'}\tDEEP_ARCHIVE\n"


async def test_a_bucket_synced_in_parts_is_adopted_with_its_tree_hashes(
    server: Server, tmp_path: Path
) -> None:
    bucket = bucket_name()
    src, journal, adopted = tmp_path / "src", tmp_path / "journal", tmp_path / "adopted"
    make_tree(src)
    await ok(server, "create-bucket", bucket)
    target = ["--bucket", bucket, "--storage-class", "STANDARD"]
    await ok(server, "sync", "--dir", str(src), "--journal", str(journal), *target)
    await ok(server, "download-inventory", "--new-journal", str(adopted), *target)
    synced = sorted(journal_rows(journal), key=lambda r: r[-1].encode())
    assert journal_rows(adopted) == synced  # dir/big.bin (3 parts) has its tree hash
    assert [r[-2] for r in synced] == [tree_hash(FILES[r[-1]][0]).hex() for r in synced]


async def test_the_mtime_goes_up_with_its_nanoseconds_and_the_journal_stays_integer(
    server: Server, s3: S3Api, tmp_path: Path
) -> None:
    bucket = bucket_name()
    src, journal = tmp_path / "src", tmp_path / "journal"
    path = write(src, "f.txt", b"fractional", 1_577_934_245)
    os.utime(path, ns=(1_577_934_245_123_456_789, 1_577_934_245_123_456_789))
    await ok(server, "create-bucket", bucket)
    target = ["--bucket", bucket, "--storage-class", "STANDARD"]
    await ok(server, "sync", "--dir", str(src), "--journal", str(journal), *target)
    info = await s3.head_object(bucket, "f.txt")
    assert info.metadata["mtime"] == "1577934245.123456789"  # rclone's format
    [row] = journal_rows(journal)
    assert row[4] == "1577934245"  # mtglacier's: whole seconds
