"""No hang against a dead or slow server: each time limit, with real misbehaving servers.

Every server here runs on 127.0.0.1, started and stopped by its test. The limit under test is
set small; the others stay generous (30 s), so a busy machine cannot trip them. Tests assert
outcomes and the retry events seen, never elapsed time.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from aioglacier import Client, ClientSettings, Event, Retrying, RetryPolicy
from aioglacier.emulator import Emulator
from aioglacier.journal import read_journal
from aioglacier.sigv4 import Credentials
from aioglacier.transport import NetworkError

from .conftest import MIB, assert_vault_matches_tree, write
from .misbehaving import FaultyProxy, Rule, SilentServer, TrickleServer

CREDENTIALS = Credentials("AKIDEXAMPLE", "secret-for-a-server-that-never-checks")
GENEROUS = 30.0
FIRST_BYTE = "no response within 0.2 s of sending the request (first-byte timeout)"


def client_for(
    url: str,
    *,
    credentials: Credentials = CREDENTIALS,
    attempts: int = 3,
    part_mib: int = 1,
    on_retry: Callable[[Retrying], None] | None = None,
    **limits: float,
) -> Client:
    settings: dict[str, Any] = {
        "connect_timeout": GENEROUS,
        "first_byte_timeout": GENEROUS,
        "stall_timeout": GENEROUS,
        "request_deadline": 10 * GENEROUS,
        **limits,
    }
    return Client(
        ClientSettings(
            endpoint_url=url,
            credentials=credentials,
            part_size=part_mib * MIB,
            max_attempts=attempts,
            **settings,
        ),
        retry=RetryPolicy(max_attempts=attempts, base_delay=0.005, max_delay=0.05),
        on_retry=on_retry,
    )


def retries(events: list[Any]) -> list[tuple[str, str, str, int, int]]:
    return [
        (e.operation, e.relfilename, e.error, e.attempt, e.max_attempts)
        for e in events
        if isinstance(e, Retrying)
    ]


@pytest.mark.both_loops
async def test_server_that_never_answers_fails_each_attempt_at_the_first_byte_limit() -> None:
    seen: list[Retrying] = []
    async with SilentServer() as server:
        async with client_for(server.url, first_byte_timeout=0.2, on_retry=seen.append) as client:
            with pytest.raises(NetworkError) as failure:
                await client.list_vaults()
        assert server.connections == 3  # each timed-out attempt dropped its connection
    assert str(failure.value) == f"list_vaults: {FIRST_BYTE} (gave up after 3 attempts)"
    assert failure.value.code == "FirstByteTimeout"
    assert retries(seen) == [
        ("list_vaults", "", FIRST_BYTE, 2, 3),
        ("list_vaults", "", FIRST_BYTE, 3, 3),
    ]
    assert all(0 <= e.delay <= 0.05 for e in seen)


async def test_s3_requests_get_the_same_time_limits() -> None:
    """The settings' limits reach the S3 client too (a bucket command against a silent server
    fails each attempt at the first-byte limit, retried, then one clear error)."""
    seen: list[Retrying] = []
    async with SilentServer() as server:
        async with client_for(server.url, first_byte_timeout=0.2, on_retry=seen.append) as client:
            with pytest.raises(NetworkError) as failure:
                await client.create_bucket("silent-bucket")
        assert server.connections == 3
    assert failure.value.code == "FirstByteTimeout"
    assert str(failure.value).endswith(f": {FIRST_BYTE} (gave up after 3 attempts)")
    assert [(e.error, e.attempt) for e in seen] == [(FIRST_BYTE, 2), (FIRST_BYTE, 3)]


@pytest.mark.both_loops
async def test_trickling_server_is_cut_off_by_the_request_deadline() -> None:
    seen: list[Retrying] = []
    async with TrickleServer(interval=0.01) as server:
        async with client_for(server.url, request_deadline=0.5, on_retry=seen.append) as client:
            with pytest.raises(NetworkError) as failure:
                await client.list_vaults()
        # bytes kept coming: the stall limit (30 s) was never the reason
        assert server.bytes_sent > 0
    assert str(failure.value) == (
        "list_vaults: request deadline of 0.5 s passed (gave up after 1 attempt)"
    )
    assert failure.value.code == "RequestDeadlineExceeded"
    assert seen == []  # the deadline covers every attempt: nothing left to retry in


async def test_refused_connection_is_one_clear_error_after_the_retries() -> None:
    async with SilentServer() as server:
        url = server.url  # a port that was just free, and is closed again below
    seen: list[Retrying] = []
    async with client_for(url, on_retry=seen.append) as client:
        with pytest.raises(NetworkError) as failure:
            await client.list_vaults()
    port = url.rsplit(":", 1)[1]
    assert str(failure.value).startswith(f"list_vaults: cannot connect to 127.0.0.1:{port}: ")
    assert str(failure.value).endswith(" (gave up after 3 attempts)")
    assert [e.attempt for e in seen] == [2, 3]


async def test_first_byte_timeout_retried_until_the_server_answers(tmp_path: Path) -> None:
    base = tmp_path / "data"
    write(base, "a.txt", b"alpha")
    journal = tmp_path / "journal"
    events: list[Event] = []
    async with Emulator(tmp_path / "emu") as emu:
        rules = [Rule("GET /-/vaults/vault ", "silent", times=2)]
        async with FaultyProxy(emu.url, rules) as proxy:
            async with client_for(emu.url, credentials=emu.credentials) as direct:
                await direct.create_vault("vault")
            async with client_for(
                proxy.url, credentials=emu.credentials, first_byte_timeout=0.2
            ) as client:
                result = await client.sync(base, "vault", journal, progress=events.append)
            assert [b for _, b in proxy.spoiled()] == ["silent", "silent"]
        assert result.ok, result.failed
        await assert_vault_matches_tree(emu, "vault", journal, base)
    assert retries(events) == [
        ("describe_vault", "", FIRST_BYTE, 2, 3),
        ("describe_vault", "", FIRST_BYTE, 3, 3),
    ]


@pytest.mark.both_loops
async def test_upload_stalled_mid_body_is_retried(tmp_path: Path) -> None:
    base = tmp_path / "data"
    data = os.urandom(16 * MIB)  # two parts of 8 MiB: whichever goes first is stalled
    write(base, "photos/a.jpg", data)
    journal = tmp_path / "journal"
    events: list[Event] = []
    async with Emulator(tmp_path / "emu") as emu:
        rules = [Rule("PUT /-/vaults/vault/multipart-uploads/", "stop-reading")]
        async with FaultyProxy(emu.url, rules) as proxy:
            async with client_for(proxy.url, credentials=emu.credentials) as client:
                await client.create_vault("vault")
            async with client_for(
                proxy.url, credentials=emu.credentials, part_mib=8, stall_timeout=2.0
            ) as client:
                result = await client.sync(base, "vault", journal, progress=events.append)
            assert [b for _, b in proxy.spoiled()] == ["stop-reading"]
        assert result.ok, result.failed
        await assert_vault_matches_tree(emu, "vault", journal, base)
    assert retries(events) == [
        ("upload_part", "photos/a.jpg", "no data sent for 2 s (stall timeout)", 2, 3)
    ]


@pytest.mark.both_loops
async def test_download_stalled_mid_body_is_retried(tmp_path: Path) -> None:
    base = tmp_path / "data"
    data = os.urandom(3 * MIB + 5)
    write(base, "big.bin", data, mtime=1_500_000_000)
    journal = tmp_path / "journal"
    events: list[Event] = []
    async with Emulator(tmp_path / "emu") as emu:
        async with client_for(emu.url, credentials=emu.credentials) as client:
            await client.create_vault("vault")
            assert (await client.sync(base, "vault", journal)).ok
            (base / "big.bin").unlink()
            await client.restore(base, "vault", journal, max_number_of_files=10)
        rules = [Rule("/output ", "cut-response", keep=64 * 1024)]
        async with FaultyProxy(emu.url, rules) as proxy:
            async with client_for(
                proxy.url, credentials=emu.credentials, stall_timeout=2.0
            ) as client:
                result = await client.restore_completed(
                    base, "vault", journal, segment_size=MIB, progress=events.append
                )
            assert [b for _, b in proxy.spoiled()] == ["cut-response"]
    assert result.ok, result.failed
    assert (base / "big.bin").read_bytes() == data
    assert retries(events) == [
        ("get_job_output", "big.bin", "no data received for 2 s (stall timeout)", 2, 3)
    ]


async def test_download_stalled_on_every_attempt_fails_the_file_with_one_line(
    tmp_path: Path,
) -> None:
    base = tmp_path / "data"
    write(base, "small.txt", b"small file", mtime=1_500_000_000)
    journal = tmp_path / "journal"
    async with Emulator(tmp_path / "emu") as emu:
        async with client_for(emu.url, credentials=emu.credentials) as client:
            await client.create_vault("vault")
            assert (await client.sync(base, "vault", journal)).ok
            (base / "small.txt").unlink()
            await client.restore(base, "vault", journal, max_number_of_files=10)
        rules = [Rule("/output ", "silent", times=3)]
        async with FaultyProxy(emu.url, rules) as proxy:
            async with client_for(
                proxy.url, credentials=emu.credentials, first_byte_timeout=0.2
            ) as client:
                result = await client.restore_completed(base, "vault", journal)
    assert [(o.relfilename, o.detail) for o in result.failed] == [
        ("small.txt", f"get_job_output: {FIRST_BYTE} (gave up after 3 attempts)")
    ]
    assert not (base / "small.txt").exists()
    assert list(base.iterdir()) == []
    assert len(read_journal(journal).files) == 1
