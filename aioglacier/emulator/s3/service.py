"""The S3 API as the shared request pipeline (:mod:`aioglacier.emulator.pipeline`) serves
it: admission (SigV4 as S3 checks it, path-style and virtual-host routing), error documents,
and the table of handlers (:mod:`.buckets`, :mod:`.objects`, :mod:`.multipart`)."""

from __future__ import annotations

import base64
import ipaddress
import random
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote

from aiohttp import web

from aioglacier.emulator.pipeline import Api, Exchange, Settings
from aioglacier.emulator.s3.auth import S3Auth, verify_s3_request
from aioglacier.emulator.s3.body import BodySource
from aioglacier.emulator.s3.buckets import BucketHandlers
from aioglacier.emulator.s3.errors import S3Error, not_implemented
from aioglacier.emulator.s3.multipart import MultipartHandlers
from aioglacier.emulator.s3.objects import ObjectHandlers
from aioglacier.emulator.s3.protocol import FAULT_ERRORS, XML, Ctx, Route
from aioglacier.emulator.s3.store import S3Store
from aioglacier.sigv4 import HmacSha256

__all__ = ["S3Service"]

_BUCKET_SUBRESOURCES = frozenset(
    {
        "accelerate", "acl", "analytics", "cors", "encryption", "intelligent-tiering",
        "inventory", "lifecycle", "logging", "metrics", "notification", "object-lock",
        "ownershipControls", "policy", "policyStatus", "publicAccessBlock", "replication",
        "requestPayment", "tagging", "website",
    }
)  # fmt: skip
_OBJECT_SUBRESOURCES = frozenset(
    {"acl", "attributes", "legal-hold", "retention", "select", "tagging", "torrent"}
)


@dataclass(frozen=True)
class _Admitted:
    """What admission found: who signed, the route, and the body as it will arrive."""

    auth: S3Auth
    route: Route
    source: BodySource


