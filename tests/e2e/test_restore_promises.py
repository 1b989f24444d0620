"""The restore side's promises, stated directly (README, "Behaviour worth knowing"):

- a restore never overwrites an existing file, even one that appears while it is downloaded;
- nothing unverified lands: a download lands under its final name only once its tree hash
  matched the journal's, whether it came in one request or in segments;
- ``restore`` pays for no retrieval it does not need: none for a file already on disk, none for
  a file with a job in the last 24 hours, never more than ``--max-number-of-files``;
- purge deletes what the journal holds, nothing else.

The racy case (a file appearing during the download) is made deterministic by creating the file
from the progress callback, which the download calls once the bytes are in hand and before they
are put in place.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from aioglacier.client import Client
from aioglacier.emulator import Emulator
from aioglacier.journal import read_journal
from aioglacier.progress import BytesTransferred, Event
from aioglacier.restore import RETRIEVE_JOB_WINDOW
from aioglacier.treehash import tree_hash

from .conftest import MIB, make_client, write

NOW = 1_700_000_000
MTIME = 1_500_000_000


async def synced(client: Client, base: Path, journal: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        write(base, name, data, mtime=MTIME)
    result = await client.sync(base, "vault", journal)
    assert result.ok, result.failed


def wipe(base: Path) -> None:
    for path in sorted(base.rglob("*"), reverse=True):
        if path.is_dir():
            path.rmdir()
        else:
            path.unlink()


def entries(base: Path) -> list[str]:
    """Every name under ``base`` (temporary files included), sorted."""
    return sorted(str(p.relative_to(base)) for p in base.rglob("*"))


def retrieve_job_lines(journal: Path) -> list[str]:
    return [line for line in journal.read_text().splitlines() if "\tRETRIEVE_JOB\t" in line]


@pytest.mark.parametrize(
    ("size", "segment_size"),
    [(1000, None), (3 * MIB + 5, MIB)],
    ids=["one-request", "segmented"],
)
async def test_file_appearing_during_download_is_never_overwritten(
    client: Client, tmp_path: Path, size: int, segment_size: int | None
) -> None:
    base, journal = tmp_path / "data", tmp_path / "journal"
    files = {"sub/photo.jpg": os.urandom(size), "other": b"other file"}
    await synced(client, base, journal, files)
    wipe(base)
    started = await client.restore(base, "vault", journal, max_number_of_files=10)
    assert len(started.done) == 2
    target = base / "sub" / "photo.jpg"

    def appear(event: Event) -> None:
        # The bytes are downloaded (and verified) but not yet in place: the user's own file
        # appears under the same name right now.
        ours = isinstance(event, BytesTransferred) and event.relfilename == "sub/photo.jpg"
        if ours and not target.exists():
            target.write_bytes(b"the user's new file")

    result = await client.restore_completed(
        base, "vault", journal, segment_size=segment_size, progress=appear
    )
    assert target.read_bytes() == b"the user's new file"
    assert [(o.relfilename, o.detail) for o in result.failed] == [
        ("sub/photo.jpg", "file appeared while it was downloaded; not overwritten")
    ]
    assert [o.relfilename for o in result.done] == ["other"]
    assert (base / "other").read_bytes() == b"other file"
    assert entries(base) == ["other", "sub", "sub/photo.jpg"]  # no temporary file left


@pytest.mark.parametrize(
    ("size", "segment_size"),
    [(1000, None), (3 * MIB + 5, MIB)],
    ids=["one-request", "segmented"],
)
async def test_download_not_matching_the_journal_never_lands(
    client: Client, tmp_path: Path, size: int, segment_size: int | None
) -> None:
    """The service's bytes agree with the service's tree hashes, but not with the journal's
    tree hash of the file: the download fails and nothing lands, temporary file included."""
    base, journal = tmp_path / "data", tmp_path / "journal"
    await synced(client, base, journal, {"f.bin": os.urandom(size), "ok": b"fine"})
    wipe(base)
    await client.restore(base, "vault", journal, max_number_of_files=10)
    good = read_journal(journal).files["f.bin"].treehash
    wrong = tree_hash(b"some other content").hex()
    journal.write_text(journal.read_text().replace(good, wrong))
    result = await client.restore_completed(base, "vault", journal, segment_size=segment_size)
    assert [(o.relfilename, o.detail) for o in result.failed] == [
        ("f.bin", f"tree hash of the download {good} differs from the journal's {wrong}")
    ]
    assert [o.relfilename for o in result.done] == ["ok"]
    assert entries(base) == ["ok"]


async def test_restore_starts_no_job_for_a_file_already_on_disk(
    client: Client, emulator: Emulator, tmp_path: Path
) -> None:
    base, journal = tmp_path / "data", tmp_path / "journal"
    await synced(client, base, journal, {"here": b"on disk", "gone": b"was deleted"})
    (base / "gone").unlink()
    result = await client.restore(base, "vault", journal, max_number_of_files=10)
    state = read_journal(journal)
    assert [o.relfilename for o in result.done] == ["gone"]
    assert result.skipped == []
    jobs = await client.list_jobs("vault")
    assert [j["ArchiveId"] for j in jobs] == [state.files["gone"].archive_id]
    assert len(retrieve_job_lines(journal)) == 1
    # and restore-completed downloads nothing over the file on disk
    done = await client.restore_completed(base, "vault", journal)
    assert [o.relfilename for o in done.done] == ["gone"]
    assert (base / "here").read_bytes() == b"on disk"


async def test_restore_window_of_24_hours(emulator: Emulator, tmp_path: Path) -> None:
    """A file with a retrieval job less than 24 hours old gets no new one; at 24 hours it does."""
    base, journal = tmp_path / "data", tmp_path / "journal"
    now = [float(NOW)]
    clock: Callable[[], float] = lambda: now[0]  # noqa: E731
    async with make_client(emulator, clock=clock) as client:
        await client.create_vault("vault")
        await synced(client, base, journal, {"f": b"data"})
        wipe(base)
        first = await client.restore(base, "vault", journal, max_number_of_files=10)
        assert [o.relfilename for o in first.done] == ["f"]
        now[0] = NOW + RETRIEVE_JOB_WINDOW - 1
        again = await client.restore(base, "vault", journal, max_number_of_files=10)
        assert again.done == []
        assert [(o.relfilename, o.detail) for o in again.skipped] == [
            ("f", "retrieval job started within 24 hours")
        ]
        assert len(await client.list_jobs("vault")) == 1
        now[0] = NOW + RETRIEVE_JOB_WINDOW
        later = await client.restore(base, "vault", journal, max_number_of_files=10)
        assert [o.relfilename for o in later.done] == ["f"]
        assert later.skipped == []
        assert len(await client.list_jobs("vault")) == 2
    assert [line.split("\t")[1] for line in retrieve_job_lines(journal)] == [
        str(NOW),
        str(NOW + RETRIEVE_JOB_WINDOW),
    ]
    assert RETRIEVE_JOB_WINDOW == 24 * 3600


async def test_restore_starts_at_most_max_number_of_files_jobs(
    client: Client, tmp_path: Path
) -> None:
    base, journal = tmp_path / "data", tmp_path / "journal"
    files = {f"f{i}": f"file {i}".encode() for i in range(5)}
    await synced(client, base, journal, files)
    wipe(base)
    result = await client.restore(base, "vault", journal, max_number_of_files=3)
    assert sorted(o.relfilename for o in result.done) == ["f0", "f1", "f2"]
    assert len(await client.list_jobs("vault")) == 3
    assert len(retrieve_job_lines(journal)) == 3
    dry = await client.restore(base, "vault", journal, max_number_of_files=1, dry_run=True)
    state = read_journal(journal)
    assert [(o.relfilename, o.detail) for o in dry.planned] == [
        ("f3", f"Will RETRIEVE archive {state.files['f3'].archive_id} (file f3)")
    ]
    assert len(await client.list_jobs("vault")) == 3  # a dry run starts nothing


async def test_purge_deletes_only_the_journals_archives(
    client: Client, emulator: Emulator, tmp_path: Path
) -> None:
    base, journal = tmp_path / "data", tmp_path / "journal"
    await synced(client, base, journal, {"a": b"1", "b": b"2"})
    # an archive the journal does not know (another tool's) must survive a purge
    foreign = await client.api.upload_archive(
        "vault",
        b"foreign",
        description="not ours",
        tree_hash=tree_hash(b"foreign").hex(),
        sha256=hashlib.sha256(b"foreign").hexdigest(),
    )
    result = await client.purge_vault("vault", journal, filters=[("filter", "+a -")])
    assert [o.relfilename for o in result.done] == ["a"]
    left = sorted(a.archive_id for a in await emulator.archives("vault"))
    assert left == sorted([foreign, read_journal(journal).files["b"].archive_id])
    assert list(read_journal(journal).files) == ["b"]
