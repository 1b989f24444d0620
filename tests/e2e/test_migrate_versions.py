"""``migrate`` of a journal with several live archives of one name (older versions), end to end.

The vault's journal is made by the CLI: ``sync`` of a tree, then ``upload-file`` of new
contents of one file into the same vault with journals of their own, whose lines are then
appended to the first (mtglacier's journal of a file uploaded again without the first being
deleted: several live archives of one name). Against the emulator (vault and S3 on one
endpoint, real CLI processes) and, for the S3 side, moto in server mode (the engine with the
emulator's vault as source). What is checked: on a bucket with versioning enabled every
version is an object version, created oldest first (the latest is the current version), each
journaled in ``J2`` with its ``s3v:`` id; on an unversioned bucket only the latest is copied and
each older archive is reported skipped with its reason (text and ``--json``), and
``--delete-source`` never deletes it; a migration killed with SIGKILL mid-way through the
versions and run again uploads nothing twice and keeps the versions in order.
"""

from __future__ import annotations

import asyncio
import json
import random
import signal
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer

from aioglacier import Client, ClientSettings, RetryPolicy
from aioglacier.backends.glacier.backend import GlacierBackend
from aioglacier.backends.s3 import S3Backend
from aioglacier.emulator import Emulator
from aioglacier.engine.migrate import migrate
from aioglacier.journal import Created, read_journal
from aioglacier.polling import Polling
from aioglacier.sigv4 import Credentials
from aioglacier.treehash import MIB, tree_hash

from .conftest import write

CLI = [sys.executable, "-m", "aioglacier"]

#: A vault job (3-5 hours) in about a second.
DELAY_SCALE = 1.0 / (12 * 3600)

BUCKET = "the-bucket"
NAME = "dir/f ünï.bin"
#: The versions of NAME in upload order, with their mtimes: the first is multipart (two 8 MiB
#: segments); the third, uploaded last, has the oldest mtime, so the journal's order (by mtime)
#: is V3, V1, V2 and its latest is V2.
V1 = (random.Random(11).randbytes(9 * MIB + 3), 1_600_000_100)
V2 = (b"the latest version\n", 1_600_000_200)
V3 = (b"an old copy, uploaded last\n", 1_600_000_000)
ORDER = [V3, V1, V2]  # oldest first
OTHER = ("other.txt", b"one version only\n", 1_600_000_300)


def args(emu: Emulator) -> list[str]:
    c = emu.credentials
    return ["--endpoint-url", emu.url, "--key", c.access_key, "--secret", c.secret_key]


async def run(emu: Emulator, *argv: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        *CLI,
        *argv,
        *args(emu),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=180)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def ok(emu: Emulator, *argv: str) -> str:
    code, out, err = await run(emu, *argv)
    assert code == 0, err
    return out + err


async def versions_vault(emu: Emulator, tmp_path: Path) -> Path:
    """A vault holding NAME three times and OTHER once; its journal J lists all four."""
    src, journal = tmp_path / "src", tmp_path / "J"
    await ok(emu, "create-vault", "vault")
    write(src, OTHER[0], OTHER[1], OTHER[2])
    for n, (data, mtime) in enumerate([V1, V2, V3]):
        write(src, NAME, data, mtime)
        if n == 0:
            await ok(emu, "sync", "--dir", str(src), "--vault", "vault", "--journal", str(journal))
            continue
        # upload-file refuses a name its journal has: a journal of its own, appended to J.
        more = tmp_path / f"J.more{n}"
        await ok(
            emu,
            "upload-file",
            "--vault",
            "vault",
            "--journal",
            str(more),
            "--dir",
            str(src),
            "--filename",
            str(src / NAME),
        )
        with journal.open("a") as f:
            f.write(more.read_text())
    state = read_journal(journal)
    assert [(r.size, r.mtime) for r in state.versions(NAME)] == [(len(d), m) for d, m in ORDER]
    assert len(state.archives) == 4
    return journal


def migrate_args(journal: Path, *more: str) -> list[str]:
    return [
        "migrate",
        "--vault",
        "vault",
        "--journal",
        str(journal),
        "--bucket",
        BUCKET,
        "--prefix",
        "moved",
        "--new-journal",
        f"{journal}2",
        "--segment-size",
        "8",
        "--wait",
        *more,
    ]


