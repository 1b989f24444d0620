"""Retrieval jobs as the service reports them: a failed or expired job fails its file and never
blocks a new request; a job in progress or completed blocks a duplicate; every missing file is
accounted for. On the real emulator (faults, job delays, its clock)."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from aioglacier.client import Client
from aioglacier.emulator import DEFAULT_CREDENTIALS, Emulator
from aioglacier.journal import read_journal

from .conftest import make_client, write

FAILED_MESSAGE = "Failed: the emulator's fault plan failed this job"
KEYS = ["--key", DEFAULT_CREDENTIALS.access_key, "--secret", DEFAULT_CREDENTIALS.secret_key]
FILES = {"a.txt": b"alpha", "d/b.bin": os.urandom(3000), "ü/c": b"gamma"}


async def synced(client: Client, tmp_path: Path) -> tuple[Path, Path]:
    base = tmp_path / "data"
    for i, (name, data) in enumerate(FILES.items()):
        write(base, name, data, mtime=1_500_000_000 + i)
    journal = tmp_path / "journal"
    result = await client.sync(base, "vault", journal)
    assert result.ok, result.failed
    return base, journal


def wipe(base: Path) -> None:
    for path in sorted(base.rglob("*"), reverse=True):
        path.rmdir() if path.is_dir() else path.unlink()


async def job_ids(client: Client) -> dict[str, list[tuple[str, str]]]:
    """(job id, status) of every retrieval job, by archive id."""
    found: dict[str, list[tuple[str, str]]] = {}
    for job in await client.list_jobs("vault"):
        found.setdefault(job["ArchiveId"], []).append((job["JobId"], job["StatusCode"]))
    return found


class CountingCalls:
    """Counts the List Jobs passes and Describe Job calls a command makes (a wrapper around the
    real client methods: the requests still go to the emulator)."""

    def __init__(self, client: Client) -> None:
        self.list_jobs = 0
        self.describe_job = 0
        api = client.api
        real_list, real_describe = api.list_jobs, api.describe_job

        def list_jobs(vault: str, **kw: Any) -> AsyncIterator[dict[str, Any]]:
            self.list_jobs += 1
            return real_list(vault, **kw)

        async def describe_job(vault: str, job_id: str) -> dict[str, Any]:
            self.describe_job += 1
            return await real_describe(vault, job_id)

        api.list_jobs = list_jobs  # type: ignore[method-assign]
        api.describe_job = describe_job  # type: ignore[method-assign]


async def test_failed_job_fails_the_file_and_restore_asks_again(tmp_path: Path) -> None:
    data = tmp_path / "emu"
    async with Emulator(data) as emu:
        async with make_client(emu) as client:
            await client.create_vault("vault")
            base, journal = await synced(client, tmp_path)
    wipe(base)
    state = read_journal(journal)
    async with Emulator(data, faults="job:fail=1") as emu:
        async with make_client(emu) as client:
            first = await client.restore(base, "vault", journal, max_number_of_files=10)
            assert len(first.done) == 3
            jobs = await job_ids(client)
            assert all(status == "Failed" for v in jobs.values() for _, status in v)
            result = await client.restore_completed(base, "vault", journal, wait=True)
            assert not result.ok
            assert result.done == result.skipped == []
            assert sorted((o.relfilename, o.detail) for o in result.failed) == sorted(
                (
                    name,
                    f"retrieval job {jobs[record.archive_id][0][0]} failed (the service says: "
                    f'"{FAILED_MESSAGE}"); run restore to start a new one',
                )
                for name, record in state.files.items()
            )
            # A failed job never blocks a new request.
            second = await client.restore(base, "vault", journal, max_number_of_files=10)
            assert sorted(o.relfilename for o in second.done) == sorted(FILES)
            assert second.skipped == []
            assert all(len(v) == 2 for v in (await job_ids(client)).values())
    assert list(base.iterdir()) == []
    async with Emulator(data) as emu:  # the service works again
        async with make_client(emu) as client:
            third = await client.restore(base, "vault", journal, max_number_of_files=10)
            assert len(third.done) == 3
            result = await client.restore_completed(base, "vault", journal)
            assert result.ok, result.failed
            assert sorted(o.relfilename for o in result.done) == sorted(FILES)
    for name, content in FILES.items():
        assert base.joinpath(*name.split("/")).read_bytes() == content


async def test_job_in_progress_or_completed_blocks_a_duplicate(tmp_path: Path) -> None:
    async with Emulator(tmp_path / "emu", job_delay_scale=1.0) as emu:
        async with make_client(emu) as client:
            await client.create_vault("vault")
            base, journal = await synced(client, tmp_path)
            wipe(base)
            started = await client.restore(base, "vault", journal, max_number_of_files=10)
            assert len(started.done) == 3
            jobs = await job_ids(client)
            state = read_journal(journal)
            job_of = {name: jobs[r.archive_id][0][0] for name, r in state.files.items()}
            again = await client.restore(base, "vault", journal, max_number_of_files=10)
            assert again.done == []
            assert sorted((o.relfilename, o.detail) for o in again.skipped) == sorted(
                (name, f"retrieval job {job} in progress") for name, job in job_of.items()
            )
            early = await client.restore_completed(base, "vault", journal)
            assert early.ok
            assert sorted((o.relfilename, o.detail) for o in early.skipped) == sorted(
                (name, f"retrieval job {job} in progress") for name, job in job_of.items()
            )
            emu.advance_clock(4 * 3600 + 1)  # Standard jobs take 4 hours
            later = await client.restore(base, "vault", journal, max_number_of_files=10)
            assert later.done == []
            assert sorted((o.relfilename, o.detail) for o in later.skipped) == sorted(
                (name, f"retrieval job {job} completed: run restore-completed")
                for name, job in job_of.items()
            )
            assert await job_ids(client) == jobs | {
                aid: [(job, "Succeeded")] for aid, [(job, _)] in jobs.items()
            }
            result = await client.restore_completed(base, "vault", journal)
            assert result.ok, result.failed
            assert len(result.done) == 3


async def test_expired_job_fails_the_file_and_restore_asks_again(tmp_path: Path) -> None:
    async with Emulator(tmp_path / "emu") as emu:
        async with make_client(emu) as client:
            await client.create_vault("vault")
            base, journal = await synced(client, tmp_path)
            wipe(base)
            await client.restore(base, "vault", journal, max_number_of_files=10)
            old_jobs = dict(line.split("\t")[3:5] for line in journal.read_text().splitlines()[3:])
            emu.advance_clock(25 * 3600)  # completed jobs are kept 24 hours
            assert await client.list_jobs("vault") == []
            result = await client.restore_completed(base, "vault", journal)
            state = read_journal(journal)
            assert sorted((o.relfilename, o.detail) for o in result.failed) == sorted(
                (
                    name,
                    f"retrieval job {old_jobs[r.archive_id]} is unknown to the service (expired: "
                    "a job is kept about 24 hours after it completes); run restore to start a "
                    "new one",
                )
                for name, r in state.files.items()
            )
            assert result.done == result.skipped == []
            again = await client.restore(base, "vault", journal, max_number_of_files=10)
            assert len(again.done) == 3
            result = await client.restore_completed(base, "vault", journal)
            assert result.ok, result.failed
            assert len(result.done) == 3


async def test_journaled_job_the_service_never_had_does_not_block(tmp_path: Path) -> None:
    """Within mtglacier's 24-hour window, but the service has no such job: ask again."""
    async with Emulator(tmp_path / "emu") as emu:
        async with make_client(emu) as client:
            await client.create_vault("vault")
            base, journal = await synced(client, tmp_path)
            aid = read_journal(journal).files["a.txt"].archive_id
            with journal.open("a") as f:
                f.write(f"B\t{int(time.time())}\tRETRIEVE_JOB\t{aid}\tNO-SUCH-JOB\n")
            (base / "a.txt").unlink()
            result = await client.restore_completed(base, "vault", journal)
            assert [(o.relfilename, o.status, o.detail) for o in result.outcomes] == [
                (
                    "a.txt",
                    "failed",
                    "retrieval job NO-SUCH-JOB is unknown to the service (expired: a job is kept "
                    "about 24 hours after it completes); run restore to start a new one",
                )
            ]
            started = await client.restore(base, "vault", journal, max_number_of_files=10)
            assert [o.relfilename for o in started.done] == ["a.txt"]
            result = await client.restore_completed(base, "vault", journal)
            assert [o.relfilename for o in result.done] == ["a.txt"]
    assert (base / "a.txt").read_bytes() == FILES["a.txt"]


