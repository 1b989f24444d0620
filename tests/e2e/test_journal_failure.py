"""A journal that cannot be written stops the command at once, and nothing it did is left
unsaid: every archive in the vault is in the journal or named in the one error line.

Failures are injected through the journal writer's ``write`` (deterministic), and, for the CLI,
made real with a tiny tmpfs in a user namespace (skipped where the system has none).
"""

from __future__ import annotations

import asyncio
import errno
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from aioglacier.backends.glacier.backend import GlacierBackend
from aioglacier.client import Client
from aioglacier.emulator import Emulator
from aioglacier.engine import run_sync, upload_one_file
from aioglacier.journal import JournalWriteError, read_journal
from aioglacier.limits import ByteBudget
from aioglacier.ops import UploadContext, UploadStoppedError, upload_file
from aioglacier.planner import SyncPlanOptions
from aioglacier.progress import BytesTransferred, Event
from aioglacier.restore import purge_vault, start_restore
from aioglacier.resume import ResumeStore

from .conftest import MIB, make_client, write

ENOSPC = "[Errno 28] No space left on device"
UPLOADED = re.compile(r'uploaded "([^"]+)" as archive (\S+?)(?:;|$)')


def failing_write(after: int) -> Callable[[int, bytes], int]:
    """An ``os.write`` that fails with ENOSPC once ``after`` calls have succeeded."""
    calls = [0]

    def write_fn(fd: int, data: bytes) -> int:
        calls[0] += 1
        if calls[0] > after:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return os.write(fd, data)

    return write_fn


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


async def sync(client: Client, base: Path, journal: Path, **kw: object) -> object:
    return await run_sync(
        GlacierBackend(client.api, "vault"),
        base_dir=base,
        journal_path=journal,
        options=SyncPlanOptions(),
        part_size=MIB,
        concurrency=client.settings.concurrency,
        **kw,  # type: ignore[arg-type]
    )


async def test_sync_stops_at_the_first_journal_write_failure(tmp_path: Path) -> None:
    base = tmp_path / "data"
    for i in range(60):
        write(base, f"f{i:02d}", os.urandom(100 + i))
    journal = tmp_path / "journal"
    async with Emulator(tmp_path / "emu") as emu:
        async with make_client(emu, concurrency=2) as client:
            await client.create_vault("vault")
            events: list[Event] = []
            with pytest.raises(JournalWriteError) as info:
                await sync(
                    client, base, journal, journal_write=failing_write(2), progress=events.append
                )
            error = info.value
            named = {aid: name for name, aid in UPLOADED.findall(str(error))}
            assert len(named) == len(error.unjournaled) > 0
            assert str(error) == (
                f"{journal}: cannot write the journal: {ENOSPC}; sync stopped: no new upload "
                f"started; NOT in the journal: {'; '.join(error.unjournaled)}"
            )
            state = read_journal(journal)
            assert state.torn_tail is None
            vault = {a.archive_id for a in await emu.archives("vault")}
            # Nothing silently orphaned: the vault is the journal plus what the error names.
            assert vault == set(state.archives) | set(named)
            assert not set(state.archives) & set(named)
            # It stopped: at most the files in flight (2 x concurrency) after two writes.
            assert len(vault) <= 12
            assert leftovers(tmp_path) == []
            # The files whose lines were lost are not reported one by one: the error says it.
            assert not [e for e in events if e.kind == "failed"]
            rerun = await sync(client, base, journal)
            assert rerun.ok  # type: ignore[attr-defined]
            state = read_journal(journal)
            assert set(state.files) == {f"f{i:02d}" for i in range(60)}
            vault = {a.archive_id for a in await emu.archives("vault")}
            assert vault == set(state.archives) | set(named)  # the orphans are those named


async def test_multipart_uploads_in_flight_are_aborted(tmp_path: Path) -> None:
    base = tmp_path / "data"
    write(base, "a-small", b"small")
    for i in range(3):
        write(base, f"big{i}", os.urandom(6 * MIB + i))
    journal = tmp_path / "journal"
    async with Emulator(tmp_path / "emu", faults="bandwidth=8MiB") as emu:
        async with make_client(emu, concurrency=2) as client:
            await client.create_vault("vault")
            with pytest.raises(JournalWriteError) as info:
                await sync(client, base, journal, journal_write=failing_write(0))
            error = info.value
            named = {aid: name for name, aid in UPLOADED.findall(str(error))}
            vault = {a.archive_id: a for a in await emu.archives("vault")}
            assert set(vault) == set(named)  # nothing was journaled; everything is named
            assert await client.api.list_multipart_uploads("vault") == []
            aborted = 3 - sum(name.startswith("big") for name in named.values())
            if aborted:
                assert f"{aborted} multipart upload" in str(error)
                assert "in flight aborted" in str(error)
    assert not (tmp_path / "journal.uploads.json").exists()
    assert leftovers(tmp_path) == []
    assert journal.read_bytes() == b""


