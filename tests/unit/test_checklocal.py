"""Tests for aioglacier.checklocal (mtglacier's check-local-hash) on real temporary trees."""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from blockbuster import blockbuster_ctx

from aioglacier import checklocal
from aioglacier.checklocal import (
    CheckResult,
    CheckSummary,
    check_local_hash,
    format_result,
    format_summary,
)
from aioglacier.errors import TransferError
from aioglacier.filters import Filter
from aioglacier.journal import Created, JournalState
from aioglacier.treehash import MIB, UNKNOWN_TREE_HASH, FileHash, tree_hash_hex

HELLO = b"hello"
BIG = bytes(range(256)) * (3 * MIB // 256) + b"tail" * 31  # 3 MiB + 124 bytes: 4 leaves


def _created(name: str, data: bytes, mtime: int | None = None) -> Created:
    return Created(
        1000, f"id-{len(name)}-{name.encode().hex()}", len(data), mtime, tree_hash_hex(data), name
    )


def _state(*records: Created) -> JournalState:
    return JournalState(files={r.relfilename: r for r in records})


def _write(path: Path, data: bytes, mtime: int | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    if mtime is not None:
        os.utime(path, (mtime, mtime))


@pytest.fixture
def tree(tmp_path: Path) -> tuple[Path, JournalState]:
    base = tmp_path / "root"
    base.mkdir()
    (tmp_path / "outside").write_bytes(HELLO)
    _write(base / "ok.txt", HELLO, 1_500_000_000)
    _write(base / "dir" / "ok2.bin", BIG)
    _write(base / "size.txt", b"hello!!")
    _write(base / "hash.txt", b"HELLO")
    _write(base / "mtime.txt", HELLO, 1_600_000_000)
    _write(base / "empty.txt", b"")
    _write(base / "below", b"a file, not a directory")
    (base / "adir").mkdir()
    (base / "link.txt").symlink_to(base / "ok.txt")
    state = _state(
        _created("ok.txt", HELLO, 1_500_000_000),
        _created("dir/ok2.bin", BIG),
        _created("missing.txt", HELLO),
        _created("size.txt", HELLO),
        _created("hash.txt", HELLO),
        _created("mtime.txt", HELLO, 1_500_000_000),
        _created("empty.txt", HELLO),
        _created("adir", HELLO),
        _created("below/file", HELLO),
        _created("link.txt", HELLO),
        # A name no journal we write would hold, but a hostile one could:
        _created("../outside", HELLO),
        # Legal POSIX names (sync uploads them, so they are checked like any other):
        _created("CON", HELLO),
        _created("ctl\x01name", HELLO),
    )
    return base, state


H_HELLO = tree_hash_hex(HELLO)

EXPECTED_LINES = [
    "ERROR ../outside (unsafe path: the name has a '.' or '..' path component)",
    "MISSING CON",
    "ERROR adir (not a regular file)",
    "MISSING below/file",
    "MISSING ctl\\x01name",
    f"OK dir/ok2.bin {len(BIG)} {tree_hash_hex(BIG)}",
    "SIZE MISMATCH empty.txt (local 0 bytes, journal 5 bytes)",
    f"TREEHASH MISMATCH hash.txt (local {tree_hash_hex(b'HELLO')}, journal {H_HELLO})",
    "ERROR link.txt (unsafe path: the file is a symlink)",
    "MISSING missing.txt",
    f"OK mtime.txt 5 {H_HELLO} (mtime: journal 1500000000, local 1600000000)",
    f"OK ok.txt 5 {H_HELLO}",
    "SIZE MISMATCH size.txt (local 7 bytes, journal 5 bytes)",
]


async def test_every_status(tree: tuple[Path, JournalState]) -> None:
    base, state = tree
    results: list[CheckResult] = []
    with blockbuster_ctx():
        summary = await check_local_hash(state, base, jobs=3, on_result=results.append)
    assert [format_result(r) for r in results] == EXPECTED_LINES
    assert summary == CheckSummary(
        checked=13,
        passed=3,
        mtime_mismatch=1,
        treehash_mismatch=1,
        size_mismatch=2,
        missing=4,
        errors=3,
        filtered_out=0,
    )
    assert not summary.ok
    assert format_summary(summary) == [
        "TOTALS:",
        "3 OK",
        "1 MODIFICATION TIME MISMATCHES",
        "1 TREEHASH MISMATCH",
        "2 SIZE MISMATCH",
        "4 MISSING",
        "3 ERRORS",
    ]
    by_name = {r.relfilename: r for r in results}
    assert by_name["mtime.txt"] == CheckResult(
        "mtime.txt", "OK", f"5 {H_HELLO} (mtime: journal 1500000000, local 1600000000)", True
    )
    assert by_name["missing.txt"] == CheckResult("missing.txt", "MISSING", "")
    assert by_name["ctl\x01name"].status == "MISSING"


async def test_follow_symlinks(tree: tuple[Path, JournalState]) -> None:
    base, state = tree
    results: list[CheckResult] = []
    with blockbuster_ctx():
        await check_local_hash(state, base, follow_symlinks=True, jobs=1, on_result=results.append)
    lines = [format_result(r) for r in results]
    assert f"OK link.txt 5 {H_HELLO}" in lines
    # A name that climbs out is refused whatever the symlink setting.
    assert lines[0] == "ERROR ../outside (unsafe path: the name has a '.' or '..' path component)"


async def test_symlinked_directory(tmp_path: Path) -> None:
    base = tmp_path / "root"
    real = tmp_path / "real"
    _write(real / "f", HELLO)
    base.mkdir()
    (base / "d").symlink_to(real)
    state = _state(_created("d/f", HELLO))
    results: list[CheckResult] = []
    await check_local_hash(state, base, on_result=results.append)
    assert [format_result(r) for r in results] == [
        "ERROR d/f (unsafe path: directory 'd' is a symlink)"
    ]
    results.clear()
    await check_local_hash(state, base, on_result=results.append, follow_symlinks=True)
    assert [format_result(r) for r in results] == [f"OK d/f 5 {H_HELLO}"]


async def test_all_good(tmp_path: Path) -> None:
    _write(tmp_path / "a", HELLO, 123)
    _write(tmp_path / "sub" / "b c é", BIG)
    state = _state(_created("a", HELLO, 123), _created("sub/b c é", BIG))
    with ThreadPoolExecutor(3) as pool, blockbuster_ctx():
        summary = await check_local_hash(state, tmp_path, executor=pool)
    assert summary.ok
    assert summary == CheckSummary(2, 2, 0, 0, 0, 0, 0, 0)
    assert format_summary(summary)[1:3] == ["2 OK", "0 MODIFICATION TIME MISMATCHES"]


async def test_mtime_difference_alone_is_not_a_failure(tmp_path: Path) -> None:
    _write(tmp_path / "a", HELLO, 200)
    summary = await check_local_hash(_state(_created("a", HELLO, 100)), tmp_path)
    assert summary.ok
    assert summary.mtime_mismatch == 1


async def test_negative_and_none_mtimes(tmp_path: Path) -> None:
    _write(tmp_path / "old", HELLO, -86400)
    _write(tmp_path / "none", HELLO, 5)
    results: list[CheckResult] = []
    summary = await check_local_hash(
        _state(_created("old", HELLO, -86400), _created("none", HELLO, None)),
        tmp_path,
        on_result=results.append,
    )
    assert [format_result(r) for r in results] == [
        f"OK none 5 {H_HELLO}",
        f"OK old 5 {H_HELLO}",
    ]
    assert summary.mtime_mismatch == 0


async def test_filter(tmp_path: Path) -> None:
    for name in ("a.txt", "b.bin", "sub/c.txt"):
        _write(tmp_path / name, HELLO)
    state = _state(*(_created(n, HELLO) for n in ("a.txt", "b.bin", "sub/c.txt", "gone.txt")))
    results: list[CheckResult] = []
    summary = await check_local_hash(
        state,
        tmp_path,
        filter=Filter.from_options([("filter", "+sub/ -*.txt")]),
        on_result=results.append,
    )
    assert [format_result(r) for r in results] == [
        f"OK b.bin 5 {H_HELLO}",
        f"OK sub/c.txt 5 {H_HELLO}",
    ]
    assert summary == CheckSummary(2, 2, 0, 0, 0, 0, 0, 2)
    assert summary.ok


async def test_results_in_name_order_whatever_finishes_first(tmp_path: Path) -> None:
    records = []
    for i in range(40):
        data = BIG if i % 7 == 0 else f"file {i}".encode()
        _write(tmp_path / f"f{i:02d}", data)
        records.append(_created(f"f{i:02d}", data))
    results: list[CheckResult] = []
    with blockbuster_ctx():
        summary = await check_local_hash(
            _state(*reversed(records)), tmp_path, jobs=3, on_result=results.append
        )
    assert [r.relfilename for r in results] == [f"f{i:02d}" for i in range(40)]
    assert summary == CheckSummary(40, 40, 0, 0, 0, 0, 0, 0)


async def test_empty_journal(tmp_path: Path) -> None:
    summary = await check_local_hash(JournalState(), tmp_path)
    assert summary == CheckSummary(0, 0, 0, 0, 0, 0, 0, 0)
    assert summary.ok


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
async def test_unreadable_file(tmp_path: Path) -> None:
    _write(tmp_path / "secret", HELLO)
    (tmp_path / "secret").chmod(0)
    results: list[CheckResult] = []
    try:
        summary = await check_local_hash(
            _state(_created("secret", HELLO)), tmp_path, on_result=results.append
        )
    finally:
        (tmp_path / "secret").chmod(0o600)
    assert [format_result(r) for r in results] == ["ERROR secret (cannot read: Permission denied)"]
    assert summary.errors == 1


async def test_bad_jobs(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"^jobs must be at least 1, got 0$"):
        await check_local_hash(JournalState(), tmp_path, jobs=0)


async def test_callback_error_propagates_and_leaves_no_task(tmp_path: Path) -> None:
    records = []
    for i in range(20):
        _write(tmp_path / f"f{i:02d}", HELLO)
        records.append(_created(f"f{i:02d}", HELLO))

    def boom(result: CheckResult) -> None:
        raise RuntimeError(f"stop at {result.relfilename}")

    with pytest.raises(RuntimeError, match=r"^stop at f00$"):
        await check_local_hash(_state(*records), tmp_path, jobs=2, on_result=boom)
    assert asyncio.all_tasks() == {asyncio.current_task()}


async def test_cancellation_leaves_no_task(tmp_path: Path) -> None:
    records = []
    for i in range(20):
        _write(tmp_path / f"f{i:02d}", BIG)
        records.append(_created(f"f{i:02d}", BIG))
    seen: list[str] = []

    def on_result(r: Any) -> None:
        seen.append(r.relfilename)
        if len(seen) == 1:
            task.cancel()  # cancelled at the first result, whatever the machine's speed

    task = asyncio.create_task(
        check_local_hash(_state(*records), tmp_path, jobs=2, on_result=on_result)
    )
    with pytest.raises(asyncio.CancelledError):
        await task
    assert 1 <= len(seen) < 20
    assert asyncio.all_tasks() == {asyncio.current_task()}


def test_format_result_plain() -> None:
    assert format_result(CheckResult("a b", "MISSING", "")) == "MISSING a b"
    assert format_result(CheckResult("x", "ERROR", "(why)")) == "ERROR x (why)"
    assert format_result(CheckResult("t\tab\n", "MISSING", "")) == "MISSING t\\tab\\n"


@pytest.mark.parametrize(
    ("error", "line"),
    [
        (PermissionError(13, "Permission denied"), "ERROR f (cannot read: Permission denied)"),
        (FileNotFoundError(2, "No such file or directory"), "MISSING f"),
        (TransferError("f: file shrank"), "ERROR f (the file changed while it was read)"),
    ],
)
async def test_read_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: Exception, line: str
) -> None:
    """Errors met while hashing (the file vanished, shrank or became unreadable meanwhile)."""
    _write(tmp_path / "f", HELLO)

    async def failing_hash(*args: object, **kwargs: object) -> FileHash:
        raise error

    monkeypatch.setattr(checklocal, "SMALL_FILE_MAX", 0)  # the streaming path, for big files
    monkeypatch.setattr(checklocal, "tree_hash_file", failing_hash)
    results: list[CheckResult] = []
    await check_local_hash(_state(_created("f", HELLO)), tmp_path, on_result=results.append)
    assert [format_result(r) for r in results] == [line]


@pytest.mark.parametrize(
    ("error", "line"),
    [
        (PermissionError(13, "Permission denied"), "ERROR f (cannot open: Permission denied)"),
        (FileNotFoundError(2, "No such file or directory"), "MISSING f"),
    ],
)
async def test_read_errors_small_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: Exception, line: str
) -> None:
    """The batched path for small files reports the same errors."""
    _write(tmp_path / "f", HELLO)

    def failing_open(*args: object, **kwargs: object) -> Any:
        raise error

    monkeypatch.setattr(checklocal.os, "open", failing_open)
    results: list[CheckResult] = []
    await check_local_hash(_state(_created("f", HELLO)), tmp_path, on_result=results.append)
    assert [format_result(r) for r in results] == [line]


