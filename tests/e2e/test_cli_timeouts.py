"""The time limits and retry lines from the command line and the config file."""

from __future__ import annotations

import asyncio
import json
import re
import sys
from pathlib import Path

from aioglacier.emulator import DEFAULT_CREDENTIALS, Emulator

from .conftest import write
from .misbehaving import FaultyProxy, Rule, SilentServer

CLI = [sys.executable, "-m", "aioglacier"]
KEYS = ["--key", DEFAULT_CREDENTIALS.access_key, "--secret", DEFAULT_CREDENTIALS.secret_key]
NO_RESPONSE = "no response within 0.2 s of sending the request (first-byte timeout)"


async def run(*args: str) -> tuple[int, str, str]:
    """Run the CLI in a child process while this loop keeps serving the test's servers."""
    process = await asyncio.create_subprocess_exec(
        *CLI,
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    # generous: guards against a CLI that hangs, which is what these tests are about
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_dead_server_from_the_command_line_and_config_file(tmp_path: Path) -> None:
    config = tmp_path / "glacier.cfg"
    config.write_text("first-byte-timeout=0.2\nconnect-timeout=30\n", encoding="utf-8")
    async with SilentServer() as server:
        code, out, err = await run(
            "list-vaults",
            "--endpoint-url",
            server.url,
            *KEYS,
            "--config",
            str(config),
            "--request-deadline",
            "3",
        )
    assert (code, out) == (1, "")
    lines = err.splitlines()
    retry = re.compile(
        rf"retrying list_vaults: {re.escape(NO_RESPONSE)}, attempt (\d)/8, next in \d+\.\d s"
    )
    retried = [int(m.group(1)) for m in map(retry.fullmatch, lines[:-1]) if m]
    assert retried
    assert retried == list(range(2, 2 + len(retried)))
    assert len(retried) == len(lines) - 1  # nothing else was printed
    assert re.fullmatch(
        r"aioglacier: error: list_vaults: ("
        + re.escape(NO_RESPONSE)
        + r"(; request deadline of 3 s passed)?|request deadline of 3 s passed)"
        r" \(gave up after \d attempts?\)",
        lines[-1],
    ), lines[-1]


async def test_mtglacier_timeout_option_sets_first_byte_and_stall(tmp_path: Path) -> None:
    async with SilentServer() as server:
        code, _, err = await run(
            "list-vaults", "--endpoint-url", server.url, *KEYS, "--timeout", "0.2",
            "--request-deadline", "3", "--json",
        )  # fmt: skip
    assert code == 1
    events = [json.loads(line) for line in err.splitlines()[:-1]]
    assert events, err
    for n, event in enumerate(events, start=2):
        assert event == {
            "kind": "retrying",
            "operation": "list_vaults",
            "relfilename": "",
            "error": NO_RESPONSE,
            "attempt": n,
            "max_attempts": 8,
            "delay": event["delay"],
        }


async def test_bad_time_limit_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = await run("list-vaults", "--stall-timeout", "0", *KEYS)
    assert code == 2
    assert err.strip() == (
        "aioglacier: aioglacier list-vaults: argument --stall-timeout: "
        "must be a positive number of seconds, got '0'"
    )


async def test_sync_shows_retries_as_lines_and_json_events(tmp_path: Path) -> None:
    base = tmp_path / "data"
    write(base, "photos/a.jpg", b"jpeg bytes")
    async with Emulator(tmp_path / "emu") as emu:
        rules = [Rule("POST /-/vaults/vault/archives ", "silent", times=2)]
        async with FaultyProxy(emu.url, rules) as proxy:
            common = ["--vault", "vault", "--endpoint-url", proxy.url, *KEYS]
            assert (await run("create-vault", "vault", "--endpoint-url", emu.url, *KEYS))[0] == 0
            code, out, err = await run(
                "sync", "--dir", str(base), "--journal", str(tmp_path / "j1"), *common,
                "--first-byte-timeout", "0.2", "--json",
            )  # fmt: skip
            assert code == 0, err
            events = [json.loads(line) for line in out.splitlines()]
            retried = [e for e in events if e["kind"] == "retrying"]
            assert retried == [
                {
                    "kind": "retrying",
                    "operation": "upload_archive",
                    "relfilename": "photos/a.jpg",
                    "error": NO_RESPONSE,
                    "attempt": 2,
                    "max_attempts": 8,
                    "delay": retried[0]["delay"],
                },
                {
                    "kind": "retrying",
                    "operation": "upload_archive",
                    "relfilename": "photos/a.jpg",
                    "error": NO_RESPONSE,
                    "attempt": 3,
                    "max_attempts": 8,
                    "delay": retried[1]["delay"],
                },
            ]
            rules.append(Rule("POST /-/vaults/vault/archives ", "silent"))
            (base / "photos" / "b.jpg").write_bytes(b"more jpeg")
            code, out, err = await run(
                "sync", "--dir", str(base), "--journal", str(tmp_path / "j2"), *common,
                "--first-byte-timeout", "0.2", "--filter", "+photos/b.jpg -",
            )  # fmt: skip
            assert code == 0, err
    assert re.search(
        rf"^retrying upload_archive for photos/b\.jpg: {re.escape(NO_RESPONSE)}, "
        r"attempt 2/8, next in \d+\.\d s$",
        err,
        re.MULTILINE,
    ), err
