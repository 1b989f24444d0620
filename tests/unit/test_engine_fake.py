"""The engine on the in-memory backend: resume, lost uploads, aborts, capabilities, warm-ups
and verified downloads, with faults injected by the test (no HTTP, no emulator)."""

from __future__ import annotations

import asyncio
import os
from dataclasses import replace
from pathlib import Path

import pytest

from aioglacier.backends.base import Capabilities
from aioglacier.backends.fake import FAKE_CAPABILITIES, FakeStore
from aioglacier.engine.purge import purge_vault
from aioglacier.engine.restore import restore_completed, start_restore
from aioglacier.engine.sync import SyncResult, run_sync, upload_one_file
from aioglacier.engine.upload import UploadContext, upload_file
from aioglacier.errors import TransferError, remote_error
from aioglacier.fanout import bounded
from aioglacier.journal import read_journal
from aioglacier.limits import ByteBudget
from aioglacier.planner import SyncPlanOptions
from aioglacier.polling import Polling, poll_delay
from aioglacier.progress import Retrying
from aioglacier.resume import ResumeStore, resume_path_for
from aioglacier.treehash import MIB, tree_hash

#: An S3 bucket's shape, scaled down: no power-of-two rule, empty objects, no tree hash on
#: ranged reads, no warm-up.
BUCKET_LIKE = Capabilities(
    max_parts=10_000,
    min_part_size=MIB,
    max_part_size=64 * MIB,
    max_single_put=64 * MIB,
    max_object_size=10_000 * 64 * MIB,
    empty_objects=True,
    ranged_tree_hash=False,
    needs_warmup=False,
)


def write(base: Path, rel: str, data: bytes, mtime: int = 1_600_000_000) -> Path:
    path = base / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.utime(path, (mtime, mtime))
    return path


async def sync(store: FakeStore, base: Path, journal: Path) -> SyncResult:
    return await run_sync(
        store.backend(),
        base_dir=base,
        journal_path=journal,
        options=SyncPlanOptions(),
        part_size=MIB,
        concurrency=4,
    )


def stored(store: FakeStore) -> dict[str, bytes]:
    return {o.spec.name: o.data for o in store.objects.values()}


async def test_sync_puts_small_files_and_multiparts_big_ones(tmp_path: Path) -> None:
    store = FakeStore()
    base, journal = tmp_path / "data", tmp_path / "journal"
    files = {"a": b"small", "d/big": os.urandom(3 * MIB + 5), "empty": b""}
    for name, data in files.items():
        write(base, name, data)
    result = await sync(store, base, journal)
    assert [(f.relfilename, f.reason) for f in result.skipped] == [
        ("empty", "empty file: Glacier refuses empty archives")
    ]
    assert stored(store) == {"a": b"small", "d/big": files["d/big"]}
    assert store.calls["put"] == 1
    assert store.calls["write_part"] == 4
    state = read_journal(journal)
    assert {n: r.treehash for n, r in state.files.items()} == {
        n: tree_hash(d).hex() for n, d in files.items() if d
    }
    assert store.uploads == {}


async def test_a_store_that_holds_empty_objects_gets_the_empty_file(tmp_path: Path) -> None:
    store = FakeStore(BUCKET_LIKE)
    base, journal = tmp_path / "data", tmp_path / "journal"
    write(base, "empty", b"")
    result = await sync(store, base, journal)
    assert [f.relfilename for f in result.uploaded] == ["empty"]
    assert stored(store) == {"empty": b""}


async def test_an_interrupted_upload_resumes_and_reuses_its_parts(tmp_path: Path) -> None:
    store = FakeStore()
    base, journal = tmp_path / "data", tmp_path / "journal"
    data = os.urandom(4 * MIB)
    write(base, "big", data)
    fatal = remote_error("AccessDenied", "injected", status=403)
    store.fail("write_part", 3, fatal)
    first = await sync(store, base, journal)
    assert [(f.relfilename, f.reason) for f in first.failed] == [("big", "AccessDenied: injected")]
    [upload_id] = store.uploads  # not aborted: resumable
    present = len(store.uploads[upload_id].parts)
    second = await sync(store, base, journal)
    [done] = second.uploaded
    assert done.reason == f"resumed: {present} parts reused, {4 - present} sent"
    assert stored(store) == {"big": data}
    assert store.uploads == {}
    assert ResumeStore(resume_path_for(journal)).path.exists() is False


