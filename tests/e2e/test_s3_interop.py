"""Other tools on buckets aioglacier wrote, and aioglacier on a bucket another tool wrote,
against the emulator's S3 (real processes, real HTTP, no mocks).

- boto3 and the AWS CLI (``aws s3 ls``, ``aws s3 cp``, ``aws s3api head-object``,
  ``restore-object``) see what AWS would show on objects ``aioglacier sync`` uploaded: the
  storage class, ``x-amz-meta-mtime`` in rclone's format, the SHA-256 checksum, the refused
  GET of an archived object, and the restore state (``x-amz-restore``) of a restore that
  aioglacier asked for; a restore the AWS CLI asked for is picked up by ``restore-completed``.
- rclone (the Debian package; skipped with a message when absent) lists a bucket aioglacier
  wrote with the files' real modification times (``rclone lsl``), and a bucket rclone wrote is
  adopted by ``download-inventory --bucket`` and restored byte-identical with its mtimes.

Restores take AWS's delays on the emulator's clock, which the test moves on (no sleeping).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import shutil
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from aioglacier.emulator import Emulator

CLI = [sys.executable, "-m", "aioglacier"]
AWS = Path(sys.executable).parent / "aws"
BUCKET = "interop-bucket"

#: name: (bytes, mtime in ns). The journal keeps whole seconds; x-amz-meta-mtime the ns.
FILES = {
    "photos/a.jpg": (bytes(range(256)) * 4, 1_577_934_245_123_456_789),
    "notes b.txt": (b"hello, deep archive\n", 1_600_000_000_000_000_000),
    "big.bin": (os.urandom(9 * 1024 * 1024 + 7), 1_650_000_000_500_000_000),
}
#: x-amz-meta-mtime as aioglacier writes it: rclone's format, with the file's nanoseconds.
MTIME_META = {
    "photos/a.jpg": "1577934245.123456789",
    "notes b.txt": "1600000000",
    "big.bin": "1650000000.5",
}


def make_tree(base: Path) -> None:
    for name, (data, mtime_ns) in FILES.items():
        path = base / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        os.utime(path, ns=(mtime_ns, mtime_ns))


def assert_tree(base: Path) -> None:
    """``base`` holds exactly FILES, byte-identical, with their mtimes (to the second at least:
    what the journal keeps)."""
    found = sorted(str(p.relative_to(base)) for p in base.rglob("*") if p.is_file())
    assert found == sorted(FILES)
    for name, (data, mtime_ns) in FILES.items():
        assert (base / name).read_bytes() == data, name
        assert int((base / name).stat().st_mtime) == mtime_ns // 10**9, name


def tool_env(emu: Emulator, home: Path) -> dict[str, str]:
    """An environment that points AWS tools at nothing but the emulator's credentials."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "TZ": "UTC",
        "AWS_ACCESS_KEY_ID": emu.credentials.access_key,
        "AWS_SECRET_ACCESS_KEY": emu.credentials.secret_key,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_PAGER": "",
    }


async def run(
    argv: list[str], env: dict[str, str] | None = None, cwd: Path | None = None
) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        *argv,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
        cwd=cwd,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=180)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


class Tools:
    """The emulator, and each tool pointed at it."""

    def __init__(self, emu: Emulator, home: Path) -> None:
        self.emu = emu
        self.home = home
        self.env = tool_env(emu, home)

    async def aioglacier(self, *args: str | Path) -> str:
        keys = ["--key", self.emu.credentials.access_key, "--secret"]
        code, out, err = await run(
            [*CLI, *map(str, args), "--endpoint-url", self.emu.url, *keys,
             self.emu.credentials.secret_key],
        )  # fmt: skip
        assert code == 0, err
        return out + err

    async def aws(self, *args: str, ok: bool = True) -> tuple[int, str, str]:
        if not AWS.exists():
            pytest.skip(f"the AWS CLI is not installed ({AWS}): pip install awscli")
        code, out, err = await run(
            [str(AWS), *args, "--endpoint-url", self.emu.url], self.env, self.home
        )
        if ok:
            assert code == 0, err
        return code, out, err

    async def aws_json(self, *args: str) -> Any:
        return json.loads((await self.aws(*args))[1])

    async def rclone(self, *args: str) -> str:
        rclone = shutil.which("rclone")
        if rclone is None:
            pytest.skip("rclone is not installed (Debian package rclone)")
        env = {
            **self.env,
            "RCLONE_CONFIG": os.devnull,
            "RCLONE_CONFIG_EMU_TYPE": "s3",
            "RCLONE_CONFIG_EMU_PROVIDER": "Other",
            "RCLONE_CONFIG_EMU_ACCESS_KEY_ID": self.emu.credentials.access_key,
            "RCLONE_CONFIG_EMU_SECRET_ACCESS_KEY": self.emu.credentials.secret_key,
            "RCLONE_CONFIG_EMU_ENDPOINT": self.emu.url,
            "RCLONE_CONFIG_EMU_REGION": "us-east-1",
            "RCLONE_CONFIG_EMU_FORCE_PATH_STYLE": "true",
        }
        env.pop("AWS_CA_BUNDLE", None)  # rclone 1.60 fails when it is set
        code, out, err = await run([rclone, *args], env, self.home)
        assert code == 0, err
        return out

    def boto3(self) -> Any:
        boto3 = pytest.importorskip("boto3", reason="boto3 is not installed")
        return boto3.client(
            "s3",
            endpoint_url=self.emu.url,
            region_name="us-east-1",
            aws_access_key_id=self.emu.credentials.access_key,
            aws_secret_access_key=self.emu.credentials.secret_key,
        )

    def restores_finish(self) -> None:
        self.emu.advance_clock(timedelta(hours=49))  # longer than any tier


