"""The S3 REST API over aiohttp, signed with our own SigV4 signer (S3 rules).

The same design as :class:`~aioglacier.backends.glacier.GlacierApi`: each request is built
directly and sent through :class:`~aioglacier.http.SignedHttp`, the layer both share: signed by
:class:`~aioglacier.sigv4.SigV4Signer` (path signed as sent, as botocore's ``S3SigV4Auth``; a
test proves the two equal), sent on one shared aiohttp session in a slot of the shared
:class:`~aioglacier.limits.RequestLimiter` under the time limits of
:mod:`aioglacier.transport`, and retried with full-jitter backoff when the failure is
transient; S3's XML errors are decoded here. aiobotocore's pipeline costs milliseconds of CPU
per request; this costs tens of microseconds.

Integrity. With ``checksum_mode=WHEN_SUPPORTED`` (the default) every data request carries an
``x-amz-checksum-*`` header S3 verifies. The caller passes the body's SHA-256 (hex), which it
computed in an executor from the same read pass as the tree hash; it is both the SigV4 payload
hash and, base64-encoded, ``x-amz-checksum-sha256``: the checksum costs nothing more. Another
algorithm can be passed as a :class:`Checksum`; over HTTPS the payload is then sent
``UNSIGNED-PAYLOAD`` (as botocore does), so the SHA-256 pass can be skipped. With
``WHEN_REQUIRED`` no ``x-amz-checksum-*`` header is sent (S3-compatible servers that reject
them) and the payload is always signed, so the server still checks the body against its hash;
DeleteObjects, which requires an integrity header, gets ``Content-MD5``.

Addressing. ``PATH`` puts the bucket in the path (``https://host/bucket/key``), ``VIRTUAL`` in the
host name (``https://bucket.host/key``). ``AUTO`` (the default) uses virtual hosts on AWS's own
endpoints for buckets whose names allow it, and path style everywhere else (S3-compatible
servers, IP addresses, localhost), which is what those servers expect without configuration.

Keys are sent percent-encoded with only ``/`` and ``~`` left as they are (as botocore), never
normalized: ``a//b``, ``./x`` and ``%41`` name the objects they spell.
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import logging
import re
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TypeVar
from urllib.parse import quote, urlsplit

import aiohttp

from aioglacier.backends.s3.checksums import (
    CHECKSUM_HEADERS,
    Checksum,
    ChecksumAlgorithm,
    ChecksumMode,
    content_md5,
)
from aioglacier.backends.s3.errors import error_from_document, error_from_response
from aioglacier.backends.s3.models import (
    BucketInfo,
    BucketVersioning,
    CompletedPart,
    CompletedUpload,
    DeletedObject,
    DeleteError,
    DeleteObjectsResult,
    ListedObject,
    MultipartUpload,
    ObjectIdentifier,
    ObjectInfo,
    ObjectListPage,
    PutResult,
    RestoreOutcome,
    UploadedPart,
    parse_s3_datetime,
    restore_state,
)
from aioglacier.backends.s3.xml import (
    XmlError,
    build_complete_multipart,
    build_create_bucket,
    build_delete,
    build_restore,
    build_versioning,
    parse_complete_multipart,
    parse_delete_result,
    parse_error,
    parse_initiate_multipart,
    parse_list_objects_v2,
    parse_list_parts,
    parse_list_uploads,
    parse_versioning,
    xml_text,
)
from aioglacier.bandwidth import Bandwidth
from aioglacier.config import Timeouts
from aioglacier.errors import RemoteError, remote_error
from aioglacier.http import AnswerCheck, RetryListener, SignedApi, SignedHttp
from aioglacier.limits import RequestLimiter
from aioglacier.retry import RetryPolicy
from aioglacier.sigv4 import EMPTY_SHA256, UNSIGNED_PAYLOAD, SigV4Signer
from aioglacier.transport import AttemptTimer, read_body

__all__ = [
    "MAX_DELETE_KEYS",
    "Addressing",
    "ObjectBody",
    "S3Api",
    "s3_endpoint",
]

log = logging.getLogger(__name__)

T = TypeVar("T")

#: DeleteObjects takes at most this many keys per request.
MAX_DELETE_KEYS = 1000

#: Bodies up to this size are hashed on the event loop when the caller gave no hash (a few
#: tens of microseconds); larger ones in the executor.
_INLINE_HASH_MAX = 64 * 1024

_XML = "application/xml"
# Methods aiohttp sends a ``Content-Length: 0`` with when there is no body: we send (and sign) it.
_EMPTY_BODY_LENGTH = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# aiohttp adds a Content-Type to bodiless PUTs; we send (and sign) ours where there is one.
_SKIP_AUTO_HEADERS = ("Content-Type",)
_OCTET = "application/octet-stream"
# GetObject's body arrives as stored: no content decoding (sent unsigned, as aiohttp's own).
_IDENTITY = {"Accept-Encoding": "identity"}
_QUERY_SAFE = "-_.~"
_KEY_SAFE = "/~"
# Bucket names that can be a DNS label of a virtual host (no dots: TLS wildcard certificates).
_VIRTUAL_BUCKET = re.compile(r"[a-z0-9][a-z0-9-]{1,61}[a-z0-9]")
_META_NAME = re.compile(r"[a-z0-9!#$%&'*+.^_`|~-]+")
_META_PREFIX = "x-amz-meta-"
# Each algorithm's header, computed once (responses are read with it on every request).
_CHECKSUM_HEADER = {algorithm: algorithm.header for algorithm in ChecksumAlgorithm}
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")


class Addressing(StrEnum):
    """Where the bucket goes in a request's URL."""

    AUTO = "auto"
    PATH = "path"
    VIRTUAL = "virtual"