def rows(path: Path) -> list[list[str]]:
    """A journal's lines split on TAB, without the time field."""
    out = []
    for line in path.read_text().splitlines():
        fields = line.split("\t")
        out.append([fields[0], *fields[2:]])
    return out


def row(archive_id: str, data: bytes, mtime: int, name: str = NAME) -> list[str]:
    th = tree_hash(data).hex()
    return ["B", "CREATED", archive_id, str(len(data)), str(mtime), th, name]


def older_reason(record: Created, latest: Created, target: str) -> str:
    return (
        f"older version (archive {record.archive_id}), not migrated: {target} keeps no "
        f"versions (versioning is not enabled), so only the latest archive of the name, "
        f"{latest.archive_id}, is copied; this one stays in the vault"
    )


@pytest.fixture
async def emu(tmp_path: Path) -> AsyncIterator[Emulator]:
    async with Emulator(tmp_path / "emu", job_delay_scale=DELAY_SCALE, faults="seed=1") as emu:
        yield emu


async def test_a_versioned_bucket_gets_every_version_oldest_first(
    emu: Emulator, tmp_path: Path
) -> None:
    journal = await versions_vault(emu, tmp_path)
    await ok(emu, "create-bucket", BUCKET, "--versioning")
    out = await ok(emu, *migrate_args(journal))
    assert "migrate: 4 migrated, 0 skipped, 0 failed" in out
    key = f"moved/{NAME}"
    versions = [o for o in await emu.objects(BUCKET, versions=True) if o.key == key]
    versions.reverse()  # the emulator lists newest first
    assert [await emu.read_object(BUCKET, key, v.version_id) for v in versions] == [
        d for d, _ in ORDER
    ]
    assert [v.is_latest for v in versions] == [False, False, True]
    assert [v.metadata["mtime"] for v in versions] == [str(m) for _, m in ORDER]
    assert await emu.read_object(BUCKET, key) == V2[0]  # the journal's latest is current
    # J2: one line per version, oldest first, each with its version id.
    [other] = [o for o in await emu.objects(BUCKET) if o.key == f"moved/{OTHER[0]}"]
    j2 = Path(f"{journal}2")
    name_rows = [r for r in rows(j2) if r[-1] == NAME]
    assert name_rows == [
        row(f"s3v:{v.version_id}", d, m) for v, (d, m) in zip(versions, ORDER, strict=True)
    ]
    assert [r for r in rows(j2) if r[-1] != NAME] == [
        row(f"s3v:{other.version_id}", OTHER[1], OTHER[2], OTHER[0])
    ]
    assert read_journal(j2).files[NAME].archive_id == f"s3v:{versions[-1].version_id}"
    # A rerun copies nothing and asks for nothing.
    assert emu.faults is not None
    jobs = emu.faults.jobs
    again = await ok(emu, *migrate_args(journal))
    assert "migrate: 0 migrated, 4 skipped, 0 failed" in again
    assert emu.faults.jobs == jobs == 4
    # The bucket's commands take J2: a restore gets the current version.
    dst = tmp_path / "dst"
    dst.mkdir()
    target = ["--bucket", BUCKET, "--prefix", "moved", "--journal", str(j2)]
    await ok(emu, "restore", "--dir", str(dst), *target, "--max-number-of-files", "10")
    await ok(emu, "restore-completed", "--dir", str(dst), *target, "--wait")
    assert dst.joinpath(*NAME.split("/")).read_bytes() == V2[0]