async def test_small_file_grew_between_stat_and_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(tmp_path / "f", HELLO)
    real = checklocal._locate

    def locate_then_grow(located: Any, name: str) -> Any:
        found = real(located, name)
        (tmp_path / name).write_bytes(b"hello, world")
        return found

    monkeypatch.setattr(checklocal, "_locate", locate_then_grow)
    results: list[CheckResult] = []
    await check_local_hash(_state(_created("f", HELLO)), tmp_path, on_result=results.append)
    assert [format_result(r) for r in results] == [
        "SIZE MISMATCH f (local 12 bytes, journal 5 bytes)"
    ]


async def test_file_grew_between_stat_and_hash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(tmp_path / "f", HELLO)
    real = checklocal.tree_hash_file
    monkeypatch.setattr(checklocal, "SMALL_FILE_MAX", 0)  # the streaming path, for big files

    async def append_then_hash(path: Path, **kwargs: Any) -> FileHash:
        await asyncio.to_thread(Path(path).write_bytes, b"hello, world")
        return await real(path, **kwargs)

    monkeypatch.setattr(checklocal, "tree_hash_file", append_then_hash)
    results: list[CheckResult] = []
    await check_local_hash(_state(_created("f", HELLO)), tmp_path, on_result=results.append)
    assert [format_result(r) for r in results] == [
        "SIZE MISMATCH f (local 12 bytes, journal 5 bytes)"
    ]


