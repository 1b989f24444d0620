"""Chaos: kill -9 of the CLI and of the emulator at random points of a sync and of a restore,
under random faults; reruns until exit 0; then the journal, the vault and the disk must agree.

Every random choice comes from one seeded generator: the test prints the seed, and
``AIOGLACIER_CHAOS_SEED=N`` replays a run (the same files, faults and kill points; where a kill
lands in the processes' work still depends on the machine). Kill points are events, never
times: a process is killed right after the CLI printed its N-th ``--json`` event.

What must hold at the end, whatever was killed when:

- the journal names every file exactly once (one ``CREATED`` line, no ``DELETED``), with its
  size and tree hash; a torn last line was set aside in a side file, never lost;
- every journal archive holds exactly the file's bytes, and the restored tree is byte for byte
  the original, with nothing else in it but restore's own temporary files (if the platform has
  no ``O_TMPFILE``);
- the vault holds the journal's archives plus orphans, at most one per request in flight at
  each kill of a sync; every orphan is a copy of a journal file; ``list-orphans`` (after
  ``retrieve-inventory``) lists exactly them, and no multipart upload is left in progress;
  ``purge-orphans`` removes exactly them.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import signal
import sys
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from aioglacier.emulator import DEFAULT_CREDENTIALS, Emulator
from aioglacier.journal import read_journal
from aioglacier.metadata import decode_description
from aioglacier.treehash import tree_hash

from .conftest import MIB, write

CLI = [sys.executable, "-m", "aioglacier"]
KEYS = ["--key", DEFAULT_CREDENTIALS.access_key, "--secret", DEFAULT_CREDENTIALS.secret_key]
SEED_VARIABLE = "AIOGLACIER_CHAOS_SEED"
LISTENING = re.compile(r"aioglacier emulator listening on (http://127\.0\.0\.1:(\d+))")
TEMP_NAME = re.compile(r"\.aioglacier-part-[0-9a-f]{20}")
CONCURRENCY = 4
#: Runs of each phase with a kill planned; then reruns until exit 0, at most RERUNS of them.
KILL_ROUNDS = 3
RERUNS = 8
#: Generous: guards a hang only, not a measure of speed.
COMMAND_LIMIT = 120.0
VAULT = "chaos"


def fault_spec(seed: int) -> str:
    """Faults that either do nothing or are answered again the same way when retried: they
    never store an archive the client cannot learn of (kills do that), so the orphans counted
    at the end are the kills' own. A dropped Complete Multipart Upload is answered by the
    retry (AWS's idempotency); a dropped Initiate Multipart Upload leaves an upload in
    progress, which the next sync aborts."""
    return (
        f"seed={seed},upload_archive:500=0.05,upload_archive:reset=0.05,"
        "upload_part:503=0.05,upload_part:reset=0.05,upload_part:timeout=0.03,"
        "initiate_multipart_upload:drop=0.2,complete_multipart_upload:drop=0.3,"
        "initiate_job:503=0.05,get_job_output:truncate=0.1,get_job_output:reset=0.05,"
        "describe_job:503=0.05,list_jobs:throttle=0.05,*:throttle=0.02,job:fail=0.1"
    )


@dataclass
class EmulatorProcess:
    """The emulator as its own process, restarted on the same port after a kill -9, each time
    with a new fault seed."""

    data_dir: Path
    rng: random.Random
    log: TextIO
    port: int = 0
    process: asyncio.subprocess.Process | None = None
    kills: int = 0

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
        assert process.stdout is not None
        while True:
            line = (await asyncio.wait_for(process.stdout.readline(), COMMAND_LIMIT)).decode()
            assert line, "the emulator exited before listening"
            match = LISTENING.search(line)
            if match:
                break
        self.port = int(match.group(2))
        self.process = process

    async def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        assert await self.process.wait() == -signal.SIGKILL
        self.process = None
        self.kills += 1

    async def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            await asyncio.wait_for(self.process.wait(), COMMAND_LIMIT)
            self.process = None


@dataclass
class Run:
    """One CLI run: its exit code, its JSON events, its standard error, whether it was killed."""

    returncode: int
    events: list[dict[str, Any]]
    stderr: str
    killed: str | None = None

    def kinds(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["kind"] == kind]


@dataclass
class Chaos:
    """The seeded plan of kills and what happened."""

    rng: random.Random
    emulator: EmulatorProcess
    files: int
    log: list[str] = field(default_factory=list)
    sync_kills: int = 0
    expected: dict[str, int] = field(default_factory=dict)
    """Events printed by the last run of each command: where the next kill point is drawn."""

    async def run(self, phase: str, args: list[str], *, kill: bool) -> Run:
        """Run the CLI with ``--json``; with ``kill``, right after its N-th event (N drawn
        from the events a whole run of this kind printed so far) kill -9 the CLI, the
        emulator (restarted at once) or both."""
        victim = self.rng.choice(("cli", "emulator", "both")) if kill else None
        after = self.rng.randint(1, self.expected.get(args[0], 4 * self.files)) if kill else 0
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
        assert proc.stdout is not None and proc.stderr is not None
        events: list[dict[str, Any]] = []
        reached = asyncio.Event()

        async def read_events(stream: asyncio.StreamReader) -> None:
            while line := await stream.readline():
                events.append(json.loads(line))
                if len(events) == after:
                    reached.set()

        reader = asyncio.create_task(read_events(proc.stdout))
        errors = asyncio.create_task(proc.stderr.read())
        trigger = asyncio.create_task(reached.wait())
        await asyncio.wait_for(
            asyncio.wait({reader, trigger}, return_when=asyncio.FIRST_COMPLETED), COMMAND_LIMIT
        )
        killed = None
        if reached.is_set() and proc.returncode is None and victim is not None:
            killed = victim
            if victim in ("cli", "both"):
                proc.kill()
            if victim in ("emulator", "both"):
                await self.emulator.kill()
                await self.emulator.start()
        trigger.cancel()
        await asyncio.wait_for(reader, COMMAND_LIMIT)
        stderr = (await errors).decode()
        returncode = await asyncio.wait_for(proc.wait(), COMMAND_LIMIT)
        if killed in ("cli", "both"):
            assert returncode == -signal.SIGKILL
        run = Run(returncode, events, stderr, killed)
        if len(events) > 1:
            self.expected[args[0]] = len(events)
        self.log.append(
            f"{phase} {args[0]}: exit {returncode}, {len(events)} events"
            + (f", killed {killed} after event {after}" if killed else "")
        )
        if killed and phase == "sync":
            self.sync_kills += 1
        return run

    async def until_success(
        self,
        phase: str,
        attempt: Callable[[bool], Awaitable[bool]],
    ) -> None:
        """``attempt(kill)`` KILL_ROUNDS times with a kill planned (unless it succeeded), then
        without until it succeeds, at most RERUNS times."""
        for _ in range(KILL_ROUNDS):
            if await attempt(True):
                return
        for _ in range(RERUNS):
            if await attempt(False):
                return
        raise AssertionError(
            f"{phase} did not succeed after {RERUNS} reruns: " + "; ".join(self.log)
        )


def make_tree(rng: random.Random, base: Path) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for i in range(10):
        files[f"small/{i:02d}.bin"] = rng.randbytes(rng.randint(1, 100_000))
    files["ünï/日本 語.txt"] = rng.randbytes(rng.randint(1, 1000))
    for i in range(2):
        files[f"big/{i}.bin"] = rng.randbytes(rng.randint(MIB + 1, 3 * MIB))
    for i, (name, data) in enumerate(files.items()):
        write(base, name, data, mtime=1_500_000_000 + i)
    return files


def disk_tree(base: Path) -> dict[str, bytes]:
    return {
        path.relative_to(base).as_posix(): path.read_bytes()
        for path in base.rglob("*")
        if path.is_file()
    }


async def test_kill_9_anywhere_then_journal_vault_and_disk_agree(tmp_path: Path) -> None:
    seed = int(os.environ.get(SEED_VARIABLE) or random.SystemRandom().randrange(2**32))
    print(f"chaos seed: {seed} (replay with {SEED_VARIABLE}={seed})")
    rng = random.Random(seed)
    base = tmp_path / "data"
    files = make_tree(rng, base)
    journal = tmp_path / "journal"
    emu_dir = tmp_path / "emu"
    with (tmp_path / "emulator.log").open("w") as log:
        emulator = EmulatorProcess(emu_dir, rng, log)
        chaos = Chaos(rng, emulator, len(files))
        await emulator.start()
        try:
            await chaos_phases(chaos, base, journal, files)
        finally:
            await emulator.stop()
    print("\n".join(chaos.log))
    await check_agreement(chaos, seed, base, journal, emu_dir, files)


async def chaos_phases(chaos: Chaos, base: Path, journal: Path, files: dict[str, bytes]) -> None:
    create = await chaos.run("setup", ["create-vault", VAULT], kill=False)
    assert create.returncode == 0, create.stderr
    common = ["--dir", str(base), "--vault", VAULT, "--journal", str(journal)]
    common += ["--concurrency", str(CONCURRENCY)]

    async def sync(kill: bool) -> bool:
        run = await chaos.run("sync", ["sync", *common, "--partsize", "1"], kill=kill)
        assert run.returncode in (0, 1, -signal.SIGKILL), run.stderr
        return run.returncode == 0

    await chaos.until_success("sync", sync)

    for path in base.rglob("*"):
        if path.is_file():
            path.unlink()

    async def restore(kill: bool) -> bool:
        # either pass may be the one killed
        first = kill and chaos.rng.random() < 0.3
        run = await chaos.run(
            "restore", ["restore", *common, "--max-number-of-files", "100"], kill=first
        )
        assert run.returncode in (0, 1, -signal.SIGKILL), run.stderr
        run = await chaos.run("restore", ["restore-completed", *common], kill=kill and not first)
        assert run.returncode in (0, 1, -signal.SIGKILL), run.stderr
        return run.returncode == 0 and set(files) <= set(disk_tree(base))

    await chaos.until_success("restore", restore)


async def check_agreement(
    chaos: Chaos, seed: int, base: Path, journal: Path, emu_dir: Path, files: dict[str, bytes]
) -> None:
    context = f"(seed {seed}: " + "; ".join(chaos.log) + ")"
    # the disk: the original tree, byte for byte, and nothing else but restore's own temporary
    # files (where the platform has no O_TMPFILE)
    on_disk = disk_tree(base)
    leftovers = sorted(name for name in set(on_disk) - set(files))
    assert all(TEMP_NAME.fullmatch(name.rsplit("/", 1)[-1]) for name in leftovers), leftovers
    for name, data in files.items():
        assert on_disk[name] == data, f"{name} {context}"
    # the journal: every file once, nothing deleted, sizes and hashes right
    lines = [line.split("\t") for line in journal.read_text(encoding="utf-8").splitlines()]
    created = Counter(line[7] for line in lines if line[2] == "CREATED")
    assert created == Counter(dict.fromkeys(files, 1)), context
    assert not [line for line in lines if line[2] == "DELETED"], context
    state = read_journal(journal)
    assert state.torn_tail is None
    for name, data in files.items():
        assert state.files[name].size == len(data)
        assert state.files[name].treehash == tree_hash(data).hex()

    async with Emulator(emu_dir) as emu:
        endpoint = ["--endpoint-url", emu.url, *KEYS]
        common = ["--vault", VAULT, "--journal", str(journal), *endpoint]
        stored = {a.archive_id: a for a in await emu.archives(VAULT)}
        # every journal archive holds the file's bytes
        for name, record in state.files.items():
            assert await emu.read_archive(VAULT, record.archive_id) == files[name], name
        orphans = set(stored) - set(state.archives)
        assert set(state.archives) <= set(stored)
        # every orphan is a copy of a journal file (a kill between the service's answer and
        # the journal's line); at most one per request in flight at each kill of a sync
        for archive_id in orphans:
            name, mtime = decode_description(stored[archive_id].description)
            assert await emu.read_archive(VAULT, archive_id) == files[name]
            assert mtime == state.files[name].mtime
        assert len(orphans) <= CONCURRENCY * chaos.sync_kills, context
        # a sync now uploads nothing and aborts every multipart upload a kill left behind
        proc = await asyncio.create_subprocess_exec(
            *CLI,
            "sync",
            "--dir",
            str(base),
            *common,
            "--json",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(proc.communicate(), COMMAND_LIMIT)
        assert proc.returncode == 0, err.decode()
        events = [json.loads(line) for line in out.decode().splitlines()]
        assert [e for e in events if e["kind"] == "done"] == []
        # list-orphans after retrieve-inventory lists exactly the orphans, as ours
        proc = await asyncio.create_subprocess_exec(
            *CLI,
            "retrieve-inventory",
            "--vault",
            VAULT,
            *endpoint,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        _, err = await asyncio.wait_for(proc.communicate(), COMMAND_LIMIT)
        assert proc.returncode == 0, err.decode()
        proc = await asyncio.create_subprocess_exec(
            *CLI,
            "list-orphans",
            *common,
            "--json",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(proc.communicate(), COMMAND_LIMIT)
        assert proc.returncode == 0, err.decode()
        listed = [json.loads(line) for line in out.decode().splitlines()]
        print(f"orphans: {len(orphans)} archives", listed)
        archives = [o for o in listed if o["kind"] == "archive"]
        assert {o["archive_id"] for o in archives} == orphans
        assert all(o["ours"] for o in archives)
        assert [o for o in listed if o["kind"] == "upload"] == []
