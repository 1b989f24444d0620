"""The store layer both APIs build on: one sqlite database with group commit, durable files.

Every sqlite call runs on one dedicated thread. Calls are *group committed*: the calls queued
while a batch runs form the next batch, each call in its own savepoint, then one ``COMMIT``
(one WAL fsync) for the batch, after the directories that received new files are fsynced. A
call's result is delivered only after that commit, so *acknowledged means durable*: file data is
fsynced before it is renamed into place (:meth:`Tx.install`), renamed before the metadata naming
it commits, and the response is sent after the commit. Files that a call stops naming are
unlinked after the commit (:meth:`Tx.unlink_after_commit`); a call that fails has its renames
undone. On open, each API's store drops the files no committed metadata names (left by a crash
between rename and commit) and its temporary files (:func:`remove_orphans`).

The Glacier tables live in :mod:`aioglacier.emulator.glacier.store`, the S3 tables in
:mod:`aioglacier.emulator.s3.store`; both are tables of the one :class:`Database`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import dataclasses
import logging
import os
import sqlite3
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

__all__ = [
    "Database",
    "Tx",
    "discard",
    "fsync_dir",
    "record_from_row",
    "record_row",
    "remove_orphans",
    "truncate_and_sync",
    "write_file_durably",
]

_log = logging.getLogger(__name__)
T = TypeVar("T")
R = TypeVar("R")

#: The database file under the data directory.
DATABASE_NAME = "emulator.sqlite3"


# -- durable files ---------------------------------------------------------------------------


def fsync_dir(path: Path) -> None:
    """fsync a directory so that renames into it are durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_file_durably(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` (created) and fsync it."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    finally:
        os.close(fd)


def truncate_and_sync(path: Path, size: int) -> None:
    """Cut ``path`` to ``size`` bytes and fsync it."""
    fd = os.open(path, os.O_WRONLY)
    try:
        os.ftruncate(fd, size)
        os.fsync(fd)
    finally:
        os.close(fd)


def unlink_all(paths: Iterable[Path]) -> None:
    """Unlink every path (a missing one is not an error)."""
    for path in paths:
        path.unlink(missing_ok=True)


def remove_orphans(directory: Path, known: Collection[str] = ()) -> None:
    """Unlink the files of ``directory`` whose names are not in ``known`` (committed
    metadata names them): what a crash between a rename and its commit leaves, or (``known``
    empty) the temporary files of bodies that were being received."""
    for name in os.listdir(directory):
        if name not in known:
            _log.info("removing orphan file %s", directory / name)
            (directory / name).unlink(missing_ok=True)


async def discard(path: Path, executor: concurrent.futures.Executor | None) -> None:
    """Unlink ``path`` (if it exists) on ``executor``, off the event loop."""
    await asyncio.get_running_loop().run_in_executor(
        executor, partial(path.unlink, missing_ok=True)
    )


# -- rows and records ------------------------------------------------------------------------


def _field_names(cls: type[Any]) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


def record_from_row(cls: type[R], row: Sequence[Any], **convert: Callable[[Any], Any]) -> R:
    """The dataclass ``cls`` from a row whose columns are its fields in order (fields after the
    row's last column keep their defaults); ``convert`` maps a field's name to how its stored
    value becomes the field's."""
    return cls(
        *(
            convert[name](value) if name in convert else value
            for name, value in zip(_field_names(cls), row, strict=False)
        )
    )


def record_row(record: Any, **convert: Callable[[Any], Any]) -> tuple[Any, ...]:
    """The row of a dataclass ``record``, its fields in order; ``convert`` maps a field's name
    to how its value is stored."""
    return tuple(
        convert[name](getattr(record, name)) if name in convert else getattr(record, name)
        for name in _field_names(type(record))
    )


# -- the database ----------------------------------------------------------------------------


@dataclass
class Tx:
    """What a store call sees on the sqlite thread: the connection and commit hooks."""

    conn: sqlite3.Connection
    dirs: set[Path] = field(default_factory=set)
    after_commit: list[Callable[[], None]] = field(default_factory=list)
    undo: list[Callable[[], None]] = field(default_factory=list)

    def sync_dir(self, path: Path) -> None:
        """fsync ``path`` before the batch commits (a file was renamed into it)."""
        self.dirs.add(path)

    def install(self, received: Path, final: Path) -> None:
        """Rename the fsynced file ``received`` to ``final``, durably by the commit (undone if
        the call fails)."""
        os.rename(received, final)
        self.undo.append(partial(final.unlink, missing_ok=True))
        self.sync_dir(final.parent)

    def create_file(self, path: Path, data: bytes) -> None:
        """Write ``path`` (fsynced, durable by the commit; removed if the call fails)."""
        write_file_durably(path, data)
        self.undo.append(partial(path.unlink, missing_ok=True))
        self.sync_dir(path.parent)

    def link(self, source: Path, final: Path) -> None:
        """Hard-link ``source`` as ``final``, durably by the commit (undone if the call fails)."""
        os.link(source, final)
        self.undo.append(partial(final.unlink, missing_ok=True))
        self.sync_dir(final.parent)

    def unlink_after_commit(self, paths: Iterable[Path]) -> None:
        """Unlink ``paths`` once the batch has committed (the metadata no longer names them)."""
        doomed = list(paths)
        if doomed:
            self.after_commit.append(partial(unlink_all, doomed))

    def create_tables(self, statements: Iterable[str]) -> None:
        """Run ``CREATE ... IF NOT EXISTS`` statements (one at a time: ``executescript``
        would commit the batch's transaction)."""
        for statement in statements:
            self.conn.execute(statement)


_Call = tuple[Callable[[Tx], Any], "asyncio.Future[Any]"]


class Database:
    """The emulator's sqlite database (WAL, ``synchronous=FULL``) under ``data_dir``, every
    call on one thread, group committed. Every method is a coroutine; nothing blocks the loop.
    """

    def __init__(self, data_dir: Path | str) -> None:
        self.data_dir = Path(data_dir)
        self.path = self.data_dir / DATABASE_NAME
        self._thread = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="aioglacier-emulator-db"
        )
        self._conn: sqlite3.Connection | None = None
        self._queue: list[_Call] = []
        self._wakeup = asyncio.Event()
        self._worker: asyncio.Task[None] | None = None
        self._closing = False

    async def open(self) -> None:
        """Create or open the database and start the group-commit worker."""
        await self.offload(self._open_sync)
        self._worker = asyncio.create_task(self._run(), name="aioglacier-emulator-db")

    def _open_sync(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        self._conn = conn

    async def close(self) -> None:
        """Finish queued calls, stop the worker and close the database."""
        self._closing = True
        self._wakeup.set()
        if self._worker is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
            self._worker = None
        if self._conn is not None:
            await self.offload(self._conn.close)
            self._conn = None
        self._thread.shutdown(wait=True)

    async def offload(self, fn: Callable[[], T]) -> T:
        """Run ``fn()`` on the database thread, outside any transaction."""
        return await asyncio.get_running_loop().run_in_executor(self._thread, fn)

    async def call(self, fn: Callable[[Tx], T]) -> T:
        """Run ``fn(tx)`` on the sqlite thread in its own savepoint; return after the commit."""
        if self._closing:
            raise RuntimeError("store is closed")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queue.append((fn, future))
        self._wakeup.set()
        return await future

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            batch, self._queue = self._queue, []
            if batch:
                try:
                    results = await loop.run_in_executor(
                        self._thread, self._run_batch, [fn for fn, _ in batch]
                    )
                except BaseException as exc:  # the thread pool is gone: fail the batch
                    results = [(False, exc)] * len(batch)
                    if isinstance(exc, asyncio.CancelledError):
                        raise
                for (_, future), (ok, value) in zip(batch, results, strict=True):
                    if future.done():
                        continue
                    if ok:
                        future.set_result(value)
                    else:
                        future.set_exception(value)
            elif self._closing:
                return

    def _run_batch(self, fns: list[Callable[[Tx], Any]]) -> list[tuple[bool, Any]]:
        conn = self._conn
        assert conn is not None
        tx = Tx(conn)
        out: list[tuple[bool, Any]] = []
        conn.execute("BEGIN")
        for fn in fns:
            conn.execute("SAVEPOINT call")
            undo_mark = len(tx.undo)
            after_mark = len(tx.after_commit)
            try:
                value = fn(tx)
            except Exception as exc:
                conn.execute("ROLLBACK TO call")
                conn.execute("RELEASE call")
                _run_hooks(reversed(tx.undo[undo_mark:]))
                del tx.undo[undo_mark:]
                del tx.after_commit[after_mark:]
                out.append((False, exc))
            else:
                conn.execute("RELEASE call")
                out.append((True, value))
        try:
            for directory in tx.dirs:
                fsync_dir(directory)
            conn.execute("COMMIT")
        except Exception as exc:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            _run_hooks(reversed(tx.undo))
            return [(False, exc)] * len(fns)
        _run_hooks(tx.after_commit)
        return out


def _run_hooks(hooks: Iterable[Callable[[], None]]) -> None:
    for hook in hooks:
        try:
            hook()
        except Exception:
            _log.exception("emulator store hook failed")
