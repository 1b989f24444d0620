"""Commands import only what they use: a heavy module (aiohttp, aiobotocore, botocore, rich:
each a tenth of a second or more to import) must not creep back into a path that does not need
it. Each command runs in a fresh interpreter through the CLI's ``main``; the test reads that
interpreter's ``sys.modules`` at the end."""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import sys
from pathlib import Path
from typing import Any

from aioglacier.emulator import Emulator

from .conftest import write

HEAVY = ("aiohttp", "aiobotocore", "botocore", "rich")

#: What a sync to a vault never needs, whatever it uploads: the S3 client, the emulator (on an
#: http:// endpoint), the other commands' engines, and botocore's credential chain.
NOT_FOR_A_VAULT_SYNC = (
    "aiobotocore",
    "aioglacier.backends.glacier.inventory",
    "aioglacier.backends.s3.adopt",
    "aioglacier.backends.s3.api",
    "aioglacier.backends.s3.backend",
    "aioglacier.backends.s3.xml",
    "aioglacier.emulator",
    "aioglacier.engine.download",
    "aioglacier.engine.migrate",
    "aioglacier.engine.purge",
    "aioglacier.engine.restore",
    "aioglacier.inventory",
    "aioglacier.orphans",
    "botocore",
    "rich",
)

PROBE = (
    "import json, sys\n"
    "from aioglacier.cli import main\n"
    "code = main(sys.argv[1:])\n"
    f"heavy = sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))\n"
    "print(json.dumps([code, heavy]), file=sys.stderr)\n"
)

# The same run; then every module it imported, and whether the CA bundle was ever loaded
# (aioglacier.tls defers it to the first TLS connection: an http:// run never opens one).
MODULES_PROBE = (
    "import json, sys\n"
    "from aioglacier.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "tls = sys.modules.get('aioglacier.tls')\n"
    "deferred = None if tls is None else len(tls.deferred_contexts())\n"
    "print(json.dumps([code, sorted(sys.modules), deferred]), file=sys.stderr)\n"
)


async def _probe(probe: str, *argv: str) -> list[Any]:
    """Run ``probe`` with ``argv`` in a fresh interpreter; the JSON of its last stderr line."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        probe,
        *argv,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        stdin=asyncio.subprocess.DEVNULL,
        env=env,
    )
    _, err = await proc.communicate()
    last = err.decode().strip().splitlines()[-1]
    result: list[Any] = json.loads(last)
    return result


async def _heavy_imports(*argv: str) -> tuple[int, list[str]]:
    """Run the CLI with ``argv`` in a fresh interpreter; its exit code and heavy modules."""
    code, heavy = await _probe(PROBE, *argv)
    return code, heavy


async def _imports(*argv: str) -> tuple[int, set[str], int | None]:
    """Run the CLI with ``argv`` in a fresh interpreter: its exit code, every module it
    imported, and how many TLS contexts still wait for their CA bundle (None: no aiohttp)."""
    code, modules, deferred = await _probe(MODULES_PROBE, *argv)
    return code, set(modules), deferred


def _unneeded(modules: set[str]) -> list[str]:
    """The modules of :data:`NOT_FOR_A_VAULT_SYNC` (or their submodules) among ``modules``."""
    return sorted(
        m for m in modules if any(m == n or m.startswith(n + ".") for n in NOT_FOR_A_VAULT_SYNC)
    )


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


async def test_vault_sync_imports_only_what_it_uses(tmp_path: Path) -> None:
    """A sync to a vault over http://, uploading one file or nothing, with the key pair given:
    no S3 client, no emulator, no other command's engine, no botocore, and the TLS contexts
    aiohttp builds at import never load the CA bundle. On the embedded endpoint
    (``local:DIR``) the emulator is imported (it serves the run), and nothing else of that
    list."""
    base = tmp_path / "data"
    write(base, "a.txt", b"alpha")
    async with Emulator(tmp_path / "emu") as emu:
        keys = ["--key", emu.credentials.access_key, "--secret", emu.credentials.secret_key]
        common = ["--endpoint-url", emu.url, *keys]
        assert (await _imports("create-vault", "v", *common))[0] == 0
        journal = tmp_path / "journal"
        sync = ["sync", *common, "--dir", str(base), "--vault", "v", "--journal", str(journal)]
        for _ in ("one file uploaded", "nothing to do"):
            code, modules, deferred = await _imports(*sync)
            assert code == 0
            assert _unneeded(modules) == []
            assert deferred == 2  # aiohttp's verifying and unverified contexts, both unloaded
        assert journal.read_text().count("\tCREATED\t") == 1
    local = ["--endpoint-url", f"local:{tmp_path / 'embedded'}"]
    assert (await _imports("create-vault", "v", *local))[0] == 0
    journal = tmp_path / "journal-local"
    sync = ["sync", *local, "--dir", str(base), "--vault", "v", "--journal", str(journal)]
    for _ in ("one file uploaded", "nothing to do"):
        code, modules, _ = await _imports(*sync)
        assert code == 0
        assert "aioglacier.emulator" in modules
        assert [m for m in _unneeded(modules) if not m.startswith("aioglacier.emulator")] == []
    assert journal.read_text().count("\tCREATED\t") == 1


def test_client_migrate_default_segment_is_the_engines() -> None:
    """``Client.migrate`` spells its default segment size out (so that importing the client
    does not import the migration engine): it must stay the engine's."""
    from aioglacier.client import Client
    from aioglacier.engine.migrate import DEFAULT_MIGRATE_SEGMENT

    default = inspect.signature(Client.migrate).parameters["segment_size"].default
    assert default == DEFAULT_MIGRATE_SEGMENT
