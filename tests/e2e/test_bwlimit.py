"""--bwlimit end to end against the emulator: every byte of a sync and of a restore goes
through the client's one bucket per direction, the limit makes requests wait, and what lands
is exact. Nothing here depends on the machine's speed: the assertions are on bytes and on the
buckets' accounting, never on wall time.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from aioglacier import Client, ClientSettings, RetryPolicy
from aioglacier.cli import main
from aioglacier.emulator import Emulator
from aioglacier.errors import UsageError

from .conftest import MIB, write

FILES: dict[str, bytes] = {
    "small.txt": b"alpha" * 100,
    "one.bin": os.urandom(200_000),
    "multi/part.bin": os.urandom(3 * MIB + 5),
}
TOTAL = sum(map(len, FILES.values()))


def _client(emu: Emulator, bwlimit: str | None) -> Client:
    settings = ClientSettings(
        endpoint_url=emu.url,
        credentials=emu.credentials,
        concurrency=64,
        part_size=MIB,
        bwlimit=bwlimit,
    )
    return Client(settings, retry=RetryPolicy(max_attempts=3, base_delay=0.005, max_delay=0.05))


async def test_sync_and_restore_pass_through_the_buckets(tmp_path: Path) -> None:
    """At 8 MiB/s up and down (3.2 MiB: more than the burst): the upload bucket counts
    exactly the files' bytes (Glacier requests carry no other body), the download bucket the
    files' bytes plus the service's small JSON answers; both made requests wait; the restored
    files are the originals."""
    base = tmp_path / "data"
    for name, data in FILES.items():
        write(base, name, data)
    journal = tmp_path / "journal"
    async with Emulator(tmp_path / "emu", job_delay_scale=0.0) as emu:
        async with _client(emu, "8M") as client:
            bandwidth = client.bandwidth
            assert bandwidth is not None
            await client.create_vault("vault")
            result = await client.sync(base, "vault", journal)
            assert result.ok, result.failed
            assert bandwidth.upload.taken == TOTAL
            assert bandwidth.upload.waited > 0
            for path in base.rglob("*"):
                if path.is_file():
                    path.unlink()
            started = await client.restore(base, "vault", journal, max_number_of_files=10)
            assert len(started.done) == len(FILES)
            before = bandwidth.download.taken
            restored = await client.restore_completed(base, "vault", journal, segment_size=MIB)
            assert restored.ok, restored.failed
            downloaded = bandwidth.download.taken - before
            assert TOTAL <= downloaded <= TOTAL + 64 * 1024
            assert bandwidth.download.waited > 0
            # A restore sends only the retrieval jobs' JSON parameters.
            assert 0 < bandwidth.upload.taken - TOTAL <= 1024 * len(FILES)
    for name, data in FILES.items():
        assert base.joinpath(*name.split("/")).read_bytes() == data, name


async def test_up_only_limit_leaves_downloads_unpaced(tmp_path: Path) -> None:
    """``UP:off``: uploads wait, downloads pass uncounted as waits (still counted as bytes)."""
    base = tmp_path / "data"
    write(base, "one.bin", FILES["one.bin"])
    async with Emulator(tmp_path / "emu") as emu:
        async with _client(emu, "1M:off") as client:
            bandwidth = client.bandwidth
            assert bandwidth is not None
            await client.create_vault("vault")
            result = await client.sync(base, "vault", tmp_path / "journal")
            assert result.ok, result.failed
            assert bandwidth.upload.taken == len(FILES["one.bin"])
            assert bandwidth.download.waited == 0


async def test_no_limit_builds_no_bandwidth(tmp_path: Path) -> None:
    async with Emulator(tmp_path / "emu") as emu:
        for value in (None, "off", "off:off"):
            async with _client(emu, value) as client:
                assert client.bandwidth is None


def test_settings_refuse_a_bad_limit() -> None:
    with pytest.raises(UsageError) as info:
        ClientSettings(bwlimit="fast")
    assert str(info.value) == "--bwlimit: 'fast' is not a rate (examples: 512k, 4M, 1.5G, off)"


def test_cli_option_and_config_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--bwlimit`` on the command line and ``bwlimit=`` in the config file reach the client;
    a bad value is one line naming the option."""
    base = tmp_path / "data"
    write(base, "a.txt", b"hello")
    data_dir = tmp_path / "emu"
    common = ["--endpoint-url", f"local:{data_dir}", "--vault", "v", "--journal"]
    assert main(["create-vault", "v", "--endpoint-url", f"local:{data_dir}"]) == 0
    argv = ["sync", "--dir", str(base), *common, str(tmp_path / "j1"), "--bwlimit", "1M"]
    assert main(argv) == 0
    assert (tmp_path / "j1").read_text().count("\tCREATED\t") == 1
    cfg = tmp_path / "glacier.cfg"
    cfg.write_text("bwlimit=08:00,512k 19:00,off\n")
    os.chmod(cfg, 0o600)
    argv = ["sync", "--dir", str(base), *common, str(tmp_path / "j2"), "--config", str(cfg)]
    assert main(argv) == 0
    assert (tmp_path / "j2").read_text().count("\tCREATED\t") == 1
    capsys.readouterr()
    argv = ["sync", "--dir", str(base), *common, str(tmp_path / "j3"), "--bwlimit", "lots"]
    assert main(argv) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[-1] == (
        "aioglacier: aioglacier sync: argument --bwlimit: 'lots' is not a rate "
        "(examples: 512k, 4M, 1.5G, off)"
    )
    cfg.write_text("bwlimit=25:00,1M\n")
    argv = ["sync", "--dir", str(base), *common, str(tmp_path / "j3"), "--config", str(cfg)]
    assert main(argv) != 0
    assert capsys.readouterr().err == (
        "aioglacier: error: config file: bad value '25:00,1M' for bwlimit: "
        "'25:00' is not a time of day\n"
    )
