"""The Amazon Glacier vault API over aiohttp, signed with our own SigV4 signer.

aiobotocore's full request pipeline costs 2 to 2.7 ms of client CPU per request; the data path
of a sync of many small files cannot afford that. This client builds each REST request directly
(the API is small and documented), signs it with :class:`~aioglacier.sigv4.SigV4Signer` (whose
output a test proves equal to botocore's), and sends it on one shared aiohttp session. Every
request takes a slot of the shared :class:`~aioglacier.limits.RequestLimiter`; transient failures
are retried with full-jitter backoff, releasing the slot while waiting.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

import aiohttp

from aioglacier.bandwidth import Bandwidth
from aioglacier.config import Timeouts
from aioglacier.errors import RemoteError, remote_error
from aioglacier.http import RetryListener, SignedApi, SignedHttp
from aioglacier.limits import RequestLimiter
from aioglacier.retry import RETRYABLE_CODES, RetryPolicy
from aioglacier.sigv4 import EMPTY_SHA256, SigV4Signer
from aioglacier.transport import AttemptTimer, read_body
from aioglacier.validate import validate_vault_name

__all__ = [
    "GLACIER_API_VERSION",
    "CompletionUnknownError",
    "GlacierApi",
    "JobOutput",
    "MultipartPart",
    "RetryListener",
    "VaultInfo",
    "glacier_endpoint",
]

log = logging.getLogger(__name__)
T = TypeVar("T")

GLACIER_API_VERSION = "2012-06-01"


class CompletionUnknownError(RemoteError):
    """A Complete Multipart Upload whose answer was lost was retried, and the service no longer
    knew the upload: the first Complete may have created an archive that nothing records.

    The vault API offers no way to find that archive but an inventory; a store that can look
    it up does so in :meth:`GlacierApi.find_completed_archive` instead of raising this.
    """

    def __init__(self, vault: str, upload_id: str) -> None:
        super().__init__(
            "CompletionUnknown",
            "the answer to Complete Multipart Upload was lost and its retry found the upload "
            "gone: an archive may have been created that the journal does not record (a vault "
            "inventory lists it); the next sync uploads the file again",
        )
        self.vault = vault
        self.upload_id = upload_id


def glacier_endpoint(region: str, protocol: str = "https") -> str:
    """AWS's regional Glacier endpoint."""
    return f"{protocol}://glacier.{region}.amazonaws.com"


@dataclass(frozen=True)
class VaultInfo:
    """One vault as Describe Vault / List Vaults report it."""

    name: str
    arn: str
    creation_date: str
    last_inventory_date: str | None
    number_of_archives: int
    size_in_bytes: int

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> VaultInfo:
        """Build from the service's JSON object."""
        return cls(
            name=str(data["VaultName"]),
            arn=str(data.get("VaultARN", "")),
            creation_date=str(data.get("CreationDate", "")),
            last_inventory_date=data.get("LastInventoryDate"),
            number_of_archives=int(data.get("NumberOfArchives") or 0),
            size_in_bytes=int(data.get("SizeInBytes") or 0),
        )


@dataclass(frozen=True)
class MultipartPart:
    """A part already stored by the service: byte range (inclusive) and tree hash (hex)."""

    start: int
    end: int
    tree_hash: str


@dataclass
class JobOutput:
    """An open Get Job Output response: status, headers, and the body stream.

    Read the body with :meth:`read` (the stall limit applies to it).
    """

    status: int
    headers: Mapping[str, str]
    content: aiohttp.StreamReader
    timer: AttemptTimer

    @property
    def tree_hash(self) -> str | None:
        """The ``x-amz-sha256-tree-hash`` header, when the service sent one."""
        return self.headers.get("x-amz-sha256-tree-hash")

    async def read(self) -> bytes:
        """The whole body; no byte arriving for the stall limit fails the attempt."""
        return await read_body(self.content, self.timer)


def _error_from_response(status: int, body: bytes, headers: Mapping[str, str]) -> RemoteError:
    code = f"HTTP{status}"
    message = ""
    try:
        data = json.loads(body) if body else {}
        if isinstance(data, dict):
            code = str(data.get("code") or data.get("__type") or code)
            message = str(data.get("message") or data.get("Message") or "")
    except ValueError:
        message = body[:200].decode("utf-8", "replace").strip()
    retryable = status >= 500 or status == 408 or code in RETRYABLE_CODES
    return remote_error(
        code,
        message,
        status=status,
        retryable=retryable,
        request_id=headers.get("x-amzn-RequestId"),
    )


