"""What the journal promises: every line it writes is whole and durable when it says so, and
every line it reads means what mtglacier means by it (whichever path the reader takes)."""

from __future__ import annotations

import asyncio
import errno
import os
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from aioglacier.journal import (
    Created,
    Deleted,
    JournalError,
    JournalWriter,
    RetrieveJob,
    format_record,
    read_journal,
)

AID = "AID-1"
TH = "1368761bd826f76cae8b8a74b3aae210b476333484c2d612d061d52e36af631a"
LINE = len(format_record(Deleted(1, AID, "a")))  # every Deleted line below has this length


class FsyncRecorder:
    """Wraps ``os.fsync``: records the inode and size of every file fsynced, then fsyncs."""

    def __init__(self, real: Callable[[int], None]) -> None:
        self.real = real
        self.calls: list[tuple[int, int]] = []
        self.lock = threading.Lock()
        self.watched: int | None = None
        self.watched_called = threading.Event()

    def __call__(self, fd: int) -> None:
        st = os.fstat(fd)
        self.real(fd)
        with self.lock:
            self.calls.append((st.st_ino, st.st_size))
        if st.st_ino == self.watched:
            self.watched_called.set()

    def watch(self, path: Path) -> threading.Event:
        """An event set by the next fsync of ``path`` (which must exist)."""
        self.watched_called.clear()
        self.watched = path.stat().st_ino
        return self.watched_called

    def of(self, path: Path) -> list[int]:
        """The sizes ``path`` had at each of its fsyncs."""
        ino = path.stat().st_ino
        with self.lock:
            return [size for i, size in self.calls if i == ino]


@pytest.fixture
def fsyncs(monkeypatch: pytest.MonkeyPatch) -> FsyncRecorder:
    recorder = FsyncRecorder(os.fsync)
    monkeypatch.setattr(os, "fsync", recorder)
    return recorder


async def test_always_fsyncs_each_line_before_append_returns(
    tmp_path: Path, fsyncs: FsyncRecorder
) -> None:
    path = tmp_path / "j"
    async with JournalWriter(path, fsync="always") as journal:
        for i in range(3):
            await journal.append(Deleted(i, AID, "a"))
            size = path.stat().st_size
            # the file, at its current size, was fsynced before append returned
            assert fsyncs.of(path)[-1] == size
        assert fsyncs.of(path) == [LINE, 2 * LINE, 3 * LINE]
    assert fsyncs.of(path) == [LINE, 2 * LINE, 3 * LINE, 3 * LINE]  # and once more on close


async def test_close_policy_fsyncs_on_sync_and_on_close_only(
    tmp_path: Path, fsyncs: FsyncRecorder
) -> None:
    path = tmp_path / "j"
    async with JournalWriter(path, fsync="close") as journal:
        for i in range(3):
            await journal.append(Deleted(i, AID, "a"))
        assert fsyncs.of(path) == []
        await journal.sync()
        assert fsyncs.of(path) == [3 * LINE]
        await journal.sync()  # nothing written since: no fsync needed
        assert fsyncs.of(path) == [3 * LINE]
        await journal.append(Deleted(9, AID, "b"))
        assert fsyncs.of(path) == [3 * LINE]
    # the close fsyncs what was written after the last sync
    assert fsyncs.of(path) == [3 * LINE, 4 * LINE]
    assert path.read_text() == "".join(
        format_record(Deleted(t, AID, n)) for t, n in ((0, "a"), (1, "a"), (2, "a"), (9, "b"))
    )


async def test_interval_policy_fsyncs_without_a_further_record(
    tmp_path: Path, fsyncs: FsyncRecorder
) -> None:
    path = tmp_path / "j"
    async with JournalWriter(path, fsync=0.05) as journal:
        fsynced = fsyncs.watch(path)
        await journal.append(Deleted(1, AID, "a"))
        # The timer, not a later record or the close, fsyncs the line. (Generous deadline:
        # it guards only against a writer that never fsyncs.)
        assert await _wait_in_thread(fsynced, 60)
        assert fsyncs.of(path) == [LINE]
    assert fsyncs.of(path) == [LINE, LINE]


async def _wait_in_thread(event: threading.Event, timeout: float) -> bool:
    return await asyncio.get_running_loop().run_in_executor(None, event.wait, timeout)


async def test_short_write_leaves_no_torn_line(tmp_path: Path) -> None:
    """A disk that fills in the middle of a write (a short write, then ENOSPC) fails its
    records and is cut back: the journal still ends with a whole line, and what is on disk
    reads back as exactly the lines that succeeded."""
    path = tmp_path / "j"
    real_write = os.write
    short = threading.Event()

    def write(fd: int, data: bytes) -> int:
        if short.is_set() and os.fstat(fd).st_ino == path.stat().st_ino:
            if len(data) > 1:
                return real_write(fd, bytes(data)[: len(data) // 2])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    first = Created(1, AID, 10, 5, TH, "kept")
    full = "No space left on device"

    async def run() -> None:
        async with JournalWriter(path, write=write) as journal:
            await journal.append(first)
            short.set()
            with pytest.raises(JournalError, match=full):
                await journal.append(Created(2, "AID-2", 10, 5, TH, "lost"))
            short.clear()

    with pytest.raises(JournalError) as info:  # the writer reports the failure on exit too
        await run()
    assert full in str(info.value)
    assert path.read_text() == format_record(first)
    state = read_journal(path)
    assert state.torn_tail is None
    assert list(state.files) == ["kept"]


def test_version_a_without_metadata_has_no_mtime(tmp_path: Path) -> None:
    """mtglacier's download-inventory writes version A lines whose file name is the archive id
    and whose mtime is made up: the reader must not take that mtime (the B/C lines around it
    keep theirs), however many lines the journal holds."""
    lines = [
        f"B\t1\tCREATED\tAID-B\t3\t111\t{TH}\tb.txt",
        f"A\t2\tCREATED\t{AID}\t4\t222\t{TH}\t{AID}",
        f"A\t3\tCREATED\tAID-A2\t5\t333\t{TH}\tnamed",
        f"C\t4\tCREATED\tAID-C\t6\t444\t{TH}\tc.txt",
    ]
    path = tmp_path / "j"
    path.write_text("\n".join(lines) + "\n")
    state = read_journal(path)
    assert {name: r.mtime for name, r in state.files.items()} == {
        "b.txt": 111,
        AID: None,
        "named": 333,
        "c.txt": 444,
    }
    assert state.files[AID] == Created(2, AID, 4, None, TH, AID)


def test_version_a_mtime_none_is_refused_by_the_reader(tmp_path: Path) -> None:
    path = tmp_path / "j"
    path.write_text(f"B\t1\tCREATED\tX\t3\t111\t{TH}\tb\nA\t2\tCREATED\tY\t4\tNONE\t{TH}\tn\n")
    with pytest.raises(JournalError) as info:
        read_journal(path)
    assert str(info.value) == (
        f"{path}:2: line is broken: mtime NONE is not allowed in a version A record"
    )


def test_versions_seen_by_the_reader(tmp_path: Path) -> None:
    path = tmp_path / "j"
    path.write_text(
        f"A\t1\tCREATED\tX\t3\t111\t{TH}\ta\nA\t2\tDELETED\tX\ta\nA\t3\tRETRIEVE_JOB\tX\tJ\n"
    )
    state = read_journal(path)
    assert state.files == {}
    assert state.retrieve_jobs["X"] == (RetrieveJob(3, "X", "J"),)
