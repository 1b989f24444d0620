"""What every backend does, whatever the store: one suite, run on each of :data:`BACKENDS`."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from backend_harness import Factory, Harness

from aioglacier.backends.base import Backend, ObjectSpec, StoredObject, Warmup
from aioglacier.errors import NotFound, TransferError
from aioglacier.treehash import MIB, is_tree_hash_aligned, tree_hash, tree_hash_from_parts

SPEC = ObjectSpec("dir/file.bin", 1_500_000_000)


def digests(data: bytes) -> tuple[str, str]:
    return tree_hash(data).hex(), hashlib.sha256(data).hexdigest()


async def put(backend: Backend, data: bytes, spec: ObjectSpec = SPEC) -> StoredObject:
    tree, sha = digests(data)
    archive_id = await backend.put(spec, data, tree_hash=tree, sha256=sha)
    return StoredObject(archive_id, spec.name, len(data), tree)


async def ready_warmup(h: Harness, obj: StoredObject) -> Warmup | None:
    """Warm ``obj`` up (when the store needs it) and return the ready warm-up."""
    if not h.backend.capabilities.needs_warmup:
        return None
    await h.backend.warmup(obj)
    await h.make_ready()
    [warm] = [w async for w in h.backend.warmups([obj])]
    assert warm.status == "ready"
    return warm


async def read_all(h: Harness, obj: StoredObject, warm: Warmup | None) -> bytes:
    async with h.backend.read(obj, warm) as reader:
        return await reader.read()


async def test_put_then_read_gives_the_same_bytes(harness: Harness) -> None:
    data = os.urandom(3 * MIB + 17)
    obj = await put(harness.backend, data)
    warm = await ready_warmup(harness, obj)
    async with harness.backend.read(obj, warm) as reader:
        got = b"".join([c async for c in reader.chunks()])
        sent = reader.tree_hash
    assert got == data
    if harness.backend.capabilities.ranged_tree_hash:
        assert sent == obj.tree_hash


async def test_ranged_reads(harness: Harness) -> None:
    data = os.urandom(4 * MIB + 5)
    obj = await put(harness.backend, data)
    warm = await ready_warmup(harness, obj)
    for first, last in (
        (0, MIB - 1),
        (MIB, 3 * MIB - 1),
        (2 * MIB, 4 * MIB - 1),
        (4 * MIB, 4 * MIB + 4),
    ):
        async with harness.backend.read(obj, warm, byte_range=(first, last)) as reader:
            got = await reader.read()
            sent = reader.tree_hash
        assert got == data[first : last + 1]
        aligned = is_tree_hash_aligned(first, last, len(data))
        if harness.backend.capabilities.ranged_tree_hash and aligned:
            assert sent == tree_hash(got).hex()
        else:
            assert sent in (None, tree_hash(got).hex())


async def test_multipart_write_present_resume_complete(harness: Harness) -> None:
    backend = harness.backend
    caps = backend.capabilities
    part_size = caps.part_size_for(3 * caps.min_part_size, caps.min_part_size)
    data = os.urandom(2 * part_size + 123)
    writer = await backend.start_multipart(SPEC, size=len(data), part_size=part_size)
    assert writer.part_size == part_size
    starts = list(range(0, len(data), part_size))
    hashes = [digests(data[s : s + part_size]) for s in starts]
    # Parts in any order; the last (short) one first.
    for number in (3, 1):
        start = starts[number - 1]
        tree, sha = hashes[number - 1]
        part = await writer.write_part(
            number, start, data[start : start + part_size], tree_hash=tree, sha256=sha
        )
        assert (part.number, part.start, part.size) == (
            number,
            start,
            len(data[start : start + part_size]),
        )
    assert writer.upload_id in {u.upload_id for u in await backend.list_uploads()}
    resumed = await backend.resume_multipart(writer.upload_id, SPEC, part_size=part_size)
    present = {p.number: p for p in await resumed.present()}
    assert sorted(present) == [1, 3]
    for number, part in present.items():
        start = starts[number - 1]
        length = min(part_size, len(data) - start)
        assert part.holds(start, length, *hashes[number - 1])
        assert not part.holds(start, length, *digests(b"x" * length))
        resumed.reuse(part)
    tree, sha = hashes[1]
    await resumed.write_part(2, starts[1], data[starts[1] : starts[2]], tree_hash=tree, sha256=sha)
    whole = tree_hash(data).hex()
    if caps.part_size_power_of_two:  # parts of 2^n MiB: the parts' hashes make the whole's
        assert tree_hash_from_parts([bytes.fromhex(t) for t, _ in hashes]).hex() == whole
    archive_id = await resumed.complete(size=len(data), tree_hash=whole)
    obj = StoredObject(archive_id, SPEC.name, len(data), whole)
    assert await read_all(harness, obj, await ready_warmup(harness, obj)) == data
    assert writer.upload_id not in {u.upload_id for u in await backend.list_uploads()}


async def test_aborted_upload_is_not_found(harness: Harness) -> None:
    backend = harness.backend
    part_size = backend.capabilities.min_part_size
    writer = await backend.start_multipart(SPEC, size=-1, part_size=part_size)
    tree, sha = digests(b"a" * part_size)
    await writer.write_part(1, 0, b"a" * part_size, tree_hash=tree, sha256=sha)
    [info] = [u for u in await backend.list_uploads() if u.upload_id == writer.upload_id]
    assert info.name == SPEC.name
    await writer.abort()
    await writer.abort()  # an upload already gone is not an error
    lost = await backend.resume_multipart(writer.upload_id, SPEC, part_size=part_size)
    with pytest.raises(NotFound):
        await lost.present()
    assert writer.upload_id not in {u.upload_id for u in await backend.list_uploads()}


async def test_delete_removes_exactly_one_and_then_not_found(harness: Harness) -> None:
    first = await put(harness.backend, b"first version")
    second = await put(harness.backend, b"second version")  # the same name
    assert first.archive_id != second.archive_id
    if harness.backend.capabilities.versioned:
        await harness.backend.delete(first)
    # Without versions the second upload replaced the first in place: the first is gone,
    # and deleting it must not delete the second.
    with pytest.raises(NotFound):
        await harness.backend.delete(first)
    assert await read_all(harness, second, await ready_warmup(harness, second)) == (
        b"second version"
    )


async def test_warmup_lifecycle(backend_factory: Factory, tmp_path: Path) -> None:
    async with backend_factory(tmp_path, "slow") as h:
        if not h.backend.capabilities.needs_warmup:
            pytest.skip("this store reads without warming up")
        obj = await put(h.backend, b"cold bytes")
        other = await put(h.backend, b"never warmed", ObjectSpec("other", 1))
        asked = await h.backend.warmup(obj, tier="Standard")
        assert (asked.archive_id, asked.status) == (obj.archive_id, "in-progress")
        [pending] = [w async for w in h.backend.warmups([obj, other])]
        assert (pending.token, pending.status) == (asked.token, "in-progress")
        await h.make_ready()
        [ready] = [w async for w in h.backend.warmups([obj, other])]
        assert (ready.token, ready.status) == (asked.token, "ready")
        assert await read_all(h, obj, ready) == b"cold bytes"


async def test_failed_warmup_is_visible(backend_factory: Factory, tmp_path: Path) -> None:
    async with backend_factory(tmp_path, "failing") as h:
        if not h.backend.capabilities.needs_warmup:
            pytest.skip("this store reads without warming up")
        obj = await put(h.backend, b"cold bytes")
        asked = await h.backend.warmup(obj)
        await h.make_ready()
        [failed] = [w async for w in h.backend.warmups([obj])]
        assert (failed.token, failed.status, failed.message) == (
            asked.token,
            "failed",
            h.failed_message,
        )


def test_part_size_for(harness: Harness) -> None:
    caps = harness.backend.capabilities
    small = caps.part_size_for(1, caps.min_part_size)
    assert small >= caps.min_part_size
    big = caps.part_size_for(caps.max_parts * small + 1, small)
    assert big > small
    assert -(-(caps.max_parts * small + 1) // big) <= caps.max_parts
    if caps.part_size_power_of_two:
        assert (big // MIB) & (big // MIB - 1) == 0
    with pytest.raises(TransferError, match=r"more than .* can hold"):
        caps.part_size_for(caps.max_object_size + 1, small)