async def test_a_lost_upload_starts_again(tmp_path: Path) -> None:
    store = FakeStore()
    base, journal = tmp_path / "data", tmp_path / "journal"
    data = os.urandom(2 * MIB + 1)
    write(base, "big", data)
    store.fail("complete", 1, remote_error("AccessDenied", "injected", status=403))
    await sync(store, base, journal)
    [upload_id] = store.uploads
    store.lose_upload(upload_id)
    again = await sync(store, base, journal)
    [done] = again.uploaded
    assert done.reason == ""  # a new upload, not a resumed one
    assert stored(store) == {"big": data}


async def test_a_stream_over_its_bound_is_aborted(tmp_path: Path) -> None:
    store = FakeStore()
    data = os.urandom(3 * MIB)
    chunks = iter([data[i : i + 100_000] for i in range(0, len(data), 100_000)])

    def read(n: int) -> bytes:
        return next(chunks, b"")

    with pytest.raises(TransferError, match="input is larger than the maximum"):
        await upload_one_file(
            store.backend(),
            journal_path=tmp_path / "journal",
            relfilename="stdin",
            part_size=MIB,
            concurrency=2,
            stream=read,
            max_size=2 * MIB,
        )
    assert store.uploads == {}
    assert store.calls["abort"] == 1
    assert store.objects == {}


async def test_bytes_in_memory_go_up_in_parts_without_a_resume_record(tmp_path: Path) -> None:
    store = FakeStore()
    data = os.urandom(2 * MIB + 3)
    ctx = UploadContext(backend=store.backend(), part_size=MIB, budget=ByteBudget(2 * MIB))
    outcome = await upload_file(ctx, "mem", data=data, size=len(data), mtime=5)
    assert (outcome.parts_sent, outcome.tree_hash) == (3, tree_hash(data).hex())
    [obj] = store.objects.values()
    assert (obj.spec.name, obj.spec.mtime, obj.data) == ("mem", 5, data)


async def test_a_failed_in_memory_upload_is_aborted(tmp_path: Path) -> None:
    store = FakeStore()
    store.fail("write_part", 2, remote_error("AccessDenied", "injected", status=403))
    data = os.urandom(3 * MIB)
    ctx = UploadContext(backend=store.backend(), part_size=MIB, budget=ByteBudget(MIB))
    with pytest.raises(Exception, match="AccessDenied"):
        await upload_file(ctx, "mem", data=data, size=len(data), mtime=5)
    assert store.uploads == {}


async def synced_and_wiped(store: FakeStore, tmp_path: Path, files: dict[str, bytes]) -> Path:
    base, journal = tmp_path / "data", tmp_path / "journal"
    for name, data in files.items():
        write(base, name, data)
    assert (await sync(store, base, journal)).ok
    for name in files:
        (base / name).unlink()
    return journal


FILES = {"one": b"1" * 1000, "two": os.urandom(5 * MIB + 7)}


async def test_restore_round_trip_with_a_corrupt_segment_retried(tmp_path: Path) -> None:
    store = FakeStore()
    journal = await synced_and_wiped(store, tmp_path, FILES)
    base = tmp_path / "data"
    started = await start_restore(
        store.backend(), base_dir=base, journal_path=journal, max_number_of_files=10
    )
    assert sorted(o.relfilename for o in started.done) == ["one", "two"]
    big = read_journal(journal).files["two"].archive_id
    store.corrupt_reads(big, 1)
    result = await restore_completed(
        store.backend(), base_dir=base, journal_path=journal, segment_size=MIB
    )
    assert result.ok, result.failed
    for name, data in FILES.items():
        assert (base / name).read_bytes() == data


async def test_without_ranged_tree_hashes_the_whole_file_is_checked(tmp_path: Path) -> None:
    store = FakeStore(replace(FAKE_CAPABILITIES, ranged_tree_hash=False))
    journal = await synced_and_wiped(store, tmp_path, FILES)
    base = tmp_path / "data"
    await start_restore(store.backend(), base_dir=base, journal_path=journal, max_number_of_files=9)
    record = read_journal(journal).files["two"]
    store.corrupt_reads(record.archive_id, 1)
    result = await restore_completed(
        store.backend(), base_dir=base, journal_path=journal, segment_size=MIB
    )
    [failed] = result.failed
    assert failed.relfilename == "two"
    assert failed.detail.startswith("tree hash of the download ")
    assert failed.detail.endswith(f" differs from the journal's {record.treehash}")
    assert sorted(p.name for p in base.iterdir()) == ["one"]


