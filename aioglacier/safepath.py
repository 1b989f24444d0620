"""One rule set for file names: what sync uploads, restore restores on the same platform.

A file name is checked twice: by ``sync`` when it finds the file (:func:`aioglacier.planner.walk`)
and by ``restore`` / ``restore-completed`` / ``check-local-hash`` before they touch the disk
(:func:`safe_target`). Both call :func:`check_name` with the same rules, parameterised by the
platform the files are restored on (``"posix"`` or ``"windows"``; by default the one running),
so a name sync uploads is a name restore restores on the same platform, and a name that could
never be restored is refused when it is backed up, with its reason, instead of years later.
A name from a journal, an inventory or an archive description is data from outside: the same
rules keep a restore from ever writing outside its target directory.

Rules on every platform (a name breaking one can never be restored anywhere: sync reports the
file as failed, with the reason, journals nothing and goes on):

* the name is relative and ``/``-separated: not empty, no leading ``/``, no empty, ``.`` or
  ``..`` component (``a//b``, ``./a``, ``a/`` and ``a/../b`` are refused, not normalised: a
  journal that says them is broken or hostile; a directory walk never produces them);
* no TAB, CR, LF or NUL: the journal's line format (TAB-separated fields, one record per line)
  cannot hold them (:func:`journal_name_problem`, which the journal itself applies);
* valid Unicode: no undecodable bytes (a POSIX name that is not UTF-8 reaches Python as lone
  surrogates) and no unpaired surrogate;
* no component longer than 255 bytes of UTF-8 on POSIX (the limit of ext4, XFS, Btrfs, APFS...),
  255 UTF-16 code units on Windows (NTFS);
* the last component is not a name of aioglacier's own partial downloads
  (``.aioglacier-part-`` and 20 hex digits, :func:`is_temp_name`): sync skips such a file with
  a note (a leftover of an interrupted restore), restore refuses the name.

Everything else is a legal POSIX name and is backed up and restored on POSIX as it is: control
characters other than the four above (ESC, DEL, ...), backslashes, ``:``, ``?``, names ending in
a dot or a space, Windows device names (``aux.c`` is in the Linux kernel tree), any Unicode
category, NFC and NFD spellings as two different names.

*Windows* rules, added when the platform is ``"windows"``:

* no backslash (a separator on Windows: ``a\\..\\b`` would climb out of the target), none of
  ``< > : " | ? *`` (``:`` opens NTFS alternate data streams and drive-relative paths) and no
  control character U+0001-U+001F;
* no component ending in a dot or a space (Windows drops them: ``a.`` would be ``a``);
* no Windows device name as a component, in any case, with or without an extension: ``CON``,
  ``PRN``, ``AUX``, ``NUL``, ``COM0``-``COM9``, ``LPT0``-``LPT9`` (and ``COM¹``-``COM³``,
  ``LPT¹``-``LPT³``), ``CONIN$``, ``CONOUT$`` (``aux.c``, ``Con .txt``, ``prn.tar.gz``).

A name breaking only Windows rules (:class:`WindowsNameError`) is refused by a restore on
Windows, or, with ``escape_windows_names`` (``--escape-windows-names``), restored under an
escaped name (:func:`windows_escaped`, reported): each offending character becomes ``%XX`` (its
UTF-8 bytes in hex), as do a trailing dot or space and the first letter of a device name, and a
``%`` in an escaped component becomes ``%25``, so the escaped name percent-decodes back to the
original (``aux.c`` -> ``%61ux.c``, ``a:b.`` -> ``a%3Ab%2E``). An escaped name that another file
already has is reported like any existing file: never overwritten.

Writing: :func:`safe_target` also refuses a symlink on the way (every existing directory between
the target directory and the file is checked with ``lstat`` and must not be a symlink, and the
file itself must not be an existing symlink; the target directory itself may be one: that is the
user's choice). :func:`open_parent` then creates the missing directories one level at a time,
each opened with ``O_NOFOLLOW | O_DIRECTORY`` relative to its parent's descriptor, so a symlink
swapped in between the check and the creation is refused too, and returns a descriptor of the
file's directory for :mod:`aioglacier.staging` to create the file in.

These functions touch the file system (``lstat``, ``mkdir``): async code calls them in an
executor thread.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
from pathlib import Path
from typing import Literal

from aioglacier.errors import AioGlacierError

__all__ = [
    "MAX_COMPONENT_BYTES",
    "MAX_COMPONENT_UTF16",
    "PLATFORMS",
    "TEMP_PREFIX",
    "Platform",
    "ReservedNameError",
    "UnsafePathError",
    "WindowsNameError",
    "check_name",
    "is_temp_name",
    "journal_name_problem",
    "make_parents",
    "new_temp_name",
    "open_parent",
    "restore_name",
    "safe_target",
    "this_platform",
    "windows_escaped",
]

Platform = Literal["posix", "windows"]
"""Whose file-name rules apply: POSIX systems' or Windows'."""

PLATFORMS: tuple[Platform, ...] = ("posix", "windows")

MAX_COMPONENT_BYTES = 255
"""Longest file or directory name on POSIX, in bytes of UTF-8."""

MAX_COMPONENT_UTF16 = 255
"""Longest file or directory name on Windows, in UTF-16 code units."""

TEMP_PREFIX = ".aioglacier-part-"
"""Start of the names of the partial files a restore writes where it cannot use anonymous ones
(see :func:`new_temp_name`)."""

_TEMP_RE = re.compile(re.escape(TEMP_PREFIX) + "[0-9a-f]{20}")

_DEVICE_NAMES = frozenset(
    ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"]
    + [f"{port}{digit}" for port in ("COM", "LPT") for digit in "0123456789¹²³"]
)
_WINDOWS_RESERVED_CHARS = frozenset('<>:"|?*\\')


class UnsafePathError(AioGlacierError, ValueError):
    """A file name that must not be written (or read) under the target directory.

    ``relfilename`` is the name as given, ``reason`` says what is wrong; ``str()`` is one line
    (the name is shown with :func:`repr`, so control characters stay visible).
    """

    def __init__(self, relfilename: str, reason: str) -> None:
        super().__init__(f"unsafe path {relfilename!r}: {reason}")
        self.relfilename = relfilename
        self.reason = reason


class WindowsNameError(UnsafePathError):
    """A name that breaks only Windows rules: :func:`windows_escaped` can restore it there."""


class ReservedNameError(UnsafePathError):
    """The name of one of aioglacier's partial downloads (:func:`is_temp_name`)."""


