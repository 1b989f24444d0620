"""Sync's promises about deletion, stated directly: it never deletes more than asked.

- ``--delete-removed`` deletes the archives of files gone from disk, and only those: not the
  files it skipped because of ``--max-number-of-files``, not files the filters leave out, not a
  file that reappears before its turn comes;
- ``--replace-modified`` deletes an old archive only once its replacement is journaled.

The racy case (a file that comes back between the plan and its deletion) is deterministic: it
is recreated from the progress callback when its deletion is queued.
"""

from __future__ import annotations

from pathlib import Path

from aioglacier.client import Client
from aioglacier.emulator import Emulator
from aioglacier.journal import read_journal
from aioglacier.progress import Event, FileQueued

from .conftest import assert_vault_matches_tree, write

MTIME = 1_600_000_000


async def first_sync(client: Client, base: Path, journal: Path, names: list[str]) -> None:
    for name in names:
        write(base, name, f"content of {name}".encode(), mtime=MTIME)
    result = await client.sync(base, "vault", journal)
    assert result.ok, result.failed
    assert len(result.uploaded) == len(names)


async def live_archives(emulator: Emulator) -> set[str]:
    return {a.archive_id for a in await emulator.archives("vault")}


async def test_max_number_of_files_with_delete_removed_deletes_only_the_removed(
    client: Client, emulator: Emulator, tmp_path: Path
) -> None:
    base, journal = tmp_path / "data", tmp_path / "journal"
    # the journal's files come after the new ones in walk order: past the limit
    await first_sync(client, base, journal, ["p", "q", "r", "s"])
    before = read_journal(journal).files
    (base / "q").unlink()
    for name in ("a1", "a2", "a3"):
        write(base, name, name.encode(), mtime=MTIME)
    result = await client.sync(
        base, "vault", journal, new=True, delete_removed=True, max_number_of_files=1
    )
    assert result.ok, result.failed
    assert [f.relfilename for f in result.uploaded] == ["a1"]
    assert [(f.relfilename, f.archive_id) for f in result.deleted] == [
        ("q", before["q"].archive_id)
    ]
    assert result.skipped == []  # p, r and s were never candidates for deletion
    state = read_journal(journal)
    assert sorted(state.files) == ["a1", "p", "r", "s"]
    assert {state.files[n].archive_id for n in "prs"} == {before[n].archive_id for n in "prs"}
    assert await live_archives(emulator) == {r.archive_id for r in state.files.values()}


async def test_max_number_of_files_with_replace_and_delete(
    client: Client, emulator: Emulator, tmp_path: Path
) -> None:
    """Past the limit nothing is replaced, and nothing is taken for removed either."""
    base, journal = tmp_path / "data", tmp_path / "journal"
    await first_sync(client, base, journal, ["a", "b", "c"])
    for name in ("a", "b", "c"):
        write(base, name, f"new and longer content of {name}".encode(), mtime=MTIME + 1)
    result = await client.sync(
        base,
        "vault",
        journal,
        replace_modified=True,
        delete_removed=True,
        max_number_of_files=2,
    )
    assert result.ok, result.failed
    assert sorted(f.relfilename for f in result.replaced) == ["a", "b"]
    assert result.deleted == []
    assert result.skipped == []  # c is past the limit, not removed
    state = read_journal(journal)
    assert sorted(state.files) == ["a", "b", "c"]
    assert state.files["c"].size == len(b"content of c")
    assert await live_archives(emulator) == {r.archive_id for r in state.files.values()}


async def test_delete_removed_spares_files_the_filter_leaves_out(
    client: Client, emulator: Emulator, tmp_path: Path
) -> None:
    base, journal = tmp_path / "data", tmp_path / "journal"
    await first_sync(client, base, journal, ["x.jpg", "y.txt", "z.jpg"])
    for name in ("x.jpg", "y.txt"):
        (base / name).unlink()
    result = await client.sync(
        base, "vault", journal, delete_removed=True, filters=[("filter", "+*.jpg -")]
    )
    assert [f.relfilename for f in result.deleted] == ["x.jpg"]
    assert sorted(read_journal(journal).files) == ["y.txt", "z.jpg"]
    assert len(await live_archives(emulator)) == 2


async def test_file_back_before_its_deletion_is_not_deleted(
    client: Client, emulator: Emulator, tmp_path: Path
) -> None:
    base, journal = tmp_path / "data", tmp_path / "journal"
    await first_sync(client, base, journal, ["dir one/back again", "gone"])
    (base / "dir one" / "back again").unlink()
    (base / "gone").unlink()

    def on_event(event: Event) -> None:
        if isinstance(event, FileQueued) and event.relfilename == "dir one/back again":
            assert event.action == "delete"
            write(base, "dir one/back again", b"restored by hand", mtime=MTIME)

    result = await client.sync(base, "vault", journal, delete_removed=True, progress=on_event)
    assert [f.relfilename for f in result.deleted] == ["gone"]
    assert [(f.relfilename, f.reason) for f in result.skipped] == [
        ("dir one/back again", "still on disk")
    ]
    assert sorted(read_journal(journal).files) == ["dir one/back again"]
    assert len(await live_archives(emulator)) == 1


async def test_replace_modified_deletes_the_old_archive_only_after_the_new_one(
    client: Client, emulator: Emulator, tmp_path: Path
) -> None:
    base, journal = tmp_path / "data", tmp_path / "journal"
    await first_sync(client, base, journal, ["f"])
    old = read_journal(journal).files["f"].archive_id
    write(base, "f", b"a longer, modified content", mtime=MTIME + 5)
    result = await client.sync(base, "vault", journal, replace_modified=True)
    assert result.ok, result.failed
    [replaced] = result.replaced
    lines = journal.read_text().splitlines()
    assert [line.split("\t")[2] for line in lines] == ["CREATED", "CREATED", "DELETED"]
    assert lines[2].split("\t")[3] == old
    assert lines[1].split("\t")[3] == replaced.archive_id != old
    await assert_vault_matches_tree(emulator, "vault", journal, base)
