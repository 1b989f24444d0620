"""The migrate engine on two fake stores: a vault-shaped source and a bucket-shaped destination
(no HTTP, no emulator; faults injected by the test)."""

from __future__ import annotations

import errno
import hashlib
import os
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import pytest

from aioglacier.backends.base import MIB, Capabilities, ObjectSpec, Warmup
from aioglacier.backends.fake import FAKE_CAPABILITIES, FakeStore
from aioglacier.backends.s3 import S3Api, S3Backend
from aioglacier.costs import load_price_table
from aioglacier.engine.migrate import migrate, migration_names
from aioglacier.engine.run import OperationResult
from aioglacier.engine.sync import run_sync
from aioglacier.errors import UsageError
from aioglacier.journal import Created, JournalState, JournalWriteError, read_journal
from aioglacier.planner import SyncPlanOptions
from aioglacier.polling import Polling
from aioglacier.progress import BytesTransferred, Event, Message
from aioglacier.resume import PendingUpload, ResumeStore, resume_path_for
from aioglacier.treehash import tree_hash

NOW = 1_700_000_000
MTIME = 1_600_000_000

#: A bucket's shape, scaled down to MiB parts: no power-of-two rule, empty objects, no tree
#: hash on reads, no warm-up.
BUCKET = Capabilities(
    max_parts=10_000,
    min_part_size=MIB,
    max_part_size=64 * MIB,
    max_single_put=64 * MIB,
    max_object_size=10_000 * 64 * MIB,
    empty_objects=True,
    ranged_tree_hash=False,
    needs_warmup=False,
    object_name="one S3 object",
)

WAIT = Polling(wait=True, poll=lambda n: 0.0)

FILES = {
    "a.txt": b"small",
    "d/ünï/big.bin": os.urandom(3 * MIB + 17),
    "d/two.bin": os.urandom(2 * MIB),
}


class Env:
    def __init__(self, tmp_path: Path, **source: Any) -> None:
        self.tmp = tmp_path
        self.journal = tmp_path / "J"
        self.new_journal = tmp_path / "J2"
        self.source = FakeStore(target="vault v", **source)
        self.dest = FakeStore(BUCKET, target="bucket b")
        self.events: list[Event] = []

    async def upload(self, files: dict[str, bytes]) -> None:
        base = self.tmp / "data"
        for name, data in files.items():
            path = base / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            os.utime(path, (MTIME, MTIME))
        result = await run_sync(
            self.source.backend(),
            base_dir=base,
            journal_path=self.journal,
            options=SyncPlanOptions(),
            part_size=MIB,
            concurrency=4,
        )
        assert not result.failed

    async def migrate(self, **kw: Any) -> OperationResult:
        kw.setdefault("segment_size", MIB)
        kw.setdefault("concurrency", 4)
        return await migrate(
            self.source.backend(),
            self.dest.backend(),
            journal_path=self.journal,
            new_journal_path=self.new_journal,
            clock=lambda: NOW,
            progress=self.events.append,
            **kw,
        )

    def objects(self) -> dict[str, tuple[bytes, int]]:
        return {o.spec.name: (o.data, o.spec.mtime) for o in self.dest.objects.values()}

    def archive_of(self, name: str) -> str:
        return read_journal(self.journal).files[name].archive_id

    def expected_lines(self) -> list[str]:
        """J2's lines: one CREATED per object, with the destination's id and the vault's tree
        hash, size and mtime."""
        ids = {o.spec.name: aid for aid, o in self.dest.objects.items()}
        state = read_journal(self.journal)
        return sorted(
            f"B\t{NOW}\tCREATED\t{ids[n]}\t{r.size}\t{MTIME}\t{r.treehash}\t{n}"
            for n, r in state.files.items()
            if n in ids
        )


def outcomes(result: OperationResult) -> list[tuple[str, str]]:
    return sorted((o.relfilename, o.status) for o in result.outcomes)


