"""The upload side's promises, stated directly (README, "Behaviour worth knowing"):

- nothing unverified lands: a file that changes between its scan and its read, or while it is
  read (size, mtime, or both), is not journaled, and no archive or upload of it is left;
- a resume never reuses a wrong part: a part the service holds is reused only when its tree hash
  equals the local part's, and the archive is the file's exact bytes.

The racy cases are deterministic: the change between scan and read is made from the progress
callback (called when the file is started, after the scan, before the read); the change during
the read is made by a wrapper around ``os.pread`` that changes the file right after the first
read of it returns.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from aioglacier.client import Client
from aioglacier.emulator import Emulator
from aioglacier.errors import TransferError
from aioglacier.journal import read_journal
from aioglacier.metadata import encode_description
from aioglacier.progress import BytesTransferred, Event, FileStarted
from aioglacier.resume import PendingUpload, ResumeStore, resume_path_for
from aioglacier.treehash import tree_hash

from .conftest import MIB, assert_vault_matches_tree, write

MTIME = 1_600_000_000
SIZES = {
    "small": 1000,  # batched small-file reads
    "medium": 600 * 1024,  # one request, read alone
    "multipart": 3 * MIB + 7,  # parts of 1 MiB
}


def touch_ns(path: Path, mtime_ns: int) -> None:
    os.utime(path, ns=(mtime_ns, mtime_ns))


def same_size_rewrite(path: Path) -> None:
    """Another program rewrites the file: same size, other bytes, a newer mtime."""
    size = path.stat().st_size
    with path.open("r+b") as f:
        f.write(b"\xff" * size)
    touch_ns(path, (MTIME + 99) * 10**9)


async def assert_nothing_of(
    client: Client, emulator: Emulator, journal: Path, name: str, others: int
) -> None:
    """``name`` has no journal line, no archive and no multipart upload left behind."""
    state = read_journal(journal)
    assert name not in state.files
    assert len(await emulator.archives("vault")) == len(state.archives) == others
    assert await client.api.list_multipart_uploads("vault") == []
    assert await _pending(journal) == []


async def _pending(journal: Path) -> list[PendingUpload]:
    """The uploads the resume sidecar still records."""
    store = ResumeStore(resume_path_for(journal))
    await store.load()
    return store.pending()


@pytest.mark.parametrize("kind", list(SIZES))
@pytest.mark.parametrize(
    "change",
    [
        # only the mtime: the size alone would not show it
        lambda p: touch_ns(p, (MTIME + 1) * 10**9),
        # only the content and mtime, same size
        same_size_rewrite,
        # the size
        lambda p: p.write_bytes(p.read_bytes() + b"more"),
    ],
    ids=["mtime", "rewrite", "size"],
)
async def test_file_changed_between_scan_and_read_is_not_journaled(
    client: Client,
    emulator: Emulator,
    tmp_path: Path,
    kind: str,
    change: Callable[[Path], None],
) -> None:
    base, journal = tmp_path / "data", tmp_path / "journal"
    write(base, "changing", os.urandom(SIZES[kind]), mtime=MTIME)
    write(base, "steady", b"steady file", mtime=MTIME)

    def on_event(event: Event) -> None:
        # the scan is done; the read has not begun
        if isinstance(event, FileStarted) and event.relfilename == "changing":
            change(base / "changing")

    result = await client.sync(base, "vault", journal, progress=on_event)
    assert [(f.relfilename, f.reason) for f in result.failed] == [
        ("changing", "changing: file changed while it was read")
    ]
    assert [f.relfilename for f in result.uploaded] == ["steady"]
    await assert_nothing_of(client, emulator, journal, "changing", others=1)


@pytest.mark.parametrize("kind", list(SIZES))
@pytest.mark.parametrize("how", ["same-size", "grown", "shrunk"])
async def test_file_changed_while_read_is_not_journaled(
    client: Client,
    emulator: Emulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
    how: str,
) -> None:
    base, journal = tmp_path / "data", tmp_path / "journal"
    path = write(base, "changing", os.urandom(SIZES[kind]), mtime=MTIME)
    write(base, "steady", b"steady file", mtime=MTIME)
    ino = path.stat().st_ino
    real_pread = os.pread
    changed: list[bool] = []
    lock = threading.Lock()

    def pread(fd: int, n: int, offset: int) -> bytes:
        data = real_pread(fd, n, offset)
        with lock:  # parts are read in several threads: one change only
            first = not changed and os.fstat(fd).st_ino == ino
            if first:
                changed.append(True)
        if first:  # another program writes while we read
            if how == "same-size":
                same_size_rewrite(path)
            elif how == "grown":
                with path.open("ab") as f:
                    f.write(b"appended")
            else:
                os.truncate(path, SIZES[kind] // 3)
        return data

    monkeypatch.setattr(os, "pread", pread)
    result = await client.sync(base, "vault", journal)
    assert changed == [True]
    assert [(f.relfilename, f.reason) for f in result.failed] == [
        ("changing", "changing: file changed while it was read")
    ]
    assert [f.relfilename for f in result.uploaded] == ["steady"]
    await assert_nothing_of(client, emulator, journal, "changing", others=1)


async def test_resume_never_reuses_a_wrong_part(
    client: Client, emulator: Emulator, tmp_path: Path
) -> None:
    """An interrupted upload left parts on the service; one of them holds other bytes than the
    file has now at that place (same range, its own valid tree hash). The resume reuses the
    right part, sends the wrong one again, and the archive is the file's exact bytes."""
    base, journal = tmp_path / "data", tmp_path / "journal"
    data = os.urandom(3 * MIB + 7)
    path = write(base, "big.bin", data, mtime=MTIME)
    st = path.stat()
    description = encode_description("big.bin", MTIME)
    api = client.api
    upload_id = await api.initiate_multipart("vault", part_size=MIB, description=description)

    def part(body: bytes) -> dict[str, str]:
        return {"tree_hash": tree_hash(body).hex(), "sha256": hashlib.sha256(body).hexdigest()}

    right = data[:MIB]
    wrong = os.urandom(MIB)
    await api.upload_part("vault", upload_id, 0, right, **part(right))
    await api.upload_part("vault", upload_id, MIB, wrong, **part(wrong))
    store = ResumeStore(resume_path_for(journal))
    await store.load()
    await store.add(
        PendingUpload(
            vault="vault",
            upload_id=upload_id,
            relfilename="big.bin",
            size=st.st_size,
            mtime_ns=st.st_mtime_ns,
            part_size=MIB,
            description=description,
            started=0.0,
        )
    )
    result = await client.sync(base, "vault", journal)
    assert result.ok, result.failed
    assert [(f.relfilename, f.reason) for f in result.uploaded] == [
        ("big.bin", "resumed: 1 parts reused, 3 sent")
    ]
    await assert_vault_matches_tree(emulator, "vault", journal, base)
    assert await api.list_multipart_uploads("vault") == []
    assert await _pending(journal) == []