async def test_files_without_a_job_are_named_and_one_list_jobs_pass_is_made(
    tmp_path: Path,
) -> None:
    files = {f"f{i:02d}": os.urandom(20 + i) for i in range(60)}  # more than a page of jobs
    async with Emulator(tmp_path / "emu") as emu:
        async with make_client(emu) as client:
            await client.create_vault("vault")
            base = tmp_path / "data"
            for name, content in files.items():
                write(base, name, content)
            journal = tmp_path / "journal"
            assert (await client.sync(base, "vault", journal)).ok
            wipe(base)
            none = await client.restore_completed(base, "vault", journal)
            assert none.ok
            assert [(o.relfilename, o.status, o.detail) for o in none.outcomes] == [
                (name, "skipped", "no retrieval job: run restore first") for name in files
            ]
            calls = CountingCalls(client)
            started = await client.restore(base, "vault", journal, max_number_of_files=55)
            assert len(started.done) == 55
            assert (calls.list_jobs, calls.describe_job) == (1, 0)
            again = await client.restore(base, "vault", journal, max_number_of_files=100)
            assert len(again.done) == 5
            assert len(again.skipped) == 55
            assert (calls.list_jobs, calls.describe_job) == (2, 0)
            result = await client.restore_completed(base, "vault", journal)
            assert len(result.done) == 60
            assert (calls.list_jobs, calls.describe_job) == (3, 0)