def this_platform() -> Platform:
    """The platform whose rules apply by default: the one running."""
    return "windows" if os.name == "nt" else "posix"


def journal_name_problem(name: str) -> str | None:
    """Why the journal cannot hold ``name``, or ``None`` when it can.

    The answer completes a sentence about the name ("contains a TAB, CR, LF or NUL character",
    "has a '.' or '..' path component"...). These are the rules of the journal's format (which
    :mod:`aioglacier.journal` applies to every line it reads and writes); :func:`check_name`
    applies them first.
    """
    if not name:
        return "is empty"
    if "\t" in name or "\r" in name or "\n" in name or "\x00" in name:
        return "contains a TAB, CR, LF or NUL character"
    if name[0] == "/":
        return "is absolute (starts with '/')"
    if "//" in name or name[-1] == "/":
        return "has an empty path component"
    if (name[0] == "." or "/." in name) and any(p in (".", "..") for p in name.split("/")):
        return "has a '.' or '..' path component"
    if not name.isascii():
        try:
            name.encode("utf-8")
        except UnicodeEncodeError:
            return "is not valid Unicode (undecodable bytes?)"
    return None


def _universal_problem(relfilename: str, platform: Platform) -> UnsafePathError | None:
    problem = journal_name_problem(relfilename)
    if problem is not None:
        if problem.startswith("contains"):
            problem += ", which the journal cannot hold"
        return UnsafePathError(relfilename, f"the name {problem}")
    parts = relfilename.split("/")
    for part in parts:
        if platform == "windows":
            if len(part) > MAX_COMPONENT_UTF16 // 2 and (
                len(part.encode("utf-16-le")) // 2 > MAX_COMPONENT_UTF16
            ):
                return UnsafePathError(
                    relfilename,
                    f"the name has a path component longer than {MAX_COMPONENT_UTF16} "
                    "UTF-16 code units",
                )
        elif len(part) > MAX_COMPONENT_BYTES // 4 and (
            len(part.encode("utf-8")) > MAX_COMPONENT_BYTES
        ):
            return UnsafePathError(
                relfilename,
                f"the name has a path component longer than {MAX_COMPONENT_BYTES} bytes",
            )
    if is_temp_name(parts[-1]):
        return ReservedNameError(
            relfilename, "the name is reserved for aioglacier's partial downloads"
        )
    return None


