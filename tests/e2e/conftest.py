"""End-to-end fixtures: a real emulator on loopback and a client pointed at it."""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from aioglacier import Client, ClientSettings, RetryPolicy
from aioglacier.emulator import Emulator
from aioglacier.journal import read_journal
from aioglacier.metadata import decode_description
from aioglacier.treehash import tree_hash

MIB = 1024 * 1024


@pytest.fixture
async def emulator(tmp_path: Path) -> AsyncIterator[Emulator]:
    async with Emulator(tmp_path / "emulator-data") as emu:
        yield emu


def make_client(
    emu: Emulator,
    *,
    concurrency: int = 8,
    part_mib: int = 1,
    attempts: int = 8,
    clock: Callable[[], float] = time.time,
) -> Client:
    settings = ClientSettings(
        endpoint_url=emu.url,
        credentials=emu.credentials,
        concurrency=concurrency,
        part_size=part_mib * MIB,
        max_attempts=attempts,
    )
    return Client(
        settings,
        retry=RetryPolicy(max_attempts=attempts, base_delay=0.005, max_delay=0.05),
        clock=clock,
    )


@pytest.fixture
async def client(emulator: Emulator) -> AsyncIterator[Client]:
    async with make_client(emulator) as c:
        await c.create_vault("vault")
        yield c


def write(base: Path, rel: str, data: bytes, mtime: int | None = None) -> Path:
    path = base.joinpath(*rel.split("/"))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


async def assert_vault_matches_tree(emu: Emulator, vault: str, journal: Path, base: Path) -> None:
    """Every current journal entry is an archive on the emulator with the file's exact bytes,
    tree hash, size and an mt2 description naming it; the vault holds nothing else."""
    state = read_journal(journal)
    stored = {a.archive_id: a for a in await emu.archives(vault)}
    assert set(stored) == set(state.archives)
    for name, record in state.files.items():
        data = base.joinpath(*name.split("/")).read_bytes()
        archive = stored[record.archive_id]
        assert archive.size == len(data) == record.size
        assert archive.sha256_tree_hash == tree_hash(data).hex() == record.treehash
        assert decode_description(archive.description) == (name, record.mtime)
        assert await emu.read_archive(vault, record.archive_id) == data
