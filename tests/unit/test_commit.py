"""The group committer: files handed over are committed in batches, durable under their names,
with room for at most ``max_outstanding`` at once."""

from __future__ import annotations

import asyncio
from pathlib import Path

from aioglacier import staging
from aioglacier.engine.commit import Committer, create_partial, finish_partial
from aioglacier.journal import Created


def _staged(base: Path, name: str, data: bytes) -> staging.PartialFile:
    import os

    record = Created(1, f"A-{name}", len(data), 1_000_000, "0" * 64, name)
    partial = create_partial(base, name, None)
    os.pwrite(partial.fd, data, 0)
    return finish_partial(partial, record)


async def test_submit_returns_before_the_commit_and_the_future_says_when_done(
    tmp_path: Path,
) -> None:
    committer = Committer(None)
    first = await committer.submit(_staged(tmp_path, "d/a", b"alpha"))
    second = await committer.submit(_staged(tmp_path, "d/b", b"beta"))
    assert not first.done()
    assert not second.done()
    await committer.drained()
    assert first.result() is None
    assert second.result() is None
    assert (tmp_path / "d" / "a").read_bytes() == b"alpha"
    assert (tmp_path / "d" / "b").read_bytes() == b"beta"
    assert (tmp_path / "d" / "a").stat().st_mtime == 1_000_000


async def test_submit_waits_for_room_beyond_max_outstanding(tmp_path: Path) -> None:
    committer = Committer(None, max_batch=1, max_outstanding=1)
    first = await committer.submit(_staged(tmp_path, "a", b"1"))
    waiter = asyncio.ensure_future(committer.submit(_staged(tmp_path, "b", b"2")))
    second = await waiter  # only once the first is committed
    assert first.done()
    assert first.result() is None
    await committer.drained()
    assert second.result() is None
    assert (tmp_path / "b").read_bytes() == b"2"


async def test_a_file_that_appeared_is_not_overwritten(tmp_path: Path) -> None:
    committer = Committer(None)
    staged = _staged(tmp_path, "x", b"restored")
    (tmp_path / "x").write_bytes(b"someone else's")
    future = await committer.submit(staged)
    await committer.drained()
    exc = future.exception()
    assert exc is not None
    assert str(exc) == "file appeared while it was downloaded; not overwritten"
    assert (tmp_path / "x").read_bytes() == b"someone else's"
