"""Config file reading, settings validation and credential resolution."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from aioglacier.config import ClientSettings, read_config_file, resolve_credentials
from aioglacier.errors import ConfigError

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def write(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text, encoding="utf-8")
    os.chmod(path, mode)
    return path


def test_reads_mtglacier_config(tmp_path: Path) -> None:
    cfg = write(
        tmp_path / "glacier.cfg",
        "# comment\nkey=AKIAIOSFODNN7EXAMPLE\n secret = " + SECRET + " \n\nregion=eu-west-1\n"
        "protocol=http\n--concurrency=12\n",
    )
    result = read_config_file(cfg)
    assert dict(result.values) == {
        "key": "AKIAIOSFODNN7EXAMPLE",
        "secret": SECRET,
        "region": "eu-west-1",
        "protocol": "http",
        "concurrency": "12",
    }
    assert result.warnings == ()
    assert SECRET not in repr(result)


def test_warns_when_secret_readable_by_others(tmp_path: Path) -> None:
    cfg = write(tmp_path / "glacier.cfg", f"secret={SECRET}\n", mode=0o644)
    result = read_config_file(cfg)
    assert result.warnings == (
        f'config file "{cfg}" holds a secret and is readable by group or others; '
        f"run: chmod 600 {cfg}",
    )
    assert SECRET not in result.warnings[0]


def test_no_warning_without_secret(tmp_path: Path) -> None:
    cfg = write(tmp_path / "glacier.cfg", "region=us-east-1\n", mode=0o644)
    assert read_config_file(cfg).warnings == ()


def test_bad_line_names_line_not_content(tmp_path: Path) -> None:
    cfg = write(tmp_path / "glacier.cfg", f"region=x\n{SECRET}\n")
    with pytest.raises(ConfigError) as info:
        read_config_file(cfg)
    assert str(info.value) == f'config file "{cfg}" line 2: expected key=value'


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r'cannot read config file ".*nope": No such file'):
        read_config_file(tmp_path / "nope")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"concurrency": 0}, "concurrency must be at least 1, got 0"),
        ({"part_size": 3 * 1024 * 1024}, "part size must be 1 MiB times a power of two"),
        ({"part_size": 1000}, "part size must be 1 MiB times a power of two"),
        ({"part_size": 8192 * 1024 * 1024}, "part size must be 1 MiB times a power of two"),
        ({"protocol": "ftp"}, 'protocol must be "https" or "http"'),
    ],
)
def test_settings_validation(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        ClientSettings(**kwargs)  # type: ignore[arg-type]


def test_settings_accept_powers_of_two() -> None:
    for mib in (1, 2, 4, 1024, 4096):
        assert ClientSettings(part_size=mib * 1024 * 1024).part_size == mib << 20


async def test_explicit_credentials() -> None:
    creds = await resolve_credentials(key="AKIAIOSFODNN7EXAMPLE", secret=SECRET, token="tok")
    assert creds.access_key == "AKIAIOSFODNN7EXAMPLE"
    assert creds.secret_key == SECRET
    assert SECRET not in repr(creds)
    assert "tok" not in repr(creds)


async def test_half_credentials_refused() -> None:
    with pytest.raises(ConfigError, match="both key and secret are needed"):
        await resolve_credentials(key="AKIAIOSFODNN7EXAMPLE")


async def test_credentials_from_standard_chain(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDENVIRONMENT00000")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    creds = await resolve_credentials()
    assert (creds.access_key, creds.secret_key) == ("AKIDENVIRONMENT00000", "env-secret")


async def test_credentials_from_profile(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    shared = write(
        tmp_path / "credentials",
        "[backup]\naws_access_key_id = AKIDPROFILE000000000\naws_secret_access_key = prof\n",
    )
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(shared))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    creds = await resolve_credentials(profile="backup")
    assert (creds.access_key, creds.secret_key) == ("AKIDPROFILE000000000", "prof")
    with pytest.raises(ConfigError, match="cannot load AWS credentials: ProfileNotFound"):
        await resolve_credentials(profile="missing")


async def test_no_credentials_anywhere() -> None:
    with pytest.raises(ConfigError, match=r"^no AWS credentials found: give --key and --secret"):
        await resolve_credentials()


@pytest.mark.parametrize(
    "env",
    [
        {"AWS_ACCESS_KEY_ID": "AKIDENV1", "AWS_SECRET_ACCESS_KEY": "s1"},
        {"AWS_ACCESS_KEY_ID": "AKIDENV2", "AWS_SECRET_ACCESS_KEY": "s2", "AWS_SESSION_TOKEN": "t"},
        {
            "AWS_ACCESS_KEY_ID": "AKIDENV3",
            "AWS_SECRET_ACCESS_KEY": "s3",
            "AWS_SESSION_TOKEN": "session",
            "AWS_SECURITY_TOKEN": "security",
        },
        {"AWS_ACCESS_KEY_ID": "AKIDENV4", "AWS_SECRET_ACCESS_KEY": "s4", "AWS_SECURITY_TOKEN": ""},
    ],
)
async def test_environment_credentials_without_botocore_match_botocore(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, env: dict[str, str]
) -> None:
    """The key pair in the environment is read before (and without) botocore, with botocore's
    own answer: the same key, secret and token."""
    from aiobotocore.session import AioSession

    from aioglacier.config import environment_credentials

    for var in ("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    ours = environment_credentials(dict(os.environ))
    assert ours is not None
    theirs = await (await AioSession().get_credentials()).get_frozen_credentials()
    assert (ours.access_key, ours.secret_key, ours.token) == (
        theirs.access_key,
        theirs.secret_key,
        theirs.token or None,
    )
    assert await resolve_credentials() == ours


def test_environment_credentials_leave_the_rest_to_botocore() -> None:
    from aioglacier.config import environment_credentials

    pair = {"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "s"}
    assert environment_credentials(pair, profile="named") is None  # botocore skips the env
    assert environment_credentials({**pair, "AWS_PROFILE": "named"}) is None  # it checks it
    assert environment_credentials({**pair, "AWS_CREDENTIAL_EXPIRATION": "2030-01-01"}) is None
    assert environment_credentials({"AWS_ACCESS_KEY_ID": "AKID"}) is None  # partial: botocore
    assert environment_credentials({}) is None
