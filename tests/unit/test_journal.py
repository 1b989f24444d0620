"""The mt-aws-glacier journal: format, parse (every version), replay rules, writer task."""

from __future__ import annotations

import asyncio
import dataclasses
import errno
import fcntl
import os
import random
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aioglacier.journal import (
    Created,
    Deleted,
    FutureJournalVersionError,
    InvalidNameError,
    InvalidRecordError,
    JournalError,
    JournalLockedError,
    JournalState,
    JournalWriteError,
    JournalWriter,
    Record,
    RetrieveJob,
    format_record,
    load_journal,
    parse_line,
    read_journal,
    validate_relfilename,
)
from aioglacier.journal import replay as journal_module

# The sample record of mtglacier's journal tests (t/unit/journal_*.t).
AID = (
    "HdGDbije6lWPT8Q8S3uOWJF6Ou9MWRlrfMGDr6TCrhXuDqJ1pzwKR6XV4l1IZ-VrDd2rlLxDFACqnuJouYTzsT5zd6s2"
    "ZEAHfRQFriVbjpFfJ1uWruHRRXIrFIma4PVuz-fp9_pBkA"
)
JOB = (
    "HdGDbije6lWPT8Q8S3uOWJF6777MWRlrfMGDr688888888888zwKR6XV4l1IZ-VrDd2rlLxDFACqnuJouYTzsT5zd6s2"
    "ZEAHfRQFriVbjpFfJ1uWruHRRXIrFIma4PVuz-fp9_pBkA"
)
SIZE = 7684356
TIME = 1355666755
MTIME = 1355566755
NAME = "def/abc"
TH = "1368761bd826f76cae8b8a74b3aae210b476333484c2d612d061d52e36af631a"
TH2 = "0" * 63 + "1"


def created_line(ver: str = "B", **kw: object) -> str:
    d: dict[str, object] = {
        "time": TIME,
        "aid": AID,
        "size": SIZE,
        "mtime": MTIME,
        "th": TH,
        "name": NAME,
    }
    d.update(kw)
    fields = (ver, d["time"], "CREATED", d["aid"], d["size"], d["mtime"], d["th"], d["name"])
    return "\t".join(map(str, fields))


def shown(line: str) -> str:
    """How error messages show a line: repr, cut after 300 characters."""
    if len(line) > 300:
        return f"{line[:300]!r}... ({len(line)} characters)"
    return repr(line)


def write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("utf-8"))
    return path


# --------------------------------------------------------------------------------------------
# Writing lines
# --------------------------------------------------------------------------------------------


def test_format_created() -> None:
    rec = Created(TIME, AID, SIZE, MTIME, TH, NAME)
    assert format_record(rec) == f"B\t{TIME}\tCREATED\t{AID}\t{SIZE}\t{MTIME}\t{TH}\t{NAME}\n"


def test_format_created_without_mtime_and_negative_mtime() -> None:
    assert format_record(Created(1, "x", 0, None, TH, "a b/ c")) == (
        f"B\t1\tCREATED\tx\t0\tNONE\t{TH}\ta b/ c\n"
    )
    assert format_record(Created(1, "x", 5, -1969112106, TH, "тест/ф")) == (
        f"B\t1\tCREATED\tx\t5\t-1969112106\t{TH}\tтест/ф\n"
    )


def test_format_deleted_and_retrieve_job() -> None:
    assert format_record(Deleted(TIME, AID, NAME)) == f"B\t{TIME}\tDELETED\t{AID}\t{NAME}\n"
    assert format_record(RetrieveJob(TIME, AID, JOB)) == (
        f"B\t{TIME}\tRETRIEVE_JOB\t{AID}\t{JOB}\n"
    )


@pytest.mark.parametrize(
    ("record", "message"),
    [
        (Created(-1, "x", 1, 1, TH, "a"), "time -1 is out of range (0 to 20 digits)"),
        (Created(10**20, "x", 1, 1, TH, "a"), f"time {10**20} is out of range (0 to 20 digits)"),
        (Created(1, "x", -5, 1, TH, "a"), "size -5 is out of range (0 to 20 digits)"),
        (Created(1, "x", True, 1, TH, "a"), "size must be an int, not bool"),
        (
            Created(1, "x", 1, 10**20, TH, "a"),
            f"mtime {10**20} is out of range (20 digits at most)",
        ),
        (
            Created(1, "x", 1, 1, TH.upper(), "a"),
            f"tree hash {TH.upper()!r} must be 64 lowercase hex digits",
        ),
        (
            Created(1, "x", 1, 1, TH[:-1], "a"),
            f"tree hash {TH[:-1]!r} must be 64 lowercase hex digits",
        ),
        (
            Created(1, "a b", 1, 1, TH, "a"),
            "archive id 'a b' must be non-empty and hold no whitespace",
        ),
        (Created(1, "", 1, 1, TH, "a"), "archive id '' must be non-empty and hold no whitespace"),
        (Deleted(1, "a\tb", "a"), "archive id 'a\\tb' must be non-empty and hold no whitespace"),
        (RetrieveJob(1, "x", None), "job id must be a str, not NoneType"),
        (
            RetrieveJob(1, "x", "j\u3000"),
            "job id 'j\\u3000' must be non-empty and hold no whitespace",
        ),
    ],
)
def test_format_refuses_bad_fields(record: Record, message: str) -> None:
    with pytest.raises(InvalidRecordError) as info:
        format_record(record)
    assert str(info.value) == message
    assert not isinstance(info.value, InvalidNameError)


# Valid and invalid names: mtglacier's t/unit/journal_sanity.t, plus NUL and a trailing '/'.
VALID_NAMES = [
    "a",
    "a/b",
    "a/b/c",
    " a/ b /c",
    "a / c",
    "0",
    " 0",
    "тест",
    "тест/тест",
    "тест/test",
    "ф..b",
    "a..ф",
    "a..b",
    "a..",
    "ф..",
    "..a",
    "..ф",
    " ..a",
    " ..ф ",
    " ..0 ",
    ". ",
    " .",
    ".. ",
    " ..",
    "\\\\",
    "\\\\..",
    "\\\\..\\a",
    "\\\\.",
    ".hidden/.x",
    "a/.b/c.",
    "日本/語 ",
]


@pytest.mark.parametrize("name", VALID_NAMES)
def test_valid_names(name: str) -> None:
    validate_relfilename(name)
    rec = Created(1, "x", 1, None, TH, name)
    assert parse_line(format_record(rec), 1) == rec


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "empty file name"),
        ("/", "file name '/' is absolute (starts with '/')"),
        ("//", "file name '//' is absolute (starts with '/')"),
        ("/a", "file name '/a' is absolute (starts with '/')"),
        ("/../etc/password", "file name '/../etc/password' is absolute (starts with '/')"),
        (".", "file name '.' has a '.' or '..' path component"),
        ("./", "file name './' has an empty path component"),
        ("./a", "file name './a' has a '.' or '..' path component"),
        ("..", "file name '..' has a '.' or '..' path component"),
        ("../etc/password", "file name '../etc/password' has a '.' or '..' path component"),
        ("a/./b", "file name 'a/./b' has a '.' or '..' path component"),
        ("a/b/.", "file name 'a/b/.' has a '.' or '..' path component"),
        ("a/../b", "file name 'a/../b' has a '.' or '..' path component"),
        ("a//b", "file name 'a//b' has an empty path component"),
        ("a/", "file name 'a/' has an empty path component"),
        ("a\nb", "file name 'a\\nb' contains a TAB, CR, LF or NUL character"),
        ("a\rb", "file name 'a\\rb' contains a TAB, CR, LF or NUL character"),
        ("a\tb", "file name 'a\\tb' contains a TAB, CR, LF or NUL character"),
        ("a\x00b", "file name 'a\\x00b' contains a TAB, CR, LF or NUL character"),
        ("a\udcffb", "file name 'a\\udcffb' is not valid Unicode (undecodable bytes?)"),
    ],
)
def test_invalid_names(name: str, message: str) -> None:
    with pytest.raises(InvalidNameError) as info:
        validate_relfilename(name)
    assert str(info.value) == message
    assert isinstance(info.value, ValueError)
    for rec in (Created(1, "x", 1, 1, TH, name), Deleted(1, "x", name)):
        with pytest.raises(InvalidNameError) as info:
            format_record(rec)
        assert str(info.value) == message


