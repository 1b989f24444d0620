"""Directory walk and sync planning, both streaming.

The walk lists one directory per executor job and yields files as it finds them, so uploads
start while the walk goes on and a tree of a million files is never listed whole. The planner
compares each file with the journal's state as it arrives (mtglacier's rules for ``--new``,
``--replace-modified`` with ``--detect``, and ``--delete-removed``).
"""

from __future__ import annotations

import asyncio
import errno
import os
import stat
from collections.abc import AsyncIterator
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from aioglacier.config import DETECT_MODES, DetectMode
from aioglacier.filters import Filter
from aioglacier.journal import Created, JournalState
from aioglacier.safepath import (
    Platform,
    ReservedNameError,
    UnsafePathError,
    WindowsNameError,
    check_name,
)

__all__ = [
    "DETECT_MODES",
    "DetectMode",
    "LocalFile",
    "SyncPlanOptions",
    "WalkProblem",
    "WorkItem",
    "plan_sync",
    "upload_refusal",
    "walk",
]


@dataclass(frozen=True, slots=True)
class LocalFile:
    """A regular file found by the walk: its journal name and identity at scan time."""

    relfilename: str
    path: str
    size: int
    mtime: int
    mtime_ns: int


@dataclass(frozen=True, slots=True)
class WalkProblem:
    """An entry the walk could not use (unreadable directory, a name that could not be
    restored...): a failure of the sync; with ``status="skipped"``, a file left out on purpose
    (a leftover of an interrupted restore); with ``status="warning"``, an entry that has no
    file to back up (a dangling or looping symbolic link): reported, the run does not fail.
    """

    relfilename: str
    reason: str
    status: Literal["failed", "skipped", "warning"] = "failed"

    @property
    def warning(self) -> bool:
        """Whether the problem is only reported (it does not fail the run)."""
        return self.status == "warning"


LEFTOVER_REASON = (
    "not uploaded: a partial download left by an interrupted restore "
    "(aioglacier's temporary file name); delete it"
)


def upload_refusal(relfilename: str, *, platform: Platform | None = None) -> WalkProblem | None:
    """Sync's decision on a file name: ``None`` to upload it, else why it is not uploaded.

    The decision is :func:`aioglacier.safepath.check_name`'s, the same a restore on
    ``platform`` (``None``: this system) makes, so a file is uploaded if and only if a restore
    there could write it back. A name that could never be restored is a failure of the sync
    (the file is not backed up: exit status 1 until it is renamed or excluded); the name of a
    restore's own partial download is skipped with a note.
    """
    try:
        check_name(relfilename, platform=platform)
    except ReservedNameError:
        return WalkProblem(relfilename, LEFTOVER_REASON, "skipped")
    except WindowsNameError as exc:
        return WalkProblem(relfilename, f"not uploaded, Windows could not restore it: {exc.reason}")
    except UnsafePathError as exc:
        return WalkProblem(relfilename, f"not uploaded, it could never be restored: {exc.reason}")
    return None


@dataclass(frozen=True, slots=True)
class _Entry:
    name: str
    is_dir: bool
    st: os.stat_result | None
    error: str | None
    warning: bool = False


#: Why a symbolic link leads nowhere (the link itself is fine; it has no file behind it).
DANGLING_LINK = "dangling symbolic link (its target does not exist): skipped"
LOOPING_LINK = "symbolic link loop: skipped"


def _scan_dir(path: str, follow: bool) -> list[_Entry]:
    """List one directory (runs in an executor thread)."""
    out: list[_Entry] = []
    with os.scandir(path) as it:
        for entry in it:
            is_link = False
            try:
                is_link = entry.is_symlink()
                if is_link and not follow:
                    # mtglacier: a link to a file is read as the file; a linked directory is
                    # entered only with --follow.
                    st = os.stat(entry.path)
                    if stat.S_ISDIR(st.st_mode):
                        continue
                else:
                    st = entry.stat(follow_symlinks=True)
            except OSError as exc:
                if is_link and exc.errno in (errno.ENOENT, errno.ENOTDIR, errno.ELOOP):
                    why = LOOPING_LINK if exc.errno == errno.ELOOP else DANGLING_LINK
                    out.append(_Entry(entry.name, False, None, why, warning=True))
                else:
                    out.append(_Entry(entry.name, False, None, exc.strerror or str(exc)))
                continue
            if stat.S_ISDIR(st.st_mode):
                out.append(_Entry(entry.name, True, st, None))
            elif stat.S_ISREG(st.st_mode):
                out.append(_Entry(entry.name, False, st, None))
    out.sort(key=lambda e: e.name)
    return out