def _journal_text(records: list[Created]) -> str:
    """mtglacier's version B lines (written by hand: it accepts tree hashes in capitals)."""
    return "".join(
        f"B\t{r.time}\tCREATED\t{r.archive_id}\t{r.size}\t"
        f"{'NONE' if r.mtime is None else r.mtime}\t{r.treehash}\t{r.relfilename}\n"
        for r in records
    )


async def test_replayed_journal_and_plain_mapping_give_the_same_results(tmp_path: Path) -> None:
    """A replayed journal's compact rows are read as they are; a tree hash the journal spells in
    capitals is compared case-blind and shown as spelled, as through the records."""
    from aioglacier.journal import read_journal

    base = tmp_path / "root"
    _write(base / "a", HELLO, 10)
    _write(base / "b", b"HELLO", 10)
    _write(base / "big", BIG, 10)
    records = [
        _created("a", HELLO, 10),
        Created(1, "id-upper", 5, 10, H_HELLO.upper(), "upper-ok"),
        _created("b", HELLO, 10),
        _created("big", BIG, 11),
        _created("gone/x", HELLO),
    ]
    _write(base / "upper-ok", HELLO, 10)
    journal = tmp_path / "journal"
    journal.write_text(_journal_text(records))
    replayed = read_journal(journal)
    from aioglacier.journal import ArchiveMap

    assert isinstance(replayed.files, ArchiveMap)
    got_rows: list[CheckResult] = []
    got_records: list[CheckResult] = []
    await check_local_hash(replayed, base, on_result=got_rows.append)
    await check_local_hash(_state(*records), base, on_result=got_records.append)
    assert got_rows == got_records
    assert [format_result(r) for r in got_rows] == [
        f"OK a 5 {H_HELLO}",
        f"TREEHASH MISMATCH b (local {tree_hash_hex(b'HELLO')}, journal {H_HELLO})",
        f"OK big {len(BIG)} {tree_hash_hex(BIG)} (mtime: journal 11, local 10)",
        "MISSING gone/x",
        f"OK upper-ok 5 {H_HELLO.upper()}",
    ]


