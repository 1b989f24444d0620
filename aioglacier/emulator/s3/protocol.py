"""The S3 API's wire: routes, the handler context, XML answers, the checks of request
parameters and headers, and :class:`S3Handlers`, what every group of handlers shares."""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from aiohttp import web

from aioglacier.emulator.pipeline import Settings
from aioglacier.emulator.s3.auth import S3Auth
from aioglacier.emulator.s3.body import BodySource, receive_to_file
from aioglacier.emulator.s3.checksums import ALGORITHMS, CRC_ALGORITHMS, Checksum, decode_checksum
from aioglacier.emulator.s3.errors import (
    S3Error,
    invalid_argument,
    invalid_request,
    malformed_xml,
    no_such_bucket,
    not_implemented,
)
from aioglacier.emulator.s3.models import (
    STORAGE_CLASSES,
    BucketRecord,
    ObjectRecord,
    http_date,
    iso_date,
)
from aioglacier.emulator.s3.store import ListPage, S3Store
from aioglacier.emulator.s3.xml import HEADER, XmlNode, element, parse_document
from aioglacier.emulator.storage import discard
from aioglacier.emulator.transfer import Throttle

__all__ = [
    "FAULT_ERRORS",
    "PRECONDITION",
    "XML",
    "Ctx",
    "Route",
    "S3Handlers",
    "bad_checksum",
    "bad_md5",
    "bool_param",
    "content_md5",
    "decode_token",
    "encode_token",
    "encoder",
    "etag_matches",
    "int_param",
    "invalid_part",
    "invalid_range",
    "listing_params",
    "owner",
    "parse_http_date",
    "parse_range",
    "requested_checksum",
    "valid_bucket_name",
    "xml_response",
]

_BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]")
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")
XML = "application/xml"
_MAX_XML = 4 * 1024 * 1024
_MAX_KEY = 1024
_MAX_METADATA = 2048
#: Standard headers stored with an object and sent back on GET and HEAD.
_STORED_HEADERS = (
    "Cache-Control",
    "Content-Disposition",
    "Content-Encoding",
    "Content-Language",
    "Expires",
)
#: S3's answer (code, message, status) to each error fault.
FAULT_ERRORS: dict[str, tuple[str, str, int]] = {
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
PRECONDITION = "At least one of the pre-conditions you specified did not hold"


@dataclass(frozen=True)
class Route:
    operation: str
    bucket: str | None
    key: str | None
    query: dict[str, str]


@dataclass
class Ctx:
    request: web.BaseRequest
    request_id: str
    auth: S3Auth
    route: Route
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


def xml_response(
    body: str, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    return web.Response(
        status=status,
        body=(HEADER + body).encode("utf-8"),
        content_type=XML,
        headers=dict(headers) if headers else None,
    )


def bool_param(query: Mapping[str, str], name: str) -> bool:
    return query.get(name, "").lower() == "true"


def int_param(query: Mapping[str, str], name: str, default: int, maximum: int) -> int:
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


def encoder(query: Mapping[str, str]) -> Callable[[str], str]:
    encoding = query.get("encoding-type")
    if encoding is None:
        return lambda text: text
    if encoding != "url":
        raise invalid_argument(
            "Invalid Encoding Method specified in Request", "encoding-type", encoding
        )
    return lambda text: quote(text, safe="/")


def listing_params(query: Mapping[str, str]) -> tuple[Callable[[str], str], str, str | None, int]:
    """A listing's ``encoding-type`` (as an encoder), ``prefix``, ``delimiter`` and
    ``max-keys``."""
    encode = encoder(query)
    prefix = query.get("prefix", "")
    delimiter = query.get("delimiter") or None
    return encode, prefix, delimiter, int_param(query, "max-keys", 1000, 1000)


def owner(account: str) -> str:
    canonical = hashlib.sha256(f"aioglacier-emulator/{account}".encode()).hexdigest()
    return f"<Owner>{element('ID', canonical)}{element('DisplayName', 'emulator')}</Owner>"


def valid_bucket_name(name: str) -> bool:
    if not _BUCKET_NAME.fullmatch(name) or ".." in name or ".-" in name or "-." in name:
        return False
    if name.startswith(("xn--", "sthree-")) or name.endswith(("-s3alias", "--ol-s3")):
        return False
    try:
        ipaddress.IPv4Address(name)
    except ValueError:
        return True
    return False


def parse_http_date(text: str) -> float | None:
    try:
        return parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError, IndexError):
        return None


class S3Handlers:
    """What every group of S3 handlers shares: the store, the settings, ids and time, the
    bucket lookup, body reception and the checks of common headers."""

    def __init__(self, store: S3Store, settings: Settings, rng: random.Random) -> None:
        self.store = store
        self.settings = settings
        # not for secrets: blob and version ids only need to be unique (seeded from the OS)
        self._rng = rng
        self._owner = owner(settings.account)

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

    # -- helpers -------------------------------------------------------------------------------

    def _bucket(self, ctx: Ctx) -> BucketRecord:
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
        self, ctx: Ctx, *, required: bool = True, body_checksums: bool = True
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
    def _check_payload_hash(ctx: Ctx, computed: str) -> None:
        claimed = ctx.auth.payload
        if len(claimed) == 64 and claimed != computed:
            raise S3Error(
                "XAmzContentSHA256Mismatch",
                "The provided 'x-amz-content-sha256' header does not match what was computed.",
                400,
                {"ClientComputedContentSHA256": claimed, "S3ComputedContentSHA256": computed},
            )

    def _check_body_digests(self, ctx: Ctx, body: bytes) -> None:
        md5 = content_md5(ctx.headers)
        if md5 is not None and md5 != hashlib.md5(body).digest():  # noqa: S324
            raise bad_md5(md5, hashlib.md5(body).digest())  # noqa: S324
        algorithm, expected, _ = requested_checksum(ctx.headers)
        if algorithm is not None and expected is not None:
            checksum = Checksum(algorithm)
            checksum.update(body)
            if checksum.digest() != expected:
                raise bad_checksum(algorithm)

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
    def _optional_attributes(ctx: Ctx) -> bool:
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
        return xml_response("".join(parts))

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

    def _payload_length(self, ctx: Ctx, maximum: int) -> int:
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

    async def _receive(self, ctx: Ctx, algorithm: str | None) -> tuple[Path, str, Any]:
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
            md5 = content_md5(ctx.headers)
            if md5 is not None and md5 != digests.md5:
                raise bad_md5(md5, digests.md5)
            requested, expected, trailer = requested_checksum(ctx.headers)
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
                raise bad_checksum(digests.checksum.algorithm)
        except BaseException:
            await discard(path, self.settings.executor)
            raise
        return path, blob, digests

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


def encode_token(marker: str) -> str:
    return base64.urlsafe_b64encode(("1" + marker).encode("utf-8")).decode("ascii")


def decode_token(token: str) -> str:
    try:
        text = base64.urlsafe_b64decode(token.encode("ascii")).decode("utf-8")
    except (ValueError, UnicodeError):
        text = ""
    if not text.startswith("1"):
        raise invalid_argument(
            "The continuation token provided is incorrect", "continuation-token", token
        )
    return text[1:]


def content_md5(headers: Any) -> bytes | None:
    raw = headers.get("Content-MD5")
    if raw is None:
        return None
    try:
        digest = base64.b64decode(raw.strip(), validate=True)
    except ValueError:
        return None
    return digest if len(digest) == 16 else None


def bad_md5(expected: bytes, computed: bytes) -> S3Error:
    return S3Error(
        "BadDigest",
        "The Content-MD5 you specified did not match what we received.",
        400,
        {
            "ExpectedDigest": expected.hex(),
            "CalculatedDigest": base64.b64encode(computed).decode("ascii"),
        },
    )


def bad_checksum(algorithm: str) -> S3Error:
    return S3Error(
        "BadDigest", f"The {algorithm} you specified did not match the calculated checksum.", 400
    )


def invalid_part(upload_id: str, number: int, etag: str) -> S3Error:
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


def requested_checksum(headers: Any) -> tuple[str | None, bytes | None, str | None]:
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


def etag_matches(condition: str, etag: str) -> bool:
    bare = etag.strip('"')
    for raw in condition.split(","):
        item = raw.strip()
        item = item.removeprefix("W/")
        if item == "*" or item.strip('"') == bare:
            return True
    return False


def parse_range(raw: str, size: int) -> tuple[int, int] | None:
    """``(first, last)`` of a Range header; None to ignore it (not a single byte range, as
    S3 does); InvalidRange when it cannot be satisfied."""
    match = _RANGE.fullmatch(raw.strip())
    if match is None or (not match.group(1) and not match.group(2)):
        return None
    if not match.group(1):
        count = int(match.group(2))
        if count == 0 or size == 0:
            raise invalid_range(raw, size)
        return max(size - count, 0), size - 1
    first = int(match.group(1))
    last = int(match.group(2)) if match.group(2) else size - 1
    if match.group(2) and last < first:
        return None
    if first >= size:
        raise invalid_range(raw, size)
    return first, min(last, size - 1)


def invalid_range(raw: str, size: int) -> S3Error:
    return S3Error(
        "InvalidRange",
        "The requested range is not satisfiable",
        416,
        {"RangeRequested": raw, "ActualObjectSize": str(size)},
        {"Content-Range": f"bytes */{size}"},
    )