# --------------------------------------------------------------------------------------------
# Parsing lines of every version
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("ver", ["A", "B", "C"])
def test_parse_versions_a_b_c(ver: str) -> None:
    assert parse_line(created_line(ver), 1) == Created(TIME, AID, SIZE, MTIME, TH, NAME)
    assert parse_line(f"{ver}\t{TIME}\tDELETED\t{AID}\t{NAME}", 1) == Deleted(TIME, AID, NAME)
    assert parse_line(f"{ver}\t{TIME}\tRETRIEVE_JOB\t{AID}\t{JOB}", 1) == (
        RetrieveJob(TIME, AID, JOB)
    )


def test_parse_version_0() -> None:
    assert parse_line(f"{TIME} CREATED {AID} {SIZE} {TH} {NAME}", 1) == (
        Created(TIME, AID, SIZE, None, TH, NAME)
    )
    assert parse_line(f"{TIME} DELETED {AID} {NAME}", 1) == Deleted(TIME, AID, NAME)
    assert parse_line(f"{TIME} RETRIEVE_JOB {AID}", 1) == RetrieveJob(TIME, AID, None)


def test_parse_version_0_names_with_spaces_and_whitespace_runs() -> None:
    # CREATED: single spaces; the name is the rest of the line, spaces included.
    assert parse_line(f"{TIME} CREATED {AID} {SIZE} {TH}  lead/and trail ", 1) == (
        Created(TIME, AID, SIZE, None, TH, " lead/and trail ")
    )
    # DELETED and RETRIEVE_JOB take any whitespace runs (mtglacier's \s+).
    assert parse_line(f"{TIME}  DELETED\t{AID} \t a b", 1) == Deleted(TIME, AID, "a b")
    assert parse_line(f"{TIME}\tRETRIEVE_JOB  {AID}", 1) == RetrieveJob(TIME, AID, None)
    for broken in (
        f"{TIME}  CREATED {AID} {SIZE} {TH} {NAME}",
        f"{TIME} CREATED {AID}  {SIZE} {TH} {NAME}",
        f"{TIME} CREATED {AID} {SIZE} {TH}",
        f"{TIME} RETRIEVE_JOB {AID} {JOB}",
    ):
        with pytest.raises(JournalError) as info:
            parse_line(broken, 3)
        assert str(info.value) == f"line 3: line is broken: {shown(broken)}"
    with pytest.raises(JournalError) as info:
        parse_line(f"{TIME}\tCREATED\t{AID}\t{SIZE}\t{TH}\t{NAME}", 4)
    assert str(info.value).startswith("line 4: line is in an unknown format: ")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1355566755", 1355566755),
        ("-1969112106", -1969112106),
        ("+1355566755", 1355566755),
        ("-1", -1),
        ("0", 0),
        ("+0", 0),
        ("-0", 0),
        ("123", 123),
        ("9" * 20, int("9" * 20)),
    ],
)
@pytest.mark.parametrize("ver", ["A", "B", "C"])
def test_parse_mtime_formats(ver: str, text: str, value: int) -> None:
    assert parse_line(created_line(ver, mtime=text), 7) == (
        Created(TIME, AID, SIZE, value, TH, NAME)
    )
    # Version 'A' from download-inventory: archive id as file name means "no mtime".
    expected = None if ver == "A" else value
    assert parse_line(created_line(ver, mtime=text, name=AID), 7) == (
        Created(TIME, AID, SIZE, expected, TH, AID)
    )


def test_parse_mtime_none() -> None:
    for ver in "BC":
        assert parse_line(created_line(ver, mtime="NONE"), 1).mtime is None  # type: ignore[union-attr]
    with pytest.raises(JournalError) as info:
        parse_line(created_line("A", mtime="NONE"), 9)
    assert str(info.value) == (
        "line 9: line is broken: mtime NONE is not allowed in a version A record"
    )


BAD_NUMBERS = ["z", "тест", "1" * 21, "1+1", "none", "1,1", "1.1", "\u07c0", "", " 1", "1_0", "١"]


@pytest.mark.parametrize("bad", BAD_NUMBERS)
def test_parse_refuses_bad_numbers(bad: str) -> None:
    lines = [
        created_line("B", mtime=bad),
        created_line("B", time=bad),
        created_line("B", size=bad),
        f"B\t{bad}\tDELETED\t{AID}\t{NAME}",
        f"C\t{bad}\tRETRIEVE_JOB\t{AID}\t{JOB}",
        f"{bad} CREATED {AID} {SIZE} {TH} {NAME}",
        f"{TIME} CREATED {AID} {bad} {TH} {NAME}",
    ]
    for line in lines:
        with pytest.raises(JournalError) as info:
            parse_line(line, 11)
        reason = "line is in an unknown format" if line.startswith(bad + " ") else "line is broken"
        assert str(info.value) == f"line 11: {reason}: {shown(line)}"


def test_parse_refuses_negative_time_and_size() -> None:
    for line in (created_line("A", time="-1"), created_line("B", size="-1")):
        with pytest.raises(JournalError) as info:
            parse_line(line, 1)
        assert str(info.value) == f"line 1: line is broken: {shown(line)}"


@pytest.mark.parametrize("position", range(1, 8))
@pytest.mark.parametrize("delimiter", [" ", "  ", "\u202f", "0x0D", "\t\t"])
def test_parse_refuses_wrong_delimiters(position: int, delimiter: str) -> None:
    # mtglacier's journal_parselines tests: each TAB of a CREATED line replaced in turn.
    fields = ["B", str(TIME), "CREATED", AID, str(SIZE), str(MTIME), TH, NAME]
    separators = ["\t"] * 7
    separators[position - 1] = delimiter
    line = fields[0] + "".join(sep + f for sep, f in zip(separators, fields[1:], strict=True))
    with pytest.raises(JournalError):
        parse_line(line, 1)


@pytest.mark.parametrize("ver", [chr(c) for c in range(ord("D"), ord("Z") + 1)])
def test_parse_future_version(ver: str) -> None:
    with pytest.raises(FutureJournalVersionError) as info:
        parse_line(created_line(ver), 11, path="journal.log")
    assert str(info.value) == (
        f"journal.log:11: line is from a future version of the journal format (version '{ver}'); "
        "upgrade to read this journal"
    )
    assert info.value.line_number == 11
    assert info.value.path == "journal.log"


