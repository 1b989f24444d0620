"""The CLI frame: exit codes, one-line errors, config merging, tree-hash, check-local-hash."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from aioglacier.cli import main
from aioglacier.treehash import tree_hash

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def run(
    *args: str, stdin: bytes | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "aioglacier", *args],
        input=stdin.decode("latin-1") if stdin is not None else None,
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
        check=False,
    )


def test_tree_hash_files_and_stdin(tmp_path: Path) -> None:
    data = os.urandom(3 * 1024 * 1024 + 5)
    f = tmp_path / "file name.bin"
    f.write_bytes(data)
    out = subprocess.run(
        [sys.executable, "-m", "aioglacier", "tree-hash", str(f), "-"],
        input=b"abc",
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.decode().splitlines() == [
        f"{tree_hash(data).hex()}  {f}",
        f"{hashlib.sha256(b'abc').hexdigest()}  -",
    ]


def test_tree_hash_missing_file_is_one_line_and_exit_1(tmp_path: Path) -> None:
    out = run("tree-hash", str(tmp_path / "nope"))
    assert out.returncode == 1
    assert out.stderr == f"aioglacier: {tmp_path / 'nope'}: No such file or directory\n"


def test_usage_error_exit_2() -> None:
    out = run("sync", "--concurrency", "zero")
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1
    assert "--concurrency: must be a positive integer, got 'zero'" in out.stderr


def test_missing_option_is_usage_error(tmp_path: Path) -> None:
    code = main(["sync", "--dir", str(tmp_path), "--vault", "v"])
    assert code == 2


def test_partsize_must_be_power_of_two(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sync", "--partsize", "3"]) == 2
    assert "must be a power of two from 1 to 4096 (MiB), got '3'" in capsys.readouterr().err


def test_no_command_prints_help() -> None:
    out = run()
    assert out.returncode == 2
    assert "usage: aioglacier" in out.stderr


@pytest.mark.parametrize(
    "command",
    [
        "sync", "upload-file", "restore", "restore-completed", "check-local-hash", "purge-vault",
        "retrieve-inventory", "download-inventory", "list-jobs", "create-vault", "delete-vault",
        "list-vaults", "tree-hash", "emulator", "migrate", "migration-names",
    ],
)  # fmt: skip
def test_help_on_each_command(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    assert info.value.code == 0
    assert f"usage: aioglacier {command}" in capsys.readouterr().out


def test_aliases_and_config_file_merge(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # --from-dir is mtglacier's alias of --dir; a bad concurrency in the config file is reported
    # without echoing values of secret keys.
    cfg = tmp_path / "glacier.cfg"
    cfg.write_text(f"secret={SECRET}\nconcurrency=many\n")
    os.chmod(cfg, 0o600)
    code = main(
        [
            "sync",
            "--from-dir",
            str(tmp_path),
            "--to-vault",
            "v",
            "--journal",
            "j",
            "--config",
            str(cfg),
        ]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert err == (
        "aioglacier: error: config file: bad value 'many' for concurrency: "
        "must be a positive integer, got 'many'\n"
    )
    assert SECRET not in err


def test_secret_config_value_hidden_in_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = tmp_path / "glacier.cfg"
    cfg.write_text("protocol=gopher\n")
    os.chmod(cfg, 0o600)
    assert main(["list-vaults", "--config", str(cfg)]) == 1
    assert "config file: protocol must be one of http, https" in capsys.readouterr().err


def test_detect_needs_replace_modified(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "sync",
            "--dir",
            str(tmp_path),
            "--vault",
            "v",
            "--journal",
            str(tmp_path / "j"),
            "--detect",
            "mtime",
            "--endpoint-url",
            "http://127.0.0.1:9",
        ]
    )
    assert code == 2
    assert capsys.readouterr().err == (
        "aioglacier: --detect can be used only together with --replace-modified\n"
    )


def test_check_local_hash_cli(tmp_path: Path) -> None:
    data_dir = tmp_path / "d"
    data_dir.mkdir()
    good = os.urandom(1500)
    (data_dir / "good.bin").write_bytes(good)
    (data_dir / "bad.bin").write_bytes(b"changed!")
    journal = tmp_path / "journal"
    th = tree_hash(good).hex()
    journal.write_text(
        f"B\t1\tCREATED\tA1\t1500\t100\t{th}\tgood.bin\n"
        f"B\t2\tCREATED\tA2\t8\t100\t{'0' * 64}\tbad.bin\n"
        f"B\t3\tCREATED\tA3\t5\t100\t{'0' * 64}\tmissing.bin\n"
    )
    out = run("check-local-hash", "--dir", str(data_dir), "--journal", str(journal))
    assert out.returncode == 1
    lines = out.stdout.splitlines()
    assert lines[0].startswith("TREEHASH MISMATCH bad.bin")
    assert lines[1].startswith("OK good.bin")
    assert lines[2] == "MISSING missing.bin"
    assert "1 OK" in lines
    assert "1 MISSING" in lines
    out = run(
        "check-local-hash",
        "--dir",
        str(data_dir),
        "--journal",
        str(journal),
        "--include",
        "good.bin",
        "--exclude",
        "*",
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_bad_filter_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "check-local-hash",
            "--dir",
            str(tmp_path),
            "--journal",
            str(tmp_path / "j"),
            "--filter",
            "+ok bad",
        ]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("aioglacier: Error in parsing filter '+ok bad'")


def test_broken_journal_is_one_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    journal = tmp_path / "j"
    journal.write_text("B\t1\tCREATED\tX\t5\n")
    code = main(["check-local-hash", "--dir", str(tmp_path), "--journal", str(journal)])
    assert code == 1
    assert capsys.readouterr().err == (
        f"aioglacier: error: {journal}:1: line is broken: 'B\\t1\\tCREATED\\tX\\t5'\n"
    )


class _StubClient:
    """What list-jobs and list-vaults need of a Client, answering with hostile text."""

    HOSTILE = "evil\x1b[2J\x1b]0;pwned\x07n"

    async def __aenter__(self) -> _StubClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def list_jobs(self, vault: str) -> list[dict[str, object]]:
        return [
            {
                "JobId": "job\r1",
                "Action": "ArchiveRetrieval",
                "StatusCode": "Succeeded",
                "Tier": "Bulk\u202e",
                "CreationDate": "2024-01-01T00:00:00.000Z",
                "ArchiveId": self.HOSTILE,
            }
        ]

    async def list_vaults(self) -> list[object]:
        from aioglacier.backends.glacier import VaultInfo

        return [VaultInfo(self.HOSTILE, "arn", "2024\t01", None, 1, 2)]


@pytest.mark.parametrize("command", ["list-jobs", "list-vaults"])
def test_listings_escape_what_the_service_sends(
    command: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    import aioglacier.commands

    monkeypatch.setattr(aioglacier.commands, "_client", lambda inv: _StubClient())
    args = [command, *(["--vault", "v"] if command == "list-jobs" else [])]
    assert main(args) == 0
    out = capsys.readouterr().out
    if command == "list-jobs":
        assert out == (
            "job\\r1\tArchiveRetrieval\tSucceeded\tBulk\\u202e\t2024-01-01T00:00:00.000Z\t"
            "evil\\x1b[2J\\x1b]0;pwned\\x07n\n"
        )
    else:
        assert out == (
            "evil\\x1b[2J\\x1b]0;pwned\\x07n\t1 archives\t2 bytes\tcreated 2024\\t01\t"
            "inventory never\n"
        )
    assert main([*args, "--json"]) == 0
    line = capsys.readouterr().out
    for raw in ("\x1b", "\r", "\u202e"):
        assert raw not in line
    value = json.loads(line)
    if command == "list-jobs":
        assert value["ArchiveId"] == _StubClient.HOSTILE
        assert value["JobId"] == "job\r1"
    else:
        assert value["name"] == _StubClient.HOSTILE


def test_log_lines_escape_names() -> None:
    import logging

    from aioglacier.cli import _PrintableFormatter

    formatter = _PrintableFormatter("%(levelname)s %(message)s")
    try:
        raise ValueError("bad \x1b]0;title\x07 name")
    except ValueError:
        record = logging.LogRecord(
            "x", logging.WARNING, __file__, 1, "file %s", ("evil\x1b[2J\rx",), sys.exc_info()
        )
    lines = formatter.format(record).split("\n")
    assert lines[0] == "WARNING file evil\\x1b[2J\\rx"
    assert lines[-1] == "ValueError: bad \\x1b]0;title\\x07 name"
    for line in lines:
        assert "\x1b" not in line
        assert "\r" not in line
