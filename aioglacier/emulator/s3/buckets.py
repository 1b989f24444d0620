"""The S3 API's bucket operations and listings."""

from __future__ import annotations

import logging

from aiohttp import web

from aioglacier.emulator.s3 import protocol as wire
from aioglacier.emulator.s3.errors import S3Error, invalid_argument, malformed_xml, no_such_bucket
from aioglacier.emulator.s3.models import DEFAULT_REGION, iso_date
from aioglacier.emulator.s3.protocol import Ctx, S3Handlers
from aioglacier.emulator.s3.xml import NAMESPACE, element

__all__ = ["BucketHandlers"]

_log = logging.getLogger(__name__)


class BucketHandlers(S3Handlers):
    """Buckets: create, head, delete, location, versioning; the listings of objects and versions."""

    # -- buckets -------------------------------------------------------------------------------

    async def list_buckets(self, ctx: Ctx) -> web.StreamResponse:
        """ListBuckets (prefix, max-buckets, continuation token)."""
        prefix = ctx.query.get("prefix", "")
        limit = wire.int_param(ctx.query, "max-buckets", 10000, 10000)
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
        return wire.xml_response(
            f'<ListAllMyBucketsResult xmlns="{NAMESPACE}">{self._owner}'
            f"<Buckets>{buckets}</Buckets>{extra}</ListAllMyBucketsResult>"
        )

    async def create_bucket(self, ctx: Ctx) -> web.StreamResponse:
        """CreateBucket (LocationConstraint)."""
        name = ctx.bucket_name
        document = await self._read_xml(ctx, required=False)
        if not wire.valid_bucket_name(name):
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

    async def head_bucket(self, ctx: Ctx) -> web.StreamResponse:
        """HeadBucket (``x-amz-bucket-region``)."""
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

    async def delete_bucket(self, ctx: Ctx) -> web.StreamResponse:
        """DeleteBucket (an empty one; its unfinished uploads go with it)."""
        self._bucket(ctx)
        await self.store.delete_bucket(ctx.bucket_name)
        return web.Response(status=204)

    async def get_bucket_location(self, ctx: Ctx) -> web.StreamResponse:
        """GetBucketLocation."""
        record = self.store.buckets.get(ctx.bucket_name)
        if record is None:
            raise no_such_bucket(ctx.bucket_name)
        region = "" if record.region == DEFAULT_REGION else record.region
        return wire.xml_response(
            f'<LocationConstraint xmlns="{NAMESPACE}">{region}</LocationConstraint>'
        )

    async def get_bucket_versioning(self, ctx: Ctx) -> web.StreamResponse:
        """GetBucketVersioning."""
        record = self._bucket(ctx)
        status = element("Status", record.versioning) if record.versioning else ""
        return wire.xml_response(
            f'<VersioningConfiguration xmlns="{NAMESPACE}">{status}</VersioningConfiguration>'
        )

    async def put_bucket_versioning(self, ctx: Ctx) -> web.StreamResponse:
        """PutBucketVersioning (Enabled or Suspended)."""
        self._bucket(ctx)
        document = await self._read_xml(ctx)
        assert document is not None
        status = document.child_text("Status")
        if document.name != "VersioningConfiguration" or status not in ("Enabled", "Suspended"):
            raise malformed_xml()
        await self.store.set_versioning(ctx.bucket_name, status)
        return web.Response(status=200)

    # -- listings ------------------------------------------------------------------------------

    async def list_objects_v2(self, ctx: Ctx) -> web.StreamResponse:
        """ListObjectsV2 (continuation token, start-after, fetch-owner)."""
        self._bucket(ctx)
        query = ctx.query
        encode, prefix, delimiter, max_keys = wire.listing_params(query)
        token = query.get("continuation-token")
        start_after = query.get("start-after")
        restore = self._optional_attributes(ctx)
        after = start_after
        if token is not None:
            after = wire.decode_token(token)
        page = await self.store.list_objects(ctx.bucket_name, prefix, delimiter, after, max_keys)
        owner = wire.bool_param(query, "fetch-owner")
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
            parts.append(element("NextContinuationToken", wire.encode_token(page.last)))
        if start_after is not None:
            parts.append(element("StartAfter", encode(start_after)))
        return self._listing_response(parts, page, encode, owner=owner, restore=restore)

    async def list_objects_v1(self, ctx: Ctx) -> web.StreamResponse:
        """ListObjects (marker)."""
        self._bucket(ctx)
        query = ctx.query
        encode, prefix, delimiter, max_keys = wire.listing_params(query)
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

    async def list_object_versions(self, ctx: Ctx) -> web.StreamResponse:
        """ListObjectVersions (key and version-id markers)."""
        self._bucket(ctx)
        query = ctx.query
        encode, prefix, delimiter, max_keys = wire.listing_params(query)
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
        return wire.xml_response("".join(parts))
