"""The CLI end to end: real processes, real HTTP, the embedded local: endpoint."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from aioglacier.emulator import DEFAULT_CREDENTIALS, Emulator
from aioglacier.journal import read_journal
from aioglacier.resume import resume_path_for
from aioglacier.treehash import tree_hash

from .conftest import MIB, assert_vault_matches_tree, write

ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "aioglacier"]
KEYS = ["--key", DEFAULT_CREDENTIALS.access_key, "--secret", DEFAULT_CREDENTIALS.secret_key]


def cli(
    *args: str, cwd: Path | None = None, stdin: bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [*CLI, *args], cwd=cwd, input=stdin, capture_output=True, timeout=120, check=False
    )


def test_readme_quickstart_sync_runs_as_written(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"## Quickstart.*?```sh\n(.*?)\n```", readme, re.S)
    assert block is not None
    line = block.group(1)
    # The install step is CI's own job; everything after it runs exactly as written.
    commands = line.split(" && ")
    assert commands[:2] == ["python3 -m venv .venv", ".venv/bin/pip install -q -e ."]
    rest = " && ".join(commands[2:]).replace(".venv/bin/aioglacier", shlex.join(CLI))
    out = subprocess.run(
        rest, shell=True, cwd=tmp_path, capture_output=True, timeout=120, check=False
    )
    assert out.returncode == 0, out.stderr.decode()
    state = read_journal(tmp_path / "demo.journal")
    assert list(state.files) == ["photos/a.txt"]
    assert state.files["photos/a.txt"].treehash == tree_hash(b"hello\n").hex()
    assert "sync: 1 uploaded, 0 replaced, 0 deleted, 0 skipped, 0 failed" in out.stderr.decode()
    # The two restore passes the Quickstart shows, as written: the file comes back whole.
    passes = re.findall(r"`((?:mkdir restored && )?\.venv/bin/aioglacier restore[^`]*)`", readme)
    assert [p.split(" --dir")[0].rsplit(" ", 1)[-1] for p in passes] == [
        "restore",
        "restore-completed",
    ]
    for command in passes:
        run = command.replace(".venv/bin/aioglacier", shlex.join(CLI))
        out = subprocess.run(
            run, shell=True, cwd=tmp_path, capture_output=True, timeout=120, check=False
        )
        assert out.returncode == 0, out.stderr.decode()
    assert (tmp_path / "restored" / "photos" / "a.txt").read_bytes() == b"hello\n"


def test_readme_library_example_runs(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"## Library.*?```python\n(.*?)\n```", readme, re.S)
    assert block is not None
    write(tmp_path, "demo/x.txt", b"library")
    out = subprocess.run(
        [sys.executable, "-c", block.group(1)],
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr.decode()
    assert out.stdout.decode().splitlines()[-1] == "1 uploaded, 0 failed"


def test_cli_vaults_sync_json_and_upload_file(tmp_path: Path) -> None:
    endpoint = ["--endpoint-url", f"local:{tmp_path / 'emu'}"]
    assert cli("create-vault", "v1", *endpoint).returncode == 0
    out = cli("create-vault", "bad/name", *endpoint)
    assert out.returncode == 2
    assert out.stderr.decode().startswith(
        "aioglacier: aioglacier create-vault: argument VAULT: invalid vault name 'bad/name'"
    )
    base = tmp_path / "data"
    write(base, "a/b.txt", b"bee")
    write(base, "c.bin", os.urandom(3 * MIB + 1))
    journal = tmp_path / "j"
    out = cli(
        "sync",
        "--dir",
        str(base),
        "--vault",
        "v1",
        "--journal",
        str(journal),
        "--partsize",
        "1",
        "--concurrency",
        "4",
        "--json",
        *endpoint,
    )
    assert out.returncode == 0, out.stderr.decode()
    events = [json.loads(line) for line in out.stdout.decode().splitlines()]
    done = sorted(e["relfilename"] for e in events if e["kind"] == "done")
    assert done == ["a/b.txt", "c.bin"]
    assert events[-1]["kind"] == "finished"
    assert sum(e["nbytes"] for e in events if e["kind"] == "bytes") == 3 * MIB + 4

    # upload-file: by --dir, by --set-rel-filename, from stdin; a journaled name is refused.
    extra = write(base, "more/x.txt", b"xx")
    out = cli(
        "upload-file",
        "--vault",
        "v1",
        "--journal",
        str(journal),
        "--filename",
        str(extra),
        "--dir",
        str(base),
        *endpoint,
    )
    assert out.returncode == 0, out.stderr.decode()
    out = cli(
        "upload-file",
        "--vault",
        "v1",
        "--journal",
        str(journal),
        "--stdin",
        "--set-rel-filename",
        "from/stdin",
        "--check-max-file-size",
        "1",
        *endpoint,
        stdin=b"piped data",
    )
    assert out.returncode == 0, out.stderr.decode()
    out = cli(
        "upload-file",
        "--vault",
        "v1",
        "--journal",
        str(journal),
        "--filename",
        str(extra),
        "--set-rel-filename",
        "more/x.txt",
        *endpoint,
    )
    assert out.returncode == 1
    assert out.stderr.decode() == 'aioglacier: error: file "more/x.txt" is already in the journal\n'
    out = cli(
        "upload-file",
        "--vault",
        "v1",
        "--journal",
        str(journal),
        "--stdin",
        "--set-rel-filename",
        "big",
        "--check-max-file-size",
        "1",
        *endpoint,
        stdin=b"z" * (MIB + 1),
    )
    assert out.returncode == 1
    assert out.stderr.decode() == (
        "aioglacier: error: big: input is larger than the maximum of 1048576 bytes\n"
    )
    # standard input longer than a part streams up as a multipart upload
    piped = os.urandom(3 * MIB + 5)
    out = cli(
        "upload-file",
        "--vault",
        "v1",
        "--journal",
        str(journal),
        "--stdin",
        "--set-rel-filename",
        "piped/big",
        "--check-max-file-size",
        "10",
        "--partsize",
        "1",
        *endpoint,
        stdin=piped,
    )
    assert out.returncode == 0, out.stderr.decode()
    state = read_journal(journal)
    assert sorted(state.files) == ["a/b.txt", "c.bin", "from/stdin", "more/x.txt", "piped/big"]
    assert state.files["piped/big"].treehash == tree_hash(piped).hex()
    assert state.files["piped/big"].size == len(piped)
    assert state.files["from/stdin"].treehash == tree_hash(b"piped data").hex()

    out = cli("list-vaults", *endpoint)
    assert out.returncode == 0
    assert out.stdout.decode().startswith("v1\t5 archives\t")
    out = cli("delete-vault", "v1", *endpoint)
    assert out.returncode == 1
    assert out.stderr.decode().startswith("aioglacier: error: InvalidParameterValueException: ")
    assert out.stderr.decode().count("\n") == 1


def test_cli_wrong_secret_is_one_line_and_secret_not_shown(tmp_path: Path) -> None:
    out = cli(
        "list-vaults",
        "--endpoint-url",
        f"local:{tmp_path / 'emu'}",
        "--key",
        "AKIAIOSFODNN7EXAMPLE",
        "--secret",
        "not-the-secret-value-at-all",
    )
    assert out.returncode == 1
    err = out.stderr.decode()
    assert err.startswith("aioglacier: error: InvalidSignatureException: ")
    assert err.count("\n") == 1
    assert "not-the-secret-value-at-all" not in err


async def test_sync_killed_with_sigkill_resumes_with_missing_parts_only(tmp_path: Path) -> None:
    base = tmp_path / "data"
    data = os.urandom(16 * MIB)
    write(base, "big.bin", data, mtime=1_500_000_000)
    journal = tmp_path / "j"
    emu_dir = tmp_path / "emu"
    seen_parts = 0
    async with Emulator(emu_dir) as emu:
        args = [
            "sync",
            "--dir",
            str(base),
            "--vault",
            "v",
            "--journal",
            str(journal),
            "--partsize",
            "1",
            "--concurrency",
            "2",
            "--json",
            "--endpoint-url",
            emu.url,
            *KEYS,
        ]
        create = await asyncio.create_subprocess_exec(
            *CLI, "create-vault", "v", "--endpoint-url", emu.url, *KEYS
        )
        assert await create.wait() == 0
        # Five parts go through; the others wait: the kill comes in the middle of the upload.
        gate = emu.hold("upload_part", after=5)
        proc = await asyncio.create_subprocess_exec(
            *CLI, *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL
        )
        assert proc.stdout is not None
        await gate.holding()
        while seen_parts < 5:
            line = await asyncio.wait_for(proc.stdout.readline(), 60)
            assert line, "the sync ended before it was killed"
            event = json.loads(line)
            if event["kind"] == "bytes":
                seen_parts += 1
        proc.send_signal(signal.SIGKILL)
        assert await proc.wait() == -signal.SIGKILL
    assert read_journal(journal).files == {}
    assert resume_path_for(journal).exists()

    async with Emulator(emu_dir) as emu:
        proc = await asyncio.create_subprocess_exec(
            *CLI,
            *args[: -len(KEYS) - 2],
            "--endpoint-url",
            emu.url,
            *KEYS,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        stdout, stderr = await proc.communicate()
        assert proc.returncode == 0, stderr.decode()
        events = [json.loads(line) for line in stdout.decode().splitlines()]
        [done] = [e for e in events if e["kind"] == "done"]
        match = re.fullmatch(r"resumed: (\d+) parts reused, (\d+) sent", done["detail"])
        assert match is not None, done
        reused, sent = int(match.group(1)), int(match.group(2))
        assert reused >= seen_parts
        assert reused + sent == 16
        sent_bytes = sum(e["nbytes"] for e in events if e["kind"] == "bytes")
        assert sent_bytes == 16 * MIB
        await assert_vault_matches_tree(emu, "v", journal, base)
    assert not resume_path_for(journal).exists()


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("signal_number", [signal.SIGINT])
async def test_ctrl_c_stops_cleanly_with_journal_complete(
    tmp_path: Path, signal_number: int
) -> None:
    base = tmp_path / "data"
    for i in range(30):
        write(base, f"f{i:02d}", os.urandom(64 * 1024))
    journal = tmp_path / "j"
    async with Emulator(tmp_path / "emu", faults="bandwidth=256KiB") as emu:
        create = await asyncio.create_subprocess_exec(
            *CLI, "create-vault", "v", "--endpoint-url", emu.url, *KEYS
        )
        assert await create.wait() == 0
        # The 4th and later uploads wait until the signal was sent: the sync is certainly in
        # the middle of its run when the signal arrives, however fast or slow the machine.
        gate = emu.hold("upload_archive", after=3)
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-X",
            "faulthandler",  # a CLI that hangs is made to show where (SIGABRT below)
            "-m",
            "aioglacier",
            "sync",
            "--dir",
            str(base),
            "--vault",
            "v",
            "--journal",
            str(journal),
            "--concurrency",
            "2",
            "--json",
            "--endpoint-url",
            emu.url,
            *KEYS,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            # A shell starts background jobs with SIGINT ignored, and an ignored signal stays
            # ignored across exec: the CLI must get Ctrl-C as a terminal gives it, whoever
            # started this test (the suite in the background used to hang here).
            preexec_fn=_default_sigint,
        )
        assert proc.stdout is not None
        done = 0
        while done < 3:
            event = json.loads(await asyncio.wait_for(proc.stdout.readline(), 60))
            done += event["kind"] == "done"
        await gate.holding()
        proc.send_signal(signal_number)
        # Generous: guards against a CLI that ignores Ctrl-C, not a measure of how fast it stops
        # (a few seconds even on a loaded machine).
        try:
            _, stderr = await asyncio.wait_for(proc.communicate(), 150)
        except TimeoutError:
            proc.send_signal(signal.SIGABRT)  # faulthandler prints every thread's stack
            _, stderr = await proc.communicate()
            pytest.fail(f"the CLI did not stop within 150 s of Ctrl-C:\n{stderr.decode()}")
        gate.open()
        assert proc.returncode == 130, stderr.decode()
        assert stderr.decode().endswith("aioglacier: interrupted\n")
        state = read_journal(journal)  # complete lines only, no torn tail
        assert state.torn_tail is None
        assert len(state.files) >= 3
        archives = {a.archive_id for a in await emu.archives("v")}
        assert set(state.archives) <= archives


def test_emulator_command_serves_and_stops_on_sigterm(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [*CLI, "emulator", "--data-dir", str(tmp_path / "emu"), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        match = re.fullmatch(r"aioglacier emulator listening on (http://127\.0\.0\.1:\d+)\n", first)
        assert match is not None, first
        url = match.group(1)
        printed = [proc.stdout.readline() for _ in range(3)]
        assert f"AWS_ACCESS_KEY_ID={DEFAULT_CREDENTIALS.access_key}\n" in printed
        out = cli("create-vault", "served", "--endpoint-url", url, *KEYS)
        assert out.returncode == 0, out.stderr.decode()
        listed = cli("list-vaults", "--endpoint-url", url, *KEYS)
        assert listed.stdout.decode().startswith("served\t0 archives\t0 bytes\t")
    finally:
        proc.send_signal(signal.SIGTERM)
        rest, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert rest.endswith("stopping\n")


async def test_second_sync_on_a_locked_journal_is_refused(tmp_path: Path) -> None:
    base = tmp_path / "data"
    for i in range(8):
        write(base, f"f{i}", os.urandom(256 * 1024))
    journal = tmp_path / "j"
    async with Emulator(tmp_path / "emu") as emu:
        args = [
            "sync",
            "--dir",
            str(base),
            "--vault",
            "v",
            "--journal",
            str(journal),
            "--concurrency",
            "1",
            "--json",
            "--endpoint-url",
            emu.url,
            *KEYS,
        ]
        create = await asyncio.create_subprocess_exec(
            *CLI, "create-vault", "v", "--endpoint-url", emu.url, *KEYS
        )
        assert await create.wait() == 0
        # The first sync's second upload waits until the second sync was refused.
        gate = emu.hold("upload_archive", after=1)
        first = await asyncio.create_subprocess_exec(
            *CLI, *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        assert first.stdout is not None
        await gate.holding()
        second = await asyncio.create_subprocess_exec(
            *CLI, *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        _, err = await asyncio.wait_for(second.communicate(), 60)
        assert second.returncode == 1
        text = err.decode()
        assert text.count("\n") == 1
        assert text.startswith("aioglacier: error: ")
        assert "lock" in text
        gate.open()
        await asyncio.wait_for(first.communicate(), 120)
        assert first.returncode == 0
    assert len(read_journal(journal).files) == 8