def s3_endpoint(region: str, protocol: str = "https") -> str:
    """AWS's regional S3 endpoint."""
    return f"{protocol}://s3.{region}.amazonaws.com"


@dataclass(frozen=True)
class ObjectBody:
    """An open GetObject response: what its headers say, and the body stream.

    ``content_range`` is ``(first, last, total)`` (inclusive, ``total`` None when the server
    sent ``*``) for a ranged GET. ``checksum`` is the stored checksum of the whole object, which
    S3 sends only for a GET of the whole object (or of one whole part).
    """

    status: int
    headers: Mapping[str, str] = field(repr=False)
    content: aiohttp.StreamReader = field(repr=False)
    size: int | None
    etag: str
    version_id: str | None
    content_range: tuple[int, int, int | None] | None
    storage_class: str
    checksum: Checksum | None
    metadata: dict[str, str]
    timer: AttemptTimer | None = field(default=None, repr=False, compare=False)

    async def read(self) -> bytes:
        """The whole body; no byte arriving for the stall limit fails the attempt.

        The attempt's time limits run while the body streams: read it here (or call
        ``timer.progress()`` for each piece read from ``content``).
        """
        if self.timer is None:
            return await self.content.read()
        return await read_body(self.content, self.timer)


def _is_ip_or_local(host: str) -> bool:
    host = host.strip("[]")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _query_string(query: Mapping[str, str | None]) -> str:
    items = []
    for name, value in sorted(query.items()):
        if value is None:  # a bare sub-resource: ?uploads, ?delete, ?restore
            items.append(quote(name, safe=_QUERY_SAFE))
        else:
            items.append(f"{quote(name, safe=_QUERY_SAFE)}={quote(value, safe=_QUERY_SAFE)}")
    return "&".join(items)


def _metadata_headers(metadata: Mapping[str, str] | None) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in (metadata or {}).items():
        lname = name.lower()
        if lname.startswith(_META_PREFIX):
            lname = lname[len(_META_PREFIX) :]
        if not _META_NAME.fullmatch(lname):
            raise ValueError(f"metadata name {name!r} is not an HTTP token")
        if not (value.isascii() and value.isprintable()):  # printable ASCII: \x20 to \x7e
            raise ValueError(f"metadata {name!r}: the value must be printable ASCII")
        headers[_META_PREFIX + lname] = value
    return headers


def _metadata(headers: Mapping[str, str]) -> dict[str, str]:
    return {
        name.lower()[len(_META_PREFIX) :]: value
        for name, value in headers.items()
        if name.lower().startswith(_META_PREFIX)
    }


def _response_checksum(
    headers: Mapping[str, str], prefer: ChecksumAlgorithm | None = None
) -> Checksum | None:
    if prefer is not None:
        value = headers.get(_CHECKSUM_HEADER[prefer])
        if value:
            return Checksum(prefer, value)
    for name, algorithm in CHECKSUM_HEADERS.items():
        value = headers.get(name)
        if value:
            return Checksum(algorithm, value)
    return None


def _date_header(headers: Mapping[str, str], name: str) -> datetime | None:
    value = headers.get(name)
    if not value:
        return None
    try:
        return parse_s3_datetime(value)
    except ValueError:
        return None


def _checked_echo(sent: Checksum | None, headers: Mapping[str, str], status: int) -> None:
    if sent is None:
        return
    echoed = headers.get(_CHECKSUM_HEADER[sent.algorithm])
    if echoed is not None and echoed != sent.value:
        raise RemoteError(
            "ChecksumMismatch",
            f"the service stored {sent.algorithm} {echoed}, we sent {sent.value}",
            status=status,
        )


def _invalid_response(what: str, status: int) -> RemoteError:
    return RemoteError("InvalidResponse", what, status=status)


def _typed(error: RemoteError) -> RemoteError:
    """``error`` as :class:`~aioglacier.errors.NotFound` or :class:`~aioglacier.errors.Throttled`
    when its code or status says so (built by :func:`~aioglacier.errors.remote_error`)."""
    if type(error) is not RemoteError or not (error.not_found or error.throttled):
        return error
    return remote_error(
        error.code,
        error.message,
        status=error.status,
        retryable=error.retryable,
        request_id=error.request_id,
    )


def _decode_error(status: int, body: bytes, headers: Mapping[str, str]) -> RemoteError:
    """The layer's error decoder: S3's ``<Error>`` document, else the status, typed."""
    return _typed(error_from_response(status, body, headers))


def _no_error_document(status: int, headers: Mapping[str, str], body: bytes) -> None:
    error = parse_error(body)
    if error is not None:  # 200 OK with an <Error> body
        raise _typed(error_from_document(error, status, headers))


