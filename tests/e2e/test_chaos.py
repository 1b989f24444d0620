"""Chaos: kill -9 of the CLI and of the emulator at random points of a sync and of a restore,
under random faults; reruns until exit 0; then the journal, the vault and the disk must agree.

Every random choice comes from one seeded generator: the test prints the seed, and
``AIOGLACIER_CHAOS_SEED=N`` replays a run (the same files, faults, victims and kill points;
what the processes were doing at that point still depends on the machine). Kill points are
events, never times: a process is killed right after the CLI printed its N-th ``--json`` event.

What must hold at the end, whatever was killed when:

- the journal names every file exactly once (one ``CREATED`` line, no ``DELETED``), with its
  size and tree hash, and parses whole;
- every journal archive holds exactly the file's bytes, and the restored tree is byte for byte
  the original, with nothing else in it (but restore's own randomly named temporary files, on a
  file system without ``O_TMPFILE``);
- the vault holds the journal's archives and orphans: at most one per request in flight at each
  kill during a sync, each a copy of a journal file; the next sync uploads nothing and leaves no
  multipart upload in progress; ``list-orphans`` (after ``retrieve-inventory``) lists exactly
  the orphans, as this journal's own; ``purge-orphans`` removes exactly them.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import signal
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from aioglacier.emulator import DEFAULT_CREDENTIALS, Emulator
from aioglacier.journal import read_journal
from aioglacier.metadata import decode_description
from aioglacier.resume import resume_path_for
from aioglacier.treehash import tree_hash

from .conftest import MIB, assert_vault_matches_tree, make_client, write

CLI = [sys.executable, "-m", "aioglacier"]
KEYS = ["--key", DEFAULT_CREDENTIALS.access_key, "--secret", DEFAULT_CREDENTIALS.secret_key]
SEED_VARIABLE = "AIOGLACIER_CHAOS_SEED"
LISTENING = re.compile(r"aioglacier emulator listening on http://127\.0\.0\.1:(\d+)")
TEMP_NAME = re.compile(r"\.aioglacier-part-[0-9a-f]{20}")
VAULT = "chaos"
CONCURRENCY = 4
#: Runs of each phase with a kill planned (fewer if one succeeds first), then reruns without
#: until one exits 0, at most RERUNS of them. (Each run costs a second or two of process start
#: on a busy machine: the whole test stays well under a minute.)
SYNC_KILLS = 3
RESTORE_KILLS = 2
RERUNS = 8
#: Generous: guards a hang only, not a measure of speed.
COMMAND_LIMIT = 120.0
VICTIMS = ("cli", "emulator", "both")


def fault_spec(seed: int) -> str:
    """Random faults of every kind a client must survive, none storing an archive the client
    cannot learn of (only kills do that, so the orphans at the end are the kills' own): failed
    and reset uploads store nothing; a dropped Complete Multipart Upload is answered again by
    its retry (as AWS does); a dropped Initiate Multipart Upload leaves an upload in progress
    for the next sync to abort; failed jobs make restore-completed fail and restore ask again."""
    return (
        f"seed={seed},upload_archive:500=0.05,upload_archive:reset=0.05,"
        "upload_part:503=0.05,upload_part:reset=0.05,upload_part:timeout=0.03,"
        "initiate_multipart_upload:drop=0.2,complete_multipart_upload:drop=0.3,"
        "initiate_job:503=0.05,get_job_output:truncate=0.1,get_job_output:reset=0.05,"
        "describe_job:503=0.05,list_jobs:throttle=0.05,*:throttle=0.02,job:fail=0.1"
    )


@dataclass
class EmulatorProcess:
    """The emulator in its own process (``aioglacier emulator``), jobs completing at once;
    restarted on the same port after a kill -9, each time with new fault decisions."""

    data_dir: Path
    rng: random.Random
    log: TextIO
    port: int = 0
    process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        assert self.process is None
        process = await asyncio.create_subprocess_exec(
            *CLI,
            "emulator",
            "--data-dir",
            str(self.data_dir),
            "--port",
            str(self.port),
            "--job-delay-scale",
            "0",
            "--faults",
            fault_spec(self.rng.randrange(2**32)),
            stdout=asyncio.subprocess.PIPE,
            stderr=self.log,
        )
        self.process = process
        assert process.stdout is not None
        while True:
            line = (await asyncio.wait_for(process.stdout.readline(), COMMAND_LIMIT)).decode()
            if not line:
                await process.wait()
                self.log.flush()
                raise AssertionError(
                    f"the emulator (port {self.port or 'any'}) exited before listening: "
                    + Path(self.log.name).read_text()
                )
            match = LISTENING.search(line)
            if match:
                self.port = int(match.group(1))
                return

    async def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        assert await self.process.wait() == -signal.SIGKILL
        self.process = None

    async def stop(self) -> None:
        """SIGTERM: the emulator stops cleanly, letting requests in flight finish."""
        if self.process is not None:
            if self.process.returncode is None:
                self.process.terminate()
            await asyncio.wait_for(self.process.wait(), COMMAND_LIMIT)
            self.process = None


@dataclass
class Run:
    """One CLI run: exit code, ``--json`` events, standard error, what was killed."""

    returncode: int
    events: list[dict[str, Any]]
    stderr: str
    killed: str | None


@dataclass
class Chaos:
    """The seeded plan of kills, and what happened (for the failure messages)."""

    rng: random.Random
    emulator: EmulatorProcess
    files: int
    log: list[str] = field(default_factory=list)
    sync_kills: int = 0
    """Kills (of the CLI, the emulator or both) in the middle of a sync."""
    expected: dict[str, int] = field(default_factory=dict)
    """Events of the last run of each command: the next kill point is drawn up to it."""

    phase: str = ""
    restarted_under: set[str] = field(default_factory=set)
    """Phases in which the emulator was killed under a running CLI."""

    def context(self) -> str:
        return "; ".join(self.log)

    def victims(self) -> tuple[str, ...]:
        """What a kill may hit. The emulator alone at most once a phase: a CLI that outlives
        it waits out its retries' backoff (seconds, up to 20 s a wait) until the new emulator
        answers, and the test must stay short."""
        return VICTIMS if self.phase not in self.restarted_under else ("cli", "both")

    async def run(self, args: list[str], *, kill: bool) -> Run:
        """Run ``aioglacier ARGS --json`` against the emulator. With ``kill``: right after
        the CLI's N-th event (N drawn at random up to the events its last run printed), kill
        -9 the CLI, the emulator (then start it again at once) or both."""
        command = args[0]
        victim = self.rng.choice(self.victims()) if kill else None
        after = self.rng.randint(1, self.expected.get(command, 4 * self.files)) if kill else 0
        proc = await asyncio.create_subprocess_exec(
            *CLI,
            *args,
            "--json",
            "--endpoint-url",
            self.emulator.url,
            *KEYS,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        events: list[dict[str, Any]] = []
        reached = asyncio.Event()

        async def read_events() -> None:
            assert proc.stdout is not None
            while line := await proc.stdout.readline():
                events.append(json.loads(line))
                if len(events) == after:
                    reached.set()

        async def read_stderr() -> bytes:
            assert proc.stderr is not None
            return await proc.stderr.read()

        killed = None
        started = time.monotonic()  # reported, never waited on
        reader = asyncio.create_task(read_events())
        errors = asyncio.create_task(read_stderr())
        trigger = asyncio.create_task(reached.wait())
        try:
            await asyncio.wait_for(
                asyncio.wait({reader, trigger}, return_when=asyncio.FIRST_COMPLETED),
                COMMAND_LIMIT,
            )
            if reached.is_set() and victim is not None:
                if victim in ("cli", "both") and proc.returncode is None:
                    proc.kill()
                if victim in ("emulator", "both"):
                    await self.emulator.kill()
                    killed = "emulator"
                    if victim == "emulator":
                        self.restarted_under.add(self.phase)
                    await self.emulator.start()
            await asyncio.wait_for(reader, COMMAND_LIMIT)
            stderr = (await asyncio.wait_for(errors, COMMAND_LIMIT)).decode()
            returncode = await asyncio.wait_for(proc.wait(), COMMAND_LIMIT)
        finally:
            trigger.cancel()
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
        if returncode == -signal.SIGKILL:
            killed = "both" if killed else "cli"
        else:
            # not killed (or it ended before its kill): a summary, or one error line
            assert returncode in (0, 1), stderr
            last = stderr.splitlines()[-1] if stderr else ""
            assert (events and events[-1]["kind"] == "finished") or (
                returncode == 1 and last.startswith("aioglacier: error: ")
            ), stderr
        self.log.append(
            f"{command}: exit {returncode} in {time.monotonic() - started:.1f} s, "
            f"{len(events)} events" + (f", {killed} killed after event {after}" if killed else "")
        )
        if killed is not None and command == "sync":
            self.sync_kills += 1
        if len(events) > 1:
            self.expected[command] = len(events)
        return Run(returncode, events, stderr, killed)

    async def until_success(
        self, phase: str, kills: int, attempt: Callable[[bool], Awaitable[bool]]
    ) -> int:
        """``attempt(kill=True)`` up to ``kills`` times, then ``attempt(kill=False)`` until it
        succeeds, at most RERUNS times; returns the number of attempts."""
        self.phase = phase
        for attempts, kill in enumerate([True] * kills + [False] * RERUNS, start=1):
            if await attempt(kill):
                return attempts
        raise AssertionError(f"{phase} failed {RERUNS} reruns in a row: {self.context()}")


def make_tree(rng: random.Random, base: Path) -> dict[str, bytes]:
    """Small files (one Upload Archive each), two multipart ones, a non-ASCII name."""
    files: dict[str, bytes] = {}
    for i in range(10):
        files[f"small/{i:02d}.bin"] = rng.randbytes(rng.randint(1, 100_000))
    files["ünï/日本 語.txt"] = rng.randbytes(rng.randint(1, 1000))
    for i in range(2):
        files[f"big/{i}.bin"] = rng.randbytes(rng.randint(MIB + 1, 3 * MIB))
    for i, (name, data) in enumerate(files.items()):
        write(base, name, data, mtime=1_500_000_000 + i)
    return files


def done(run: Run, action: str) -> list[dict[str, Any]]:
    return [e for e in run.events if e["kind"] == "done" and e["action"] == action]


def disk_tree(base: Path) -> dict[str, bytes]:
    return {p.relative_to(base).as_posix(): p.read_bytes() for p in base.rglob("*") if p.is_file()}


async def cli(*args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        *CLI, *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(proc.communicate(), COMMAND_LIMIT)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_kill_9_anywhere_then_journal_vault_and_disk_agree(tmp_path: Path) -> None:
    seed = int(os.environ.get(SEED_VARIABLE) or random.SystemRandom().randrange(2**32))
    print(f"chaos seed: {seed} (replay with {SEED_VARIABLE}={seed})")
    rng = random.Random(seed)
    base = tmp_path / "data"
    files = make_tree(rng, base)
    journal = tmp_path / "journal"
    emu_dir = tmp_path / "emu"
    with (tmp_path / "emulator.log").open("w") as log:
        chaos = Chaos(rng, EmulatorProcess(emu_dir, rng, log), len(files))
        try:
            await chaos.emulator.start()
            await sync_and_restore(chaos, base, journal, files)
        finally:
            await chaos.emulator.stop()
            print("\n".join(chaos.log))
    await check_agreement(chaos, f"seed {seed}: {chaos.context()}", base, journal, emu_dir, files)


async def sync_and_restore(
    chaos: Chaos, base: Path, journal: Path, files: dict[str, bytes]
) -> None:
    code, _, err = await cli("create-vault", VAULT, "--endpoint-url", chaos.emulator.url, *KEYS)
    assert code == 0, err
    common = ["--dir", str(base), "--vault", VAULT, "--journal", str(journal)]
    common += ["--concurrency", str(CONCURRENCY)]

    async def sync(kill: bool) -> bool:
        run = await chaos.run(["sync", *common, "--partsize", "1"], kill=kill)
        # killed or not: every upload reported done is in the journal, with the file's hash
        state = read_journal(journal)
        for event in done(run, "upload"):
            name = event["relfilename"]
            assert state.files[name].archive_id == event["archive_id"], chaos.context()
            assert state.files[name].treehash == tree_hash(files[name]).hex()
        return run.returncode == 0

    await chaos.until_success("sync", SYNC_KILLS, sync)
    for path in base.rglob("*"):
        if path.is_file():
            path.unlink()

    async def restore(kill: bool) -> bool:
        # either pass may be the one killed; a failed job fails restore-completed, and the
        # next restore asks again
        first = kill and chaos.rng.random() < 0.3
        await chaos.run(["restore", *common, "--max-number-of-files", "100"], kill=first)
        run = await chaos.run(["restore-completed", *common], kill=kill and not first)
        # killed or not: every file reported downloaded is on disk, whole
        on_disk = disk_tree(base)
        for event in done(run, "download"):
            assert on_disk.get(event["relfilename"]) == files[event["relfilename"]]
        return run.returncode == 0 and set(files) <= set(on_disk)

    await chaos.until_success("restore", RESTORE_KILLS, restore)


async def check_agreement(
    chaos: Chaos, context: str, base: Path, journal: Path, emu_dir: Path, files: dict[str, bytes]
) -> None:
    # The disk: the original tree byte for byte, nothing else but restore's temporary files.
    on_disk = disk_tree(base)
    for name, data in files.items():
        assert on_disk[name] == data, f"{name} ({context})"
    leftovers = sorted(set(on_disk) - set(files))
    assert all(TEMP_NAME.fullmatch(name.rsplit("/", 1)[-1]) for name in leftovers), leftovers

    # The journal: every file once, nothing deleted, sizes and tree hashes right; it parses
    # whole (a torn line would have been set aside in a side file by the next writer).
    lines = [line.split("\t") for line in journal.read_text(encoding="utf-8").splitlines()]
    created = Counter(line[7] for line in lines if line[2] == "CREATED")
    assert created == Counter(dict.fromkeys(files, 1)), context
    assert [line for line in lines if line[2] == "DELETED"] == [], context
    state = read_journal(journal)
    assert state.torn_tail is None
    for name, data in files.items():
        assert (state.files[name].size, state.files[name].treehash) == (
            len(data),
            tree_hash(data).hex(),
        )
    torn = sorted(journal.parent.glob(journal.name + ".torn-*"))
    for side_file in torn:  # a torn tail set aside: one line cut short, kept
        assert b"\n" not in side_file.read_bytes()

    # The vault, read from its store by an emulator without faults.
    async with Emulator(emu_dir) as emu:
        endpoint = ["--endpoint-url", emu.url, *KEYS]
        common = ["--vault", VAULT, "--journal", str(journal), *endpoint]
        stored = {a.archive_id: a for a in await emu.archives(VAULT)}
        assert set(state.archives) <= set(stored), context
        for name, record in state.files.items():
            assert await emu.read_archive(VAULT, record.archive_id) == files[name], name
        # Orphans: copies of journal files whose journal line a kill prevented, at most one
        # per request in flight at each kill of a sync.
        orphans = set(stored) - set(state.archives)
        for archive_id in orphans:
            decoded = decode_description(stored[archive_id].description)
            assert decoded is not None, stored[archive_id].description
            name, mtime = decoded
            assert mtime == state.files[name].mtime
            assert await emu.read_archive(VAULT, archive_id) == files[name]
        assert len(orphans) <= CONCURRENCY * chaos.sync_kills, context
        print(f"{len(orphans)} orphan archives after {chaos.sync_kills} kills during syncs")

        async with make_client(emu) as client:
            # A sync now uploads nothing, and aborts the multipart uploads kills left behind.
            result = await client.sync(base, VAULT, journal)
            assert (result.ok, result.uploaded, result.failed) == (True, [], [])
            assert await client.api.list_multipart_uploads(VAULT) == []
            assert {a.archive_id for a in await emu.archives(VAULT)} == set(stored)
            assert not resume_path_for(journal).exists()
            await client.retrieve_inventory(VAULT)

        # list-orphans, after retrieve-inventory, lists exactly the orphans, as ours.
        code, out, err = await cli("list-orphans", *common, "--json")
        assert code == 0, err
        listed = [json.loads(line) for line in out.splitlines()]
        assert {o["archive_id"] for o in listed if o["kind"] == "archive"} == orphans
        assert all(o["ours"] for o in listed if o["kind"] == "archive")
        assert [o for o in listed if o["kind"] == "upload"] == []

        # purge-orphans removes exactly them; the journal is untouched; the vault is the tree.
        before = journal.read_bytes()
        code, _, err = await cli("purge-orphans", *common)
        assert code == 0, err
        assert f"purge-orphans: {len(orphans)} orphans removed, 0 skipped, 0 failed" in err
        assert journal.read_bytes() == before
        await assert_vault_matches_tree(emu, VAULT, journal, base)