async def test_an_unversioned_bucket_gets_the_latest_and_reports_each_older_one(
    emu: Emulator, tmp_path: Path
) -> None:
    journal = await versions_vault(emu, tmp_path)
    await ok(emu, "create-bucket", BUCKET)
    state = read_journal(journal)
    v3, v1, v2 = state.versions(NAME)
    target = f"bucket {BUCKET}/moved"
    code, out, err = await run(emu, *migrate_args(journal, "--delete-source", "--json"))
    assert code == 0, err
    events = [json.loads(line) for line in out.splitlines()]
    skipped = [(e["relfilename"], e["reason"]) for e in events if e["kind"] == "skipped"]
    assert skipped == [(NAME, older_reason(r, v2, target)) for r in (v3, v1)]
    [finished] = [e for e in events if e["kind"] == "finished"]
    assert (finished["done"], finished["skipped"], finished["failed"]) == (2, 2, 0)
    # Only the latest became the object; J2 holds it alone.
    key = f"moved/{NAME}"
    [obj] = [o for o in await emu.objects(BUCKET, versions=True) if o.key == key]
    assert await emu.read_object(BUCKET, key) == V2[0]
    j2 = read_journal(Path(f"{journal}2"))
    name_rows = [r for r in rows(Path(f"{journal}2")) if r[-1] == NAME]
    assert name_rows == [row(j2.files[NAME].archive_id, *V2)]
    assert j2.files[NAME].archive_id.startswith("s3:")
    # --delete-source deleted what was copied, never a skipped older version.
    left = {a.archive_id for a in await emu.archives("vault")}
    assert left == {v3.archive_id, v1.archive_id}
    deleted = [r for r in rows(journal) if r[1] == "DELETED"]
    assert sorted(deleted) == sorted(
        [["B", "DELETED", state.files[n].archive_id, n] for n in (NAME, OTHER[0])]
    )
    assert set(read_journal(journal).archives) == {v3.archive_id, v1.archive_id}
    assert obj.is_latest
    # The next run (text output): J's latest of the name is now v1, older than the object's
    # mtime; it is not copied over the newer object, and not deleted.
    code, out, err = await run(emu, *migrate_args(journal, "--delete-source"))
    assert code == 0, err
    assert (
        f"skipped: {NAME}: older version (archive {v1.archive_id}), not migrated: a version "
        f"with a later mtime ({V2[1]}) is already in the bucket and copying this one now "
        "would make it the current object; it stays in the vault"
    ) in err
    assert f"skipped: {NAME}: {older_reason(v3, v1, target)}" in err
    assert "migrate: 0 migrated, 2 skipped, 0 failed" in err  # OTHER left J with its delete
    assert await emu.read_object(BUCKET, key) == V2[0]
    assert {a.archive_id for a in await emu.archives("vault")} == left


async def test_dry_run_names_the_versions_it_leaves(emu: Emulator, tmp_path: Path) -> None:
    journal = await versions_vault(emu, tmp_path)
    await ok(emu, "create-bucket", BUCKET)
    state = read_journal(journal)
    _, v1, v2 = state.versions(NAME)
    out = await ok(emu, *migrate_args(journal, "--dry-run"))
    assert f"Will MIGRATE archive {v2.archive_id} (file {NAME})" in out
    assert f"Will MIGRATE archive {v1.archive_id}" not in out
    size = len(V1[0]) + len(V3[0])
    assert (
        f"  not migrated: 2 older versions ({size:,} bytes), each skipped with its reason, "
        "stay in the vault: $"
    ) in out
    assert "migrate: 2 archives to migrate (dry run: nothing asked)" in out
    assert emu.faults is not None
    assert emu.faults.jobs == 0


