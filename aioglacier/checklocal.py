"""``check-local-hash``: compare the files on disk with what the journal says, offline.

mtglacier's ``check-local-hash`` (``App::MtAws::Command::CheckLocalHash``), with its wording
where it fits (misspellings fixed: ``MISMATCH``, not ``MISSMATCH``). For every current file of
the journal (optionally narrowed by a :class:`~aioglacier.filters.Filter`), in file-name order:

* ``MISSING NAME`` — no such file;
* ``SIZE MISMATCH NAME (local L bytes, journal J bytes)``;
* ``TREEHASH MISMATCH NAME (local HEX, journal HEX)``;
* ``OK NAME SIZE TREEHASH`` (exactly mtglacier's line);
* ``OK NAME SIZE (tree hash unknown: size checked)`` when the journal's tree hash is the
  placeholder of an adopted bucket's object (:func:`~aioglacier.treehash.tree_hash_unknown`):
  only the size can be checked;
* ``ERROR NAME (reason)`` — the name is unsafe (see :mod:`aioglacier.safepath`: it is reported,
  never followed), the path is not a regular file, or it cannot be read.

A file whose modification time differs from the journal's (when the journal has one) gets
``(mtime: journal J, local L)`` at the end of its line and is counted apart, as mtglacier
counts ``MODIFICATION TIME MISSMATCHES``; like mtglacier, that alone is not a failure. mtglacier
reports an empty file as ``ZERO SIZE``; here it is a ``SIZE MISMATCH`` (the journal never holds
an empty archive: Glacier refuses them). The summary (:func:`format_summary`) is mtglacier's
``TOTALS:`` block.

Symlinks: by default a file that is a symlink, or lies below a symlinked directory, is an
``ERROR`` (the same rule as restores). ``follow_symlinks=True`` reads through them, as
mtglacier does (and as the upload walk reads a linked file).

Several files are hashed at once (``jobs``), each with :func:`aioglacier.treehash.tree_hash_file`
in executor threads; ``stat`` and the path checks run in the executor too, so the event loop
never blocks. At most ``4 * jobs`` files are scheduled ahead of the one being reported, and the
threads hashing one file are capped so that all of them together use about one per CPU: memory
stays near ``8 MiB x CPUs`` whatever the tree. Results are reported in file-name order
(``on_result`` is called in that order), so the output does not depend on timing. No network,
no credentials.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import stat
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from aioglacier.batching import ExecutorBatcher
from aioglacier.display import printable
from aioglacier.errors import TransferError
from aioglacier.filters import Filter
from aioglacier.journal import Created, JournalState
from aioglacier.safepath import UnsafePathError, safe_target
from aioglacier.treehash import MIB, tree_hash, tree_hash_file, tree_hash_unknown

__all__ = [
    "CheckResult",
    "CheckStatus",
    "CheckSummary",
    "check_local_hash",
    "format_result",
    "format_summary",
]

CheckStatus = Literal["OK", "MISSING", "SIZE MISMATCH", "TREEHASH MISMATCH", "ERROR"]


@dataclass(frozen=True)
class CheckResult:
    """The verdict on one file.

    ``detail`` is what follows the name on the output line: ``"SIZE TREEHASH"`` for ``OK``,
    a parenthesised explanation otherwise (``""`` for ``MISSING``), with the mtime note
    appended when ``mtime_mismatch``.
    """

    relfilename: str
    status: CheckStatus
    detail: str
    mtime_mismatch: bool = False


@dataclass(frozen=True)
class CheckSummary:
    """Counts of a :func:`check_local_hash` run."""

    checked: int
    """Files checked (the filter let them through)."""
    passed: int
    """``OK`` files."""
    mtime_mismatch: int
    """Files (of any status) whose modification time differs from the journal's."""
    treehash_mismatch: int
    size_mismatch: int
    missing: int
    errors: int
    filtered_out: int
    """Journal files the filter excluded (not checked)."""

    @property
    def ok(self) -> bool:
        """True when no file is missing, mismatched or in error (mtime differences allowed)."""
        return not (self.treehash_mismatch or self.size_mismatch or self.missing or self.errors)


def _usable_cpus() -> int:
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1  # pragma: no cover - platforms without sched_getaffinity


def format_result(result: CheckResult) -> str:
    """One output line: ``STATUS NAME[ DETAIL]`` (control characters in the name escaped)."""
    line = f"{result.status} {printable(result.relfilename)}"
    return f"{line} {result.detail}" if result.detail else line


def format_summary(summary: CheckSummary) -> list[str]:
    """mtglacier's ``TOTALS:`` block, one string per line."""
    return [
        "TOTALS:",
        f"{summary.passed} OK",
        f"{summary.mtime_mismatch} MODIFICATION TIME MISMATCHES",
        f"{summary.treehash_mismatch} TREEHASH MISMATCH",
        f"{summary.size_mismatch} SIZE MISMATCH",
        f"{summary.missing} MISSING",
        f"{summary.errors} ERRORS",
    ]


