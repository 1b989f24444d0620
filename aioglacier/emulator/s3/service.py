"""The S3 REST API subset the S3 backend uses: routing, authentication, faults, operations."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import ipaddress
import itertools
import logging
import random
import re
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, unquote

from aiohttp import web

from aioglacier.emulator.pipeline import Api, Exchange, Settings
from aioglacier.emulator.s3.auth import S3Auth, verify_s3_request
from aioglacier.emulator.s3.body import (
    BodySource,
    close_segments,
    open_segments,
    read_small,
    receive_to_file,
)
from aioglacier.emulator.s3.checksums import (
    ALGORITHMS,
    CRC_ALGORITHMS,
    Checksum,
    checksum_header,
    combine_crc,
    composite_checksum,
    decode_checksum,
)
from aioglacier.emulator.s3.errors import (
    S3Error,
    invalid_argument,
    invalid_request,
    malformed_xml,
    no_such_bucket,
    no_such_key,
    not_implemented,
)
from aioglacier.emulator.s3.models import (
    ARCHIVED_CLASSES,
    DEFAULT_REGION,
    MAX_PARTS,
    MAX_PUT_SIZE,
    MIN_PART_SIZE,
    RESTORE_DELAYS,
    STORAGE_CLASSES,
    TIER_SPEED,
    BucketRecord,
    ObjectRecord,
    PartEntry,
    S3UploadRecord,
    http_date,
    iso_date,
    restore_expiry,
)
from aioglacier.emulator.s3.store import ListPage, S3Store
from aioglacier.emulator.s3.xml import HEADER, NAMESPACE, XmlNode, element, parse_document
from aioglacier.emulator.storage import discard
from aioglacier.emulator.transfer import (
    CHUNK,
    Throttle,
    send_answer,
)
from aioglacier.sigv4 import HmacSha256

__all__ = ["S3Service"]

_log = logging.getLogger(__name__)

_BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]")
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")
_XML = "application/xml"
_MAX_XML = 4 * 1024 * 1024
_MAX_KEY = 1024
_MAX_METADATA = 2048
_ERROR_FAULTS: dict[str, tuple[str, str, int]] = {
    "500": ("InternalError", "We encountered an internal error. Please try again.", 500),
    "503": ("ServiceUnavailable", "Service is unable to handle request.", 503),
    "throttle": ("SlowDown", "Please reduce your request rate.", 503),
    "timeout": (
        "RequestTimeout",
        "Your socket connection to the server was not read from or written to within the "
        "timeout period. Idle connections will be closed.",
        400,
    ),
}
#: Standard headers stored with an object and sent back on GET and HEAD.
_STORED_HEADERS = (
    "Cache-Control",
    "Content-Disposition",
    "Content-Encoding",
    "Content-Language",
    "Expires",
)
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
_PRECONDITION = "At least one of the pre-conditions you specified did not hold"


@dataclass(frozen=True)
class _Route:
    operation: str
    bucket: str | None
    key: str | None
    query: dict[str, str]


@dataclass(frozen=True)
class _Admitted:
    """What admission found: who signed, the route, and the body as it will arrive."""

    auth: S3Auth
    route: _Route
    source: BodySource


@dataclass
class _Ctx:
    request: web.BaseRequest
    request_id: str
    auth: S3Auth
    route: _Route
    fault: str | None
    throttle: Throttle
    source: BodySource

    @property
    def bucket_name(self) -> str:
        assert self.route.bucket is not None
        return self.route.bucket

    @property
    def key(self) -> str:
        assert self.route.key is not None
        return self.route.key

    @property
    def query(self) -> dict[str, str]:
        return self.route.query

    @property
    def headers(self) -> Any:
        return self.request.headers


def _xml_response(
    body: str, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    return web.Response(
        status=status,
        body=(HEADER + body).encode("utf-8"),
        content_type=_XML,
        headers=dict(headers) if headers else None,
    )


def _bool_param(query: Mapping[str, str], name: str) -> bool:
    return query.get(name, "").lower() == "true"


def _int_param(query: Mapping[str, str], name: str, default: int, maximum: int) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value < 0:
        raise invalid_argument(f"Provided {name} not an integer or within integer range", name, raw)
    return min(value, maximum)


def _encoder(query: Mapping[str, str]) -> Callable[[str], str]:
    encoding = query.get("encoding-type")
    if encoding is None:
        return lambda text: text
    if encoding != "url":
        raise invalid_argument(
            "Invalid Encoding Method specified in Request", "encoding-type", encoding
        )
    return lambda text: quote(text, safe="/")


def _listing_params(query: Mapping[str, str]) -> tuple[Callable[[str], str], str, str | None, int]:
    """A listing's ``encoding-type`` (as an encoder), ``prefix``, ``delimiter`` and
    ``max-keys``."""
    encode = _encoder(query)
    prefix = query.get("prefix", "")
    delimiter = query.get("delimiter") or None
    return encode, prefix, delimiter, _int_param(query, "max-keys", 1000, 1000)


def _owner(account: str) -> str:
    canonical = hashlib.sha256(f"aioglacier-emulator/{account}".encode()).hexdigest()
    return f"<Owner>{element('ID', canonical)}{element('DisplayName', 'emulator')}</Owner>"


def _valid_bucket_name(name: str) -> bool:
    if not _BUCKET_NAME.fullmatch(name) or ".." in name or ".-" in name or "-." in name:
        return False
    if name.startswith(("xn--", "sthree-")) or name.endswith(("-s3alias", "--ol-s3")):
        return False
    try:
        ipaddress.IPv4Address(name)
    except ValueError:
        return True
    return False


def _parse_http_date(text: str) -> float | None:
    try:
        return parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError, IndexError):
        return None


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
        self._signing_keys: dict[tuple[str, str, str, str], HmacSha256] = {}
        suffixes = {".localhost"}
        try:
            ipaddress.ip_address(host)
        except ValueError:
            suffixes.add("." + host.lower())
        self._virtual_suffixes = tuple(suffixes)
        self._owner = _owner(settings.account)
        self._handlers: dict[str, Callable[[_Ctx], Awaitable[web.StreamResponse]]] = {
            "s3.list_buckets": self._list_buckets,
            "s3.create_bucket": self._create_bucket,
            "s3.head_bucket": self._head_bucket,
            "s3.delete_bucket": self._delete_bucket,
            "s3.get_bucket_location": self._get_bucket_location,
            "s3.get_bucket_versioning": self._get_bucket_versioning,
            "s3.put_bucket_versioning": self._put_bucket_versioning,
            "s3.list_objects": self._list_objects_v1,
            "s3.list_objects_v2": self._list_objects_v2,
            "s3.list_object_versions": self._list_object_versions,
            "s3.list_multipart_uploads": self._list_multipart_uploads,
            "s3.delete_objects": self._delete_objects,
            "s3.put_object": self._put_object,
            "s3.get_object": self._get_object,
            "s3.head_object": self._get_object,
            "s3.delete_object": self._delete_object,
            "s3.restore_object": self._restore_object,
            "s3.create_multipart_upload": self._create_multipart_upload,
            "s3.upload_part": self._upload_part,
            "s3.list_parts": self._list_parts,
            "s3.complete_multipart_upload": self._complete_multipart_upload,
            "s3.abort_multipart_upload": self._abort_multipart_upload,
        }

    # -- ids and time --------------------------------------------------------------------------

    def _now(self) -> float:
        return self.settings.clock.now().timestamp()

    def _blob_id(self) -> str:
        return self._rng.randbytes(16).hex()

    def _version_id(self) -> str:
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._"
        return "".join(self._rng.choice(alphabet) for _ in range(32))

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
        ctx = _Ctx(
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
        code, message, status = _ERROR_FAULTS[fault]
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
        return web.Response(status=error.status, body=body, content_type=_XML, headers=headers)

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

    def _route(self, request: web.BaseRequest, raw_path: str, raw_query: str) -> _Route:
        method = request.method
        query = dict(parse_qsl(raw_query, keep_blank_values=True))
        bucket = self._virtual_bucket(request.headers.get("Host"))
        if bucket is not None:
            key: str | None = unquote(raw_path[1:]) if len(raw_path) > 1 else None
        else:
            path = raw_path[1:] if raw_path.startswith("/") else raw_path
            if not path:
                if method == "GET":
                    return _Route("s3.list_buckets", None, None, query)
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
            return _Route(self._bucket_operation(method, query), bucket, None, query)
        return _Route(self._object_operation(method, query, request), bucket, key, query)

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

    # -- helpers -------------------------------------------------------------------------------

    def _bucket(self, ctx: _Ctx) -> BucketRecord:
        name = ctx.bucket_name
        record = self.store.buckets.get(name)
        if record is None:
            raise no_such_bucket(name)
        if record.region != ctx.auth.region:
            raise S3Error(
                "AuthorizationHeaderMalformed",
                f"The authorization header is malformed; the region '{ctx.auth.region}' is "
                f"wrong; expecting '{record.region}'",
                400,
                {"Region": record.region},
                {"x-amz-bucket-region": record.region},
            )
        return record

    async def _read_xml(
        self, ctx: _Ctx, *, required: bool = True, body_checksums: bool = True
    ) -> XmlNode | None:
        """Read and parse an XML body. ``body_checksums``: the request's Content-MD5 and
        ``x-amz-checksum-*`` are the body's (not CompleteMultipartUpload's: there they are the
        object's)."""
        body = await ctx.source.read_all(_MAX_XML)
        self._check_payload_hash(ctx, hashlib.sha256(body).hexdigest())
        if not body.strip():
            if required:
                raise malformed_xml()
            return None
        document = parse_document(body)
        if document is None:
            raise malformed_xml()
        if body_checksums:
            self._check_body_digests(ctx, body)
        return document

    @staticmethod
    def _check_payload_hash(ctx: _Ctx, computed: str) -> None:
        claimed = ctx.auth.payload
        if len(claimed) == 64 and claimed != computed:
            raise S3Error(
                "XAmzContentSHA256Mismatch",
                "The provided 'x-amz-content-sha256' header does not match what was computed.",
                400,
                {"ClientComputedContentSHA256": claimed, "S3ComputedContentSHA256": computed},
            )

    def _check_body_digests(self, ctx: _Ctx, body: bytes) -> None:
        md5 = _content_md5(ctx.headers)
        if md5 is not None and md5 != hashlib.md5(body).digest():  # noqa: S324
            raise _bad_md5(md5, hashlib.md5(body).digest())  # noqa: S324
        algorithm, expected, _ = _requested_checksum(ctx.headers)
        if algorithm is not None and expected is not None:
            checksum = Checksum(algorithm)
            checksum.update(body)
            if checksum.digest() != expected:
                raise _bad_checksum(algorithm)

    def _object_headers(self, record: ObjectRecord, bucket: BucketRecord) -> dict[str, str]:
        headers = {
            "ETag": record.etag,
            "Last-Modified": http_date(record.last_modified),
            "Accept-Ranges": "bytes",
            "Content-Type": record.content_type or "binary/octet-stream",
        }
        headers.update(record.headers)
        for name, value in record.metadata.items():
            headers[f"x-amz-meta-{name}"] = value
        if record.storage_class != "STANDARD":
            headers["x-amz-storage-class"] = record.storage_class
        restore = record.restore_header(self._now())
        if restore is not None:
            headers["x-amz-restore"] = restore
        if bucket.versioning is not None or record.version_id != "null":
            headers["x-amz-version-id"] = record.version_id
        return headers

    # -- buckets -------------------------------------------------------------------------------

    async def _list_buckets(self, ctx: _Ctx) -> web.StreamResponse:
        prefix = ctx.query.get("prefix", "")
        limit = _int_param(ctx.query, "max-buckets", 10000, 10000)
        token = ctx.query.get("continuation-token")
        names = sorted(n for n in self.store.buckets if n.startswith(prefix))
        if token is not None:
            names = [n for n in names if n > token]
        page, rest = names[:limit], names[limit:]
        buckets = "".join(
            "<Bucket>"
            f"{element('Name', b.name)}{element('CreationDate', iso_date(b.created))}"
            f"{element('BucketRegion', b.region)}</Bucket>"
            for b in (self.store.buckets[n] for n in page)
        )
        extra = element("ContinuationToken", page[-1]) if rest and page else ""
        if prefix:
            extra += element("Prefix", prefix)
        return _xml_response(
            f'<ListAllMyBucketsResult xmlns="{NAMESPACE}">{self._owner}'
            f"<Buckets>{buckets}</Buckets>{extra}</ListAllMyBucketsResult>"
        )

    async def _create_bucket(self, ctx: _Ctx) -> web.StreamResponse:
        name = ctx.bucket_name
        document = await self._read_xml(ctx, required=False)
        if not _valid_bucket_name(name):
            raise S3Error(
                "InvalidBucketName", "The specified bucket is not valid.", 400, {"BucketName": name}
            )
        constraint: str | None = None
        if document is not None:
            if document.name != "CreateBucketConfiguration":
                raise malformed_xml()
            constraint = document.child_text("LocationConstraint") or None
        if constraint == DEFAULT_REGION:
            raise S3Error(
                "InvalidLocationConstraint",
                "The specified location-constraint is not valid",
                400,
                {"LocationConstraint": constraint},
            )
        region = constraint or DEFAULT_REGION
        if region != ctx.auth.region:
            what = constraint if constraint else "unspecified"
            raise S3Error(
                "IllegalLocationConstraintException",
                f"The {what} location constraint is incompatible for the region specific "
                "endpoint this request was sent to.",
                400,
            )
        record, new = await self.store.create_bucket(name, region, self._now())
        if not new and not (record.region == DEFAULT_REGION and region == DEFAULT_REGION):
            raise S3Error(
                "BucketAlreadyOwnedByYou",
                "Your previous request to create the named bucket succeeded and you already own "
                "it.",
                409,
                {"BucketName": name},
            )
        return web.Response(status=200, headers={"Location": f"/{name}"})

    async def _head_bucket(self, ctx: _Ctx) -> web.StreamResponse:
        record = self.store.buckets.get(ctx.bucket_name)
        if record is None:
            raise no_such_bucket(ctx.bucket_name)
        if record.region != ctx.auth.region:
            raise S3Error(
                "AuthorizationHeaderMalformed",
                "The authorization header is malformed",
                400,
                headers={"x-amz-bucket-region": record.region},
            )
        return web.Response(
            status=200,
            headers={"x-amz-bucket-region": record.region, "x-amz-access-point-alias": "false"},
        )

    async def _delete_bucket(self, ctx: _Ctx) -> web.StreamResponse:
        self._bucket(ctx)
        await self.store.delete_bucket(ctx.bucket_name)
        return web.Response(status=204)

    async def _get_bucket_location(self, ctx: _Ctx) -> web.StreamResponse:
        record = self.store.buckets.get(ctx.bucket_name)
        if record is None:
            raise no_such_bucket(ctx.bucket_name)
        region = "" if record.region == DEFAULT_REGION else record.region
        return _xml_response(
            f'<LocationConstraint xmlns="{NAMESPACE}">{region}</LocationConstraint>'
        )

    async def _get_bucket_versioning(self, ctx: _Ctx) -> web.StreamResponse:
        record = self._bucket(ctx)
        status = element("Status", record.versioning) if record.versioning else ""
        return _xml_response(
            f'<VersioningConfiguration xmlns="{NAMESPACE}">{status}</VersioningConfiguration>'
        )

    async def _put_bucket_versioning(self, ctx: _Ctx) -> web.StreamResponse:
        self._bucket(ctx)
        document = await self._read_xml(ctx)
        assert document is not None
        status = document.child_text("Status")
        if document.name != "VersioningConfiguration" or status not in ("Enabled", "Suspended"):
            raise malformed_xml()
        await self.store.set_versioning(ctx.bucket_name, status)
        return web.Response(status=200)

    # -- listings ------------------------------------------------------------------------------

    def _restore_status(self, record: ObjectRecord, now: float) -> str:
        state = record.restore_state(now)
        if state is None:
            return ""
        if state == "ongoing":
            return "<RestoreStatus><IsRestoreInProgress>true</IsRestoreInProgress></RestoreStatus>"
        assert record.restore_expiry is not None
        return (
            "<RestoreStatus><IsRestoreInProgress>false</IsRestoreInProgress>"
            f"{element('RestoreExpiryDate', iso_date(record.restore_expiry))}</RestoreStatus>"
        )

    @staticmethod
    def _optional_attributes(ctx: _Ctx) -> bool:
        raw = ctx.headers.get("x-amz-optional-object-attributes")
        if raw is None:
            return False
        names = {n.strip() for n in raw.split(",") if n.strip()}
        if names - {"RestoreStatus"}:
            raise invalid_argument("Invalid attribute name specified.")
        return "RestoreStatus" in names

    def _contents(
        self,
        record: ObjectRecord,
        encode: Callable[[str], str],
        *,
        owner: bool,
        restore: bool,
        now: float,
    ) -> str:
        parts = [
            "<Contents>",
            element("Key", encode(record.key)),
            element("LastModified", iso_date(record.last_modified)),
            element("ETag", record.etag),
        ]
        if record.checksum_algorithm:
            parts.append(element("ChecksumAlgorithm", record.checksum_algorithm))
            if record.checksum_type:
                parts.append(element("ChecksumType", record.checksum_type))
        parts.append(element("Size", record.size))
        if owner:
            parts.append(self._owner)
        parts.append(element("StorageClass", record.storage_class))
        if restore:
            parts.append(self._restore_status(record, now))
        parts.append("</Contents>")
        return "".join(parts)

    def _listing_response(
        self,
        parts: list[str],
        page: ListPage,
        encode: Callable[[str], str],
        *,
        owner: bool,
        restore: bool,
    ) -> web.Response:
        """A ``ListBucketResult`` document: ``parts`` (its opening elements), then the page's
        objects and common prefixes."""
        now = self._now()
        parts += [
            self._contents(r, encode, owner=owner, restore=restore, now=now) for r in page.objects
        ]
        parts += [
            f"<CommonPrefixes>{element('Prefix', encode(p))}</CommonPrefixes>"
            for p in page.prefixes
        ]
        parts.append("</ListBucketResult>")
        return _xml_response("".join(parts))

    async def _list_objects_v2(self, ctx: _Ctx) -> web.StreamResponse:
        self._bucket(ctx)
        query = ctx.query
        encode, prefix, delimiter, max_keys = _listing_params(query)
        token = query.get("continuation-token")
        start_after = query.get("start-after")
        restore = self._optional_attributes(ctx)
        after = start_after
        if token is not None:
            after = _decode_token(token)
        page = await self.store.list_objects(ctx.bucket_name, prefix, delimiter, after, max_keys)
        owner = _bool_param(query, "fetch-owner")
        parts = [
            f'<ListBucketResult xmlns="{NAMESPACE}">',
            element("Name", ctx.bucket_name),
            element("Prefix", encode(prefix)),
        ]
        if delimiter:
            parts.append(element("Delimiter", encode(delimiter)))
        parts.append(element("MaxKeys", max_keys))
        if "encoding-type" in query:
            parts.append(element("EncodingType", "url"))
        parts.append(element("KeyCount", len(page.objects) + len(page.prefixes)))
        parts.append(element("IsTruncated", page.truncated))
        if token is not None:
            parts.append(element("ContinuationToken", token))
        if page.truncated and page.last is not None:
            parts.append(element("NextContinuationToken", _encode_token(page.last)))
        if start_after is not None:
            parts.append(element("StartAfter", encode(start_after)))
        return self._listing_response(parts, page, encode, owner=owner, restore=restore)

    async def _list_objects_v1(self, ctx: _Ctx) -> web.StreamResponse:
        self._bucket(ctx)
        query = ctx.query
        encode, prefix, delimiter, max_keys = _listing_params(query)
        marker = query.get("marker")
        restore = self._optional_attributes(ctx)
        page = await self.store.list_objects(
            ctx.bucket_name, prefix, delimiter, marker or None, max_keys
        )
        parts = [
            f'<ListBucketResult xmlns="{NAMESPACE}">',
            element("Name", ctx.bucket_name),
            element("Prefix", encode(prefix)),
            element("Marker", encode(marker or "")),
        ]
        if page.truncated and delimiter and page.last is not None:
            parts.append(element("NextMarker", encode(page.last)))
        if delimiter:
            parts.append(element("Delimiter", encode(delimiter)))
        parts.append(element("MaxKeys", max_keys))
        if "encoding-type" in query:
            parts.append(element("EncodingType", "url"))
        parts.append(element("IsTruncated", page.truncated))
        return self._listing_response(parts, page, encode, owner=True, restore=restore)

    async def _list_object_versions(self, ctx: _Ctx) -> web.StreamResponse:
        self._bucket(ctx)
        query = ctx.query
        encode, prefix, delimiter, max_keys = _listing_params(query)
        key_marker = query.get("key-marker") or None
        version_marker = query.get("version-id-marker") or None
        if version_marker is not None and key_marker is None:
            raise invalid_argument(
                "A version-id marker cannot be specified without a key marker.",
                "version-id-marker",
                version_marker,
            )
        restore = self._optional_attributes(ctx)
        page = await self.store.list_versions(
            ctx.bucket_name, prefix, delimiter, key_marker, version_marker, max_keys
        )
        now = self._now()
        parts = [
            f'<ListVersionsResult xmlns="{NAMESPACE}">',
            element("Name", ctx.bucket_name),
            element("Prefix", encode(prefix)),
            element("KeyMarker", encode(key_marker or "")),
            element("VersionIdMarker", version_marker or ""),
        ]
        if page.truncated:
            parts.append(element("NextKeyMarker", encode(page.next_key or "")))
            if page.next_version is not None:
                parts.append(element("NextVersionIdMarker", page.next_version))
        parts.append(element("MaxKeys", max_keys))
        if delimiter:
            parts.append(element("Delimiter", encode(delimiter)))
        if "encoding-type" in query:
            parts.append(element("EncodingType", "url"))
        parts.append(element("IsTruncated", page.truncated))
        for r in page.entries:
            common = (
                element("Key", encode(r.key))
                + element("VersionId", r.version_id)
                + element("IsLatest", r.is_latest)
                + element("LastModified", iso_date(r.last_modified))
            )
            if r.delete_marker:
                parts.append(f"<DeleteMarker>{common}{self._owner}</DeleteMarker>")
                continue
            extra = ""
            if r.checksum_algorithm:
                extra = element("ChecksumAlgorithm", r.checksum_algorithm)
                if r.checksum_type:
                    extra += element("ChecksumType", r.checksum_type)
            parts.append(
                f"<Version>{common}{element('ETag', r.etag)}{extra}{element('Size', r.size)}"
                f"{element('StorageClass', r.storage_class)}{self._owner}"
                f"{self._restore_status(r, now) if restore else ''}</Version>"
            )
        parts += [
            f"<CommonPrefixes>{element('Prefix', encode(p))}</CommonPrefixes>"
            for p in page.prefixes
        ]
        parts.append("</ListVersionsResult>")
        return _xml_response("".join(parts))

    # -- objects -------------------------------------------------------------------------------

    def _check_key(self, key: str) -> None:
        if len(key.encode("utf-8")) > _MAX_KEY:
            raise S3Error(
                "KeyTooLongError",
                "Your key is too long",
                400,
                {"MaxSizeAllowed": str(_MAX_KEY), "Size": str(len(key.encode("utf-8")))},
            )

    @staticmethod
    def _storage_class(headers: Any) -> str:
        storage_class = headers.get("x-amz-storage-class", "STANDARD")
        if storage_class not in STORAGE_CLASSES:
            raise S3Error(
                "InvalidStorageClass",
                "The storage class you specified is not valid",
                400,
                {"StorageClassRequested": storage_class},
            )
        return str(storage_class)

    @staticmethod
    def _metadata(headers: Any) -> dict[str, str]:
        metadata = {
            name.lower()[len("x-amz-meta-") :]: value
            for name, value in headers.items()
            if name.lower().startswith("x-amz-meta-")
        }
        size = sum(len(k) + len(v.encode("utf-8")) for k, v in metadata.items())
        if size > _MAX_METADATA:
            raise S3Error(
                "MetadataTooLarge",
                "Your metadata headers exceed the maximum allowed metadata size.",
                400,
                {"Size": str(size), "MaxSizeAllowed": str(_MAX_METADATA)},
            )
        return metadata

    @staticmethod
    def _stored_headers(headers: Any) -> dict[str, str]:
        return {name: headers[name] for name in _STORED_HEADERS if name in headers}

    @staticmethod
    def _conditions(headers: Any) -> tuple[str | None, str | None]:
        if_none_match = headers.get("If-None-Match")
        if if_none_match is not None and if_none_match.strip() != "*":
            raise not_implemented()
        return if_none_match, headers.get("If-Match")

    def _payload_length(self, ctx: _Ctx, maximum: int) -> int:
        length = ctx.source.length
        if length is None:
            raise S3Error(
                "MissingContentLength", "You must provide the Content-Length HTTP header.", 411
            )
        if length > maximum:
            raise S3Error(
                "EntityTooLarge",
                "Your proposed upload exceeds the maximum allowed size",
                400,
                {"ProposedSize": str(length), "MaxSizeAllowed": str(maximum)},
            )
        return length

    async def _receive(self, ctx: _Ctx, algorithm: str | None) -> tuple[Path, str, Any]:
        """Receive the body into a temporary file; verify SHA-256, Content-MD5 and the
        checksum (header or trailer). Returns (file, blob id, digests)."""
        blob = self._blob_id()
        path = self.store.tmp_dir / blob
        length = ctx.source.length or 0
        verify_sha = self.settings.verify_hashes and len(ctx.auth.payload) == 64
        digests = await receive_to_file(
            ctx.source,
            path,
            sha256=verify_sha,
            checksum=algorithm,
            executor=self.settings.executor,
            throttle=ctx.throttle,
            reset_at=length // 2 if ctx.fault == "reset" else None,
        )
        try:
            if digests.sha256 is not None:
                self._check_payload_hash(ctx, digests.sha256)
            md5 = _content_md5(ctx.headers)
            if md5 is not None and md5 != digests.md5:
                raise _bad_md5(md5, digests.md5)
            requested, expected, trailer = _requested_checksum(ctx.headers)
            if trailer is not None:
                value = ctx.source.trailers.get(trailer)
                if value is None:
                    raise invalid_request(
                        f"The x-amz-trailer header named {trailer}, but the body has no such "
                        "trailer."
                    )
                assert requested is not None
                expected = decode_checksum(requested, value)
                if expected is None:
                    raise invalid_request(f"Value for {trailer} trailing header is invalid.")
            if (
                self.settings.verify_hashes
                and expected is not None
                and digests.checksum is not None
                and digests.checksum.digest() != expected
            ):
                raise _bad_checksum(digests.checksum.algorithm)
        except BaseException:
            await discard(path, self.settings.executor)
            raise
        return path, blob, digests

    async def _put_object(self, ctx: _Ctx) -> web.StreamResponse:
        bucket = self._bucket(ctx)
        headers = ctx.headers
        self._check_key(ctx.key)
        self._payload_length(ctx, MAX_PUT_SIZE)
        storage_class = self._storage_class(headers)
        metadata = self._metadata(headers)
        if_none_match, if_match = self._conditions(headers)
        if _content_md5(headers) is None and headers.get("Content-MD5") is not None:
            raise S3Error("InvalidDigest", "The Content-MD5 you specified was invalid.", 400)
        algorithm, _, _ = _requested_checksum(headers)
        path, blob, digests = await self._receive(ctx, algorithm)
        checksum = digests.checksum.b64() if digests.checksum is not None else None
        record = ObjectRecord(
            seq=0,
            bucket=bucket.name,
            key=ctx.key,
            version_id="",
            is_latest=True,
            delete_marker=False,
            size=digests.size,
            etag=f'"{digests.md5.hex()}"',
            last_modified=self._now(),
            storage_class=storage_class,
            content_type=headers.get("Content-Type"),
            metadata=metadata,
            headers=self._stored_headers(headers),
            checksum_algorithm=algorithm,
            checksum=checksum,
            checksum_type="FULL_OBJECT" if algorithm else None,
            part_sizes=None,
            blobs=(blob,) if digests.size else (),
        )
        empty = not digests.size
        try:
            if empty:  # an empty object needs no file
                await discard(path, self.settings.executor)
            stored = await self.store.put_object(
                record,
                path,
                blob,
                self._version_id(),
                if_none_match=if_none_match,
                if_match=if_match,
                install=not empty,
            )
        except BaseException:
            await discard(path, self.settings.executor)
            raise
        answer = {"ETag": stored.etag}
        if algorithm is not None and checksum is not None:
            answer[checksum_header(algorithm)] = checksum
            answer["x-amz-checksum-type"] = "FULL_OBJECT"
        if bucket.versioning is not None or stored.version_id != "null":
            answer["x-amz-version-id"] = stored.version_id
        return web.Response(status=200, headers=answer)

    async def _find(self, ctx: _Ctx) -> tuple[BucketRecord, ObjectRecord]:
        bucket = self._bucket(ctx)
        version_id = ctx.query.get("versionId")
        record = await self.store.get_object(bucket.name, ctx.key, version_id)
        if record.delete_marker:
            marker_headers = {"x-amz-delete-marker": "true", "x-amz-version-id": record.version_id}
            if version_id is None:
                raise no_such_key(ctx.key, marker_headers)
            raise S3Error(
                "MethodNotAllowed",
                "The specified method is not allowed against this resource.",
                405,
                {"Method": ctx.request.method, "ResourceType": "DeleteMarker"},
                {**marker_headers, "Last-Modified": http_date(record.last_modified)},
            )
        return bucket, record

    def _check_preconditions(self, ctx: _Ctx, record: ObjectRecord) -> bool:
        """Evaluate GET/HEAD conditions; False means 304 Not Modified."""
        headers = ctx.headers
        etag = record.etag
        modified = float(int(record.last_modified))
        if_match = headers.get("If-Match")
        if if_match is not None and not _etag_matches(if_match, etag):
            raise S3Error("PreconditionFailed", _PRECONDITION, 412, {"Condition": "If-Match"})
        if if_match is None:
            since = headers.get("If-Unmodified-Since")
            when = _parse_http_date(since) if since else None
            if when is not None and modified > when:
                raise S3Error(
                    "PreconditionFailed", _PRECONDITION, 412, {"Condition": "If-Unmodified-Since"}
                )
        if_none_match = headers.get("If-None-Match")
        if if_none_match is not None:
            return not _etag_matches(if_none_match, etag)
        since = headers.get("If-Modified-Since")
        when = _parse_http_date(since) if since else None
        return not (when is not None and modified <= when)

    async def _get_object(self, ctx: _Ctx) -> web.StreamResponse:
        head = ctx.request.method == "HEAD"
        bucket, record = await self._find(ctx)
        now = self._now()
        if not head and not record.readable(now):
            raise S3Error(
                "InvalidObjectState",
                "The operation is not valid for the object's storage class",
                403,
                {"StorageClass": record.storage_class},
            )
        headers = self._object_headers(record, bucket)
        if not self._check_preconditions(ctx, record):
            keep = ("ETag", "Last-Modified", "x-amz-version-id", "x-amz-storage-class")
            return web.Response(status=304, headers={k: v for k, v in headers.items() if k in keep})
        size = record.size
        first, last = 0, size - 1
        partial_range = False
        raw_range = ctx.headers.get("Range")
        if raw_range is not None:
            parsed = _parse_range(raw_range, size)
            if parsed is not None:
                first, last = parsed
                partial_range = True
        if partial_range:
            headers["Content-Range"] = f"bytes {first}-{last}/{size}"
        elif ctx.headers.get("x-amz-checksum-mode", "").upper() == "ENABLED" and record.checksum:
            assert record.checksum_algorithm is not None
            headers[checksum_header(record.checksum_algorithm)] = record.checksum
            if record.checksum_type:
                headers["x-amz-checksum-type"] = record.checksum_type
        status = 206 if partial_range else 200
        length = last - first + 1 if size else 0
        if head:
            answer = web.StreamResponse(status=status, headers=headers)
            answer.content_length = length
            return answer
        loop = asyncio.get_running_loop()
        paths = [(self.store.blob_path(b), s) for b, s in record.segments]
        if length <= CHUNK and ctx.fault not in ("truncate", "reset") and ctx.throttle.rate is None:
            # small: one executor job reads it all, the answer is an ordinary response
            try:
                data = (
                    await loop.run_in_executor(
                        self.settings.executor, read_small, paths, first, last
                    )
                    if length
                    else b""
                )
            except FileNotFoundError:
                return await self._get_object(ctx)  # replaced or deleted meanwhile
            if len(data) != length:
                raise OSError("an object file is shorter than its metadata says")
            return web.Response(status=status, headers=headers, body=data)
        try:
            segments = (
                await loop.run_in_executor(
                    self.settings.executor, open_segments, paths, first, last
                )
                if length
                else []
            )
        except FileNotFoundError:
            # replaced or deleted between the lookup and the open: answer as of now
            return await self._get_object(ctx)
        try:
            stream = web.StreamResponse(status=status, headers=headers)
            stream.content_length = length
            stream.headers["x-amz-request-id"] = ctx.request_id
            stream.headers["x-amz-id-2"] = self._host_id()
            await send_answer(
                ctx.request,
                stream,
                segments,
                executor=self.settings.executor,
                throttle=ctx.throttle,
                fault=ctx.fault,
                what=f"{bucket.name}/{record.key}",
            )
        finally:
            await loop.run_in_executor(self.settings.executor, close_segments, segments)
        return stream

    async def _delete_object(self, ctx: _Ctx) -> web.StreamResponse:
        bucket = self._bucket(ctx)
        version_id, marker = await self.store.delete_object(
            bucket.name, ctx.key, ctx.query.get("versionId"), self._version_id(), self._now()
        )
        headers: dict[str, str] = {}
        if version_id is not None:
            headers["x-amz-version-id"] = version_id
        if marker:
            headers["x-amz-delete-marker"] = "true"
        return web.Response(status=204, headers=headers)

    async def _delete_objects(self, ctx: _Ctx) -> web.StreamResponse:
        bucket = self._bucket(ctx)
        headers = ctx.headers
        algorithm, _, _ = _requested_checksum(headers)
        if headers.get("Content-MD5") is None and algorithm is None:
            raise invalid_request("Missing required header for this request: Content-MD5")
        document = await self._read_xml(ctx)
        assert document is not None
        if document.name != "Delete":
            raise malformed_xml()
        objects = document.all("Object")
        if not objects or len(objects) > 1000:
            raise malformed_xml()
        quiet = (document.child_text("Quiet") or "").lower() == "true"
        items: list[tuple[str, str | None]] = []
        for item in objects:
            key_node = item.first("Key")
            if key_node is None:
                raise malformed_xml()
            items.append((key_node.text, item.child_text("VersionId")))
        # each key counts as one s3.delete_object for the fault plan: an error fault on a key
        # becomes that key's <Error> (S3 reports InternalError for single keys this way)
        refused: dict[int, S3Error] = {}
        if self.settings.faults is not None:
            for index in range(len(items)):
                kind = self.settings.faults.next_fault("s3.delete_object")
                if kind in _ERROR_FAULTS:
                    refused[index] = S3Error(*_ERROR_FAULTS[kind])
        done = iter(
            await self.store.delete_objects(
                bucket.name,
                [item for index, item in enumerate(items) if index not in refused],
                self._version_id,
                self._now(),
            )
        )
        results = [
            (items[index][0], items[index][1], None, False, refused[index])
            if index in refused
            else next(done)
            for index in range(len(items))
        ]
        parts = [f'<DeleteResult xmlns="{NAMESPACE}">']
        for key, asked, answered, marker, error in results:
            if error is not None:
                parts.append(
                    f"<Error>{element('Key', key)}"
                    f"{element('VersionId', asked) if asked else ''}"
                    f"{element('Code', error.code)}{element('Message', error.message)}</Error>"
                )
                continue
            if quiet:
                continue
            entry = element("Key", key)
            if asked is not None:
                entry += element("VersionId", asked)
            if marker:
                entry += element("DeleteMarker", True)
                if answered is not None:
                    entry += element("DeleteMarkerVersionId", answered)
            parts.append(f"<Deleted>{entry}</Deleted>")
        parts.append("</DeleteResult>")
        return _xml_response("".join(parts))

    # -- restore -------------------------------------------------------------------------------

    async def _restore_object(self, ctx: _Ctx) -> web.StreamResponse:
        bucket = self._bucket(ctx)
        document = await self._read_xml(ctx)
        assert document is not None
        if document.name != "RestoreRequest":
            raise malformed_xml()
        if (document.child_text("Type") or "").upper() == "SELECT":
            raise not_implemented("Select restores are not emulated")
        raw_days = document.child_text("Days")
        tier = "Standard"
        parameters = document.first("GlacierJobParameters")
        if parameters is not None:
            tier = parameters.child_text("Tier") or "Standard"
        if tier not in TIER_SPEED:
            raise malformed_xml()
        now = self._now()
        scale = self.settings.job_delay_scale

        def decide(record: ObjectRecord) -> tuple[int, str | None, float | None, float | None]:
            if record.delete_marker:
                raise S3Error(
                    "MethodNotAllowed",
                    "The specified method is not allowed against this resource.",
                    405,
                    {"Method": "POST", "ResourceType": "DeleteMarker"},
                )
            if record.storage_class not in ARCHIVED_CLASSES:
                raise S3Error(
                    "InvalidObjectState",
                    "Restore is not allowed for the object's current storage class",
                    403,
                    {"StorageClass": record.storage_class},
                )
            if raw_days is None or not raw_days.isdigit() or int(raw_days) < 1:
                raise malformed_xml()
            days = int(raw_days)
            delay = RESTORE_DELAYS.get((record.storage_class, tier))
            if delay is None:  # Expedited is not offered for DEEP_ARCHIVE
                raise S3Error(
                    "InvalidObjectState",
                    "The operation is not valid for the object's storage class",
                    403,
                    {"StorageClass": record.storage_class},
                )
            ready = now + delay.total_seconds() * scale
            state = record.restore_state(now)
            if state == "ongoing":
                assert record.restore_complete is not None
                current = record.restore_tier or "Standard"
                if (
                    TIER_SPEED[tier] < TIER_SPEED.get(current, 1)
                    and ready < record.restore_complete
                ):
                    return 202, tier, ready, restore_expiry(ready, days)
                raise S3Error(
                    "RestoreAlreadyInProgress", "Object restore is already in progress", 409
                )
            if state == "restored":
                return 200, record.restore_tier, record.restore_complete, restore_expiry(now, days)
            return 202, tier, ready, restore_expiry(ready, days)

        status = await self.store.restore(bucket.name, ctx.key, ctx.query.get("versionId"), decide)
        return web.Response(status=status)

    # -- multipart uploads ---------------------------------------------------------------------

    def _upload_checksum(self, headers: Any) -> tuple[str | None, str | None]:
        raw = headers.get("x-amz-checksum-algorithm")
        kind = headers.get("x-amz-checksum-type")
        if raw is None:
            if kind is not None:
                raise invalid_request(
                    "The x-amz-checksum-type header can only be used with the "
                    "x-amz-checksum-algorithm header."
                )
            return None, None
        algorithm = raw.upper()
        if algorithm not in ALGORITHMS:
            raise invalid_request("Checksum algorithm provided is unsupported.")
        if kind is None:
            kind = "FULL_OBJECT" if algorithm == "CRC64NVME" else "COMPOSITE"
        kind = kind.upper()
        if kind not in ("COMPOSITE", "FULL_OBJECT"):
            raise invalid_request("Value for x-amz-checksum-type header is invalid.")
        if kind == "FULL_OBJECT" and algorithm not in CRC_ALGORITHMS:
            raise invalid_request(
                f"The FULL_OBJECT checksum type cannot be used with the {algorithm.lower()} "
                "checksum algorithm."
            )
        if kind == "COMPOSITE" and algorithm == "CRC64NVME":
            raise invalid_request(
                "The COMPOSITE checksum type cannot be used with the crc64nvme checksum algorithm."
            )
        return algorithm, kind

    async def _create_multipart_upload(self, ctx: _Ctx) -> web.StreamResponse:
        bucket = self._bucket(ctx)
        headers = ctx.headers
        self._check_key(ctx.key)
        algorithm, kind = self._upload_checksum(headers)
        upload = S3UploadRecord(
            upload_id=self.settings.ids.upload_id(),
            bucket=bucket.name,
            key=ctx.key,
            created=self._now(),
            storage_class=self._storage_class(headers),
            content_type=headers.get("Content-Type"),
            metadata=self._metadata(headers),
            headers=self._stored_headers(headers),
            checksum_algorithm=algorithm,
            checksum_type=kind,
        )
        await self.store.create_upload(upload)
        answer: dict[str, str] = {}
        if algorithm is not None and kind is not None:
            answer["x-amz-checksum-algorithm"] = algorithm
            answer["x-amz-checksum-type"] = kind
        return _xml_response(
            f'<InitiateMultipartUploadResult xmlns="{NAMESPACE}">'
            f"{element('Bucket', bucket.name)}{element('Key', ctx.key)}"
            f"{element('UploadId', upload.upload_id)}</InitiateMultipartUploadResult>",
            headers=answer,
        )

    @staticmethod
    def _part_number(query: Mapping[str, str]) -> int:
        raw = query.get("partNumber", "")
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_PARTS:
            raise invalid_argument(
                "Part number must be an integer between 1 and 10000, inclusive",
                "partNumber",
                raw,
            )
        return int(raw)

    async def _upload_part(self, ctx: _Ctx) -> web.StreamResponse:
        bucket = self._bucket(ctx)
        part_number = self._part_number(ctx.query)
        upload_id = ctx.query["uploadId"]
        upload = await self.store.get_upload(bucket.name, ctx.key, upload_id)
        self._payload_length(ctx, MAX_PUT_SIZE)
        requested, _, _ = _requested_checksum(ctx.headers)
        algorithm = upload.checksum_algorithm
        if requested is not None and algorithm is not None and requested != algorithm:
            raise invalid_request(
                f"Checksum Type mismatch occurred, expected checksum Type: {algorithm.lower()}, "
                f"actual checksum Type: {requested.lower()}"
            )
        algorithm = algorithm or requested
        if _content_md5(ctx.headers) is None and ctx.headers.get("Content-MD5") is not None:
            raise S3Error("InvalidDigest", "The Content-MD5 you specified was invalid.", 400)
        path, blob, digests = await self._receive(ctx, algorithm)
        checksum = digests.checksum.b64() if digests.checksum is not None else None
        part = PartEntry(
            part_number=part_number,
            size=digests.size,
            etag=f'"{digests.md5.hex()}"',
            checksum=checksum if upload.checksum_algorithm else None,
            blob=blob,
            last_modified=self._now(),
            md5=digests.md5,
        )
        try:
            await self.store.put_part(bucket.name, ctx.key, upload_id, part, path)
        except BaseException:
            await discard(path, self.settings.executor)
            raise
        answer = {"ETag": part.etag}
        if algorithm is not None and checksum is not None:
            answer[checksum_header(algorithm)] = checksum
        return web.Response(status=200, headers=answer)

    async def _list_parts(self, ctx: _Ctx) -> web.StreamResponse:
        bucket = self._bucket(ctx)
        query = ctx.query
        upload_id = query["uploadId"]
        max_parts = _int_param(query, "max-parts", 1000, 1000)
        raw_marker = query.get("part-number-marker", "0") or "0"
        if not raw_marker.isdigit():
            raise invalid_argument(
                "Provided part-number-marker not an integer or within integer range",
                "part-number-marker",
                raw_marker,
            )
        marker = int(raw_marker)
        upload, parts = await self.store.list_parts(bucket.name, ctx.key, upload_id)
        after = [p for p in parts if p.part_number > marker]
        page, rest = after[:max_parts], after[max_parts:]
        algorithm = upload.checksum_algorithm
        entries = []
        for p in page:
            extra = element(f"Checksum{algorithm}", p.checksum) if algorithm and p.checksum else ""
            entries.append(
                f"<Part>{element('PartNumber', p.part_number)}"
                f"{element('LastModified', iso_date(p.last_modified))}{element('ETag', p.etag)}"
                f"{element('Size', p.size)}{extra}</Part>"
            )
        initiator = self._owner.replace("Owner>", "Initiator>")
        checksum_info = ""
        if algorithm:
            checksum_info = element("ChecksumAlgorithm", algorithm) + element(
                "ChecksumType", upload.checksum_type
            )
        return _xml_response(
            f'<ListPartsResult xmlns="{NAMESPACE}">{element("Bucket", bucket.name)}'
            f"{element('Key', ctx.key)}{element('UploadId', upload_id)}"
            f"{element('PartNumberMarker', marker)}"
            f"{element('NextPartNumberMarker', page[-1].part_number if page else 0)}"
            f"{element('MaxParts', max_parts)}{element('IsTruncated', bool(rest))}"
            f"{''.join(entries)}{initiator}{self._owner}"
            f"{element('StorageClass', upload.storage_class)}{checksum_info}</ListPartsResult>"
        )

    async def _complete_multipart_upload(self, ctx: _Ctx) -> web.StreamResponse:
        bucket = self._bucket(ctx)
        upload_id = ctx.query["uploadId"]
        if_none_match, if_match = self._conditions(ctx.headers)
        full_algorithm, full_expected, _ = _requested_checksum(ctx.headers)
        document = await self._read_xml(ctx, body_checksums=False)
        assert document is not None
        if document.name != "CompleteMultipartUpload":
            raise malformed_xml()
        requested: list[tuple[int, str, dict[str, str]]] = []
        for part in document.all("Part"):
            number = part.child_text("PartNumber")
            etag = part.child_text("ETag")
            if number is None or not number.isdigit() or etag is None:
                raise malformed_xml()
            checksums = {
                a: v for a in ALGORITHMS if (v := part.child_text(f"Checksum{a}")) is not None
            }
            requested.append((int(number), etag, checksums))
        if not requested:
            raise malformed_xml()
        numbers = [n for n, _, _ in requested]
        if any(b <= a for a, b in itertools.pairwise(numbers)):
            raise S3Error(
                "InvalidPartOrder",
                "The list of parts was not in ascending order. Parts must be ordered by part "
                "number.",
                400,
                {"UploadId": upload_id},
            )
        now = self._now()
        key = ctx.key

        def build(
            upload: S3UploadRecord, parts: list[PartEntry]
        ) -> tuple[ObjectRecord, list[str], dict[str, Any]]:
            by_number = {p.part_number: p for p in parts}
            chosen: list[PartEntry] = []
            algorithm = upload.checksum_algorithm
            for index, (number, etag, checksums) in enumerate(requested):
                part = by_number.get(number)
                if part is None or etag.strip('"') != part.etag.strip('"'):
                    raise _invalid_part(upload_id, number, etag)
                if algorithm is not None and upload.checksum_type == "COMPOSITE":
                    given = checksums.get(algorithm)
                    if given is None:
                        raise invalid_request(
                            f"The upload was created using a {algorithm.lower()} checksum. The "
                            "complete request must include the checksum for each part. It was "
                            f"missing for part {number} in the request."
                        )
                    if part.checksum is not None and given != part.checksum:
                        raise _invalid_part(upload_id, number, etag)
                elif algorithm is not None and checksums.get(algorithm) not in (
                    None,
                    part.checksum,
                ):
                    raise _invalid_part(upload_id, number, etag)
                if index < len(requested) - 1 and part.size < MIN_PART_SIZE:
                    raise S3Error(
                        "EntityTooSmall",
                        "Your proposed upload is smaller than the minimum allowed size",
                        400,
                        {
                            "ProposedSize": str(part.size),
                            "MinSizeAllowed": str(MIN_PART_SIZE),
                            "PartNumber": str(number),
                            "ETag": part.etag,
                        },
                    )
                chosen.append(part)
            md5s = b"".join(p.md5 for p in chosen)
            etag = f'"{hashlib.md5(md5s).hexdigest()}-{len(chosen)}"'  # noqa: S324
            checksum: str | None = None
            if algorithm is not None:
                raws = [base64.b64decode(p.checksum or "") for p in chosen]
                if upload.checksum_type == "FULL_OBJECT":
                    crc = int.from_bytes(raws[0], "big")
                    for raw, p in zip(raws[1:], chosen[1:], strict=True):
                        crc = combine_crc(algorithm, crc, int.from_bytes(raw, "big"), p.size)
                    digest = crc.to_bytes(len(raws[0]), "big")
                    if (
                        full_algorithm == algorithm
                        and full_expected is not None
                        and (full_expected != digest)
                    ):
                        raise _bad_checksum(algorithm)
                    checksum = base64.b64encode(digest).decode("ascii")
                else:
                    checksum = composite_checksum(algorithm, raws)
            used = {p.blob for p in chosen}
            unused = [p.blob for p in parts if p.blob not in used]
            record = ObjectRecord(
                seq=0,
                bucket=upload.bucket,
                key=upload.key,
                version_id="",
                is_latest=True,
                delete_marker=False,
                size=sum(p.size for p in chosen),
                etag=etag,
                last_modified=now,
                storage_class=upload.storage_class,
                content_type=upload.content_type,
                metadata=upload.metadata,
                headers=upload.headers,
                checksum_algorithm=algorithm,
                checksum=checksum,
                checksum_type=upload.checksum_type,
                part_sizes=tuple(p.size for p in chosen),
                blobs=tuple(p.blob for p in chosen),
            )
            result: dict[str, Any] = {
                "etag": etag,
                "algorithm": algorithm,
                "checksum": checksum,
                "checksum_type": upload.checksum_type,
            }
            return record, unused, result

        result = await self.store.complete_upload(
            bucket.name,
            key,
            upload_id,
            build,
            self._version_id(),
            now,
            if_none_match=if_none_match,
            if_match=if_match,
            requested=tuple((n, e.strip('"')) for n, e, _ in requested),
        )
        host = ctx.request.headers.get("Host", "localhost")
        location = f"http://{host}/{bucket.name}/{quote(key, safe='/')}"
        checksum_xml = ""
        if result.get("algorithm") and result.get("checksum"):
            checksum_xml = element(f"Checksum{result['algorithm']}", result["checksum"]) + element(
                "ChecksumType", result["checksum_type"]
            )
        answer = {}
        if result.get("version_id"):
            answer["x-amz-version-id"] = result["version_id"]
        return _xml_response(
            f'<CompleteMultipartUploadResult xmlns="{NAMESPACE}">'
            f"{element('Location', location)}"
            f"{element('Bucket', bucket.name)}{element('Key', key)}"
            f"{element('ETag', result['etag'])}{checksum_xml}</CompleteMultipartUploadResult>",
            headers=answer,
        )

    async def _abort_multipart_upload(self, ctx: _Ctx) -> web.StreamResponse:
        bucket = self._bucket(ctx)
        await self.store.abort_upload(bucket.name, ctx.key, ctx.query["uploadId"])
        return web.Response(status=204)

    async def _list_multipart_uploads(self, ctx: _Ctx) -> web.StreamResponse:
        bucket = self._bucket(ctx)
        query = ctx.query
        encode = _encoder(query)
        prefix = query.get("prefix", "")
        delimiter = query.get("delimiter") or None
        max_uploads = _int_param(query, "max-uploads", 1000, 1000)
        key_marker = query.get("key-marker") or None
        upload_marker = query.get("upload-id-marker") or None
        uploads = await self.store.list_uploads(bucket.name, prefix)
        entries: list[str] = []
        prefixes: list[str] = []
        truncated = False
        next_key = next_upload = ""
        passed_marker = upload_marker is None
        for upload in uploads:
            if key_marker is not None:
                if upload.key < key_marker:
                    continue
                if upload.key == key_marker:
                    if upload_marker is None:
                        continue
                    if not passed_marker:
                        passed_marker = upload.upload_id == upload_marker
                        continue
            if delimiter:
                cut = upload.key.find(delimiter, len(prefix))
                if cut >= 0:
                    common = upload.key[: cut + len(delimiter)]
                    if (prefixes and prefixes[-1] == common) or (
                        key_marker is not None and common <= key_marker
                    ):
                        continue
                    if len(entries) + len(prefixes) == max_uploads:
                        truncated = True
                        break
                    prefixes.append(common)
                    next_key, next_upload = common, ""
                    continue
            if len(entries) + len(prefixes) == max_uploads:
                truncated = True
                break
            extra = ""
            if upload.checksum_algorithm:
                extra = element("ChecksumAlgorithm", upload.checksum_algorithm) + element(
                    "ChecksumType", upload.checksum_type
                )
            entries.append(
                f"<Upload>{element('Key', encode(upload.key))}"
                f"{element('UploadId', upload.upload_id)}"
                f"{self._owner.replace('Owner>', 'Initiator>')}{self._owner}"
                f"{element('StorageClass', upload.storage_class)}"
                f"{element('Initiated', iso_date(upload.created))}{extra}</Upload>"
            )
            next_key, next_upload = upload.key, upload.upload_id
        body = [
            f'<ListMultipartUploadsResult xmlns="{NAMESPACE}">',
            element("Bucket", bucket.name),
            element("KeyMarker", encode(key_marker or "")),
            element("UploadIdMarker", upload_marker or ""),
        ]
        if truncated:
            body += [
                element("NextKeyMarker", encode(next_key)),
                element("NextUploadIdMarker", next_upload),
            ]
        if prefix:
            body.append(element("Prefix", encode(prefix)))
        if delimiter:
            body.append(element("Delimiter", encode(delimiter)))
        body.append(element("MaxUploads", max_uploads))
        if "encoding-type" in query:
            body.append(element("EncodingType", "url"))
        body.append(element("IsTruncated", truncated))
        body += entries
        body += [
            f"<CommonPrefixes>{element('Prefix', encode(p))}</CommonPrefixes>" for p in prefixes
        ]
        body.append("</ListMultipartUploadsResult>")
        return _xml_response("".join(body))