async def test_stop_aborts_a_multipart_upload_mid_parts(tmp_path: Path) -> None:
    """Deterministic: the stop is set when the first part has been sent."""
    path = write(tmp_path, "big", os.urandom(8 * MIB))
    st = path.stat()
    async with Emulator(tmp_path / "emu") as emu:
        async with make_client(emu) as client:
            await client.create_vault("vault")
            stop = asyncio.Event()
            sent: list[int] = []

            def progress(event: Event) -> None:
                if isinstance(event, BytesTransferred):
                    sent.append(event.nbytes)
                    stop.set()

            store = ResumeStore(tmp_path / "j.uploads.json")
            ctx = UploadContext(
                backend=GlacierBackend(client.api, "vault"),
                part_size=MIB,
                budget=ByteBudget(2 * MIB),
                resume=store,
                progress=progress,
                stop=stop,
            )
            with pytest.raises(UploadStoppedError) as info:
                await upload_file(
                    ctx, "big", path=str(path), size=st.st_size, mtime=0, mtime_ns=st.st_mtime_ns
                )
            assert info.value.upload_id is not None
            assert str(info.value) == "big: upload stopped"
            assert 1 <= len(sent) < 8
            assert await client.api.list_multipart_uploads("vault") == []
            assert await emu.archives("vault") == []
            assert store.pending() == []
            assert not store.path.exists()
            # A single request not yet sent is not sent.
            small = write(tmp_path, "small", b"x")
            ns = small.stat().st_mtime_ns
            with pytest.raises(UploadStoppedError) as info:
                await upload_file(ctx, "small", path=str(small), size=1, mtime=0, mtime_ns=ns)
            assert info.value.upload_id is None
            assert await emu.archives("vault") == []


async def test_upload_file_names_the_archive_the_journal_misses(tmp_path: Path) -> None:
    path = write(tmp_path, "x.bin", os.urandom(3 * MIB))
    journal = tmp_path / "journal"
    async with Emulator(tmp_path / "emu") as emu:
        async with make_client(emu) as client:
            await client.create_vault("vault")
            with pytest.raises(JournalWriteError) as info:
                await upload_one_file(
                    GlacierBackend(client.api, "vault"),
                    journal_path=journal,
                    relfilename="x.bin",
                    part_size=MIB,
                    concurrency=2,
                    path=path,
                    journal_write=failing_write(0),
                )
            [archive] = await emu.archives("vault")
    assert str(info.value) == (
        f"{journal}: cannot write the journal: {ENOSPC}; the upload finished but was not "
        f'journaled; NOT in the journal: uploaded "x.bin" as archive {archive.archive_id}'
    )
    assert info.value.unjournaled == (f'uploaded "x.bin" as archive {archive.archive_id}',)
    assert journal.read_bytes() == b""
    assert leftovers(tmp_path) == []


