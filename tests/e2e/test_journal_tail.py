"""The journal's last line, end to end: a whole record without its newline is a record (no
upload again, no orphan); a torn line is kept in a side file the warning names."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from aioglacier.client import Client
from aioglacier.emulator import Emulator
from aioglacier.journal import read_journal
from aioglacier.progress import Event, Message

from .conftest import write


async def test_sync_after_truncate_minus_one_uploads_nothing_again(
    client: Client, emulator: Emulator, tmp_path: Path
) -> None:
    base = tmp_path / "data"
    write(base, "a.txt", b"alpha")
    write(base, "b/ü.bin", os.urandom(5000))
    journal = tmp_path / "journal"
    assert len((await client.sync(base, "vault", journal)).uploaded) == 2
    text = journal.read_bytes()
    journal.write_bytes(text[:-1])  # truncate -s -1
    events: list[Event] = []
    again = await client.sync(base, "vault", journal, progress=events.append)
    assert again.ok
    assert again.uploaded == []
    assert [e for e in events if isinstance(e, Message) and e.level == "warning"] == []
    assert journal.read_bytes() == text[:-1]  # nothing to write: the journal is untouched
    assert len(await emulator.archives("vault")) == 2
    write(base, "c", b"new")
    third = await client.sync(base, "vault", journal)
    assert [f.relfilename for f in third.uploaded] == ["c"]
    data = journal.read_bytes()
    assert data.startswith(text)  # the newline came back, before the new line
    state = read_journal(journal)
    assert state.torn_tail is None
    assert sorted(state.files) == ["a.txt", "b/ü.bin", "c"]
    assert {a.archive_id for a in await emulator.archives("vault")} == set(state.archives)


async def test_sync_sets_a_torn_line_aside_and_names_the_side_file(
    client: Client, emulator: Emulator, tmp_path: Path
) -> None:
    base = tmp_path / "data"
    write(base, "a.txt", b"alpha")
    journal = tmp_path / "journal"
    await client.sync(base, "vault", journal)
    text = journal.read_bytes()
    fragment = b"B\t1700000000\tCREATED\tsomeid\t5\t17000"
    journal.write_bytes(text + fragment)
    write(base, "b.txt", b"beta")
    events: list[Event] = []
    result = await client.sync(base, "vault", journal, progress=events.append)
    assert [f.relfilename for f in result.uploaded] == ["b.txt"]
    [side] = [p for p in tmp_path.iterdir() if p.name.startswith("journal.torn-")]
    assert side.read_bytes() == fragment
    warnings = [e.text for e in events if isinstance(e, Message) and e.level == "warning"]
    assert warnings == [
        f"journal: {journal}: incomplete last line ({len(fragment)} bytes at offset "
        f"{len(text)}, no newline, and not a whole record: a write interrupted by a crash?) "
        f"moved to {side}: {fragment.decode()!r}"
    ]
    state = read_journal(journal)
    assert state.torn_tail is None
    assert sorted(state.files) == ["a.txt", "b.txt"]
    assert journal.read_bytes().startswith(text)


def test_cli_warns_naming_the_side_file(tmp_path: Path) -> None:
    base = tmp_path / "data"
    write(base, "a.txt", b"alpha")
    journal = tmp_path / "journal"
    endpoint = ["--endpoint-url", f"local:{tmp_path / 'emu'}"]
    cli = [sys.executable, "-m", "aioglacier"]
    subprocess.run([*cli, "create-vault", "v", *endpoint], check=True, capture_output=True)
    journal.write_bytes(b"B\t1\tCREA")
    out = subprocess.run(
        [*cli, "sync", "--dir", str(base), "--vault", "v", "--journal", str(journal), *endpoint],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr.decode()
    [side] = [p for p in tmp_path.iterdir() if p.name.startswith("journal.torn-")]
    assert side.read_bytes() == b"B\t1\tCREA"
    lines = out.stderr.decode().splitlines()
    assert [line for line in lines if "incomplete last line" in line] == [
        f"warning: journal: {journal}: incomplete last line (8 bytes at offset 0, no newline, "
        f"and not a whole record: a write interrupted by a crash?) moved to {side}: "
        + repr("B\t1\tCREA")
    ]
    assert list(read_journal(journal).files) == ["a.txt"]