async def test_chunks_directories_and_batched_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Across chunk boundaries, the verdicts kept on directories (missing, a file in the way, a
    symlink) give each name the answer it gets alone; on_results gets each chunk in order."""
    monkeypatch.setattr(checklocal, "CHUNK_NAMES", 3)
    base = tmp_path / "root"
    real = tmp_path / "real"
    _write(real / "f", HELLO)
    _write(base / "d1" / "a", HELLO)
    _write(base / "d1" / "sub" / "b", HELLO)
    _write(base / "file", HELLO)
    base.joinpath("ln").symlink_to(real)
    names = ["d1/a", "d1/sub/b", "d1/sub/c", "d2/x", "d2/y/z", "file/below", "ln/f", "ln/g", "z"]
    state = _state(*(_created(n, HELLO) for n in names))
    singles: list[str] = []
    for name in names:
        one: list[CheckResult] = []
        await check_local_hash(_state(_created(name, HELLO)), base, on_result=one.append)
        singles += [format_result(r) for r in one]
    batches: list[list[str]] = []
    each: list[str] = []
    await check_local_hash(
        state,
        base,
        on_result=lambda r: each.append(format_result(r)),
        on_results=lambda rs: batches.append([format_result(r) for r in rs]),
    )
    assert (
        each
        == singles
        == [
            f"OK d1/a 5 {H_HELLO}",
            f"OK d1/sub/b 5 {H_HELLO}",
            "MISSING d1/sub/c",
            "MISSING d2/x",
            "MISSING d2/y/z",
            "MISSING file/below",
            "ERROR ln/f (unsafe path: directory 'ln' is a symlink)",
            "ERROR ln/g (unsafe path: directory 'ln' is a symlink)",
            "MISSING z",
        ]
    )
    assert batches == [each[0:3], each[3:6], each[6:9]]
    followed: list[str] = []
    await check_local_hash(
        state, base, follow_symlinks=True, on_result=lambda r: followed.append(format_result(r))
    )
    assert followed[6:8] == [f"OK ln/f 5 {H_HELLO}", "MISSING ln/g"]


async def test_unknown_tree_hash_checks_the_size_only(tmp_path: Path) -> None:
    # An adopted bucket's object without a tree hash: the placeholder of 64 zeros.
    _write(tmp_path / "small", HELLO, 1_500_000_000)
    _write(tmp_path / "big", BIG)
    _write(tmp_path / "short", b"hell")
    records = [
        Created(1, "s3:a", len(HELLO), 1_500_000_000, UNKNOWN_TREE_HASH, "small"),
        Created(1, "s3:b", len(BIG), None, UNKNOWN_TREE_HASH, "big"),
        Created(1, "s3:c", len(HELLO), 7, UNKNOWN_TREE_HASH, "short"),
        Created(1, "s3:d", 3, None, UNKNOWN_TREE_HASH, "absent"),
    ]
    lines: list[str] = []
    summary = await check_local_hash(
        _state(*records), tmp_path, on_result=lambda r: lines.append(format_result(r))
    )
    assert lines == [
        "MISSING absent",
        f"OK big {len(BIG)} (tree hash unknown: size checked)",
        "SIZE MISMATCH short (local 4 bytes, journal 5 bytes) (mtime: journal 7, local "
        f"{int((tmp_path / 'short').stat().st_mtime)})",
        "OK small 5 (tree hash unknown: size checked)",
    ]
    assert (summary.passed, summary.size_mismatch, summary.missing) == (2, 1, 1)
    assert summary.mtime_mismatch == 1


def _journal_line(n: int, data: bytes, mtime: int | None, name: str, th: str = "") -> str:
    mtime_text = "NONE" if mtime is None else str(mtime)
    return (
        f"B\t1\tCREATED\t{n:0138d}\t{len(data)}\t{mtime_text}\t{th or tree_hash_hex(data)}"
        f"\t{name}\n"
    )


async def test_fast_path_gives_the_full_checks_verdicts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A replayed journal (tree hashes kept as bytes) takes the inlined path for plain small
    files; every line is the one the full per-file check gives."""
    from aioglacier.journal import load_journal

    base = tmp_path / "root"
    _write(base / "a.txt", HELLO, 1_500_000_000)
    _write(base / "d" / "ok", HELLO, 1_500_000_000)
    _write(base / "d" / "mtime", HELLO, 1_600_000_000)
    _write(base / "d" / "hash", b"HELLO", 1_500_000_000)
    _write(base / "d" / "size", b"hello!", 1_500_000_000)
    _write(base / "d" / "sub" / "big", BIG, 1_500_000_000)
    _write(base / "d" / "dir" / "x", HELLO)
    _write(base / "e" / "real", HELLO, 1_500_000_000)
    (base / "e" / "link").symlink_to(base / "e" / "real")
    _write(base / "ünï", HELLO, 1_500_000_000)
    _write(base / "upper", HELLO, 1_500_000_000)
    journal = tmp_path / "journal"
    journal.write_text(
        "".join(
            [
                _journal_line(1, HELLO, 1_500_000_000, "a.txt"),
                _journal_line(2, HELLO, 1_500_000_000, "d/ok"),
                _journal_line(3, HELLO, 1_500_000_000, "d/mtime"),
                _journal_line(4, HELLO, None, "d/hash"),
                _journal_line(5, HELLO, 1_500_000_000, "d/size"),
                _journal_line(6, BIG, 1_500_000_000, "d/sub/big"),
                _journal_line(7, HELLO, None, "d/dir"),
                _journal_line(8, HELLO, None, "d/gone"),
                _journal_line(9, HELLO, 1_500_000_000, "e/link"),
                _journal_line(10, HELLO, 1_500_000_000, "e/real"),
                _journal_line(11, HELLO, 1_500_000_000, "ünï"),
                _journal_line(12, HELLO, 1_500_000_000, "upper", H_HELLO.upper()),
                _journal_line(13, HELLO, 1_500_000_000, "x/missing"),
            ]
        ),
        encoding="utf-8",
    )
    state = await load_journal(journal)
    expected = [
        f"OK a.txt 5 {H_HELLO}",
        "ERROR d/dir (not a regular file)",
        "MISSING d/gone",
        f"TREEHASH MISMATCH d/hash (local {tree_hash_hex(b'HELLO')}, journal {H_HELLO})",
        f"OK d/mtime 5 {H_HELLO} (mtime: journal 1500000000, local 1600000000)",
        f"OK d/ok 5 {H_HELLO}",
        "SIZE MISMATCH d/size (local 6 bytes, journal 5 bytes)",
        f"OK d/sub/big {len(BIG)} {tree_hash_hex(BIG)}",
        "ERROR e/link (unsafe path: the file is a symlink)",
        f"OK e/real 5 {H_HELLO}",
        f"OK upper 5 {H_HELLO.upper()}",
        "MISSING x/missing",
        f"OK ünï 5 {H_HELLO}",
    ]
    fast: list[CheckResult] = []
    with blockbuster_ctx():
        summary = await check_local_hash(state, base, on_result=fast.append)
    assert [format_result(r) for r in fast] == expected
    assert summary.mtime_mismatch == 1
    assert checklocal.format_lines(fast) == "".join(f"{line}\n" for line in expected)

    real = checklocal._locate

    def wrapped(located: Any, name: str) -> Any:  # not the original: the inlined path is off
        return real(located, name)

    monkeypatch.setattr(checklocal, "_locate", wrapped)
    slow: list[CheckResult] = []
    assert await check_local_hash(state, base, on_result=slow.append) == summary
    assert slow == fast