def _locate(base_dir: Path, name: str, follow: bool) -> tuple[Path, os.stat_result | None]:
    """Resolve ``name`` safely and stat it (runs in an executor thread)."""
    path = safe_target(base_dir, name, allow_symlinks=follow)
    try:
        info = os.stat(path) if follow else os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return path, None
    return path, info


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


#: Files up to this size are checked whole in one executor job, in batches.
SMALL_FILE_MAX = 1024 * 1024


def _noted(
    name: str, record: Created, info: os.stat_result
) -> Callable[[CheckStatus, str], CheckResult]:
    """A result builder that appends the mtime note when the mtime differs."""
    note = ""
    local_mtime = info.st_mtime_ns // 1_000_000_000
    if record.mtime is not None and local_mtime != record.mtime:
        note = f" (mtime: journal {record.mtime}, local {local_mtime})"

    def result(status: CheckStatus, detail: str) -> CheckResult:
        return CheckResult(name, status, (detail + note).lstrip(), bool(note))

    return result


def _judge(
    name: str, record: Created, info: os.stat_result, size: int, tree_hex: str | None
) -> CheckResult:
    result = _noted(name, record, info)
    if size != record.size or tree_hex is None:
        return result("SIZE MISMATCH", f"(local {size} bytes, journal {record.size} bytes)")
    if tree_hex != record.treehash.lower():
        return result("TREEHASH MISMATCH", f"(local {tree_hex}, journal {record.treehash.lower()})")
    return result("OK", f"{record.size} {record.treehash}")


def _check_small(base_dir: Path, name: str, follow: bool, record: Created) -> CheckResult:
    """Check one small file entirely in the calling (executor) thread."""
    try:
        path, info = _locate(base_dir, name, follow)
    except UnsafePathError as exc:
        return CheckResult(name, "ERROR", f"(unsafe path: {exc.reason})")
    except OSError as exc:
        return CheckResult(name, "ERROR", f"(cannot stat: {_reason(exc)})")
    if info is None:
        return CheckResult(name, "MISSING", "")
    if not stat.S_ISREG(info.st_mode):
        kind = "a symlink" if stat.S_ISLNK(info.st_mode) else "not a regular file"
        return CheckResult(name, "ERROR", f"({kind})")
    if info.st_size != record.size:
        return _judge(name, record, info, info.st_size, None)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except (FileNotFoundError, NotADirectoryError):
        return CheckResult(name, "MISSING", "")
    except OSError as exc:
        return _noted(name, record, info)("ERROR", f"(cannot open: {_reason(exc)})")
    try:
        data = os.read(fd, record.size + 1)
        if len(data) != record.size:  # changed since the stat: report its real size
            return _judge(name, record, info, os.fstat(fd).st_size, None)
    except OSError as exc:
        return _noted(name, record, info)("ERROR", f"(cannot read: {_reason(exc)})")
    finally:
        os.close(fd)
    if record.size <= MIB:  # one leaf: the tree hash is the SHA-256 of the data
        return _judge(name, record, info, len(data), hashlib.sha256(data).hexdigest())
    return _judge(name, record, info, len(data), tree_hash(data).hex())


def _check_small_job(job: tuple[Path, str, bool, Created]) -> CheckResult:
    if tree_hash_unknown(job[3].treehash, job[3].archive_id):
        return _check_size_only(*job)
    return _check_small(*job)


#: What follows an ``OK`` line's size when the journal holds no tree hash (see
#: :data:`~aioglacier.treehash.UNKNOWN_TREE_HASH`).
SIZE_ONLY_NOTE = "(tree hash unknown: size checked)"


def _check_size_only(base_dir: Path, name: str, follow: bool, record: Created) -> CheckResult:
    """Check a file whose tree hash the journal does not know: its size only."""
    try:
        _, info = _locate(base_dir, name, follow)
    except UnsafePathError as exc:
        return CheckResult(name, "ERROR", f"(unsafe path: {exc.reason})")
    except OSError as exc:
        return CheckResult(name, "ERROR", f"(cannot stat: {_reason(exc)})")
    if info is None:
        return CheckResult(name, "MISSING", "")
    if not stat.S_ISREG(info.st_mode):
        kind = "a symlink" if stat.S_ISLNK(info.st_mode) else "not a regular file"
        return CheckResult(name, "ERROR", f"({kind})")
    result = _noted(name, record, info)
    if info.st_size != record.size:
        return result("SIZE MISMATCH", f"(local {info.st_size} bytes, journal {record.size} bytes)")
    return result("OK", f"{record.size} {SIZE_ONLY_NOTE}")


