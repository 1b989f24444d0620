"""Replay's fast path agrees with the exact parser on every line.

:func:`aioglacier.journal.read_journal` takes common ``B``/``C`` lines through a fast path and
hands anything else to the exact parser (mtglacier's regexes). Here journals are built from
lines near that boundary (every field valid, or off by one character: a sign, a space, a
non-ASCII blank, an uppercase hex digit, a ``.`` component, a CR...), and the state (or the
error) that :func:`read_journal` gives is compared with the one obtained by applying every
line through the exact parser alone.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from aioglacier.journal import JournalError, read_journal
from aioglacier.journal.replay import _Replay
from aioglacier.journal.state import ArchiveMap, JournalState, RetrieveJobMap

TH = "0123456789abcdef" * 4

versions = st.sampled_from(["B", "B", "B", "C", "A", "D", "b", "", "BB"])
uints = st.one_of(
    st.integers(0, 10**6).map(str),
    st.sampled_from(["", "-1", "+1", "1 ", "１", "0" * 20, "1" * 21, "01"]),
)
kinds = st.sampled_from(["CREATED"] * 4 + ["DELETED"] * 2 + ["RETRIEVE_JOB", "created", "X"])
aids = st.one_of(
    st.sampled_from(["a1", "a2", "a3", "a4"]),
    st.sampled_from(["", "a 1", "a\xa01", "é1", "a\x0b1", "a\x011", "-a1"]),
)
mtimes = st.one_of(uints, st.sampled_from(["NONE", "none", "-5", "+5"]))
hashes = st.one_of(
    st.just(TH),
    st.sampled_from([TH.upper(), TH[:-1], TH + "0", TH[:-1] + "g", TH[:-1] + " ", "x", ""]),
)
_name_alphabet = st.sampled_from(
    ["a", "b", ".", "..", "/", " ", "\xa0", "é", "\x85", "\x0b", "\x0c"]
)
names = st.one_of(
    st.sampled_from(["a", "d/b", "é/ü", "x y", ".hidden", "a/..b"]),
    st.lists(_name_alphabet, max_size=6).map("".join),
    st.sampled_from(["\t", "\r", "\x00", "a\tb", "/a", "a/", "a//b", "./a", "a/.", "a/../b"]),
)
endings = st.sampled_from(["\n", "\n", "\n", "\r\n"])


@st.composite
def lines(draw: st.DrawFn) -> str:
    """One journal line (with its ending) near the fast path's boundary."""
    version = draw(versions)
    kind = draw(kinds)
    fields = [version, draw(uints), kind, draw(aids)]
    if kind in ("CREATED", "created"):
        fields += [draw(uints), draw(mtimes), draw(hashes), draw(names)]
    elif kind == "RETRIEVE_JOB":
        fields.append(draw(st.one_of(st.sampled_from(["job1", "", "j b", "j\tb"]), names)))
    else:
        fields.append(draw(names))
    sep = draw(st.sampled_from(["\t"] * 9 + [" "]))
    if sep == " ":  # mtglacier's legacy format ("0"): no version field
        fields = fields[1:]
    return sep.join(fields) + draw(endings)


def _exactly(path: Path, text: str, skip_bad_names: bool) -> JournalState:
    """Every line through the exact parser alone (a trailing CR removed, as replay does)."""
    replay = _Replay(str(path), skip_bad_names)
    all_lines = text.split("\n")
    assert all_lines.pop() == ""
    for number, line in enumerate(all_lines, 1):
        replay.slow(line[:-1] if line.endswith("\r") else line, number)
    replay.line_count = len(all_lines)
    return replay.state(None)


def _outcome(run: Any) -> tuple[str, Any]:
    try:
        state: JournalState = run()
    except JournalError as exc:
        return "error", (type(exc).__name__, str(exc))
    assert isinstance(state.files, ArchiveMap)
    assert isinstance(state.archives, ArchiveMap)
    assert isinstance(state.retrieve_jobs, RetrieveJobMap)
    return "state", (
        dict(state.files.items()),
        list(state.archives.items()),
        {aid: state.retrieve_jobs[aid] for aid in state.retrieve_jobs},
        state.used_versions,
        state.line_count,
        state.skipped,
    )


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(lines(), min_size=1, max_size=12), st.booleans())
@example(  # an archive whose entry was refused: its later lines are refused too
    [
        f"B\t1\tCREATED\ta1\t5\t5\t{TH}\t/abs\n",
        f"B\t2\tCREATED\ta1\t5\t5\t{TH}\tgood\n",
        "B\t3\tRETRIEVE_JOB\ta1\tjob\n",
        "B\t4\tDELETED\ta1\tgood\n",
    ],
    True,
)
def test_fast_path_and_exact_parser_agree(journal_lines: list[str], skip_bad_names: bool) -> None:
    text = "".join(journal_lines)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "j"
        path.write_bytes(text.encode("utf-8"))
        fast = _outcome(lambda: read_journal(path, skip_bad_names=skip_bad_names))
        exact = _outcome(lambda: _exactly(path, text, skip_bad_names))
    assert fast == exact


@settings(max_examples=200, deadline=None)
@given(st.lists(lines(), min_size=1, max_size=6), st.booleans())
def test_fast_path_and_exact_parser_agree_on_valid_histories(
    journal_lines: list[str], skip_bad_names: bool
) -> None:
    """The same, on journals whose lines are all well formed (so that later lines meet the
    state earlier ones left: duplicates, deletes of deleted archives, jobs of live ones)."""
    valid = []
    for n, line in enumerate(journal_lines):
        aid, name = f"a{n % 3}", f"f{n % 2}"
        valid.append(
            [
                f"B\t{n}\tCREATED\t{aid}\t{n}\t{n}\t{TH}\t{name}\n",
                f"C\t{n}\tDELETED\t{aid}\t{name}\n",
                f"B\t{n}\tRETRIEVE_JOB\t{aid}\tjob{n}\n",
            ][len(line) % 3]
        )
    text = "".join(valid)
    text += "".join(journal_lines)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "j"
        path.write_bytes(text.encode("utf-8"))
        fast = _outcome(lambda: read_journal(path, skip_bad_names=skip_bad_names))
        exact = _outcome(lambda: _exactly(path, text, skip_bad_names))
    assert fast == exact