def test_parse_broken_and_unknown_lines() -> None:
    for ver in "ABC":
        with pytest.raises(JournalError) as info:
            parse_line(f"{ver}\tbroken", 11)
        assert str(info.value) == f"line 11: line is broken: '{ver}\\tbroken'"
    with pytest.raises(JournalError) as info:
        parse_line("123456 fff", 11)
    assert str(info.value) == "line 11: line is broken: '123456 fff'"
    for unknown in ("broken\tline", "", " ", "b\t1\tCREATED", "\ufeffB\t1"):
        with pytest.raises(JournalError) as info:
            parse_line(unknown, 2)
        assert str(info.value) == f"line 2: line is in an unknown format: {unknown!r}"
    long = "x" * 400
    with pytest.raises(JournalError) as info:
        parse_line(long, 1)
    assert (
        str(info.value)
        == f"line 1: line is in an unknown format: {'x' * 300!r}... (400 characters)"
    )


def test_parse_line_endings_and_bad_names() -> None:
    rec = Created(TIME, AID, SIZE, MTIME, TH, NAME)
    assert parse_line(created_line() + "\n", 1) == rec
    assert parse_line(created_line() + "\r\n", 1) == rec
    with pytest.raises(JournalError) as info:
        parse_line(created_line(name="a//b"), 5, path="j")
    assert str(info.value) == (
        "j:5: invalid file name: file name 'a//b' has an empty path component"
    )
    with pytest.raises(JournalError) as info:
        parse_line(created_line(name="a\tb"), 5)
    assert str(info.value) == (
        "line 5: invalid file name: file name 'a\\tb' contains a TAB, CR, LF or NUL character"
    )
    with pytest.raises(JournalError) as info:
        parse_line(f"B\t1\tDELETED\t{AID}\t../x", 6)
    assert str(info.value) == (
        "line 6: invalid file name: file name '../x' has a '.' or '..' path component"
    )
    # Job ids are taken as they come (mtglacier's (.*?)).
    assert parse_line(f"B\t1\tRETRIEVE_JOB\t{AID}\ta b\tc", 1) == RetrieveJob(1, AID, "a b\tc")


# --------------------------------------------------------------------------------------------
# Reading journals
# --------------------------------------------------------------------------------------------


def test_read_all_versions_and_crlf(tmp_path: Path) -> None:
    lines = [
        f"{TIME} CREATED aid0 10 {TH} old file.txt",
        f"{TIME + 1} RETRIEVE_JOB aid0",
        created_line("A", aid="aidA", mtime=-5, name="a/b"),
        created_line("B", aid="aidB", mtime="NONE", name="тест/ф"),
        created_line("C", aid="aidC", mtime="+7", name="c"),
        f"B\t{TIME + 2}\tRETRIEVE_JOB\taidB\tjob1",
        f"C\t{TIME + 3}\tDELETED\taidC\tc",
        f"{TIME + 4} DELETED aid0 old file.txt",
    ]
    expected_archives = {
        "aidA": Created(TIME, "aidA", SIZE, -5, TH, "a/b"),
        "aidB": Created(TIME, "aidB", SIZE, None, TH, "тест/ф"),
    }
    for ending in ("\n", "\r\n"):
        path = write(tmp_path / "j", "".join(line + ending for line in lines))
        state = read_journal(path)
        assert dict(state.archives) == expected_archives
        assert dict(state.files) == {
            "a/b": expected_archives["aidA"],
            "тест/ф": expected_archives["aidB"],
        }
        assert dict(state.retrieve_jobs) == {
            "aid0": (RetrieveJob(TIME + 1, "aid0", None),),
            "aidB": (RetrieveJob(TIME + 2, "aidB", "job1"),),
        }
        assert state.used_versions == frozenset({"0", "A", "B", "C"})
        assert state.line_count == 8
        assert state.torn_tail is None


def test_read_errors_have_line_numbers(tmp_path: Path) -> None:
    good = created_line(aid="a1") + "\n"
    cases = [
        (
            created_line(name="x//y"),
            "invalid file name: file name 'x//y' has an empty path component",
        ),
        (created_line(aid="a1"), "duplicate archive id 'a1': already created and not deleted"),
        (
            "B\t1\tDELETED\tnope\tx",
            "DELETED of unknown archive id 'nope': never created, or already deleted",
        ),
        (
            created_line("D"),
            "line is from a future version of the journal format (version 'D'); "
            "upgrade to read this journal",
        ),
        ("B\tbroken", "line is broken: 'B\\tbroken'"),
        ("", "line is in an unknown format: ''"),
        (
            created_line(name="a\rb"),
            "invalid file name: file name 'a\\rb' contains a TAB, CR, LF or NUL character",
        ),
        (
            created_line(name="a\x00b"),
            "invalid file name: file name 'a\\x00b' contains a TAB, CR, LF or NUL character",
        ),
    ]
    for bad, reason in cases:
        path = write(tmp_path / "journal.log", good + good.replace("a1", "a2") + bad + "\n" + good)
        with pytest.raises(JournalError) as info:
            read_journal(path)
        assert str(info.value) == f"{path}:3: {reason}"
        assert info.value.line_number == 3
        assert info.value.path == str(path)
        assert info.value.reason == reason
    path = tmp_path / "utf"
    path.write_bytes(good.encode() + b"B\t1\tDELETED\ta1\tab\xff\n")
    with pytest.raises(JournalError) as info:
        read_journal(path)
    column = len("B\t1\tDELETED\ta1\tab")
    assert (
        str(info.value)
        == f"{path}:2: invalid UTF-8 (invalid start byte at byte {column} of the line)"
    )


def test_read_keeps_any_treehash_mtglacier_accepts(tmp_path: Path) -> None:
    odd = ["A" * 64, "0" * 64, "abc", TH + "0", "x" * 64]
    text = "".join(created_line(aid=f"id{i}", th=th) + "\n" for i, th in enumerate(odd))
    state = read_journal(write(tmp_path / "j", text))
    assert [a.treehash for a in state.archives.values()] == odd
    text = "".join(f"{TIME} CREATED id{i} 1 {th} n\n" for i, th in enumerate(odd))
    state = read_journal(write(tmp_path / "j", text))
    assert [a.treehash for a in state.archives.values()] == odd


def test_read_recreate_after_delete_and_error_types(tmp_path: Path) -> None:
    path = write(
        tmp_path / "j",
        created_line(aid="x")
        + "\nB\t2\tDELETED\tx\tdef/abc\n"
        + created_line(aid="x", time=3)
        + "\n",
    )
    assert dict(read_journal(path).archives) == {"x": Created(3, "x", SIZE, MTIME, TH, NAME)}
    path = write(tmp_path / "k", created_line("Q") + "\n")
    with pytest.raises(FutureJournalVersionError):
        read_journal(path)


