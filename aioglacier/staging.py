"""Where a restore writes a file before it is put in place, so that no other file is touched.

A download is written to a file nobody else can have. On Linux it is an anonymous file
(``O_TMPFILE``) in the target's directory: it has no name at all until, whole, verified and
durable, it is linked under its final name (``linkat`` of ``/proc/self/fd/N``); if the process
dies first, the kernel frees it and nothing is left behind. Elsewhere, and on file systems
without ``O_TMPFILE``, it is a new file created exclusively (``O_CREAT | O_EXCL | O_NOFOLLOW``)
under a fresh random name, ``.aioglacier-part-`` and 20 hex digits
(:func:`aioglacier.safepath.new_temp_name`), which sync never uploads. Either way a restore never
opens, truncates or removes a file it did not create: the only name it ever removes is that
random name, and only while it still names the file created.

Putting a file in place never replaces anything: ``link(2)`` fails when the name exists (the
file that appeared is reported, not overwritten); on file systems without hard links (FAT,
exFAT), ``renameat2(RENAME_NOREPLACE)``, and only where even that is missing a check then a
rename, which leaves a window of a few microseconds.

Every function here blocks: call them in an executor thread.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from aioglacier.errors import AioGlacierError
from aioglacier.localfs import sync_files
from aioglacier.safepath import new_temp_name, open_parent

__all__ = [
    "PartialFile",
    "TargetExistsError",
    "create",
    "finish",
    "flush",
    "flush_directories",
    "place",
    "release",
]

_O_TMPFILE: int = getattr(os, "O_TMPFILE", 0)
_PROC_FD = "/proc/self/fd"
_CLOEXEC: int = getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW: int = getattr(os, "O_NOFOLLOW", 0)
#: errno values of a kernel or file system without O_TMPFILE.
_NO_TMPFILE = frozenset({errno.EOPNOTSUPP, errno.ENOTSUP, errno.EISDIR, errno.EINVAL})
#: errno values of a file system without hard links.
_NO_LINKS = frozenset({errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK})


class TargetExistsError(AioGlacierError):
    """A file appeared under the target name while it was downloaded: it is left alone."""

    def __init__(self) -> None:
        super().__init__("file appeared while it was downloaded; not overwritten")


@dataclass(eq=False)
class PartialFile:
    """A file being restored: open, in its target's directory, not yet under its name.

    ``temp_name`` is ``None`` for an anonymous file (or once the name is gone); ``fd`` and
    ``dir_fd`` are ``-1`` once released.
    """

    fd: int
    dir_fd: int
    target: Path
    temp_name: str | None
    device: int
    inode: int
    dir_inode: int


def _create_in(dir_fd: int, anonymous: bool) -> tuple[int, str | None]:
    if anonymous and _O_TMPFILE and os.path.isdir(_PROC_FD):
        try:
            return os.open(".", _O_TMPFILE | os.O_WRONLY | _CLOEXEC, 0o600, dir_fd=dir_fd), None
        except OSError as exc:
            if exc.errno not in _NO_TMPFILE:
                raise
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC
    for _ in range(100):
        name = new_temp_name()
        try:
            return os.open(name, flags, 0o600, dir_fd=dir_fd), name
        except FileExistsError:
            continue  # 80 random bits taken: someone else's file, never ours to open
    raise FileExistsError(errno.EEXIST, "no free temporary file name")


def create(base_dir: Path, target: Path, *, anonymous: bool = True) -> PartialFile:
    """Create the missing parents of ``target`` (safely, :func:`aioglacier.safepath.open_parent`)
    and a new, empty file in its directory that no one else has (see the module documentation).
    ``anonymous=False`` always uses a named file (tests of other systems' path).

    Raises:
        UnsafePathError: the target is not under ``base_dir``, or a parent is a symlink.
        OSError: the directories or the file cannot be created.
    """
    dir_fd = open_parent(base_dir, target)
    try:
        fd, temp_name = _create_in(dir_fd, anonymous)
    except BaseException:
        os.close(dir_fd)
        raise
    partial = PartialFile(fd, dir_fd, Path(target), temp_name, 0, 0, 0)
    try:
        info = os.fstat(fd)
        partial.device, partial.inode = info.st_dev, info.st_ino
        partial.dir_inode = os.fstat(dir_fd).st_ino
    except BaseException:
        release(partial)
        raise
    return partial


def finish(partial: PartialFile, size: int, mtime: int | None) -> None:
    """Cut the file to ``size`` bytes and give it ``mtime`` (before it is flushed)."""
    os.ftruncate(partial.fd, size)
    if mtime is not None:
        os.utime(partial.fd, (mtime, mtime))


def flush(partials: Iterable[PartialFile]) -> None:
    """Make the data of ``partials`` durable: one syncfs(2) per file system when there are
    several (one journal commit for the lot), else an fsync each.

    Raises:
        OSError: the data could not be written.
    """
    groups: dict[int, list[int]] = {}
    for partial in partials:
        groups.setdefault(partial.device, []).append(partial.fd)
    sync_files(groups.values())


def flush_directories(partials: Iterable[PartialFile]) -> None:
    """Make the new names of ``partials`` durable (their directories, each once)."""
    groups: dict[int, list[int]] = {}
    seen: set[tuple[int, int]] = set()
    for partial in partials:
        key = (partial.device, partial.dir_inode)
        if key not in seen:
            seen.add(key)
            groups.setdefault(partial.device, []).append(partial.dir_fd)
    sync_files(groups.values())


def _renameat2_function() -> Callable[[int, bytes, int, bytes, int], int] | None:
    """Linux's renameat2(2), when the C library has it (glibc 2.28, musl 1.2)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        function = libc.renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    function.restype = ctypes.c_int
    return cast(Callable[[int, bytes, int, bytes, int], int], function)


_RENAMEAT2 = _renameat2_function()
_RENAME_NOREPLACE = 1


def _rename_noreplace(dir_fd: int, src: str, dst: str) -> None:
    """Rename ``src`` to ``dst`` in one directory, never replacing ``dst``."""
    if _RENAMEAT2 is not None:
        import ctypes

        if _RENAMEAT2(dir_fd, os.fsencode(src), dir_fd, os.fsencode(dst), _RENAME_NOREPLACE) == 0:
            return
        code = ctypes.get_errno()
        if code == errno.EEXIST:
            raise TargetExistsError
        if code not in (errno.ENOSYS, errno.EINVAL):
            raise OSError(code, os.strerror(code), dst)
    # No atomic way: check, then rename (a file appearing in between would be replaced).
    try:
        os.lstat(dst, dir_fd=dir_fd)
    except FileNotFoundError:
        os.rename(src, dst, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        return
    raise TargetExistsError


def _unlink_own(partial: PartialFile) -> None:
    """Remove ``partial``'s temporary name, if it still names the file created."""
    name = partial.temp_name
    partial.temp_name = None
    if name is None:
        return
    with contextlib.suppress(FileNotFoundError):
        info = os.stat(name, dir_fd=partial.dir_fd, follow_symlinks=False)
        if (info.st_dev, info.st_ino) == (partial.device, partial.inode):
            os.unlink(name, dir_fd=partial.dir_fd)


def place(partial: PartialFile) -> None:
    """Put ``partial`` (finished and flushed) under its target name; never replaces a file.

    Raises:
        TargetExistsError: a file of that name appeared meanwhile (it is left as it is).
        OSError: the name could not be made.
    """
    name = partial.target.name
    if partial.temp_name is None:
        try:
            os.link(f"{_PROC_FD}/{partial.fd}", name, dst_dir_fd=partial.dir_fd)
        except FileExistsError:
            raise TargetExistsError from None
        return
    try:
        os.link(
            partial.temp_name,
            name,
            src_dir_fd=partial.dir_fd,
            dst_dir_fd=partial.dir_fd,
            follow_symlinks=False,
        )
    except FileExistsError:
        raise TargetExistsError from None
    except OSError as exc:
        if exc.errno not in _NO_LINKS:
            raise
        _rename_noreplace(partial.dir_fd, partial.temp_name, name)
        partial.temp_name = None  # the name moved: nothing left to remove
        return
    with contextlib.suppress(OSError):  # in place; a leftover name is skipped by sync
        _unlink_own(partial)


def release(partial: PartialFile) -> None:
    """Close ``partial`` and remove its temporary name, if any (idempotent, never raises
    ``OSError``). An anonymous file not placed is gone with its descriptor."""
    with contextlib.suppress(OSError):
        _unlink_own(partial)
    for attr in ("fd", "dir_fd"):
        fd = getattr(partial, attr)
        if fd >= 0:
            setattr(partial, attr, -1)
            with contextlib.suppress(OSError):
                os.close(fd)
