"""Time limits and retry reporting: settings, options, failure text, rendering."""

from __future__ import annotations

import asyncio
import io
import json
import sys
from pathlib import Path

import aiohttp
import pytest

from aioglacier.cli import Invocation, _merge, build_parser
from aioglacier.commands import _settings
from aioglacier.config import ClientSettings, Timeouts
from aioglacier.errors import ConfigError, RemoteError
from aioglacier.progress import Retrying
from aioglacier.render import JsonRenderer, PlainRenderer, RichRenderer
from aioglacier.transport import AttemptTimer, RequestTimeout, describe_failure

EVENT = Retrying("upload_part", "photos/a.jpg", "503 ServiceUnavailableException", 3, 8, 4.2)
LINE = (
    "retrying upload_part for photos/a.jpg: 503 ServiceUnavailableException, attempt 3/8, "
    "next in 4.2 s"
)


def test_retry_line() -> None:
    assert EVENT.describe() == LINE
    bare = Retrying("list_vaults", "", "the server closed the connection", 2, 8, 0.04)
    assert bare.describe() == (
        "retrying list_vaults: the server closed the connection, attempt 2/8, next in 0.0 s"
    )


def test_plain_rich_and_json_render_retries() -> None:
    out, err = io.StringIO(), io.StringIO()
    with PlainRenderer(out, err) as plain:
        plain(EVENT)
    assert (out.getvalue(), err.getvalue()) == ("", LINE + "\n")

    out, err = io.StringIO(), io.StringIO()
    with PlainRenderer(out, err, quiet=True) as quiet:
        quiet(EVENT)
    assert err.getvalue() == ""

    out, err = io.StringIO(), io.StringIO()
    with RichRenderer(out, err) as rich:
        rich(EVENT)
    assert LINE in " ".join(err.getvalue().split())  # rich wraps at the console's width

    out, err = io.StringIO(), io.StringIO()
    with JsonRenderer(out, err) as machine:
        machine(EVENT)
    assert json.loads(out.getvalue()) == {
        "kind": "retrying",
        "operation": "upload_part",
        "relfilename": "photos/a.jpg",
        "error": "503 ServiceUnavailableException",
        "attempt": 3,
        "max_attempts": 8,
        "delay": 4.2,
    }


def test_settings_defaults_and_validation() -> None:
    assert ClientSettings().timeouts == Timeouts(
        connect=30.0, first_byte=60.0, stall=60.0, deadline=1800.0
    )
    for field, label in (
        ("connect_timeout", "connect timeout"),
        ("first_byte_timeout", "first-byte timeout"),
        ("stall_timeout", "stall timeout"),
        ("request_deadline", "request deadline"),
    ):
        with pytest.raises(ConfigError) as bad:
            ClientSettings(**{field: 0.0})  # type: ignore[arg-type]
        assert str(bad.value) == f"{label} must be positive, got 0.0"
    with pytest.raises(ConfigError):
        ClientSettings(stall_timeout=float("nan"))


def invocation(argv: list[str]) -> Invocation:
    ns = build_parser().parse_args(argv)
    values = _merge(ns._command, ns)
    return Invocation(ns._command.name, values, sys.stdout, sys.stderr)


def test_options_from_command_line_and_config_file(tmp_path: Path) -> None:
    cfg = tmp_path / "glacier.cfg"
    cfg.write_text("timeout=45\nconnect-timeout=12\nrequest-deadline=7200\n", encoding="utf-8")
    settings = _settings(
        invocation(["list-vaults", "--config", str(cfg), "--stall-timeout", "300"])
    )
    # the command line wins; mtglacier's timeout fills what is not given
    assert settings.timeouts == Timeouts(connect=12, first_byte=45, stall=300, deadline=7200)
    assert _settings(invocation(["sync", "--first-byte-timeout", "2.5"])).timeouts == Timeouts(
        first_byte=2.5
    )


def test_bad_value_in_config_file_is_one_line(tmp_path: Path) -> None:
    cfg = tmp_path / "glacier.cfg"
    cfg.write_text("stall-timeout=-1\n", encoding="utf-8")
    with pytest.raises(ConfigError) as bad:
        invocation(["list-vaults", "--config", str(cfg)])
    assert str(bad.value) == (
        "config file: bad value '-1' for stall-timeout: "
        "must be a positive number of seconds, got '-1'"
    )


def test_failure_descriptions() -> None:
    t = Timeouts(connect=5)
    assert describe_failure(RemoteError("ThrottlingException", "Rate", status=400), t) == (
        "400 ThrottlingException"
    )
    assert describe_failure(RequestTimeout("receive", 60), t) == (
        "no data received for 60 s (stall timeout)"
    )
    assert describe_failure(aiohttp.ServerDisconnectedError(), t) == (
        "the server closed the connection"
    )
    assert describe_failure(aiohttp.ClientPayloadError("x"), t) == "the response was cut short"
    assert describe_failure(aiohttp.ConnectionTimeoutError(), t) == (
        "no connection within 5 s (connect timeout)"
    )
    assert describe_failure(ConnectionResetError(104, "Connection reset by peer"), t) == (
        "connection error: Connection reset by peer"
    )


@pytest.mark.parametrize(
    ("phase", "message"),
    [
        ("connect", "no connection within 0.05 s (connect timeout)"),
        ("send", "no data sent for 0.05 s (stall timeout)"),
        ("response", "no response within 0.05 s of sending the request (first-byte timeout)"),
        ("receive", "no data received for 0.05 s (stall timeout)"),
    ],
)
async def test_timer_names_the_phase_that_ran_out(phase: str, message: str) -> None:
    limits = Timeouts(connect=0.05, first_byte=0.05, stall=0.05, deadline=60)
    loop = asyncio.get_running_loop()

    async def never_done() -> None:
        async with AttemptTimer(limits, loop.time() + 60) as timer:
            timer.enter(phase)  # type: ignore[arg-type]
            await asyncio.Event().wait()

    with pytest.raises(RequestTimeout) as late:
        await never_done()
    assert (str(late.value), late.value.retryable) == (message, True)


async def test_deadline_caps_every_phase() -> None:
    limits = Timeouts(stall=30, deadline=0.05)
    loop = asyncio.get_running_loop()

    async def trickle() -> None:
        async with AttemptTimer(limits, loop.time() + 0.05, phase="receive") as timer:
            while True:
                await asyncio.sleep(0.001)
                timer.progress()

    with pytest.raises(RequestTimeout) as late:
        await trickle()
    assert (str(late.value), late.value.retryable, late.value.code) == (
        "request deadline of 0.05 s passed",
        False,
        "RequestDeadlineExceeded",
    )
