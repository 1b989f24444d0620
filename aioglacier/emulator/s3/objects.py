"""The S3 API's object operations: put, get and head, delete, restore."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from aioglacier.emulator.s3 import protocol as wire
from aioglacier.emulator.s3.body import close_segments, open_segments, read_small
from aioglacier.emulator.s3.checksums import checksum_header
from aioglacier.emulator.s3.errors import (
    S3Error,
    invalid_request,
    malformed_xml,
    no_such_key,
    not_implemented,
)
from aioglacier.emulator.s3.models import (
    ARCHIVED_CLASSES,
    MAX_PUT_SIZE,
    RESTORE_DELAYS,
    TIER_SPEED,
    BucketRecord,
    ObjectRecord,
    http_date,
    restore_expiry,
)
from aioglacier.emulator.s3.protocol import Ctx, S3Handlers
from aioglacier.emulator.s3.xml import NAMESPACE, element
from aioglacier.emulator.storage import discard
from aioglacier.emulator.transfer import CHUNK, send_answer

__all__ = ["ObjectHandlers"]

_log = logging.getLogger(__name__)


class ObjectHandlers(S3Handlers):
    """PutObject, GetObject and HeadObject, DeleteObject(s), RestoreObject."""

    async def put_object(self, ctx: Ctx) -> web.StreamResponse:
        """PutObject: the body, verified against its digests, becomes the latest version."""
        bucket = self._bucket(ctx)
        headers = ctx.headers
        self._check_key(ctx.key)
        self._payload_length(ctx, MAX_PUT_SIZE)
        storage_class = self._storage_class(headers)
        metadata = self._metadata(headers)
        if_none_match, if_match = self._conditions(headers)
        if wire.content_md5(headers) is None and headers.get("Content-MD5") is not None:
            raise S3Error("InvalidDigest", "The Content-MD5 you specified was invalid.", 400)
        algorithm, _, _ = wire.requested_checksum(headers)
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

    async def _find(self, ctx: Ctx) -> tuple[BucketRecord, ObjectRecord]:
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

    def _check_preconditions(self, ctx: Ctx, record: ObjectRecord) -> bool:
        """Evaluate GET/HEAD conditions; False means 304 Not Modified."""
        headers = ctx.headers
        etag = record.etag
        modified = float(int(record.last_modified))
        if_match = headers.get("If-Match")
        if if_match is not None and not wire.etag_matches(if_match, etag):
            raise S3Error("PreconditionFailed", wire.PRECONDITION, 412, {"Condition": "If-Match"})
        if if_match is None:
            since = headers.get("If-Unmodified-Since")
            when = wire.parse_http_date(since) if since else None
            if when is not None and modified > when:
                raise S3Error(
                    "PreconditionFailed",
                    wire.PRECONDITION,
                    412,
                    {"Condition": "If-Unmodified-Since"},
                )
        if_none_match = headers.get("If-None-Match")
        if if_none_match is not None:
            return not wire.etag_matches(if_none_match, etag)
        since = headers.get("If-Modified-Since")
        when = wire.parse_http_date(since) if since else None
        return not (when is not None and modified <= when)

    async def get_object(self, ctx: Ctx) -> web.StreamResponse:
        """GetObject and HeadObject (conditions, a Range; archived classes once restored)."""
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
            parsed = wire.parse_range(raw_range, size)
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
                return await self.get_object(ctx)  # replaced or deleted meanwhile
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
            return await self.get_object(ctx)
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

    async def delete_object(self, ctx: Ctx) -> web.StreamResponse:
        """DeleteObject (a version, or a delete marker in a versioned bucket)."""
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

    async def delete_objects(self, ctx: Ctx) -> web.StreamResponse:
        """DeleteObjects: every key in one transaction, an ``<Error>`` per key that fails."""
        bucket = self._bucket(ctx)
        headers = ctx.headers
        algorithm, _, _ = wire.requested_checksum(headers)
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
                if kind in wire.FAULT_ERRORS:
                    refused[index] = S3Error(*wire.FAULT_ERRORS[kind])
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
        return wire.xml_response("".join(parts))

    # -- restore -------------------------------------------------------------------------------

    async def restore_object(self, ctx: Ctx) -> web.StreamResponse:
        """RestoreObject of an archived storage class."""
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