class S3Api(SignedApi):
    """Typed calls of the S3 REST API on one aiohttp session.

    The caller owns ``session``, ``limiter`` and ``executor``; this object owns nothing that
    needs closing. ``signer`` must sign for service ``s3`` with the path as sent
    (:meth:`SigV4Signer.for_s3`); its region is the region requests are scoped to.
    ``sign_payload``: None (the default) sends ``UNSIGNED-PAYLOAD`` only over HTTPS for a body
    that carries a checksum and whose SHA-256 the caller did not give (as botocore); True
    always signs; False never signs a body that carries a checksum header. ``timeouts`` are
    the time limits of every request (default: :class:`~aioglacier.config.Timeouts`'s);
    ``listener`` receives a :class:`~aioglacier.progress.Retrying` event before each retry;
    ``bandwidth`` (the run's ``--bwlimit``) paces every body sent and received.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        endpoint: str,
        signer: SigV4Signer,
        limiter: RequestLimiter,
        retry: RetryPolicy,
        *,
        addressing: Addressing | str = Addressing.AUTO,
        checksum_mode: ChecksumMode | str = ChecksumMode.WHEN_SUPPORTED,
        sign_payload: bool | None = None,
        executor: Executor | None = None,
        timeouts: Timeouts | None = None,
        listener: RetryListener | None = None,
        bandwidth: Bandwidth | None = None,
    ) -> None:
        if signer.normalize_path:
            raise ValueError("S3 requests need a signer with normalize_path=False")
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"not an http(s) endpoint URL: {endpoint!r}")
        if parts.query or parts.fragment:
            raise ValueError(f"an endpoint URL has no query or fragment: {endpoint!r}")
        self._scheme = parts.scheme
        self._netloc = parts.netloc
        self._base = parts.path.rstrip("/")
        self._endpoint = f"{parts.scheme}://{parts.netloc}{self._base}"
        super().__init__(
            SignedHttp(
                session,
                signer,
                limiter,
                retry,
                _decode_error,
                timeouts=timeouts,
                listener=listener,
                bandwidth=bandwidth,
                allow_redirects=False,
                skip_auto_headers=_SKIP_AUTO_HEADERS,
            )
        )
        self._addressing = Addressing(addressing)
        self._checksum_mode = ChecksumMode(checksum_mode)
        self._sign_payload = sign_payload
        self._executor = executor
        self._https = parts.scheme == "https"
        host = parts.hostname or ""
        self._aws_host = host.endswith(".amazonaws.com") and not _is_ip_or_local(host)
        self._virtual: dict[str, bool] = {}
        self._restore_status_header = True
        self._conditional_delete = True

    def __repr__(self) -> str:
        return (
            f"S3Api(endpoint={self._endpoint!r}, region={self._signer.region!r}, "
            f"addressing={self._addressing.value!r}, checksum_mode={self._checksum_mode.value!r})"
        )

    @property
    def region(self) -> str:
        """The region requests are signed for."""
        return self._signer.region

    @property
    def lists_restore_status(self) -> bool:
        """False once the server refused ``RestoreStatus`` in a listing (see
        :meth:`list_object_pages`)."""
        return self._restore_status_header

    @property
    def checksum_mode(self) -> ChecksumMode:
        """Whether requests carry ``x-amz-checksum-*`` headers."""
        return self._checksum_mode

    # ---------------------------------------------------------------- URLs

    def uses_virtual_host(self, bucket: str) -> bool:
        """Whether requests for ``bucket`` put it in the host name."""
        virtual = self._virtual.get(bucket)
        if virtual is None:
            if self._addressing is Addressing.PATH:
                virtual = False
            elif self._addressing is Addressing.VIRTUAL:
                virtual = True
            else:
                virtual = self._aws_host and bool(_VIRTUAL_BUCKET.fullmatch(bucket))
            if len(self._virtual) < 1024:
                self._virtual[bucket] = virtual
        return virtual

    def url(
        self, bucket: str, key: str | None = None, query: Mapping[str, str | None] | None = None
    ) -> str:
        """The request URL (percent-encoded as sent) of ``bucket``, or of ``key`` in it."""
        if not bucket or "/" in bucket:
            raise ValueError(f"not a bucket name: {bucket!r}")
        if key is not None and not key:
            raise ValueError("an object key is not empty")
        path = "" if key is None else quote(key, safe=_KEY_SAFE)
        if self.uses_virtual_host(bucket):
            url = f"{self._scheme}://{bucket}.{self._netloc}{self._base}/{path}"
        else:
            url = f"{self._endpoint}/{quote(bucket, safe='')}"
            if key is not None:
                url += "/" + path
        if query:
            url += "?" + _query_string(query)
        return url

    # ---------------------------------------------------------------- plumbing

    async def call(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | memoryview = b"",
        payload_hash: str | None = None,
        expect: tuple[int, ...] = (200,),
        retry: bool = True,
    ) -> tuple[int, Mapping[str, str], bytes]:
        """Send one request (retried when transient) and return status, headers and body.

        ``payload_hash`` is the SigV4 payload hash (hex SHA-256 of ``body``, or
        ``UNSIGNED-PAYLOAD``); computed here when None.
        """
        return await self._request(method, url, headers, body, payload_hash, expect, retry)

    async def _request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None,
        body: bytes | memoryview,
        payload_hash: str | None,
        expect: tuple[int, ...],
        retry: bool = True,
        check: AnswerCheck | None = None,
    ) -> tuple[int, Mapping[str, str], bytes]:
        if payload_hash is None:
            payload_hash = await self._sha256_hex(body)
        all_headers = dict(headers) if headers else {}
        if not len(body) and method in _EMPTY_BODY_LENGTH and "Content-Length" not in all_headers:
            all_headers["Content-Length"] = "0"  # aiohttp would add it unsigned
        all_headers["x-amz-content-sha256"] = payload_hash
        return await self._http.request(
            method,
            url,
            operation=_operation(method, url),
            headers=all_headers,
            body=body,
            payload_hash=payload_hash,
            expect=expect,
            retry=retry,
            check=check,
        )

    async def _sha256_hex(self, body: bytes | memoryview) -> str:
        if not len(body):
            return EMPTY_SHA256
        if len(body) <= _INLINE_HASH_MAX:
            return hashlib.sha256(body).hexdigest()
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, _hexdigest, body)

    async def _xml_call(
        self,
        method: str,
        url: str,
        body: bytes,
        *,
        headers: Mapping[str, str] | None = None,
        expect: tuple[int, ...] = (200,),
        check: AnswerCheck | None = None,
    ) -> tuple[int, Mapping[str, str], bytes]:
        all_headers = {"Content-Type": _XML, "Content-Length": str(len(body))}
        if headers:
            all_headers.update(headers)
        payload_hash = hashlib.sha256(body).hexdigest()
        return await self._request(
            method, url, all_headers, body, payload_hash, expect, check=check
        )

    async def _data_headers(
        self,
        headers: dict[str, str],
        body: bytes | memoryview,
        checksum: Checksum | None,
        sha256: str | None,
        md5: str | None,
    ) -> tuple[str, Checksum | None]:
        """Add the integrity headers of a data request; return (payload hash, checksum sent)."""
        sent: Checksum | None = None
        if self._checksum_mode is ChecksumMode.WHEN_SUPPORTED:
            if checksum is None and sha256 is not None:
                checksum = Checksum.sha256_hex(sha256)
            if checksum is not None:
                headers[_CHECKSUM_HEADER[checksum.algorithm]] = checksum.value
                headers["x-amz-sdk-checksum-algorithm"] = checksum.algorithm.value
                sent = checksum
                if sha256 is None and checksum.algorithm is ChecksumAlgorithm.SHA256:
                    sha256 = checksum.hex()
        if md5 is not None:
            headers["Content-MD5"] = md5
        if sha256 is not None and self._sign_payload is not False:
            return sha256, sent
        integrity_header = sent is not None or md5 is not None
        if integrity_header and (
            self._sign_payload is False or (self._sign_payload is None and self._https)
        ):
            return UNSIGNED_PAYLOAD, sent
        return sha256 or await self._sha256_hex(body), sent

    async def _put_data(
        self,
        operation: str,
        url: str,
        headers: dict[str, str],
        body: bytes | memoryview,
        checksum: Checksum | None,
        sha256: str | None,
        md5: str | None,
        retry: bool,
    ) -> tuple[str, Mapping[str, str], Checksum | None, Checksum | None]:
        """PUT a data body (PutObject, UploadPart) with its integrity headers (see
        :meth:`_data_headers`), refusing a checksum echoed other than sent and an answer
        without ETag; return the ETag, the response headers, the checksum the service
        answered (of the algorithm sent, when it answered that one) and the checksum sent."""
        payload_hash, sent = await self._data_headers(headers, body, checksum, sha256, md5)
        status, resp_headers, _ = await self.call(
            "PUT", url, headers=headers, body=body, payload_hash=payload_hash, retry=retry
        )
        _checked_echo(sent, resp_headers, status)
        etag = resp_headers.get("ETag")
        if not etag:
            raise _invalid_response(f"no ETag in the {operation} response", status)
        stored = _response_checksum(resp_headers, sent.algorithm if sent else None)
        return etag, resp_headers, stored, sent

    # ---------------------------------------------------------------- buckets

    async def head_bucket(self, bucket: str) -> BucketInfo:
        """Check that ``bucket`` exists and is ours (RemoteError ``not_found`` when absent)."""
        _, headers, _ = await self.call("HEAD", self.url(bucket), payload_hash=EMPTY_SHA256)
        return BucketInfo(bucket, headers.get("x-amz-bucket-region"))

    async def create_bucket(self, bucket: str) -> bool:
        """Create ``bucket`` in the signer's region; False when we already own it."""
        body = build_create_bucket(self.region)
        try:
            if body:
                await self._xml_call("PUT", self.url(bucket), body)
            else:
                await self.call("PUT", self.url(bucket), payload_hash=EMPTY_SHA256)
        except RemoteError as exc:
            if exc.code == "BucketAlreadyOwnedByYou":
                return False
            raise
        return True

    async def delete_bucket(self, bucket: str) -> None:
        """Delete an empty bucket."""
        await self.call("DELETE", self.url(bucket), payload_hash=EMPTY_SHA256, expect=(204,))

    async def get_bucket_versioning(self, bucket: str) -> BucketVersioning:
        """The bucket's versioning state."""
        _, _, body = await self.call(
            "GET", self.url(bucket, query={"versioning": None}), payload_hash=EMPTY_SHA256
        )
        return self._parsed(parse_versioning, body)

    async def put_bucket_versioning(self, bucket: str, *, enabled: bool) -> None:
        """Enable (or suspend) versioning on ``bucket``."""
        await self._xml_call(
            "PUT", self.url(bucket, query={"versioning": None}), build_versioning(enabled)
        )

    @staticmethod
    def _parsed(parser: Callable[[bytes], T], body: bytes, status: int = 200) -> T:
        try:
            return parser(body)
        except XmlError as exc:
            raise _invalid_response(str(exc), status) from None

    # ---------------------------------------------------------------- objects

    async def put_object(
        self,
        bucket: str,
        key: str,
        body: bytes | memoryview,
        *,
        sha256: str | None = None,
        checksum: Checksum | None = None,
        content_md5: str | None = None,
        storage_class: str | None = None,
        metadata: Mapping[str, str] | None = None,
        content_type: str = _OCTET,
        if_none_match: bool = False,
        if_match: str | None = None,
        retry: bool = True,
    ) -> PutResult:
        """Store ``body`` under ``key``.

        ``sha256`` (hex) is the body's SHA-256: the signed payload hash, and the checksum sent
        when ``checksum`` is None. ``if_none_match`` refuses to replace an existing object
        (412 PreconditionFailed); ``if_match`` (an ETag) replaces only that object.
        """
        headers = {"Content-Type": content_type, "Content-Length": str(len(body))}
        if storage_class:
            headers["x-amz-storage-class"] = storage_class
        if if_none_match:
            headers["If-None-Match"] = "*"
        if if_match is not None:
            headers["If-Match"] = if_match
        headers.update(_metadata_headers(metadata))
        etag, resp_headers, stored, _ = await self._put_data(
            "PutObject", self.url(bucket, key), headers, body, checksum, sha256, content_md5, retry
        )
        return PutResult(
            etag=etag, version_id=resp_headers.get("x-amz-version-id"), checksum=stored
        )

    async def head_object(
        self, bucket: str, key: str, *, version_id: str | None = None
    ) -> ObjectInfo:
        """The object's size, ETag, storage class, restore state, metadata and checksum."""
        query = {"versionId": version_id} if version_id else None
        headers = {}
        if self._checksum_mode is ChecksumMode.WHEN_SUPPORTED:
            headers["x-amz-checksum-mode"] = "ENABLED"
        status, resp, _ = await self.call(
            "HEAD", self.url(bucket, key, query), headers=headers, payload_hash=EMPTY_SHA256
        )
        storage_class = resp.get("x-amz-storage-class") or "STANDARD"
        archive_status = resp.get("x-amz-archive-status")
        try:
            restore = restore_state(storage_class, resp.get("x-amz-restore"), archive_status)
            size = int(resp.get("Content-Length") or "")
        except ValueError as exc:
            raise _invalid_response(f"HeadObject: {exc}", status) from None
        parts_count = resp.get("x-amz-mp-parts-count")
        return ObjectInfo(
            key=key,
            size=size,
            etag=resp.get("ETag", ""),
            last_modified=_date_header(resp, "Last-Modified"),
            storage_class=storage_class,
            restore=restore,
            version_id=resp.get("x-amz-version-id"),
            metadata=_metadata(resp),
            checksum=_response_checksum(resp),
            checksum_type=resp.get("x-amz-checksum-type"),
            content_type=resp.get("Content-Type"),
            archive_status=archive_status,
            parts_count=int(parts_count) if parts_count and parts_count.isdigit() else None,
        )

    @asynccontextmanager
    async def get_object(
        self,
        bucket: str,
        key: str,
        *,
        byte_range: tuple[int, int] | None = None,
        version_id: str | None = None,
        if_match: str | None = None,
    ) -> AsyncIterator[ObjectBody]:
        """Open GetObject (one attempt, holding a request slot while the body streams).

        ``byte_range`` is inclusive. ``if_match`` (an ETag) makes sure every range of a
        download comes from the same object. An archived object not restored raises
        :class:`~aioglacier.backends.s3.errors.InvalidObjectStateError`. The body arrives as
        stored: no content decoding, whatever its ``Content-Encoding``. Read it with
        :meth:`ObjectBody.read`: the first-byte and stall limits apply, and the request deadline
        bounds the whole. The caller retries the whole range on failure.
        """
        url = self.url(bucket, key, {"versionId": version_id} if version_id else None)
        headers: dict[str, str] = {}
        if byte_range is not None:
            first, last = byte_range
            if first < 0 or last < first:
                raise ValueError(f"not a byte range: {byte_range}")
            headers["Range"] = f"bytes={first}-{last}"
        if if_match is not None:
            headers["If-Match"] = if_match
        if self._checksum_mode is ChecksumMode.WHEN_SUPPORTED:
            headers["x-amz-checksum-mode"] = "ENABLED"
        headers["x-amz-content-sha256"] = EMPTY_SHA256
        async with self._http.open(
            "GET",
            url,
            headers,
            unsigned_headers=_IDENTITY,  # unsigned, like the transport's own headers
            auto_decompress=False,
        ) as answer:
            resp_headers = answer.headers
            content_range = None
            match = _CONTENT_RANGE.fullmatch(resp_headers.get("Content-Range", ""))
            if match is not None:
                total = match.group(3)
                content_range = (
                    int(match.group(1)),
                    int(match.group(2)),
                    None if total == "*" else int(total),
                )
            yield ObjectBody(
                status=answer.status,
                headers=resp_headers,
                content=answer.content,
                size=answer.content_length,
                etag=resp_headers.get("ETag", ""),
                version_id=resp_headers.get("x-amz-version-id"),
                content_range=content_range,
                storage_class=resp_headers.get("x-amz-storage-class") or "STANDARD",
                checksum=_response_checksum(resp_headers),
                metadata=_metadata(resp_headers),
                timer=answer.timer,
            )

    async def delete_object(
        self,
        bucket: str,
        key: str,
        *,
        version_id: str | None = None,
        if_match: str | None = None,
    ) -> DeletedObject:
        """Delete ``key`` (or one of its versions). Deleting a missing key succeeds, as S3.

        ``if_match`` (an ETag) deletes the object only while it is that one (412
        PreconditionFailed otherwise). A server that does not implement conditional deletes
        (501) is asked again without the condition, and never again by this client.
        """
        query = {"versionId": version_id} if version_id else None
        url = self.url(bucket, key, query)
        headers: Mapping[str, str] = {}
        if if_match is not None and self._conditional_delete:
            try:
                _, headers, _ = await self.call(
                    "DELETE",
                    url,
                    headers={"If-Match": if_match},
                    payload_hash=EMPTY_SHA256,
                    expect=(204, 200),
                )
            except RemoteError as exc:
                if exc.status != 501 and exc.code != "NotImplemented":
                    raise
                log.info("the server refuses conditional deletes (%s)", exc)
                self._conditional_delete = False
            else:
                return self._deleted(key, version_id, headers)
        _, headers, _ = await self.call("DELETE", url, payload_hash=EMPTY_SHA256, expect=(204, 200))
        return self._deleted(key, version_id, headers)

    @staticmethod
    def _deleted(key: str, version_id: str | None, headers: Mapping[str, str]) -> DeletedObject:
        marker = headers.get("x-amz-delete-marker", "").lower() == "true"
        returned_version = headers.get("x-amz-version-id")
        return DeletedObject(
            key=key,
            version_id=version_id or (None if marker else returned_version),
            delete_marker=marker,
            delete_marker_version_id=returned_version if marker else None,
        )

    async def delete_objects(
        self,
        bucket: str,
        objects: Iterable[str | ObjectIdentifier],
        *,
        quiet: bool = True,
    ) -> DeleteObjectsResult:
        """Delete many keys: DeleteObjects requests of up to 1,000 keys, sent concurrently.

        Per-key failures come back in ``errors`` (typed, with S3's code); a failed request
        raises. ``quiet`` (the default) lists only failures. A key XML cannot carry (a control
        character), or holding a CR (which XML parsers normalize to LF unless written as a
        character reference, and not every server's parser honours one), is deleted with its
        own DeleteObject.
        """
        batch: list[ObjectIdentifier] = []
        batches: list[list[ObjectIdentifier]] = [batch]
        singles: list[ObjectIdentifier] = []
        for item in objects:
            obj = ObjectIdentifier(item) if isinstance(item, str) else item
            try:
                xml_text(obj.key)
            except ValueError:
                singles.append(obj)
                continue
            if "\r" in obj.key:  # XML parsers that normalize line ends lose a CR
                singles.append(obj)
                continue
            if len(batch) == MAX_DELETE_KEYS:
                batch = []
                batches.append(batch)
            batch.append(obj)
        async with asyncio.TaskGroup() as tg:
            tasks = [tg.create_task(self._delete_batch(bucket, b, quiet)) for b in batches if b]
            single_tasks = [tg.create_task(self._delete_single(bucket, o)) for o in singles]
        deleted: list[DeletedObject] = []
        errors: list[DeleteError] = []
        for task in tasks:
            if not quiet:  # some servers (moto) list deleted keys in quiet mode too
                deleted += task.result().deleted
            errors += task.result().errors
        for single in single_tasks:
            outcome = single.result()
            if isinstance(outcome, DeleteError):
                errors.append(outcome)
            elif not quiet:
                deleted.append(outcome)
        return DeleteObjectsResult(deleted, errors)

    async def _delete_batch(
        self, bucket: str, objects: Sequence[ObjectIdentifier], quiet: bool
    ) -> DeleteObjectsResult:
        body = build_delete(objects, quiet=quiet)
        sha = hashlib.sha256(body).hexdigest()
        if self._checksum_mode is ChecksumMode.WHEN_SUPPORTED:
            integrity = {
                "x-amz-checksum-sha256": Checksum.sha256_hex(sha).value,
                "x-amz-sdk-checksum-algorithm": "SHA256",
            }
        else:
            integrity = {"Content-MD5": content_md5(body)}
        headers = {"Content-Type": _XML, "Content-Length": str(len(body)), **integrity}
        status, _, data = await self.call(
            "POST",
            self.url(bucket, query={"delete": None}),
            headers=headers,
            body=body,
            payload_hash=sha,
        )
        return self._parsed(parse_delete_result, data, status)

    async def _delete_single(
        self, bucket: str, obj: ObjectIdentifier
    ) -> DeletedObject | DeleteError:
        try:
            return await self.delete_object(bucket, obj.key, version_id=obj.version_id)
        except RemoteError as exc:
            return DeleteError(obj.key, obj.version_id, exc.code, exc.message)

    async def restore_object(
        self,
        bucket: str,
        key: str,
        *,
        days: int | None,
        tier: str = "Standard",
        version_id: str | None = None,
    ) -> RestoreOutcome:
        """Ask for a temporary readable copy of an archived object for ``days`` days.

        202 is ACCEPTED, 409 RestoreAlreadyInProgress is IN_PROGRESS, 200 (a copy is already
        readable; its expiry is moved) is ALREADY_RESTORED. ``tier``: Expedited, Standard or
        Bulk. ``days`` None for INTELLIGENT_TIERING's archive tiers, which take none.
        """
        query: dict[str, str | None] = {"restore": None}
        if version_id:
            query["versionId"] = version_id
        try:
            status, _, _ = await self._xml_call(
                "POST", self.url(bucket, key, query), build_restore(days, tier), expect=(200, 202)
            )
        except RemoteError as exc:
            if exc.code == "RestoreAlreadyInProgress":
                return RestoreOutcome.IN_PROGRESS
            raise
        return RestoreOutcome.ACCEPTED if status == 202 else RestoreOutcome.ALREADY_RESTORED

    # ---------------------------------------------------------------- listing

    async def list_object_pages(
        self,
        bucket: str,
        *,
        prefix: str | None = None,
        start_after: str | None = None,
        continuation_token: str | None = None,
        delimiter: str | None = None,
        page_size: int | None = None,
        restore_status: bool = True,
    ) -> AsyncIterator[ObjectListPage]:
        """Every ListObjectsV2 page, from ``continuation_token`` (or the first) to the last.

        ``restore_status`` asks for each archived object's restore state in the listing
        (``x-amz-optional-object-attributes: RestoreStatus``); a server that refuses the header
        (400 InvalidArgument or 501) is asked again without it, and never again by this client.
        """
        token = continuation_token
        while True:
            query: dict[str, str | None] = {"list-type": "2", "encoding-type": "url"}
            if prefix:
                query["prefix"] = prefix
            if start_after and token is None:
                query["start-after"] = start_after
            if token is not None:
                query["continuation-token"] = token
            if delimiter:
                query["delimiter"] = delimiter
            if page_size:
                query["max-keys"] = str(page_size)
            url = self.url(bucket, query=query)
            status, body = await self._list_page(url, restore_status)
            page = self._parsed(parse_list_objects_v2, body, status)
            yield page
            if page.next_token is None:
                return
            token = page.next_token

    async def _list_page(self, url: str, restore_status: bool) -> tuple[int, bytes]:
        if restore_status and self._restore_status_header:
            headers = {"x-amz-optional-object-attributes": "RestoreStatus"}
            try:
                status, _, body = await self.call(
                    "GET", url, headers=headers, payload_hash=EMPTY_SHA256
                )
            except RemoteError as exc:
                if exc.status not in (400, 501) or exc.code not in (
                    "InvalidArgument",
                    "InvalidRequest",
                    "NotImplemented",
                ):
                    raise
                log.info("the server refuses RestoreStatus in listings (%s)", exc)
                self._restore_status_header = False
            else:
                return status, body
        status, _, body = await self.call("GET", url, payload_hash=EMPTY_SHA256)
        return status, body

    async def list_objects_v2(
        self,
        bucket: str,
        *,
        prefix: str | None = None,
        start_after: str | None = None,
        continuation_token: str | None = None,
        page_size: int | None = None,
        restore_status: bool = True,
    ) -> AsyncIterator[ListedObject]:
        """Every object under ``prefix`` (after ``start_after``), following every page."""
        async for page in self.list_object_pages(
            bucket,
            prefix=prefix,
            start_after=start_after,
            continuation_token=continuation_token,
            page_size=page_size,
            restore_status=restore_status,
        ):
            for obj in page.objects:
                yield obj

    # ---------------------------------------------------------------- multipart

    async def create_multipart_upload(
        self,
        bucket: str,
        key: str,
        *,
        storage_class: str | None = None,
        metadata: Mapping[str, str] | None = None,
        checksum_algorithm: ChecksumAlgorithm | None = ChecksumAlgorithm.SHA256,
        checksum_type: str | None = None,
        content_type: str = _OCTET,
    ) -> str:
        """Start a multipart upload; returns its upload id.

        ``checksum_algorithm`` is the algorithm every part's checksum will use (not sent with
        ``WHEN_REQUIRED``); ``checksum_type`` FULL_OBJECT or COMPOSITE (SHA-1 and SHA-256 are
        composite only). A conditional write (``If-None-Match``) is checked at completion:
        see :meth:`complete_multipart_upload`.
        """
        headers = {"Content-Type": content_type}
        if storage_class:
            headers["x-amz-storage-class"] = storage_class
        if checksum_algorithm is not None and self._checksum_mode is ChecksumMode.WHEN_SUPPORTED:
            headers["x-amz-checksum-algorithm"] = checksum_algorithm.value
            if checksum_type:
                headers["x-amz-checksum-type"] = checksum_type
        headers.update(_metadata_headers(metadata))
        status, _, body = await self.call(
            "POST",
            self.url(bucket, key, {"uploads": None}),
            headers=headers,
            payload_hash=EMPTY_SHA256,
        )
        return self._parsed(parse_initiate_multipart, body, status)

    async def upload_part(
        self,
        bucket: str,
        key: str,
        upload_id: str,
        part_number: int,
        body: bytes | memoryview,
        *,
        sha256: str | None = None,
        checksum: Checksum | None = None,
        content_md5: str | None = None,
        retry: bool = True,
    ) -> UploadedPart:
        """Upload part ``part_number`` (1 to 10,000); returns its ETag and checksum."""
        if not 1 <= part_number <= 10000:
            raise ValueError(f"part numbers are 1 to 10,000, not {part_number}")
        headers = {"Content-Type": _OCTET, "Content-Length": str(len(body))}
        query = {"partNumber": str(part_number), "uploadId": upload_id}
        etag, _, stored, sent = await self._put_data(
            "UploadPart",
            self.url(bucket, key, query),
            headers,
            body,
            checksum,
            sha256,
            content_md5,
            retry,
        )
        return UploadedPart(
            part_number=part_number, etag=etag, size=len(body), checksum=stored or sent
        )

    async def list_parts(
        self, bucket: str, key: str, upload_id: str, *, page_size: int | None = None
    ) -> list[UploadedPart]:
        """Every part the service holds for an upload (all pages), in part-number order."""
        parts: list[UploadedPart] = []
        marker: str | None = None
        while True:
            query: dict[str, str | None] = {"uploadId": upload_id}
            if marker:
                query["part-number-marker"] = marker
            if page_size:
                query["max-parts"] = str(page_size)
            status, _, body = await self.call(
                "GET", self.url(bucket, key, query), payload_hash=EMPTY_SHA256
            )
            page = self._parsed(parse_list_parts, body, status)
            parts += page.parts
            if page.next_marker is None:
                return sorted(parts, key=lambda p: p.part_number)
            if page.next_marker == marker:
                raise _invalid_response("ListParts returned the same page twice", status)
            marker = page.next_marker

    async def complete_multipart_upload(
        self,
        bucket: str,
        key: str,
        upload_id: str,
        parts: Iterable[CompletedPart | UploadedPart],
        *,
        checksum: Checksum | None = None,
        if_none_match: bool = False,
    ) -> CompletedUpload:
        """Assemble the parts into the object.

        ``checksum``: the whole object's checksum, checked by S3 (FULL_OBJECT uploads).
        ``if_none_match`` refuses to replace an existing object (412 PreconditionFailed). S3 may
        answer 200 with an error document: it is raised like any error. Retried after a lost
        answer, a completion that did succeed reports NoSuchUpload: the caller can then
        HeadObject the key.
        """
        entries = [p.completed() if isinstance(p, UploadedPart) else p for p in parts]
        headers: dict[str, str] = {}
        if checksum is not None and self._checksum_mode is ChecksumMode.WHEN_SUPPORTED:
            headers[checksum.header] = checksum.value
        if if_none_match:
            headers["If-None-Match"] = "*"
        status, resp_headers, body = await self._complete(
            self.url(bucket, key, {"uploadId": upload_id}),
            build_complete_multipart(entries),
            headers,
        )
        result = self._parsed(parse_complete_multipart, body, status)
        return CompletedUpload(
            etag=result.etag or resp_headers.get("ETag", ""),
            version_id=resp_headers.get("x-amz-version-id"),
            checksum=result.checksum or _response_checksum(resp_headers),
            location=result.location,
            checksum_type=result.checksum_type or resp_headers.get("x-amz-checksum-type"),
        )

    async def _complete(
        self, url: str, body: bytes, headers: Mapping[str, str]
    ) -> tuple[int, Mapping[str, str], bytes]:
        # S3 may answer 200 with an <Error> document: checked in every attempt, so that a
        # retryable one is retried like any other error.
        return await self._xml_call("POST", url, body, headers=headers, check=_no_error_document)

    async def abort_multipart_upload(self, bucket: str, key: str, upload_id: str) -> None:
        """Abort a multipart upload (its parts are discarded)."""
        await self.call(
            "DELETE",
            self.url(bucket, key, {"uploadId": upload_id}),
            payload_hash=EMPTY_SHA256,
            expect=(204,),
        )

    async def list_multipart_uploads(
        self, bucket: str, *, prefix: str | None = None, page_size: int | None = None
    ) -> list[MultipartUpload]:
        """Every multipart upload in progress under ``prefix`` (all pages)."""
        uploads: list[MultipartUpload] = []
        key_marker: str | None = None
        upload_id_marker: str | None = None
        while True:
            query: dict[str, str | None] = {"uploads": None, "encoding-type": "url"}
            if prefix:
                query["prefix"] = prefix
            if key_marker is not None:
                query["key-marker"] = key_marker
                if upload_id_marker:
                    query["upload-id-marker"] = upload_id_marker
            if page_size:
                query["max-uploads"] = str(page_size)
            status, _, body = await self.call(
                "GET", self.url(bucket, query=query), payload_hash=EMPTY_SHA256
            )
            page = self._parsed(parse_list_uploads, body, status)
            uploads += page.uploads
            if page.next_key_marker is None:
                return uploads
            if (page.next_key_marker, page.next_upload_id_marker) == (
                key_marker,
                upload_id_marker,
            ):
                raise _invalid_response("ListMultipartUploads returned the same page twice", status)
            key_marker, upload_id_marker = page.next_key_marker, page.next_upload_id_marker