async def test_cli_restore_completed_wait_with_failed_jobs_exits_1(tmp_path: Path) -> None:
    async with Emulator(tmp_path / "emu", faults="job:fail=1") as emu:
        async with make_client(emu) as client:
            await client.create_vault("vault")
            base, journal = await synced(client, tmp_path)
            wipe(base)
        common = ["--dir", str(base), "--vault", "vault", "--journal", str(journal)]
        common += ["--endpoint-url", emu.url, *KEYS, "--quiet"]
        restore = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "aioglacier", "restore", *common, "--max-number-of-files", "9"
        )
        assert await asyncio.wait_for(restore.wait(), 120) == 0
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "aioglacier",
            "restore-completed",
            "--wait",
            *common,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(proc.communicate(), 120)
        async with make_client(emu) as client:
            jobs = await job_ids(client)
    assert proc.returncode == 1
    state = read_journal(journal)
    lines = err.decode().splitlines()
    assert lines[0].startswith("FAILED: ")  # --quiet still shows failures as they happen
    summary = [line for line in lines if line.startswith("restore-completed:")]
    assert len(summary) == 1
    assert summary[0].startswith("restore-completed: 0 downloaded, 0 skipped, 3 failed;")
    failed = sorted(line for line in lines if line.startswith("  FAILED "))
    assert failed == sorted(
        f"  FAILED {name}: retrieval job {jobs[r.archive_id][0][0]} failed (the service says: "
        f'"{FAILED_MESSAGE}"); run restore to start a new one'
        for name, r in state.files.items()
    )
    assert out == b""
    assert list(base.iterdir()) == []
