"""The vault API's vault and archive operations."""

from __future__ import annotations

from aiohttp import web

from aioglacier.emulator.glacier import protocol as wire
from aioglacier.emulator.glacier.errors import (
    GlacierError,
    invalid_parameter,
    missing_parameter,
    not_found,
)
from aioglacier.emulator.glacier.models import ArchiveRecord
from aioglacier.emulator.glacier.multipart import MultipartHandlers
from aioglacier.emulator.glacier.protocol import Ctx, Handlers
from aioglacier.emulator.glacier.store import GlacierStore
from aioglacier.emulator.ids import format_date
from aioglacier.emulator.pipeline import Settings
from aioglacier.emulator.storage import discard
from aioglacier.emulator.transfer import CHUNK, FileSink
from aioglacier.treehash import TreeHasher

__all__ = ["VaultHandlers"]


class VaultHandlers(Handlers):
    """Create, describe, list and delete vaults; upload and delete archives."""

    def __init__(
        self, store: GlacierStore, settings: Settings, multipart: MultipartHandlers
    ) -> None:
        super().__init__(store, settings)
        self.multipart = multipart

    # -- vaults --------------------------------------------------------------------------------

    async def create_vault(self, ctx: Ctx) -> web.StreamResponse:
        """Create Vault (PUT /-/vaults/NAME)."""
        assert ctx.route.vault is not None
        await self.store.create_vault(ctx.route.vault, ctx.region, format_date(self.now()))
        return web.Response(status=201, headers={"Location": self.location(ctx.route.vault)})

    async def describe_vault(self, ctx: Ctx) -> web.StreamResponse:
        """Describe Vault."""
        vault = self.vault(ctx)
        record = await self.store.describe_vault(vault.name)
        if record is None:  # deleted meanwhile
            raise not_found(f"Vault not found for ARN: {vault.arn}")
        return wire.json_response(200, record.describe())

    async def list_vaults(self, ctx: Ctx) -> web.StreamResponse:
        """List Vaults (marker, limit)."""
        query = ctx.request.rel_url.query
        limit = wire.parse_limit(query, 10, 1000)
        marker = query.get("marker")
        start: str | None = None
        if marker is not None:
            prefix = "arn:aws:glacier:"
            name = marker.rpartition(":vaults/")[2]
            if not marker.startswith(prefix) or ":vaults/" not in marker or not name:
                raise invalid_parameter(f"Invalid marker: '{marker}'")
            start = name
        records = await self.store.list_vaults(start, limit + 1)
        if marker is not None and (not records or records[0].name != start):
            raise invalid_parameter(f"Invalid marker: '{marker}'")
        page, rest = records[:limit], records[limit:]
        return wire.json_response(
            200,
            {
                "Marker": rest[0].arn if rest else None,
                "VaultList": [r.describe() for r in page],
            },
        )

    async def delete_vault(self, ctx: Ctx) -> web.StreamResponse:
        """Delete Vault (an empty one)."""
        self.vault(ctx)
        assert ctx.route.vault is not None
        await self.store.delete_vault(ctx.route.vault)
        self.multipart.forget_gone()
        return web.Response(status=204)

    # -- archives ------------------------------------------------------------------------------

    async def upload_archive(self, ctx: Ctx) -> web.StreamResponse:
        """Upload Archive: the body, verified against its hashes, becomes an archive."""
        vault = self.vault(ctx)
        headers = ctx.request.headers
        description = wire.check_description(headers.get("x-amz-archive-description", ""))
        tree_hash = wire.check_hash("x-amz-sha256-tree-hash", headers.get("x-amz-sha256-tree-hash"))
        content_sha256 = wire.check_hash(
            "x-amz-content-sha256", headers.get("x-amz-content-sha256")
        )
        expected = ctx.request.content_length
        if expected is None and "chunked" not in headers.get("Transfer-Encoding", "").lower():
            raise missing_parameter("Required header Content-Length is missing")
        archive_id = self.settings.ids.archive_id()
        hasher = TreeHasher() if self.settings.verify_hashes else None
        received_path = self.store.tmp_dir / archive_id
        sink = FileSink(received_path, create=True, hasher=hasher)
        first: bytes | None = None
        if expected is not None and expected <= CHUNK and ctx.fault != "reset":
            first = await ctx.request.content.readexactly(expected) if expected else b""
        received = await self.receive(ctx, sink, expected, first)
        if received.size == 0:
            await discard(received_path, self.settings.executor)
            raise invalid_parameter("Invalid Content-Length: 0. An archive must not be empty.")
        leaves: bytes | None = None
        if hasher is not None:
            try:
                wire.compare_hashes(hasher, content_sha256, tree_hash)
            except GlacierError:
                await discard(received_path, self.settings.executor)
                raise
            leaves = b"".join(hasher.leaves())
        record = ArchiveRecord(
            archive_id=archive_id,
            vault=vault.name,
            description=description,
            created=format_date(self.now()),
            size=received.size,
            tree_hash=tree_hash,
            leaves=leaves,
        )
        await self.store.add_archive(record, received_path)
        return web.Response(
            status=201,
            headers={
                "Location": self.location(vault.name, "archives", archive_id),
                "x-amz-archive-id": archive_id,
                "x-amz-sha256-tree-hash": tree_hash,
            },
        )

    async def delete_archive(self, ctx: Ctx) -> web.StreamResponse:
        """Delete Archive."""
        vault = self.vault(ctx)
        assert ctx.route.item is not None
        await self.store.delete_archive(vault.name, ctx.route.item)
        return web.Response(status=204)