def test_read_torn_tail(tmp_path: Path) -> None:
    first = created_line(aid="a1") + "\n"
    path = write(tmp_path / "journal.log", first + "B\t1355666799\tCREATED\tzz")
    state = read_journal(path)
    assert dict(state.archives) == {"a1": Created(TIME, "a1", SIZE, MTIME, TH, NAME)}
    assert state.line_count == 1
    assert state.torn_tail == (
        f"{path}:2: incomplete last line (no newline, and not a whole record: a write "
        "interrupted by a crash?), ignored: 'B\\t1355666799\\tCREATED\\tzz'"
    )
    # A whole record without its LF is a record, as mtglacier reads it.
    path = write(tmp_path / "j2", created_line(aid="a1"))
    state = read_journal(path)
    assert dict(state.archives) == {"a1": Created(TIME, "a1", SIZE, MTIME, TH, NAME)}
    assert state.torn_tail is None
    assert state.line_count == 1
    # ... of any version and kind, and with a CR left of a CRLF ending.
    tails = {
        created_line("A", aid="a2", name="x y") + "\r": Created(TIME, "a2", SIZE, MTIME, TH, "x y"),
        f"B\t7\tDELETED\ta1\t{NAME}": None,
        f"C\t8\tRETRIEVE_JOB\ta1\t{JOB}": RetrieveJob(8, "a1", JOB),
        f"9 CREATED a3 5 {TH} legacy name": Created(9, "a3", 5, None, TH, "legacy name"),
    }
    for tail, record in tails.items():
        path = write(tmp_path / "j3", created_line(aid="a1") + "\n" + tail)
        state = read_journal(path)
        assert state.torn_tail is None
        assert state.line_count == 2
        if isinstance(record, Created):
            assert state.archives[record.archive_id] == record
        elif isinstance(record, RetrieveJob):
            assert list(state.retrieve_jobs["a1"]) == [record]
        else:
            assert dict(state.archives) == {}
    # A whole last line is checked like any other: a duplicate is an error with its number.
    path = write(tmp_path / "j4", created_line(aid="a1") + "\n" + created_line(aid="a1"))
    with pytest.raises(JournalError, match=r"j4:2: duplicate archive id"):
        read_journal(path)
    # Torn: cut inside a field, inside a UTF-8 sequence, or a bare CR.
    for torn in (created_line(aid="a2")[:60], "B\t1\tDELETED\ta1\t日本".encode()[:-1], "\r"):
        raw = torn if isinstance(torn, bytes) else torn.encode()
        path = tmp_path / "j5"
        path.write_bytes(created_line(aid="a1").encode() + b"\n" + raw)
        state = read_journal(path)
        assert list(state.archives) == ["a1"], torn
        assert state.torn_tail is not None
        assert state.torn_tail.startswith(f"{path}:2: incomplete last line")
    # A line from a future version is refused, last or not.
    path = write(tmp_path / "j6", created_line(aid="a1") + "\nD\t1\tNEWKIND")
    with pytest.raises(FutureJournalVersionError, match=r"j6:2: line is from a future"):
        read_journal(path)


def test_read_missing_file(tmp_path: Path) -> None:
    state = read_journal(tmp_path / "absent")
    assert (len(state.files), len(state.archives), len(state.retrieve_jobs)) == (0, 0, 0)
    with pytest.raises(FileNotFoundError):
        read_journal(tmp_path / "absent", missing_ok=False)


async def test_load_journal(tmp_path: Path) -> None:
    path = write(tmp_path / "j", created_line() + "\n")
    state = await load_journal(path)
    assert state.latest(NAME) == Created(TIME, AID, SIZE, MTIME, TH, NAME)
    empty = await load_journal(tmp_path / "absent")
    assert empty.latest(NAME) is None
    with pytest.raises(FileNotFoundError):
        await load_journal(tmp_path / "absent", missing_ok=False)


def test_small_chunks_give_the_same_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(5)
    text = (
        "".join(format_record(Created(i, f"id{i}", i, i, TH, f"д/{i} ф")) for i in range(300))
        + "B\t9\tRETRIEVE_JOB\tid3\tj\n"
    )
    path = write(tmp_path / "j", text + "B\t1\tDELE")
    whole = read_journal(path)
    for chunk in (1, 2, 3, 7, 64, rng.randrange(100, 1000)):
        monkeypatch.setattr(journal_module, "_CHUNK", chunk)
        state = read_journal(path)
        assert dict(state.archives) == dict(whole.archives)
        assert dict(state.retrieve_jobs) == dict(whole.retrieve_jobs)
        assert state.torn_tail == whole.torn_tail
        assert state.line_count == 301


# --------------------------------------------------------------------------------------------
# Replay rules
# --------------------------------------------------------------------------------------------


def c(aid: str, time: int, mtime: int | str, name: str = "f") -> str:
    return created_line(aid=aid, time=time, mtime=mtime, name=name) + "\n"


@pytest.mark.parametrize(
    ("lines", "current"),
    [
        # The greatest mtime wins, whatever the order in time.
        ([c("a", 10, 5), c("b", 20, 3)], "a"),
        ([c("a", 10, 3), c("b", 20, 5)], "b"),
        # Equal mtimes: the greater time wins.
        ([c("a", 30, 5), c("b", 20, 5)], "a"),
        ([c("a", 20, 5), c("b", 30, 5)], "b"),
        # No mtime: the time stands in for it.
        ([c("a", 10, "NONE"), c("b", 20, 15)], "b"),
        ([c("a", 16, "NONE"), c("b", 20, 15)], "a"),
        ([c("a", 15, "NONE"), c("b", 20, 15)], "b"),  # 15 == 15, then time 20 > 15
        ([c("a", 20, 15), c("b", 15, "NONE")], "a"),
        # Full tie: the later line wins.
        ([c("a", 20, 5), c("b", 20, 5)], "b"),
        ([c("b", 20, 5), c("a", 20, 5)], "a"),
        # Negative mtimes.
        ([c("a", 20, -5), c("b", 10, -6)], "a"),
    ],
)
def test_current_archive_selection(tmp_path: Path, lines: list[str], current: str) -> None:
    state = read_journal(write(tmp_path / "j", "".join(lines)))
    latest = state.latest("f")
    assert latest is not None
    assert latest.archive_id == current
    assert state.versions("f")[-1] == latest
    other = "b" if current == "a" else "a"
    assert [a.archive_id for a in state.versions("f")] == [other, current]


def test_cmp_matches_mtglacier_exhaustively(tmp_path: Path) -> None:
    # mtglacier's file_versions_behaviour.t grid: times 1..3, mtimes 1..3 or none.
    values: list[int | str] = [1, 2, 3, "NONE"]
    for t1 in (1, 2, 3):
        for m1 in values:
            for t2 in (1, 2, 3):
                for m2 in values:
                    state = read_journal(write(tmp_path / "j", c("a", t1, m1) + c("b", t2, m2)))
                    k1 = (t1 if m1 == "NONE" else m1, t1)
                    k2 = (t2 if m2 == "NONE" else m2, t2)
                    want = "a" if k1 > k2 else "b"
                    latest = state.latest("f")
                    assert latest is not None
                    assert latest.archive_id == want


def test_live_archives_after_deletes(tmp_path: Path) -> None:
    text = (
        c("a", 1, 1)
        + c("b", 2, 2)
        + c("c", 3, 3, name="g")
        + "B\t4\tDELETED\tb\tf\n"  # the current version of f goes: a is current again
        + "B\t5\tRETRIEVE_JOB\tc\tjob-1\n"
        + "B\t6\tRETRIEVE_JOB\tc\tjob-2\n"
        + "B\t7\tDELETED\tc\tg\n"
        + "B\t8\tRETRIEVE_JOB\tgone\tjob-3\n"
    )
    state = read_journal(write(tmp_path / "j", text))
    assert list(state.archives) == ["a"]
    assert dict(state.files) == {"f": Created(1, "a", SIZE, 1, TH, "f")}
    assert state.retrieve_jobs["c"] == (RetrieveJob(5, "c", "job-1"), RetrieveJob(6, "c", "job-2"))
    assert state.latest_retrieve_job("c") == RetrieveJob(6, "c", "job-2")
    assert state.latest_retrieve_job("gone") == RetrieveJob(8, "gone", "job-3")
    assert state.latest_retrieve_job("a") is None
    assert state.latest("g") is None