async def walk(
    base_dir: str | os.PathLike[str],
    *,
    filter: Filter | None = None,
    follow: bool = False,
    executor: Executor | None = None,
    platform: Platform | None = None,
) -> AsyncIterator[LocalFile | WalkProblem]:
    """Yield every regular file under ``base_dir`` that the filter keeps, depth first.

    Names are ``/``-separated and relative. A kept file whose name a restore on ``platform``
    (``None``: this system) could not write back (:func:`upload_refusal`: not UTF-8, a TAB or
    LF the journal cannot hold...) and an unreadable directory are yielded as
    :class:`WalkProblem` and the walk goes on. With ``follow``, symlinked directories are
    entered once (loops are detected by device and inode).
    """
    loop = asyncio.get_running_loop()
    root = os.fspath(base_dir)
    root_st = await loop.run_in_executor(executor, os.stat, root)
    seen_dirs = {(root_st.st_dev, root_st.st_ino)}
    stack: list[str] = [""]
    while stack:
        reldir = stack.pop()
        absdir = os.path.join(root, reldir) if reldir else root
        try:
            entries = await loop.run_in_executor(executor, _scan_dir, absdir, follow)
        except OSError as exc:
            yield WalkProblem(reldir or ".", f"cannot list directory: {exc.strerror or exc}")
            continue
        subdirs: list[str] = []
        prefix = absdir if absdir.endswith(os.sep) else absdir + os.sep
        for e in entries:
            rel = f"{reldir}/{e.name}" if reldir else e.name
            if e.error is not None:
                yield WalkProblem(rel, e.error, "warning" if e.warning else "failed")
                continue
            assert e.st is not None
            if e.is_dir:
                key = (e.st.st_dev, e.st.st_ino)
                if key in seen_dirs:
                    continue
                if filter is not None and not filter.may_descend(rel + "/"):
                    continue
                seen_dirs.add(key)
                subdirs.append(rel)
                continue
            if filter is not None and not filter.matches(rel):
                continue
            refusal = upload_refusal(rel, platform=platform)
            if refusal is not None:
                yield refusal
                continue
            yield LocalFile(
                relfilename=rel,
                path=prefix + e.name,
                size=e.st.st_size,
                mtime=int(e.st.st_mtime),
                mtime_ns=e.st.st_mtime_ns,
            )
        stack.extend(reversed(subdirs))


WorkAction = Literal["upload", "replace", "verify-replace", "delete"]


@dataclass(frozen=True, slots=True)
class WorkItem:
    """One thing to do: upload a new file, replace (or verify, then replace) one, delete one."""

    action: WorkAction
    relfilename: str
    file: LocalFile | None = None
    old: Created | None = None


@dataclass(frozen=True)
class SyncPlanOptions:
    """mtglacier's sync switches."""

    new: bool = True
    replace_modified: bool = False
    delete_removed: bool = False
    detect: DetectMode = "mtime-and-treehash"
    max_number_of_files: int | None = None


def _modified_action(f: LocalFile, old: Created, detect: DetectMode) -> WorkAction | None:
    """mtglacier's should_upload: size first, then the --detect mode."""
    if detect == "always-positive" or old.size != f.size:
        return "replace"
    if detect == "size-only":
        return None
    mtime_differs = old.mtime is not None and old.mtime != f.mtime
    if detect == "mtime":
        return "replace" if mtime_differs else None
    if detect == "treehash":
        return "verify-replace"
    if detect == "mtime-and-treehash":
        return "verify-replace" if mtime_differs else None
    # mtime-or-treehash
    return "replace" if mtime_differs else "verify-replace"


async def plan_sync(
    files: AsyncIterator[LocalFile | WalkProblem],
    state: JournalState,
    options: SyncPlanOptions,
    *,
    filter: Filter | None = None,
    problems: list[WalkProblem] | None = None,
) -> AsyncIterator[WorkItem]:
    """Turn the walk into work items, as it streams.

    Walk problems are appended to ``problems``. ``--delete-removed`` items come after the walk
    (a file is missing only once the whole tree was seen). ``max_number_of_files`` caps the
    uploads and replacements planned, as mtglacier does.
    """
    seen: set[str] = set()
    planned = 0
    limit = options.max_number_of_files
    async for f in files:
        if isinstance(f, WalkProblem):
            if problems is not None:
                problems.append(f)
            continue
        seen.add(f.relfilename)
        if limit is not None and planned >= limit:
            continue
        if f.relfilename not in state.files:
            if options.new:
                planned += 1
                yield WorkItem("upload", f.relfilename, f)
        elif options.replace_modified:
            old = state.files[f.relfilename]
            action = _modified_action(f, old, options.detect)
            if action is not None:
                planned += 1
                yield WorkItem(action, f.relfilename, f, old)
    if options.delete_removed:
        for name in sorted(state.files):
            if name in seen or (filter is not None and not filter.matches(name)):
                continue
            yield WorkItem("delete", name, None, state.files[name])


def resolve_under(base_dir: str | os.PathLike[str], relfilename: str) -> Path:
    """The local path of a journal name (already validated) under ``base_dir``."""
    return Path(base_dir).joinpath(*relfilename.split("/"))