# -- module helpers ------------------------------------------------------------------------------


def _encode_token(marker: str) -> str:
    return base64.urlsafe_b64encode(("1" + marker).encode("utf-8")).decode("ascii")


def _decode_token(token: str) -> str:
    try:
        text = base64.urlsafe_b64decode(token.encode("ascii")).decode("utf-8")
    except (ValueError, UnicodeError):
        text = ""
    if not text.startswith("1"):
        raise invalid_argument(
            "The continuation token provided is incorrect", "continuation-token", token
        )
    return text[1:]


def _content_md5(headers: Any) -> bytes | None:
    raw = headers.get("Content-MD5")
    if raw is None:
        return None
    try:
        digest = base64.b64decode(raw.strip(), validate=True)
    except ValueError:
        return None
    return digest if len(digest) == 16 else None


def _bad_md5(expected: bytes, computed: bytes) -> S3Error:
    return S3Error(
        "BadDigest",
        "The Content-MD5 you specified did not match what we received.",
        400,
        {
            "ExpectedDigest": expected.hex(),
            "CalculatedDigest": base64.b64encode(computed).decode("ascii"),
        },
    )


def _bad_checksum(algorithm: str) -> S3Error:
    return S3Error(
        "BadDigest", f"The {algorithm} you specified did not match the calculated checksum.", 400
    )


