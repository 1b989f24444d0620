"""The Glacier vault API: routing, authentication and every operation (the shared request
pipeline, :mod:`aioglacier.emulator.pipeline`, does the rest)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from types import MappingProxyType
from typing import Any
from urllib.parse import unquote

from aiohttp import web

from aioglacier.emulator.glacier.errors import (
    GlacierError,
    access_denied,
    invalid_parameter,
    missing_parameter,
    not_found,
)
from aioglacier.emulator.glacier.models import (
    INVENTORY_DELAY,
    TIER_DELAYS,
    ArchiveRecord,
    CompletedUpload,
    JobRecord,
    PartRecord,
    UploadRecord,
    VaultRecord,
    vault_arn,
)
from aioglacier.emulator.glacier.store import GlacierStore
from aioglacier.emulator.ids import format_date, format_inventory_date
from aioglacier.emulator.pipeline import Api, Exchange, Settings
from aioglacier.emulator.storage import discard, truncate_and_sync
from aioglacier.emulator.transfer import (
    CHUNK,
    ConnectionDropped,
    FileSink,
    Received,
    Throttle,
    receive_body,
    reset_connection,
    send_file_range,
)
from aioglacier.sigv4 import HmacSha256, SignatureError, verify_request
from aioglacier.treehash import (
    MIB,
    TreeHasher,
    is_tree_hash_aligned,
    is_valid_part_size,
    range_tree_hash,
    tree_hash_file,
    tree_hash_from_parts,
)

__all__ = ["GlacierService"]

_log = logging.getLogger(__name__)

_VAULT_NAME = re.compile(r"[a-zA-Z0-9_.\-]{1,255}")
_ACCOUNT = re.compile(r"-|\d{12}")
_HEX64 = re.compile(r"[0-9a-fA-F]{64}")
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/\*")
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")
_BYTE_RANGE = re.compile(r"(\d+)-(\d+)")
_GLACIER_PATH = re.compile(r"/(-|\d{12})/vaults(/|$)")
_ERROR_FAULTS: dict[str, tuple[str, str, int]] = {
    "500": ("ServiceUnavailableException", "Service unavailable. Try again later.", 500),
    "503": ("ServiceUnavailableException", "Service unavailable. Try again later.", 503),
    "throttle": ("ThrottlingException", "Rate exceeded", 400),
    "timeout": (
        "RequestTimeoutException",
        "Request timed out waiting for the request body.",
        408,
    ),
}
_JSON = "application/json"
_MAX_DESCRIPTION = 1024
_TIERS = ("Expedited", "Standard", "Bulk")


@dataclass(frozen=True)
class _Route:
    operation: str
    account: str
    vault: str | None = None
    item: str | None = None


@dataclass
class _UploadState:
    """Runtime state of a multipart upload (in memory; the record itself is in the store)."""

    active: int = 0
    closing: bool = False
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    range_locks: dict[int, asyncio.Lock] = field(default_factory=dict)
    starts: set[int] | None = None  # offsets with a recorded part (None: not loaded yet)


@dataclass(frozen=True)
class _Admitted:
    """What admission found: the route, the region of the credential scope, and the body
    (read whole, unless the operation streams it)."""

    route: _Route
    region: str
    body: bytes | None


@dataclass
class _Ctx:
    request: web.BaseRequest
    request_id: str
    route: _Route
    region: str
    body: bytes | None
    fault: str | None
    throttle: Throttle


_OPERATIONS: Mapping[tuple[str, int, str | None], str] = MappingProxyType(
    {
        ("GET", 0, None): "list_vaults",
        ("PUT", 1, None): "create_vault",
        ("GET", 1, None): "describe_vault",
        ("DELETE", 1, None): "delete_vault",
        ("POST", 2, "archives"): "upload_archive",
        ("DELETE", 3, "archives"): "delete_archive",
        ("POST", 2, "multipart-uploads"): "initiate_multipart_upload",
        ("GET", 2, "multipart-uploads"): "list_multipart_uploads",
        ("PUT", 3, "multipart-uploads"): "upload_part",
        ("GET", 3, "multipart-uploads"): "list_parts",
        ("POST", 3, "multipart-uploads"): "complete_multipart_upload",
        ("DELETE", 3, "multipart-uploads"): "abort_multipart_upload",
        ("POST", 2, "jobs"): "initiate_job",
        ("GET", 2, "jobs"): "list_jobs",
        ("GET", 3, "jobs"): "describe_job",
    }
)


def _route(method: str, path: str) -> _Route | GlacierError:
    """Map a method and a (decoded) path to an operation, or an error."""
    parts = path.split("/")
    if len(parts) < 3 or parts[0] != "" or parts[2] != "vaults":
        return GlacierError(
            "UnknownOperationException", f"No operation matches {method} {path}", 400
        )
    account = parts[1]
    rest = parts[3:]
    if rest and rest[-1] == "" and len(rest) > 1:
        rest = rest[:-1]
    if rest == [""]:
        rest = []
    kind = rest[1] if len(rest) >= 2 else None
    operation = _OPERATIONS.get((method, len(rest), kind))
    if operation is None and method == "GET" and len(rest) == 4 and rest[1] == "jobs":
        operation = "get_job_output" if rest[3] == "output" else None
    if operation is None:
        return GlacierError(
            "UnknownOperationException", f"No operation matches {method} {path}", 400
        )
    return _Route(
        operation,
        account,
        vault=rest[0] if rest else None,
        item=rest[2] if len(rest) >= 3 else None,
    )


def _json_response(
    status: int, document: Any, headers: dict[str, str] | None = None
) -> web.Response:
    body = json.dumps(document, separators=(",", ":")).encode()
    return web.Response(status=status, body=body, content_type=_JSON, headers=headers)


def _error_response(error: GlacierError) -> web.Response:
    return _json_response(error.status, error.body())


def _check_description(value: str, what: str = "archive description") -> str:
    if len(value) > _MAX_DESCRIPTION or any(not (" " <= c <= "~") for c in value):
        raise invalid_parameter(
            f"Invalid {what}: it must be at most {_MAX_DESCRIPTION} printable ASCII "
            f"characters (0x20-0x7E); got {len(value)} characters"
        )
    return value


def _parse_limit(query: Mapping[str, str], default: int, maximum: int) -> int:
    raw = query.get("limit")
    if raw is None:
        return default
    try:
        limit = int(raw)
    except ValueError:
        limit = 0
    if not 1 <= limit <= maximum:
        raise invalid_parameter(
            f"Invalid limit value: '{raw}'. The limit must be between 1 and {maximum}."
        )
    return limit


def _check_hash(name: str, value: str | None) -> str:
    if value is None:
        raise missing_parameter(f"Required header {name} is missing")
    if not _HEX64.fullmatch(value):
        raise invalid_parameter(f"Invalid {name} header value: '{value}'")
    return value.lower()


class GlacierService(Api[_Admitted]):
    """The emulated Glacier vault API over a :class:`GlacierStore`, served by the
    :class:`~aioglacier.emulator.pipeline.Pipeline`."""

    service = "glacier"
    streaming = frozenset({"upload_archive", "upload_part"})
    streams_answer = frozenset({"get_job_output"})
    errors = (GlacierError, SignatureError)

    def __init__(self, store: GlacierStore, settings: Settings) -> None:
        super().__init__(settings)
        self.store = store
        # Completes of one upload run one at a time: a repeat waits for the first to finish,
        # then answers from its record. Entries live only while a Complete holds or awaits one.
        self._completing: dict[str, tuple[asyncio.Lock, int]] = {}
        self.uploads: dict[str, _UploadState] = {}
        self._signing_keys: dict[tuple[str, str, str, str], HmacSha256] = {}
        self._handlers: dict[str, Callable[[_Ctx], Awaitable[web.StreamResponse]]] = {
            "list_vaults": self._list_vaults,
            "create_vault": self._create_vault,
            "describe_vault": self._describe_vault,
            "delete_vault": self._delete_vault,
            "upload_archive": self._upload_archive,
            "delete_archive": self._delete_archive,
            "initiate_multipart_upload": self._initiate_multipart_upload,
            "list_multipart_uploads": self._list_multipart_uploads,
            "upload_part": self._upload_part,
            "list_parts": self._list_parts,
            "complete_multipart_upload": self._complete_multipart_upload,
            "abort_multipart_upload": self._abort_multipart_upload,
            "initiate_job": self._initiate_job,
            "list_jobs": self._list_jobs,
            "describe_job": self._describe_job,
            "get_job_output": self._get_job_output,
        }

    # -- the pipeline's questions ----------------------------------------------------------------

    def claims_unsigned(self, request: web.BaseRequest) -> bool:
        """An unsigned request with a ``/-/vaults`` path or the ``x-amz-glacier-version``
        header is a vault request."""
        raw_path = request.raw_path.partition("?")[0]
        return "x-amz-glacier-version" in request.headers or bool(_GLACIER_PATH.match(raw_path))

    async def admit(self, request: web.BaseRequest) -> tuple[str, _Admitted]:
        """Route, read the body (unless streamed), verify the signature, check the account
        and the vault name."""
        raw_path, _, raw_query = request.raw_path.partition("?")
        route = _route(request.method, unquote(raw_path))
        streaming = isinstance(route, _Route) and route.operation in self.streaming
        body: bytes | None = None
        content_sha256 = request.headers.get("x-amz-content-sha256")
        if streaming:
            if content_sha256 is None:
                raise missing_parameter("Required header x-amz-content-sha256 is missing")
            payload_hash = content_sha256
        else:
            body = await request.read()
            payload_hash = hashlib.sha256(body).hexdigest()
            if content_sha256 is not None and content_sha256 != payload_hash:
                raise GlacierError(
                    "InvalidSignatureException",
                    "The provided 'x-amz-content-sha256' header does not match what was computed.",
                    403,
                )
        identity = verify_request(
            request.method,
            raw_path,
            raw_query,
            request.headers,
            payload_hash,
            lookup_secret=self.settings.credentials.get,
            now=self.settings.auth_clock(),
            service=self.service,
            key_cache=self._signing_keys,
        )
        if isinstance(route, GlacierError):
            raise route
        account = self.settings.account
        if not _ACCOUNT.fullmatch(route.account):
            raise invalid_parameter(f"Invalid account ID: '{route.account}'")
        if route.account not in ("-", account):
            raise access_denied(
                f"User: arn:aws:iam::{account}:root is not authorized to access "
                f"resources of account {route.account}"
            )
        if route.vault is not None and not _VAULT_NAME.fullmatch(route.vault):
            raise invalid_parameter(
                f"Invalid vault name: '{route.vault[:300]}'. Vault names must be 1 to 255 "
                "characters long and contain only a-z, A-Z, 0-9, '_', '-' and '.'"
            )
        return route.operation, _Admitted(route, identity.region, body)

    async def drain(self, request: web.BaseRequest, admitted: _Admitted) -> None:
        """Read the streamed body to its end."""
        await request.content.read()

    async def dispatch(self, exchange: Exchange, admitted: _Admitted) -> web.StreamResponse:
        """Run the operation's handler."""
        ctx = _Ctx(
            exchange.request,
            exchange.request_id,
            admitted.route,
            admitted.region,
            admitted.body,
            exchange.fault,
            exchange.throttle,
        )
        return await self._handlers[exchange.operation](ctx)

    def fault_error(self, fault: str) -> Exception:
        """Glacier's answer to an error fault."""
        code, message, status = _ERROR_FAULTS[fault]
        return GlacierError(code, message, status)

    def internal_error(self) -> Exception:
        """A 500 ``ServiceUnavailableException``."""
        return GlacierError(
            "ServiceUnavailableException", "Internal error in the emulator (see its log).", 500
        )

    def error_response(
        self, error: Exception, request: web.BaseRequest, request_id: str
    ) -> web.Response:
        """The JSON error document."""
        if isinstance(error, SignatureError):
            error = GlacierError(error.code, error.message, error.status)
        assert isinstance(error, GlacierError)
        return _error_response(error)

    def stamp(
        self, response: web.StreamResponse, request: web.BaseRequest, request_id: str
    ) -> None:
        """``x-amzn-RequestId``."""
        response.headers["x-amzn-RequestId"] = request_id

    # -- helpers -------------------------------------------------------------------------------

    def _vault(self, ctx: _Ctx) -> VaultRecord:
        assert ctx.route.vault is not None
        record = self.store.vaults.get(ctx.route.vault)
        if record is None:
            arn = vault_arn(ctx.region, self.settings.account, ctx.route.vault)
            raise not_found(f"Vault not found for ARN: {arn}")
        return record

    def _location(self, *parts: str) -> str:
        return "/" + "/".join((self.settings.account, "vaults", *parts))

    def _now(self) -> datetime:
        return self.settings.clock.now().astimezone(UTC)

    # -- vaults --------------------------------------------------------------------------------

    async def _create_vault(self, ctx: _Ctx) -> web.StreamResponse:
        assert ctx.route.vault is not None
        await self.store.create_vault(ctx.route.vault, ctx.region, format_date(self._now()))
        return web.Response(status=201, headers={"Location": self._location(ctx.route.vault)})

    async def _describe_vault(self, ctx: _Ctx) -> web.StreamResponse:
        vault = self._vault(ctx)
        record = await self.store.describe_vault(vault.name)
        if record is None:  # deleted meanwhile
            raise not_found(f"Vault not found for ARN: {vault.arn}")
        return _json_response(200, record.describe())

    async def _list_vaults(self, ctx: _Ctx) -> web.StreamResponse:
        query = ctx.request.rel_url.query
        limit = _parse_limit(query, 10, 1000)
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
        return _json_response(
            200,
            {
                "Marker": rest[0].arn if rest else None,
                "VaultList": [r.describe() for r in page],
            },
        )

    async def _delete_vault(self, ctx: _Ctx) -> web.StreamResponse:
        self._vault(ctx)
        assert ctx.route.vault is not None
        await self.store.delete_vault(ctx.route.vault)
        for upload_id in [u for u in self.uploads if u not in self.store.uploads]:
            del self.uploads[upload_id]
        return web.Response(status=204)

    # -- archives ------------------------------------------------------------------------------

    async def _upload_archive(self, ctx: _Ctx) -> web.StreamResponse:
        vault = self._vault(ctx)
        headers = ctx.request.headers
        description = _check_description(headers.get("x-amz-archive-description", ""))
        tree_hash = _check_hash("x-amz-sha256-tree-hash", headers.get("x-amz-sha256-tree-hash"))
        content_sha256 = _check_hash("x-amz-content-sha256", headers.get("x-amz-content-sha256"))
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
        received = await self._receive(ctx, sink, expected, first)
        if received.size == 0:
            await discard(received_path, self.settings.executor)
            raise invalid_parameter("Invalid Content-Length: 0. An archive must not be empty.")
        leaves: bytes | None = None
        if hasher is not None:
            try:
                self._compare_hashes(hasher, content_sha256, tree_hash)
            except GlacierError:
                await discard(received_path, self.settings.executor)
                raise
            leaves = b"".join(hasher.leaves())
        record = ArchiveRecord(
            archive_id=archive_id,
            vault=vault.name,
            description=description,
            created=format_date(self._now()),
            size=received.size,
            tree_hash=tree_hash,
            leaves=leaves,
        )
        await self.store.add_archive(record, received_path)
        return web.Response(
            status=201,
            headers={
                "Location": self._location(vault.name, "archives", archive_id),
                "x-amz-archive-id": archive_id,
                "x-amz-sha256-tree-hash": tree_hash,
            },
        )

    async def _receive(
        self, ctx: _Ctx, sink: FileSink, expected: int | None, first: bytes | None = None
    ) -> Received:
        """Receive the body into ``sink`` (a ``reset`` fault cuts it half way)."""
        return await receive_body(
            ctx.request,
            sink,
            expected=expected,
            executor=self.settings.executor,
            throttle=ctx.throttle,
            reset_at=(expected or 0) // 2 if ctx.fault == "reset" else None,
            first=first,
        )

    @staticmethod
    def _compare_hashes(hasher: TreeHasher, content_sha256: str, tree_hash: str) -> None:
        linear = hasher.sha256_hexdigest()
        if linear != content_sha256:
            raise invalid_parameter(
                "The value passed in as x-amz-content-sha256 does not match the computed "
                f"payload hash. Computed digest: {linear} expected hash: {content_sha256}"
            )
        computed = hasher.hexdigest()
        if computed != tree_hash:
            raise invalid_parameter(
                f"Checksum mismatch: expected {computed} (calculated), "
                f"actual {tree_hash} (specified)"
            )

    async def _delete_archive(self, ctx: _Ctx) -> web.StreamResponse:
        vault = self._vault(ctx)
        assert ctx.route.item is not None
        await self.store.delete_archive(vault.name, ctx.route.item)
        return web.Response(status=204)

    # -- multipart uploads ---------------------------------------------------------------------

    async def _initiate_multipart_upload(self, ctx: _Ctx) -> web.StreamResponse:
        vault = self._vault(ctx)
        headers = ctx.request.headers
        description = _check_description(headers.get("x-amz-archive-description", ""))
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
            created=format_date(self._now()),
        )
        await self.store.create_upload(upload)
        self.uploads[upload.upload_id] = _UploadState(starts=set())
        return web.Response(
            status=201,
            headers={
                "Location": self._location(vault.name, "multipart-uploads", upload.upload_id),
                "x-amz-multipart-upload-id": upload.upload_id,
            },
        )

    def _upload(self, ctx: _Ctx) -> tuple[UploadRecord, _UploadState]:
        vault = self._vault(ctx)
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

    async def _upload_part(self, ctx: _Ctx) -> web.StreamResponse:
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
        tree_hash = _check_hash("x-amz-sha256-tree-hash", headers.get("x-amz-sha256-tree-hash"))
        content_sha256 = _check_hash("x-amz-content-sha256", headers.get("x-amz-content-sha256"))
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
                received = await self._receive(ctx, sink, size)
                if received.size != size:
                    raise invalid_parameter(
                        f"The body is {received.size} bytes, the Content-Range says {size}"
                    )
                leaves: bytes | None = None
                if hasher is not None:
                    self._compare_hashes(hasher, content_sha256, tree_hash)
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

    async def _list_parts(self, ctx: _Ctx) -> web.StreamResponse:
        upload, _ = self._upload(ctx)
        query = ctx.request.rel_url.query
        limit = _parse_limit(query, 50, 1000)
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
        return _json_response(
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

    async def _list_multipart_uploads(self, ctx: _Ctx) -> web.StreamResponse:
        vault = self._vault(ctx)
        query = ctx.request.rel_url.query
        limit = _parse_limit(query, 50, 1000)
        marker = query.get("marker")
        records = await self.store.list_uploads(vault.name, marker, limit + 1)
        page, rest = records[:limit], records[limit:]
        return _json_response(
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

    async def _complete_multipart_upload(self, ctx: _Ctx) -> web.StreamResponse:
        vault = self._vault(ctx)
        upload_id = ctx.route.item
        assert upload_id is not None
        headers = ctx.request.headers
        raw_size = headers.get("x-amz-archive-size")
        if raw_size is None:
            raise missing_parameter("Required header x-amz-archive-size is missing")
        if not raw_size.isdigit():
            raise invalid_parameter(f"Invalid x-amz-archive-size header value: '{raw_size}'")
        archive_size = int(raw_size)
        tree_hash = _check_hash("x-amz-sha256-tree-hash", headers.get("x-amz-sha256-tree-hash"))
        lock, users = self._completing.get(upload_id, (asyncio.Lock(), 0))
        self._completing[upload_id] = (lock, users + 1)
        try:
            async with lock:
                if upload_id not in self.store.uploads:
                    # Complete is idempotent (AWS): a repeat after success gets the same archive.
                    done = await self.store.completed_upload(
                        vault.name,
                        upload_id,
                        not_before=self._now() - self.settings.completed_upload_retention,
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
                "Location": self._location(vault, "archives", archive_id),
                "x-amz-archive-id": archive_id,
                "x-amz-sha256-tree-hash": tree_hash,
            },
        )

    async def _complete(self, ctx: _Ctx, archive_size: int, tree_hash: str) -> web.StreamResponse:
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
                created=format_date(self._now()),
                size=archive_size,
                tree_hash=tree_hash,
                leaves=leaves,
            )
            now = self._now()
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

    async def _abort_multipart_upload(self, ctx: _Ctx) -> web.StreamResponse:
        upload, state = self._upload(ctx)
        await self._close_upload(state)
        try:
            await self.store.abort_upload(upload.upload_id)
        except BaseException:
            state.closing = False
            raise
        self.uploads.pop(upload.upload_id, None)
        return web.Response(status=204)

    # -- jobs ----------------------------------------------------------------------------------

    def _new_job(
        self, tier: str | None, description: str | None, sns_topic: str | None
    ) -> JobRecord:
        """A job started now, with its delay and fate drawn (``tier`` None: an inventory
        retrieval); the caller fills in the vault, the action and the details."""
        now = self._now()
        delay = INVENTORY_DELAY if tier is None else TIER_DELAYS[tier]
        scale = self.settings.job_delay_scale
        faults = self.settings.faults
        return JobRecord(
            job_id=self.settings.ids.job_id(),
            vault="",
            vault_arn="",
            action="",
            description=description,
            created_at=now,
            complete_at=now + timedelta(seconds=delay.total_seconds() * scale),
            failed=faults.next_job_fails() if faults is not None else False,
            sns_topic=sns_topic,
            tier=tier,
        )

    async def _initiate_job(self, ctx: _Ctx) -> web.StreamResponse:
        vault = self._vault(ctx)
        try:
            params = json.loads(ctx.body or b"{}")
        except ValueError:
            raise GlacierError(
                "SerializationException", "The request body is not valid JSON.", 400
            ) from None
        if not isinstance(params, dict):
            raise GlacierError(
                "SerializationException", "The request body must be a JSON object.", 400
            )
        job_type = params.get("Type")
        if job_type is None:
            raise missing_parameter("Required parameter Type is missing")
        description = params.get("Description")
        if description is not None:
            _check_description(str(description), "job description")
        start = partial(self._new_job, description=description, sns_topic=params.get("SNSTopic"))
        if job_type == "archive-retrieval":
            job = await self._archive_job(vault, params, start)
        elif job_type == "inventory-retrieval":
            job = await self._inventory_job(vault, params, start)
        elif job_type == "select":
            raise invalid_parameter("Select jobs are not supported by the emulator")
        else:
            raise invalid_parameter(
                f"Invalid job type: '{job_type}'. Valid types are archive-retrieval, "
                "inventory-retrieval and select."
            )
        return web.Response(
            status=202,
            headers={
                "Location": self._location(vault.name, "jobs", job.job_id),
                "x-amz-job-id": job.job_id,
            },
        )

    async def _archive_job(
        self, vault: VaultRecord, params: dict[str, Any], start: Callable[[str | None], JobRecord]
    ) -> JobRecord:
        archive_id = params.get("ArchiveId")
        if not archive_id:
            raise missing_parameter("Required parameter ArchiveId is missing")
        tier = params.get("Tier") or "Standard"
        if tier not in _TIERS:
            raise invalid_parameter(
                f"Invalid tier: '{tier}'. Valid tiers are Expedited, Standard and Bulk."
            )
        if params.get("Format") is not None:
            raise invalid_parameter("Format is only valid for inventory-retrieval jobs")
        raw_range = params.get("RetrievalByteRange")
        base = start(tier)

        def make(archive: ArchiveRecord) -> JobRecord:
            start, end = 0, archive.size - 1
            if raw_range is not None:
                match = _BYTE_RANGE.fullmatch(str(raw_range))
                if match is None:
                    raise invalid_parameter(
                        f"Invalid RetrievalByteRange: '{raw_range}'. Expected 'START-END'."
                    )
                start, end = int(match.group(1)), int(match.group(2))
                if (
                    end < start
                    or end >= archive.size
                    or start % MIB
                    or ((end + 1) % MIB and end != archive.size - 1)
                ):
                    raise invalid_parameter(
                        f"Invalid RetrievalByteRange: '{raw_range}'. The range must be megabyte "
                        "aligned: the start a multiple of 1048576 and the end plus one a "
                        f"multiple of 1048576 or the archive size ({archive.size})."
                    )
            whole = start == 0 and end == archive.size - 1
            if whole:
                range_hash: str | None = archive.tree_hash
            elif archive.leaves is not None and is_tree_hash_aligned(start, end, archive.size):
                leaves = [archive.leaves[i : i + 32] for i in range(0, len(archive.leaves), 32)]
                range_hash = range_tree_hash(leaves, start, end).hex()
            else:
                range_hash = None
            return replace(
                base,
                vault=vault.name,
                vault_arn=vault.arn,
                action="ArchiveRetrieval",
                archive_id=archive.archive_id,
                archive_size=archive.size,
                archive_tree_hash=archive.tree_hash,
                range_start=start,
                range_end=end,
                range_tree_hash=range_hash,
                leaves=archive.leaves,
                archive_description=archive.description,
            )

        return await self.store.create_archive_job(vault.name, str(archive_id), make)

    async def _inventory_job(
        self, vault: VaultRecord, params: dict[str, Any], start: Callable[[str | None], JobRecord]
    ) -> JobRecord:
        if params.get("ArchiveId") is not None:
            raise invalid_parameter("ArchiveId is not valid for inventory-retrieval jobs")
        if params.get("RetrievalByteRange") is not None:
            raise invalid_parameter("RetrievalByteRange is not valid for inventory-retrieval jobs")
        fmt = params.get("Format") or "JSON"
        if fmt not in ("JSON", "CSV"):
            raise invalid_parameter(f"Invalid format: '{fmt}'. Valid formats are CSV and JSON.")
        inventory_params = params.get("InventoryRetrievalParameters")
        base = start(None)

        def make(current: VaultRecord, archives: list[ArchiveRecord]) -> tuple[JobRecord, bytes]:
            document = render_inventory(current.arn, base.created_at, archives, fmt)
            job = replace(
                base,
                vault=current.name,
                vault_arn=current.arn,
                action="InventoryRetrieval",
                inventory_format=fmt,
                inventory_size=len(document),
                inventory_params=json.dumps(inventory_params) if inventory_params else None,
            )
            return job, document

        return await self.store.create_inventory_job(vault.name, make)

    async def _job(self, ctx: _Ctx) -> JobRecord:
        vault = self._vault(ctx)
        job_id = ctx.route.item
        assert job_id is not None
        job = await self.store.get_job(vault.name, job_id)
        if job is None or job.expired(self._now()):
            raise not_found(f"The job ID was not found: {job_id}")
        return job

    async def _describe_job(self, ctx: _Ctx) -> web.StreamResponse:
        job = await self._job(ctx)
        return _json_response(200, job.describe(self._now()))

    async def _list_jobs(self, ctx: _Ctx) -> web.StreamResponse:
        vault = self._vault(ctx)
        query = ctx.request.rel_url.query
        limit = _parse_limit(query, 50, 50)
        now = self._now()
        statuscode = query.get("statuscode")
        if statuscode is not None and statuscode not in ("InProgress", "Succeeded", "Failed"):
            raise invalid_parameter(
                f"Invalid statuscode: '{statuscode}'. Valid values are InProgress, Succeeded "
                "and Failed."
            )
        completed = query.get("completed")
        if completed is not None and completed not in ("true", "false"):
            raise invalid_parameter(
                f"Invalid completed value: '{completed}'. Valid values are true and false."
            )

        def keep(job: JobRecord) -> bool:
            return (statuscode is None or job.status(now) == statuscode) and (
                completed is None or job.completed(now) == (completed == "true")
            )

        marker = query.get("marker")
        found = await self.store.list_jobs_page(vault.name, now, marker, limit, keep)
        if found is None:
            raise invalid_parameter(f"Invalid marker: '{marker}'")
        page, following = found
        return _json_response(
            200,
            {
                "JobList": [job.describe(now) for job in page],
                "Marker": following,
            },
        )

    async def _get_job_output(self, ctx: _Ctx) -> web.StreamResponse:
        job = await self._job(ctx)
        now = self._now()
        status = job.status(now)
        if status == "InProgress":
            raise invalid_parameter(
                f"The job is not currently available for download: {job.job_id}"
            )
        if status == "Failed":
            raise invalid_parameter(f"The job failed and has no output: {job.job_id}")
        total = job.output_size
        first, last = 0, total - 1
        raw_range = ctx.request.headers.get("Range")
        partial = raw_range is not None
        if raw_range is not None:
            first, last = _parse_range(raw_range, total)
        archive = job.action == "ArchiveRetrieval"
        base = (job.range_start or 0) if archive else 0
        headers = {
            "Accept-Ranges": "bytes",
            "Content-Type": (
                "application/octet-stream"
                if archive
                else ("text/csv" if job.inventory_format == "CSV" else _JSON)
            ),
        }
        if archive:
            checksum = await self._output_checksum(job, base + first, base + last)
            if checksum is not None:
                headers["x-amz-sha256-tree-hash"] = checksum
            if job.archive_description:
                headers["x-amz-archive-description"] = job.archive_description
        if partial:
            headers["Content-Range"] = f"bytes {first}-{last}/{total}"
        response = web.StreamResponse(status=206 if partial else 200, headers=headers)
        length = last - first + 1
        response.content_length = length
        response.headers["x-amzn-RequestId"] = ctx.request_id
        await response.prepare(ctx.request)
        cut = length // 2 if ctx.fault in ("truncate", "reset") else None
        try:
            await send_file_range(
                response,
                self.store.job_output_path(job.job_id),
                base + first,
                length,
                executor=self.settings.executor,
                throttle=ctx.throttle,
                cut_at=cut,
                request=ctx.request,
                reset=ctx.fault == "reset",
            )
            await response.write_eof()
        except (ConnectionDropped, ConnectionError):
            raise
        except Exception:
            # the status line is sent: the only way left to signal failure is to cut the body
            _log.exception("emulator error sending job output %s", job.job_id)
            reset_connection(ctx.request)
            raise ConnectionDropped from None
        return response

    async def _output_checksum(self, job: JobRecord, start: int, end: int) -> str | None:
        """The tree hash Glacier sends for archive bytes ``start..end`` (or None)."""
        size = job.archive_size or 0
        assert job.range_start is not None
        assert job.range_end is not None
        if not is_tree_hash_aligned(job.range_start, job.range_end, size):
            return None
        if not is_tree_hash_aligned(start, end, size):
            return None
        if start == 0 and end == size - 1:
            return job.archive_tree_hash
        if job.leaves is not None:
            leaves = [job.leaves[i : i + 32] for i in range(0, len(job.leaves), 32)]
            return range_tree_hash(leaves, start, end).hex()
        result = await tree_hash_file(
            self.store.job_output_path(job.job_id),
            executor=self.settings.executor,
            offset=start,
            length=end - start + 1,
        )
        return result.hex


