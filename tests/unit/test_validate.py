"""Vault names and endpoint URLs are checked once, by one rule, before anything reaches a URL."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aioglacier.errors import UsageError
from aioglacier.validate import validate_endpoint_url, validate_vault_name

AWS_RULE = re.compile(r"[a-zA-Z0-9_.-]{1,255}")


@pytest.mark.parametrize("name", ["v", "photos-2024", "a.b_c-D9", "x" * 255, "..", "-"])
def test_valid_vault_names(name: str) -> None:
    assert validate_vault_name(name) == name


@pytest.mark.parametrize(
    "name", ["", "../../etc", "a/b", "a b", "été", "x" * 256, "evil\x1b[2J", "a%2Fb", "a\n"]
)
def test_invalid_vault_names(name: str) -> None:
    with pytest.raises(UsageError, match=r"^invalid vault name .*: a vault name is 1 to 255"):
        validate_vault_name(name)


@given(st.text(st.characters(max_codepoint=0x7F), max_size=300))
def test_vault_rule_is_aws_rule(name: str) -> None:
    if AWS_RULE.fullmatch(name) is not None:
        assert validate_vault_name(name) == name
        return
    with pytest.raises(UsageError) as info:
        validate_vault_name(name)
    assert "\x1b" not in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9000",
        "https://glacier.eu-west-1.amazonaws.com",
        "HTTPS://glacier.eu-west-1.amazonaws.com/",
        "http://[::1]:8080",
        "local:glacier-data",
        "local:/tmp/x y",
    ],
)
def test_valid_endpoints(url: str) -> None:
    assert validate_endpoint_url(url) == url


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("ftp://x", "expected http://HOST, https://HOST or local:DIR"),
        ("glacier.amazonaws.com", "expected http://HOST, https://HOST or local:DIR"),
        ("file:///etc/passwd", "expected http://HOST, https://HOST or local:DIR"),
        ("http://", "no host"),
        ("http://h:99999", "Port out of range 0-65535"),
        ("http://h/?x=1", "no query or fragment allowed"),
    ],
)
def test_invalid_endpoints(url: str, why: str) -> None:
    with pytest.raises(UsageError) as info:
        validate_endpoint_url(url)
    assert str(info.value) == f"invalid endpoint URL {url!r}: {why}"


def test_local_needs_a_directory() -> None:
    with pytest.raises(UsageError, match="local: needs a directory"):
        validate_endpoint_url("local:")


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "aioglacier", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=cwd,
    )


RULE = "a vault name is 1 to 255 characters of a-z, A-Z, 0-9, '_', '-' and '.'"


@pytest.mark.parametrize(
    ("args", "where"),
    [
        (
            ["sync", "--dir", ".", "--journal", "j", "--vault", "../../etc"],
            "sync: argument --vault/--to-vault",
        ),
        (["list-jobs", "--vault", "../../etc"], "list-jobs: argument --vault/--to-vault"),
        (
            ["restore-completed", "--dir", ".", "--journal", "j", "--vault", "a/b"],
            "restore-completed: argument --vault/--to-vault",
        ),
        (
            ["purge-vault", "--journal", "j", "--vault", ""],
            "purge-vault: argument --vault/--to-vault",
        ),
        (["create-vault", "bad/name"], "create-vault: argument VAULT"),
        (["delete-vault", "../x"], "delete-vault: argument VAULT"),
    ],
)
def test_cli_refuses_bad_vault_names_before_any_request(
    tmp_path: Path, args: list[str], where: str
) -> None:
    out = run(*args, "--endpoint-url", f"local:{tmp_path / 'emu'}", cwd=tmp_path)
    assert out.returncode == 2
    name = args[args.index("--vault") + 1] if "--vault" in args else args[1]
    assert out.stderr == f"aioglacier: aioglacier {where}: invalid vault name {name!r}: {RULE}\n"
    assert not (tmp_path / "emu").exists()  # not even the embedded emulator was started


def test_cli_bad_endpoint_is_a_usage_error(tmp_path: Path) -> None:
    out = run("list-vaults", "--endpoint-url", "ftp://x", cwd=tmp_path)
    assert out.returncode == 2
    assert out.stderr == (
        "aioglacier: aioglacier list-vaults: argument --endpoint-url: invalid endpoint URL "
        "'ftp://x': expected http://HOST, https://HOST or local:DIR\n"
    )
