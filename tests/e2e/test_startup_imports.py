"""Commands import only what they use: a heavy module (aiohttp, aiobotocore, botocore, rich:
each a tenth of a second or more to import) must not creep back into a path that does not need
it. Each command runs in a fresh interpreter through the CLI's ``main``; the test reads that
interpreter's ``sys.modules`` at the end."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from aioglacier.emulator import Emulator

from .conftest import write

HEAVY = ("aiohttp", "aiobotocore", "botocore", "rich")

PROBE = (
    "import json, sys\n"
    "from aioglacier.cli import main\n"
    "code = main(sys.argv[1:])\n"
    f"heavy = sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))\n"
    "print(json.dumps([code, heavy]), file=sys.stderr)\n"
)


async def _heavy_imports(*argv: str) -> tuple[int, list[str]]:
    """Run the CLI with ``argv`` in a fresh interpreter; its exit code and heavy modules."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        PROBE,
        *argv,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        stdin=asyncio.subprocess.DEVNULL,
        env=env,
    )
    _, err = await proc.communicate()
    last = err.decode().strip().splitlines()[-1]
    code, heavy = json.loads(last)
    return code, heavy


async def test_offline_commands_import_nothing_heavy(tmp_path: Path) -> None:
    base = tmp_path / "data"
    write(base, "a.txt", b"alpha")
    journal = tmp_path / "journal"
    journal.write_text("")
    assert await _heavy_imports("tree-hash", str(base / "a.txt")) == (0, [])
    assert await _heavy_imports(
        "check-local-hash", "--dir", str(base), "--journal", str(journal)
    ) == (0, [])


async def test_sync_with_explicit_credentials_imports_no_botocore_nor_rich(
    tmp_path: Path,
) -> None:
    """With the key pair given (command line or config file), botocore's credential chain is
    never loaded; without a terminal, rich is never loaded. The sync still talks to the
    service (it asks for the vault and for stray multipart uploads even when nothing is to be
    uploaded), so aiohttp is imported."""
    base = tmp_path / "data"
    write(base, "a.txt", b"alpha")
    journal = tmp_path / "journal"
    async with Emulator(tmp_path / "emu") as emu:
        keys = ["--key", emu.credentials.access_key, "--secret", emu.credentials.secret_key]
        common = ["--endpoint-url", emu.url, *keys]
        sync = ["sync", *common, "--dir", str(base), "--vault", "v", "--journal", str(journal)]
        assert await _heavy_imports("create-vault", "v", *common) == (0, ["aiohttp"])
        assert await _heavy_imports(*sync) == (0, ["aiohttp"])  # one file uploaded
        assert await _heavy_imports(*sync) == (0, ["aiohttp"])  # nothing to do
        config = tmp_path / "glacier.cfg"
        config.write_text(
            f"key={emu.credentials.access_key}\nsecret={emu.credentials.secret_key}\n"
        )
        config.chmod(0o600)
        sync = ["sync", "--config", str(config), "--endpoint-url", emu.url, *sync[-6:]]
        assert await _heavy_imports(*sync) == (0, ["aiohttp"])
