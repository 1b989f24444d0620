"""File names end to end: what sync uploads, restore restores on the same platform (issue 13,
defect 1), and restores never touch a file they did not create (defect 3)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from aioglacier import staging
from aioglacier.client import Client
from aioglacier.emulator import Emulator
from aioglacier.journal import read_journal
from aioglacier.progress import Event, FileStarted

from .conftest import assert_vault_matches_tree, make_client, write

#: Names Linux file systems hold and the Linux kernel tree has (drivers/.../aux.c), which an
#: earlier version uploaded and then refused to restore.
POSIX_TREE: dict[str, bytes] = {
    "drivers/aux.c": b"/* aux */\n",
    "con.h": b"#define CON 1\n",
    "nul.txt": b"not the null device",
    "prn.tar.gz": os.urandom(3000),
    "esc\x1b[1mname": b"escape",
    "del\x7fname": b"delete",
    "back\\slash": b"a backslash is an ordinary character on POSIX",
}


#: One word spelled twice: two different names on Linux (and Windows), two files.
NFC_NFD = {"caf\u00e9": b"composed", "cafe\u0301": b"decomposed"}


def make(base: Path, files: dict[str, bytes]) -> None:
    for i, (name, data) in enumerate(files.items()):
        write(base, name, data, mtime=1_500_000_000 + i)


def wipe(base: Path) -> None:
    for path in sorted(base.rglob("*"), reverse=True):
        if path.is_dir():
            path.rmdir()
        else:
            path.unlink()


def tree(base: Path) -> dict[str, bytes]:
    """Every file under ``base`` by relative name (hidden ones too)."""
    out = {}
    for root, _dirs, files in os.walk(base):
        for name in files:
            path = Path(root) / name
            out[path.relative_to(base).as_posix()] = path.read_bytes()
    return out


async def test_names_linux_holds_sync_and_restore_byte_identical(
    client: Client, emulator: Emulator, tmp_path: Path
) -> None:
    files = POSIX_TREE | NFC_NFD
    base = tmp_path / "data"
    make(base, files)
    journal = tmp_path / "journal"
    result = await client.sync(base, "vault", journal)
    assert sorted(f.relfilename for f in result.uploaded) == sorted(files)
    assert result.failed == []
    await assert_vault_matches_tree(emulator, "vault", journal, base)
    wipe(base)
    started = await client.restore(base, "vault", journal, max_number_of_files=100)
    assert sorted(o.relfilename for o in started.done) == sorted(files)
    assert started.failed == []
    restored = await client.restore_completed(base, "vault", journal)
    assert sorted(o.relfilename for o in restored.done) == sorted(files)
    assert restored.failed == []
    assert tree(base) == files
    for i, name in enumerate(files):
        assert int(base.joinpath(*name.split("/")).stat().st_mtime) == 1_500_000_000 + i


async def test_names_that_could_never_be_restored_are_refused_at_sync(
    client: Client, emulator: Emulator, tmp_path: Path
) -> None:
    base = tmp_path / "data"
    make(base, {"ok.txt": b"fine", "tab\there": b"t", "cr\rhere": b"c", "lf\nhere": b"l"})
    (base / "dir\tname").mkdir()
    (base / "dir\tname" / "inside").write_bytes(b"i")
    with open(os.fsencode(base) + b"/latin1-\xe9t\xe9.txt", "wb") as f:
        f.write(b"not UTF-8")
    journal = tmp_path / "journal"
    result = await client.sync(base, "vault", journal)
    assert [f.relfilename for f in result.uploaded] == ["ok.txt"]
    never = "not uploaded, it could never be restored: "
    chars = "the name contains a TAB, CR, LF or NUL character, which the journal cannot hold"
    assert sorted((f.relfilename, f.reason) for f in result.failed) == [
        ("cr\rhere", never + chars),
        ("dir\tname/inside", never + chars),
        ("latin1-\udce9t\udce9.txt", never + "the name is not valid Unicode (undecodable bytes?)"),
        ("lf\nhere", never + chars),
        ("tab\there", never + chars),
    ]
    assert list(read_journal(journal).files) == ["ok.txt"]
    assert len(await emulator.archives("vault")) == 1


def test_cli_sync_then_restore_of_windows_device_names_on_linux(tmp_path: Path) -> None:
    """The issue's report, as a user runs it: sync, restore, restore-completed, all exit 0."""
    endpoint = ["--endpoint-url", f"local:{tmp_path / 'emu'}"]
    base = tmp_path / "data"
    make(base, POSIX_TREE)
    common = ["--dir", str(base), "--vault", "v", "--journal", str(tmp_path / "j"), *endpoint]

    def run(*args: str) -> str:
        out = subprocess.run(
            [sys.executable, "-m", "aioglacier", *args],
            capture_output=True,
            timeout=120,
            check=False,
        )
        assert out.returncode == 0, out.stderr.decode(errors="replace")
        return out.stderr.decode(errors="replace")

    run("create-vault", "v", *endpoint)
    assert "sync: 7 uploaded, 0 replaced, 0 deleted, 0 skipped, 0 failed" in run("sync", *common)
    wipe(base)
    assert "restore: 7 retrieval jobs started, 0 skipped, 0 failed" in run(
        "restore", *common, "--max-number-of-files", "100"
    )
    assert "restore-completed: 7 downloaded, 0 skipped, 0 failed" in run(
        "restore-completed", *common
    )
    assert tree(base) == POSIX_TREE


