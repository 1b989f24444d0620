"""Multipart uploads in flight, recorded beside the journal so a later run can resume them.

mtglacier's journal has no line for an unfinished upload, and must stay readable by mtglacier, so
the state lives in a sidecar file ``<journal>.uploads.json``: one entry per multipart upload
(vault, upload id, part size, and the file's identity: name, size, mtime in nanoseconds). It is
rewritten atomically (temporary file, fsync, rename) whenever an upload starts or ends. A run
that finds an entry matching a file it is about to upload asks the service which parts it holds
(List Parts) and sends only the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import asdict, dataclass
from pathlib import Path

from aioglacier.localfs import atomic_write

__all__ = ["PendingUpload", "ResumeStore", "resume_path_for"]


def resume_path_for(journal: str | os.PathLike[str]) -> Path:
    """The sidecar file of a journal."""
    return Path(f"{os.fspath(journal)}.uploads.json")


@dataclass(frozen=True)
class PendingUpload:
    """A multipart upload that was initiated and not yet completed or aborted."""

    vault: str
    upload_id: str
    relfilename: str
    size: int
    mtime_ns: int
    part_size: int
    description: str
    started: float


class ResumeStore:
    """The sidecar of pending uploads. All writes go through one asyncio lock.

    A rewrite that fails (a full disk) raises and leaves the previous file whole, with no
    ``.tmp`` left behind. ``write`` is the ``os.write`` it uses (a test injects failures).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        executor: Executor | None = None,
        write: Callable[[int, bytes], int] = os.write,
    ) -> None:
        self.path = Path(path)
        self._executor = executor
        self._write_fn = write
        self._entries: dict[str, PendingUpload] = {}
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"ResumeStore({str(self.path)!r}, pending={len(self._entries)})"

    async def load(self) -> None:
        """Read the sidecar (a missing file means nothing pending; a corrupt one is ignored)."""
        loop = asyncio.get_running_loop()
        self._entries = await loop.run_in_executor(self._executor, self._read)

    def _read(self) -> dict[str, PendingUpload]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        try:
            items = json.loads(raw)
            return {d["upload_id"]: PendingUpload(**d) for d in items}
        except (ValueError, TypeError, KeyError):
            return {}

    def _write(self, entries: list[PendingUpload]) -> None:
        if not entries:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
            return
        data = json.dumps([asdict(e) for e in entries], indent=1).encode()
        # A full disk (or any failure) leaves the previous sidecar whole and no debris.
        atomic_write(self.path, data, mode=0o600, write=self._write_fn)

    async def _save(self) -> None:
        entries = list(self._entries.values())
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, self._write, entries)

    def find(self, vault: str, relfilename: str, size: int, mtime_ns: int) -> PendingUpload | None:
        """The pending upload of this very file (same name, size and mtime), if any."""
        for entry in self._entries.values():
            if (
                entry.vault == vault
                and entry.relfilename == relfilename
                and entry.size == size
                and entry.mtime_ns == mtime_ns
            ):
                return entry
        return None

    def pending(self) -> list[PendingUpload]:
        """Every pending upload."""
        return list(self._entries.values())

    async def add(self, entry: PendingUpload) -> None:
        """Record a started upload (durably, before its first part is sent)."""
        async with self._lock:
            self._entries[entry.upload_id] = entry
            try:
                await self._save()
            except BaseException:
                del self._entries[entry.upload_id]  # not recorded: not pending
                raise

    async def remove(self, upload_id: str) -> None:
        """Forget an upload that completed or was aborted."""
        async with self._lock:
            if self._entries.pop(upload_id, None) is not None:
                await self._save()