class _Checker:
    """One run's settings; :meth:`check` judges one file."""

    def __init__(
        self,
        base_dir: Path,
        executor: Executor | None,
        follow: bool,
        semaphore: asyncio.Semaphore,
        hash_workers: int,
    ) -> None:
        self.base_dir = base_dir
        self.executor = executor
        self.follow = follow
        self.semaphore = semaphore
        self.hash_workers = hash_workers
        self.small = ExecutorBatcher(_check_small_job, executor, max_batch=32)

    async def check(self, name: str, record: Created) -> CheckResult:
        if record.size <= SMALL_FILE_MAX or tree_hash_unknown(record.treehash, record.archive_id):
            # Small files: stat, read and hash in one job, many files per executor hop.
            return await self.small.submit((self.base_dir, name, self.follow, record))
        async with self.semaphore:
            return await self._check(name, record)

    async def _check(self, name: str, record: Created) -> CheckResult:
        loop = asyncio.get_running_loop()
        try:
            path, info = await loop.run_in_executor(
                self.executor, _locate, self.base_dir, name, self.follow
            )
        except UnsafePathError as exc:
            return CheckResult(name, "ERROR", f"(unsafe path: {exc.reason})")
        except OSError as exc:
            return CheckResult(name, "ERROR", f"(cannot stat: {_reason(exc)})")
        if info is None:
            return CheckResult(name, "MISSING", "")
        if not stat.S_ISREG(info.st_mode):
            kind = "a symlink" if stat.S_ISLNK(info.st_mode) else "not a regular file"
            return CheckResult(name, "ERROR", f"({kind})")
        note = ""
        local_mtime = info.st_mtime_ns // 1_000_000_000
        if record.mtime is not None and local_mtime != record.mtime:
            note = f" (mtime: journal {record.mtime}, local {local_mtime})"

        def result(status: CheckStatus, detail: str) -> CheckResult:
            return CheckResult(name, status, (detail + note).lstrip(), bool(note))

        if info.st_size != record.size:
            return result(
                "SIZE MISMATCH", f"(local {info.st_size} bytes, journal {record.size} bytes)"
            )
        try:
            hashed = await tree_hash_file(
                path, executor=self.executor, max_workers=self.hash_workers
            )
        except (FileNotFoundError, NotADirectoryError):
            return result("MISSING", "")
        except OSError as exc:
            return result("ERROR", f"(cannot read: {_reason(exc)})")
        except TransferError:
            return result("ERROR", "(the file changed while it was read)")
        if hashed.size != record.size:
            return result(
                "SIZE MISMATCH", f"(local {hashed.size} bytes, journal {record.size} bytes)"
            )
        if hashed.hex != record.treehash.lower():
            return result(
                "TREEHASH MISMATCH", f"(local {hashed.hex}, journal {record.treehash.lower()})"
            )
        return result("OK", f"{record.size} {record.treehash}")


async def check_local_hash(
    state: JournalState,
    base_dir: Path,
    *,
    filter: Filter | None = None,
    jobs: int = 4,
    executor: Executor | None = None,
    on_result: Callable[[CheckResult], None] | None = None,
    follow_symlinks: bool = False,
    hash_workers: int | None = None,
) -> CheckSummary:
    """Check every current file of ``state`` under ``base_dir`` (see the module documentation).

    Args:
        state: the replayed journal; its :attr:`~aioglacier.journal.JournalState.files` are
            checked, in file-name order.
        base_dir: the directory the journal's names are relative to.
        filter: only names it matches are checked (all when ``None``).
        jobs: files checked at once (at least 1).
        executor: runs ``stat`` and the hashing; ``None`` is the loop's default executor.
        on_result: called with each result, in file-name order, as soon as it is known.
        follow_symlinks: read through symlinks instead of reporting them as errors.
        hash_workers: executor jobs hashing one file at once; ``None`` shares the CPUs among
            the ``jobs`` files (at least one each).

    Returns:
        The counts; ``summary.ok`` is False when a file is missing, mismatched or unreadable.
    """
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    if hash_workers is None:
        hash_workers = max(1, _usable_cpus() // jobs)
    checker = _Checker(
        Path(base_dir), executor, follow_symlinks, asyncio.Semaphore(jobs), hash_workers
    )
    counts: Counter[str] = Counter()
    filtered_out = 0
    # Small files are checked in batches of up to 32 per executor job: a window of 64 files
    # lets two batches run at once (at most 64 MiB of small files read at a time).
    window = max(4 * jobs, 64)
    pending: deque[asyncio.Task[CheckResult]] = deque()

    def report(result: CheckResult) -> None:
        counts[result.status] += 1
        if result.mtime_mismatch:
            counts["mtime"] += 1
        if on_result is not None:
            on_result(result)

    try:
        for name in sorted(state.files):
            if filter is not None and not filter.matches(name):
                filtered_out += 1
                continue
            pending.append(asyncio.create_task(checker.check(name, state.files[name])))
            if len(pending) >= window:
                report(await pending[0])
                pending.popleft()
        while pending:
            report(await pending[0])
            pending.popleft()
    finally:
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
    return CheckSummary(
        checked=sum(
            counts[s] for s in ("OK", "MISSING", "SIZE MISMATCH", "TREEHASH MISMATCH", "ERROR")
        ),
        passed=counts["OK"],
        mtime_mismatch=counts["mtime"],
        treehash_mismatch=counts["TREEHASH MISMATCH"],
        size_mismatch=counts["SIZE MISMATCH"],
        missing=counts["MISSING"],
        errors=counts["ERROR"],
        filtered_out=filtered_out,
    )
