"""Complete Multipart Upload under dropped responses: every file uploaded once, restored exact."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp

from aioglacier import GlacierApi, RetryPolicy
from aioglacier.backends.glacier.backend import GlacierBackend
from aioglacier.emulator import Emulator
from aioglacier.engine import run_sync
from aioglacier.journal import read_journal
from aioglacier.limits import RequestLimiter
from aioglacier.planner import SyncPlanOptions
from aioglacier.sigv4 import SigV4Signer

from .conftest import MIB, assert_vault_matches_tree, make_client, write

FILES = {f"big/{i:02d}.bin": os.urandom(MIB + 4096 * i + 1) for i in range(16)}


async def test_sync_through_dropped_completes_uploads_each_file_once(tmp_path: Path) -> None:
    base = tmp_path / "data"
    for i, (name, data) in enumerate(FILES.items()):
        write(base, name, data, mtime=1_500_000_000 + i)
    journal = tmp_path / "journal"
    async with Emulator(
        tmp_path / "emu", faults="seed=11,complete_multipart_upload:drop=0.5"
    ) as emu:
        async with make_client(emu, part_mib=1) as client:
            await client.create_vault("vault")
            result = await client.sync(base, "vault", journal)
        assert result.ok, result.failed
        assert sorted(f.relfilename for f in result.uploaded) == sorted(FILES)
        assert emu.faults is not None
        assert emu.faults.injected[("complete_multipart_upload", "drop")] >= 4
        # one archive per file, no orphan: the vault holds exactly the journal's archives
        await assert_vault_matches_tree(emu, "vault", journal, base)
        assert len(read_journal(journal).archives) == len(FILES)

        for path in base.rglob("*.bin"):
            path.unlink()
        async with make_client(emu) as client:
            await client.restore(base, "vault", journal, max_number_of_files=100)
            restored = await client.restore_completed(base, "vault", journal)
        assert restored.ok, restored.failed
    for name, data in FILES.items():
        assert base.joinpath(*name.split("/")).read_bytes() == data, name


COMPLETION_UNKNOWN = (
    "CompletionUnknown: the answer to Complete Multipart Upload was lost and its retry found "
    "the upload gone: an archive may have been created that the journal does not record (a "
    "vault inventory lists it); the next sync uploads the file again"
)


async def test_store_that_cannot_answer_twice_is_reported_not_silently_orphaned(
    tmp_path: Path,
) -> None:
    base = tmp_path / "data"
    data = os.urandom(2 * MIB + 1)
    write(base, "one.bin", data)
    journal = tmp_path / "journal"
    async with Emulator(
        tmp_path / "emu",
        faults="complete_multipart_upload:drop=1",
        completed_upload_retention=timedelta(0),  # a store that forgets at once
    ) as emu:
        async with make_client(emu) as client:
            await client.create_vault("vault")
            result = await client.sync(base, "vault", journal)
        assert [(f.relfilename, f.reason) for f in result.failed] == [
            ("one.bin", COMPLETION_UNKNOWN)
        ]
        # what the message says is so: an archive exists that no journal line names
        [orphan] = await emu.archives("vault")
        assert await emu.read_archive("vault", orphan.archive_id) == data
    assert read_journal(journal).archives == {}


class FindingApi(GlacierApi):
    """A backend whose store can look a completed upload up (as S3 can by key)."""

    def __init__(self, emulator: Emulator, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.emulator = emulator
        self.lookups: list[str] = []

    async def find_completed_archive(
        self, vault: str, upload_id: str, *, archive_size: int, tree_hash: str
    ) -> str | None:
        self.lookups.append(upload_id)
        for archive in await self.emulator.archives(vault):
            if (archive.size, archive.sha256_tree_hash) == (archive_size, tree_hash):
                return archive.archive_id
        return None


async def test_store_that_can_look_the_archive_up_journals_it(tmp_path: Path) -> None:
    base = tmp_path / "data"
    data = os.urandom(2 * MIB + 1)
    write(base, "one.bin", data, mtime=1_500_000_000)
    journal = tmp_path / "journal"
    async with Emulator(
        tmp_path / "emu",
        faults="complete_multipart_upload:drop=1",
        completed_upload_retention=timedelta(0),
    ) as emu:
        async with make_client(emu) as client:
            await client.create_vault("vault")
        async with aiohttp.ClientSession() as session:
            api = FindingApi(
                emu,
                session,
                emu.url,
                SigV4Signer(emu.credentials, "us-east-1", "glacier"),
                RequestLimiter(4),
                RetryPolicy(max_attempts=4, base_delay=0.005, max_delay=0.05),
            )
            result = await run_sync(
                GlacierBackend(api, "vault"),
                base_dir=base,
                journal_path=journal,
                options=SyncPlanOptions(),
                part_size=MIB,
                concurrency=4,
            )
        assert result.ok, result.failed
        assert len(api.lookups) == 1
        await assert_vault_matches_tree(emu, "vault", journal, base)
