"""Tests for aioglacier.staging: a restore's file is new, no one else's, and never replaces one."""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from aioglacier import staging
from aioglacier.safepath import TEMP_PREFIX, is_temp_name

HAS_TMPFILE = bool(getattr(os, "O_TMPFILE", 0)) and os.path.isdir("/proc/self/fd")


@pytest.fixture(params=["anonymous", "named"])
def mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "anonymous" and not HAS_TMPFILE:
        pytest.skip("no O_TMPFILE here")
    if request.param == "named":
        monkeypatch.setattr(staging, "_O_TMPFILE", 0)  # as on a system without it
    return str(request.param)


def write(partial: staging.PartialFile, data: bytes, mtime: int | None = 1_234_567_890) -> None:
    os.pwrite(partial.fd, data, 0)
    staging.finish(partial, len(data), mtime)


def names(directory: Path) -> list[str]:
    return sorted(os.listdir(directory))


def test_a_file_is_written_unseen_then_linked_into_place(tmp_path: Path, mode: str) -> None:
    target = tmp_path / "a" / "b" / "file"
    partial = staging.create(tmp_path, target)
    try:
        write(partial, b"payload")
        during = names(tmp_path / "a" / "b")
        if mode == "anonymous":
            assert partial.temp_name is None
            assert during == []  # no name at all until it is whole
        else:
            assert partial.temp_name is not None
            assert during == [partial.temp_name]
            assert is_temp_name(partial.temp_name)
        staging.flush([partial])
        staging.place(partial)
        staging.flush_directories([partial])
    finally:
        staging.release(partial)
    assert names(tmp_path / "a" / "b") == ["file"]
    assert target.read_bytes() == b"payload"
    assert int(target.stat().st_mtime) == 1_234_567_890
    assert target.stat().st_nlink == 1
    staging.release(partial)  # idempotent
    assert (partial.fd, partial.dir_fd) == (-1, -1)


def test_an_existing_file_is_never_replaced(tmp_path: Path, mode: str) -> None:
    target = tmp_path / "x"
    partial = staging.create(tmp_path, target)
    try:
        write(partial, b"restored")
        target.write_bytes(b"appeared meanwhile")
        with pytest.raises(staging.TargetExistsError) as info:
            staging.place(partial)
        assert str(info.value) == "file appeared while it was downloaded; not overwritten"
    finally:
        staging.release(partial)
    assert names(tmp_path) == ["x"]
    assert target.read_bytes() == b"appeared meanwhile"


def test_a_released_unplaced_file_leaves_nothing(tmp_path: Path, mode: str) -> None:
    partial = staging.create(tmp_path, tmp_path / "d" / "f")
    write(partial, b"half")
    staging.release(partial)
    assert names(tmp_path / "d") == []


def _names_then(first: str) -> Iterator[str]:
    yield first
    yield TEMP_PREFIX + "1" * 20


def test_named_files_are_created_exclusively(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(staging, "_O_TMPFILE", 0)
    taken = TEMP_PREFIX + "0" * 20
    (tmp_path / taken).write_bytes(b"someone else's file")
    fresh = _names_then(taken)
    monkeypatch.setattr(staging, "new_temp_name", lambda: next(fresh))
    partial = staging.create(tmp_path, tmp_path / "x")
    try:
        assert partial.temp_name == TEMP_PREFIX + "1" * 20
        write(partial, b"mine")
        staging.flush([partial])
        staging.place(partial)
    finally:
        staging.release(partial)
    assert (tmp_path / taken).read_bytes() == b"someone else's file"
    assert (tmp_path / "x").read_bytes() == b"mine"
    assert names(tmp_path) == sorted([taken, "x"])


def test_a_temporary_name_is_removed_only_while_it_is_ours(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(staging, "_O_TMPFILE", 0)
    partial = staging.create(tmp_path, tmp_path / "x")
    assert partial.temp_name is not None
    other = tmp_path / "other"
    other.write_bytes(b"not the restore's")
    os.replace(other, tmp_path / partial.temp_name)  # someone put their file there
    staging.release(partial)
    assert (tmp_path / partial_name(tmp_path)).read_bytes() == b"not the restore's"


def partial_name(directory: Path) -> str:
    [name] = os.listdir(directory)
    return name


@pytest.mark.parametrize("renameat2", [True, False], ids=["renameat2", "check-then-rename"])
def test_file_systems_without_hard_links_rename_without_replacing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, renameat2: bool
) -> None:
    monkeypatch.setattr(staging, "_O_TMPFILE", 0)  # FAT has no O_TMPFILE either
    if not renameat2:
        monkeypatch.setattr(staging, "_RENAMEAT2", None)

    def no_links(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    placed = staging.create(tmp_path, tmp_path / "new")
    kept = staging.create(tmp_path, tmp_path / "old")
    (tmp_path / "old").write_bytes(b"existing")
    try:
        write(placed, b"restored")
        write(kept, b"must not replace")
        staging.flush([placed, kept])
        staging.place(placed)
        with pytest.raises(staging.TargetExistsError):
            staging.place(kept)
    finally:
        staging.release(placed)
        staging.release(kept)
    assert names(tmp_path) == ["new", "old"]
    assert (tmp_path / "new").read_bytes() == b"restored"
    assert (tmp_path / "old").read_bytes() == b"existing"


def test_flush_groups_by_file_system(tmp_path: Path, mode: str) -> None:
    partials = [staging.create(tmp_path, tmp_path / f"d{i % 2}" / f"f{i}") for i in range(4)]
    try:
        for p in partials:
            write(p, b"x", None)
        staging.flush(partials)
        for p in partials:
            staging.place(p)
        staging.flush_directories(partials)
    finally:
        for p in partials:
            staging.release(p)
    assert names(tmp_path / "d0") == ["f0", "f2"]
    assert names(tmp_path / "d1") == ["f1", "f3"]
