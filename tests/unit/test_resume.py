"""The uploads sidecar: a rewrite that fails (a full disk) leaves the previous file whole, no
``.tmp`` behind, and memory in step with the disk."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from aioglacier.resume import PendingUpload, ResumeStore, resume_path_for


def entry(n: int) -> PendingUpload:
    return PendingUpload("v", f"up{n}", f"f{n}", 10, 20, 1024, "desc", 1.5)


class Disk:
    """An ``os.write`` whose disk can be made full."""

    def __init__(self) -> None:
        self.full = False
        self.partial = False

    def __call__(self, fd: int, data: bytes) -> int:
        if self.full:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        if self.partial:  # a disk filling up: part of the data, then nothing
            self.full = True
            return os.write(fd, data[: len(data) // 2])
        return os.write(fd, data)


async def test_failed_rewrite_leaves_the_old_sidecar_and_no_tmp(tmp_path: Path) -> None:
    path = resume_path_for(tmp_path / "journal")
    disk = Disk()
    store = ResumeStore(path, write=disk)
    await store.add(entry(1))
    before = path.read_bytes()
    for partial in (False, True):
        disk.full, disk.partial = not partial, partial
        with pytest.raises(OSError, match=os.strerror(errno.ENOSPC)) as info:
            await store.add(entry(2))
        assert info.value.errno == errno.ENOSPC
        assert path.read_bytes() == before
        assert sorted(p.name for p in tmp_path.iterdir()) == ["journal.uploads.json"]
        assert store.pending() == [entry(1)]  # not recorded, so not pending
    disk.full = disk.partial = False
    again = ResumeStore(path)
    await again.load()
    assert again.pending() == [entry(1)]
    await store.remove("up1")  # the last entry: the file goes (no space needed)
    assert list(tmp_path.iterdir()) == []
