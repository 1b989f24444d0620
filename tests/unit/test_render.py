"""The CLI's renderers: every outcome line reaches the user, JSON lines parse, rich stays cheap."""

from __future__ import annotations

import io
import json

from aioglacier.progress import (
    BytesTransferred,
    FileDone,
    FileFailed,
    FileQueued,
    FileSkipped,
    FileStarted,
    RunFinished,
)
from aioglacier.render import JsonRenderer, PlainRenderer, RichRenderer, make_renderer


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
