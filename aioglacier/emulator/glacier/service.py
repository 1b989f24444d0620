"""The Glacier vault API as the shared request pipeline (:mod:`aioglacier.emulator.pipeline`)
serves it: admission (routes, SigV4 for ``glacier``, account and vault-name checks), error
documents, and the table of handlers (:mod:`.vaults`, :mod:`.multipart`, :mod:`.jobs`)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import unquote

from aiohttp import web

from aioglacier.emulator.glacier.errors import (
    GlacierError,
    access_denied,
    invalid_parameter,
    missing_parameter,
)
from aioglacier.emulator.glacier.jobs import JobHandlers
from aioglacier.emulator.glacier.multipart import MultipartHandlers
from aioglacier.emulator.glacier.protocol import Ctx, Route, json_response, parse_route
from aioglacier.emulator.glacier.store import GlacierStore
from aioglacier.emulator.glacier.vaults import VaultHandlers
from aioglacier.emulator.pipeline import Api, Exchange, Settings
from aioglacier.sigv4 import HmacSha256, SignatureError, verify_request

__all__ = ["GlacierService"]

_VAULT_NAME = re.compile(r"[a-zA-Z0-9_.\-]{1,255}")
_ACCOUNT = re.compile(r"-|\d{12}")
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


@dataclass(frozen=True)
class _Admitted:
    """What admission found: the route, the region of the credential scope, and the body
    (read whole, unless the operation streams it)."""

    route: Route
    region: str
    body: bytes | None


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
        multipart = MultipartHandlers(store, settings)
        vaults = VaultHandlers(store, settings, multipart)
        jobs = JobHandlers(store, settings)
        self._signing_keys: dict[tuple[str, str, str, str], HmacSha256] = {}
        self._handlers: dict[str, Callable[[Ctx], Awaitable[web.StreamResponse]]] = {
            "list_vaults": vaults.list_vaults,
            "create_vault": vaults.create_vault,
            "describe_vault": vaults.describe_vault,
            "delete_vault": vaults.delete_vault,
            "upload_archive": vaults.upload_archive,
            "delete_archive": vaults.delete_archive,
            "initiate_multipart_upload": multipart.initiate_multipart_upload,
            "list_multipart_uploads": multipart.list_multipart_uploads,
            "upload_part": multipart.upload_part,
            "list_parts": multipart.list_parts,
            "complete_multipart_upload": multipart.complete_multipart_upload,
            "abort_multipart_upload": multipart.abort_multipart_upload,
            "initiate_job": jobs.initiate_job,
            "list_jobs": jobs.list_jobs,
            "describe_job": jobs.describe_job,
            "get_job_output": jobs.get_job_output,
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
        route = parse_route(request.method, unquote(raw_path))
        streaming = isinstance(route, Route) and route.operation in self.streaming
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
        ctx = Ctx(
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
        return json_response(error.status, error.body())

    def stamp(
        self, response: web.StreamResponse, request: web.BaseRequest, request_id: str
    ) -> None:
        """``x-amzn-RequestId``."""
        response.headers["x-amzn-RequestId"] = request_id