@pytest.fixture
async def tools(tmp_path: Path) -> AsyncIterator[Tools]:
    (tmp_path / "home").mkdir()
    async with Emulator(tmp_path / "emu", job_delay_scale=1.0) as emu:
        yield Tools(emu, tmp_path / "home")


async def synced(tools: Tools, tmp_path: Path, *extra: str) -> Path:
    """FILES synced by aioglacier into BUCKET (under ``backup/``); the journal."""
    make_tree(tmp_path / "src")
    (tmp_path / "dst").mkdir()
    journal = tmp_path / "journal"
    await tools.aioglacier("create-bucket", BUCKET)
    await tools.aioglacier(
        "sync", "--dir", tmp_path / "src", "--journal", journal, "--bucket", BUCKET,
        "--prefix", "backup", "--partsize", "8", *extra,
    )  # fmt: skip
    return journal


# ------------------------------------------------------------------------------------- boto3


async def test_boto3_sees_what_aws_would_on_objects_aioglacier_wrote(
    tools: Tools, tmp_path: Path
) -> None:
    await synced(tools, tmp_path)
    s3 = tools.boto3()
    from botocore.exceptions import ClientError  # with boto3

    for name, (data, _) in FILES.items():
        head = await asyncio.to_thread(
            s3.head_object, Bucket=BUCKET, Key=f"backup/{name}", ChecksumMode="ENABLED"
        )
        assert head["StorageClass"] == "DEEP_ARCHIVE"
        assert head["ContentLength"] == len(data)
        assert head["Metadata"]["mtime"] == MTIME_META[name]
        assert "Restore" not in head
    small = await asyncio.to_thread(
        s3.head_object, Bucket=BUCKET, Key="backup/notes b.txt", ChecksumMode="ENABLED"
    )
    sha = hashlib.sha256(FILES["notes b.txt"][0]).digest()
    assert small["ChecksumSHA256"] == base64.b64encode(sha).decode()
    with pytest.raises(ClientError) as refused:
        await asyncio.to_thread(s3.get_object, Bucket=BUCKET, Key="backup/notes b.txt")
    assert refused.value.response["Error"]["Code"] == "InvalidObjectState"

    # aioglacier's restore, seen by boto3: in progress, then restored, then readable.
    await tools.aioglacier(
        "restore", "--dir", tmp_path / "dst", "--journal", tmp_path / "journal",
        "--bucket", BUCKET, "--prefix", "backup", "--max-number-of-files", "10",
        "--tier", "Bulk", "--include", "notes b.txt", "--exclude", "*",
    )  # fmt: skip
    head = await asyncio.to_thread(s3.head_object, Bucket=BUCKET, Key="backup/notes b.txt")
    assert head["Restore"] == 'ongoing-request="true"'
    tools.restores_finish()
    head = await asyncio.to_thread(s3.head_object, Bucket=BUCKET, Key="backup/notes b.txt")
    assert head["Restore"].startswith('ongoing-request="false", expiry-date="')
    body = await asyncio.to_thread(s3.get_object, Bucket=BUCKET, Key="backup/notes b.txt")
    assert await asyncio.to_thread(body["Body"].read) == FILES["notes b.txt"][0]


# ------------------------------------------------------------------------------------ AWS CLI


