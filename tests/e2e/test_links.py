"""A dangling symbolic link is reported, never a reason for a sync to fail."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from aioglacier import Client
from aioglacier.emulator import Emulator
from aioglacier.journal import read_journal

from .conftest import assert_vault_matches_tree, write

DANGLING = "dangling symbolic link (its target does not exist): skipped"


@pytest.mark.parametrize("follow", [False, True])
async def test_dangling_link_is_a_warning(
    client: Client, emulator: Emulator, tmp_path: Path, follow: bool
) -> None:
    base = tmp_path / "data"
    write(base, "a.txt", b"alpha")
    write(base, "d/b.txt", b"beta")
    (base / "d" / "gone").symlink_to(base / "nowhere")
    journal = tmp_path / "j"
    seen: list[object] = []
    result = await client.sync(base, "vault", journal, follow=follow, progress=seen.append)
    assert result.ok
    assert sorted(f.relfilename for f in result.uploaded) == ["a.txt", "d/b.txt"]
    assert [(f.relfilename, f.status, f.reason) for f in result.skipped] == [
        ("d/gone", "skipped", DANGLING)
    ]
    assert any(getattr(e, "text", None) == f"d/gone: {DANGLING}" for e in seen)
    await assert_vault_matches_tree(emulator, "vault", journal, base)
    again = await client.sync(base, "vault", journal, follow=follow)
    assert again.ok
    assert again.uploaded == []


def test_cli_sync_with_a_dangling_link_exits_0(tmp_path: Path) -> None:
    base = tmp_path / "data"
    write(base, "a.txt", b"alpha")
    (base / "gone").symlink_to(base / "nowhere")
    endpoint = ["--endpoint-url", f"local:{tmp_path / 'emu'}"]
    cli = [sys.executable, "-m", "aioglacier"]
    subprocess.run([*cli, "create-vault", "v", *endpoint], check=True, timeout=120)
    sync = ["sync", "--dir", str(base), "--vault", "v", "--journal", str(tmp_path / "j")]
    for _ in range(2):
        out = subprocess.run(
            [*cli, *sync, *endpoint],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert out.returncode == 0, out.stderr
        assert f"warning: gone: {DANGLING}\n" in out.stderr
        assert " 1 skipped, 0 failed" in out.stderr
    assert list(read_journal(tmp_path / "j").files) == ["a.txt"]