def test_state_mappings_give_real_records(tmp_path: Path) -> None:
    state = read_journal(write(tmp_path / "j", c("a", 1, 1) + c("b", 2, "NONE", name="h")))
    rec = state.archives["a"]
    assert type(rec) is Created
    assert rec == Created(1, "a", SIZE, 1, TH, "f")
    assert hash(rec) == hash(Created(1, "a", SIZE, 1, TH, "f"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        rec.size = 3  # type: ignore[misc]
    assert dataclasses.replace(rec, size=3).size == 3
    assert repr(rec) == (
        f"Created(time=1, archive_id='a', size={SIZE}, mtime=1, treehash='{TH}', relfilename='f')"
    )
    assert "a" in state.archives
    assert "zz" not in state.archives
    assert len(state.archives) == 2
    assert state.archives.get("zz") is None
    assert list(state.archives.keys()) == ["a", "b"]
    assert [r.archive_id for r in state.archives.values()] == ["a", "b"]
    assert [(k, r.relfilename) for k, r in state.files.items()] == [("f", "f"), ("h", "h")]
    assert repr(state.archives) == "<ArchiveMap of 2 archives>"
    with pytest.raises(KeyError):
        state.archives["zz"]
    assert isinstance(JournalState().files.get("x"), type(None))


# --------------------------------------------------------------------------------------------
# Round trip (hypothesis)
# --------------------------------------------------------------------------------------------

_name_chars = st.characters(blacklist_categories=("Cs",), blacklist_characters="/\t\r\n\x00")
_component = st.text(_name_chars, min_size=1, max_size=12).filter(lambda s: s not in (".", ".."))
names = st.lists(_component, min_size=1, max_size=4).map("/".join)
tokens = st.text(
    st.characters(blacklist_categories=("Cs", "Zs", "Zl", "Zp", "Cc")), min_size=1, max_size=40
)
uints = st.integers(min_value=0, max_value=10**20 - 1)
records = st.one_of(
    st.builds(
        Created,
        uints,
        tokens,
        uints,
        st.none() | st.integers(min_value=-(10**20) + 1, max_value=10**20 - 1),
        st.text("0123456789abcdef", min_size=64, max_size=64),
        names,
    ),
    st.builds(Deleted, uints, tokens, names),
    st.builds(RetrieveJob, uints, tokens, tokens),
)


@given(records)
def test_round_trip(record: Record) -> None:
    line = format_record(record)
    assert line.endswith("\n")
    assert line.count("\n") == 1
    assert parse_line(line, 1) == record
    assert parse_line(line[:-1] + "\r\n", 1) == record


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.sampled_from("CDR"), names, st.integers(0, 30), st.none() | st.integers(-3, 30)
        ),
        max_size=40,
    )
)
def test_replay_fast_path_agrees_with_exact_parser(
    ops: list[tuple[str, str, int, int | None]],
) -> None:
    """Replay (fast path) gives what applying parse_line line by line gives."""
    live: list[str] = []
    lines: list[str] = []
    for n, (op, name, t, mtime) in enumerate(ops):
        if op == "C" or not live:
            aid = f"id-{n}"
            lines.append(format_record(Created(t, aid, n, mtime, TH, name)))
            live.append(aid)
        elif op == "D":
            lines.append(format_record(Deleted(t, live.pop(t % len(live)), name)))
        else:
            lines.append(format_record(RetrieveJob(t, live[t % len(live)], f"job{n}")))
    archives: dict[str, Created] = {}
    jobs: dict[str, list[RetrieveJob]] = {}
    for i, line in enumerate(lines, 1):
        rec = parse_line(line, i)
        if isinstance(rec, Created):
            archives[rec.archive_id] = rec
        elif isinstance(rec, Deleted):
            del archives[rec.archive_id]
        else:
            jobs.setdefault(rec.archive_id, []).append(rec)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "j"
        path.write_text("".join(lines), encoding="utf-8")
        state = read_journal(path)
    assert dict(state.archives) == archives
    assert {k: list(v) for k, v in state.retrieve_jobs.items()} == jobs
    for name in {a.relfilename for a in archives.values()}:
        versions = [a for a in archives.values() if a.relfilename == name]
        best = versions[0]
        for a in versions:
            if _key(a) >= _key(best):
                best = a
        assert state.latest(name) == best


def _key(a: Created) -> tuple[int, int]:
    return (a.time if a.mtime is None else a.mtime, a.time)


# --------------------------------------------------------------------------------------------
# Writer
# --------------------------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1355666755.9

    def __call__(self) -> float:
        self.now += 1
        return self.now


async def test_writer_writes_exact_lines(tmp_path: Path) -> None:
    path = tmp_path / "journal.log"
    async with JournalWriter(path, clock=FakeClock()) as journal:
        rec = await journal.created(AID, SIZE, MTIME, TH, NAME)
        assert rec == Created(1355666756, AID, SIZE, MTIME, TH, NAME)
        assert await journal.retrieve_job(AID, JOB) == RetrieveJob(1355666757, AID, JOB)
        assert await journal.deleted(AID, NAME) == Deleted(1355666758, AID, NAME)
        await journal.append(Created(5, "x", 0, None, TH, "тест/a b"))
        assert journal.torn_tail is None
        assert journal.path == str(path)
        assert journal.records_written == 4
    assert (
        path.read_bytes()
        == (
            f"B\t1355666756\tCREATED\t{AID}\t{SIZE}\t{MTIME}\t{TH}\t{NAME}\n"
            f"B\t1355666757\tRETRIEVE_JOB\t{AID}\t{JOB}\n"
            f"B\t1355666758\tDELETED\t{AID}\t{NAME}\n"
            f"B\t5\tCREATED\tx\t0\tNONE\t{TH}\tтест/a b\n"
        ).encode()
    )
    assert oct(path.stat().st_mode & 0o777) == oct(0o666 & ~_umask())
    # Appending to an existing journal keeps what is there.
    async with JournalWriter(path) as journal:
        await journal.append(Deleted(6, "x", "тест/a b"))
    state = read_journal(path)
    assert dict(state.archives) == {}
    assert state.line_count == 5


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


async def test_writer_refuses_bad_records(tmp_path: Path) -> None:
    path = tmp_path / "j"
    async with JournalWriter(path) as journal:
        with pytest.raises(InvalidNameError) as info:
            await journal.append(Created(1, "x", 1, 1, TH, "../x"))
        assert str(info.value) == "file name '../x' has a '.' or '..' path component"
        with pytest.raises(InvalidNameError):
            await journal.deleted("x", "a\udcff")
        with pytest.raises(InvalidRecordError):
            await journal.append(RetrieveJob(1, "x", None))
        await journal.append(Deleted(1, "x", "ok"))
    assert path.read_text() == "B\t1\tDELETED\tx\tok\n"


async def test_writer_lock_in_process(tmp_path: Path) -> None:
    path = tmp_path / "journal.log"
    async with JournalWriter(path) as journal:
        with pytest.raises(JournalLockedError) as info:
            async with JournalWriter(path):
                pass
        assert str(info.value) == (
            f"{path}: journal is locked: another process (or another writer in this process) "
            "is writing it"
        )
        await journal.append(Deleted(1, "x", "a"))
    async with JournalWriter(path) as journal:  # released on exit
        await journal.append(Deleted(2, "x", "a"))
    assert path.read_text() == "B\t1\tDELETED\tx\ta\nB\t2\tDELETED\tx\ta\n"