class GlacierApi(SignedApi):
    """Typed calls of the Glacier vault API on one aiohttp session.

    The caller owns ``session`` and ``limiter``; this object owns nothing that needs closing.
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
        account_id: str = "-",
        timeouts: Timeouts | None = None,
        listener: RetryListener | None = None,
        bandwidth: Bandwidth | None = None,
    ) -> None:
        super().__init__(
            SignedHttp(
                session,
                signer,
                limiter,
                retry,
                _error_from_response,
                timeouts=timeouts,
                listener=listener,
                bandwidth=bandwidth,
            )
        )
        self._endpoint = endpoint.rstrip("/")
        self._account = quote(account_id, safe="")
        self._paths: dict[tuple[str, ...], str] = {}

    def __repr__(self) -> str:
        return f"GlacierApi(endpoint={self._endpoint!r}, region={self._signer.region!r})"

    @property
    def timeouts(self) -> Timeouts:
        """The time limits of every request."""
        return self._http.limits

    # ---------------------------------------------------------------- plumbing

    def _url(self, *segments: str, query: Mapping[str, str] | None = None) -> str:
        url = self._paths.get(segments)
        if url is None:
            if len(segments) > 1 and segments[0] == "vaults":
                validate_vault_name(segments[1])  # nothing else reaches the path
            path = "/".join(quote(s, safe="") for s in (self._account, *segments))
            url = f"{self._endpoint}/{path}"
            if len(self._paths) < 256:  # vault-level paths repeat for every archive
                self._paths[segments] = url
        if query:
            url += "?" + urlencode(sorted(query.items()), quote_via=quote, safe="-_.~")
        return url

    async def retried(
        self,
        operation: str,
        attempt: Callable[[float], Awaitable[T]],
        *,
        retry: bool = True,
        policy: RetryPolicy | None = None,
        on_retry: Callable[[int, BaseException], None] | None = None,
    ) -> T:
        """Await ``attempt(deadline_at)``, retried as :meth:`aioglacier.http.SignedHttp.retried`
        says: until it succeeds, fails for good, attempts run out or the deadline passes."""
        return await self._http.retried(
            operation, attempt, retry=retry, policy=policy, on_retry=on_retry
        )

    async def call(
        self,
        method: str,
        *segments: str,
        operation: str = "request",
        query: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        body: bytes = b"",
        payload_hash: str | None = None,
        expect: tuple[int, ...] = (200,),
        retry: bool = True,
        on_retry: Callable[[int, BaseException], None] | None = None,
    ) -> tuple[int, Mapping[str, str], bytes]:
        """Send one request (retried when transient) and return status, headers and body.

        ``operation`` names it in retry events and errors (``upload_part``...).
        """
        url = self._url(*segments, query=query)
        if payload_hash is None:
            payload_hash = hashlib.sha256(body).hexdigest() if body else EMPTY_SHA256
        all_headers = {"x-amz-glacier-version": GLACIER_API_VERSION}
        if headers:
            all_headers.update(headers)
        return await self._http.request(
            method,
            url,
            operation=operation,
            headers=all_headers,
            body=body,
            payload_hash=payload_hash,
            expect=expect,
            retry=retry,
            on_retry=on_retry,
        )

    async def call_json(self, method: str, *segments: str, **kwargs: Any) -> dict[str, Any]:
        """Like :meth:`call`, and decode the JSON body."""
        _, _, data = await self.call(method, *segments, **kwargs)
        result = json.loads(data) if data else {}
        if not isinstance(result, dict):
            raise RemoteError("InvalidResponse", "expected a JSON object", status=200)
        return result

    async def _pages(
        self, *segments: str, operation: str, query: Mapping[str, str] | None = None
    ) -> AsyncIterator[dict[str, Any]]:
        """Each page (decoded JSON) of a listing, following its ``Marker`` to the last."""
        marker: str | None = None
        while True:
            page_query = dict(query or {})
            if marker:
                page_query["marker"] = marker
            data = await self.call_json("GET", *segments, operation=operation, query=page_query)
            yield data
            marker = data.get("Marker")
            if not marker:
                return

    # ---------------------------------------------------------------- vaults

    async def create_vault(self, vault: str) -> str:
        """Create ``vault`` (idempotent, as AWS); returns its location."""
        _, headers, _ = await self.call(
            "PUT", "vaults", vault, operation="create_vault", expect=(201,)
        )
        return headers.get("Location", "")

    async def delete_vault(self, vault: str) -> None:
        """Delete an empty vault."""
        await self.call("DELETE", "vaults", vault, operation="delete_vault", expect=(204,))

    async def describe_vault(self, vault: str) -> VaultInfo:
        """Describe one vault."""
        return VaultInfo.from_json(
            await self.call_json("GET", "vaults", vault, operation="describe_vault")
        )

    async def list_vaults(self, *, page_size: int | None = None) -> AsyncIterator[VaultInfo]:
        """Every vault of the account, following every page."""
        query = {"limit": str(page_size)} if page_size else {}
        async for data in self._pages("vaults", operation="list_vaults", query=query):
            for item in data.get("VaultList") or []:
                yield VaultInfo.from_json(item)

    # ---------------------------------------------------------------- archives

    async def upload_archive(
        self,
        vault: str,
        body: bytes,
        *,
        description: str,
        tree_hash: str,
        sha256: str,
        retry: bool = True,
    ) -> str:
        """Upload ``body`` as one archive; returns the archive id."""
        headers = {
            "x-amz-archive-description": description,
            "x-amz-sha256-tree-hash": tree_hash,
            "x-amz-content-sha256": sha256,
            "Content-Length": str(len(body)),
            # aiohttp would add this unsigned; we send (and sign) exactly what goes out.
            "Content-Type": "application/octet-stream",
        }
        _, resp_headers, _ = await self.call(
            "POST",
            "vaults",
            vault,
            "archives",
            operation="upload_archive",
            headers=headers,
            body=body,
            payload_hash=sha256,
            expect=(201,),
            retry=retry,
        )
        return self._checked_archive_id(resp_headers, tree_hash)

    @staticmethod
    def _checked_archive_id(headers: Mapping[str, str], tree_hash: str) -> str:
        archive_id = headers.get("x-amz-archive-id")
        if not archive_id:
            raise RemoteError("InvalidResponse", "no x-amz-archive-id in the response", status=201)
        echoed = headers.get("x-amz-sha256-tree-hash")
        if echoed is not None and echoed != tree_hash:
            raise RemoteError(
                "TreeHashMismatch",
                f"service computed tree hash {echoed}, expected {tree_hash}",
                status=201,
            )
        return archive_id

    async def delete_archive(self, vault: str, archive_id: str) -> None:
        """Delete one archive."""
        await self.call(
            "DELETE",
            "vaults",
            vault,
            "archives",
            archive_id,
            operation="delete_archive",
            expect=(204,),
        )

    # ---------------------------------------------------------------- multipart

    async def initiate_multipart(self, vault: str, *, part_size: int, description: str) -> str:
        """Start a multipart upload; returns its upload id."""
        headers = {"x-amz-part-size": str(part_size), "x-amz-archive-description": description}
        _, resp_headers, _ = await self.call(
            "POST",
            "vaults",
            vault,
            "multipart-uploads",
            operation="initiate_multipart_upload",
            headers=headers,
            expect=(201,),
        )
        upload_id = resp_headers.get("x-amz-multipart-upload-id")
        if not upload_id:
            raise RemoteError("InvalidResponse", "no x-amz-multipart-upload-id", status=201)
        return upload_id

    async def upload_part(
        self,
        vault: str,
        upload_id: str,
        start: int,
        body: bytes,
        *,
        tree_hash: str,
        sha256: str,
        retry: bool = True,
    ) -> None:
        """Upload the part at offset ``start``."""
        headers = {
            "Content-Range": f"bytes {start}-{start + len(body) - 1}/*",
            "x-amz-sha256-tree-hash": tree_hash,
            "x-amz-content-sha256": sha256,
            "Content-Length": str(len(body)),
            # aiohttp would add this unsigned; we send (and sign) exactly what goes out.
            "Content-Type": "application/octet-stream",
        }
        await self.call(
            "PUT",
            "vaults",
            vault,
            "multipart-uploads",
            upload_id,
            operation="upload_part",
            headers=headers,
            body=body,
            payload_hash=sha256,
            expect=(204,),
            retry=retry,
        )

    async def list_parts(self, vault: str, upload_id: str) -> tuple[int, list[MultipartPart]]:
        """The part size and every stored part of an upload (all pages)."""
        parts: list[MultipartPart] = []
        part_size = 0
        async for data in self._pages(
            "vaults", vault, "multipart-uploads", upload_id, operation="list_parts"
        ):
            part_size = int(data.get("PartSizeInBytes") or part_size)
            for item in data.get("Parts") or []:
                first, _, last = str(item["RangeInBytes"]).partition("-")
                parts.append(MultipartPart(int(first), int(last), str(item["SHA256TreeHash"])))
        return part_size, parts

    async def list_multipart_uploads(self, vault: str) -> list[dict[str, Any]]:
        """Every multipart upload in progress in ``vault`` (all pages)."""
        uploads: list[dict[str, Any]] = []
        pages = self._pages(
            "vaults", vault, "multipart-uploads", operation="list_multipart_uploads"
        )
        async for data in pages:
            uploads.extend(data.get("UploadsList") or [])
        return uploads

    async def complete_multipart(
        self, vault: str, upload_id: str, *, archive_size: int, tree_hash: str
    ) -> str:
        """Finish a multipart upload; returns the archive id.

        Complete is idempotent on AWS: a retry after a lost answer gets the same archive. When
        a retry finds the upload gone instead, the first attempt may have created the archive:
        :meth:`find_completed_archive` is asked for it, and
        :class:`CompletionUnknownError` raised when it cannot tell.
        """
        headers = {"x-amz-archive-size": str(archive_size), "x-amz-sha256-tree-hash": tree_hash}
        retried = False

        def note(attempt: int, error: BaseException) -> None:
            nonlocal retried
            retried = True

        try:
            _, resp_headers, _ = await self.call(
                "POST",
                "vaults",
                vault,
                "multipart-uploads",
                upload_id,
                operation="complete_multipart_upload",
                headers=headers,
                expect=(201,),
                on_retry=note,
            )
        except RemoteError as exc:
            if not retried or exc.code != "ResourceNotFoundException":
                raise
            found = await self.find_completed_archive(
                vault, upload_id, archive_size=archive_size, tree_hash=tree_hash
            )
            if found is None:
                raise CompletionUnknownError(vault, upload_id) from None
            return found
        return self._checked_archive_id(resp_headers, tree_hash)

    async def find_completed_archive(
        self, vault: str, upload_id: str, *, archive_size: int, tree_hash: str
    ) -> str | None:
        """The archive a completed multipart upload created, when the store can tell; None
        when it cannot.

        The vault API cannot: a completed upload leaves no trace but the archive, which only an
        inventory (hours later) shows. A backend whose store can look the object up (S3: the
        key, its size and checksum) overrides this, so that a retried Complete never leaves an
        archive nobody knows.
        """
        return None

    async def abort_multipart(self, vault: str, upload_id: str) -> None:
        """Abort a multipart upload (its parts are discarded)."""
        await self.call(
            "DELETE",
            "vaults",
            vault,
            "multipart-uploads",
            upload_id,
            operation="abort_multipart_upload",
            expect=(204,),
        )

    # ---------------------------------------------------------------- jobs

    async def initiate_job(self, vault: str, parameters: Mapping[str, Any]) -> str:
        """Start a retrieval or inventory job; returns its job id."""
        body = json.dumps(dict(parameters)).encode()
        _, headers, _ = await self.call(
            "POST",
            "vaults",
            vault,
            "jobs",
            operation="initiate_job",
            body=body,
            headers={"Content-Type": "application/json"},
            expect=(202,),
        )
        job_id = headers.get("x-amz-job-id")
        if not job_id:
            raise RemoteError("InvalidResponse", "no x-amz-job-id in the response", status=202)
        return job_id

    async def describe_job(self, vault: str, job_id: str) -> dict[str, Any]:
        """Describe one job."""
        return await self.call_json(
            "GET", "vaults", vault, "jobs", job_id, operation="describe_job"
        )

    async def list_jobs(
        self,
        vault: str,
        *,
        completed: bool | None = None,
        statuscode: str | None = None,
        page_size: int | None = None,
    ) -> AsyncIterator[dict[str, Any]]:
        """Every job of ``vault`` matching the filters, following every page."""
        query: dict[str, str] = {}
        if completed is not None:
            query["completed"] = "true" if completed else "false"
        if statuscode:
            query["statuscode"] = statuscode
        if page_size:
            query["limit"] = str(page_size)
        async for data in self._pages("vaults", vault, "jobs", operation="list_jobs", query=query):
            for job in data.get("JobList") or []:
                yield job

    @asynccontextmanager
    async def job_output(
        self,
        vault: str,
        job_id: str,
        *,
        byte_range: tuple[int, int] | None = None,
        deadline_at: float | None = None,
    ) -> AsyncIterator[JobOutput]:
        """Open Get Job Output (one attempt, holding a request slot while the body streams).

        ``byte_range`` is inclusive. Read the body with :meth:`JobOutput.read`: the first-byte
        and stall limits apply, and ``deadline_at`` (a loop time; default: the request
        deadline from now) bounds the whole. The caller retries (see :meth:`retried`).
        """
        url = self._url("vaults", vault, "jobs", job_id, "output")
        headers = {"x-amz-glacier-version": GLACIER_API_VERSION}
        if byte_range is not None:
            headers["Range"] = f"bytes={byte_range[0]}-{byte_range[1]}"
        async with self._http.open(
            "GET", url, headers, expect=(200, 206), deadline_at=deadline_at
        ) as answer:
            yield JobOutput(answer.status, answer.headers, answer.content, answer.timer)
