"""The streaming walk and mtglacier's sync planning rules."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from aioglacier.filters import Filter
from aioglacier.journal import Created, JournalState
from aioglacier.planner import (
    DetectMode,
    LocalFile,
    SyncPlanOptions,
    WalkProblem,
    WorkItem,
    plan_sync,
    walk,
)

TH = "a" * 64


def created(name: str, size: int, mtime: int | None, archive: str = "A1") -> Created:
    return Created(
        time=1, archive_id=archive, size=size, mtime=mtime, treehash=TH, relfilename=name
    )


def local(name: str, size: int, mtime: int) -> LocalFile:
    return LocalFile(name, f"/x/{name}", size, mtime, mtime * 10**9)


async def stream(items: list[LocalFile | WalkProblem]) -> AsyncIterator[LocalFile | WalkProblem]:
    for item in items:
        yield item


async def plan(
    items: list[LocalFile | WalkProblem], state: JournalState, **opts: object
) -> list[tuple[str, str]]:
    options = SyncPlanOptions(**opts)  # type: ignore[arg-type]
    return [(w.action, w.relfilename) async for w in plan_sync(stream(items), state, options)]


async def test_new_files_only_by_default() -> None:
    state = JournalState(files={"old": created("old", 5, 100)})
    got = await plan([local("old", 6, 200), local("new", 1, 1)], state)
    assert got == [("upload", "new")]


@pytest.mark.parametrize(
    ("detect", "size", "mtime", "expected"),
    [
        # a size change always counts as modified
        ("size-only", 6, 100, "replace"),
        ("mtime", 6, 100, "replace"),
        ("treehash", 6, 100, "replace"),
        ("mtime-and-treehash", 6, 100, "replace"),
        ("mtime-or-treehash", 6, 100, "replace"),
        # same size
        ("always-positive", 5, 100, "replace"),
        ("size-only", 5, 200, None),
        ("mtime", 5, 100, None),
        ("mtime", 5, 200, "replace"),
        ("treehash", 5, 100, "verify-replace"),
        ("treehash", 5, 200, "verify-replace"),
        ("always-positive", 5, 200, "replace"),
        ("size-only", 5, 100, None),
        ("mtime-and-treehash", 5, 100, None),
        ("mtime-and-treehash", 5, 200, "verify-replace"),
        ("mtime-or-treehash", 5, 100, "verify-replace"),
        ("mtime-or-treehash", 5, 200, "replace"),
    ],
)
async def test_detect_modes(
    detect: DetectMode, size: int, mtime: int, expected: str | None
) -> None:
    state = JournalState(files={"f": created("f", 5, 100)})
    got = await plan(
        [local("f", size, mtime)], state, new=False, replace_modified=True, detect=detect
    )
    assert got == ([(expected, "f")] if expected else [])


async def test_mtime_none_in_journal_never_differs() -> None:
    state = JournalState(files={"f": created("f", 5, None)})
    got = await plan([local("f", 5, 999)], state, new=False, replace_modified=True, detect="mtime")
    assert got == []


async def test_delete_removed_after_walk_respects_filter() -> None:
    state = JournalState(
        files={
            "keep": created("keep", 1, 1, "A"),
            "gone.txt": created("gone.txt", 1, 1, "B"),
            "gone.jpg": created("gone.jpg", 1, 1, "C"),
        }
    )
    items: list[LocalFile | WalkProblem] = [local("keep", 1, 1)]
    options = SyncPlanOptions(new=False, delete_removed=True)
    flt = Filter.from_options([("filter", "+*.jpg -")])
    got = [
        (w.action, w.relfilename, w.old.archive_id if w.old else None)
        async for w in plan_sync(stream(items), state, options, filter=flt)
    ]
    assert got == [("delete", "gone.jpg", "C")]


async def test_max_number_of_files() -> None:
    items: list[LocalFile | WalkProblem] = [local(f"f{i}", 1, 1) for i in range(10)]
    got = await plan(items, JournalState(), max_number_of_files=3)
    assert got == [("upload", "f0"), ("upload", "f1"), ("upload", "f2")]


async def test_max_number_of_files_never_makes_files_past_the_limit_removed() -> None:
    """Files past the limit are still seen: --delete-removed must not take them for gone."""
    state = JournalState(files={n: created(n, 1, 1, f"A-{n}") for n in ("old1", "old2", "removed")})
    items: list[LocalFile | WalkProblem] = [
        local("new1", 1, 1),
        local("new2", 1, 1),
        local("old1", 2, 5),
        local("old2", 1, 1),
    ]
    got = await plan(
        items,
        state,
        new=True,
        replace_modified=True,
        delete_removed=True,
        detect="mtime",
        max_number_of_files=1,
    )
    assert got == [("upload", "new1"), ("delete", "removed")]
    unlimited = await plan(
        items, state, new=True, replace_modified=True, delete_removed=True, detect="mtime"
    )
    assert unlimited == [
        ("upload", "new1"),
        ("upload", "new2"),
        ("replace", "old1"),
        ("delete", "removed"),
    ]


async def test_max_number_of_files_counts_replacements_too() -> None:
    state = JournalState(files={n: created(n, 1, 1) for n in ("a", "b", "c")})
    items: list[LocalFile | WalkProblem] = [local(n, 2, 1) for n in ("a", "b", "c")]
    got = await plan(items, state, new=False, replace_modified=True, max_number_of_files=2)
    assert got == [("replace", "a"), ("replace", "b")]
    assert await plan(items, state, new=False, replace_modified=True, max_number_of_files=0) == []


async def test_walk_problems_are_collected() -> None:
    problems: list[WalkProblem] = []
    items: list[LocalFile | WalkProblem] = [WalkProblem("bad\tname", "tab"), local("ok", 1, 1)]
    got: list[WorkItem] = [
        w
        async for w in plan_sync(
            stream(items), JournalState(), SyncPlanOptions(), problems=problems
        )
    ]
    assert [w.relfilename for w in got] == ["ok"]
    assert problems == [WalkProblem("bad\tname", "tab")]


async def test_walk_tree(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "deep.txt").write_bytes(b"123")
    (tmp_path / "top file.txt").write_bytes(b"")
    (tmp_path / "ünï.bin").write_bytes(b"x")
    (tmp_path / "skip").mkdir()
    (tmp_path / "skip" / "x.tmp").write_bytes(b"x")
    os.symlink(tmp_path / "a", tmp_path / "link-to-a")
    os.symlink(tmp_path / "ünï.bin", tmp_path / "link-to-file")
    got = [(f.relfilename, f.size) async for f in walk(tmp_path) if isinstance(f, LocalFile)]
    # a directory's files first (sorted), then its subdirectories, depth first
    assert got == [
        ("link-to-file", 1),
        ("top file.txt", 0),
        ("ünï.bin", 1),
        ("a/b/deep.txt", 3),
        ("skip/x.tmp", 1),
    ]
    followed = [
        f.relfilename async for f in walk(tmp_path, follow=True) if isinstance(f, LocalFile)
    ]
    # the linked directory is the same inode as a/, so it is walked once only: under the name
    # met first in the walk's order (a/ sorts before link-to-a/)
    assert followed == [
        "link-to-file",
        "top file.txt",
        "ünï.bin",
        "a/b/deep.txt",
        "skip/x.tmp",
    ]
    flt = Filter.from_options([("exclude", "skip/")])
    filtered = [f.relfilename async for f in walk(tmp_path, filter=flt) if isinstance(f, LocalFile)]
    assert "skip/x.tmp" not in filtered
    assert "a/b/deep.txt" in filtered


async def test_follow_enters_linked_directories_once(tmp_path: Path) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    (outside / "in").mkdir(parents=True)
    (outside / "in" / "x.txt").write_bytes(b"x")
    (root / "real").mkdir(parents=True)
    (root / "real" / "r.txt").write_bytes(b"r")
    os.symlink(outside, root / "ext")  # a directory outside the tree
    os.symlink(outside, root / "ext-again")  # the same directory a second time
    os.symlink(root / "real", root / "zz-real-again")  # a directory of the tree itself
    os.symlink(root, root / "real" / "loop")  # a loop back to the root

    async def names(follow: bool) -> list[str]:
        return [f.relfilename async for f in walk(root, follow=follow) if isinstance(f, LocalFile)]

    assert await names(False) == ["real/r.txt"]
    # not following is the default
    assert [f.relfilename async for f in walk(root) if isinstance(f, LocalFile)] == ["real/r.txt"]
    assert await names(True) == ["ext/in/x.txt", "real/r.txt"]


async def test_walk_reports_bad_names(tmp_path: Path) -> None:
    (tmp_path / "tab\there").write_bytes(b"x")
    (tmp_path / "fine").write_bytes(b"x")
    got = [f async for f in walk(tmp_path)]
    names = [(type(f).__name__, f.relfilename) for f in got]
    assert names == [("LocalFile", "fine"), ("WalkProblem", "tab\there")]


DANGLING = "dangling symbolic link (its target does not exist): skipped"


@pytest.mark.parametrize("follow", [False, True])
async def test_walk_reports_dangling_and_looping_links_as_warnings(
    tmp_path: Path, follow: bool
) -> None:
    (tmp_path / "fine").write_bytes(b"x")
    (tmp_path / "gone").symlink_to(tmp_path / "no-such-file")
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    (tmp_path / "through-a-file").symlink_to(tmp_path / "fine" / "x")
    got = [f async for f in walk(tmp_path, follow=follow)]
    assert got[0] == LocalFile(
        "fine",
        str(tmp_path / "fine"),
        1,
        int((tmp_path / "fine").stat().st_mtime),
        (tmp_path / "fine").stat().st_mtime_ns,
    )
    assert got[1:] == [
        WalkProblem(
            "gone", "dangling symbolic link (its target does not exist): skipped", "warning"
        ),
        WalkProblem("loop", "symbolic link loop: skipped", "warning"),
        WalkProblem(
            "through-a-file",
            "dangling symbolic link (its target does not exist): skipped",
            "warning",
        ),
    ]


async def test_walk_reports_exact_problems_and_goes_on(tmp_path: Path) -> None:
    os.symlink(tmp_path / "nowhere", tmp_path / "a-dangling-link")
    (tmp_path / "b\tname").write_bytes(b"x")
    (tmp_path / os.fsdecode(b"c-\xff.bin")).write_bytes(b"x")
    (tmp_path / "d.txt").write_bytes(b"d")
    (tmp_path / "e" / "f").mkdir(parents=True)
    (tmp_path / "e" / "f" / "g.txt").write_bytes(b"g")
    got: list[tuple[str, str, str]] = []
    for follow in (False, True):
        got = []
        async for f in walk(tmp_path, follow=follow):
            if isinstance(f, WalkProblem):
                got.append(("problem", f.relfilename, f.reason))
            else:
                assert f.path == os.path.join(tmp_path, *f.relfilename.split("/"))
                got.append(("file", f.relfilename, str(f.size)))
        assert got == [
            (
                "problem",
                "a-dangling-link",
                "dangling symbolic link (its target does not exist): skipped",
            ),
            (
                "problem",
                "b\tname",
                "not uploaded, it could never be restored: the name contains a TAB, CR, LF or "
                "NUL character, which the journal cannot hold",
            ),
            (
                "problem",
                os.fsdecode(b"c-\xff.bin"),
                "not uploaded, it could never be restored: the name is not valid Unicode "
                "(undecodable bytes?)",
            ),
            ("file", "d.txt", "1"),
            ("file", "e/f/g.txt", "1"),
        ]


async def test_directory_that_cannot_be_listed_is_a_problem_and_the_walk_goes_on(
    tmp_path: Path,
) -> None:
    for d in ("a", "b", "c"):
        (tmp_path / d).mkdir()
        (tmp_path / d / "f").write_bytes(b"x")
    (tmp_path / "top").write_bytes(b"t")
    got: list[tuple[str, str]] = []
    async for f in walk(tmp_path):
        got.append((type(f).__name__, f.relfilename))
        if f.relfilename == "a/f":
            # b was listed as a directory of the root but is not scanned yet: it goes away
            (tmp_path / "b" / "f").unlink()
            (tmp_path / "b").rmdir()
        if isinstance(f, WalkProblem):
            assert f.reason == "cannot list directory: No such file or directory"
    assert got == [
        ("LocalFile", "top"),
        ("LocalFile", "a/f"),
        ("WalkProblem", "b"),
        ("LocalFile", "c/f"),
    ]


async def test_walk_prunes_excluded_directories(tmp_path: Path) -> None:
    """An excluded directory is never entered: a problem below it is never met."""
    (tmp_path / "skip" / "inner").mkdir(parents=True)
    (tmp_path / "keep").write_bytes(b"k")
    got: list[str] = []
    flt = Filter.from_options([("exclude", "skip/")])
    async for f in walk(tmp_path, filter=flt):
        got.append(f.relfilename)
        if f.relfilename == "keep":
            (tmp_path / "skip" / "inner").rmdir()
            (tmp_path / "skip").rmdir()
    assert got == ["keep"]


async def test_walk_uses_the_given_executor(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "f").write_bytes(b"x")
    calls: list[str] = []

    class Counting(ThreadPoolExecutor):
        def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def]
            calls.append(getattr(fn, "__name__", "?"))
            return super().submit(fn, *args, **kwargs)

    with Counting(1) as executor:
        got = [f.relfilename async for f in walk(tmp_path, executor=executor)]
    assert got == ["d/f"]
    assert len(calls) == 3  # the root's stat, then one listing per directory


async def test_a_root_that_cannot_be_listed_is_one_problem(tmp_path: Path) -> None:
    (tmp_path / "file").write_bytes(b"x")
    got = [f async for f in walk(tmp_path / "file")]
    assert got == [WalkProblem(".", "cannot list directory: Not a directory")]