_TRY_LOCK = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
try:
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
except BlockingIOError:
    sys.exit(3)
sys.exit(0)
"""


class RecordingExecutor(ThreadPoolExecutor):
    """A thread pool that records the names of the functions submitted to it, so a test can
    wait until a given step was handed to the executor (instead of sleeping)."""

    def __init__(self, workers: int) -> None:
        super().__init__(workers)
        self.submitted: list[str] = []

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        self.submitted.append(getattr(fn, "__name__", repr(fn)))
        return super().submit(fn, *args, **kwargs)

    async def until_submitted(self, name: str) -> None:
        while name not in self.submitted:
            await asyncio.sleep(0)


def _try_lock_in_child(path: Path) -> int:
    return subprocess.run([sys.executable, "-c", _TRY_LOCK, str(path)], check=False).returncode


async def test_writer_lock_seen_by_another_process(tmp_path: Path) -> None:
    path = tmp_path / "journal.log"
    loop = asyncio.get_running_loop()
    async with JournalWriter(path):
        assert await loop.run_in_executor(None, _try_lock_in_child, path) == 3
    assert await loop.run_in_executor(None, _try_lock_in_child, path) == 0


_HOLD_LOCK = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.flock(fd, fcntl.LOCK_EX)
print("locked", flush=True)
sys.stdin.read()
"""