def test_format_lines_escapes_names_and_details() -> None:
    results = [
        CheckResult("plain", "MISSING", ""),
        CheckResult("ctl\x01name\u2028", "ERROR", "(cannot read: bad\x1b[0m)"),
        CheckResult("ok", "OK", "5 abc"),
    ]
    assert checklocal.format_lines(results) == (
        "MISSING plain\nERROR ctl\\x01name\\u2028 (cannot read: bad\\x1b[0m)\nOK ok 5 abc\n"
    )
    assert checklocal.format_lines(results[::2]) == "MISSING plain\nOK ok 5 abc\n"
    assert checklocal.format_lines([]) == ""


async def test_large_files_across_chunks_report_in_name_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Later chunks (and their large files) are checked while an earlier large file hashes;
    results still come in name order, one ``on_results`` call per chunk."""
    monkeypatch.setattr(checklocal, "CHUNK_NAMES", 3)
    monkeypatch.setattr(checklocal, "SMALL_FILE_MAX", 100)  # files over 100 bytes are large
    monkeypatch.setattr(checklocal, "_LOOKAHEAD_FILES", 2)
    records = []
    for i in range(14):
        data = BIG if i % 3 == 0 else HELLO * (i + 1) * 7
        _write(tmp_path / f"f{i:02d}", data)
        records.append(_created(f"f{i:02d}", data if i != 5 else b"other" * 8))
    per_result: list[CheckResult] = []
    per_chunk: list[list[str]] = []
    summary = await check_local_hash(
        _state(*records),
        tmp_path,
        jobs=2,
        on_result=per_result.append,
        on_results=lambda rs: per_chunk.append([r.relfilename for r in rs]),
    )
    names = [f"f{i:02d}" for i in range(14)]
    assert [r.relfilename for r in per_result] == names
    assert per_chunk == [names[i : i + 3] for i in range(0, 14, 3)]
    assert [r.status for r in per_result].count("OK") == 13
    assert per_result[5].status == "SIZE MISMATCH"
    assert summary.passed == 13
    assert summary.size_mismatch == 1