class S3Service(Api[_Admitted]):
    """The emulated S3 API over an :class:`S3Store`, sharing the emulator's port, database,
    clock and fault plan (served by the :class:`~aioglacier.emulator.pipeline.Pipeline`)."""

    service = "s3"
    streaming = frozenset({"s3.put_object", "s3.upload_part"})
    streams_answer = frozenset({"s3.get_object"})
    errors = (S3Error,)

    def __init__(self, store: S3Store, settings: Settings) -> None:
        super().__init__(settings)
        self.store = store
        host = settings.host
        # not for secrets: blob and version ids only need to be unique (seeded from the OS)
        self._rng = random.Random(secrets.token_bytes(32))  # noqa: S311
        buckets = BucketHandlers(store, settings, self._rng)
        objects = ObjectHandlers(store, settings, self._rng)
        multipart = MultipartHandlers(store, settings, self._rng)
        self._signing_keys: dict[tuple[str, str, str, str], HmacSha256] = {}
        suffixes = {".localhost"}
        try:
            ipaddress.ip_address(host)
        except ValueError:
            suffixes.add("." + host.lower())
        self._virtual_suffixes = tuple(suffixes)
        self._handlers: dict[str, Callable[[Ctx], Awaitable[web.StreamResponse]]] = {
            "s3.list_buckets": buckets.list_buckets,
            "s3.create_bucket": buckets.create_bucket,
            "s3.head_bucket": buckets.head_bucket,
            "s3.delete_bucket": buckets.delete_bucket,
            "s3.get_bucket_location": buckets.get_bucket_location,
            "s3.get_bucket_versioning": buckets.get_bucket_versioning,
            "s3.put_bucket_versioning": buckets.put_bucket_versioning,
            "s3.list_objects": buckets.list_objects_v1,
            "s3.list_objects_v2": buckets.list_objects_v2,
            "s3.list_object_versions": buckets.list_object_versions,
            "s3.list_multipart_uploads": multipart.list_multipart_uploads,
            "s3.delete_objects": objects.delete_objects,
            "s3.put_object": objects.put_object,
            "s3.get_object": objects.get_object,
            "s3.head_object": objects.get_object,
            "s3.delete_object": objects.delete_object,
            "s3.restore_object": objects.restore_object,
            "s3.create_multipart_upload": multipart.create_multipart_upload,
            "s3.upload_part": multipart.upload_part,
            "s3.list_parts": multipart.list_parts,
            "s3.complete_multipart_upload": multipart.complete_multipart_upload,
            "s3.abort_multipart_upload": multipart.abort_multipart_upload,
        }

    def _host_id(self) -> str:
        return base64.b64encode(self._rng.randbytes(48)).decode("ascii")

    # -- the pipeline's questions ----------------------------------------------------------------

    async def admit(self, request: web.BaseRequest) -> tuple[str, _Admitted]:
        """Verify the signature (S3's rules), then route."""
        raw_path, _, raw_query = request.raw_path.partition("?")
        auth = verify_s3_request(
            request.method,
            raw_path,
            raw_query,
            request.headers,
            lookup_secret=self.settings.credentials.get,
            now=self.settings.auth_clock(),
            key_cache=self._signing_keys,
        )
        route = self._route(request, raw_path, raw_query)
        return route.operation, _Admitted(auth, route, BodySource(request, auth))

    async def drain(self, request: web.BaseRequest, admitted: _Admitted) -> None:
        """Read the (decoded) body to its end."""
        while await admitted.source.read(1 << 20):
            pass

    async def dispatch(self, exchange: Exchange, admitted: _Admitted) -> web.StreamResponse:
        """Run the operation's handler."""
        ctx = Ctx(
            exchange.request,
            exchange.request_id,
            admitted.auth,
            admitted.route,
            exchange.fault,
            exchange.throttle,
            admitted.source,
        )
        return await self._handlers[exchange.operation](ctx)

    def fault_error(self, fault: str) -> Exception:
        """S3's answer to an error fault."""
        code, message, status = FAULT_ERRORS[fault]
        return S3Error(code, message, status)

    def internal_error(self) -> Exception:
        """A 500 ``InternalError``."""
        return S3Error("InternalError", "We encountered an internal error. Please try again.", 500)

    def error_response(
        self, error: Exception, request: web.BaseRequest, request_id: str
    ) -> web.Response:
        """The XML error document (headers only for HEAD)."""
        assert isinstance(error, S3Error)
        headers = dict(error.headers)
        if request.method == "HEAD":
            return web.Response(status=error.status, headers=headers)
        resource = unquote(request.raw_path.partition("?")[0])
        body = error.document(resource, request_id, self._host_id())
        return web.Response(status=error.status, body=body, content_type=XML, headers=headers)

    def stamp(
        self, response: web.StreamResponse, request: web.BaseRequest, request_id: str
    ) -> None:
        """``x-amz-request-id`` and ``x-amz-id-2``."""
        response.headers["x-amz-request-id"] = request_id
        response.headers["x-amz-id-2"] = self._host_id()
        if not request.content.is_eof():
            # answered before the body was read (a client waiting on 100-continue never
            # sends it): the connection cannot be reused
            response.force_close()

    def _virtual_bucket(self, host: str | None) -> str | None:
        if not host:
            return None
        name = host.lower()
        if name.startswith("["):
            return None
        name = name.rpartition(":")[0] if ":" in name else name
        for suffix in self._virtual_suffixes:
            if name.endswith(suffix) and len(name) > len(suffix):
                return name[: -len(suffix)]
        return None

    def _route(self, request: web.BaseRequest, raw_path: str, raw_query: str) -> Route:
        method = request.method
        query = dict(parse_qsl(raw_query, keep_blank_values=True))
        bucket = self._virtual_bucket(request.headers.get("Host"))
        if bucket is not None:
            key: str | None = unquote(raw_path[1:]) if len(raw_path) > 1 else None
        else:
            path = raw_path[1:] if raw_path.startswith("/") else raw_path
            if not path:
                if method == "GET":
                    return Route("s3.list_buckets", None, None, query)
                raise S3Error(
                    "MethodNotAllowed",
                    "The specified method is not allowed against this resource.",
                    405,
                    {"Method": method, "ResourceType": "SERVICE"},
                )
            raw_bucket, slash, raw_key = path.partition("/")
            bucket = unquote(raw_bucket)
            key = unquote(raw_key) if slash and raw_key else None
        if key is None:
            return Route(self._bucket_operation(method, query), bucket, None, query)
        return Route(self._object_operation(method, query, request), bucket, key, query)

    @staticmethod
    def _bucket_operation(method: str, query: Mapping[str, str]) -> str:
        if _BUCKET_SUBRESOURCES & query.keys():
            raise not_implemented()
        if method == "PUT":
            return "s3.put_bucket_versioning" if "versioning" in query else "s3.create_bucket"
        if method == "HEAD":
            return "s3.head_bucket"
        if method == "DELETE":
            return "s3.delete_bucket"
        if method == "POST" and "delete" in query:
            return "s3.delete_objects"
        if method == "GET":
            for name, operation in (
                ("versioning", "s3.get_bucket_versioning"),
                ("location", "s3.get_bucket_location"),
                ("uploads", "s3.list_multipart_uploads"),
                ("versions", "s3.list_object_versions"),
            ):
                if name in query:
                    return operation
            return "s3.list_objects_v2" if query.get("list-type") == "2" else "s3.list_objects"
        raise not_implemented()

    @staticmethod
    def _object_operation(method: str, query: Mapping[str, str], request: web.BaseRequest) -> str:
        if _OBJECT_SUBRESOURCES & query.keys():
            raise not_implemented()
        copy = "x-amz-copy-source" in request.headers
        if method == "PUT":
            if copy:
                raise not_implemented("CopyObject and UploadPartCopy are not emulated")
            return "s3.upload_part" if "uploadId" in query else "s3.put_object"
        if method == "GET":
            return "s3.list_parts" if "uploadId" in query else "s3.get_object"
        if method == "HEAD":
            return "s3.head_object"
        if method == "DELETE":
            return "s3.abort_multipart_upload" if "uploadId" in query else "s3.delete_object"
        if method == "POST":
            if "uploads" in query:
                return "s3.create_multipart_upload"
            if "uploadId" in query:
                return "s3.complete_multipart_upload"
            if "restore" in query:
                return "s3.restore_object"
        raise not_implemented()
