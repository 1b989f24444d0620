"""Hostile names never reach the terminal raw: every output mode of the real CLI, both sides.

A name like ``evil\\x1b[2J\\x1b]0;pwned\\x07n`` would clear the screen and set the window title
if printed raw; a CR garbles a line; U+202E reverses what follows. For plain, quiet and rich
output (rich on a real pseudo-terminal) the bytes on stdout and stderr hold none of them and
show the escaped form; ``--json`` gives back the exact name.
"""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from aioglacier.display import ESCAPED, printable
from aioglacier.journal import read_journal

from .conftest import write

CLI = [sys.executable, "-m", "aioglacier"]
HOSTILE = "evil\x1b[2J\x1b]0;pwned\x07n"
NAMES = [HOSTILE, "cr\rhalf", "x\u202etxt.exe", "line\u2028sep", "c1\x9b2J", "[red]x[/red]:smile:"]
#: What a terminal obeys; rich writes its own ESC sequences and CRs, so look for these.
RAW = ("\x1b[2J", "\x1b]0;", "\x07", "cr\rhalf", "\u202e", "\u2028", "\x9b")


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([*CLI, *args], capture_output=True, timeout=120, check=False, env=env)


def cli_on_terminal(*args: str) -> tuple[int, str, bytes]:
    """Run with standard error on a pseudo-terminal (so the rich display is used)."""
    master, slave = pty.openpty()
    chunks: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the terminal's other side is closed
                return
            if not chunk:
                return
            chunks.append(chunk)

    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "200", "LINES": "50"}
    env.pop("NO_COLOR", None)
    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        proc = subprocess.run(
            [*CLI, *args], stdout=subprocess.PIPE, stderr=slave, timeout=120, check=False, env=env
        )
    finally:
        os.close(slave)
    reader.join(60)  # guards a hang only: the reader ends when the child's side is closed
    os.close(master)
    return proc.returncode, b"".join(chunks).decode("utf-8", "surrogateescape"), proc.stdout


def assert_clean(data: bytes) -> str:
    """No character of the escaped set in ``data`` (line feeds ending lines aside)."""
    text = data.decode("utf-8", "surrogateescape")
    found = ESCAPED.search(text.replace("\n", ""))
    assert found is None, (found, text)
    return text


def tree(base: Path) -> None:
    for i, name in enumerate(NAMES):
        write(base, name, f"data {i}".encode(), mtime=1_500_000_000 + i)
    write(base, "plain.txt", b"plain")


@pytest.mark.parametrize("mode", ["plain", "quiet", "json", "rich"])
def test_sync_output_never_carries_a_name_raw(tmp_path: Path, mode: str) -> None:
    base = tmp_path / "data"
    tree(base)
    endpoint = ["--endpoint-url", f"local:{tmp_path / 'emu'}"]
    assert cli("create-vault", "v", *endpoint).returncode == 0
    args = ["sync", "--dir", str(base), "--vault", "v", "--journal", str(tmp_path / "j")]
    args += endpoint
    if mode == "rich":
        _, err, out = cli_on_terminal(*args)
        for raw in RAW:
            assert raw not in err, (raw, err)
        assert_clean(out)
        assert "\x1b[" in err  # it really was rich's display, with its own escape sequences
        assert "evil\\x1b[2J\\x1b]0;pwned\\x07n" in err
        assert "x\\u202etxt.exe" in err
        assert "[red]x[/red]:smile:" in err
        return
    proc = cli(
        *args, *(["--quiet"] if mode == "quiet" else []), *(["--json"] if mode == "json" else [])
    )
    assert_clean(proc.stderr)
    stdout = assert_clean(proc.stdout)
    if mode == "json":
        strings = [
            value
            for line in stdout.splitlines()
            for value in json.loads(line).values()
            if isinstance(value, str)
        ]
        for name in NAMES:
            assert any(name in s for s in strings), name
        return
    err = proc.stderr.decode()
    journaled = set(read_journal(tmp_path / "j").files)
    for name in NAMES:
        # uploaded (or, where the name policy refuses it, named in the refusal): shown escaped
        if mode == "plain" or name not in journaled:
            assert printable(name) in err, name


def test_restore_side_escapes_names_from_the_journal(tmp_path: Path) -> None:
    """Names from a journal made elsewhere: restore, restore-completed, check-local-hash and
    purge-vault print them escaped (plain) or exact (JSON)."""
    journal = tmp_path / "j"
    lines = [
        f"B\t1500000000\tCREATED\tarchive{i}\t5\t1500000000\t{'0' * 64}\t{name}\n"
        for i, name in enumerate(NAMES)
    ]
    journal.write_text("".join(lines), encoding="utf-8")
    target = tmp_path / "restore"
    target.mkdir()
    endpoint = ["--endpoint-url", f"local:{tmp_path / 'emu'}"]
    assert cli("create-vault", "v", *endpoint).returncode == 0
    common = ["--vault", "v", "--journal", str(journal), *endpoint]
    runs = [
        cli("restore", "--dir", str(target), "--max-number-of-files", "100", *common),
        cli("restore-completed", "--dir", str(target), *common),
        cli("check-local-hash", "--dir", str(target), "--journal", str(journal)),
        cli("purge-vault", "--dry-run", *common),
    ]
    seen = ""
    for proc in runs:
        seen += assert_clean(proc.stdout) + assert_clean(proc.stderr)
    for name in NAMES:
        assert printable(name) in seen, name
    # A name with ESC is a legal POSIX name: it is checked (missing here), printed escaped.
    assert f"MISSING {printable(HOSTILE)}" in seen

    proc = cli("restore", "--dir", str(target), "--max-number-of-files", "100", "--json", *common)
    stdout = assert_clean(proc.stdout)
    failed = [json.loads(line) for line in stdout.splitlines()]
    names = {e.get("relfilename") for e in failed}
    assert HOSTILE in names
    assert "x\u202etxt.exe" in names


def test_error_lines_escape_names(tmp_path: Path) -> None:
    endpoint = ["--endpoint-url", f"local:{tmp_path / 'emu'}"]
    proc = cli(
        "sync", "--dir", str(tmp_path / HOSTILE), "--vault", "v", "--journal", "j", *endpoint
    )
    assert proc.returncode == 2
    assert assert_clean(proc.stderr) == (
        f"aioglacier: --dir {printable(str(tmp_path / HOSTILE))}: not a directory\n"
    )
    assert cli("create-vault", "v", *endpoint).returncode == 0
    journal = tmp_path / "j"
    data = write(tmp_path, "f", b"x")
    upload = ["upload-file", "--vault", "v", "--journal", str(journal), "--filename", str(data)]
    assert cli(*upload, "--set-rel-filename", HOSTILE, *endpoint).returncode == 0
    proc = cli(*upload, "--set-rel-filename", HOSTILE, *endpoint)
    assert proc.returncode == 1
    assert assert_clean(proc.stderr) == (
        f'aioglacier: error: file "{printable(HOSTILE)}" is already in the journal\n'
    )
