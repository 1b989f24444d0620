"""A restore's segment is hashed and written as it arrives, holding a few MiB, never all of it."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from aioglacier.engine.download import WRITE_BATCH, _SegmentWriter
from aioglacier.treehash import MIB, tree_hash


@pytest.mark.parametrize("size", [0, 1, MIB - 1, MIB, 3 * MIB + 7, 16 * MIB])
async def test_bytes_land_at_their_offset_with_the_tree_hash(tmp_path: Path, size: int) -> None:
    """Chunks of random sizes (as aiohttp hands them over) at offset 8 MiB of a file: the file
    holds them there, the digest is the tree hash of the bytes, and what the writer keeps
    waiting never exceeds one batch plus one chunk."""
    rng = random.Random(size)
    data = rng.randbytes(size)
    path = tmp_path / "partial"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        writer = _SegmentWriter(None, fd, 8 * MIB)
        pos = 0
        biggest = 0
        while pos < size:
            n = rng.randint(1, 300_000)
            await writer.feed(data[pos : pos + n])
            biggest = max(biggest, writer._pending_size)
            pos += n
        digest = await writer.finish()
    finally:
        os.close(fd)
    assert digest == tree_hash(data)
    assert writer.received == size
    assert biggest < WRITE_BATCH + 300_000
    content = path.read_bytes()
    assert content[8 * MIB :] == data
    assert content[: 8 * MIB].count(0) == (8 * MIB if size else 0)
