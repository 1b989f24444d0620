"""The vault API's multipart uploads: one sparse file per upload, parts written at their
offsets, Complete verifies the tree hash, truncates and renames (and answers a repeat)."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field

from aiohttp import web

from aioglacier.emulator.glacier import protocol as wire
from aioglacier.emulator.glacier.errors import invalid_parameter, missing_parameter, not_found
from aioglacier.emulator.glacier.models import (
    ArchiveRecord,
    CompletedUpload,
    PartRecord,
    UploadRecord,
)
from aioglacier.emulator.glacier.protocol import Ctx, Handlers
from aioglacier.emulator.glacier.store import GlacierStore
from aioglacier.emulator.ids import format_date
from aioglacier.emulator.pipeline import Settings
from aioglacier.emulator.storage import truncate_and_sync
from aioglacier.emulator.transfer import FileSink
from aioglacier.treehash import TreeHasher, is_valid_part_size, tree_hash_from_parts

__all__ = ["MultipartHandlers"]

_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/\*")


@dataclass
class _UploadState:
    """Runtime state of a multipart upload (in memory; the record itself is in the store)."""

    active: int = 0
    closing: bool = False
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    range_locks: dict[int, asyncio.Lock] = field(default_factory=dict)
    starts: set[int] | None = None  # offsets with a recorded part (None: not loaded yet)


class MultipartHandlers(Handlers):
    """Initiate, upload parts, list, complete and abort multipart uploads."""

    def __init__(self, store: GlacierStore, settings: Settings) -> None:
        super().__init__(store, settings)
        # Completes of one upload run one at a time: a repeat waits for the first to finish,
        # then answers from its record. Entries live only while a Complete holds or awaits one.
        self._completing: dict[str, tuple[asyncio.Lock, int]] = {}
        self.uploads: dict[str, _UploadState] = {}

    def forget_gone(self) -> None:
        """Drop the runtime state of uploads the store no longer has (a vault was deleted)."""
        for upload_id in [u for u in self.uploads if u not in self.store.uploads]:
            del self.uploads[upload_id]

    async def initiate_multipart_upload(self, ctx: Ctx) -> web.StreamResponse:
        """Initiate Multipart Upload."""
        vault = self.vault(ctx)
        headers = ctx.request.headers
        description = wire.check_description(headers.get("x-amz-archive-description", ""))
        raw = headers.get("x-amz-part-size")
        if raw is None:
            raise missing_parameter("Required header x-amz-part-size is missing")
        part_size = int(raw) if raw.isdigit() else 0
        if not is_valid_part_size(part_size):
            raise invalid_parameter(
                f"Invalid part size: {raw}. Part size must not be null, must be a power of two "
                "and be between 1048576 and 4294967296 bytes."
            )
        upload = UploadRecord(
            upload_id=self.settings.ids.upload_id(),
            vault=vault.name,
            arn=vault.arn,
            description=description,
            part_size=part_size,
            created=format_date(self.now()),
        )
        await self.store.create_upload(upload)
        self.uploads[upload.upload_id] = _UploadState(starts=set())
        return web.Response(
            status=201,
            headers={
                "Location": self.location(vault.name, "multipart-uploads", upload.upload_id),
                "x-amz-multipart-upload-id": upload.upload_id,
            },
        )

    def _upload(self, ctx: Ctx) -> tuple[UploadRecord, _UploadState]:
        vault = self.vault(ctx)
        upload_id = ctx.route.item
        assert upload_id is not None
        record = self.store.uploads.get(upload_id)
        if record is None or record.vault != vault.name:
            raise not_found(f"The upload ID was not found: {upload_id}")
        state = self.uploads.get(upload_id)
        if state is None:
            state = self.uploads[upload_id] = _UploadState()
        if state.closing:
            raise not_found(f"The upload ID was not found: {upload_id}")
        return record, state

    async def upload_part(self, ctx: Ctx) -> web.StreamResponse:
        """Upload Part: write the range at its offset, verified against its hashes."""
        upload, state = self._upload(ctx)
        headers = ctx.request.headers
        raw_range = headers.get("Content-Range")
        if raw_range is None:
            raise missing_parameter("Required header Content-Range is missing")
        match = _CONTENT_RANGE.fullmatch(raw_range.strip())
        if match is None:
            raise invalid_parameter(
                f"Invalid Content-Range: '{raw_range}'. Expected 'bytes START-END/*'."
            )
        start, end = int(match.group(1)), int(match.group(2))
        size = end - start + 1
        if end < start or start % upload.part_size or size > upload.part_size:
            raise invalid_parameter(
                f"Invalid Content-Range: '{raw_range}'. The range must start at a multiple of "
                f"the part size ({upload.part_size}) and be at most one part long."
            )
        tree_hash = wire.check_hash("x-amz-sha256-tree-hash", headers.get("x-amz-sha256-tree-hash"))
        content_sha256 = wire.check_hash(
            "x-amz-content-sha256", headers.get("x-amz-content-sha256")
        )
        length = ctx.request.content_length
        if length is not None and length != size:
            raise invalid_parameter(
                f"Content-Length {length} does not match the Content-Range size {size}"
            )
        state.active += 1
        try:
            lock = state.range_locks.setdefault(start, asyncio.Lock())
            async with lock:
                if state.starts is None:
                    state.starts = {p.start for p in await self.store.get_parts(upload.upload_id)}
                if start in state.starts:
                    # the bytes are about to be overwritten: the old part is no longer valid
                    await self.store.forget_part(upload.upload_id, start)
                    state.starts.discard(start)
                hasher = TreeHasher() if self.settings.verify_hashes else None
                sink = FileSink(
                    self.store.upload_path(upload.upload_id),
                    base_offset=start,
                    create=False,
                    hasher=hasher,
                )
                received = await self.receive(ctx, sink, size)
                if received.size != size:
                    raise invalid_parameter(
                        f"The body is {received.size} bytes, the Content-Range says {size}"
                    )
                leaves: bytes | None = None
                if hasher is not None:
                    wire.compare_hashes(hasher, content_sha256, tree_hash)
                    leaves = b"".join(hasher.leaves())
                await self.store.put_part(
                    upload.upload_id, PartRecord(start, size, tree_hash, leaves)
                )
                state.starts.add(start)
        finally:
            state.active -= 1
            async with state.changed:
                state.changed.notify_all()
        return web.Response(status=204, headers={"x-amz-sha256-tree-hash": tree_hash})

    async def list_parts(self, ctx: Ctx) -> web.StreamResponse:
        """List Parts (marker, limit)."""
        upload, _ = self._upload(ctx)
        query = ctx.request.rel_url.query
        limit = wire.parse_limit(query, 50, 1000)
        marker = query.get("marker")
        parts = await self.store.get_parts(upload.upload_id)
        index = 0
        if marker is not None:
            starts = [str(p.start) for p in parts]
            if marker not in starts:
                raise invalid_parameter(f"Invalid marker: '{marker}'")
            index = starts.index(marker)
        page = parts[index : index + limit]
        rest = parts[index + limit :]
        return wire.json_response(
            200,
            {
                "ArchiveDescription": upload.description,
                "CreationDate": upload.created,
                "Marker": str(rest[0].start) if rest else None,
                "MultipartUploadId": upload.upload_id,
                "PartSizeInBytes": upload.part_size,
                "Parts": [{"RangeInBytes": p.range, "SHA256TreeHash": p.tree_hash} for p in page],
                "VaultARN": upload.arn,
            },
        )

    async def list_multipart_uploads(self, ctx: Ctx) -> web.StreamResponse:
        """List Multipart Uploads (marker, limit)."""
        vault = self.vault(ctx)
        query = ctx.request.rel_url.query
        limit = wire.parse_limit(query, 50, 1000)
        marker = query.get("marker")
        records = await self.store.list_uploads(vault.name, marker, limit + 1)
        page, rest = records[:limit], records[limit:]
        return wire.json_response(
            200,
            {
                "Marker": rest[0].upload_id if rest else None,
                "UploadsList": [r.describe() for r in page],
            },
        )

    async def _close_upload(self, state: _UploadState) -> None:
        state.closing = True
        async with state.changed:
            await state.changed.wait_for(lambda: state.active == 0)

    async def complete_multipart_upload(self, ctx: Ctx) -> web.StreamResponse:
        """Complete Multipart Upload (idempotent: a repeat answers with the same archive)."""
        vault = self.vault(ctx)
        upload_id = ctx.route.item
        assert upload_id is not None
        headers = ctx.request.headers
        raw_size = headers.get("x-amz-archive-size")
        if raw_size is None:
            raise missing_parameter("Required header x-amz-archive-size is missing")
        if not raw_size.isdigit():
            raise invalid_parameter(f"Invalid x-amz-archive-size header value: '{raw_size}'")
        archive_size = int(raw_size)
        tree_hash = wire.check_hash("x-amz-sha256-tree-hash", headers.get("x-amz-sha256-tree-hash"))
        lock, users = self._completing.get(upload_id, (asyncio.Lock(), 0))
        self._completing[upload_id] = (lock, users + 1)
        try:
            async with lock:
                if upload_id not in self.store.uploads:
                    # Complete is idempotent (AWS): a repeat after success gets the same archive.
                    done = await self.store.completed_upload(
                        vault.name,
                        upload_id,
                        not_before=self.now() - self.settings.completed_upload_retention,
                    )
                    if done is not None:
                        return self._repeated_complete(done, archive_size, tree_hash)
                return await self._complete(ctx, archive_size, tree_hash)
        finally:
            lock, users = self._completing[upload_id]
            if users == 1:
                del self._completing[upload_id]
            else:
                self._completing[upload_id] = (lock, users - 1)

    def _repeated_complete(
        self, done: CompletedUpload, archive_size: int, tree_hash: str
    ) -> web.StreamResponse:
        """Answer a Complete of an upload already completed: the same archive, or the error a
        first Complete with these values would have had."""
        if archive_size != done.size:
            raise invalid_parameter(
                f"Archive size mismatch: the parts hold {done.size} bytes, "
                f"x-amz-archive-size is {archive_size}"
            )
        if tree_hash != done.tree_hash:
            raise invalid_parameter(
                f"Checksum mismatch: expected {done.tree_hash} (calculated), "
                f"actual {tree_hash} (specified)"
            )
        return self._completed_response(done.vault, done.archive_id, done.tree_hash)

    def _completed_response(self, vault: str, archive_id: str, tree_hash: str) -> web.Response:
        return web.Response(
            status=201,
            headers={
                "Location": self.location(vault, "archives", archive_id),
                "x-amz-archive-id": archive_id,
                "x-amz-sha256-tree-hash": tree_hash,
            },
        )

    async def _complete(self, ctx: Ctx, archive_size: int, tree_hash: str) -> web.StreamResponse:
        upload, state = self._upload(ctx)
        await self._close_upload(state)
        try:
            parts = await self.store.get_parts(upload.upload_id)
            self._check_parts(upload, parts, archive_size)
            computed = tree_hash_from_parts([bytes.fromhex(p.tree_hash) for p in parts]).hex()
            if computed != tree_hash:
                raise invalid_parameter(
                    f"Checksum mismatch: expected {computed} (calculated), "
                    f"actual {tree_hash} (specified)"
                )
            path = self.store.upload_path(upload.upload_id)
            await asyncio.get_running_loop().run_in_executor(
                self.settings.executor, truncate_and_sync, path, archive_size
            )
            leaves = (
                b"".join(p.leaves for p in parts if p.leaves is not None)
                if all(p.leaves is not None for p in parts)
                else None
            )
            archive_id = self.settings.ids.archive_id()
            record = ArchiveRecord(
                archive_id=archive_id,
                vault=upload.vault,
                description=upload.description,
                created=format_date(self.now()),
                size=archive_size,
                tree_hash=tree_hash,
                leaves=leaves,
            )
            now = self.now()
            await self.store.complete_upload(
                upload.upload_id,
                record,
                now=now,
                forget_before=now - self.settings.completed_upload_retention,
            )
        except BaseException:
            state.closing = False
            raise
        self.uploads.pop(upload.upload_id, None)
        return self._completed_response(upload.vault, archive_id, tree_hash)

    @staticmethod
    def _check_parts(upload: UploadRecord, parts: list[PartRecord], archive_size: int) -> None:
        if not parts:
            raise invalid_parameter(f"No parts were uploaded for upload ID: {upload.upload_id}")
        expected_start = 0
        for index, part in enumerate(parts):
            if part.start != expected_start:
                raise invalid_parameter(
                    f"Missing part: no part covers bytes {expected_start}-{part.start - 1}"
                )
            last = index == len(parts) - 1
            if not last and part.size != upload.part_size:
                raise invalid_parameter(
                    f"Part {part.range} is shorter than the part size {upload.part_size} "
                    "and is not the last part"
                )
            expected_start += part.size
        if expected_start != archive_size:
            raise invalid_parameter(
                f"Archive size mismatch: the parts hold {expected_start} bytes, "
                f"x-amz-archive-size is {archive_size}"
            )

    async def abort_multipart_upload(self, ctx: Ctx) -> web.StreamResponse:
        """Abort Multipart Upload."""
        upload, state = self._upload(ctx)
        await self._close_upload(state)
        try:
            await self.store.abort_upload(upload.upload_id)
        except BaseException:
            state.closing = False
            raise
        self.uploads.pop(upload.upload_id, None)
        return web.Response(status=204)