#: (method, query sub-resource) -> operation name, for retry lines.
_OPERATIONS = {
    ("PUT", "partNumber"): "upload_part",
    ("POST", "uploads"): "create_multipart_upload",
    ("POST", "uploadId"): "complete_multipart_upload",
    ("GET", "uploadId"): "list_parts",
    ("DELETE", "uploadId"): "abort_multipart_upload",
    ("GET", "uploads"): "list_multipart_uploads",
    ("POST", "restore"): "restore_object",
    ("POST", "delete"): "delete_objects",
    ("GET", "list-type"): "list_objects_v2",
    ("GET", "versioning"): "get_bucket_versioning",
    ("PUT", "versioning"): "put_bucket_versioning",
}
_OBJECT_OPERATIONS = {
    "PUT": "put_object",
    "GET": "get_object",
    "HEAD": "head_object",
    "DELETE": "delete_object",
}


def _operation(method: str, url: str) -> str:
    """The S3 operation a request is (``upload_part``...), for people."""
    _, _, query = url.partition("?")
    names = {item.partition("=")[0] for item in query.split("&") if item}
    for (verb, name), operation in _OPERATIONS.items():
        if verb == method and name in names:
            return operation
    return _OBJECT_OPERATIONS.get(method, method.lower())


def _hexdigest(body: bytes | memoryview) -> str:
    return hashlib.sha256(body).hexdigest()
