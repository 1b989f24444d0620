"""Orphans end to end on the emulator: a sync killed mid-flight leaves archives and multipart
uploads no journal knows; the next sync aborts the uploads that are its own; list-orphans finds
exactly the archives the journal lacks; purge-orphans deletes exactly those, journaling nothing.
Archives and uploads of another program are listed and left alone unless asked."""

from __future__ import annotations

import asyncio
import hashlib
import json
import signal
import sys
from collections import Counter
from pathlib import Path

import pytest

from aioglacier import Client
from aioglacier.emulator import DEFAULT_CREDENTIALS, Emulator
from aioglacier.journal import read_journal
from aioglacier.metadata import encode_description
from aioglacier.progress import Event, Message
from aioglacier.resume import resume_path_for
from aioglacier.treehash import tree_hash

from .conftest import MIB, assert_vault_matches_tree, make_client, write

CLI = [sys.executable, "-m", "aioglacier"]
KEYS = ["--key", DEFAULT_CREDENTIALS.access_key, "--secret", DEFAULT_CREDENTIALS.secret_key]
MTIME = 1_500_000_000


async def run_cli(*args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        *CLI, *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


def count_drops(emu: Emulator, wanted: dict[str, int]) -> asyncio.Event:
    """An event set once the emulator dropped (stored, then reset the connection) at least
    ``wanted[op]`` requests of each operation ``op``."""
    injector = emu.faults
    assert injector is not None
    original = injector.next_fault
    drops: Counter[str] = Counter()
    reached = asyncio.Event()

    def next_fault(operation: str) -> str | None:
        kind = original(operation)
        if kind == "drop":
            drops[operation] += 1
            if all(drops[op] >= n for op, n in wanted.items()):
                reached.set()
        return kind

    injector.next_fault = next_fault  # type: ignore[method-assign]
    return reached


async def test_kill_mid_flight_then_orphans_are_found_and_purged(tmp_path: Path) -> None:
    base = tmp_path / "data"
    for i in range(6):
        write(base, f"small/{i}.txt", f"small file {i}".encode(), mtime=MTIME + i)
    big = write(base, "big.bin", bytes(range(256)) * (3 * MIB // 256 + 1), mtime=MTIME)
    journal = tmp_path / "j"
    emu_dir = tmp_path / "emu"
    sync = ["sync", "--dir", str(base), "--vault", "v", "--journal", str(journal)]
    sync += ["--partsize", "1", "--concurrency", "4", "--json"]

    # 1. Every Upload Archive and Initiate Multipart Upload takes effect and its answer is
    # lost: once some have been stored, the sync is killed. Nothing stored was journaled.
    async with Emulator(
        emu_dir, faults="upload_archive:drop=1,initiate_multipart_upload:drop=1"
    ) as emu:
        endpoint = ["--endpoint-url", emu.url, *KEYS]
        assert (await run_cli("create-vault", "v", *endpoint))[0] == 0
        reached = count_drops(emu, {"upload_archive": 3, "initiate_multipart_upload": 1})
        proc = await asyncio.create_subprocess_exec(
            *CLI,
            *sync,
            *endpoint,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        # generous: guards a hang only (the drops come within the first requests)
        await asyncio.wait_for(reached.wait(), 120)
        proc.send_signal(signal.SIGKILL)
        assert await proc.wait() == -signal.SIGKILL
    # (stopping the emulator let any request still in flight finish: this is the truth)
    assert read_journal(journal).files == {}

    async with Emulator(emu_dir) as emu:
        stored = {a.archive_id for a in await emu.archives("v")}
        assert len(stored) >= 3
        endpoint = ["--endpoint-url", emu.url, *KEYS]
        async with make_client(emu) as client:
            strays = await client.api.list_multipart_uploads("v")
        assert len(strays) >= 1
        assert {s["ArchiveDescription"] for s in strays} == {encode_description("big.bin", MTIME)}

        # 2. The rerun uploads everything and aborts the uploads the kill left: they were of
        # the very version of big.bin it has now journaled.
        code, out, err = await run_cli(*sync, *endpoint)
        assert code == 0, err
        messages = [e["text"] for e in map(json.loads, out.splitlines()) if e["kind"] == "message"]
        aborted = [m for m in messages if m.startswith("aborted multipart upload ")]
        assert len(aborted) == len(strays)
        for stray in strays:
            assert any(f' {stray["MultipartUploadId"]} of "big.bin"' in m for m in aborted)
        async with make_client(emu) as client:
            assert await client.api.list_multipart_uploads("v") == []
        state = read_journal(journal)
        assert sorted(state.files) == ["big.bin"] + [f"small/{i}.txt" for i in range(6)]
        assert state.files["big.bin"].treehash == tree_hash(big.read_bytes()).hex()
        orphans = {a.archive_id for a in await emu.archives("v")} - set(state.archives)
        assert orphans == stored  # what the kill left, and nothing else

        # 3. list-orphans, from an inventory, finds exactly them: copies of journal archives.
        assert (await run_cli("retrieve-inventory", "--vault", "v", *endpoint))[0] == 0
        common = ["--vault", "v", "--journal", str(journal), *endpoint]
        code, out, err = await run_cli("list-orphans", *common, "--json")
        assert code == 0, err
        listed = [json.loads(line) for line in out.splitlines()]
        assert {o["archive_id"] for o in listed} == orphans
        assert all(o["kind"] == "archive" and o["ours"] for o in listed)
        names = {o["name"] for o in listed}
        assert names <= {f"small/{i}.txt" for i in range(6)}
        by_id = {a.archive_id: a for a in await emu.archives("v")}
        for o in listed:
            assert o["size"] == by_id[o["archive_id"]].size
            assert o["mtime"] == state.files[o["name"]].mtime
        code, out, err = await run_cli("list-orphans", *common)
        assert code == 0, err
        rows = [line.split("\t") for line in out.splitlines()]
        assert sorted(r[1] for r in rows) == sorted(orphans)
        assert {(r[0], r[5]) for r in rows} == {("archive", "ours")}
        assert err.startswith(f"list-orphans: {len(orphans)} orphan archives (")

        # 4. purge-orphans: --dry-run changes nothing; then exactly the orphans go.
        before = journal.read_bytes()
        code, out, err = await run_cli("purge-orphans", *common, "--dry-run")
        assert code == 0, err
        assert len([line for line in out.splitlines() if line.startswith("Will DELETE")]) == len(
            orphans
        )
        assert {a.archive_id for a in await emu.archives("v")} == orphans | set(state.archives)
        code, out, err = await run_cli("purge-orphans", *common)
        assert code == 0, err
        assert f"purge-orphans: {len(orphans)} orphans removed, 0 skipped, 0 failed" in err
        assert journal.read_bytes() == before  # nothing journaled
        await assert_vault_matches_tree(emu, "v", journal, base)


async def test_another_programs_orphans_are_left_alone_unless_asked(
    client: Client, emulator: Emulator, tmp_path: Path
) -> None:
    base = tmp_path / "data"
    write(base, "a.txt", b"alpha", mtime=MTIME)
    write(base, "big.bin", b"b" * (2 * MIB + 3), mtime=MTIME)
    journal = tmp_path / "j"
    assert (await client.sync(base, "vault", journal)).ok
    api = client.api
    th = tree_hash(b"other").hex()
    sha = hashlib.sha256(b"other").hexdigest()
    # another program's archive; an mt2 archive of a name this journal never had; an mt2 copy
    # of a.txt with other contents (another journal's version): none is a copy of ours
    foreign = await api.upload_archive(
        "vault", b"other", description="backup by another tool", tree_hash=th, sha256=sha
    )
    unknown_name = await api.upload_archive(
        "vault",
        b"other",
        description=encode_description("never/here", MTIME),
        tree_hash=th,
        sha256=sha,
    )
    other_version = await api.upload_archive(
        "vault", b"other", description=encode_description("a.txt", MTIME), tree_hash=th, sha256=sha
    )
    alpha_th = tree_hash(b"alpha").hex()
    alpha_sha = hashlib.sha256(b"alpha").hexdigest()
    copy = await api.upload_archive(
        "vault",
        b"alpha",
        description=encode_description("a.txt", MTIME),
        tree_hash=alpha_th,
        sha256=alpha_sha,
    )
    # uploads in progress: another program's, an older version of big.bin, and ours
    theirs = await api.initiate_multipart(vault="vault", part_size=MIB, description="theirs")
    older = await api.initiate_multipart(
        "vault", part_size=MIB, description=encode_description("big.bin", MTIME - 1)
    )
    ours = await api.initiate_multipart(
        "vault", part_size=MIB, description=encode_description("big.bin", MTIME)
    )

    # sync aborts only ours, and says so; it reports the others and leaves them.
    events: list[Event] = []
    result = await client.sync(base, "vault", journal, progress=events.append)
    assert result.ok
    assert {(s.upload_id, s.ours) for s in result.stray_uploads} == {
        (theirs, False),
        (older, False),
        (ours, True),
    }
    texts = [e.text for e in events if isinstance(e, Message)]
    assert any(t.startswith(f'aborted multipart upload {ours} of "big.bin"') for t in texts)
    assert any(
        t.startswith(f"multipart upload {theirs} of description 'theirs' (started ")
        and t.endswith("left alone (list-orphans lists it, purge-orphans --all-orphans aborts it)")
        for t in texts
    )
    in_progress = {u["MultipartUploadId"] for u in await api.list_multipart_uploads("vault")}
    assert in_progress == {theirs, older}

    await client.retrieve_inventory("vault")
    report = await client.list_orphans("vault", journal)
    assert {(a.archive_id, a.ours, a.name) for a in report.archives} == {
        (foreign, False, None),
        (unknown_name, False, "never/here"),
        (other_version, False, "a.txt"),
        (copy, True, "a.txt"),
    }
    assert {(u.upload_id, u.ours) for u in report.uploads} == {(theirs, False), (older, False)}

    before = journal.read_bytes()
    purged = await client.purge_orphans("vault", journal)
    assert [(o.archive_id, o.status) for o in purged.done] == [(copy, "done")]
    assert len(purged.skipped) == 5
    stored = {a.archive_id for a in await emulator.archives("vault")}
    assert stored == set(read_journal(journal).archives) | {foreign, unknown_name, other_version}
    assert {u["MultipartUploadId"] for u in await api.list_multipart_uploads("vault")} == {
        theirs,
        older,
    }

    everything = await client.purge_orphans("vault", journal, all_orphans=True)
    # the copy is still in the (older) inventory: it is already gone
    assert len(everything.done) == 6
    assert any("already gone" in o.detail for o in everything.done)
    assert {a.archive_id for a in await emulator.archives("vault")} == set(
        read_journal(journal).archives
    )
    assert await api.list_multipart_uploads("vault") == []
    assert journal.read_bytes() == before
    assert not resume_path_for(journal).exists()
    await assert_vault_matches_tree(emulator, "vault", journal, base)


async def test_purge_orphans_refuses_a_locked_or_missing_journal(
    client: Client, emulator: Emulator, tmp_path: Path
) -> None:
    from aioglacier.errors import AioGlacierError
    from aioglacier.journal import JournalLockedError, JournalWriter

    base = tmp_path / "data"
    write(base, "a.txt", b"alpha")
    journal = tmp_path / "j"
    assert (await client.sync(base, "vault", journal)).ok
    await client.retrieve_inventory("vault")
    async with JournalWriter(journal):
        with pytest.raises(JournalLockedError):
            await client.purge_orphans("vault", journal, all_orphans=True)
    with pytest.raises(AioGlacierError) as info:
        await client.purge_orphans("vault", tmp_path / "missing", all_orphans=True)
    assert str(info.value) == f"journal {tmp_path / 'missing'} not found"
    assert len(await emulator.archives("vault")) == 1


async def test_sync_goes_on_when_uploads_cannot_be_listed(tmp_path: Path) -> None:
    base = tmp_path / "data"
    write(base, "a.txt", b"alpha")
    async with Emulator(tmp_path / "emu", faults="list_multipart_uploads:503=1") as emu:
        async with make_client(emu, attempts=2) as client:
            await client.create_vault("vault")
            events: list[Event] = []
            result = await client.sync(base, "vault", tmp_path / "j", progress=events.append)
    assert result.ok
    assert [f.relfilename for f in result.uploaded] == ["a.txt"]
    warnings = [e.text for e in events if isinstance(e, Message) and e.level == "warning"]
    assert warnings == [
        "cannot list the multipart uploads of vault: ServiceUnavailableException: "
        "Service unavailable. Try again later."
    ]
