"""aioglacier.checklocal: the behaviours mutation testing (mutation/run.py checklocal) found
unasserted: small files read in several pieces (larger than one read, up to a few leaves),
exactly at leaf boundaries, and changed between the stat and the read on that path.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from aioglacier import checklocal
from aioglacier.checklocal import CheckResult, check_local_hash, format_result
from aioglacier.journal import Created, JournalState
from aioglacier.treehash import MIB, READ_SIZE, tree_hash_hex


def _data(size: int) -> bytes:
    return (bytes(range(251)) * (size // 251 + 1))[:size]


def _created(name: str, data: bytes, mtime: int | None = None) -> Created:
    return Created(1000, f"id-{name}", len(data), mtime, tree_hash_hex(data), name)


def _state(*records: Created) -> JournalState:
    return JournalState(files={r.relfilename: r for r in records})


async def _lines(state: JournalState, base: Path) -> list[str]:
    results: list[CheckResult] = []
    await check_local_hash(state, base, on_result=results.append)
    return [format_result(r) for r in results]


SMALL_SIZES = [READ_SIZE + 1, 3 * READ_SIZE + 17, MIB - 1, MIB]


async def test_small_files_read_in_pieces_are_hashed_right(tmp_path: Path) -> None:
    records = []
    for size in SMALL_SIZES:
        data = _data(size)
        (tmp_path / f"f{size}").write_bytes(data)
        records.append(_created(f"f{size}", data))
    expected = sorted(
        f"OK f{len(r_data)} {len(r_data)} {tree_hash_hex(r_data)}"
        for r_data in (_data(s) for s in SMALL_SIZES)
    )
    assert sorted(await _lines(_state(*records), tmp_path)) == expected


@pytest.mark.parametrize("size", [2 * MIB - 1, 2 * MIB, 2 * MIB + 1, 3 * MIB + 124])
async def test_several_leaves_read_in_one_job_are_hashed_right(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: int
) -> None:
    monkeypatch.setattr(checklocal, "SMALL_FILE_MAX", 4 * MIB)  # these go through _hash_small
    data = _data(size)
    (tmp_path / "f").write_bytes(data)
    assert await _lines(_state(_created("f", data)), tmp_path) == [
        f"OK f {size} {tree_hash_hex(data)}"
    ]


async def test_a_different_file_of_the_same_size_is_a_treehash_mismatch(tmp_path: Path) -> None:
    data = _data(MIB)
    other = data[:-1] + b"\xff"
    (tmp_path / "f").write_bytes(other)
    assert await _lines(_state(_created("f", data)), tmp_path) == [
        f"TREEHASH MISMATCH f (local {tree_hash_hex(other)}, journal {tree_hash_hex(data)})"
    ]


@pytest.mark.parametrize("new_size", [READ_SIZE + 5, 2 * READ_SIZE + 1, MIB - 2])
async def test_a_small_file_changed_after_its_stat_reports_its_real_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, new_size: int
) -> None:
    data = _data(2 * READ_SIZE)
    path = tmp_path / "f"
    path.write_bytes(data)
    real = checklocal._locate

    def locate_then_change(located: Any, name: str) -> Any:
        found = real(located, name)
        path.write_bytes(_data(new_size))
        return found

    monkeypatch.setattr(checklocal, "_locate", locate_then_change)
    assert await _lines(_state(_created("f", data)), tmp_path) == [
        f"SIZE MISMATCH f (local {new_size} bytes, journal {len(data)} bytes)"
    ]


async def test_a_read_error_on_the_piecewise_path_is_an_error_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _data(2 * READ_SIZE)
    (tmp_path / "f").write_bytes(data)

    def failing_readv(fd: int, buffers: Any) -> int:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(checklocal.os, "readv", failing_readv)
    assert await _lines(_state(_created("f", data)), tmp_path) == [
        "ERROR f (cannot read: Input/output error)"
    ]
    assert os.listdir(tmp_path) == ["f"]


async def test_an_error_without_strerror_is_shown_by_its_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "f").write_bytes(b"hello")

    def failing_open(*args: object, **kwargs: object) -> int:
        raise OSError("refused by the test")

    monkeypatch.setattr(checklocal.os, "open", failing_open)
    assert await _lines(_state(_created("f", b"hello")), tmp_path) == [
        "ERROR f (cannot open: refused by the test)"
    ]


async def test_a_large_file_gone_while_hashed_keeps_its_mtime_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "f").write_bytes(b"hello")
    os.utime(tmp_path / "f", (200, 200))

    async def vanished(*args: object, **kwargs: object) -> Any:
        raise FileNotFoundError(2, "No such file or directory")

    monkeypatch.setattr(checklocal, "SMALL_FILE_MAX", 0)
    monkeypatch.setattr(checklocal, "tree_hash_file", vanished)
    assert await _lines(_state(_created("f", b"hello", 100)), tmp_path) == [
        "MISSING f (mtime: journal 100, local 200)"
    ]


async def test_unknown_tree_hash_from_a_replayed_journal_checks_the_size_only(
    tmp_path: Path,
) -> None:
    from aioglacier.journal import read_journal
    from aioglacier.treehash import UNKNOWN_TREE_HASH

    base = tmp_path / "root"
    base.mkdir()
    (base / "small").write_bytes(b"hello")
    os.utime(base / "small", (10, 10))
    journal = tmp_path / "journal"
    journal.write_text(f"B\t1\tCREATED\ts3:obj\t5\t10\t{UNKNOWN_TREE_HASH}\tsmall\n")
    assert await _lines(read_journal(journal), base) == [
        "OK small 5 (tree hash unknown: size checked)"
    ]


@pytest.mark.parametrize("chunk_names", [1, 512])
async def test_a_symlink_two_levels_up_is_refused_for_every_name_below(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk_names: int
) -> None:
    """The verdict kept on a symlinked directory applies to every later name below it, at any
    depth and in any chunk: none is read through the link."""
    monkeypatch.setattr(checklocal, "CHUNK_NAMES", chunk_names)
    base = tmp_path / "root"
    real = tmp_path / "real"
    for name in ("a/f", "b/g", "sub/c", "sub/d"):
        (real / name).parent.mkdir(parents=True, exist_ok=True)
        (real / name).write_bytes(b"hello")
    (base / "top").mkdir(parents=True)
    (base / "ln").symlink_to(real)
    (base / "top" / "ln").symlink_to(real)
    names = ["ln/a/f", "ln/b/g", "top/ln/sub/c", "top/ln/sub/d"]
    lines = await _lines(_state(*(_created(n, b"hello") for n in names)), base)
    assert lines == [
        "ERROR ln/a/f (unsafe path: directory 'ln' is a symlink)",
        "ERROR ln/b/g (unsafe path: directory 'ln' is a symlink)",
        "ERROR top/ln/sub/c (unsafe path: directory 'top/ln' is a symlink)",
        "ERROR top/ln/sub/d (unsafe path: directory 'top/ln' is a symlink)",
    ]


async def test_a_missing_subdirectory_does_not_hide_its_siblings(tmp_path: Path) -> None:
    (tmp_path / "d1").mkdir()
    (tmp_path / "d1" / "z").write_bytes(b"hello")
    names = ["d1/sub/c", "d1/sub/deeper/e", "d1/z"]
    lines = await _lines(_state(*(_created(n, b"hello") for n in names)), tmp_path)
    assert lines == [
        "MISSING d1/sub/c",
        "MISSING d1/sub/deeper/e",
        f"OK d1/z 5 {tree_hash_hex(b'hello')}",
    ]


async def test_large_files_are_hashed_in_the_given_executor(tmp_path: Path) -> None:
    from concurrent.futures import Future, ThreadPoolExecutor

    submitted: list[Any] = []

    class Counting(ThreadPoolExecutor):
        def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
            submitted.append(fn)
            return super().submit(fn, *args, **kwargs)

    data = _data(3 * MIB)
    (tmp_path / "big").write_bytes(data)
    with Counting(2) as pool:
        results: list[CheckResult] = []
        await check_local_hash(
            _state(_created("big", data)), tmp_path, executor=pool, on_result=results.append
        )
    assert [format_result(r) for r in results] == [f"OK big {len(data)} {tree_hash_hex(data)}"]
    # The chunk job, then the hashing of the large file: both in the given executor.
    assert submitted[0] is checklocal._check_chunk
    assert len(submitted) >= 2
    assert checklocal._check_chunk not in submitted[1:]


async def test_a_stat_error_is_an_error_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "f").write_bytes(b"hello")

    def failing_locate(located: Any, name: str) -> Any:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(checklocal, "_locate", failing_locate)
    results: list[CheckResult] = []
    await check_local_hash(_state(_created("f", b"hello")), tmp_path, on_result=results.append)
    assert results == [CheckResult("f", "ERROR", "(cannot stat: Permission denied)")]


async def test_a_file_gone_before_its_open_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "f").write_bytes(b"hello")

    def gone(*args: object, **kwargs: object) -> int:
        raise FileNotFoundError(2, "No such file or directory")

    monkeypatch.setattr(checklocal.os, "open", gone)
    results: list[CheckResult] = []
    await check_local_hash(_state(_created("f", b"hello")), tmp_path, on_result=results.append)
    assert results == [CheckResult("f", "MISSING", "")]


async def test_a_read_error_on_the_one_read_path_is_an_error_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "f").write_bytes(b"hello")
    os.utime(tmp_path / "f", (200, 200))

    def failing_read(fd: int, size: int) -> bytes:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(checklocal.os, "read", failing_read)
    results: list[CheckResult] = []
    await check_local_hash(_state(_created("f", b"hello", 100)), tmp_path, on_result=results.append)
    assert results == [
        CheckResult(
            "f", "ERROR", "(cannot read: Input/output error) (mtime: journal 100, local 200)", True
        )
    ]


async def _batches(state: JournalState, base: Path) -> list[list[str]]:
    batches: list[list[str]] = []
    await check_local_hash(
        state, base, on_results=lambda rs: batches.append([r.relfilename for r in rs])
    )
    return batches


async def test_chunks_end_when_their_small_files_reach_chunk_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(checklocal, "CHUNK_BYTES", 10)
    sizes = [5, 4, 1, 5, 4, 1, 3]
    records = []
    for index, size in enumerate(sizes):
        name = "abcdefg"[index]
        (tmp_path / name).write_bytes(b"x" * size)
        records.append(_created(name, b"x" * size))
    assert await _batches(_state(*records), tmp_path) == [["a", "b", "c"], ["d", "e", "f"], ["g"]]


async def test_a_file_of_exactly_small_file_max_weighs_in_its_chunk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(checklocal, "CHUNK_BYTES", 10)
    monkeypatch.setattr(checklocal, "SMALL_FILE_MAX", 5)
    records = []
    for name in "abc":
        (tmp_path / name).write_bytes(b"x" * 5)
        records.append(_created(name, b"x" * 5))
    assert await _batches(_state(*records), tmp_path) == [["a", "b"], ["c"]]


@pytest.mark.parametrize("size", [2 * MIB + 1, 3 * MIB + 124])
async def test_short_reads_still_hash_each_leaf_right(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: int
) -> None:
    """A file system may return fewer bytes than asked (network and FUSE file systems do):
    leaves are still cut at every MiB."""
    monkeypatch.setattr(checklocal, "SMALL_FILE_MAX", 4 * MIB)
    real_readv = os.readv

    def short_readv(fd: int, buffers: list[memoryview]) -> int:
        with buffers[0][:100_000] as part:
            return real_readv(fd, [part])

    monkeypatch.setattr(checklocal.os, "readv", short_readv)
    data = _data(size)
    (tmp_path / "f").write_bytes(data)
    assert await _lines(_state(_created("f", data)), tmp_path) == [
        f"OK f {size} {tree_hash_hex(data)}"
    ]


async def test_every_mtime_difference_is_counted(tmp_path: Path) -> None:
    records = []
    for name in ("a", "b", "c"):
        (tmp_path / name).write_bytes(b"hello")
        os.utime(tmp_path / name, (200, 200))
        records.append(_created(name, b"hello", 100 if name != "c" else 200))
    summary = await check_local_hash(_state(*records), tmp_path)
    assert (summary.passed, summary.mtime_mismatch) == (3, 2)