def _invalid_part(upload_id: str, number: int, etag: str) -> S3Error:
    return S3Error(
        "InvalidPart",
        "One or more of the specified parts could not be found.  The part may not have been "
        "uploaded, or the specified entity tag may not match the part's entity tag.",
        400,
        {"UploadId": upload_id, "PartNumber": str(number), "ETag": etag},
    )


_NOT_CHECKSUMS = frozenset(
    {"x-amz-checksum-mode", "x-amz-checksum-type", "x-amz-checksum-algorithm"}
)


def _requested_checksum(headers: Any) -> tuple[str | None, bytes | None, str | None]:
    """The checksum a request asks S3 to verify: (algorithm, expected raw digest from the
    header, or the trailer's name when it comes after the body)."""
    names = [
        n.lower()
        for n in headers
        if n.lower().startswith("x-amz-checksum-") and n.lower() not in _NOT_CHECKSUMS
    ]
    if len(set(names)) > 1:
        raise invalid_request(
            "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed."
        )
    algorithm: str | None = None
    expected: bytes | None = None
    trailer: str | None = None
    if names:
        name = names[0]
        algorithm = name[len("x-amz-checksum-") :].upper()
        if algorithm not in ALGORITHMS:
            raise invalid_request(
                "The algorithm type you specified in x-amz-checksum- header is invalid."
            )
        expected = decode_checksum(algorithm, headers[name])
        if expected is None:
            raise invalid_request(f"Value for {name} header is invalid.")
    raw_trailer = headers.get("x-amz-trailer")
    if raw_trailer is not None:
        name = raw_trailer.strip().lower()
        if name.startswith("x-amz-checksum-"):
            trailer_algorithm = name[len("x-amz-checksum-") :].upper()
            if trailer_algorithm not in ALGORITHMS or (
                algorithm is not None and algorithm != trailer_algorithm
            ):
                raise invalid_request(
                    "Expecting a single x-amz-checksum- header. Multiple checksum Types are not "
                    "allowed."
                )
            algorithm, trailer = trailer_algorithm, name
    sdk = headers.get("x-amz-sdk-checksum-algorithm")
    if sdk is not None:
        if sdk.upper() not in ALGORITHMS:
            raise invalid_request("Value for x-amz-sdk-checksum-algorithm header is invalid.")
        if algorithm != sdk.upper():
            raise invalid_request(
                "x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* "
                "or x-amz-trailer headers were found."
            )
    return algorithm, expected, trailer


