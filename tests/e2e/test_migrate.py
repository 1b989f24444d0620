"""``migrate`` and ``migration-names`` end to end: real CLI processes against one emulator that
serves both the vault API and S3 (no HTTP mocks).

A vault written by ``sync`` is migrated into a bucket with ``--wait`` (jobs that take time,
10% faults), then restored from the bucket by ``restore``/``restore-completed --bucket`` and
compared byte for byte with mtimes; a migration killed with SIGKILL at a point chosen by its
``--json`` events and run again asks no job twice, starts no upload twice and loses nothing; a
corrupted archive never becomes an object and ``--delete-source`` deletes only the migrated
archives; the ``migration-names`` CSV, parsed back with :mod:`csv`, is the journal.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import random
import signal
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from aioglacier.emulator import Emulator
from aioglacier.journal import read_journal
from aioglacier.treehash import MIB

from .conftest import write

CLI = [sys.executable, "-m", "aioglacier"]

#: A vault job (3-5 hours) and a DEEP_ARCHIVE restore (12 hours) in about a second.
DELAY_SCALE = 1.0 / (12 * 3600)

#: 10% of the requests the migration's reads and writes make fail (nothing done, or a cut
#: response), the retries absorb them.
FAULTS = (
    "seed=5,initiate_job:503=0.1,describe_job:503=0.1,list_jobs:throttle=0.1,"
    "get_job_output:500=0.1,get_job_output:truncate=0.1,s3.put_object:503=0.1,"
    "s3.create_multipart_upload:503=0.1,s3.upload_part:503=0.1,s3.list_parts:503=0.1,"
    "s3.complete_multipart_upload:503=0.1,s3.head_bucket:503=0.1,s3.get_object:503=0.1"
)

MTIME = 1_600_000_000
BIG = "nested/deep/big ünï.bin"

FILES = {
    "a.txt": b"hello, vault\n",
    'nested/b, "quoted".txt': b"commas and quotes in a name\n",
    "nested/ünïcödé/日本.txt": b"unicode" * 100,
    "nested/one": b"x",  # beside the empty file sync leaves out of a vault
    BIG: random.Random(3).randbytes(17 * MIB + 5),  # three 8 MiB segments
}


@pytest.fixture
async def emu(tmp_path: Path) -> AsyncIterator[Emulator]:
    async with Emulator(tmp_path / "emu", job_delay_scale=DELAY_SCALE, faults=FAULTS) as emu:
        yield emu


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


async def vault_of(emu: Emulator, tmp_path: Path, files: dict[str, bytes]) -> Path:
    src, journal = tmp_path / "src", tmp_path / "J"
    for name, data in files.items():
        write(src, name, data, MTIME)
    write(src, "nested/empty", b"", MTIME)
    await ok(emu, "create-vault", "vault")
    await ok(emu, "create-bucket", "the-bucket")
    await ok(emu, "sync", "--dir", str(src), "--vault", "vault", "--journal", str(journal))
    assert set(read_journal(journal).files) == set(files)
    return journal


def migrate_args(journal: Path, *more: str) -> list[str]:
    return [
        "migrate",
        "--vault",
        "vault",
        "--journal",
        str(journal),
        "--bucket",
        "the-bucket",
        "--prefix",
        "moved",
        "--new-journal",
        f"{journal}2",
        "--segment-size",
        "8",
        *more,
    ]


async def restore_from_bucket(emu: Emulator, j2: Path, dst: Path) -> None:
    dst.mkdir()
    target = ["--bucket", "the-bucket", "--prefix", "moved", "--journal", str(j2)]
    await ok(emu, "restore", "--dir", str(dst), *target, "--max-number-of-files", "100")
    out = await ok(emu, "restore-completed", "--dir", str(dst), *target, "--wait")
    assert f"restore-completed: {len(FILES)} downloaded, 0 skipped, 0 failed" in out


def tree(base: Path) -> dict[str, tuple[bytes, int]]:
    found = {}
    for path in base.rglob("*"):
        if path.is_file():
            rel = path.relative_to(base).as_posix()
            found[rel] = (path.read_bytes(), int(path.stat().st_mtime))
    return found


async def test_migrate_with_faults_then_restore_from_the_bucket(
    emu: Emulator, tmp_path: Path
) -> None:
    journal = await vault_of(emu, tmp_path, FILES)
    out = await ok(emu, *migrate_args(journal, "--wait"))
    assert f"migrate: {len(FILES)} migrated, 0 skipped, 0 failed" in out
    assert emu.faults is not None
    assert sum(emu.faults.injected.values()) > 0  # the faults did fire
    assert emu.faults.jobs == len(FILES)  # one job per archive, faults or not
    # J2 is the bucket's journal: the vault's names, sizes, mtimes and tree hashes.
    vault_state, bucket_state = read_journal(journal), read_journal(Path(f"{journal}2"))
    assert {n: (r.size, r.mtime, r.treehash) for n, r in bucket_state.files.items()} == {
        n: (r.size, r.mtime, r.treehash) for n, r in vault_state.files.items()
    }
    assert all(r.archive_id.startswith("s3:") for r in bucket_state.files.values())
    # A rerun has nothing to do and asks for nothing.
    out = await ok(emu, *migrate_args(journal, "--wait"))
    assert f"migrate: 0 migrated, {len(FILES)} skipped, 0 failed" in out
    assert emu.faults.jobs == len(FILES)
    # The vault is untouched without --delete-source.
    assert len(await emu.archives("vault")) == len(FILES)
    await restore_from_bucket(emu, Path(f"{journal}2"), tmp_path / "dst")
    assert tree(tmp_path / "dst") == {n: (d, MTIME) for n, d in FILES.items()}


async def _killed_after(
    emu: Emulator, argv: list[str], should_kill: Callable[[list[dict[str, object]]], bool]
) -> list[dict[str, object]]:
    """Run the CLI with --json and SIGKILL it once ``should_kill(events)`` says so."""
    proc = await asyncio.create_subprocess_exec(
        *CLI,
        *argv,
        "--json",
        *args(emu),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None
    events: list[dict[str, object]] = []
    killed = False
    while True:
        line = await asyncio.wait_for(proc.stdout.readline(), timeout=120)
        if not line:
            break
        events.append(json.loads(line))
        if should_kill(events):
            proc.kill()
            killed = True
            break
    await proc.communicate()
    assert killed, f"the run ended before its kill point: {events}"
    assert proc.returncode == -signal.SIGKILL
    return events


async def test_kill_9_then_rerun_asks_nothing_twice(tmp_path: Path) -> None:
    async with Emulator(tmp_path / "emu", job_delay_scale=DELAY_SCALE, faults="seed=1") as emu:
        assert emu.faults is not None
        journal = await vault_of(emu, tmp_path, FILES)
        argv = migrate_args(journal, "--wait", "--concurrency", "1")

        def after_first_part_of_big(events: list[dict[str, object]]) -> bool:
            return any(e["kind"] == "bytes" and e["relfilename"] == BIG for e in events)

        events = await _killed_after(emu, argv, after_first_part_of_big)
        done_before = {e["relfilename"] for e in events if e["kind"] == "done"}
        parts_before = emu.faults.requests["s3.upload_part"]
        assert parts_before >= 1
        # Killed again, in the second run's first round (the jobs are already there).
        await _killed_after(emu, argv, lambda evs: len(evs) >= 1)
        out = await ok(emu, *argv)
        assert "0 failed" in out
        # Every archive: one job, whatever the kills; one multipart upload for the big file,
        # taken up after each kill with its parts (at most the one in flight sent again).
        assert emu.faults.jobs == len(FILES)
        assert emu.faults.requests["initiate_job"] == len(FILES)
        assert emu.faults.requests["s3.create_multipart_upload"] == 1
        assert emu.faults.requests["s3.complete_multipart_upload"] == 1
        assert emu.faults.requests["s3.upload_part"] <= 3 + 2
        small = len(FILES) - 1
        assert small <= emu.faults.requests["s3.put_object"] <= small + 2
        state = read_journal(Path(f"{journal}2"))
        assert set(state.files) == set(FILES)
        lines = Path(f"{journal}2").read_text().splitlines()
        assert len(lines) == len(FILES)  # each object journaled once
        assert done_before <= set(state.files)
        await restore_from_bucket(emu, Path(f"{journal}2"), tmp_path / "dst")
        assert tree(tmp_path / "dst") == {n: (d, MTIME) for n, d in FILES.items()}


async def test_a_corrupted_archive_is_never_an_object_and_delete_source_spares_it(
    tmp_path: Path,
) -> None:
    async with Emulator(tmp_path / "emu", faults="seed=1") as emu:
        journal = await vault_of(emu, tmp_path, FILES)
        victim = read_journal(journal).files["a.txt"].archive_id
        path = tmp_path / "emu" / "archives" / victim
        data = bytearray(path.read_bytes())
        data[0] ^= 0xFF
        path.write_bytes(bytes(data))
        code, _, err = await run(emu, *migrate_args(journal, "--wait", "--delete-source"))
        assert code == 1, err
        assert f"migrate: {len(FILES) - 1} migrated, 0 skipped, 1 failed" in err
        assert "FAILED a.txt: " in err
        # The corrupted archive is the only one left in the vault and in J; no object of it.
        assert {a.archive_id for a in await emu.archives("vault")} == {victim}
        state = read_journal(journal)
        assert set(state.files) == {"a.txt"}
        deleted = [line for line in journal.read_text().splitlines() if "\tDELETED\t" in line]
        assert len(deleted) == len(FILES) - 1
        bucket = read_journal(Path(f"{journal}2"))
        assert set(bucket.files) == set(FILES) - {"a.txt"}
        assert "tree hash of the vault's bytes" in err or "differs from the vault's" in err


async def test_migration_names_csv_is_the_journal(emu: Emulator, tmp_path: Path) -> None:
    journal = await vault_of(emu, tmp_path, FILES)
    proc = await asyncio.create_subprocess_exec(
        *CLI,
        "migration-names",
        "--journal",
        str(journal),
        "--prefix",
        "moved",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    rows = list(csv.reader(io.StringIO(out.decode(), newline="")))
    assert rows[0] == ["GlacierArchiveID", "FileName"]
    state = read_journal(journal)
    assert sorted(rows[1:]) == sorted([r.archive_id, f"moved/{n}"] for n, r in state.files.items())
    assert err == b""
    # The same keys as the migration gives the objects.
    await ok(emu, *migrate_args(journal, "--wait"))
    bucket = read_journal(Path(f"{journal}2"))
    assert {f"moved/{n}" for n in bucket.files} == {row[1] for row in rows[1:]}