def _is_device_name(part: str) -> bool:
    return part.split(".", 1)[0].rstrip(" ").upper() in _DEVICE_NAMES


def _windows_component_problem(part: str) -> str | None:
    for char in part:
        if char == "\\":
            return "the name contains a backslash, a separator on Windows"
        if char in _WINDOWS_RESERVED_CHARS:
            return f"the name contains {char!r}, which Windows does not allow in file names"
        if char < " ":
            return (
                f"the name contains control character U+{ord(char):04X}, which Windows does "
                "not allow in file names"
            )
    if part[-1] in ". ":
        return f"path component {part!r} ends with a dot or a space, which Windows drops"
    if _is_device_name(part):
        return f"{part!r} is a Windows device name"
    return None


def _problem(relfilename: str, platform: Platform | None) -> UnsafePathError | None:
    plat = this_platform() if platform is None else platform
    error = _universal_problem(relfilename, plat)
    if error is None and plat == "windows":
        for part in relfilename.split("/"):
            reason = _windows_component_problem(part)
            if reason is not None:
                return WindowsNameError(relfilename, reason)
    return error


def _plain_posix_parts(relfilename: str) -> tuple[str, ...] | None:
    """The components of a name that surely passes the POSIX rules, else ``None``.

    The fast path of :func:`check_name`: printable ASCII (no control character, so no TAB, CR,
    LF or NUL), not empty, no leading or trailing ``/``, no empty component, no component
    starting with a dot (so no ``.``, ``..`` nor a partial-download name), every component at
    most 255 bytes. A name outside it (non-ASCII, dot files...) takes the general rules;
    tests/unit/test_safepath.py checks that both paths give the same answer for any text.
    """
    if not (
        relfilename.isascii()
        and relfilename.isprintable()
        and relfilename
        and relfilename[0] not in "/."
        and relfilename[-1] != "/"
        and "//" not in relfilename
        and "/." not in relfilename
    ):
        return None
    parts = tuple(relfilename.split("/"))
    if len(relfilename) > MAX_COMPONENT_BYTES and any(
        len(part) > MAX_COMPONENT_BYTES for part in parts
    ):
        return None
    return parts


def check_name(relfilename: str, *, platform: Platform | None = None) -> tuple[str, ...]:
    """Check ``relfilename`` against the name rules of ``platform`` (no file-system access).

    This is the one decision both sides make: sync uploads a file when its name passes, and a
    restore on that platform writes a name only when it passes. ``platform`` is ``"posix"`` or
    ``"windows"``; ``None`` means the one running. Returns the name's components.

    Raises:
        WindowsNameError: the name breaks only Windows rules (see :func:`windows_escaped`).
        ReservedNameError: the name of a partial download (:func:`is_temp_name`).
        UnsafePathError: the name breaks a rule of every platform (see the module
            documentation).
    """
    plat = this_platform() if platform is None else platform
    if plat == "posix":
        parts = _plain_posix_parts(relfilename)
        if parts is not None:
            return parts
    return _check_name_rules(relfilename, plat)


def _check_name_rules(relfilename: str, platform: Platform) -> tuple[str, ...]:
    """:func:`check_name` by the general rules alone (no fast path)."""
    error = _problem(relfilename, platform)
    if error is not None:
        raise error
    return tuple(relfilename.split("/"))


def _percent(char: str) -> str:
    return "".join(f"%{byte:02X}" for byte in char.encode("utf-8"))


def _escape_component(part: str) -> str:
    if _windows_component_problem(part) is None:
        return part
    chars = [
        _percent(c) if c == "%" or c < " " or c in _WINDOWS_RESERVED_CHARS else c for c in part
    ]
    if chars[-1] in (".", " "):
        chars[-1] = _percent(chars[-1])
    escaped = "".join(chars)
    if _is_device_name(escaped):
        escaped = _percent(escaped[0]) + escaped[1:]
    return escaped


def windows_escaped(relfilename: str) -> str:
    """The name under which a restore on Windows writes ``relfilename``: the name itself when it
    passes the Windows rules, else its escaped form (see the module documentation).

    Raises:
        UnsafePathError: the name breaks a rule escaping cannot mend (a rule of every platform),
            or its escaped form is too long.
    """
    error = _universal_problem(relfilename, "windows")
    if error is not None:
        raise error
    escaped = "/".join(_escape_component(part) for part in relfilename.split("/"))
    error = _problem(escaped, "windows")
    if error is not None:
        raise UnsafePathError(relfilename, f"escaped for Windows as {escaped!r}: {error.reason}")
    return escaped


