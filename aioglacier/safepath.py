"""Restore never writes outside its target directory, whatever a journal, inventory or
archive description says.

A file name that reaches a restore comes from outside data: a journal file, a vault inventory,
an archive description someone else wrote. :func:`safe_target` turns such a name into a path
under the target directory, or refuses it with :class:`UnsafePathError`.

Rules (the same on every operating system unless marked *Windows*):

* the name is relative and ``/``-separated: no leading ``/``, no empty, ``.`` or ``..``
  component (so ``a//b``, ``./a``, ``a/`` and ``a/../b`` are refused, not normalised: a journal
  that says them is broken or hostile);
* no backslash anywhere. On Windows ``\\`` is a separator, so ``a\\..\\b`` would climb out of
  the target; refusing it everywhere means a journal restores to the same files on every system
  (the price: a POSIX file whose name holds a backslash is reported, not restored);
* no control character (``U+0000``-``U+001F``, ``U+007F``-``U+009F``) and no unpaired
  surrogate;
* no Windows device name as a component, in any case, with or without an extension: ``CON``,
  ``PRN``, ``AUX``, ``NUL``, ``COM0``-``COM9``, ``LPT0``-``LPT9`` (and the superscript-digit
  forms ``COM¹``...), ``CONIN$``, ``CONOUT$``. Refused everywhere, so a tree restored on Linux
  can be copied to Windows;
* no component longer than 255 bytes of UTF-8 (the limit of every common file system);
* *Windows*: no component ending in a dot or a space (Windows strips them silently, so
  ``a.`` would overwrite ``a``) and none of ``< > : " | ? *`` (``:`` opens NTFS alternate
  data streams and drive-relative paths). On POSIX these are ordinary names and stay allowed;
  pass ``windows=True`` to apply the Windows rules anywhere;
* no symlink on the way: every existing directory between the target directory and the file is
  checked with ``lstat`` and must not be a symlink (an attacker who controls part of the tree
  could otherwise redirect the write), and the file itself must not be an existing symlink.
  The target directory itself may be a symlink: that is the user's choice.

:func:`make_parents` then creates the missing directories one level at a time, each opened with
``O_NOFOLLOW | O_DIRECTORY`` relative to its parent's descriptor, so a symlink swapped in
between the check and the creation is refused too. :func:`temp_name_for` names the partial file
a download writes before it renames it into place.

These functions touch the file system (``lstat``, ``mkdir``): async code calls them in an
executor thread.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import stat
import unicodedata
from pathlib import Path

from aioglacier.errors import AioGlacierError

__all__ = [
    "MAX_COMPONENT_BYTES",
    "TEMP_SUFFIX",
    "UnsafePathError",
    "check_name",
    "is_temp_name",
    "make_parents",
    "safe_target",
    "temp_name_for",
]

MAX_COMPONENT_BYTES = 255
"""Longest file or directory name accepted, in bytes of UTF-8."""

TEMP_SUFFIX = ".aioglacier-part"
"""Suffix of the partial files a restore writes (see :func:`temp_name_for`)."""

_DEVICE_NAMES = frozenset(
    ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"]
    + [f"{port}{digit}" for port in ("COM", "LPT") for digit in "0123456789¹²³"]
)
_WINDOWS_RESERVED_CHARS = '<>:"|?*'


class UnsafePathError(AioGlacierError, ValueError):
    """A file name that must not be written (or read) under the target directory.

    ``relfilename`` is the name as given, ``reason`` says what is wrong; ``str()`` is one line
    (the name is shown with :func:`repr`, so control characters stay visible).
    """

    def __init__(self, relfilename: str, reason: str) -> None:
        super().__init__(f"unsafe path {relfilename!r}: {reason}")
        self.relfilename = relfilename
        self.reason = reason


def _is_windows(windows: bool | None) -> bool:
    return os.name == "nt" if windows is None else windows


def _check_component(relfilename: str, part: str, windows: bool) -> None:
    if part == "":
        raise UnsafePathError(relfilename, "empty path component")
    if part in (".", ".."):
        raise UnsafePathError(relfilename, f"{part!r} path component")
    stem = part.split(".", 1)[0].rstrip(" ")
    if stem.upper() in _DEVICE_NAMES:
        raise UnsafePathError(relfilename, f"Windows device name {part!r}")
    if len(part.encode("utf-8")) > MAX_COMPONENT_BYTES:
        raise UnsafePathError(
            relfilename, f"path component longer than {MAX_COMPONENT_BYTES} bytes"
        )
    if windows:
        if part[-1] in ". ":
            raise UnsafePathError(
                relfilename, f"path component {part!r} ends with a dot or a space"
            )
        for char in part:
            if char in _WINDOWS_RESERVED_CHARS:
                raise UnsafePathError(
                    relfilename, f"character {char!r} is not allowed in Windows file names"
                )


def check_name(relfilename: str, *, windows: bool | None = None) -> tuple[str, ...]:
    """Check ``relfilename`` against the name rules (no file-system access).

    Returns the name's components. ``windows`` applies the Windows-only rules; ``None`` means
    "when running on Windows".

    Raises:
        UnsafePathError: the name breaks a rule (see the module documentation).
    """
    if relfilename == "":
        raise UnsafePathError(relfilename, "empty name")
    if relfilename.startswith("/"):
        raise UnsafePathError(relfilename, "absolute path")
    if "\\" in relfilename:
        raise UnsafePathError(relfilename, "backslash in name")
    for char in relfilename:
        if unicodedata.category(char) == "Cc":
            raise UnsafePathError(relfilename, f"control character U+{ord(char):04X} in name")
        if "\ud800" <= char <= "\udfff":
            raise UnsafePathError(relfilename, f"unpaired surrogate U+{ord(char):04X} in name")
    parts = tuple(relfilename.split("/"))
    win = _is_windows(windows)
    for part in parts:
        _check_component(relfilename, part, win)
    return parts


def _lstat_or_none(path: Path) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None


def safe_target(
    base_dir: Path,
    relfilename: str,
    *,
    windows: bool | None = None,
    allow_symlinks: bool = False,
) -> Path:
    """Return ``base_dir / relfilename`` after checking that writing there stays under
    ``base_dir``.

    The name rules of :func:`check_name` apply; then, unless ``allow_symlinks``, no existing
    directory between ``base_dir`` and the file may be a symlink (checked with ``lstat``) and the
    file itself must not be an existing symlink. Directories that do not exist yet are fine
    (:func:`make_parents` creates them). ``allow_symlinks=True`` is for reading a tree the user
    made (a symlink the user put there is followed); never use it to write.

    This calls ``lstat``: from async code, run it in an executor.

    Raises:
        UnsafePathError: the name breaks a rule, or a symlink is on the way.
    """
    parts = check_name(relfilename, windows=windows)
    target = Path(base_dir).joinpath(*parts)
    if allow_symlinks:
        return target
    current = Path(base_dir)
    for index, part in enumerate(parts):
        current = current / part
        info = _lstat_or_none(current)
        if info is None:
            return target  # nothing below a missing component exists yet
        if stat.S_ISLNK(info.st_mode):
            if index == len(parts) - 1:
                raise UnsafePathError(relfilename, "the file is a symlink")
            shown = "/".join(parts[: index + 1])
            raise UnsafePathError(relfilename, f"directory {shown!r} is a symlink")
        if index < len(parts) - 1 and not stat.S_ISDIR(info.st_mode):
            return target  # a file is in the way: writing will fail, nothing to follow
    return target


def _relative_parts(base_dir: Path, target: Path) -> tuple[str, ...]:
    try:
        rel = Path(target).relative_to(base_dir)
    except ValueError:
        raise UnsafePathError(
            os.fspath(target), f"not under the target directory {os.fspath(base_dir)!r}"
        ) from None
    relname = rel.as_posix()
    if relname == ".":
        raise UnsafePathError(os.fspath(target), "is the target directory itself")
    return check_name(relname)


def _symlink_error(relname: str, parts: tuple[str, ...], index: int) -> UnsafePathError:
    shown = "/".join(parts[: index + 1])
    return UnsafePathError(relname, f"directory {shown!r} is a symlink")


def make_parents(base_dir: Path, target: Path) -> None:
    """Create the missing parent directories of ``target`` under ``base_dir``, safely.

    ``base_dir`` must exist. Each level is created with ``mkdir`` and then opened with
    ``O_NOFOLLOW | O_DIRECTORY`` relative to the descriptor of the level above, so a symlink
    already there, or put there by someone else between two steps, is refused and never
    followed. On systems without ``dir_fd`` support (Windows) each level is checked with
    ``lstat`` after ``mkdir`` instead.

    Raises:
        UnsafePathError: ``target`` is not under ``base_dir``, its name breaks a rule, or a
            parent is a symlink.
        NotADirectoryError: a parent exists and is not a directory.
        OSError: a directory cannot be created.
    """
    parts = _relative_parts(Path(base_dir), Path(target))
    relname = "/".join(parts)
    parents = parts[:-1]
    if not parents:
        return
    if os.mkdir in os.supports_dir_fd and os.open in os.supports_dir_fd:
        _make_parents_fd(Path(base_dir), relname, parts)
    else:  # pragma: no cover - Windows
        _make_parents_lstat(Path(base_dir), relname, parts)


_DIR_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_DIRECTORY", 0)
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_CLOEXEC", 0)
)


def _make_parents_fd(base_dir: Path, relname: str, parts: tuple[str, ...]) -> None:
    fd = os.open(base_dir, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | os.O_CLOEXEC)
    try:
        for index, part in enumerate(parts[:-1]):
            with contextlib.suppress(FileExistsError):
                os.mkdir(part, dir_fd=fd)
            try:
                child = os.open(part, _DIR_FLAGS, dir_fd=fd)
            except OSError as exc:
                info = os.lstat(part, dir_fd=fd)
                if stat.S_ISLNK(info.st_mode):
                    raise _symlink_error(relname, parts, index) from None
                if exc.errno == errno.ENOTDIR or not stat.S_ISDIR(info.st_mode):
                    shown = os.fspath(base_dir.joinpath(*parts[: index + 1]))
                    raise NotADirectoryError(
                        errno.ENOTDIR, os.strerror(errno.ENOTDIR), shown
                    ) from None
                raise
            os.close(fd)
            fd = child
    finally:
        os.close(fd)


def _make_parents_lstat(
    base_dir: Path, relname: str, parts: tuple[str, ...]
) -> None:  # pragma: no cover - Windows
    current = base_dir
    for index, part in enumerate(parts[:-1]):
        current = current / part
        with contextlib.suppress(FileExistsError):
            os.mkdir(current)
        info = os.lstat(current)
        if stat.S_ISLNK(info.st_mode):
            raise _symlink_error(relname, parts, index)
        if not stat.S_ISDIR(info.st_mode):
            raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(current))


def temp_name_for(target: Path) -> Path:
    """The partial file a download of ``target`` writes before renaming it into place.

    A hidden name in the same directory (so the final rename stays on one file system):
    ``.NAME.aioglacier-part``. The same target always gets the same name, so a later run finds
    the partial file to resume or remove it (:func:`is_temp_name` recognises them). When that
    would exceed 255 bytes the name is shortened at a character boundary and a hash of the full
    name keeps it unique: ``.PREFIX~HASH16.aioglacier-part``.
    """
    target = Path(target)
    name = target.name
    if not name:
        raise ValueError(f"no file name in {os.fspath(target)!r}")
    candidate = f".{name}{TEMP_SUFFIX}"
    if len(candidate.encode("utf-8", "surrogateescape")) <= MAX_COMPONENT_BYTES:
        return target.with_name(candidate)
    digest = hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    room = MAX_COMPONENT_BYTES - len(f".~{digest}{TEMP_SUFFIX}".encode())
    prefix = name.encode("utf-8", "surrogateescape")[:room].decode("utf-8", "ignore")
    return target.with_name(f".{prefix}~{digest}{TEMP_SUFFIX}")


def is_temp_name(name: str) -> bool:
    """True when ``name`` (a bare file name) looks like a :func:`temp_name_for` partial file."""
    return name.startswith(".") and name.endswith(TEMP_SUFFIX) and len(name) > len(TEMP_SUFFIX) + 1
