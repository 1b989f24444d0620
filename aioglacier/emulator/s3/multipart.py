"""The S3 API's multipart uploads: a part per blob, kept as the object's segments."""

from __future__ import annotations

import base64
import hashlib
import itertools
import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from aiohttp import web

from aioglacier.emulator.s3 import protocol as wire
from aioglacier.emulator.s3.checksums import (
    ALGORITHMS,
    checksum_header,
    combine_crc,
    composite_checksum,
)
from aioglacier.emulator.s3.errors import S3Error, invalid_argument, invalid_request, malformed_xml
from aioglacier.emulator.s3.models import (
    MAX_PARTS,
    MAX_PUT_SIZE,
    MIN_PART_SIZE,
    ObjectRecord,
    PartEntry,
    S3UploadRecord,
    iso_date,
)
from aioglacier.emulator.s3.protocol import Ctx, S3Handlers
from aioglacier.emulator.s3.xml import NAMESPACE, element
from aioglacier.emulator.storage import discard

__all__ = ["MultipartHandlers"]

_log = logging.getLogger(__name__)


class MultipartHandlers(S3Handlers):
    """Create, upload parts, list, complete and abort multipart uploads."""

    async def create_multipart_upload(self, ctx: Ctx) -> web.StreamResponse:
        """CreateMultipartUpload."""
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
        return wire.xml_response(
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

    async def upload_part(self, ctx: Ctx) -> web.StreamResponse:
        """UploadPart: one blob per part, verified against its digests and checksum."""
        bucket = self._bucket(ctx)
        part_number = self._part_number(ctx.query)
        upload_id = ctx.query["uploadId"]
        upload = await self.store.get_upload(bucket.name, ctx.key, upload_id)
        self._payload_length(ctx, MAX_PUT_SIZE)
        requested, _, _ = wire.requested_checksum(ctx.headers)
        algorithm = upload.checksum_algorithm
        if requested is not None and algorithm is not None and requested != algorithm:
            raise invalid_request(
                f"Checksum Type mismatch occurred, expected checksum Type: {algorithm.lower()}, "
                f"actual checksum Type: {requested.lower()}"
            )
        algorithm = algorithm or requested
        if wire.content_md5(ctx.headers) is None and ctx.headers.get("Content-MD5") is not None:
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

    async def list_parts(self, ctx: Ctx) -> web.StreamResponse:
        """ListParts (part-number marker, max-parts)."""
        bucket = self._bucket(ctx)
        query = ctx.query
        upload_id = query["uploadId"]
        max_parts = wire.int_param(query, "max-parts", 1000, 1000)
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
        return wire.xml_response(
            f'<ListPartsResult xmlns="{NAMESPACE}">{element("Bucket", bucket.name)}'
            f"{element('Key', ctx.key)}{element('UploadId', upload_id)}"
            f"{element('PartNumberMarker', marker)}"
            f"{element('NextPartNumberMarker', page[-1].part_number if page else 0)}"
            f"{element('MaxParts', max_parts)}{element('IsTruncated', bool(rest))}"
            f"{''.join(entries)}{initiator}{self._owner}"
            f"{element('StorageClass', upload.storage_class)}{checksum_info}</ListPartsResult>"
        )

    async def complete_multipart_upload(self, ctx: Ctx) -> web.StreamResponse:
        """CompleteMultipartUpload (idempotent for the same parts)."""
        bucket = self._bucket(ctx)
        upload_id = ctx.query["uploadId"]
        if_none_match, if_match = self._conditions(ctx.headers)
        full_algorithm, full_expected, _ = wire.requested_checksum(ctx.headers)
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
                    raise wire.invalid_part(upload_id, number, etag)
                if algorithm is not None and upload.checksum_type == "COMPOSITE":
                    given = checksums.get(algorithm)
                    if given is None:
                        raise invalid_request(
                            f"The upload was created using a {algorithm.lower()} checksum. The "
                            "complete request must include the checksum for each part. It was "
                            f"missing for part {number} in the request."
                        )
                    if part.checksum is not None and given != part.checksum:
                        raise wire.invalid_part(upload_id, number, etag)
                elif algorithm is not None and checksums.get(algorithm) not in (
                    None,
                    part.checksum,
                ):
                    raise wire.invalid_part(upload_id, number, etag)
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
                        raise wire.bad_checksum(algorithm)
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
        return wire.xml_response(
            f'<CompleteMultipartUploadResult xmlns="{NAMESPACE}">'
            f"{element('Location', location)}"
            f"{element('Bucket', bucket.name)}{element('Key', key)}"
            f"{element('ETag', result['etag'])}{checksum_xml}</CompleteMultipartUploadResult>",
            headers=answer,
        )

    async def abort_multipart_upload(self, ctx: Ctx) -> web.StreamResponse:
        """AbortMultipartUpload."""
        bucket = self._bucket(ctx)
        await self.store.abort_upload(bucket.name, ctx.key, ctx.query["uploadId"])
        return web.Response(status=204)

    async def list_multipart_uploads(self, ctx: Ctx) -> web.StreamResponse:
        """ListMultipartUploads (prefix, delimiter, key and upload-id markers)."""
        bucket = self._bucket(ctx)
        query = ctx.query
        encode = wire.encoder(query)
        prefix = query.get("prefix", "")
        delimiter = query.get("delimiter") or None
        max_uploads = wire.int_param(query, "max-uploads", 1000, 1000)
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
        return wire.xml_response("".join(body))


# -- module helpers ------------------------------------------------------------------------------