async def test_kill_9_mid_versions_then_rerun_uploads_nothing_twice(
    emu: Emulator, tmp_path: Path
) -> None:
    journal = await versions_vault(emu, tmp_path)
    await ok(emu, "create-bucket", BUCKET, "--versioning")
    assert emu.faults is not None
    # The oldest version (V3) is put, the next one's (V1's) first part goes through and its
    # second is held: the kill comes in the middle of the versions, the latest not started.
    gate = emu.hold("s3.upload_part", after=1)
    argv = migrate_args(journal, "--concurrency", "1", "--json")
    proc = await asyncio.create_subprocess_exec(
        *CLI, *argv, *args(emu), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    assert proc.stdout is not None
    done: list[str] = []
    while len(done) < 2:  # the oldest version of NAME and OTHER
        line = await asyncio.wait_for(proc.stdout.readline(), timeout=120)
        assert line, "the migration ended before its kill point"
        event = json.loads(line)
        if event["kind"] == "done":
            done.append(event["relfilename"])
    await gate.holding()
    proc.kill()
    await proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    assert sorted(done) == sorted([NAME, OTHER[0]])
    gate.open()
    await emu.idle()
    assert emu.faults.requests["s3.put_object"] == 2
    assert emu.faults.requests["s3.create_multipart_upload"] == 1
    # The rerun takes up the upload, then copies the third version.
    out = await ok(emu, *migrate_args(journal, "--concurrency", "1"))
    assert "migrate: 2 migrated, 2 skipped, 0 failed" in out
    assert emu.faults.jobs == 4  # no job asked twice
    assert emu.faults.requests["initiate_job"] == 4
    assert emu.faults.requests["s3.put_object"] == 3  # V3, OTHER, then V2: each once
    assert emu.faults.requests["s3.create_multipart_upload"] == 1
    assert emu.faults.requests["s3.complete_multipart_upload"] == 1
    assert emu.faults.requests["s3.upload_part"] <= 3  # the held part, at most sent again
    key = f"moved/{NAME}"
    versions = [o for o in await emu.objects(BUCKET, versions=True) if o.key == key]
    versions.reverse()
    assert [await emu.read_object(BUCKET, key, v.version_id) for v in versions] == [
        d for d, _ in ORDER
    ]
    j2 = Path(f"{journal}2")
    assert [r for r in rows(j2) if r[-1] == NAME] == [
        row(f"s3v:{v.version_id}", d, m) for v, (d, m) in zip(versions, ORDER, strict=True)
    ]
    assert len(rows(j2)) == 4  # each version journaled once
    assert await emu.multipart_uploads(BUCKET) == []


# ------------------------------------------------------------------------- the S3 side on moto


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def _moto_versions(url: str, bucket: str, key: str) -> list[tuple[str, bool]]:
    """(version id, is latest) of ``key``, oldest first, as boto3 lists them."""
    s3 = boto3.client(
        "s3",
        endpoint_url=url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    listed = s3.list_object_versions(Bucket=bucket, Prefix=key).get("Versions", [])
    found = [(v["VersionId"], v["IsLatest"], v["LastModified"]) for v in listed if v["Key"] == key]
    # Newest first, as S3 lists them.
    return [(vid, latest) for vid, latest, _ in reversed(found)]


def _client(url: str, credentials: Credentials) -> Client:
    settings = ClientSettings(endpoint_url=url, credentials=credentials, max_attempts=4)
    return Client(settings, retry=RetryPolicy(max_attempts=4, base_delay=0.005, max_delay=0.05))


@pytest.mark.parametrize("versioning", [True, False], ids=["versioned", "unversioned"])
async def test_moto_bucket_from_the_emulators_vault(
    emu: Emulator, tmp_path: Path, moto_url: str, versioning: bool
) -> None:
    journal = await versions_vault(emu, tmp_path)
    state = read_journal(journal)
    v3, v1, v2 = state.versions(NAME)
    bucket = f"mig-{random.randrange(16**10):010x}"
    async with (
        _client(emu.url, emu.credentials) as vault_side,
        _client(moto_url, Credentials("testing", "testing")) as s3_side,
    ):
        await s3_side.s3.create_bucket(bucket)
        if versioning:
            await s3_side.s3.put_bucket_versioning(bucket, enabled=True)
        dest = S3Backend(s3_side.s3, bucket, "moved", "STANDARD")
        await dest.ensure_exists()
        assert dest.capabilities.versioned is versioning
        j2 = tmp_path / "J2"
        result = await migrate(
            GlacierBackend(vault_side.api, "vault"),
            dest,
            journal_path=journal,
            new_journal_path=j2,
            segment_size=8 * MIB,
            polling=Polling(wait=True, poll=lambda n: 0.5),
        )
        assert not result.failed
        key = f"moved/{NAME}"
        async with s3_side.s3.get_object(bucket, key) as current:
            assert await current.read() == V2[0]
        if versioning:
            assert len(result.done) == 4
            listed = await asyncio.to_thread(_moto_versions, moto_url, bucket, key)
            assert [latest for _, latest in listed] == [False, False, True]
            bodies = []
            for vid, _ in listed:
                async with s3_side.s3.get_object(bucket, key, version_id=vid) as got:
                    bodies.append(await got.read())
            assert bodies == [d for d, _ in ORDER]
            assert [r for r in rows(j2) if r[-1] == NAME] == [
                row(f"s3v:{vid}", d, m) for (vid, _), (d, m) in zip(listed, ORDER, strict=True)
            ]
        else:
            assert len(result.done) == 2
            target = f"bucket {bucket}/moved"
            assert [(o.archive_id, o.detail) for o in result.skipped] == [
                (r.archive_id, older_reason(r, v2, target)) for r in (v3, v1)
            ]
            [name_row] = [r for r in rows(j2) if r[-1] == NAME]
            assert name_row[2].startswith("s3:")
            assert name_row == row(name_row[2], *V2)
    assert {a.archive_id for a in await emu.archives("vault")} == set(state.archives)