class Chunky:
    """A blocking stream (standard input, say) that returns at most ``step`` bytes a read."""

    def __init__(self, data: bytes, step: int) -> None:
        self.data, self.step, self.pos = data, step, 0

    def read(self, n: int) -> bytes:
        chunk = self.data[self.pos : self.pos + min(n, self.step)]
        self.pos += len(chunk)
        return chunk


@pytest.mark.parametrize(
    "size", [1, MIB - 1, MIB, MIB + 1, 3 * MIB, 3 * MIB + 5], ids=lambda s: f"{s}B"
)
async def test_stream_upload_lands_byte_for_byte(
    client: Client, emulator: Emulator, tmp_path: Path, size: int
) -> None:
    data = os.urandom(size)
    journal = tmp_path / "journal"
    stream = Chunky(data, 300_000)
    result = await client.upload_file(
        "vault", journal, "from/stdin.bin", stream=stream.read, max_size=64 * MIB, mtime=MTIME
    )
    assert (result.relfilename, result.status, result.size) == ("from/stdin.bin", "uploaded", size)
    state = read_journal(journal)
    record = state.files["from/stdin.bin"]
    assert (record.archive_id, record.size, record.mtime) == (result.archive_id, size, MTIME)
    assert record.treehash == tree_hash(data).hex()
    assert await emulator.read_archive("vault", record.archive_id) == data
    [archive] = await emulator.archives("vault")
    assert archive.description == encode_description("from/stdin.bin", MTIME)
    assert await client.api.list_multipart_uploads("vault") == []


