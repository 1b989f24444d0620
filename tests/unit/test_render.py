"""The CLI's renderers: every outcome line reaches the user, JSON lines parse, rich stays cheap."""

from __future__ import annotations

import io
import json

import pytest

from aioglacier.display import ESCAPED
from aioglacier.progress import (
    BytesTransferred,
    FileDone,
    FileFailed,
    FileQueued,
    FileSkipped,
    FileStarted,
    Message,
    RunFinished,
)
from aioglacier.render import JsonRenderer, PlainRenderer, Renderer, RichRenderer, make_renderer


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def feed(renderer: PlainRenderer | JsonRenderer, n: int) -> None:
    with renderer:
        for i in range(n):
            name = f"dir/f{i}"
            renderer(FileQueued(name, "upload", 2048))
            renderer(FileStarted(name, "upload", 2048))
            renderer(BytesTransferred(name, 2048))
            renderer(FileDone(name, "upload", 2048, f"A{i}"))
        renderer(FileSkipped("empty", "empty file: Glacier refuses empty archives"))
        renderer(FileFailed("bad", "upload", "No such file or directory"))
        renderer(RunFinished(n, 1, 1, 2048 * n, 1.0))


def test_plain_lines() -> None:
    out, err = io.StringIO(), io.StringIO()
    feed(PlainRenderer(out, err), 2)
    assert err.getvalue().splitlines() == [
        "uploaded: dir/f0 (2.0 KiB)",
        "uploaded: dir/f1 (2.0 KiB)",
        "skipped: empty: empty file: Glacier refuses empty archives",
        "FAILED: bad: No such file or directory",
    ]


def test_quiet_keeps_failures_only() -> None:
    out, err = io.StringIO(), io.StringIO()
    feed(PlainRenderer(out, err, quiet=True), 2)
    assert err.getvalue().splitlines() == ["FAILED: bad: No such file or directory"]


def test_json_lines() -> None:
    out, err = io.StringIO(), io.StringIO()
    feed(JsonRenderer(out, err), 1)
    events = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [e["kind"] for e in events] == [
        "queued", "started", "bytes", "done", "skipped", "failed", "finished"
    ]  # fmt: skip
    assert events[3] == {
        "kind": "done",
        "relfilename": "dir/f0",
        "action": "upload",
        "size": 2048,
        "archive_id": "A0",
        "detail": "",
    }


def test_rich_prints_every_line_in_batches() -> None:
    out, err = Terminal(), Terminal()
    renderer = make_renderer(out, err, json_lines=False, quiet=False)
    assert isinstance(renderer, RichRenderer)
    feed(renderer, 500)
    text = err.getvalue()
    assert text.count("uploaded: dir/f") == 500
    assert "FAILED: bad: No such file or directory" in text


def test_not_a_terminal_is_plain() -> None:
    renderer = make_renderer(io.StringIO(), io.StringIO(), json_lines=False, quiet=False)
    assert type(renderer) is PlainRenderer


HOSTILE = "evil\x1b[2J\x1b]0;pwned\x07n"
SHOWN = "evil\\x1b[2J\\x1b]0;pwned\\x07n"
# What a terminal would obey; rich's own output has ESC sequences, so look for the hostile ones.
RAW = ("\x1b[2J", "\x1b]0;", "\x07", "\r\n", "\u202e", "\u2028", "\x9b")


def hostile_events(renderer: Renderer) -> None:
    names = [
        HOSTILE,
        "cr\rline",
        "x\u202etxt.exe",
        "ls\u2028x",
        "c1\x9b2J",
        "[bold]b[/bold] :smile:",
    ]
    with renderer:
        for name in names:
            renderer(FileQueued(name, "upload", 10))
            renderer(FileStarted(name, "upload", 10))
            renderer(FileDone(name, "upload", 10, "A", detail=f"about {name}"))
            renderer(FileSkipped(name, f"because {name}"))
            renderer(FileFailed(name, "upload", f"error about {name}"))
            renderer(Message(f"info {name}"))
            renderer(Message(f"warning {name}", "warning"))
        renderer(RunFinished(6, 6, 6, 60, 1.0))


def assert_nothing_raw(text: str) -> None:
    for raw in RAW:
        assert raw not in text.replace("\r\n", "\n"), repr(raw)


@pytest.mark.parametrize("quiet", [False, True])
def test_plain_output_escapes_every_name(quiet: bool) -> None:
    out, err = io.StringIO(), io.StringIO()
    hostile_events(PlainRenderer(out, err, quiet=quiet))
    for text in (out.getvalue(), err.getvalue()):
        assert ESCAPED.search(text.replace("\n", "")) is None
    lines = err.getvalue().splitlines()
    assert f"FAILED: {SHOWN}: error about {SHOWN}" in lines
    assert f"warning: warning {SHOWN}" in lines
    assert "FAILED: cr\\rline: error about cr\\rline" in lines
    assert "FAILED: x\\u202etxt.exe: error about x\\u202etxt.exe" in lines
    if not quiet:
        assert f"uploaded: {SHOWN} (10 B, about {SHOWN})" in lines
        assert f"skipped: {SHOWN}: because {SHOWN}" in lines
        assert "uploaded: [bold]b[/bold] :smile: (10 B, about [bold]b[/bold] :smile:)" in lines
    assert f"info {SHOWN}" in out.getvalue().splitlines()


def test_rich_output_escapes_names_and_never_reads_markup() -> None:
    out, err = Terminal(), Terminal()
    renderer = make_renderer(out, err, json_lines=False, quiet=False)
    assert isinstance(renderer, RichRenderer)
    hostile_events(renderer)
    text = err.getvalue()
    assert_nothing_raw(text)
    assert ESCAPED.search(out.getvalue().replace("\n", "")) is None
    assert f"FAILED: {SHOWN}: error about {SHOWN}" in text
    assert "uploaded: c1\\x9b2J" in text
    assert "uploaded: ls\\u2028x" in text
    # markup and emoji codes in a name are shown as written, not interpreted
    assert "uploaded: [bold]b[/bold] :smile:" in text
    assert "\U0001f604" not in text


def test_json_output_keeps_exact_names_and_writes_no_control_character() -> None:
    out, err = io.StringIO(), io.StringIO()
    hostile_events(JsonRenderer(out, err))
    text = out.getvalue()
    assert ESCAPED.search(text.replace("\n", "")) is None
    events = [json.loads(line) for line in text.splitlines()]
    failed = [e["relfilename"] for e in events if e["kind"] == "failed"]
    assert failed == [
        HOSTILE,
        "cr\rline",
        "x\u202etxt.exe",
        "ls\u2028x",
        "c1\x9b2J",
        "[bold]b[/bold] :smile:",
    ]
    assert {"kind": "message", "text": f"warning {HOSTILE}", "level": "warning"} in events
