"""purge-vault on a bucket: DeleteObjects in batches of 1,000, concurrently, deleting exactly
what the journal names, against moto in server mode and the emulator's S3 (no HTTP mocks).

What is checked: an ``s3v:`` archive is deleted by its version id (the newer version stays);
an ``s3:`` archive only while its key still holds it (an overwritten key keeps the new object,
and the archive is journaled as gone); more than 1,000 archives go in one DeleteObjects per
1,000 (counted by the emulator), none by DeleteObject; every deletion is journaled.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from s3_helpers import S3Server, backend_on, make_s3, put

from aioglacier.backends.base import ObjectSpec, StoredObject
from aioglacier.backends.s3 import S3Api, S3Backend
from aioglacier.emulator import Emulator
from aioglacier.engine.purge import BatchDeleter, purge_vault
from aioglacier.errors import NotFound


def spec(n: int) -> ObjectSpec:
    return ObjectSpec(f"d/file {n:05d}", 1_577_934_245)


def journal_of(path: Path, objects: list[StoredObject]) -> Path:
    """The journal of ``objects`` (CREATED lines, as a sync writes them)."""
    path.write_text(
        "".join(
            f"B\t1796000000\tCREATED\t{o.archive_id}\t{o.size}\t1577934245\t{o.tree_hash}\t{o.name}\n"
            for o in objects
        ),
        encoding="utf-8",
    )
    return path


def deleted_ids(path: Path) -> set[str]:
    """The archive ids of the journal's DELETED lines (``B<TAB>time<TAB>DELETED<TAB>id...``)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return {line.split("\t")[3] for line in lines if line.split("\t")[2] == "DELETED"}


async def put_many(backend: S3Backend, count: int) -> list[StoredObject]:
    sem = asyncio.Semaphore(16)

    async def one(n: int) -> StoredObject:
        async with sem:
            return await put(backend, f"object {n}".encode(), spec(n))

    return list(await asyncio.gather(*(one(n) for n in range(count))))


async def keys(api: S3Api, bucket: str) -> list[str]:
    return [o.key async for o in api.list_objects_v2(bucket)]


def test_the_s3_backend_deletes_in_batches() -> None:
    assert isinstance(S3Backend.__new__(S3Backend), BatchDeleter)
    assert S3Backend.delete_batch_size == 1000


async def test_batch_delete_outcomes_unversioned(api: S3Api) -> None:
    backend = await backend_on(api, "STANDARD")
    kept = await put(backend, b"old", spec(1))
    overwritten_new = await put(backend, b"new", spec(1))  # the key holds another object now
    plain = await put(backend, b"plain", spec(2))
    gone = await put(backend, b"gone", spec(3))
    await backend.delete(gone)
    outcomes = await backend.delete_batch([kept, plain, gone])
    assert outcomes[1] is None
    assert isinstance(outcomes[0], NotFound)
    assert "the key holds another object now" in str(outcomes[0])
    assert isinstance(outcomes[2], NotFound)
    assert "no longer in the bucket" in str(outcomes[2])
    assert await keys(api, backend.bucket) == [backend.key(spec(1).name)]
    info = await api.head_object(backend.bucket, backend.key(spec(1).name))
    assert backend.archive_id_of(info) == overwritten_new.archive_id


async def test_batch_delete_by_version_keeps_the_newer_version(api: S3Api) -> None:
    backend = await backend_on(api, "STANDARD", versioned=True)
    old = await put(backend, b"old", spec(1))
    new = await put(backend, b"new", spec(1))
    other = await put(backend, b"other", spec(2))
    assert await backend.delete_batch([old, other]) == [None, None]
    assert await keys(api, backend.bucket) == [backend.key(spec(1).name)]
    info = await api.head_object(backend.bucket, backend.key(spec(1).name))
    assert info.version_id == new.archive_id[len("s3v:") :]
    with pytest.raises(NotFound):
        await backend.delete(old)


async def test_purge_journals_every_outcome_in_small_batches(api: S3Api, tmp_path: Path) -> None:
    backend = await backend_on(api, "STANDARD")
    backend.delete_batch_size = 2  # 7 archives: 4 batches, 3 in flight
    objects = await put_many(backend, 6)
    replaced = objects[5]
    newer = await put(backend, b"newer", spec(5))
    bogus = StoredObject("glacier-archive-id", "d/bogus", 1, "0" * 64)
    journal = journal_of(tmp_path / "journal", [*objects, bogus])
    result = await purge_vault(backend, journal_path=journal, concurrency=3)
    assert sorted(o.relfilename for o in result.done) == sorted(o.name for o in objects)
    assert [(f.relfilename, f.detail) for f in result.failed] == [
        ("d/bogus", "'glacier-archive-id' is not an S3 archive id (s3: or s3v:)")
    ]
    assert deleted_ids(journal) == {o.archive_id for o in objects}  # the replaced one: gone
    assert await keys(api, backend.bucket) == [backend.key(replaced.name)]
    info = await api.head_object(backend.bucket, backend.key(replaced.name))
    assert backend.archive_id_of(info) == newer.archive_id


# ------------------------------------------------------------------ over 1,000 on the emulator


@pytest.fixture
async def emulator(tmp_path: Path) -> AsyncIterator[Emulator]:
    async with Emulator(tmp_path / "emu") as emu:
        yield emu


@pytest.mark.parametrize("versioned", [False, True], ids=["unversioned", "versioned"])
async def test_purge_of_more_than_1000_archives_in_batches_of_1000(
    emulator: Emulator, session: aiohttp.ClientSession, tmp_path: Path, versioned: bool
) -> None:
    api = make_s3(session, S3Server("emulator", emulator.url, emulator.credentials))
    backend = await backend_on(api, "DEEP_ARCHIVE", versioned=versioned)
    count = 2345
    objects = await put_many(backend, count)
    journal = journal_of(tmp_path / "journal", objects)
    batches = emulator.hold("s3.delete_objects", after=10**9)  # counts, holds nothing
    singles = emulator.hold("s3.delete_object", after=0)  # would hang: none may be sent
    result = await purge_vault(backend, journal_path=journal, concurrency=4)
    assert result.ok
    assert len(result.done) == count
    assert batches.arrived == math.ceil(count / 1000) == 3
    assert singles.arrived == 0
    assert deleted_ids(journal) == {o.archive_id for o in objects}
    assert await keys(api, backend.bucket) == []