async def test_a_store_without_warmups_is_read_directly(tmp_path: Path) -> None:
    store = FakeStore(BUCKET_LIKE)
    journal = await synced_and_wiped(store, tmp_path, FILES)
    base = tmp_path / "data"
    asked = await start_restore(
        store.backend(), base_dir=base, journal_path=journal, max_number_of_files=9
    )
    assert {(o.relfilename, o.detail) for o in asked.skipped} == {
        (name, "readable without a warm-up: run restore-completed") for name in FILES
    }
    assert store.calls["warmup"] == 0
    result = await restore_completed(store.backend(), base_dir=base, journal_path=journal)
    assert result.ok, result.failed
    for name, data in FILES.items():
        assert (base / name).read_bytes() == data


async def test_slow_warmups_are_waited_for(tmp_path: Path) -> None:
    store = FakeStore(instant_warmup=False)
    journal = await synced_and_wiped(store, tmp_path, FILES)
    base = tmp_path / "data"
    await start_restore(store.backend(), base_dir=base, journal_path=journal, max_number_of_files=9)
    waits: list[float] = []

    async def sleep(delay: float) -> None:
        # The store finishes one warm-up per wait (instead of hours passing).
        waits.append(delay)
        pending = [a for a, ws in store.warmups.items() if ws[-1].status == "in-progress"]
        store.finish_warmup(pending[0])

    result = await restore_completed(
        store.backend(),
        base_dir=base,
        journal_path=journal,
        wait=True,
        poll=lambda n: float(n + 1),
        sleep=sleep,
    )
    assert result.ok, result.failed
    assert waits == [1.0, 2.0]
    assert sorted(o.relfilename for o in result.done) == ["one", "two"]


async def test_a_failed_warmup_fails_its_file(tmp_path: Path) -> None:
    store = FakeStore(instant_warmup=False)
    journal = await synced_and_wiped(store, tmp_path, {"one": b"1"})
    base = tmp_path / "data"
    started = await start_restore(
        store.backend(), base_dir=base, journal_path=journal, max_number_of_files=9
    )
    [job] = [o.detail for o in started.done]
    archive_id = read_journal(journal).files["one"].archive_id
    warm = store.finish_warmup(archive_id, message="no tape today")
    assert job == f"job {warm.token}"
    result = await restore_completed(store.backend(), base_dir=base, journal_path=journal)
    assert [(o.relfilename, o.detail) for o in result.failed] == [
        (
            "one",
            f'retrieval job {warm.token} failed (the service says: "no tape today"); '
            "run restore to start a new one",
        )
    ]


async def test_purge_deletes_every_archive_and_journals_it(tmp_path: Path) -> None:
    store = FakeStore()
    journal = await synced_and_wiped(store, tmp_path, FILES)
    result = await purge_vault(store.backend(), journal_path=journal)
    assert result.ok
    assert store.objects == {}
    assert read_journal(journal).archives == {}


async def test_bounded_runs_at_most_limit_and_stops() -> None:
    running, peak, started = 0, 0, 0
    stop = asyncio.Event()
    stop_at = 0

    async def job() -> None:
        nonlocal running, peak, started
        started += 1
        running += 1
        peak = max(peak, running)
        if started == stop_at:
            stop.set()
        for _ in range(3):
            await asyncio.sleep(0)
        running -= 1

    await bounded(2, [job] * 10, stop)
    assert (peak, started, running) == (2, 10, 0)
    # Stopped by the first job: the second had its slot already, no other starts.
    started, stop_at = 0, 1
    await bounded(2, [job] * 10, stop)
    assert (started, running) == (2, 0)


def test_polling_backoff() -> None:
    assert [poll_delay(n) for n in range(10)] == [2, 4, 8, 16, 32, 64, 128, 256, 300, 300]
    assert Polling(poll=lambda n: 0.5 * n).delay(3) == 1.5


async def test_a_transient_part_failure_is_retried_and_reported(tmp_path: Path) -> None:
    store = FakeStore()
    store.fail("write_part", 2)  # a retryable InternalError, once
    data = os.urandom(3 * MIB)
    events: list[Retrying] = []
    backend = store.backend().bind(listener=events.append)
    ctx = UploadContext(backend=backend, part_size=MIB, budget=ByteBudget(MIB))
    outcome = await upload_file(ctx, "mem", data=data, size=len(data), mtime=5)
    assert outcome.parts_sent == 3
    assert store.calls["write_part"] == 4
    [retry] = events
    assert (retry.operation, retry.relfilename, retry.attempt) == ("write_part", "mem", 2)
    assert stored(store) == {"mem": data}
