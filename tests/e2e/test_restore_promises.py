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
from aioglacier.progress import (
    BytesTransferred,
    Event,
    FileDone,
    FileFailed,
    FileQueued,
    FileStarted,
    Message,
    RunFinished,
)
from aioglacier.restore import RETRIEVE_JOB_WINDOW, Outcome
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


async def test_restore_asks_again_only_when_the_job_is_gone(
    emulator: Emulator, tmp_path: Path
) -> None:
    """A retrieval job the service still lists blocks a second (paid) request, whatever the
    journal's clock says; once the job expired (24 hours after completion), a new one starts."""
    base, journal = tmp_path / "data", tmp_path / "journal"
    now = [float(NOW)]
    clock: Callable[[], float] = lambda: now[0]  # noqa: E731
    async with make_client(emulator, clock=clock) as client:
        await client.create_vault("vault")
        await synced(client, base, journal, {"f": b"data"})
        wipe(base)
        first = await client.restore(base, "vault", journal, max_number_of_files=10)
        assert [o.relfilename for o in first.done] == ["f"]
        [job] = await client.list_jobs("vault")
        now[0] = NOW + RETRIEVE_JOB_WINDOW + 1  # mtglacier's window is over; the job is not
        again = await client.restore(base, "vault", journal, max_number_of_files=10)
        assert again.done == []
        assert [(o.relfilename, o.detail) for o in again.skipped] == [
            ("f", f"retrieval job {job['JobId']} completed: run restore-completed")
        ]
        assert len(await client.list_jobs("vault")) == 1
        emulator.advance_clock(25 * 3600)  # the job's output expired
        later = await client.restore(base, "vault", journal, max_number_of_files=10)
        assert [o.relfilename for o in later.done] == ["f"]
        assert later.skipped == []
        assert len(await client.list_jobs("vault")) == 1  # the new one
    assert [line.split("\t")[1] for line in retrieve_job_lines(journal)] == [
        str(NOW),
        str(NOW + RETRIEVE_JOB_WINDOW + 1),
    ]


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


async def test_every_outcome_and_event_of_a_two_pass_restore(
    client: Client, emulator: Emulator, tmp_path: Path
) -> None:
    """What restore, restore-completed and purge report, exactly: each file's outcome (status,
    detail, archive id, size) and each progress event the display and --json show."""
    base, journal = tmp_path / "data", tmp_path / "journal"
    files = {"big": os.urandom(2 * MIB + 1), "here": b"on disk", "small": b"tiny", "sub/x": b"x"}
    await synced(client, base, journal, files)
    for name in ("big", "small", "sub/x"):
        base.joinpath(*name.split("/")).unlink()
    (base / "sub").rmdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, base / "sub")  # sub/x is now refused
    state = read_journal(journal)
    aid = {name: r.archive_id for name, r in state.files.items()}
    events: list[Event] = []
    started = await client.restore(
        base, "vault", journal, max_number_of_files=10, progress=events.append
    )
    jobs = {j["ArchiveId"]: j["JobId"] for j in await client.list_jobs("vault")}
    refused = "refused: unsafe path 'sub/x': directory 'sub' is a symlink"
    assert sorted(started.outcomes, key=lambda o: o.relfilename) == [
        Outcome("big", "done", f"job {jobs[aid['big']]}", aid["big"]),
        Outcome("small", "done", f"job {jobs[aid['small']]}", aid["small"]),
        Outcome("sub/x", "failed", refused),
    ]
    size = {name: len(data) for name, data in files.items()}
    assert sorted(
        (e for e in events if e.kind != "finished"), key=lambda e: (e.relfilename, e.kind)
    ) == [
        FileDone("big", "retrieve", size["big"], aid["big"]),
        FileStarted("big", "retrieve", size["big"]),
        FileDone("small", "retrieve", size["small"], aid["small"]),
        FileStarted("small", "retrieve", size["small"]),
        FileFailed("sub/x", "retrieve", refused),
    ]
    assert isinstance(events[-1], RunFinished)
    assert (events[-1].done, events[-1].skipped, events[-1].failed) == (2, 0, 1)
    assert started.bytes_done == 0

    events.clear()
    done = await client.restore_completed(
        base, "vault", journal, segment_size=MIB, progress=events.append
    )
    assert sorted(done.outcomes, key=lambda o: o.relfilename) == [
        Outcome("big", "done", "", aid["big"], size["big"]),
        Outcome("small", "done", "", aid["small"], size["small"]),
        Outcome("sub/x", "failed", refused),
    ]
    assert done.bytes_done == size["big"] + size["small"]
    by_file: dict[str, list[Event]] = {}
    for e in events:
        by_file.setdefault(getattr(e, "relfilename", "(run)"), []).append(e)
    assert by_file["small"] == [
        FileQueued("small", "download", 4),
        FileStarted("small", "download", 4),
        BytesTransferred("small", 4),
        FileDone("small", "download", 4, aid["small"]),
    ]
    big = by_file["big"]
    assert big[:2] == [
        FileQueued("big", "download", size["big"]),
        FileStarted("big", "download", size["big"]),
    ]
    assert sorted(e.nbytes for e in big[2:-1] if isinstance(e, BytesTransferred)) == [1, MIB, MIB]
    assert big[-1] == FileDone("big", "download", size["big"], aid["big"])
    assert by_file["sub/x"] == [FileFailed("sub/x", "download", refused)]
    [finished] = by_file["(run)"]
    assert isinstance(finished, RunFinished)
    assert (finished.done, finished.skipped, finished.failed, finished.bytes) == (
        2,
        0,
        1,
        size["big"] + size["small"],
    )
    for name in ("big", "small"):
        assert (base / name).read_bytes() == files[name]
        assert int((base / name).stat().st_mtime) == MTIME

    (base / "sub").unlink()
    events.clear()
    purged = await client.purge_vault("vault", journal, progress=events.append)
    assert sorted(purged.outcomes, key=lambda o: o.relfilename) == [
        Outcome(name, "done", "", aid[name], size[name]) for name in sorted(files)
    ]
    assert purged.bytes_done == sum(size.values())
    assert sorted(
        (e for e in events if e.kind != "finished"), key=lambda e: (e.relfilename, e.kind)
    ) == [
        event
        for name in sorted(files)
        for event in (
            FileDone(name, "purge", size[name], aid[name]),
            FileStarted(name, "purge", size[name]),
        )
    ]
    assert await emulator.archives("vault") == []
    lines = journal.read_text().splitlines()
    assert sorted(line.split("\t")[2:] for line in lines if "\tDELETED\t" in line) == sorted(
        ["DELETED", aid[name], name] for name in files
    )