async def test_round_trip_single_and_multipart(tmp_path: Path) -> None:
    env = Env(tmp_path)
    await env.upload(FILES)
    result = await env.migrate(polling=WAIT)
    assert outcomes(result) == [(n, "done") for n in sorted(FILES)]
    assert env.objects() == {n: (d, MTIME) for n, d in FILES.items()}
    assert sorted(env.new_journal.read_text().splitlines()) == env.expected_lines()
    assert env.dest.calls["put"] == 1  # a.txt; the others in 1 MiB parts
    assert env.dest.calls["write_part"] == 4 + 2
    assert env.source.calls["warmup"] == 3
    # J holds one RETRIEVE_JOB line per archive, and nothing else was added to it.
    jobs = [line for line in env.journal.read_text().splitlines() if "\tRETRIEVE_JOB\t" in line]
    assert len(jobs) == 3
    assert not resume_path_for(env.new_journal).exists()
    again = await env.migrate(polling=WAIT)
    assert [o.status for o in again.outcomes] == ["skipped"] * 3
    assert env.source.calls["warmup"] == 3


async def test_resume_takes_up_the_recorded_upload(tmp_path: Path) -> None:
    env = Env(tmp_path)
    big = "d/ünï/big.bin"
    await env.upload({big: FILES[big]})
    data = FILES[big]
    record = read_journal(env.journal).files[big]
    # A first run was killed after two of its four parts: the upload is in the sidecar.
    writer = await env.dest.backend().start_multipart(
        ObjectSpec(big, MTIME), size=len(data), part_size=MIB
    )
    for number in (1, 3):
        start = (number - 1) * MIB
        body = data[start : start + MIB]
        await writer.write_part(
            number,
            start,
            body,
            tree_hash=tree_hash(body).hex(),
            sha256=hashlib.sha256(body).hexdigest(),
        )
    store = ResumeStore(resume_path_for(env.new_journal))
    await store.load()
    await store.add(
        PendingUpload(
            vault="bucket b",
            upload_id=writer.upload_id,
            relfilename=big,
            size=len(data),
            mtime_ns=MTIME * 1_000_000_000,
            part_size=MIB,
            description=f"migration of {record.archive_id}",
            started=NOW,
        )
    )
    sent_before = env.dest.calls["write_part"]
    result = await env.migrate(polling=WAIT)
    assert outcomes(result) == [(big, "done")]
    assert env.dest.calls["write_part"] - sent_before == 2  # parts 2 and 4 only
    assert env.dest.calls["start_multipart"] == 1
    assert env.objects() == {big: (data, MTIME)}
    assert env.dest.uploads == {}
    assert not resume_path_for(env.new_journal).exists()


async def test_a_job_in_progress_is_skipped_then_copied_once_ready(tmp_path: Path) -> None:
    env = Env(tmp_path, instant_warmup=False)
    await env.upload({"a.txt": b"small"})
    first = await env.migrate()
    assert [(o.status, o.detail) for o in first.outcomes] == [
        ("skipped", "retrieval job in progress: run migrate again later (or use --wait)")
    ]
    second = await env.migrate()
    assert [o.status for o in second.outcomes] == ["skipped"]
    assert env.source.calls["warmup"] == 1  # not asked twice
    env.source.finish_warmup(env.archive_of("a.txt"))
    third = await env.migrate()
    assert outcomes(third) == [("a.txt", "done")]
    assert env.source.calls["warmup"] == 1
    assert env.objects() == {"a.txt": (b"small", MTIME)}


async def test_a_failed_job_fails_and_is_asked_anew_next_run(tmp_path: Path) -> None:
    env = Env(tmp_path, instant_warmup=False)
    await env.upload({"a.txt": b"small"})
    aid = env.archive_of("a.txt")

    def poll(n: int) -> float:
        env.source.finish_warmup(aid, message="Internal failure")
        return 0.0

    result = await env.migrate(polling=Polling(wait=True, poll=poll))
    [outcome] = result.outcomes
    assert outcome.status == "failed"
    token = env.source.warmups[aid][0].token
    assert outcome.detail == (
        f'retrieval job {token} failed (the service says: "Internal failure"); '
        "run migrate again to ask anew"
    )
    assert env.source.calls["warmup"] == 1
    second = await env.migrate()
    assert [o.status for o in second.outcomes] == ["skipped"]
    assert env.source.calls["warmup"] == 2  # asked anew
    assert env.objects() == {}


