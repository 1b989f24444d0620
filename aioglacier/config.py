"""Settings objects, mtglacier's config file, and credential resolution.

mt-aws-glacier reads a config file of ``key=value`` lines (``#`` starts a comment) whose keys are
its command-line option names (``key``, ``secret``, ``region``, ``token``, ``protocol``,
``concurrency``, ``vault``, ``journal``...). aioglacier reads the same files; a value given on the
command line wins over the file.

Credentials given explicitly (command line or config file) are used as they are; otherwise
aiobotocore's standard provider chain finds them (environment, shared credentials and config
files, ``--profile``, container and instance roles). Secrets never appear in a ``repr``, a log
line or an error message: :class:`~aioglacier.sigv4.Credentials` hides them.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from aioglacier.errors import ConfigError

if TYPE_CHECKING:
    from aioglacier.sigv4 import Credentials

__all__ = [
    "DEFAULT_CONCURRENCY",
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_FIRST_BYTE_TIMEOUT",
    "DEFAULT_PARTSIZE_MIB",
    "DEFAULT_REGION",
    "DEFAULT_REQUEST_DEADLINE",
    "DEFAULT_STALL_TIMEOUT",
    "DETECT_MODES",
    "SECRET_CONFIG_KEYS",
    "ClientSettings",
    "ConfigFile",
    "Timeouts",
    "environment_credentials",
    "read_config_file",
    "resolve_credentials",
]

DEFAULT_REGION = "us-east-1"

DetectMode = Literal[
    "treehash", "mtime", "mtime-or-treehash", "mtime-and-treehash", "always-positive", "size-only"
]
#: mtglacier's ``--detect`` modes (how ``--replace-modified`` decides a file was modified).
DETECT_MODES: tuple[DetectMode, ...] = (
    "treehash",
    "mtime",
    "mtime-or-treehash",
    "mtime-and-treehash",
    "always-positive",
    "size-only",
)
DEFAULT_CONCURRENCY = 8
#: Request time limits in seconds (see ClientSettings and aioglacier.transport.Timeouts).
DEFAULT_CONNECT_TIMEOUT = 30.0
DEFAULT_FIRST_BYTE_TIMEOUT = 60.0
DEFAULT_STALL_TIMEOUT = 60.0
DEFAULT_REQUEST_DEADLINE = 1800.0
DEFAULT_PARTSIZE_MIB = 16
MAX_PARTSIZE_MIB = 4096

#: Config keys whose values are secrets: never echoed back in an error.
SECRET_CONFIG_KEYS = frozenset({"secret", "token"})


@dataclass(frozen=True)
class Timeouts:
    """The time limits of every request, in seconds (phases: see :mod:`aioglacier.transport`).

    The defaults suit a home connection: a 64 MiB part on a 1 Mbit/s uplink takes about nine
    minutes and never goes a minute without sending a byte; Glacier answers a request whose
    body it received within seconds, and sends job output as fast as the link takes it. A
    server that accepts and never answers fails an attempt after ``first_byte`` seconds; one
    that trickles bytes is cut off by ``deadline``.
    """

    connect: float = DEFAULT_CONNECT_TIMEOUT
    first_byte: float = DEFAULT_FIRST_BYTE_TIMEOUT
    stall: float = DEFAULT_STALL_TIMEOUT
    deadline: float = DEFAULT_REQUEST_DEADLINE

    def __post_init__(self) -> None:
        for name in ("connect", "first_byte", "stall", "deadline"):
            value = getattr(self, name)
            if not value > 0:
                label = "request deadline" if name == "deadline" else f"{name} timeout"
                raise ConfigError(f"{label.replace('_', '-')} must be positive, got {value}")


@dataclass(frozen=True)
class ClientSettings:
    """Everything a client needs to talk to one endpoint.

    ``endpoint_url`` is an ``http(s)://`` URL, ``local:DIR`` for the embedded emulator, or None for
    AWS's regional endpoint. ``part_size`` is in bytes: 1 MiB times a power of two, at most 4 GiB.

    Time limits of every request, in seconds (see :mod:`aioglacier.transport`):
    ``connect_timeout`` to connect; ``first_byte_timeout`` from the end of the request's body
    to the response; ``stall_timeout``, the longest a body may go without a byte sent or
    received; ``request_deadline``, the longest one request may take, every attempt and the
    waits between them included. An attempt past a limit is retried; past the deadline the
    request fails.

    ``bwlimit`` is a bandwidth limit in rclone's ``--bwlimit`` syntax (``4M``, ``1M:off``,
    ``08:00,512k 19:00,off``; see :mod:`aioglacier.bandwidth`), shared by every request of the
    client; ``None`` for none.
    """

    region: str = DEFAULT_REGION
    endpoint_url: str | None = None
    credentials: Credentials | None = None
    profile: str | None = None
    concurrency: int = DEFAULT_CONCURRENCY
    part_size: int = DEFAULT_PARTSIZE_MIB * 1024 * 1024
    max_attempts: int = 8
    retry_base_delay: float = 0.25
    retry_max_delay: float = 20.0
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    first_byte_timeout: float = DEFAULT_FIRST_BYTE_TIMEOUT
    stall_timeout: float = DEFAULT_STALL_TIMEOUT
    request_deadline: float = DEFAULT_REQUEST_DEADLINE
    protocol: str = "https"
    account_id: str = "-"
    extra: Mapping[str, str] = field(default_factory=dict)
    #: S3 only: ``when_supported`` (every data request carries ``x-amz-checksum-sha256``) or
    #: ``when_required`` (none: for S3-compatible servers that reject them).
    s3_checksum_mode: str = "when_supported"
    #: S3 only: ``auto``, ``path`` (``host/bucket/key``) or ``virtual`` (``bucket.host/key``).
    s3_addressing: str = "auto"
    bwlimit: str | None = None

    def __post_init__(self) -> None:
        if self.concurrency < 1:
            raise ConfigError(f"concurrency must be at least 1, got {self.concurrency}")
        mib = 1024 * 1024
        ps = self.part_size
        if ps < mib or ps % mib or (ps // mib) & (ps // mib - 1) or ps > MAX_PARTSIZE_MIB * mib:
            raise ConfigError(
                f"part size must be 1 MiB times a power of two up to 4096 MiB, got {ps} bytes"
            )
        if self.max_attempts < 1:
            raise ConfigError(f"max attempts must be at least 1, got {self.max_attempts}")
        if self.protocol not in ("http", "https"):
            raise ConfigError(f'protocol must be "https" or "http", got {self.protocol!r}')
        if self.s3_checksum_mode not in ("when_supported", "when_required"):
            raise ConfigError(
                "checksum mode must be when_supported or when_required, "
                f"got {self.s3_checksum_mode!r}"
            )
        if self.s3_addressing not in ("auto", "path", "virtual"):
            raise ConfigError(
                f"addressing must be auto, path or virtual, got {self.s3_addressing!r}"
            )
        self.timeouts  # noqa: B018 - validates the time limits
        if self.bwlimit is not None:
            from aioglacier.bandwidth import parse_bwlimit

            parse_bwlimit(self.bwlimit)  # a one-line UsageError when it is no limit

    @property
    def timeouts(self) -> Timeouts:
        """The time limits as one object (what the request path uses)."""
        return Timeouts(
            connect=self.connect_timeout,
            first_byte=self.first_byte_timeout,
            stall=self.stall_timeout,
            deadline=self.request_deadline,
        )


@dataclass(frozen=True)
class ConfigFile:
    """An mtglacier config file: its values by key, and warnings to show the user."""

    path: Path
    values: Mapping[str, str] = field(repr=False)
    warnings: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return f"ConfigFile(path={str(self.path)!r}, keys={sorted(self.values)!r})"


def read_config_file(path: str | os.PathLike[str]) -> ConfigFile:
    """Read an mtglacier config file (``key=value`` lines, ``#`` comments, blank lines).

    Keys are lower-cased option names without leading dashes; whitespace around keys and values
    is trimmed. A line without ``=`` is an error naming its line number (never its content, which
    may hold a secret). A file holding ``secret`` or ``token`` that group or others can read gets
    a warning, as ssh does for private keys.
    """
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise ConfigError(f'cannot read config file "{p}": {exc.strerror}') from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f'config file "{p}" is not valid UTF-8') from None
    values: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        key, sep, value = stripped.partition("=")
        key = key.strip().lower().lstrip("-")
        if not sep or not key:
            raise ConfigError(f'config file "{p}" line {number}: expected key=value')
        values[key] = value.strip()
    warnings: list[str] = []
    if SECRET_CONFIG_KEYS & values.keys():
        try:
            mode = p.stat().st_mode
        except OSError:
            mode = 0
        if mode & (stat.S_IRGRP | stat.S_IROTH):
            warnings.append(
                f'config file "{p}" holds a secret and is readable by group or others; '
                f"run: chmod 600 {p}"
            )
    return ConfigFile(path=p, values=values, warnings=tuple(warnings))


CredentialLoader = Callable[[str | None], "Credentials | None"]


def environment_credentials(
    environ: Mapping[str, str], *, profile: str | None = None
) -> Credentials | None:
    """The key pair in ``AWS_ACCESS_KEY_ID`` and ``AWS_SECRET_ACCESS_KEY`` (with
    the first set of ``AWS_SECURITY_TOKEN`` and ``AWS_SESSION_TOKEN``), read without loading
    botocore; ``None`` when botocore's chain must decide.

    That is what botocore's chain finds first itself (its environment provider), so the
    answer is the same, a fraction of a second sooner. It leaves the decision to botocore when
    a profile is named (botocore then skips the environment), or set in ``AWS_PROFILE`` or
    ``AWS_DEFAULT_PROFILE`` (botocore checks that it exists), and when
    ``AWS_CREDENTIAL_EXPIRATION`` is set (refreshable credentials).
    """
    from aioglacier.sigv4 import Credentials

    if profile is not None or any(
        environ.get(var)
        for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CREDENTIAL_EXPIRATION")
    ):
        return None
    access_key = environ.get("AWS_ACCESS_KEY_ID", "")
    secret_key = environ.get("AWS_SECRET_ACCESS_KEY", "")
    if not (access_key and secret_key):
        return None
    token = environ.get("AWS_SECURITY_TOKEN") or environ.get("AWS_SESSION_TOKEN") or None
    return Credentials(access_key=access_key, secret_key=secret_key, token=token)


async def resolve_credentials(
    *,
    key: str | None = None,
    secret: str | None = None,
    token: str | None = None,
    profile: str | None = None,
) -> Credentials:
    """Return credentials: the explicit key pair if given, else aiobotocore's provider chain.

    Raises :class:`~aioglacier.errors.ConfigError` when nothing is found, or when only one of key
    and secret is given.
    """
    from aioglacier.sigv4 import Credentials

    if key or secret:
        if not (key and secret):
            raise ConfigError("both key and secret are needed (only one was given)")
        return Credentials(access_key=key, secret_key=secret, token=token or None)
    found_in_env = environment_credentials(os.environ, profile=profile)
    if found_in_env is not None:
        return found_in_env
    from aiobotocore.session import AioSession

    try:
        session = AioSession(profile=profile)
        found = await session.get_credentials()
    except Exception as exc:  # botocore raises many types (ProfileNotFound, ...)
        raise ConfigError(f"cannot load AWS credentials: {type(exc).__name__}") from None
    if found is None:
        raise ConfigError(
            "no AWS credentials found: give --key and --secret, a config file, "
            "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or a profile"
        )
    frozen = await found.get_frozen_credentials()
    return Credentials(
        access_key=frozen.access_key, secret_key=frozen.secret_key, token=frozen.token or None
    )
