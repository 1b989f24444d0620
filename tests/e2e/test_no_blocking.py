"""The event loop never blocks during transfers: blockbuster raises on any blocking call made on
the loop thread (file I/O, sleeps, os.stat...), in our code or in the emulator serving it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from blockbuster import BlockingError, blockbuster_ctx

from aioglacier.emulator import Emulator

from .conftest import MIB, assert_vault_matches_tree, make_client, write


async def test_blockbuster_catches_a_blocking_call(tmp_path: Path) -> None:
    """The detector is live: a synchronous file read by aioglacier on the loop thread fails."""
    from aioglacier.config import read_config_file

    cfg = tmp_path / "cfg"
    cfg.write_text("region=x\n")
    with blockbuster_ctx(["aioglacier"]), pytest.raises(BlockingError):
        read_config_file(cfg)


@pytest.mark.both_loops
async def test_sync_and_check_do_not_block_the_loop(tmp_path: Path) -> None:
    base = tmp_path / "data"
    for i in range(20):
        write(base, f"small/{i}", os.urandom(500))
    write(base, "big.bin", os.urandom(5 * MIB + 3))
    journal = tmp_path / "j"
    async with Emulator(tmp_path / "emu") as emu:
        async with make_client(emu, concurrency=4) as client:
            await client.create_vault("v")
            with blockbuster_ctx(["aioglacier"]):
                result = await client.sync(base, "v", journal)
                (base / "small" / "3").unlink()
                write_free = await client.sync(base, "v", journal, delete_removed=True)
        assert result.ok, result.failed
        assert write_free.ok, write_free.failed
        await assert_vault_matches_tree(emu, "v", journal, base)


async def test_restore_does_not_block_the_loop(tmp_path: Path) -> None:
    base = tmp_path / "data"
    files = {"a/x": os.urandom(300), "b": os.urandom(3 * MIB + 7)}
    for name, data in files.items():
        write(base, name, data)
    journal = tmp_path / "j"
    async with Emulator(tmp_path / "emu") as emu:
        async with make_client(emu, concurrency=4) as client:
            await client.create_vault("v")
            assert (await client.sync(base, "v", journal)).ok
            for name in files:
                base.joinpath(name).unlink()
            with blockbuster_ctx(["aioglacier"]):
                started = await client.restore(base, "v", journal, max_number_of_files=10)
                result = await client.restore_completed(base, "v", journal, segment_size=MIB)
                purged = await client.purge_vault("v", journal)
        assert len(started.done) == 2
        assert result.ok, result.failed
        assert len(purged.done) == 2
    for name, data in files.items():
        assert base.joinpath(name).read_bytes() == data
