"""The library checks vault names and endpoints too: nothing else reaches a URL."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from aioglacier import Client, ClientSettings, UsageError
from aioglacier.emulator import Emulator

from .conftest import make_client

BAD = "../../etc"

CALLS: dict[str, Callable[[Client, Path], Awaitable[Any]]] = {
    "create_vault": lambda c, p: c.create_vault(BAD),
    "delete_vault": lambda c, p: c.delete_vault(BAD),
    "sync": lambda c, p: c.sync(p, BAD, p / "j"),
    "sync --dry-run": lambda c, p: c.sync(p, BAD, p / "j", dry_run=True),
    "upload_file": lambda c, p: c.upload_file(BAD, p / "j", "x", data=b"x"),
    "restore": lambda c, p: c.restore(p, BAD, p / "j", max_number_of_files=1),
    "restore_completed": lambda c, p: c.restore_completed(p, BAD, p / "j"),
    "purge_vault": lambda c, p: c.purge_vault(BAD, p / "j"),
    "retrieve_inventory": lambda c, p: c.retrieve_inventory(BAD),
    "download_inventory": lambda c, p: c.download_inventory(BAD, p / "new"),
    "list_jobs": lambda c, p: c.list_jobs(BAD),
    "api.describe_vault": lambda c, p: c.api.describe_vault(BAD),
    "api.list_jobs": lambda c, p: anext(c.api.list_jobs("a/b")),
    "api.upload_archive": lambda c, p: c.api.upload_archive(
        "a b", b"x", description="d", tree_hash="0" * 64, sha256="0" * 64
    ),
}


@pytest.mark.parametrize("call", sorted(CALLS))
async def test_bad_vault_name_never_reaches_the_service(
    emulator: Emulator, tmp_path: Path, call: str
) -> None:
    async with make_client(emulator) as client:
        before = emulator.requests_served
        with pytest.raises(UsageError, match=r"^invalid vault name "):
            await CALLS[call](client, tmp_path)
        assert emulator.requests_served == before
    assert not (tmp_path / "j").exists()


@pytest.mark.parametrize("url", ["ftp://x", "http://", "local:"])
async def test_bad_endpoint_is_a_usage_error(url: str) -> None:
    with pytest.raises(UsageError, match=r"endpoint URL"):
        async with Client(ClientSettings(endpoint_url=url)):
            pass