async def test_a_window_about_to_close_is_asked_again(tmp_path: Path) -> None:
    env = Env(tmp_path)
    await env.upload({"a.txt": b"small"})
    aid = env.archive_of("a.txt")
    env.source.warmups[aid].append(
        Warmup(aid, "old-job", "ready", expires=NOW + 600.0)  # closes in 10 minutes
    )
    result = await env.migrate(polling=WAIT)
    assert outcomes(result) == [("a.txt", "done")]
    assert env.source.calls["warmup"] == 1  # a new job, not the closing one


@pytest.mark.parametrize("name", ["a.txt", "d/ünï/big.bin"])
async def test_a_corrupted_read_never_becomes_an_object(tmp_path: Path, name: str) -> None:
    env = Env(tmp_path)
    # No tree hash on ranges: only the whole archive's check can catch the flipped byte.
    env.source.capabilities = replace(FAKE_CAPABILITIES, ranged_tree_hash=False)
    await env.upload({name: FILES[name]})
    reads = -(-len(FILES[name]) // MIB)  # one per segment
    env.source.corrupt_reads(env.archive_of(name), times=2 * reads)  # two whole reads
    result = await env.migrate(polling=WAIT)
    [outcome] = result.outcomes
    assert outcome.status == "failed"
    assert outcome.detail.startswith("tree hash of the vault's bytes ")
    assert outcome.detail.endswith(f"differs from the journal's {_th(env, name)}: not copied")
    warnings = [e.text for e in env.events if isinstance(e, Message) and e.level == "warning"]
    assert len(warnings) == 1
    assert warnings[0].endswith("; reading it again")
    assert env.dest.objects == {}
    assert env.dest.uploads == {}
    multipart = name != "a.txt"
    assert env.dest.calls["abort"] == (2 if multipart else 0)
    assert env.dest.calls["put"] == 0
    assert env.dest.calls["complete"] == 0
    assert not env.new_journal.exists() or env.new_journal.read_text() == ""
    sent = [e.nbytes for e in env.events if isinstance(e, BytesTransferred)]
    assert sum(sent) == 0  # what each failed read reported is taken back
    # Corruption gone: the next run copies it.
    again = await env.migrate(polling=WAIT)
    assert outcomes(again) == [(name, "done")]
    assert env.objects() == {name: (FILES[name], MTIME)}


def _th(env: Env, name: str) -> str:
    return read_journal(env.journal).files[name].treehash


async def test_a_corrupted_segment_of_a_vault_is_read_again_alone(tmp_path: Path) -> None:
    env = Env(tmp_path)  # the vault vouches for every range: the segment is retried
    name = "d/ünï/big.bin"
    await env.upload({name: FILES[name]})
    env.source.corrupt_reads(env.archive_of(name), times=1)
    result = await env.migrate(polling=WAIT)
    assert outcomes(result) == [(name, "done")]
    assert env.dest.calls["abort"] == 0
    assert env.objects() == {name: (FILES[name], MTIME)}


async def test_delete_source_deletes_only_after_completion(tmp_path: Path) -> None:
    env = Env(tmp_path)
    env.source.capabilities = replace(FAKE_CAPABILITIES, ranged_tree_hash=False)
    await env.upload(FILES)
    bad = env.archive_of("d/two.bin")
    env.source.corrupt_reads(bad, times=4)  # two reads of two segments
    ids = {n: env.archive_of(n) for n in FILES}
    result = await env.migrate(polling=WAIT, delete_source=True)
    assert outcomes(result) == [
        ("a.txt", "done"),
        ("d/two.bin", "failed"),
        ("d/ünï/big.bin", "done"),
    ]
    assert set(env.source.objects) == {bad}
    deleted = sorted(line for line in env.journal.read_text().splitlines() if "\tDELETED\t" in line)
    assert deleted == sorted(
        f"B\t{NOW}\tDELETED\t{ids[n]}\t{n}" for n in ("a.txt", "d/ünï/big.bin")
    )
    state = read_journal(env.journal)
    assert set(state.files) == {"d/two.bin"}


async def test_without_delete_source_the_vault_is_untouched(tmp_path: Path) -> None:
    env = Env(tmp_path)
    await env.upload(FILES)
    before = dict(env.source.objects)
    await env.migrate(polling=WAIT)
    assert env.source.objects == before
    assert env.source.calls["delete"] == 0


async def test_max_number_of_files_caps_new_jobs(tmp_path: Path) -> None:
    env = Env(tmp_path, instant_warmup=False)
    await env.upload(FILES)
    result = await env.migrate(max_number_of_files=2)
    assert env.source.calls["warmup"] == 2
    assert sorted(o.detail for o in result.skipped) == [
        "no job asked for: --max-number-of-files",
        "retrieval job in progress: run migrate again later (or use --wait)",
        "retrieval job in progress: run migrate again later (or use --wait)",
    ]
    await env.migrate(max_number_of_files=2)
    assert env.source.calls["warmup"] == 3  # the third, and none of the first two again


async def test_dry_run_asks_nothing_and_prices(tmp_path: Path) -> None:
    env = Env(tmp_path)
    await env.upload(FILES)
    calls_before = dict(env.source.calls)
    result = await env.migrate(dry_run=True, price_table=load_price_table(None))
    assert env.source.calls == calls_before
    assert dict(env.dest.calls) == {}
    assert [o.detail for o in result.planned] == [
        f"Will MIGRATE archive {env.archive_of(n)} (file {n})" for n in sorted(FILES)
    ]
    texts = [e.text for e in env.events if isinstance(e, Message)]
    assert any("$" in t for t in texts)
    assert any("storage in the vault now" in t for t in texts)
    assert not env.new_journal.exists()


async def test_a_segment_size_that_is_not_a_power_of_two_mib_is_refused(tmp_path: Path) -> None:
    env = Env(tmp_path)
    with pytest.raises(UsageError, match="segment size is 1 MiB x 2\\^n, not 3145728 bytes"):
        await env.migrate(segment_size=3 * MIB)


@pytest.mark.parametrize("prefix", ["", "p", "p/", "a/b"])
def test_migration_names_give_the_s3_backends_keys(prefix: str) -> None:
    """One key rule: the CSV's names are the keys the S3 backend writes."""
    name = 'd/ünï, "x".txt'
    record = Created(time=1, archive_id="id", size=1, mtime=0, treehash="a" * 64, relfilename=name)
    state = JournalState(files={name: record}, archives={"id": record})
    [row] = migration_names(state, prefix=prefix)
    backend = S3Backend(cast(S3Api, None), "bucket", prefix)
    assert row.key == backend.key(name)


def test_a_prefix_starting_with_a_slash_is_refused_as_by_the_s3_backend() -> None:
    with pytest.raises(UsageError, match="a key prefix does not start with '/'"):
        list(migration_names(JournalState(), prefix="/p"))
    with pytest.raises(UsageError, match="a key prefix does not start with '/'"):
        S3Backend(cast(S3Api, None), "bucket", "/p")


async def test_a_journal_that_cannot_take_a_record_stops_the_migration(tmp_path: Path) -> None:
    env = Env(tmp_path)
    await env.upload({"a.txt": b"small"})

    def write(fd: int, data: bytes) -> int:
        if b"\tCREATED\t" in data:  # only J2 gets CREATED lines in a migration
            raise OSError(errno.ENOSPC, "No space left on device")
        return os.write(fd, data)

    with pytest.raises(JournalWriteError) as info:
        await env.migrate(polling=WAIT, journal_write=write)
    [object_id] = env.dest.objects
    assert f"a.txt: copied to bucket b as {object_id}" in str(info.value)
    assert "migrate stopped" in str(info.value)
