"""Complete Multipart Upload under dropped responses: every file uploaded once, restored exact."""

from __future__ import annotations

import os
from pathlib import Path

from aioglacier.emulator import Emulator
from aioglacier.journal import read_journal

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
