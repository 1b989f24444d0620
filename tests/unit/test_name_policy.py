"""The one name policy as a property: sync uploads a file if and only if a restore on the same
platform restores it (issue 13, defect 1).

Sync's decision is taken by the real directory walk over a real file whenever this system can
hold the name (the name the walk reports is the one judged), else by the function the walk
calls. Restore's decision is the real path of a name into a restore: a journal line written by
the journal's formatter, read back by the journal's reader as restores read it, then the
restore's own check of the target, under an empty directory.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import unicodedata
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from aioglacier.journal import Created, InvalidNameError, format_record, read_journal
from aioglacier.planner import LocalFile, WalkProblem, upload_refusal, walk
from aioglacier.restore import _missing_target, _NameRules
from aioglacier.safepath import PLATFORMS, Platform, new_temp_name

TH = "0" * 64

DEVICES = ["CON", "PRN", "AUX", "NUL", "COM1", "COM9", "LPT0", "LPT¹", "CONIN$", "CONOUT$"]
WORDS = ["café", "Ångström", "naïve", "ﬁle", "한국어", "Å", "ḱṷṓn"]


def _any_case(text: str) -> st.SearchStrategy[str]:
    return st.lists(st.booleans(), min_size=len(text), max_size=len(text)).map(
        lambda flips: "".join(c.lower() if f else c for c, f in zip(text, flips, strict=True))
    )


_chars = st.one_of(
    st.characters(blacklist_categories=(), blacklist_characters="/"),  # every category
    st.characters(max_codepoint=0xA0),  # ASCII and C0/C1 controls, DEL, NEL, NBSP often
    st.integers(0xD800, 0xDFFF).map(chr),  # unpaired surrogates (undecodable bytes)
    st.sampled_from('\t\n\r\x00\x1b\x7f\\:?*<>|"% .\u2028\u202e\ufeff\uffff'),
)
_device = st.tuples(
    st.sampled_from(DEVICES).flatmap(_any_case),
    st.sampled_from(["", " ", "  "]),
    st.sampled_from(["", ".c", ".h", ".txt", ".tar.gz", "."]),
).map("".join)
_long = st.one_of(
    st.integers(250, 258).map(lambda n: "x" * n),
    st.integers(124, 130).map(lambda n: "é" * n),
    st.integers(61, 66).map(lambda n: "😀" * n),
    st.integers(83, 87).map(lambda n: "日" * n),
    st.integers(126, 129).map(lambda n: "😀" * n),  # near Windows' 255 UTF-16 units
)
_normalized = st.tuples(
    st.sampled_from(WORDS), st.sampled_from(["NFC", "NFD", "NFKC", "NFKD"])
).map(
    lambda wn: unicodedata.normalize(wn[1], wn[0])  # type: ignore[arg-type]
)
_component = st.one_of(
    st.text(_chars, min_size=1, max_size=12),
    _device,
    _long,
    _normalized,
    st.tuples(st.text(_chars, min_size=1, max_size=6), st.sampled_from([".", " ", "..", ". "])).map(
        "".join
    ),
    st.builds(new_temp_name),
    st.sampled_from([".", "..", "", ".x.aioglacier-part", "a\\..\\b", "C:", "...", " "]),
)
NAMES = st.lists(_component, min_size=1, max_size=3).map("/".join)


def _creatable(name: str) -> bytes | None:
    """``name`` as this system's bytes when a file can have it, else ``None``."""
    parts = name.split("/")
    if any(p in ("", ".", "..") for p in parts):
        return None
    try:
        raw = [os.fsencode(p) for p in parts]
    except UnicodeEncodeError:
        return None
    if any(b"\x00" in p or len(p) > 255 for p in raw):
        return None
    return b"/".join(raw)


def _walk_decision(name: str, platform: Platform) -> tuple[str, bool] | None:
    """(the name the walk reports, whether sync uploads it), from a real walk of a real file."""
    raw = _creatable(name)
    if raw is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        path = os.fsencode(tmp) + b"/" + raw
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(b"data")

        async def entries() -> list[LocalFile | WalkProblem]:
            return [e async for e in walk(tmp, platform=platform)]

        [entry] = asyncio.run(entries())
    return entry.relfilename, isinstance(entry, LocalFile)


def _sync_decision(name: str, platform: Platform) -> tuple[str, bool]:
    walked = _walk_decision(name, platform)
    if walked is not None:
        return walked
    return name, upload_refusal(name, platform=platform) is None


def _restore_decision(name: str, platform: Platform, escape: bool = False) -> bool:
    """Whether ``restore-completed`` on ``platform`` would write ``name`` from a journal."""
    try:
        line = format_record(Created(1, "archive", 4, 1, TH, name))
    except InvalidNameError:
        return False  # no journal can hold it: no restore will ever see it
    with tempfile.TemporaryDirectory() as tmp:
        journal = Path(tmp) / "journal"
        journal.write_text(line, encoding="utf-8")
        state = read_journal(journal, skip_bad_names=True)
        if name not in state.files:
            return False
        base = Path(tmp) / "target"
        base.mkdir()
        local, reason = _missing_target(base, name, _NameRules(platform, escape))
    assert (local is None) != (reason is None)
    assert reason != "exists"
    # Windows rules checked on this system's disk: a name Windows holds may still be too long
    # here (255 UTF-16 code units can be 765 bytes of UTF-8). That is the disk, not the rules:
    # the rules accepted it.
    too_long_here = reason == "cannot check the target: File name too long"
    return local is not None or (platform == "windows" and os.name != "nt" and too_long_here)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(NAMES)
@example("drivers/aux.c")
@example("con.h")
@example("nul.txt")
@example("prn.tar.gz")
@example("esc\x1bname")
@example("del\x7fname")
@example("latin1-\udce9t\udce9")
@example("tab\there")
@example(".aioglacier-part-0123456789abcdef0123")
def test_sync_uploads_exactly_what_restore_restores(name: str) -> None:
    for platform in PLATFORMS:
        judged, uploaded = _sync_decision(name, platform)
        assert uploaded == _restore_decision(judged, platform), (platform, judged)
        if platform == "windows" and uploaded:
            assert _restore_decision(judged, "windows", escape=True)


@settings(max_examples=200, deadline=None)
@given(NAMES)
def test_a_name_posix_sync_uploads_restores_on_windows_with_escaping(name: str) -> None:
    judged, uploaded = _sync_decision(name, "posix")
    if not uploaded:
        return
    if not _restore_decision(
        judged, "windows", escape=True
    ):  # only when the escaped name no longer fits in a component
        rules = _NameRules("windows", True)
        with tempfile.TemporaryDirectory() as tmp:
            _local, reason = _missing_target(Path(tmp), judged, rules)
        assert reason is not None
        assert "escaped for Windows as" in reason
        assert reason.endswith("longer than 255 UTF-16 code units")
