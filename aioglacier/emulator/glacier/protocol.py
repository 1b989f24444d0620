"""The vault API's wire: routes, the handler context, JSON answers and the checks of request
parameters, and :class:`Handlers`, what every group of handlers shares."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from aiohttp import web

from aioglacier.emulator.glacier.errors import (
    GlacierError,
    invalid_parameter,
    missing_parameter,
    not_found,
)
from aioglacier.emulator.glacier.models import VaultRecord, vault_arn
from aioglacier.emulator.glacier.store import GlacierStore
from aioglacier.emulator.pipeline import Settings
from aioglacier.emulator.transfer import FileSink, Received, Throttle, receive_body
from aioglacier.treehash import TreeHasher

__all__ = [
    "JSON",
    "Ctx",
    "Handlers",
    "Route",
    "check_description",
    "check_hash",
    "compare_hashes",
    "json_response",
    "parse_limit",
    "parse_route",
]

_HEX64 = re.compile(r"[0-9a-fA-F]{64}")
JSON = "application/json"
_MAX_DESCRIPTION = 1024


@dataclass(frozen=True)
class Route:
    """An operation and the account, vault and item (upload or job id) its path names."""

    operation: str
    account: str
    vault: str | None = None
    item: str | None = None


@dataclass
class Ctx:
    """One admitted request as a handler sees it."""

    request: web.BaseRequest
    request_id: str
    route: Route
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


def parse_route(method: str, path: str) -> Route | GlacierError:
    """Map a method and a (decoded) path to an operation (and its account, vault and item),
    or an error."""
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
    return Route(
        operation,
        account,
        vault=rest[0] if rest else None,
        item=rest[2] if len(rest) >= 3 else None,
    )


def json_response(
    status: int, document: Any, headers: dict[str, str] | None = None
) -> web.Response:
    body = json.dumps(document, separators=(",", ":")).encode()
    return web.Response(status=status, body=body, content_type=JSON, headers=headers)


def check_description(value: str, what: str = "archive description") -> str:
    if len(value) > _MAX_DESCRIPTION or any(not (" " <= c <= "~") for c in value):
        raise invalid_parameter(
            f"Invalid {what}: it must be at most {_MAX_DESCRIPTION} printable ASCII "
            f"characters (0x20-0x7E); got {len(value)} characters"
        )
    return value


def parse_limit(query: Mapping[str, str], default: int, maximum: int) -> int:
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


def check_hash(name: str, value: str | None) -> str:
    if value is None:
        raise missing_parameter(f"Required header {name} is missing")
    if not _HEX64.fullmatch(value):
        raise invalid_parameter(f"Invalid {name} header value: '{value}'")
    return value.lower()


def compare_hashes(hasher: TreeHasher, content_sha256: str, tree_hash: str) -> None:
    """Check a body's hashes against the ``x-amz-content-sha256`` and
    ``x-amz-sha256-tree-hash`` headers."""
    linear = hasher.sha256_hexdigest()
    if linear != content_sha256:
        raise invalid_parameter(
            "The value passed in as x-amz-content-sha256 does not match the computed "
            f"payload hash. Computed digest: {linear} expected hash: {content_sha256}"
        )
    computed = hasher.hexdigest()
    if computed != tree_hash:
        raise invalid_parameter(
            f"Checksum mismatch: expected {computed} (calculated), actual {tree_hash} (specified)"
        )


class Handlers:
    """What every group of vault-API handlers shares: the store, the settings, the vault
    lookup, ``Location`` headers, the clock and body reception."""

    def __init__(self, store: GlacierStore, settings: Settings) -> None:
        self.store = store
        self.settings = settings

    def vault(self, ctx: Ctx) -> VaultRecord:
        """The vault the request names (ResourceNotFoundException if there is none)."""
        assert ctx.route.vault is not None
        record = self.store.vaults.get(ctx.route.vault)
        if record is None:
            arn = vault_arn(ctx.region, self.settings.account, ctx.route.vault)
            raise not_found(f"Vault not found for ARN: {arn}")
        return record

    def location(self, *parts: str) -> str:
        """A ``Location`` header: ``/ACCOUNT/vaults/PARTS...``."""
        return "/" + "/".join((self.settings.account, "vaults", *parts))

    def now(self) -> datetime:
        """The service clock's now, in UTC."""
        return self.settings.clock.now().astimezone(UTC)

    async def receive(
        self, ctx: Ctx, sink: FileSink, expected: int | None, first: bytes | None = None
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