async def test_dry_runs_plan_exactly_and_touch_nothing(
    client: Client, emulator: Emulator, tmp_path: Path
) -> None:
    base, journal = tmp_path / "data", tmp_path / "journal"
    await synced(client, base, journal, {"a": b"1", "b": b"22"})
    aid = {n: r.archive_id for n, r in read_journal(journal).files.items()}
    wipe(base)
    events: list[Event] = []
    planned = await client.restore(
        base, "vault", journal, max_number_of_files=5, dry_run=True, progress=events.append
    )
    lines = [f"Will RETRIEVE archive {aid[n]} (file {n})" for n in ("a", "b")]
    assert planned.outcomes == [
        Outcome(n, "planned", line, aid[n]) for n, line in zip("ab", lines, strict=True)
    ]
    assert [e.text for e in events if isinstance(e, Message)] == lines
    assert await client.list_jobs("vault") == []
    await client.restore(base, "vault", journal, max_number_of_files=5)
    jobs = {j["ArchiveId"]: j["JobId"] for j in await client.list_jobs("vault")}
    events.clear()
    planned = await client.restore_completed(
        base, "vault", journal, dry_run=True, progress=events.append
    )
    lines = [f"Will DOWNLOAD {n} (archive {aid[n]}, job {jobs[aid[n]]})" for n in ("a", "b")]
    assert sorted(planned.outcomes, key=lambda o: o.relfilename) == [
        Outcome(n, "planned", line) for n, line in zip("ab", lines, strict=True)
    ]
    assert sorted(e.text for e in events if isinstance(e, Message)) == lines
    assert entries(base) == []
    events.clear()
    planned = await client.purge_vault("vault", journal, dry_run=True, progress=events.append)
    lines = [f"Will DELETE archive {aid[n]} (file {n})" for n in ("a", "b")]
    assert sorted(planned.outcomes, key=lambda o: o.relfilename) == [
        Outcome(n, "planned", line, aid[n]) for n, line in zip("ab", lines, strict=True)
    ]
    assert len(await emulator.archives("vault")) == 2