#: POSIX_TREE as a restore on Windows writes it with --escape-windows-names.
ESCAPED = {
    "drivers/%61ux.c": "drivers/aux.c",
    "%63on.h": "con.h",
    "%6Eul.txt": "nul.txt",
    "%70rn.tar.gz": "prn.tar.gz",
    "esc%1B[1mname": "esc\x1b[1mname",
    "del\x7fname": "del\x7fname",  # DEL is a legal Windows character
    "back%5Cslash": "back\\slash",
}


async def test_windows_rules_refuse_or_escape_what_windows_cannot_hold(
    client: Client, tmp_path: Path
) -> None:
    base = tmp_path / "data"
    make(base, POSIX_TREE)
    journal = tmp_path / "journal"
    assert (await client.sync(base, "vault", journal)).ok
    wipe(base)
    refused = await client.restore(
        base, "vault", journal, max_number_of_files=100, platform="windows"
    )
    assert [o.relfilename for o in refused.done] == ["del\x7fname"]
    details = {o.relfilename: o.detail for o in refused.failed}
    assert len(details) == 6
    assert details["drivers/aux.c"] == (
        "refused: unsafe path 'drivers/aux.c': 'aux.c' is a Windows device name"
    )
    assert details["back\\slash"] == (
        "refused: unsafe path 'back\\\\slash': the name contains a backslash, a separator on "
        "Windows"
    )
    started = await client.restore(
        base,
        "vault",
        journal,
        max_number_of_files=100,
        platform="windows",
        escape_windows_names=True,
    )
    assert sorted(o.relfilename for o in started.done) == sorted(set(POSIX_TREE) - {"del\x7fname"})
    restored = await client.restore_completed(
        base, "vault", journal, platform="windows", escape_windows_names=True
    )
    assert restored.failed == []
    notes = {o.relfilename: o.detail for o in restored.done}
    assert len(notes) == 7
    assert notes["del\x7fname"] == ""
    assert notes["drivers/aux.c"] == (
        "restored as 'drivers/%61ux.c': Windows cannot hold the name 'drivers/aux.c'"
    )
    assert tree(base) == {local: POSIX_TREE[name] for local, name in ESCAPED.items()}
    # A second run finds every file in place under its escaped name: nothing to do.
    again = await client.restore_completed(
        base, "vault", journal, platform="windows", escape_windows_names=True
    )
    assert (again.done, again.failed) == ([], [])


# --------------------------------------------------------------------------------- defect 3