def _parse_range(raw: str, total: int) -> tuple[int, int]:
    match = _RANGE.fullmatch(raw.strip())
    if match is None or (not match.group(1) and not match.group(2)):
        raise invalid_parameter(f"Invalid range: '{raw}'. Expected 'bytes=START-END'.")
    if not match.group(1):  # suffix range: the last N bytes
        count = int(match.group(2))
        first, last = max(total - count, 0), total - 1
    else:
        first = int(match.group(1))
        last = int(match.group(2)) if match.group(2) else total - 1
        last = min(last, total - 1)
    if first > last or first >= total:
        raise invalid_parameter(f"Invalid range: '{raw}'. The job output is {total} bytes long.")
    return first, last


def render_inventory(arn: str, when: datetime, archives: list[ArchiveRecord], fmt: str) -> bytes:
    """A vault inventory document as Glacier writes it (JSON or CSV)."""
    if fmt == "CSV":
        lines = ["ArchiveId,ArchiveDescription,CreationDate,Size,SHA256TreeHash"]
        for a in archives:
            description = a.description.replace('"', '""')
            created = format_inventory_date(_parse_iso(a.created))
            lines.append(f'{a.archive_id},"{description}",{created},{a.size},{a.tree_hash}')
        return ("\n".join(lines) + "\n").encode()
    document = {
        "VaultARN": arn,
        "InventoryDate": format_inventory_date(when),
        "ArchiveList": [
            {
                "ArchiveId": a.archive_id,
                "ArchiveDescription": a.description,
                "CreationDate": format_inventory_date(_parse_iso(a.created)),
                "Size": a.size,
                "SHA256TreeHash": a.tree_hash,
            }
            for a in archives
        ],
    }
    return json.dumps(document, separators=(",", ":")).encode()


def _parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