def restore_name(
    relfilename: str, *, platform: Platform | None = None, escape_windows_names: bool = False
) -> str:
    """The name under which a restore on ``platform`` writes ``relfilename``.

    That is ``relfilename`` itself; or, for a name that breaks only Windows rules when
    ``escape_windows_names`` is set, its escaped form (:func:`windows_escaped`).

    Raises:
        UnsafePathError: the name cannot be restored there (see :func:`check_name`).
    """
    try:
        check_name(relfilename, platform=platform)
    except WindowsNameError:
        if not escape_windows_names:
            raise
        return windows_escaped(relfilename)
    return relfilename


def _lstat_or_none(path: Path) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None


def safe_target(
    base_dir: Path,
    relfilename: str,
    *,
    platform: Platform | None = None,
    allow_symlinks: bool = False,
) -> Path:
    """Return ``base_dir / relfilename`` after checking that writing there stays under
    ``base_dir``.

    The name rules of :func:`check_name` apply; then, unless ``allow_symlinks``, no existing
    directory between ``base_dir`` and the file may be a symlink (checked with ``lstat``) and the
    file itself must not be an existing symlink. Directories that do not exist yet are fine
    (:func:`open_parent` creates them). ``allow_symlinks=True`` is for reading a tree the user
    made (a symlink the user put there is followed); never use it to write.

    This calls ``lstat``: from async code, run it in an executor.

    Raises:
        UnsafePathError: the name breaks a rule, or a symlink is on the way.
    """
    parts = check_name(relfilename, platform=platform)
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


_DIR_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_DIRECTORY", 0)
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_CLOEXEC", 0)
)


def _dir_fd_supported() -> bool:
    return os.mkdir in os.supports_dir_fd and os.open in os.supports_dir_fd


def open_parent(base_dir: Path, target: Path) -> int:
    """Create the missing parent directories of ``target`` under ``base_dir``, safely, and
    return a descriptor of ``target``'s directory (the caller closes it).

    ``base_dir`` must exist. Each level is created with ``mkdir`` and then opened with
    ``O_NOFOLLOW | O_DIRECTORY`` relative to the descriptor of the level above, so a symlink
    already there, or put there by someone else between two steps, is refused and never
    followed. Needs ``dir_fd`` support (every POSIX system).

    Raises:
        UnsafePathError: ``target`` is not under ``base_dir``, its name breaks a rule, or a
            parent is a symlink.
        NotADirectoryError: a parent exists and is not a directory.
        OSError: a directory cannot be created or opened.
    """
    parts = _relative_parts(Path(base_dir), Path(target))
    relname = "/".join(parts)
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
                    shown = os.fspath(Path(base_dir).joinpath(*parts[: index + 1]))
                    raise NotADirectoryError(
                        errno.ENOTDIR, os.strerror(errno.ENOTDIR), shown
                    ) from None
                raise
            os.close(fd)
            fd = child
    except BaseException:
        os.close(fd)
        raise
    return fd


def make_parents(base_dir: Path, target: Path) -> None:
    """Create the missing parent directories of ``target`` under ``base_dir``, safely (see
    :func:`open_parent`). On systems without ``dir_fd`` support (Windows) each level is checked
    with ``lstat`` after ``mkdir`` instead.

    Raises:
        UnsafePathError: ``target`` is not under ``base_dir``, its name breaks a rule, or a
            parent is a symlink.
        NotADirectoryError: a parent exists and is not a directory.
        OSError: a directory cannot be created.
    """
    if _dir_fd_supported():
        os.close(open_parent(base_dir, target))
    else:  # pragma: no cover - Windows
        parts = _relative_parts(Path(base_dir), Path(target))
        _make_parents_lstat(Path(base_dir), "/".join(parts), parts)


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


def new_temp_name() -> str:
    """A fresh name for a partial download: ``.aioglacier-part-`` and 20 random hex digits.

    Such a file is created exclusively (``O_EXCL``: an existing file of that name is never
    opened) and only where an anonymous file (``O_TMPFILE``) is not available; sync never
    uploads a file so named (:func:`is_temp_name`).
    """
    return TEMP_PREFIX + secrets.token_hex(10)


def is_temp_name(name: str) -> bool:
    """True when ``name`` (a bare file name) is a :func:`new_temp_name` partial download."""
    return name.startswith(TEMP_PREFIX) and _TEMP_RE.fullmatch(name) is not None
