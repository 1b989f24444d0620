"""The only writer of a journal: one asyncio task draining a bounded queue
(:class:`JournalWriter`), appending whole lines, durably, with the journal locked.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import functools
import os
import threading
import time as _time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor
from typing import Final, Literal, Self, TypeAlias

from aioglacier.errors import AioGlacierError
from aioglacier.journal.errors import (
    FutureJournalVersionError,
    InvalidRecordError,
    JournalError,
    JournalLockedError,
    JournalWriteError,
)
from aioglacier.journal.parsing import _SHOWN_CHARS, _complete_tail, _shown
from aioglacier.journal.records import Created, Deleted, Record, RetrieveJob, format_record
from aioglacier.localfs import atomic_write, fsync_parent, pread_all, write_all

__all__ = ["FsyncPolicy", "JournalWriter", "refuse_nonempty_journal", "write_new_journal"]

_CHUNK: Final = 1 << 20


FsyncPolicy: TypeAlias = Literal["always", "close"] | float


class _Control:
    """A queue item that is not a record: a sync request or the end of input."""

    __slots__ = ("future", "kind")

    def __init__(self, kind: Literal["sync", "close"], future: asyncio.Future[None]) -> None:
        self.kind = kind
        self.future = future


_Item: TypeAlias = tuple[bytes, "asyncio.Future[None]"] | _Control


class JournalWriter:
    """The only writer of a journal: an asyncio task draining a bounded queue.

    Use it as ``async with JournalWriter(path) as journal: await journal.append(record)``.

    On enter it opens the file (``O_APPEND|O_CREAT``), takes an exclusive ``flock`` (a second
    writer, in this process or another, gets :class:`JournalLockedError`) and starts the task.
    A last line without its LF is kept when it is a whole record (the first write adds the LF
    before the new lines), and otherwise moved to a side file ``JOURNAL.torn-<UTC time>`` and
    cut off (see :attr:`torn_tail`): no byte of the journal is ever destroyed. Producers
    ``await append(record)``; it returns once the record's line is written to the file (and
    fsynced when the policy says so). The task writes whatever is queued with one write per
    drain (a short write is continued): whole lines only; a write that fails is truncated
    away and fails the records of that drain with :class:`JournalWriteError`, and
    the writer then refuses every further record (:attr:`error`, :meth:`failure`). On exit it
    writes what is queued, fsyncs, unlocks and closes. File I/O runs in ``executor`` (the
    loop's default when ``None``); ``write`` is the ``os.write`` it uses for data (a test
    injects failures there).

    ``fsync``: ``"always"`` (before any ``append`` of a drain returns), ``"close"`` (only on
    exit and :meth:`sync`), or a number of seconds N (written data is fsynced within about N
    seconds). Cancelling a producer after its record was queued does not withdraw the record:
    it is written whole.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        fsync: FsyncPolicy = "close",
        queue_size: int = 1024,
        executor: Executor | None = None,
        clock: Callable[[], float] = _time.time,
        write: Callable[[int, bytes], int] = os.write,
    ) -> None:
        if fsync not in ("always", "close") and (
            isinstance(fsync, bool)
            or not isinstance(fsync, int | float)
            or not 0 < fsync < float("inf")
        ):
            raise ValueError(
                f"fsync must be 'always', 'close' or a number of seconds > 0, not {fsync!r}"
            )
        if queue_size < 1:
            raise ValueError(f"queue_size must be at least 1, not {queue_size}")
        self._path = os.fspath(path)
        self._fsync_policy = fsync
        self._queue_size = queue_size
        self._executor = executor
        self._clock = clock
        self._fd = -1
        self._size = 0
        self._io_lock = threading.RLock()  # executor threads take turns with the descriptor
        self._queue: asyncio.Queue[_Item] | None = None
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self._write_fn = write
        self._prefix = b""  # written before the first record: the LF a last line lacked
        self._error: JournalError | None = None
        self._failed = asyncio.Event()
        self._torn_tail: str | None = None
        self._torn_path: str | None = None
        self._dirty = False
        self._last_fsync = 0.0
        self.write_count = 0
        """``os.write`` calls made."""
        self.fsync_count = 0
        """``fsync`` calls made."""
        self.records_written = 0
        """Records written."""

    @property
    def path(self) -> str:
        """The journal's path."""
        return self._path

    @property
    def torn_tail(self) -> str | None:
        """A description of the torn last line set aside on open (naming the side file that
        holds it), or ``None``: a warning for the user."""
        return self._torn_tail

    @property
    def torn_path(self) -> str | None:
        """The side file that received a torn last line on open, or ``None``."""
        return self._torn_path

    @property
    def error(self) -> JournalError | None:
        """Why the writer refuses records (a :class:`JournalWriteError` when a write or an
        fsync failed), or ``None`` while it works."""
        return self._error

    def stopped(self, what: str, unjournaled: Sequence[str]) -> JournalWriteError:
        """The one error that ends a command this writer's failure stopped: why the journal
        failed, ``what`` the command did about it, and what it did that the journal misses
        (see :meth:`JournalWriteError.stopped`)."""
        error = self._error
        if not isinstance(error, JournalWriteError):
            reason = error.reason if error is not None else "the journal cannot be written"
            error = JournalWriteError(reason, path=self._path)
        return error.stopped(what, unjournaled)

    async def failure(self) -> JournalError:
        """Wait until the writer fails (see :attr:`error`), and return why."""
        await self._failed.wait()
        assert self._error is not None
        return self._error

    def _set_error(self, error: JournalError) -> JournalError:
        """Record the first failure (later ones keep it) and wake :meth:`failure`."""
        if self._error is None:
            self._error = error
            self._failed.set()
        return self._error

    # -- opening and closing ------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        if self._task is not None or self._closing:
            raise RuntimeError("a JournalWriter can be entered only once")
        loop = asyncio.get_running_loop()
        opening = loop.run_in_executor(self._executor, self._open)
        try:
            # Shielded: if we are cancelled, the open still completes and is then undone.
            self._fd = await asyncio.shield(opening)
        except asyncio.CancelledError:
            opening.add_done_callback(self._close_abandoned)
            raise
        self._last_fsync = _time.monotonic()
        self._queue = asyncio.Queue(maxsize=self._queue_size)
        self._task = asyncio.create_task(self._run(), name=f"journal writer {self._path}")
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, *exc_info: object) -> None:
        try:
            await self._drain_and_stop()
        finally:
            task = self._task
            if task is not None and not task.done():  # only when cancelled while draining
                task.cancel()
            if self._fd >= 0:
                loop = asyncio.get_running_loop()
                # Shielded: if we are cancelled, the close (fsync, unlock) still completes.
                await asyncio.shield(loop.run_in_executor(self._executor, self._close))
        if exc_type is None and self._error is not None:
            raise self._error

    def _close_abandoned(self, opening: asyncio.Future[int]) -> None:
        if not opening.cancelled() and opening.exception() is None:
            self._fd = opening.result()
            self._set_error(JournalError("journal writer cancelled while opening", path=self._path))
            asyncio.get_running_loop().run_in_executor(self._executor, self._close)

    async def _drain_and_stop(self) -> None:
        task = self._task
        queue = self._queue
        if task is None or queue is None or task.done():
            self._closing = True
            return
        self._closing = True
        done = asyncio.get_running_loop().create_future()
        await queue.put(_Control("close", done))
        await task

    def _open(self) -> int:
        flags = os.O_RDWR | os.O_APPEND | os.O_CLOEXEC
        created = False
        try:
            fd = os.open(self._path, flags | os.O_CREAT | os.O_EXCL, 0o666)
            created = True
        except FileExistsError:
            fd = os.open(self._path, flags)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise JournalLockedError(
                    "journal is locked: another process (or another writer in this process) "
                    "is writing it",
                    path=self._path,
                ) from None
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                size = self._handle_tail(fd, size)
            self._size = size
            if created:
                fsync_parent(self._path)
        except BaseException:
            os.close(fd)
            raise
        return fd

    def _handle_tail(self, fd: int, size: int) -> int:
        """The journal's last line has no LF: keep it if it is a whole record (the first write
        then starts with the LF it lacks), else set it aside in a side file and cut it off.
        Returns the size the journal has now."""
        cut = _last_line_start(fd, size)
        tail = pread_all(fd, cut, size - cut)
        try:
            whole = _complete_tail(tail, None, self._path) is not None
        except FutureJournalVersionError as exc:
            raise FutureJournalVersionError(
                exc.reason + " (the last line, which has no newline)", path=self._path
            ) from None
        if whole:
            self._prefix = b"\n"
            return size
        try:
            side = self._set_aside(tail)
        except OSError as exc:
            raise JournalWriteError(
                f"cannot set aside the incomplete last line ({size - cut} bytes at offset {cut}) "
                f"in a side file, so the journal is left as it is: {exc}",
                path=self._path,
            ) from None
        os.ftruncate(fd, cut)
        os.fsync(fd)
        self.fsync_count += 1
        self._torn_path = side
        fragment = tail[: 4 * _SHOWN_CHARS].decode("utf-8", errors="replace")
        self._torn_tail = (
            f"{self._path}: incomplete last line ({size - cut} bytes at offset {cut}, no "
            f"newline, and not a whole record: a write interrupted by a crash?) moved to "
            f"{side}: {_shown(fragment)}"
        )
        return cut

    def _set_aside(self, data: bytes) -> str:
        """Write ``data`` to a new side file ``JOURNAL.torn-<UTC time>`` (durably); its path."""
        stamp = _time.strftime("%Y%m%dT%H%M%SZ", _time.gmtime(self._clock()))
        base = f"{self._path}.torn-{stamp}"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | os.O_NOFOLLOW
        for n in range(1, 1000):
            side = base if n == 1 else f"{base}-{n}"
            try:
                sfd = os.open(side, flags, 0o666)
            except FileExistsError:
                continue
            try:
                try:
                    write_all(sfd, data, self._write_fn)
                    os.fsync(sfd)
                finally:
                    os.close(sfd)
                fsync_parent(self._path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(side)
                raise
            return side
        raise OSError(errno.EEXIST, f"{base}: 999 side files exist already")

    def _close(self) -> None:
        with self._io_lock:
            fd = self._fd
            if fd < 0:
                return
            try:
                if self._error is None:
                    os.fsync(fd)
                    self.fsync_count += 1
                    self._dirty = False
            finally:
                self._fd = -1
                try:
                    fcntl.flock(fd, fcntl.LOCK_UN)
                finally:
                    os.close(fd)

    # -- producers ------------------------------------------------------------------------------

    def _check_open(self) -> asyncio.Queue[_Item]:
        if self._error is not None:
            raise self._error
        if self._queue is None or self._closing:
            raise RuntimeError("the journal writer is not open (use 'async with')")
        return self._queue

    async def append(self, record: Record) -> None:
        """Write ``record``; return once it is written (and fsynced if the policy says so).

        Raises:
            InvalidNameError, InvalidRecordError: the record cannot be written (nothing is).
            JournalError: the write failed (the writer then refuses further records).
            RuntimeError: the writer is not open.
        """
        queue = self._check_open()
        try:
            data = format_record(record).encode("utf-8")
        except UnicodeEncodeError as exc:
            raise InvalidRecordError(f"record is not valid Unicode: {exc.reason}") from None
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        await queue.put((data, future))
        await future

    async def created(
        self,
        archive_id: str,
        size: int,
        mtime: int | None,
        treehash: str,
        relfilename: str,
    ) -> Created:
        """Append a :class:`Created` stamped with the clock's time; return it."""
        record = Created(int(self._clock()), archive_id, size, mtime, treehash, relfilename)
        await self.append(record)
        return record

    async def deleted(self, archive_id: str, relfilename: str) -> Deleted:
        """Append a :class:`Deleted` stamped with the clock's time; return it."""
        record = Deleted(int(self._clock()), archive_id, relfilename)
        await self.append(record)
        return record

    async def retrieve_job(self, archive_id: str, job_id: str) -> RetrieveJob:
        """Append a :class:`RetrieveJob` stamped with the clock's time; return it."""
        record = RetrieveJob(int(self._clock()), archive_id, job_id)
        await self.append(record)
        return record

    async def sync(self) -> None:
        """Wait until every record queued before this call is written, then fsync."""
        queue = self._check_open()
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        await queue.put(_Control("sync", future))
        await future

    # -- the writer task ------------------------------------------------------------------------

    async def _run(self) -> None:
        queue = self._queue
        assert queue is not None
        policy = self._fsync_policy
        interval = None if isinstance(policy, str) else float(policy)
        pending: list[_Item] = []
        try:
            while True:
                if interval is not None and self._dirty:
                    delay = self._last_fsync + interval - _time.monotonic()
                    if delay <= 0:
                        try:
                            await self._in_executor(self._fsync)
                        except OSError as exc:
                            self._set_error(
                                JournalWriteError(
                                    f"cannot fsync the journal: {exc}", path=self._path
                                )
                            )
                            self._dirty = False
                        continue
                    try:
                        async with asyncio.timeout(delay):
                            item = await queue.get()
                    except TimeoutError:
                        continue
                else:
                    item = await queue.get()
                pending = [item]
                while True:
                    try:
                        pending.append(queue.get_nowait())
                    except asyncio.QueueEmpty:
                        break
                closing = await self._write_batch(pending, interval)
                pending = []
                if closing:
                    return
        except BaseException as exc:
            if isinstance(exc, JournalError):
                error = exc
            elif isinstance(exc, asyncio.CancelledError):
                error = JournalError("journal writer cancelled before writing", path=self._path)
            else:
                error = JournalError(f"journal writer stopped: {exc!r}", path=self._path)
            self._fail_items(pending, error)
            while not queue.empty():
                self._fail_items([queue.get_nowait()], error)
            self._set_error(error)
            if not isinstance(exc, Exception):
                raise

    async def _write_batch(self, items: list[_Item], interval: float | None) -> bool:
        chunks: list[bytes] = []
        syncing = closing = False
        for item in items:
            if isinstance(item, _Control):
                syncing = syncing or item.kind == "sync"
                closing = closing or item.kind == "close"
            else:
                chunks.append(item[0])
        want_fsync = syncing or self._fsync_policy == "always"
        if not want_fsync and interval is not None and (self._dirty or chunks):
            want_fsync = _time.monotonic() - self._last_fsync >= interval
        if self._error is not None:
            self._fail_items(items, self._error)
            return closing
        loop = asyncio.get_running_loop()
        if chunks:
            job = loop.run_in_executor(self._executor, self._write, b"".join(chunks), want_fsync)
        elif want_fsync and self._dirty:
            job = loop.run_in_executor(self._executor, self._fsync)
        else:
            self._settle(items, None)
            return closing
        try:
            await asyncio.shield(job)
        except asyncio.CancelledError:
            # The write goes on in its thread: settle these records by its outcome, not ours.
            settled = list(items)
            job.add_done_callback(lambda done: self._settle(settled, done))
            items.clear()
            raise
        except OSError:
            pass
        self._settle(items, job)
        return closing

    def _settle(self, items: list[_Item], job: asyncio.Future[None] | None) -> None:
        """Resolve the futures of ``items`` by the outcome of the write ``job``."""
        error = None
        if job is not None:
            if job.cancelled():
                error = JournalError("journal writer cancelled before writing", path=self._path)
            elif (exc := job.exception()) is not None:
                error = JournalWriteError(f"cannot write the journal: {exc}", path=self._path)
        if error is not None:
            self._fail_items(items, self._set_error(error))
            return
        self.records_written += sum(1 for item in items if not isinstance(item, _Control))
        for item in items:
            future = item.future if isinstance(item, _Control) else item[1]
            if not future.done():
                future.set_result(None)

    def _fail_items(self, items: Iterable[_Item], error: JournalError) -> None:
        for item in items:
            future = item.future if isinstance(item, _Control) else item[1]
            if not future.done():
                future.set_exception(error)
                # The producer may have been cancelled and never look: mark it retrieved.
                future.exception()

    async def _in_executor(self, fn: Callable[..., None], *args: object) -> None:
        await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    def _write(self, data: bytes, fsync: bool) -> None:
        with self._io_lock:
            fd = self._open_fd()
            if self._prefix:
                data = self._prefix + data  # the LF a whole last record lacked
            try:
                # A short write (a disk filling up) is continued: the next call either
                # finishes the batch or says why not (ENOSPC), rather than a byte count.
                written = 0
                while written < len(data):
                    n = self._write_fn(fd, data[written:] if written else data)
                    self.write_count += 1
                    if n <= 0:
                        raise OSError(errno.ENOSPC, f"short write ({written} of {len(data)})")
                    written += n
            except OSError:
                self._truncate_back(fd)
                raise
            self._prefix = b""
            self._size += written
            self._dirty = True
            if fsync:
                self._fsync_locked(fd)

    def _open_fd(self) -> int:
        if self._fd < 0:
            raise OSError(errno.EBADF, "the journal is closed")
        return self._fd

    def _truncate_back(self, fd: int) -> None:
        """Remove what a failed write left, so the journal ends with a whole line."""
        with contextlib.suppress(OSError):
            if os.fstat(fd).st_size > self._size:
                os.ftruncate(fd, self._size)

    def _fsync(self) -> None:
        with self._io_lock:
            self._fsync_locked(self._open_fd())

    def _fsync_locked(self, fd: int) -> None:
        os.fsync(fd)
        self.fsync_count += 1
        self._dirty = False
        self._last_fsync = _time.monotonic()


def _last_line_start(fd: int, size: int) -> int:
    """The offset just after the last LF of the first ``size`` bytes (0 when there is none)."""
    pos = size
    while pos > 0:
        start = max(0, pos - _CHUNK)
        i = os.pread(fd, pos - start, start).rfind(b"\n")
        if i >= 0:
            return start + i + 1
        pos = start
    return 0


def _size_or_zero(path: str | os.PathLike[str]) -> int:
    try:
        return os.stat(path).st_size
    except FileNotFoundError:
        return 0


async def refuse_nonempty_journal(
    path: str | os.PathLike[str], executor: Executor | None = None
) -> None:
    """Check, before any work, that ``path`` can become a new journal: absent or empty.

    Raises:
        AioGlacierError: ``path`` holds bytes.
    """
    loop = asyncio.get_running_loop()
    if await loop.run_in_executor(executor, _size_or_zero, path):
        raise AioGlacierError(f"journal {path} is not empty: give a new journal file")


async def write_new_journal(
    path: str | os.PathLike[str], records: Iterable[Record], executor: Executor | None = None
) -> None:
    """Write ``records`` as a whole new journal at ``path``, all or nothing (a temporary file
    fsynced and renamed into place, in an executor thread)."""
    data = "".join(format_record(r) for r in records).encode("utf-8")
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(executor, functools.partial(atomic_write, path, data, mode=0o644))
