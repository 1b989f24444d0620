"""Replay: a journal file read in 1 MiB chunks and applied to a state (:func:`read_journal`),
with a fast path for well-formed ``B``/``C`` lines and the exact parser for anything else.
"""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import Executor
from typing import Final

from aioglacier.journal.errors import JournalError
from aioglacier.journal.parsing import _complete_tail, _parse_exact, _shown
from aioglacier.journal.records import Created, Deleted, _has_dot_component
from aioglacier.journal.state import (
    ArchiveMap,
    JournalState,
    RetrieveJobMap,
    _compact_treehash,
    _CreatedRow,
    _JobRow,
)

__all__ = ["load_journal", "read_journal"]


_CHUNK: Final = 1 << 20
_CAREFUL_BYTES: Final = (b"\r", b"\x00", b"\x0b", b"\x0c")


class _Replay:
    """Applies lines to a state. A fast path handles the common well-formed ``B``/``C`` lines;
    anything it does not accept goes through :func:`_parse_exact`, which decides exactly."""

    def __init__(self, path: str | None, skip_bad_names: bool = False) -> None:
        self.path = path
        self.skip_bad_names = skip_bad_names
        self.skipped: list[str] = []
        self.skipped_ids: set[str] = set()
        self.rows: dict[str, _CreatedRow] = {}
        # One job is stored as its row, more as a list of rows (most archives have at most one).
        self.jobs: dict[str, _JobRow | list[_JobRow]] = {}
        self.versions: set[str] = set()
        self.line_count = 0

    def error(self, reason: str, line_number: int) -> JournalError:
        return JournalError(reason, path=self.path, line_number=line_number)

    def slow(self, line: str, line_number: int) -> None:
        """Parse ``line`` exactly and apply it."""
        try:
            record, version = _parse_exact(line, line_number, self.path)
        except JournalError as exc:
            if not (self.skip_bad_names and exc.reason.startswith("invalid file name")):
                raise
            # Outside data (a journal from elsewhere): refuse the entry, keep the others.
            fields = line.split("\t")
            aid_field = fields[3] if len(fields) > 3 else ([*line.split(), "", "", ""])[2]
            self.skipped_ids.add(aid_field)
            self.skipped.append(f"{exc}: entry skipped")
            return
        self.versions.add(version)
        aid = record.archive_id
        if aid in self.skipped_ids:
            return
        if isinstance(record, Created):
            row = (
                record.time,
                aid,
                record.size,
                record.mtime,
                _compact_treehash(record.treehash),
                record.relfilename,
            )
            if self.rows.setdefault(aid, row) is not row:
                raise self.error(_duplicate(aid), line_number)
        elif isinstance(record, Deleted):
            if self.rows.pop(aid, None) is None and aid not in self.skipped_ids:
                raise self.error(_unknown(aid), line_number)
        else:
            live = self.rows.get(aid)
            if live is not None:
                aid = live[1]  # share the string
            job: _JobRow = (record.time, aid, record.job_id)
            jobs = self.jobs.get(aid)
            if jobs is None:
                self.jobs[aid] = job
            elif isinstance(jobs, list):
                jobs.append(job)
            else:
                self.jobs[aid] = [jobs, job]

    def feed(self, lines: list[str], all_ascii: bool, careful: bool) -> None:
        """Apply ``lines`` (without their LF).

        ``all_ascii``: every line is ASCII. ``careful``: the lines may hold CR, NUL, VT or FF,
        which the fast path does not check.
        """
        # Locals for speed: this loop runs once per journal line. Every check here only
        # accepts what _parse_exact accepts; anything else goes to the exact slow path.
        lineno = self.line_count
        rows = self.rows
        add_row = rows.setdefault
        pop_row = rows.pop
        get_row = rows.get
        jobs = self.jobs
        get_jobs = jobs.get
        versions = self.versions
        slow = self.slow
        # Archives whose entry was refused (skip_bad_names): their other lines are refused
        # too, which the exact path decides (usually an empty set).
        skipped_ids = self.skipped_ids
        dot_component = _has_dot_component
        from_hex = bytes.fromhex
        last_ts: str | None = None  # never equal to a field: the first time is checked
        last_t = 0
        last_version = ""
        for raw in lines:
            lineno += 1
            line = raw
            if careful:
                if line[-1:] == "\r":
                    line = line[:-1]
                if "\r" in line or "\x00" in line or "\x0b" in line or "\x0c" in line:
                    slow(line, lineno)
                    continue
            f = line.split("\t")
            n = len(f)
            if n != 8 and n != 5:  # noqa: PLR1714 - faster
                slow(line, lineno)
                continue
            # Both shapes have the time second; the last one's value is kept.
            ts = f[1]
            if ts != last_ts:
                if not ts.isdigit() or len(ts) > 20:
                    slow(line, lineno)
                    continue
                last_t = int(ts)
                last_ts = ts
            if n == 8:
                version, _, kind, aid, ss, ms, th, name = f
                if (
                    kind != "CREATED"
                    or (version != "B" and version != "C")  # noqa: PLR1714 - faster
                    or not (all_ascii or line.isascii() or line[: -len(name)].isascii())
                    or not aid
                    or " " in aid
                    or not ss.isdigit()
                    or len(ss) > 20
                    or not name
                    or name[0] == "/"
                    or name[-1] == "/"
                    or "//" in name
                    or ((name[0] == "." or "/." in name) and dot_component(name))
                    or (skipped_ids and aid in skipped_ids)
                ):
                    slow(line, lineno)
                    continue
                if ms == "NONE":
                    mtime = None
                elif ms.isdigit() and len(ms) <= 20:
                    mtime = int(ms)
                else:
                    slow(line, lineno)
                    continue
                packed: str | bytes = th
                if len(th) == 64 and th.islower():
                    try:  # noqa: SIM105 - a try costs less than contextlib.suppress here
                        packed = from_hex(th)
                    except ValueError:
                        pass
                # 32 bytes from 64 characters: hex digits only, no whitespace.
                if packed is th or len(packed) != 32:
                    if not th or " " in th:
                        slow(line, lineno)
                        continue
                    packed = th
                row = (last_t, aid, int(ss), mtime, packed, name)
                if add_row(aid, row) is not row:
                    raise self.error(_duplicate(aid), lineno)
            else:
                version, _, kind, aid, name = f
                if (
                    (version != "B" and version != "C")  # noqa: PLR1714 - faster
                    or not (all_ascii or line.isascii() or line[: -len(name) or None].isascii())
                    or not aid
                    or " " in aid
                ):
                    slow(line, lineno)
                    continue
                if kind == "DELETED":
                    if (
                        not name
                        or name[0] == "/"
                        or name[-1] == "/"
                        or "//" in name
                        or ((name[0] == "." or "/." in name) and dot_component(name))
                    ):
                        slow(line, lineno)
                        continue
                    if pop_row(aid, None) is None and aid not in skipped_ids:
                        raise self.error(_unknown(aid), lineno)
                elif kind == "RETRIEVE_JOB":
                    if skipped_ids and aid in skipped_ids:
                        slow(line, lineno)
                        continue
                    live = get_row(aid)
                    if live is not None:
                        aid = live[1]  # share the string
                    found = get_jobs(aid)
                    if found is None:
                        jobs[aid] = (last_t, aid, name)
                    elif isinstance(found, list):
                        found.append((last_t, aid, name))
                    else:
                        jobs[aid] = [found, (last_t, aid, name)]
                else:
                    slow(line, lineno)
                    continue
            if version is not last_version:
                versions.add(version)
                last_version = version
        self.line_count = lineno

    def state(self, torn_tail: str | None) -> JournalState:
        """The replayed state; computes the current archive of each name."""
        files: dict[str, _CreatedRow] = {}
        get = files.get
        for row in self.rows.values():
            name = row[5]
            cur = get(name)
            if cur is None:
                files[name] = row
                continue
            rm = row[3]
            cm = cur[3]
            if rm is None:
                rm = row[0]
            if cm is None:
                cm = cur[0]
            if rm > cm or (rm == cm and row[0] >= cur[0]):
                files[name] = row
        return JournalState(
            files=ArchiveMap(files),
            archives=ArchiveMap(self.rows),
            retrieve_jobs=RetrieveJobMap(self.jobs),
            torn_tail=torn_tail,
            used_versions=frozenset(self.versions),
            line_count=self.line_count,
            skipped=tuple(self.skipped),
        )


