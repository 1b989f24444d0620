"""Properties of the journal parser and writer under crashes and bit rot.

A journal of random records (every record type, versions B, C, A and mtglacier's legacy format,
LF or CRLF, unicode names) is cut at a random point and has random bytes changed. Then:

* reading it either raises a :class:`JournalError` with a line number (never before the first
  changed line, and never when no byte changed), or gives a state in which every record whose
  line is complete on disk and unchanged comes back equal;
* a writer that opens it and appends a record leaves a journal that reads back as the same
  state plus that record; a last line that is not a record is moved, byte for byte, to the side
  file the writer names; no byte before it changes.

Archive ids are 20 hex digits of SHA-256, pairwise far apart (checked below), so that a few
changed bytes can never turn one archive's line into a line about another archive.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from aioglacier.journal import (
    Created,
    Deleted,
    JournalError,
    JournalState,
    JournalWriter,
    Record,
    RetrieveJob,
    format_record,
    read_journal,
)

MAX_RECORDS = 24
MAX_CHANGES = 3
TH = "ab" * 32


def _aid(n: int) -> str:
    return hashlib.sha256(f"archive {n}".encode()).hexdigest()[:20]


AIDS = [_aid(n) for n in range(MAX_RECORDS + 1)]
assert (
    min(sum(x != y for x, y in zip(a, b, strict=True)) for a, b in itertools.combinations(AIDS, 2))
    > MAX_CHANGES
)

_name_chars = st.characters(blacklist_categories=("Cs",), blacklist_characters="/\t\r\n\x00")
_component = st.text(_name_chars, min_size=1, max_size=8).filter(lambda s: s not in (".", ".."))
names = st.lists(_component, min_size=1, max_size=3).map("/".join)
job_ids = st.text(
    st.characters(blacklist_categories=("Cs", "Zs", "Zl", "Zp", "Cc")), min_size=1, max_size=12
)
times = st.integers(min_value=0, max_value=10**20 - 1)
mtimes = st.none() | st.integers(min_value=-(10**20) + 1, max_value=10**20 - 1)


@dataclass(frozen=True)
class Line:
    """One journal line: its bytes (with its ending) and the record a reader must get."""

    data: bytes
    record: Record
    content: int  # bytes before the line ending


def _encode(record: Record, version: str, crlf: bool) -> Line:
    if version == "0":  # mtglacier's legacy format: no mtime, no job id
        if isinstance(record, Created):
            record = replace(record, mtime=None)
            text = (
                f"{record.time} CREATED {record.archive_id} {record.size} {record.treehash} "
                f"{record.relfilename}"
            )
        else:
            assert isinstance(record, RetrieveJob)
            record = replace(record, job_id=None)
            text = f"{record.time} RETRIEVE_JOB {record.archive_id}"
    else:
        text = version + format_record(record)[1:-1]
        if version == "A" and isinstance(record, Created):
            assert record.mtime is not None
            if record.archive_id == record.relfilename:  # mtglacier's inventory records
                record = replace(record, mtime=None)
    content = text.encode("utf-8")
    return Line(content + (b"\r\n" if crlf else b"\n"), record, len(content))


@st.composite
def journals(draw: st.DrawFn) -> list[Line]:
    """A valid history: unique archive ids, DELETED only of live archives."""
    lines: list[Line] = []
    live: list[str] = []
    used = 0
    for _ in range(draw(st.integers(0, MAX_RECORDS))):
        kind = draw(st.sampled_from("CCDR")) if live else "C"
        t = draw(times)
        record: Record
        if kind == "C":
            record = Created(
                t,
                AIDS[used],
                draw(times),
                draw(mtimes),
                draw(st.sampled_from([TH, "0" * 64])),
                draw(names),
            )
            live.append(AIDS[used])
            used += 1
            versions = ["B", "C", "0"] + (["A"] if record.mtime is not None else [])
        elif kind == "D":
            record = Deleted(t, live.pop(draw(st.integers(0, len(live) - 1))), draw(names))
            versions = ["B", "C"]
        else:
            record = RetrieveJob(t, draw(st.sampled_from(live)), draw(job_ids))
            versions = ["B", "C", "0"]
        lines.append(_encode(record, draw(st.sampled_from(versions)), draw(st.booleans())))
    return lines


def _check_read(lines: list[Line], cut: int, changed: set[int], state: JournalState) -> None:
    """Every record complete on disk and unchanged comes back equal."""
    start = 0
    spans = []
    for line in lines:
        spans.append((start, start + line.content, start + len(line.data)))
        start += len(line.data)
    for i, (line, (begin, content_end, end)) in enumerate(zip(lines, spans, strict=True)):
        # The LF before a line is its start: changed, it joins the line to the one before.
        if cut < content_end or any(begin - 1 <= p < min(end, cut) for p in changed):
            continue  # not complete on disk, or a byte of it changed: no promise
        record = line.record
        if isinstance(record, Created):
            later_delete = any(
                isinstance(other.record, Deleted)
                and other.record.archive_id == record.archive_id
                and spans[j][0] < cut
                for j, other in enumerate(lines[i + 1 :], i + 1)
            )
            got = state.archives.get(record.archive_id)
            if not later_delete:
                assert got == record, (i, record, got)
            elif got is not None:  # its DELETED line was cut or changed
                assert got == record
        elif isinstance(record, Deleted):
            assert record.archive_id not in state.archives
        else:
            assert record in list(state.retrieve_jobs.get(record.archive_id, ())), record


async def _append(path: Path, record: Record) -> JournalWriter:
    async with JournalWriter(path, clock=lambda: 1_700_000_000.0) as journal:
        await journal.append(record)
    return journal


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    journals(),
    st.floats(0.0, 1.0),
    st.lists(st.tuples(st.floats(0.0, 1.0), st.integers(0, 255)), max_size=MAX_CHANGES),
    st.sampled_from(["created", "job"]),
)
def test_crashes_and_bit_rot_never_lose_a_complete_record(
    lines: list[Line],
    cut_at: float,
    changes: list[tuple[float, int]],
    appended: str,
) -> None:
    full = b"".join(line.data for line in lines)
    cut = round(cut_at * len(full))
    data = bytearray(full[:cut])
    changed: set[int] = set()
    for where, value in changes:
        if cut and data[pos := min(cut - 1, int(where * cut))] != value:
            data[pos] = value
            changed.add(pos)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "journal"
        path.write_bytes(bytes(data))
        refused: JournalError | None = None
        try:
            state = read_journal(path)
        except JournalError as exc:  # documented: a line number, never for an intact file
            refused = exc
        if refused is not None:
            event("refused")
            assert changed, f"an intact journal was refused: {refused}"
            assert refused.line_number is not None
            first_changed = bytes(data[: min(changed)]).count(b"\n") + 1
            assert refused.line_number >= first_changed, refused
            assert str(refused).startswith(f"{path}:{refused.line_number}: ")
            return
        event("read, bytes changed" if changed else "read, intact")
        event("torn tail" if state.torn_tail else "no torn tail")
        _check_read(lines, cut, changed, state)

        # The writer: append one record, lose nothing.
        fresh = AIDS[MAX_RECORDS]
        record: Record = (
            Created(1, fresh, 2, 3, TH, "new/ünï")
            if appended == "created"
            else RetrieveJob(1, fresh, "J")
        )
        journal = asyncio.run(_append(path, record))
        after = path.read_bytes()
        head = bytes(data[: bytes(data).rfind(b"\n") + 1])
        tail = bytes(data[len(head) :])
        line = format_record(record).encode()
        if state.torn_tail is None:  # no tail, or a whole record that lacked its LF
            assert journal.torn_path is None
            assert after == bytes(data) + (b"\n" if tail else b"") + line
        else:
            assert tail
            assert journal.torn_path is not None
            assert journal.torn_tail is not None
            assert journal.torn_path in journal.torn_tail
            assert Path(journal.torn_path).read_bytes() == tail
            assert after == head + line
        again = read_journal(path)
        assert again.torn_tail is None
        assert again.line_count == state.line_count + 1
        expected = dict(state.archives)
        jobs = {k: list(v) for k, v in state.retrieve_jobs.items()}
        if isinstance(record, Created):
            expected[fresh] = record
        else:
            jobs.setdefault(fresh, []).append(record)
        assert dict(again.archives) == expected
        assert {k: list(v) for k, v in again.retrieve_jobs.items()} == jobs
        assert set(again.files) == {a.relfilename for a in expected.values()}


@settings(max_examples=100, deadline=None)
@given(journals(), st.integers(0, 2))
def test_every_cut_of_an_intact_journal_reads(lines: list[Line], trim: int) -> None:
    """Every prefix of a journal reads (no error, ever) as its complete lines, plus the last
    one when it only lost its line ending: ``truncate -s -N`` loses no whole record."""
    full = b"".join(line.data for line in lines)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "journal"
        ends = list(itertools.accumulate(len(line.data) for line in lines))
        for n, end in enumerate(ends, 1):
            line = lines[n - 1]
            cut = end - min(trim, len(line.data) - line.content)  # keep the content whole
            path.write_bytes(full[:cut])
            state = read_journal(path)
            assert state.torn_tail is None
            assert state.line_count == n
            _check_read(lines[:n], cut, set(), state)