def _etag_matches(condition: str, etag: str) -> bool:
    bare = etag.strip('"')
    for raw in condition.split(","):
        item = raw.strip()
        item = item.removeprefix("W/")
        if item == "*" or item.strip('"') == bare:
            return True
    return False


def _parse_range(raw: str, size: int) -> tuple[int, int] | None:
    """``(first, last)`` of a Range header; None to ignore it (not a single byte range, as
    S3 does); InvalidRange when it cannot be satisfied."""
    match = _RANGE.fullmatch(raw.strip())
    if match is None or (not match.group(1) and not match.group(2)):
        return None
    if not match.group(1):
        count = int(match.group(2))
        if count == 0 or size == 0:
            raise _invalid_range(raw, size)
        return max(size - count, 0), size - 1
    first = int(match.group(1))
    last = int(match.group(2)) if match.group(2) else size - 1
    if match.group(2) and last < first:
        return None
    if first >= size:
        raise _invalid_range(raw, size)
    return first, min(last, size - 1)


def _invalid_range(raw: str, size: int) -> S3Error:
    return S3Error(
        "InvalidRange",
        "The requested range is not satisfiable",
        416,
        {"RangeRequested": raw, "ActualObjectSize": str(size)},
        {"Content-Range": f"bytes */{size}"},
    )