def _duplicate(aid: str) -> str:
    return f"duplicate archive id {_shown(aid)}: already created and not deleted"


def _unknown(aid: str) -> str:
    return f"DELETED of unknown archive id {_shown(aid)}: never created, or already deleted"


def read_journal(
    path: str | os.PathLike[str], *, missing_ok: bool = True, skip_bad_names: bool = False
) -> JournalState:
    """Read and replay the journal at ``path`` (blocking; run it in an executor).

    A missing file gives an empty state unless ``missing_ok`` is false. With
    ``skip_bad_names`` (what restores use: a journal is data from outside), a record whose file
    name is refused (``..``, absolute...) is left out and reported in
    :attr:`JournalState.skipped` instead of failing the whole journal.

    Raises:
        JournalError: a bad line, with its line number (see the module docstring).
        FutureJournalVersionError: a line from a newer format version.
        OSError: the file cannot be read.
    """
    shown = os.fspath(path)
    replay = _Replay(shown, skip_bad_names)
    try:
        f = open(path, "rb")  # noqa: SIM115 - closed below
    except FileNotFoundError:
        if missing_ok:
            return replay.state(None)
        raise
    rest = b""
    with f:
        while True:
            chunk = f.read(_CHUNK)
            if not chunk:
                break
            if rest:
                chunk = rest + chunk
            cut = chunk.rfind(b"\n") + 1
            if cut == 0:
                rest = chunk
                continue
            rest = chunk[cut:]
            complete = chunk[:cut] if cut < len(chunk) else chunk
            del chunk
            raw_lines = complete.split(b"\n")
            raw_lines.pop()  # the empty string after the final LF
            # Line by line: ASCII lines take the fast decoder, and the other lines do not
            # widen the whole chunk to a UCS-2 or UCS-4 string.
            try:
                lines = [raw.decode("utf-8") for raw in raw_lines]
            except UnicodeDecodeError:
                raise _utf8_error(raw_lines, replay.line_count, shown) from None
            del raw_lines
            careful = any(c in complete for c in _CAREFUL_BYTES)
            replay.feed(lines, complete.isascii(), careful)
            del complete, lines
    torn = None
    if rest:
        line_number = replay.line_count + 1
        line = _complete_tail(rest, line_number, shown)
        if line is not None:
            replay.slow(line, line_number)  # a whole record that only lacks its LF
            replay.line_count = line_number
        else:
            fragment = rest.decode("utf-8", errors="replace")
            torn = (
                f"{shown}:{line_number}: incomplete last line (no newline, and not a whole "
                f"record: a write interrupted by a crash?), ignored: {_shown(fragment)}"
            )
    return replay.state(torn)


def _utf8_error(raw_lines: list[bytes], lines_before: int, path: str) -> JournalError:
    for i, raw in enumerate(raw_lines, lines_before + 1):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            return JournalError(
                f"invalid UTF-8 ({exc.reason} at byte {exc.start} of the line)",
                path=path,
                line_number=i,
            )
    raise AssertionError("no invalid line")  # pragma: no cover


async def load_journal(
    path: str | os.PathLike[str],
    *,
    executor: Executor | None = None,
    missing_ok: bool = True,
    skip_bad_names: bool = False,
) -> JournalState:
    """:func:`read_journal` in ``executor`` (the loop's default when ``None``).

    A missing file gives an empty state unless ``missing_ok`` is false.
    """
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(
        executor,
        lambda: read_journal(path, missing_ok=missing_ok, skip_bad_names=skip_bad_names),
    )