def test_writer_locked_by_another_process(tmp_path: Path) -> None:
    path = tmp_path / "journal.log"
    child = subprocess.Popen(
        [sys.executable, "-c", _HOLD_LOCK, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline() == "locked\n"

        async def attempt() -> None:
            async with JournalWriter(path):
                pass

        with pytest.raises(JournalLockedError):
            asyncio.run(attempt())
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(timeout=30)
        assert child.stdout is not None
        child.stdout.close()
    asyncio.run(attempt())


async def test_torn_tail_is_moved_to_a_side_file_then_append(tmp_path: Path) -> None:
    path = tmp_path / "journal.log"
    first = format_record(Created(1, "a1", 1, 1, TH, "f"))
    write(path, first + "B\t2\tCREATED\ta2\t5\t")
    assert read_journal(path).torn_tail is not None
    clock = lambda: 1_700_000_000.5  # noqa: E731
    side = f"{path}.torn-20231114T221320Z"
    async with JournalWriter(path, clock=clock) as journal:
        assert journal.torn_path == side
        assert journal.torn_tail == (
            f"{path}: incomplete last line (17 bytes at offset {len(first)}, no newline, and "
            f"not a whole record: a write interrupted by a crash?) moved to {side}: "
            "'B\\t2\\tCREATED\\ta2\\t5\\t'"
        )
        await journal.append(Deleted(3, "a1", "f"))
    assert path.read_text() == first + "B\t3\tDELETED\ta1\tf\n"
    assert Path(side).read_bytes() == b"B\t2\tCREATED\ta2\t5\t"  # kept byte for byte
    state = read_journal(path)
    assert state.torn_tail is None
    assert state.line_count == 2
    # A journal that is only a fragment becomes empty, then gets the new record; a second
    # side file of the same second gets its own name, and invalid UTF-8 is kept as it was.
    path.write_bytes(b"B\t1\tCRE\xe6\x97")
    async with JournalWriter(path, clock=clock) as journal:
        assert journal.torn_path == side + "-2"
        await journal.append(Deleted(3, "a1", "f"))
    assert path.read_text() == "B\t3\tDELETED\ta1\tf\n"
    assert Path(side + "-2").read_bytes() == b"B\t1\tCRE\xe6\x97"
    assert Path(side).read_bytes() == b"B\t2\tCREATED\ta2\t5\t"


async def test_whole_last_record_without_newline_is_kept(tmp_path: Path) -> None:
    """``truncate -s -1`` of a journal, then a write: the last record stays, whole."""
    path = tmp_path / "journal.log"
    lines = format_record(Created(1, "a1", 1, 1, TH, "f")) + format_record(
        Created(2, "a2", 2, 2, TH, "g/ü")
    )
    write(path, lines[:-1])
    async with JournalWriter(path) as journal:
        assert journal.torn_tail is None
        assert journal.torn_path is None
    assert path.read_text() == lines[:-1]  # a writer that writes nothing changes nothing
    async with JournalWriter(path) as journal:
        await journal.append(Deleted(3, "a1", "f"))
        await journal.append(Deleted(4, "a2", "g/ü"))
    assert path.read_text() == lines + "B\t3\tDELETED\ta1\tf\nB\t4\tDELETED\ta2\tg/ü\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["journal.log"]
    # A failed first write leaves the journal as it was (still without the LF).
    write(path, lines[:-1])
    failing = _failing_write(after=0)
    with pytest.raises(JournalWriteError):
        async with JournalWriter(path, write=failing) as journal:
            await journal.append(Deleted(3, "a1", "f"))
    assert path.read_text() == lines[:-1]


async def test_future_version_last_line_refuses_the_writer(tmp_path: Path) -> None:
    path = write(tmp_path / "j", "B\t1\tDELETED\tx\tf\nE\t2\tSOMETHING")
    with pytest.raises(FutureJournalVersionError, match="future version"):
        async with JournalWriter(path):
            pass
    assert path.read_text() == "B\t1\tDELETED\tx\tf\nE\t2\tSOMETHING"


async def test_torn_tail_that_cannot_be_set_aside_is_left_alone(tmp_path: Path) -> None:
    path = write(tmp_path / "j", "B\t1\tDELETED\tx\tf\nB\t2\tDEL")
    with pytest.raises(JournalWriteError) as info:
        async with JournalWriter(path, write=_failing_write(after=0)):
            pass
    assert str(info.value) == (
        f"{path}: cannot set aside the incomplete last line (7 bytes at offset 16) in a side "
        "file, so the journal is left as it is: [Errno 28] No space left on device"
    )
    assert path.read_text() == "B\t1\tDELETED\tx\tf\nB\t2\tDEL"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["j"]


def _failing_write(after: int, err: int = errno.ENOSPC) -> Callable[[int, bytes], int]:
    """An ``os.write`` that fails with ``err`` once ``after`` calls have succeeded."""
    calls = [0]

    def write(fd: int, data: bytes) -> int:
        calls[0] += 1
        if calls[0] > after:
            raise OSError(err, os.strerror(err))
        return os.write(fd, data)

    return write


async def test_fsync_policies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each policy's real fsync calls (os.fsync observed, not the writer's counters): the
    journal's size at every fsync of the journal file."""
    real_fsync = os.fsync
    calls: list[tuple[int, int]] = []
    timer_fsynced = threading.Event()
    watched: list[int] = []

    def fsync(fd: int) -> None:
        st = os.fstat(fd)
        real_fsync(fd)
        calls.append((st.st_ino, st.st_size))
        if st.st_ino in watched:
            timer_fsynced.set()

    def sizes(path: Path) -> list[int]:
        ino = path.stat().st_ino
        return [size for i, size in calls if i == ino]

    monkeypatch.setattr(os, "fsync", fsync)
    rec = Deleted(1, "x", "a")
    n = len(format_record(rec))
    always = tmp_path / "always"
    async with JournalWriter(always, fsync="always") as journal:
        for i in range(1, 4):
            await journal.append(rec)
            assert sizes(always) == [n * k for k in range(1, i + 1)]
    assert sizes(always) == [n, 2 * n, 3 * n, 3 * n]  # and one on close
    assert journal.fsync_count == 4

    close = tmp_path / "close"
    async with JournalWriter(close, fsync="close") as journal:
        for _ in range(3):
            await journal.append(rec)
        assert sizes(close) == []
        await journal.sync()
        assert sizes(close) == [3 * n]
        await journal.sync()  # nothing new written: no fsync needed
        assert sizes(close) == [3 * n]
    assert sizes(close) == [3 * n, 3 * n]
    assert journal.fsync_count == 2

    interval = tmp_path / "interval"
    async with JournalWriter(interval, fsync=1.0) as journal:
        watched.append(interval.stat().st_ino)
        await journal.append(rec)
        assert sizes(interval) == []
        # the timer fsyncs without a further record (generous deadline: a writer that never
        # fsyncs fails here; a slow machine does not)
        loop = asyncio.get_running_loop()
        assert await loop.run_in_executor(None, timer_fsynced.wait, 60)
        assert sizes(interval) == [n]
        await asyncio.sleep(1.2)  # not synchronisation: time passes, and nothing is written
        assert sizes(interval) == [n]  # nothing new: no further fsync
    assert sizes(interval) == [n, n]

    for bad in ("sometimes", 0, -1.0, float("inf"), True):
        with pytest.raises(ValueError, match="fsync must be"):
            JournalWriter(tmp_path / "x", fsync=bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="queue_size"):
        JournalWriter(tmp_path / "x", queue_size=0)


async def test_concurrent_appends_are_batched_whole_lines(tmp_path: Path) -> None:
    path = tmp_path / "j"
    async with JournalWriter(path, queue_size=16) as journal:
        await asyncio.gather(
            *(journal.append(Created(i, f"id{i}", i, i, TH, f"n/{i}")) for i in range(500))
        )
        assert journal.write_count < 500
        assert journal.records_written == 500
    state = read_journal(path)
    assert len(state.archives) == 500
    assert state.torn_tail is None


async def test_cancelled_producers_do_not_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "j"
    rng = random.Random(3)
    done: list[str] = []

    async def producer(i: int) -> None:
        await asyncio.sleep(rng.random() * 0.01)
        await journal.append(Created(i, f"id{i}", i, None, TH, f"d/{i} é"))
        done.append(f"id{i}")

    async with JournalWriter(path, queue_size=4) as journal:
        tasks = [asyncio.create_task(producer(i)) for i in range(300)]
        # Eight are cancelled before they ever run: cancellations happen whatever the speed.
        for task in tasks[::37]:
            task.cancel()
        for _ in range(30):
            await asyncio.sleep(rng.random() * 0.002)
            for task in rng.sample(tasks, 8):
                task.cancel()
        results = await asyncio.gather(*tasks, return_exceptions=True)
    cancelled = sum(isinstance(r, asyncio.CancelledError) for r in results)
    assert cancelled > 0
    data = path.read_bytes()
    assert data.endswith(b"\n")
    state = read_journal(path)
    assert state.torn_tail is None
    assert set(done) <= set(state.archives)  # every acknowledged record is there, whole
    for line in data.decode().splitlines():
        assert isinstance(parse_line(line, 1), Created)


async def test_writer_misuse(tmp_path: Path) -> None:
    journal = JournalWriter(tmp_path / "j")
    with pytest.raises(RuntimeError, match="not open"):
        await journal.append(Deleted(1, "x", "a"))
    async with journal:
        pass
    with pytest.raises(RuntimeError, match="not open"):
        await journal.append(Deleted(1, "x", "a"))
    with pytest.raises(RuntimeError, match="only once"):
        async with journal:
            pass


async def test_write_failure_fails_records_and_the_writer(tmp_path: Path) -> None:
    path = tmp_path / "j"
    other = tmp_path / "read-only"
    other.write_bytes(b"")
    journal = JournalWriter(path)

    async def run() -> None:
        async with journal:
            await journal.append(Deleted(1, "x", "a"))
            real_fd = journal._fd
            journal._fd = os.open(other, os.O_RDONLY)  # writes now fail with EBADF
            try:
                with pytest.raises(JournalError) as first:
                    await journal.append(Deleted(2, "x", "a"))
                assert str(first.value) == (
                    f"{path}: cannot write the journal: [Errno 9] Bad file descriptor"
                )
                with pytest.raises(JournalError):
                    await journal.append(Deleted(3, "x", "a"))
            finally:
                os.close(real_fd)

    with pytest.raises(JournalError) as info:  # and again on a normal exit
        await run()
    assert str(info.value) == f"{path}: cannot write the journal: [Errno 9] Bad file descriptor"
    assert path.read_text() == "B\t1\tDELETED\tx\ta\n"


async def test_short_writes_are_continued_and_a_full_disk_is_named(tmp_path: Path) -> None:
    path = tmp_path / "j"
    budget = [len("B\t1\tDELETED\tx\ta\n") + 5]  # bytes the "disk" still takes

    def filling(fd: int, data: bytes) -> int:
        if budget[0] <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        n = os.write(fd, data[: budget[0]])
        budget[0] -= n
        return n

    def halves(fd: int, data: bytes) -> int:
        return os.write(fd, data[: max(1, len(data) // 2)])

    async with JournalWriter(path, write=halves) as journal:  # short, then the rest: whole
        await journal.append(Deleted(1, "x", "a"))
    assert path.read_text() == "B\t1\tDELETED\tx\ta\n"
    path.unlink()
    events: list[JournalError] = []
    journal = JournalWriter(path, write=filling)

    async def run() -> JournalWriteError:
        async with journal:
            waiting = asyncio.create_task(journal.failure())
            await journal.append(Deleted(1, "x", "a"))
            assert journal.error is None
            with pytest.raises(JournalWriteError) as first:
                await journal.append(Deleted(2, "x", "a"))  # 5 bytes fit, then ENOSPC
            events.append(await waiting)
            assert journal.error is first.value
            with pytest.raises(JournalWriteError):
                await journal.append(Deleted(3, "x", "a"))  # refused: the writer failed
            return first.value

    with pytest.raises(JournalWriteError) as info:  # and again on a normal exit
        await run()
    first = events[0]
    message = f"{path}: cannot write the journal: [Errno 28] No space left on device"
    assert str(info.value) == str(first) == message
    assert isinstance(first, JournalWriteError)
    assert path.read_text() == "B\t1\tDELETED\tx\ta\n"  # the partial line was cut off


def test_write_error_names_what_a_stopped_command_did() -> None:
    import pickle

    error = JournalWriteError("cannot write the journal: disk full", path="j")
    assert str(error.stopped("sync stopped", [])) == (
        "j: cannot write the journal: disk full; sync stopped; nothing done is missing from "
        "the journal"
    )
    stopped = error.stopped("sync stopped", ['uploaded "a" as archive X', "deleted Y"])
    assert str(stopped) == (
        'j: cannot write the journal: disk full; sync stopped; NOT in the journal: uploaded "a" '
        "as archive X; deleted Y"
    )
    assert stopped.unjournaled == ('uploaded "a" as archive X', "deleted Y")
    copy = pickle.loads(pickle.dumps(stopped))
    assert (type(copy), str(copy), copy.unjournaled) == (
        JournalWriteError,
        str(stopped),
        stopped.unjournaled,
    )


def test_journal_error_pickles() -> None:
    import pickle

    err = JournalLockedError("locked", path="j", line_number=None)
    copy = pickle.loads(pickle.dumps(err))
    assert type(copy) is JournalLockedError
    assert str(copy) == "j: locked"


def test_lock_is_flock(tmp_path: Path) -> None:
    """The writer's lock is flock(2): what the test children take (guards the mechanism)."""
    path = tmp_path / "j"
    path.write_bytes(b"")
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

        async def attempt() -> None:
            async with JournalWriter(path):
                pass

        with pytest.raises(JournalLockedError):
            asyncio.run(attempt())
    finally:
        os.close(fd)


async def test_cancelled_while_opening_releases_the_lock(tmp_path: Path) -> None:
    path = tmp_path / "j"
    gate = threading.Event()
    with RecordingExecutor(1) as executor:
        executor.submit(gate.wait)  # the open queues behind this
        entering = asyncio.create_task(JournalWriter(path, executor=executor).__aenter__())
        await executor.until_submitted("_open")
        entering.cancel()
        with pytest.raises(asyncio.CancelledError):
            await entering
        gate.set()
        # The open completes, then is undone in the executor (one thread: in order).
        await executor.until_submitted("_close")
        await asyncio.get_running_loop().run_in_executor(executor, lambda: None)
        assert _try_lock_in_child(path) == 0
    async with JournalWriter(path) as journal:
        await journal.append(Deleted(1, "x", "a"))
    assert path.read_text() == "B\t1\tDELETED\tx\ta\n"


async def test_cancelled_while_closing_still_closes(tmp_path: Path) -> None:
    path = tmp_path / "j"
    gate = threading.Event()
    appends: list[asyncio.Task[None]] = []
    with RecordingExecutor(1) as executor:
        journal = JournalWriter(path, executor=executor)

        async def body() -> None:
            async with journal:
                executor.submit(gate.wait)  # writes queue behind this
                for i in range(20):
                    appends.append(asyncio.create_task(journal.append(Deleted(i, "x", "a"))))
                await executor.until_submitted("_write")  # a batch waits behind the gate

        run = asyncio.create_task(body())
        while not journal._closing:  # the body has returned; the exit is draining
            await asyncio.sleep(0)
        run.cancel()  # the exit stops the writer task, then waits for the close
        await executor.until_submitted("_close")
        run.cancel()  # and gives up waiting: the close goes on in the executor
        with pytest.raises(asyncio.CancelledError):
            await run
        gate.set()
        await asyncio.get_running_loop().run_in_executor(executor, lambda: None)
        assert journal._fd < 0
        results = await asyncio.gather(*appends, return_exceptions=True)
    assert _try_lock_in_child(path) == 0
    data = path.read_text()
    assert data == "".join(f"B\t{i}\tDELETED\tx\ta\n" for i in range(data.count("\n")))
    failed = [r for r in results if isinstance(r, JournalError)]
    assert len(failed) == 20 - data.count("\n")
    assert {str(r) for r in failed} <= {f"{path}: journal writer cancelled before writing"}


async def test_writer_cancelled_mid_write_settles_by_the_real_outcome(tmp_path: Path) -> None:
    path = tmp_path / "j"
    gate = threading.Event()
    entered = threading.Event()
    journal = JournalWriter(path)
    real_write = journal._write

    def slow_write(data: bytes, fsync: bool) -> None:
        with journal._io_lock:  # a write in progress holds the descriptor
            entered.set()
            gate.wait(60)
            real_write(data, fsync)

    journal._write = slow_write  # type: ignore[method-assign]
    appends: list[asyncio.Task[None]] = []

    async def body() -> None:
        async with journal:
            for i in range(5):
                appends.append(asyncio.create_task(journal.append(Deleted(i, "x", "a"))))
            await asyncio.to_thread(entered.wait)  # the first batch is in the thread, waiting

    run = asyncio.create_task(body())
    while not journal._closing:  # the body has returned; the exit is draining
        await asyncio.sleep(0)
    run.cancel()  # cancels the writer task while its write is in flight
    assert journal._task is not None
    while not journal._task.done():
        await asyncio.sleep(0)
    gate.set()
    with pytest.raises(asyncio.CancelledError):
        await run
    results = await asyncio.gather(*appends, return_exceptions=True)
    lines = path.read_text().splitlines()
    written = [r for r in results if r is None]
    assert len(written) == len(lines) > 0  # acknowledged exactly when written
    assert all(isinstance(r, JournalError) for r in results if r is not None)
    assert _try_lock_in_child(path) == 0


def test_state_from_plain_mappings() -> None:
    a = Created(1, "a", 1, 5, TH, "f")
    b = Created(2, "b", 1, 5, TH, "f")
    state = JournalState(
        files={"f": b},
        archives={"b": b, "a": a},
        retrieve_jobs={"a": [RetrieveJob(3, "a", "j1"), RetrieveJob(4, "a", "j2")]},
    )
    assert state.latest("f") == b
    assert state.versions("f") == [a, b]
    assert state.latest_retrieve_job("a") == RetrieveJob(4, "a", "j2")
    assert state.latest_retrieve_job("b") is None


def test_ids_follow_perl_whitespace() -> None:
    # Perl's \S (mtglacier's ids) takes control characters such as \x01 and \x1c; it refuses
    # Unicode spaces such as U+00A0 and U+3000.
    for odd in ("a\x01b", "a\x1cb", "ид"):
        rec = Deleted(1, odd, "f")
        assert parse_line(format_record(rec), 1) == rec
    for space in ("a\xa0b", "a\u3000b", "a\x0bb", "a\x85b"):
        with pytest.raises(InvalidRecordError):
            format_record(Deleted(1, space, "f"))
        with pytest.raises(JournalError):
            parse_line(f"B\t1\tDELETED\t{space}\tf", 1)


@pytest.mark.parametrize(
    "th",
    [
        TH[:30] + " " + TH[31:],  # 64 characters that bytes.fromhex would take
        " " + TH[1:],
        "",
        "ab" * 31 + "a\u00a0",
    ],
)
def test_read_refuses_bad_treehash(tmp_path: Path, th: str) -> None:
    line = created_line(th=th)
    path = write(tmp_path / "j", line + "\n")
    with pytest.raises(JournalError) as info:
        read_journal(path)
    assert str(info.value) == f"{path}:1: line is broken: {shown(line)}"


def test_skip_bad_names_keeps_the_other_entries(tmp_path: Path) -> None:
    th = "ab" * 32
    path = tmp_path / "outside.journal"
    path.write_text(
        f"B\t1\tCREATED\tGOOD\t5\t10\t{th}\tok/name\n"
        f"B\t2\tCREATED\tEVIL1\t5\t10\t{th}\t../escape\n"
        f"B\t3\tCREATED\tEVIL2\t5\t10\t{th}\t/abs/path\n"
        f"B\t4\tRETRIEVE_JOB\tEVIL1\tJOB\n"
        f"B\t5\tDELETED\tEVIL2\t/abs/path\n"
        f"1 CREATED OLD0 5 {th} ../legacy\n",
        encoding="utf-8",
    )
    with pytest.raises(JournalError, match=r"outside.journal:2: invalid file name"):
        read_journal(path)
    state = read_journal(path, skip_bad_names=True)
    assert list(state.files) == ["ok/name"]
    assert list(state.archives) == ["GOOD"]
    assert len(state.skipped) == 4
    assert state.skipped[0].startswith(f"{path}:2: invalid file name")
    assert state.skipped[0].endswith(": entry skipped")
    assert f"{path}:6:" in state.skipped[3]
