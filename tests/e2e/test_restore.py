"""The restore side end to end against the emulator: two passes, verified downloads, purge,
inventories."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from aioglacier.client import Client
from aioglacier.emulator import Emulator
from aioglacier.journal import read_journal

from .conftest import MIB, make_client, write

NOW = 1_700_000_000
FILES: dict[str, bytes] = {
    "a.txt": b"alpha",
    "nested/dir/b c.bin": os.urandom(70_000),
    "ünï/日本.txt": b"unicode",
    "seg/1MiB": os.urandom(MIB),
    "seg/2MiB+1": os.urandom(2 * MIB + 1),
    "seg/4MiB-1": os.urandom(4 * MIB - 1),
}


async def synced(client: Client, tmp_path: Path, files: dict[str, bytes]) -> tuple[Path, Path]:
    base = tmp_path / "data"
    for i, (name, data) in enumerate(files.items()):
        write(base, name, data, mtime=1_500_000_000 + i)
    journal = tmp_path / "journal"
    result = await client.sync(base, "vault", journal)
    assert result.ok, result.failed
    return base, journal


def wipe(base: Path) -> None:
    for path in sorted(base.rglob("*"), reverse=True):
        if path.is_dir():
            path.rmdir()
        else:
            path.unlink()


def assert_restored(base: Path, files: dict[str, bytes]) -> None:
    for i, (name, data) in enumerate(files.items()):
        path = base.joinpath(*name.split("/"))
        assert path.read_bytes() == data, name
        assert int(path.stat().st_mtime) == 1_500_000_000 + i, name
    leftovers = [p.name for p in base.rglob(".*aioglacier-part")]
    assert leftovers == []


@pytest.mark.both_loops
async def test_two_pass_restore_round_trip(tmp_path: Path) -> None:
    async with Emulator(tmp_path / "emu", job_delay_scale=1.0) as emu:
        async with make_client(emu, clock=lambda: NOW) as client:
            await client.create_vault("vault")
            base, journal = await synced(client, tmp_path, FILES)
            wipe(base)
            started = await client.restore(
                base, "vault", journal, max_number_of_files=100, tier="Expedited"
            )
            assert len(started.done) == len(FILES)
            lines = journal.read_text().splitlines()[len(FILES) :]
            state = read_journal(journal)
            assert len(lines) == len(FILES)
            for line in lines:
                v, t, kind, archive_id, job_id = line.split("\t")
                assert (v, t, kind) == ("B", str(NOW), "RETRIEVE_JOB")
                assert archive_id in state.archives
                assert len(job_id) > 20
            # Jobs are still running: nothing to download yet.
            early = await client.restore_completed(base, "vault", journal)
            assert early.done == []
            # Within 24 hours a second restore starts no new job.
            again = await client.restore(base, "vault", journal, max_number_of_files=100)
            assert again.done == []
            assert len(again.skipped) == len(FILES)
            emu.advance_clock(3600)  # Expedited jobs take minutes
            result = await client.restore_completed(base, "vault", journal, segment_size=MIB)
            assert result.ok, result.failed
            assert len(result.done) == len(FILES)
    assert_restored(base, FILES)


async def test_restore_completed_wait_polls_until_jobs_complete(tmp_path: Path) -> None:
    async with Emulator(tmp_path / "emu", job_delay_scale=1.0) as emu:
        async with make_client(emu) as client:
            await client.create_vault("vault")
            files = {"x": b"x" * 10, "y": b"y" * 20}
            base, journal = await synced(client, tmp_path, files)
            wipe(base)
            await client.restore(base, "vault", journal, max_number_of_files=10, tier="Bulk")
            polls: list[int] = []

            def poll(n: int) -> float:
                polls.append(n)
                emu.advance_clock(6 * 3600)  # half a Bulk job per poll
                return 0.0

            result = await client.restore_completed(base, "vault", journal, wait=True, poll=poll)
            assert len(result.done) == 2
            assert polls == [0, 1]
    assert_restored(base, files)


async def test_more_than_50_jobs_page_through_list_jobs(client: Client, tmp_path: Path) -> None:
    files = {f"f{i:03d}": os.urandom(10 + i) for i in range(60)}
    base, journal = await synced(client, tmp_path, files)
    wipe(base)
    started = await client.restore(base, "vault", journal, max_number_of_files=1000)
    assert len(started.done) == 60
    assert len(await client.list_jobs("vault")) == 60
    limited = await client.restore(base, "vault", journal, max_number_of_files=5, dry_run=True)
    assert limited.planned == []  # every file has a job from the last 24 hours
    result = await client.restore_completed(base, "vault", journal)
    assert len(result.done) == 60
    assert_restored(base, files)


async def test_faults_truncation_and_resets_lose_nothing(tmp_path: Path) -> None:
    files = {f"f{i}": os.urandom(MIB + 1000 * i) for i in range(8)}
    async with Emulator(tmp_path / "emu") as emu:
        async with make_client(emu) as client:
            await client.create_vault("vault")
            base, journal = await synced(client, tmp_path, files)
    wipe(base)
    faults = (
        "seed=5,get_job_output:truncate=0.15,get_job_output:reset=0.1,*:500=0.1,*:throttle=0.05"
    )
    async with Emulator(tmp_path / "emu", faults=faults) as emu:
        async with make_client(emu, attempts=15) as client:
            await client.restore(base, "vault", journal, max_number_of_files=100)
            result = await client.restore_completed(base, "vault", journal, segment_size=MIB)
        assert result.ok, result.failed
        assert emu.faults is not None
        assert sum(emu.faults.injected.values()) >= 5
    assert_restored(base, files)


async def test_corrupted_archive_never_lands_under_final_name(
    emulator: Emulator, tmp_path: Path
) -> None:
    files = {"good": os.urandom(3 * MIB), "bad": os.urandom(3 * MIB)}
    async with make_client(emulator, attempts=3) as client:
        await client.create_vault("vault")
        base, journal = await synced(client, tmp_path, files)
        wipe(base)
        await client.restore(base, "vault", journal, max_number_of_files=10)
        bad_id = read_journal(journal).files["bad"].archive_id
        stored = emulator.archive_path(bad_id)
        raw = bytearray(stored.read_bytes())
        raw[MIB + 5] ^= 0xFF
        stored.write_bytes(bytes(raw))
        result = await client.restore_completed(base, "vault", journal, segment_size=MIB)
    assert [o.relfilename for o in result.done] == ["good"]
    [failed] = result.failed
    assert failed.relfilename == "bad"
    assert "bytes 1048576-2097151" in failed.detail
    assert (base / "good").read_bytes() == files["good"]
    assert not (base / "bad").exists()
    assert list(base.iterdir()) == [base / "good"]  # no temporary file left behind


async def test_existing_file_is_never_overwritten(client: Client, tmp_path: Path) -> None:
    base, journal = await synced(client, tmp_path, {"keep": b"original"})
    await client.restore(base, "vault", journal, max_number_of_files=10)
    (base / "keep").write_bytes(b"local edit")
    result = await client.restore_completed(base, "vault", journal)
    assert result.done == []
    assert (base / "keep").read_bytes() == b"local edit"


async def test_symlinked_directory_is_not_followed(client: Client, tmp_path: Path) -> None:
    base, journal = await synced(client, tmp_path, {"sub/file": b"data", "top": b"t"})
    wipe(base)
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, base / "sub")
    await client.restore(base, "vault", journal, max_number_of_files=10)
    # restore refused the entry under the symlink already; start its job by hand, then check
    # that restore-completed refuses it too
    state = read_journal(journal)
    await client.api.initiate_job(
        "vault", {"Type": "archive-retrieval", "ArchiveId": state.files["sub/file"].archive_id}
    )
    result = await client.restore_completed(base, "vault", journal)
    assert [o.relfilename for o in result.done] == ["top"]
    assert [(o.relfilename, o.detail) for o in result.failed] == [
        ("sub/file", "refused: unsafe path 'sub/file': directory 'sub' is a symlink")
    ]
    assert list(outside.iterdir()) == []


async def test_purge_vault_deletes_every_live_archive(
    client: Client, emulator: Emulator, tmp_path: Path
) -> None:
    base, journal = await synced(client, tmp_path, {"a": b"1", "b/c": b"2", "d.jpg": b"3"})
    write(base, "a", b"1 changed")
    await client.sync(base, "vault", journal, replace_modified=True, detect="always-positive")
    dry = await client.purge_vault("vault", journal, dry_run=True)
    assert len(dry.planned) == 3
    only_jpg = await client.purge_vault("vault", journal, filters=[("filter", "+*.jpg -")])
    assert [o.relfilename for o in only_jpg.done] == ["d.jpg"]
    result = await client.purge_vault("vault", journal)
    assert sorted(o.relfilename for o in result.done) == ["a", "b/c"]
    assert await emulator.archives("vault") == []
    assert read_journal(journal).archives == {}


@pytest.mark.parametrize("fmt", ["JSON", "CSV"])
async def test_inventory_rebuilds_the_journal(client: Client, tmp_path: Path, fmt: str) -> None:
    files = {'a b,c"d.txt': b"quote, comma", "x/y/z": os.urandom(2 * MIB + 3), "ü": b"u"}
    _base, journal = await synced(client, tmp_path, files)
    job_id = await client.retrieve_inventory("vault", format=fmt)
    assert job_id
    new_journal = tmp_path / "rebuilt"
    count = await client.download_inventory("vault", new_journal)
    assert count == 3
    original = read_journal(journal)
    rebuilt = read_journal(new_journal)
    assert set(rebuilt.files) == set(original.files)
    for name, record in original.files.items():
        other = rebuilt.files[name]
        assert (other.archive_id, other.size, other.mtime, other.treehash) == (
            record.archive_id,
            record.size,
            record.mtime,
            record.treehash,
        )
    # a non-empty journal is never overwritten
    with pytest.raises(Exception, match="is not empty"):
        await client.download_inventory("vault", new_journal)


async def test_hostile_journal_names_are_refused_and_others_restored(
    client: Client, tmp_path: Path
) -> None:
    base, journal = await synced(client, tmp_path, {"good.txt": b"good"})
    # Archives whose journal entries claim hostile names (as a tampered journal might).
    other = tmp_path / "other-journal"
    hostile = ["../escape.txt", "/etc/aioglacier-test", "a/../../b", "x\\..\\y"]
    ids = []
    for n in range(len(hostile)):
        result = await client.upload_file("vault", other, f"h{n}", data=b"evil")
        ids.append(result.archive_id)
    with journal.open("a", encoding="utf-8") as f:
        for archive_id, name in zip(ids, hostile, strict=True):
            th = read_journal(other).archives[archive_id].treehash
            f.write(f"B\t{NOW}\tCREATED\t{archive_id}\t4\t{NOW}\t{th}\t{name}\n")
    wipe(base)
    # On Windows a backslash is a separator, so x\..\y would climb out: refused there.
    windows = await client.restore(
        base, "vault", journal, max_number_of_files=100, platform="windows", dry_run=True
    )
    assert (
        "x\\..\\y",
        "refused: unsafe path 'x\\\\..\\\\y': the name contains a backslash, "
        "a separator on Windows",
    ) in [(o.relfilename, o.detail) for o in windows.failed]
    # On POSIX it is one ordinary file name inside the target directory (sync uploads such
    # names, so restore writes them back); the three others are refused.
    started = await client.restore(base, "vault", journal, max_number_of_files=100)
    assert [o.relfilename for o in started.done] == ["good.txt", "x\\..\\y"]
    refused = [o.detail for o in started.failed]
    assert len(refused) == 3
    assert any("../escape.txt" in d and "invalid file name" in d for d in refused)
    for archive_id in ids[
        :3
    ]:  # start the hostile jobs by hand, as an attacker with the vault could
        await client.api.initiate_job(
            "vault", {"Type": "archive-retrieval", "ArchiveId": archive_id}
        )
    result = await client.restore_completed(base, "vault", journal)
    # downloads finish in any order
    assert sorted(o.relfilename for o in result.done) == ["good.txt", "x\\..\\y"]
    assert len(result.failed) == 3
    assert (base / "good.txt").read_bytes() == b"good"
    assert sorted(os.listdir(base)) == ["good.txt", "x\\..\\y"]
    assert (base / "x\\..\\y").read_bytes() == b"evil"
    assert not (tmp_path / "escape.txt").exists()
    assert not Path("/etc/aioglacier-test").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["data", "emulator-data", "journal", "other-journal"]
    )
