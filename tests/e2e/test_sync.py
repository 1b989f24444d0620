"""Sync end to end against the emulator over real HTTP, through the library API."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from aioglacier import BytesTransferred, Event, FileFailed, FileQueued, ProgressStream
from aioglacier.client import Client
from aioglacier.emulator import Emulator
from aioglacier.journal import read_journal
from aioglacier.resume import resume_path_for
from aioglacier.treehash import tree_hash

from .conftest import MIB, assert_vault_matches_tree, make_client, write

NOW = 1_700_000_000

TREE: dict[str, bytes] = {
    "a.txt": b"hello",
    "dir one/b c.txt": b"spaces in names",
    "ünïcödé/日本語.bin": os.urandom(1000),
    "deep/er/still/x.dat": os.urandom(4096),
    "boundary/1MiB-1": os.urandom(MIB - 1),
    "boundary/1MiB": os.urandom(MIB),
    "boundary/1MiB+1": os.urandom(MIB + 1),
    "boundary/3MiB": os.urandom(3 * MIB),
    "boundary/2MiB+17": os.urandom(2 * MIB + 17),
}


def make_tree(base: Path) -> None:
    for i, (name, data) in enumerate(TREE.items()):
        write(base, name, data, mtime=1_600_000_000 + i)
    write(base, "empty", b"", mtime=1_600_000_000)


@pytest.mark.both_loops
async def test_sync_tree_round_trip(emulator: Emulator, tmp_path: Path) -> None:
    base = tmp_path / "data"
    make_tree(base)
    journal = tmp_path / "journal.log"
    async with make_client(emulator, clock=lambda: NOW) as client:
        await client.create_vault("vault")
        result = await client.sync(base, "vault", journal)
    assert result.ok, result.failed
    assert sorted(f.relfilename for f in result.uploaded) == sorted(TREE)
    assert [(f.relfilename, f.reason) for f in result.skipped] == [
        ("empty", "empty file: Glacier refuses empty archives")
    ]
    lines = journal.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(TREE)
    by_name = {line.split("\t")[-1]: line for line in lines}
    state = read_journal(journal)
    for i, (name, data) in enumerate(TREE.items()):
        archive_id = state.files[name].archive_id
        assert by_name[name] == (
            f"B\t{NOW}\tCREATED\t{archive_id}\t{len(data)}\t{1_600_000_000 + i}\t"
            f"{tree_hash(data).hex()}\t{name}"
        )
    await assert_vault_matches_tree(emulator, "vault", journal, base)

    async with make_client(emulator) as client:
        again = await client.sync(base, "vault", journal)
    assert again.ok
    assert again.uploaded == []
    assert len(journal.read_text(encoding="utf-8").splitlines()) == len(TREE)


async def test_replace_modified_then_delete_removed(
    client: Client, emulator: Emulator, tmp_path: Path
) -> None:
    base = tmp_path / "data"
    write(base, "grows.txt", b"v1", mtime=1000)
    write(base, "touched.txt", b"same", mtime=1000)
    write(base, "edited.txt", b"abcd", mtime=1000)
    write(base, "removed.txt", b"bye", mtime=1000)
    journal = tmp_path / "j"
    assert (await client.sync(base, "vault", journal)).ok
    before = read_journal(journal)

    write(base, "grows.txt", b"version 2", mtime=1000)  # size changed: always modified
    write(base, "touched.txt", b"same", mtime=2000)  # mtime changed, same content
    write(base, "edited.txt", b"ABCD", mtime=2000)  # mtime and content changed
    (base / "removed.txt").unlink()

    result = await client.sync(base, "vault", journal, replace_modified=True, delete_removed=True)
    assert result.ok, result.failed
    assert sorted(f.relfilename for f in result.replaced) == ["edited.txt", "grows.txt"]
    assert [f.relfilename for f in result.skipped] == ["touched.txt"]
    assert [f.relfilename for f in result.deleted] == ["removed.txt"]
    assert result.uploaded == []

    after = read_journal(journal)
    lines = journal.read_text(encoding="utf-8").splitlines()[4:]
    for name in ("grows.txt", "edited.txt"):
        created = next(
            i for i, line in enumerate(lines) if "\tCREATED\t" in line and line.endswith(name)
        )
        deleted = next(
            i for i, line in enumerate(lines) if "\tDELETED\t" in line and line.endswith(name)
        )
        assert created < deleted  # the new archive first, then the old one goes
        assert f"\tDELETED\t{before.files[name].archive_id}\t{name}" in lines[deleted]
    assert "removed.txt" not in after.files
    assert after.files["touched.txt"] == before.files["touched.txt"]
    await assert_vault_matches_tree(emulator, "vault", journal, base)


@pytest.mark.parametrize(
    ("detect", "replaced"),
    [
        ("treehash", True),
        ("mtime", False),
        ("mtime-and-treehash", False),
        ("mtime-or-treehash", True),
        ("always-positive", True),
        ("size-only", False),
    ],
)
async def test_detect_same_size_same_mtime_new_content(
    client: Client, tmp_path: Path, detect: str, replaced: bool
) -> None:
    base = tmp_path / "data"
    write(base, "f", b"1234", mtime=5000)
    journal = tmp_path / "j"
    await client.sync(base, "vault", journal)
    write(base, "f", b"abcd", mtime=5000)
    result = await client.sync(
        base,
        "vault",
        journal,
        replace_modified=True,
        detect=detect,  # type: ignore[arg-type]
    )
    assert [f.relfilename for f in result.replaced] == (["f"] if replaced else [])


async def test_filters_pick_files(client: Client, emulator: Emulator, tmp_path: Path) -> None:
    base = tmp_path / "data"
    for name in ("a.jpg", "b.txt", "sub/c.jpg", "sub/d.tmp", "skip/e.jpg"):
        write(base, name, name.encode())
    journal = tmp_path / "j"
    result = await client.sync(
        base, "vault", journal, filters=[("exclude", "skip/"), ("filter", "+*.jpg -")]
    )
    assert sorted(f.relfilename for f in result.uploaded) == ["a.jpg", "sub/c.jpg"]
    await assert_vault_matches_tree(emulator, "vault", journal, base)


async def test_dry_run_touches_nothing(client: Client, emulator: Emulator, tmp_path: Path) -> None:
    base = tmp_path / "data"
    write(base, "x", b"1")
    write(base, "y/z", b"2")
    journal = tmp_path / "j"
    result = await client.sync(base, "vault", journal, dry_run=True)
    assert result.plan == ["Will UPLOAD x", "Will UPLOAD y/z"]
    assert not journal.exists()
    assert await emulator.archives("vault") == []


async def test_faults_lose_nothing_and_duplicate_nothing(tmp_path: Path) -> None:
    base = tmp_path / "data"
    for i in range(60):
        write(base, f"small/{i:03d}.bin", os.urandom(100 + i))
    for i in range(3):
        write(base, f"big/{i}.bin", os.urandom(3 * MIB + i))
    faults = (
        "seed=11,*:500=0.05,*:503=0.03,upload_archive:throttle=0.05,upload_part:throttle=0.05,"
        "upload_part:reset=0.05,upload_archive:reset=0.05,*:timeout=0.02"
    )
    journal = tmp_path / "j"
    async with Emulator(tmp_path / "emu", faults=faults) as emu:
        async with make_client(emu, attempts=12) as client:
            await client.api.create_vault("vault")
            result = await client.sync(base, "vault", journal)
        assert result.ok, result.failed
        assert len(result.uploaded) == 63
        assert emu.faults is not None
        assert sum(emu.faults.injected.values()) > 10  # faults really happened
        await assert_vault_matches_tree(emu, "vault", journal, base)
    assert len(journal.read_text().splitlines()) == 63


async def test_file_modified_during_upload_is_not_journaled(
    emulator: Emulator, tmp_path: Path
) -> None:
    base = tmp_path / "data"
    big = write(base, "big.bin", os.urandom(6 * MIB))
    write(base, "ok.txt", b"fine")
    journal = tmp_path / "j"
    modified = False

    def sink(event: Event) -> None:
        nonlocal modified
        if isinstance(event, BytesTransferred) and event.relfilename == "big.bin" and not modified:
            modified = True
            with big.open("ab") as f:
                f.write(b"more")

    async with make_client(emulator, concurrency=1) as client:
        await client.create_vault("vault")
        result = await client.sync(base, "vault", journal, progress=sink)
        uploads = await client.api.list_multipart_uploads("vault")
    assert modified
    assert [(f.relfilename, f.reason) for f in result.failed] == [
        ("big.bin", "big.bin: file changed while it was read")
    ]
    assert [f.relfilename for f in result.uploaded] == ["ok.txt"]
    assert list(read_journal(journal).files) == ["ok.txt"]
    assert uploads == []  # the multipart upload was aborted
    assert not resume_path_for(journal).exists()
    assert len(await emulator.archives("vault")) == 1


async def test_vanished_file_fails_alone(client: Client, tmp_path: Path) -> None:
    base = tmp_path / "data"
    for i in range(5):
        write(base, f"f{i}", b"x" * (i + 1))

    def sink(event: Event) -> None:
        if isinstance(event, FileQueued) and event.relfilename == "f2":
            (base / "f2").unlink()

    journal = tmp_path / "j"
    result = await client.sync(base, "vault", journal, progress=sink)
    assert [(f.relfilename, f.reason) for f in result.failed] == [
        ("f2", "No such file or directory")
    ]
    assert sorted(read_journal(journal).files) == ["f0", "f1", "f3", "f4"]


async def test_cancel_then_resume_sends_only_missing_parts(tmp_path: Path) -> None:
    base = tmp_path / "data"
    data = os.urandom(12 * MIB)
    write(base, "big.bin", data, mtime=1234)
    write(base, "small.txt", b"small", mtime=1234)
    journal = tmp_path / "j"
    emu_dir = tmp_path / "emu"
    stream = ProgressStream()
    parts_done = 0
    async with Emulator(emu_dir) as emu:
        async with make_client(emu, concurrency=2) as client:
            await client.create_vault("vault")
            emu.hold("upload_part", after=4)  # the cancel comes with 4 parts stored
            task = asyncio.create_task(client.sync(base, "vault", journal, progress=stream))
            async for event in stream:
                if isinstance(event, BytesTransferred) and event.relfilename == "big.bin":
                    parts_done += 1
                    if parts_done == 4:
                        break
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
    # The journal is complete and readable; the multipart upload is recorded for resume.
    state = read_journal(journal)
    assert "big.bin" not in state.files
    pending = resume_path_for(journal).read_text()
    assert '"relfilename": "big.bin"' in pending

    async with Emulator(emu_dir) as emu:  # a restart: acknowledged parts are still there
        async with make_client(emu, concurrency=2) as client:
            result = await client.sync(base, "vault", journal)
        assert result.ok, result.failed
        [done] = [f for f in result.uploaded if f.relfilename == "big.bin"]
        reused, sent = (int(w) for w in done.reason.replace(",", "").split() if w.isdigit())
        assert reused >= 4
        assert reused + sent == 12
        await assert_vault_matches_tree(emu, "vault", journal, base)
    assert not resume_path_for(journal).exists()


async def test_two_clients_side_by_side(tmp_path: Path) -> None:
    async with Emulator(tmp_path / "e1") as e1, Emulator(tmp_path / "e2") as e2:
        bases = []
        for n in (1, 2):
            base = tmp_path / f"data{n}"
            for i in range(20):
                write(base, f"f{i}", os.urandom(200 * n))
            bases.append(base)
        async with make_client(e1, concurrency=2) as c1, make_client(e2, concurrency=5) as c2:
            await c1.create_vault("v")
            await c2.create_vault("v")
            r1, r2 = await asyncio.gather(
                c1.sync(bases[0], "v", tmp_path / "j1"), c2.sync(bases[1], "v", tmp_path / "j2")
            )
            assert c1.api.limiter.peak <= 2
            assert c2.api.limiter.peak <= 5
        assert (len(r1.uploaded), len(r2.uploaded)) == (20, 20)
        await assert_vault_matches_tree(e1, "v", tmp_path / "j1", bases[0])
        await assert_vault_matches_tree(e2, "v", tmp_path / "j2", bases[1])


async def test_progress_events_as_async_iterator(client: Client, tmp_path: Path) -> None:
    base = tmp_path / "data"
    write(base, "one", b"1")
    stream = ProgressStream()
    task = asyncio.create_task(client.sync(base, "vault", tmp_path / "j", progress=stream))
    events = [event async for event in stream]
    await task
    kinds = [event.kind for event in events]
    # the scan's end, then the file from queued to done, then the run's end (in that order)
    assert [k for k in kinds if k != "scan"] == ["queued", "started", "bytes", "done", "finished"]
    assert not any(isinstance(e, FileFailed) for e in events)


async def test_missing_vault_is_one_clear_error(emulator: Emulator, tmp_path: Path) -> None:
    from aioglacier import AioGlacierError

    base = tmp_path / "data"
    write(base, "x", b"1")
    async with make_client(emulator) as client:
        with pytest.raises(AioGlacierError) as info:
            await client.sync(base, "nope", tmp_path / "j")
    assert str(info.value) == (
        'vault "nope" does not exist (create it with: aioglacier create-vault nope)'
    )
    assert not (tmp_path / "j").exists()


async def test_stale_pending_upload_of_a_changed_file_is_aborted(tmp_path: Path) -> None:
    base = tmp_path / "data"
    write(base, "big.bin", os.urandom(6 * MIB), mtime=1000)
    journal = tmp_path / "j"
    stream = ProgressStream()
    async with Emulator(tmp_path / "emu") as emu:
        async with make_client(emu, concurrency=1) as client:
            await client.create_vault("vault")
            emu.hold("upload_part", after=1)  # the cancel comes with 1 part stored
            task = asyncio.create_task(client.sync(base, "vault", journal, progress=stream))
            async for event in stream:
                if isinstance(event, BytesTransferred):
                    break
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
    write(base, "big.bin", os.urandom(5 * MIB), mtime=2000)  # changed while interrupted
    async with Emulator(tmp_path / "emu") as emu:
        async with make_client(emu) as client:
            result = await client.sync(base, "vault", journal)
            uploads = await client.api.list_multipart_uploads("vault")
        assert result.ok, result.failed
        assert [f.reason for f in result.uploaded] == [""]  # a fresh upload, not a resume
        assert uploads == []  # the stale one was aborted
        await assert_vault_matches_tree(emu, "vault", journal, base)
    assert not resume_path_for(journal).exists()
