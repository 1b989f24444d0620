"""Local file I/O shared by the modules that write to disk: whole writes, durable writes,
atomic replacement, directory flushes, and how many CPUs this process may use.

Every function here blocks: call them in an executor thread, never on the event loop.
``os.fsync`` and ``os.write`` are looked up at each call, so a test that patches them on the
:mod:`os` module observes (or fails) every flush and write made here.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
from collections.abc import Callable, Iterable
from typing import cast

__all__ = [
    "atomic_write",
    "fsync_dir",
    "fsync_parent",
    "pread_all",
    "sync_files",
    "usable_cpus",
    "write_all",
]

#: Largest single ``write(2)`` issued by :func:`write_all`.
_WRITE_CHUNK = 1 << 20
#: errno values of a file system that cannot fsync a directory.
_NO_DIR_FSYNC = frozenset({errno.EINVAL, errno.ENOTSUP, errno.EBADF})
_CLOEXEC: int = getattr(os, "O_CLOEXEC", 0)

Write = Callable[[int, bytes], int]


def usable_cpus() -> int:
    """The number of CPUs this process may run on (its affinity mask where there is one)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1  # pragma: no cover - platforms without sched_getaffinity


def write_all(fd: int, data: bytes, write: Write = os.write) -> None:
    """Write all of ``data`` to ``fd``, continuing short writes (at most 1 MiB per call).

    ``write`` is the ``os.write`` to use (a test injects a full disk).

    Raises:
        OSError: a write failed, or wrote nothing (``ENOSPC``: "short write").
    """
    view = memoryview(data)
    while view:
        n = write(fd, bytes(view[:_WRITE_CHUNK]))
        if n <= 0:
            raise OSError(errno.ENOSPC, "short write")
        view = view[n:]


def pread_all(fd: int, offset: int, length: int) -> bytes:
    """Up to ``length`` bytes of ``fd`` from ``offset`` (fewer only at the end of the file)."""
    chunks: list[bytes] = []
    while length > 0:
        chunk = os.pread(fd, length, offset)
        if not chunk:
            break
        chunks.append(chunk)
        offset += len(chunk)
        length -= len(chunk)
    return b"".join(chunks)


def fsync_dir(directory: str | os.PathLike[str]) -> None:
    """Make the entries of ``directory`` durable (names created, renamed or removed in it).

    A file system that cannot fsync a directory (``EINVAL``, ``ENOTSUP``, ``EBADF``) is not an
    error: there is nothing more this process can do there.

    Raises:
        OSError: the directory cannot be opened, or the flush failed.
    """
    dfd = os.open(directory, os.O_RDONLY | _CLOEXEC)
    try:
        os.fsync(dfd)
    except OSError as exc:
        if exc.errno not in _NO_DIR_FSYNC:
            raise
    finally:
        os.close(dfd)


def fsync_parent(path: str | os.PathLike[str]) -> None:
    """:func:`fsync_dir` of the directory that holds ``path``."""
    fsync_dir(os.path.dirname(os.path.abspath(path)))


def atomic_write(
    path: str | os.PathLike[str],
    data: bytes,
    *,
    mode: int = 0o600,
    write: Write = os.write,
) -> None:
    """Replace ``path`` by a file holding exactly ``data``, all or nothing.

    The bytes go to ``PATH.tmp`` (created with ``mode``, truncated if a previous attempt left
    it), are fsynced, and the temporary file is renamed over ``path``. Whatever fails (a full
    disk, an interruption) leaves the previous ``path`` whole and removes ``PATH.tmp``.
    ``write`` is the ``os.write`` to use (a test injects a full disk).

    Raises:
        OSError: the file could not be written or renamed.
    """
    target = os.fspath(path)
    tmp = target + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _CLOEXEC, mode)
    try:
        try:
            write_all(fd, data, write)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@functools.cache
def _syncfs() -> Callable[[int], int] | None:
    """Linux's syncfs(2) (flush one file system), when the C library has it (looked up on
    first use: ctypes is not imported by a run that never flushes several files)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        function = libc.syncfs
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int]
    function.restype = ctypes.c_int
    return cast(Callable[[int], int], function)


def sync_files(groups: Iterable[list[int]]) -> None:
    """Make durable the files open as the descriptors of ``groups``, one group per file system:
    one syncfs(2) for a group of several (one journal commit for the lot) where the C library
    has it, else an fsync of each descriptor.

    Raises:
        OSError: the data could not be written.
    """
    for fds in groups:
        if len(fds) > 1 and (syncfs := _syncfs()) is not None and syncfs(fds[0]) == 0:
            continue
        for fd in fds:
            os.fsync(fd)