async def test_restore_and_purge_stop_and_name_what_the_journal_misses(tmp_path: Path) -> None:
    base = tmp_path / "data"
    for i in range(12):
        write(base, f"f{i:02d}", os.urandom(50 + i))
    journal = tmp_path / "journal"
    async with Emulator(tmp_path / "emu") as emu:
        async with make_client(emu, concurrency=2) as client:
            await client.create_vault("vault")
            assert (await client.sync(base, "vault", journal)).ok
            for p in base.iterdir():
                p.unlink()
            # restore: RETRIEVE_JOB lines
            with pytest.raises(JournalWriteError) as info:
                await start_restore(
                    GlacierBackend(client.api, "vault"),
                    base_dir=base,
                    journal_path=journal,
                    max_number_of_files=100,
                    concurrency=2,
                    journal_write=failing_write(1),
                )
            error = info.value
            named = dict(re.findall(r'started retrieval job (\S+) for "([^"]+)"', str(error)))
            assert len(named) == len(error.unjournaled) > 0
            assert str(error).startswith(
                f"{journal}: cannot write the journal: {ENOSPC}; restore stopped: no new "
                "retrieval job asked for; NOT in the journal: started retrieval job "
            )
            state = read_journal(journal)
            journaled = {j.job_id for jobs in state.retrieve_jobs.values() for j in jobs}
            service = {j["JobId"] for j in await client.list_jobs("vault")}
            assert service == journaled | set(named)
            assert len(service) <= 6  # stopped: not one job per file
            # purge: DELETED lines
            with pytest.raises(JournalWriteError) as info:
                await purge_vault(
                    GlacierBackend(client.api, "vault"),
                    journal_path=journal,
                    concurrency=2,
                    journal_write=failing_write(1),
                )
            error = info.value
            deleted = dict(re.findall(r'deleted archive (\S+) of "([^"]+)"', str(error)))
            assert len(deleted) == len(error.unjournaled) > 0
            assert "; purge stopped: no new delete sent; NOT in the journal: " in str(error)
            live = set(read_journal(journal).archives)
            vault = {a.archive_id for a in await emu.archives("vault")}
            # The journal still lists what the error names as deleted; nothing else is gone.
            assert vault == live - set(deleted)
            assert len(vault) >= 6
            again = await client.purge_vault("vault", journal)  # a rerun finishes the job
            assert again.ok
            assert await emu.archives("vault") == []
            assert dict(read_journal(journal).archives) == {}
    assert leftovers(tmp_path) == []


# ------------------------------------------------------------------------------ a real full disk


def _user_namespace_tmpfs() -> str | None:
    """Why a tmpfs cannot be mounted in a user namespace here, or None when it can."""
    try:
        probe = subprocess.run(
            ["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt || exit 3"],
            capture_output=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unshare not usable: {exc}"
    if probe.returncode != 0:
        return f"no tmpfs in a user namespace: {probe.stderr.decode().strip()}"
    return None


def test_cli_sync_on_a_full_disk_stops_with_one_error_line(tmp_path: Path) -> None:
    why = _user_namespace_tmpfs()
    if why is not None:
        pytest.skip(why)
    base = tmp_path / "data"
    for i in range(60):
        write(base, f"small/f{i:02d}", os.urandom(200 + i))
    for i in range(2):
        write(base, f"big/b{i}", os.urandom(2 * MIB + i))
    emu = tmp_path / "emu"
    cli = [sys.executable, "-m", "aioglacier"]
    subprocess.run([*cli, "create-vault", "v", "--endpoint-url", f"local:{emu}"], check=True)
    disk, out = tmp_path / "disk", tmp_path / "out"
    disk.mkdir()
    out.mkdir()
    sync = shlex.join(
        [
            *cli,
            "sync",
            "--dir",
            str(base),
            "--vault",
            "v",
            "--journal",
            f"{disk}/journal",
            "--endpoint-url",
            f"local:{emu}",
            "--concurrency",
            "2",
            "--partsize",
            "1",
            "--quiet",
        ]
    )
    # A 64 KiB tmpfs with two 4 KiB pages free: one for the uploads sidecar while the big files
    # are in flight, one for the journal (about 17 lines), then ENOSPC: 62 lines never fit.
    script = f"""
set -e
mount -t tmpfs -o size=64k tmpfs {disk}
head -c 57344 /dev/zero > {disk}/filler
set +e
{sync} 2> {out}/stderr
rc=$?
ls -a {disk} > {out}/listing
cp {disk}/journal {out}/journal
exit $rc
"""
    proc = subprocess.run(
        ["unshare", "-rm", "sh", "-c", script], capture_output=True, timeout=300, check=False
    )
    err = (out / "stderr").read_text()
    assert proc.returncode == 1, err
    assert "Traceback" not in err
    errors = [line for line in err.splitlines() if line.startswith("aioglacier: error: ")]
    assert len(errors) == 1, err
    [line] = errors
    assert line.startswith(
        f"aioglacier: error: {disk}/journal: cannot write the journal: {ENOSPC}; sync stopped: "
        "no new upload started"
    )
    assert err.splitlines()[-1] == line
    listing = (out / "listing").read_text().split()
    assert [name for name in listing if name.endswith(".tmp")] == []
    state = read_journal(out / "journal")
    assert state.torn_tail is None
    assert 0 < len(state.files) < 62
    named = {aid for _, aid in UPLOADED.findall(line)}

    async def check() -> None:
        async with Emulator(emu) as emulator:
            vault = {a.archive_id for a in await emulator.archives("v")}
            assert vault == set(state.archives) | named
            async with make_client(emulator) as client:
                assert await client.api.list_multipart_uploads("v") == []

    asyncio.run(check())