async def test_aws_cli_on_a_bucket_aioglacier_wrote(tools: Tools, tmp_path: Path) -> None:
    journal = await synced(tools, tmp_path)
    _, listing, _ = await tools.aws("s3", "ls", "--recursive", f"s3://{BUCKET}")
    # "2026-12-02 14:32:21    9437191 backup/big.bin": the date is the upload's.
    assert [line[19:] for line in listing.splitlines()] == [
        "    9437191 backup/big.bin",
        "         20 backup/notes b.txt",
        "       1024 backup/photos/a.jpg",
    ]
    _, top, _ = await tools.aws("s3", "ls", f"s3://{BUCKET}/backup/")
    lines = top.splitlines()
    assert lines[0] == "                           PRE photos/"
    assert [line[19:] for line in lines[1:]] == ["    9437191 big.bin", "         20 notes b.txt"]

    head = await tools.aws_json(
        "s3api", "head-object", "--bucket", BUCKET, "--key", "backup/big.bin"
    )
    assert head["StorageClass"] == "DEEP_ARCHIVE"
    assert head["ContentLength"] == len(FILES["big.bin"][0])
    assert head["Metadata"]["mtime"] == "1650000000.5"
    assert "Restore" not in head
    code, _, err = await tools.aws(
        "s3", "cp", f"s3://{BUCKET}/backup/big.bin", str(tmp_path / "refused"), ok=False
    )
    assert code != 0
    assert "InvalidObjectState" in err or "storage class" in err

    # A restore the AWS CLI asks for: the CLI sees it, aioglacier's restore asks nothing more
    # for it, and restore-completed downloads it once done.
    await tools.aws(
        "s3api", "restore-object", "--bucket", BUCKET, "--key", "backup/big.bin",
        "--restore-request", '{"Days": 2, "GlacierJobParameters": {"Tier": "Standard"}}',
    )  # fmt: skip
    head = await tools.aws_json(
        "s3api", "head-object", "--bucket", BUCKET, "--key", "backup/big.bin"
    )
    assert head["Restore"] == 'ongoing-request="true"'
    out = await tools.aioglacier(
        "restore", "--dir", tmp_path / "dst", "--journal", journal, "--bucket", BUCKET,
        "--prefix", "backup", "--max-number-of-files", "10",
    )  # fmt: skip
    assert "restore: 2 retrieval jobs started, 1 skipped, 0 failed" in out
    tools.restores_finish()
    head = await tools.aws_json(
        "s3api", "head-object", "--bucket", BUCKET, "--key", "backup/big.bin"
    )
    assert head["Restore"].startswith('ongoing-request="false", expiry-date="')
    await tools.aws("s3", "cp", f"s3://{BUCKET}/backup/big.bin", str(tmp_path / "big.copy"))
    assert (tmp_path / "big.copy").read_bytes() == FILES["big.bin"][0]
    await tools.aioglacier(
        "restore-completed", "--dir", tmp_path / "dst", "--journal", journal,
        "--bucket", BUCKET, "--prefix", "backup",
    )  # fmt: skip
    assert_tree(tmp_path / "dst")


# ------------------------------------------------------------------------------------- rclone


async def test_rclone_lists_the_real_mtimes_of_a_bucket_aioglacier_wrote(
    tools: Tools, tmp_path: Path
) -> None:
    await synced(tools, tmp_path)
    listing = await tools.rclone("lsl", f"emu:{BUCKET}/backup")
    rows = sorted(line.split(maxsplit=3) for line in listing.splitlines())
    assert rows == sorted(
        [
            [
                str(len(FILES["photos/a.jpg"][0])),
                "2020-01-02",
                "03:04:05.123456789",
                "photos/a.jpg",
            ],
            [str(len(FILES["notes b.txt"][0])), "2020-09-13", "12:26:40.000000000", "notes b.txt"],
            [str(len(FILES["big.bin"][0])), "2022-04-15", "05:20:00.500000000", "big.bin"],
        ]
    )


async def test_a_bucket_rclone_wrote_is_adopted_and_restored_with_mtimes(
    tools: Tools, tmp_path: Path
) -> None:
    make_tree(tmp_path / "src")
    (tmp_path / "dst").mkdir()
    await tools.aioglacier("create-bucket", BUCKET)
    await tools.rclone(
        "copy", str(tmp_path / "src"), f"emu:{BUCKET}/by-rclone",
        "--s3-storage-class", "DEEP_ARCHIVE", "--s3-no-check-bucket",
    )  # fmt: skip
    journal = tmp_path / "adopted.journal"
    await tools.aioglacier(
        "download-inventory", "--bucket", BUCKET, "--prefix", "by-rclone",
        "--new-journal", journal,
    )  # fmt: skip
    # One CREATED line per object: rclone's mtime (whole seconds, the journal's), the ETag
    # (rclone's single PUTs: the MD5) as the archive id, and no known tree hash (rclone sends
    # no SHA-256 checksum): restore-completed verifies the size.
    rows = sorted(line.split("\t")[2:] for line in journal.read_text().splitlines())
    assert rows == sorted(
        ["CREATED", f"s3:{hashlib.md5(d).hexdigest()}", str(len(d)), str(m // 10**9), "0" * 64, n]
        for n, (d, m) in FILES.items()
    )
    await tools.aioglacier(
        "restore", "--dir", tmp_path / "dst", "--journal", journal, "--bucket", BUCKET,
        "--prefix", "by-rclone", "--max-number-of-files", "10",
    )  # fmt: skip
    tools.restores_finish()
    out = await tools.aioglacier(
        "restore-completed", "--dir", tmp_path / "dst", "--journal", journal,
        "--bucket", BUCKET, "--prefix", "by-rclone",
    )  # fmt: skip
    assert sorted(line for line in out.splitlines() if line.startswith("downloaded: ")) == [
        "downloaded: big.bin (9.0 MiB, tree hash unknown: size checked)",
        "downloaded: notes b.txt (20 B, tree hash unknown: size checked)",
        "downloaded: photos/a.jpg (1.0 KiB, tree hash unknown: size checked)",
    ]
    assert_tree(tmp_path / "dst")