async def test_data_upload_lands_byte_for_byte(
    client: Client, emulator: Emulator, tmp_path: Path
) -> None:
    data = os.urandom(2 * MIB + 3)
    result = await client.upload_file("vault", tmp_path / "j", "d", data=data, mtime=MTIME)
    assert await emulator.read_archive("vault", str(result.archive_id)) == data


@pytest.mark.parametrize("size", [MIB + 1, 3 * MIB], ids=["one-part-over", "parts-over"])
async def test_stream_longer_than_its_maximum_fails_and_leaves_nothing(
    client: Client, emulator: Emulator, tmp_path: Path, size: int
) -> None:
    journal = tmp_path / "journal"
    stream = Chunky(os.urandom(size), MIB)
    with pytest.raises(TransferError) as info:
        await client.upload_file(
            "vault", journal, "big", stream=stream.read, max_size=size - 1, mtime=MTIME
        )
    assert str(info.value) == f"big: input is larger than the maximum of {size - 1} bytes"
    assert await emulator.archives("vault") == []
    assert await client.api.list_multipart_uploads("vault") == []
    assert read_journal(journal).files == {}


async def test_empty_stream_is_refused(client: Client, emulator: Emulator, tmp_path: Path) -> None:
    with pytest.raises(TransferError) as info:
        await client.upload_file("vault", tmp_path / "j", "e", stream=Chunky(b"", 1).read)
    assert str(info.value) == "e: empty input: Glacier refuses empty archives"
    assert await emulator.archives("vault") == []


async def test_in_memory_data_over_the_part_size_goes_up_in_parts(
    client: Client, emulator: Emulator
) -> None:
    """ops.upload_file with bytes in memory (no path): parts, no resume record, exact bytes."""
    from aioglacier.backends.glacier.backend import GlacierBackend
    from aioglacier.limits import ByteBudget
    from aioglacier.ops import UploadContext, upload_file

    data = os.urandom(3 * MIB + 11)
    sent: list[int] = []
    ctx = UploadContext(
        backend=GlacierBackend(client.api, "vault"),
        part_size=MIB,
        budget=ByteBudget(2 * MIB),
        progress=lambda e: sent.append(e.nbytes) if isinstance(e, BytesTransferred) else None,
    )
    outcome = await upload_file(ctx, "mem.bin", data=data, size=len(data), mtime=MTIME)
    assert (outcome.size, outcome.parts_sent, outcome.parts_reused, outcome.resumed) == (
        len(data),
        4,
        0,
        False,
    )
    assert outcome.tree_hash == tree_hash(data).hex()
    assert sorted(sent) == [11, MIB, MIB, MIB]
    assert await emulator.read_archive("vault", outcome.archive_id) == data
    [archive] = await emulator.archives("vault")
    assert archive.description == encode_description("mem.bin", MTIME)
    assert await client.api.list_multipart_uploads("vault") == []


def open_fds_of(path: Path) -> list[str]:
    """This process's descriptors open on ``path`` (Linux's /proc)."""
    found = []
    for fd in Path("/proc/self/fd").iterdir():
        try:
            if os.readlink(fd) == str(path):
                found.append(fd.name)
        except OSError:
            continue
    return found


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")
async def test_uploads_close_every_file_they_open(
    client: Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base, journal = tmp_path / "data", tmp_path / "journal"
    paths = [
        write(base, f"f{i}", os.urandom(size), mtime=MTIME) for i, size in enumerate(SIZES.values())
    ]
    result = await client.sync(base, "vault", journal)
    assert result.ok, result.failed
    for path in paths:
        assert open_fds_of(path) == []
    # and when a multipart file is found changed midway (a part read short)
    big = write(base, "shrinks", os.urandom(3 * MIB + 1), mtime=MTIME)
    real_pread = os.pread
    ino = big.stat().st_ino

    def pread(fd: int, n: int, offset: int) -> bytes:
        if os.fstat(fd).st_ino == ino and offset >= 2 * MIB:
            return b""
        return real_pread(fd, n, offset)

    monkeypatch.setattr(os, "pread", pread)
    failed = await client.sync(base, "vault", journal)
    assert [f.relfilename for f in failed.failed] == ["shrinks"]
    assert open_fds_of(big) == []