@pytest.fixture(params=["anonymous", "named"])
def temp_files(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test with Linux's anonymous temporary files, and with the named fallback that
    other systems (and file systems without O_TMPFILE) use."""
    if request.param == "named":
        monkeypatch.setattr(staging, "_O_TMPFILE", 0)  # as on a system without it
    return str(request.param)


async def test_a_file_named_like_a_temporary_file_is_never_touched(
    client: Client, tmp_path: Path, temp_files: str
) -> None:
    files = {"x": os.urandom(5000), ".x.aioglacier-part": b"the user's own file"}
    base = tmp_path / "data"
    make(base, files)
    journal = tmp_path / "journal"
    result = await client.sync(base, "vault", journal)
    assert sorted(f.relfilename for f in result.uploaded) == sorted(files)
    # Only x is missing: its restore must not truncate, link or remove the other file.
    (base / "x").unlink()
    await client.restore(base, "vault", journal, max_number_of_files=10)
    restored = await client.restore_completed(base, "vault", journal)
    assert [o.relfilename for o in restored.done] == ["x"]
    assert restored.failed == []
    assert tree(base) == files
    # Both missing: restored side by side, neither one in place of the other.
    wipe(base)
    await client.restore(base, "vault", journal, max_number_of_files=10)
    restored = await client.restore_completed(base, "vault", journal)
    assert sorted(o.relfilename for o in restored.done) == sorted(files)
    assert tree(base) == files


@pytest.mark.parametrize("segment", [None, 1024 * 1024], ids=["whole", "segments"])
async def test_a_file_that_appears_during_the_download_is_not_overwritten(
    client: Client, tmp_path: Path, temp_files: str, segment: int | None
) -> None:
    files = {"sub/late": os.urandom(3 * 1024 * 1024), "other": b"other"}
    base = tmp_path / "data"
    make(base, files)
    journal = tmp_path / "journal"
    await client.sync(base, "vault", journal)
    wipe(base)
    await client.restore(base, "vault", journal, max_number_of_files=10)

    def progress(event: Event) -> None:
        # The download of sub/late has started (the target was missing when the run began);
        # now someone else writes the file.
        if isinstance(event, FileStarted) and event.relfilename == "sub/late":
            write(base, "sub/late", b"written by someone else")

    result = await client.restore_completed(
        base, "vault", journal, segment_size=segment, progress=progress
    )
    assert [o.relfilename for o in result.done] == ["other"]
    assert [(o.relfilename, o.detail) for o in result.failed] == [
        ("sub/late", "file appeared while it was downloaded; not overwritten")
    ]
    assert tree(base) == {"sub/late": b"written by someone else", "other": b"other"}


async def test_no_temporary_file_is_left_after_a_failed_download(
    emulator: Emulator, tmp_path: Path, temp_files: str
) -> None:
    files = {"bad-whole": os.urandom(1000), "bad-segmented": os.urandom(3 * 1024 * 1024)}
    base = tmp_path / "data"
    make(base, files)
    journal = tmp_path / "journal"
    async with make_client(emulator, attempts=2) as client:
        await client.create_vault("vault")
        await client.sync(base, "vault", journal)
        wipe(base)
        await client.restore(base, "vault", journal, max_number_of_files=10)
        state = read_journal(journal)
        for name in files:  # corrupt both archives in the store: every attempt fails
            stored = emulator.archive_path(state.files[name].archive_id)
            raw = bytearray(stored.read_bytes())
            raw[-1] ^= 0xFF
            stored.write_bytes(bytes(raw))
        result = await client.restore_completed(base, "vault", journal, segment_size=1024 * 1024)
    assert result.done == []
    assert sorted(o.relfilename for o in result.failed) == sorted(files)
    assert tree(base) == {}
    assert list(base.iterdir()) == []


async def test_sync_skips_leftovers_of_an_interrupted_restore(
    client: Client, tmp_path: Path
) -> None:
    base = tmp_path / "data"
    leftover = ".aioglacier-part-0123456789abcdef0123"
    make(base, {"a": b"a", f"d/{leftover}": b"half a download", ".aioglacier-part-x": b"mine"})
    journal = tmp_path / "journal"
    result = await client.sync(base, "vault", journal)
    assert sorted(f.relfilename for f in result.uploaded) == [".aioglacier-part-x", "a"]
    assert result.failed == []
    assert [(f.relfilename, f.reason) for f in result.skipped] == [
        (
            f"d/{leftover}",
            "not uploaded: a partial download left by an interrupted restore "
            "(aioglacier's temporary file name); delete it",
        )
    ]
    assert sorted(read_journal(journal).files) == [".aioglacier-part-x", "a"]
