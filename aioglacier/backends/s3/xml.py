"""S3's XML documents: parsers of the responses this client reads, builders of request bodies.

Parsing uses the standard library's ElementTree on expat: it resolves no external entity and
(expat 2.4.1 and later, which Python 3.11 bundles) refuses entity-expansion bombs, so a hostile
server's document can fail to parse but cannot make us read files or exhaust memory. Element
names are matched without their namespace (AWS uses ``http://s3.amazonaws.com/doc/2006-03-01/``,
some S3-compatible servers none).

Listings are asked for with ``encoding-type=url`` (as botocore does), so keys that XML 1.0
cannot carry (control characters) survive; the parsers decode them when the response says
``<EncodingType>url</EncodingType>``. Builders write keys with XML character references for the
characters XML would otherwise normalize (CR, LF, TAB) and refuse the ones it cannot carry.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import unquote

from aioglacier.backends.s3.checksums import Checksum, ChecksumAlgorithm
from aioglacier.backends.s3.models import (
    BucketVersioning,
    CompletedPart,
    DeletedObject,
    DeleteError,
    DeleteObjectsResult,
    ListedObject,
    MultipartUpload,
    ObjectIdentifier,
    ObjectListPage,
    RestoreState,
    RestoreStatus,
    UploadedPart,
    parse_s3_datetime,
    restore_state,
)

__all__ = [
    "S3_XMLNS",
    "CompleteResponse",
    "ErrorDocument",
    "PartsPage",
    "UploadsPage",
    "XmlError",
    "build_complete_multipart",
    "build_create_bucket",
    "build_delete",
    "build_restore",
    "build_versioning",
    "parse_complete_multipart",
    "parse_delete_result",
    "parse_error",
    "parse_initiate_multipart",
    "parse_list_objects_v2",
    "parse_list_parts",
    "parse_list_uploads",
    "parse_versioning",
    "xml_text",
]

S3_XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/"
_HEADER = b'<?xml version="1.0" encoding="UTF-8"?>\n'

# Characters XML 1.0 cannot carry at all, even as character references.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_XML_ESCAPES = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        "'": "&apos;",
        "\r": "&#13;",
        "\n": "&#10;",
        "\t": "&#9;",
    }
)


class XmlError(ValueError):
    """A response body that is not the XML document expected."""


def xml_text(value: str) -> str:
    """``value`` as XML character data that parses back to exactly ``value``.

    ValueError when ``value`` holds a character XML 1.0 cannot represent (most control
    characters, lone surrogates).
    """
    bad = _XML_INVALID.search(value)
    if bad is not None:
        raise ValueError(f"character {bad.group()!r} cannot be written in an XML document")
    return value.translate(_XML_ESCAPES)


# ---------------------------------------------------------------- parsing helpers


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _root(body: bytes, expected: str | None = None) -> ET.Element:
    try:
        root = ET.fromstring(body)  # noqa: S314 (see the module docstring)
    except ET.ParseError as exc:
        raise XmlError(f"malformed XML response: {exc}") from None
    # The root's name is not checked (as botocore does not: some servers name it otherwise,
    # moto's GetBucketVersioningResponse), except that an <Error> is never a result.
    if expected is not None and _local(root.tag) == "Error":
        raise XmlError(f"expected <{expected}>, got an <Error> document")
    return root


def _fields(elem: ET.Element) -> dict[str, str]:
    """The text of each direct child, by local name (the first of repeated names)."""
    out: dict[str, str] = {}
    for child in elem:
        out.setdefault(_local(child.tag), child.text or "")
    return out


def _children(elem: ET.Element, name: str) -> Iterator[ET.Element]:
    for child in elem:
        if _local(child.tag) == name:
            yield child


def _checksum(fields: dict[str, str]) -> Checksum | None:
    for algorithm in ChecksumAlgorithm:
        value = fields.get("Checksum" + algorithm.value)
        if value:
            return Checksum(algorithm, value)
    return None


def _bool(text: str | None) -> bool:
    return (text or "").strip().lower() == "true"


def _int(text: str | None, what: str) -> int:
    try:
        return int(text or "")
    except ValueError:
        raise XmlError(f"{what} is not an integer: {text!r}") from None


def _date(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return parse_s3_datetime(text)
    except ValueError:
        raise XmlError(f"not a date: {text!r}") from None


def _decoder(root: ET.Element) -> Callable[[str], str]:
    encoding = _fields(root).get("EncodingType", "")
    return unquote if encoding.lower() == "url" else _identity


def _identity(text: str) -> str:
    return text


# ---------------------------------------------------------------- errors


@dataclass(frozen=True)
class ErrorDocument:
    """An ``<Error>`` document: code, message, and the other fields S3 sends."""

    code: str
    message: str
    fields: dict[str, str]


def parse_error(body: bytes) -> ErrorDocument | None:
    """The ``<Error>`` document of a response body, or None when the body is not one."""
    if not body.lstrip().startswith(b"<"):
        return None
    try:
        root = _root(body)
    except XmlError:
        return None
    if _local(root.tag) != "Error":
        return None
    fields = _fields(root)
    return ErrorDocument(fields.get("Code", ""), fields.get("Message", ""), fields)


# ---------------------------------------------------------------- buckets


def build_create_bucket(region: str) -> bytes:
    """CreateBucket's body for ``region`` (empty for us-east-1, which takes none)."""
    if region in ("", "us-east-1"):
        return b""
    return (
        _HEADER
        + (
            f'<CreateBucketConfiguration xmlns="{S3_XMLNS}">'
            f"<LocationConstraint>{xml_text(region)}</LocationConstraint>"
            "</CreateBucketConfiguration>"
        ).encode()
    )


def build_versioning(enabled: bool) -> bytes:
    """PutBucketVersioning's body."""
    status = "Enabled" if enabled else "Suspended"
    return (
        _HEADER
        + (
            f'<VersioningConfiguration xmlns="{S3_XMLNS}"><Status>{status}</Status>'
            "</VersioningConfiguration>"
        ).encode()
    )


def parse_versioning(body: bytes) -> BucketVersioning:
    """GetBucketVersioning's answer."""
    status = _fields(_root(body, "VersioningConfiguration")).get("Status", "")
    if not status:
        return BucketVersioning.UNVERSIONED
    try:
        return BucketVersioning(status)
    except ValueError:
        raise XmlError(f"unknown versioning status {status!r}") from None


# ---------------------------------------------------------------- multipart


def parse_initiate_multipart(body: bytes) -> str:
    """CreateMultipartUpload's upload id."""
    upload_id = _fields(_root(body, "InitiateMultipartUploadResult")).get("UploadId", "")
    if not upload_id:
        raise XmlError("no UploadId in InitiateMultipartUploadResult")
    return upload_id


@dataclass(frozen=True)
class PartsPage:
    """One ListParts page."""

    parts: list[UploadedPart]
    next_marker: str | None  # the next page's part-number-marker; None on the last page


def parse_list_parts(body: bytes) -> PartsPage:
    """One ListParts page."""
    root = _root(body, "ListPartsResult")
    parts: list[UploadedPart] = []
    for elem in _children(root, "Part"):
        f = _fields(elem)
        parts.append(
            UploadedPart(
                part_number=_int(f.get("PartNumber"), "PartNumber"),
                etag=f.get("ETag", ""),
                size=_int(f.get("Size"), "Size"),
                checksum=_checksum(f),
                last_modified=_date(f.get("LastModified")),
            )
        )
    top = _fields(root)
    marker = top.get("NextPartNumberMarker", "") if _bool(top.get("IsTruncated")) else None
    if marker is not None and not marker:
        raise XmlError("truncated ListParts page without NextPartNumberMarker")
    return PartsPage(parts, marker)


@dataclass(frozen=True)
class UploadsPage:
    """One ListMultipartUploads page."""

    uploads: list[MultipartUpload]
    next_key_marker: str | None  # None on the last page
    next_upload_id_marker: str | None


def parse_list_uploads(body: bytes) -> UploadsPage:
    """One ListMultipartUploads page (keys decoded when url-encoded)."""
    root = _root(body, "ListMultipartUploadsResult")
    decode = _decoder(root)
    uploads: list[MultipartUpload] = []
    for elem in _children(root, "Upload"):
        f = _fields(elem)
        algorithm = f.get("ChecksumAlgorithm")
        uploads.append(
            MultipartUpload(
                key=decode(f.get("Key", "")),
                upload_id=f.get("UploadId", ""),
                initiated=_date(f.get("Initiated")),
                storage_class=f.get("StorageClass") or "STANDARD",
                checksum_algorithm=_algorithm(algorithm),
            )
        )
    top = _fields(root)
    if not _bool(top.get("IsTruncated")):
        return UploadsPage(uploads, None, None)
    key_marker = top.get("NextKeyMarker")
    if not key_marker:
        raise XmlError("truncated ListMultipartUploads page without NextKeyMarker")
    return UploadsPage(uploads, decode(key_marker), top.get("NextUploadIdMarker") or None)


def _algorithm(text: str | None) -> ChecksumAlgorithm | None:
    if not text:
        return None
    try:
        return ChecksumAlgorithm(text.upper())
    except ValueError:
        return None


def build_complete_multipart(parts: Iterable[CompletedPart]) -> bytes:
    """CompleteMultipartUpload's body: every part in ascending part-number order."""
    items: list[str] = []
    for part in sorted(parts, key=lambda p: p.part_number):
        checksum = ""
        if part.checksum is not None:
            name = "Checksum" + part.checksum.algorithm.value
            checksum = f"<{name}>{xml_text(part.checksum.value)}</{name}>"
        items.append(
            f"<Part><PartNumber>{part.part_number}</PartNumber>"
            f"<ETag>{xml_text(part.etag)}</ETag>{checksum}</Part>"
        )
    if not items:
        raise ValueError("CompleteMultipartUpload needs at least one part")
    document = f'<CompleteMultipartUpload xmlns="{S3_XMLNS}">{"".join(items)}'
    return _HEADER + (document + "</CompleteMultipartUpload>").encode()


@dataclass(frozen=True)
class CompleteResponse:
    """CompleteMultipartUpload's body (S3 may also answer 200 with an ``<Error>``)."""

    location: str | None
    etag: str
    checksum: Checksum | None
    checksum_type: str | None


def parse_complete_multipart(body: bytes) -> CompleteResponse:
    """CompleteMultipartUpload's result document."""
    f = _fields(_root(body, "CompleteMultipartUploadResult"))
    return CompleteResponse(
        location=f.get("Location") or None,
        etag=f.get("ETag", ""),
        checksum=_checksum(f),
        checksum_type=f.get("ChecksumType") or None,
    )


# ---------------------------------------------------------------- listing


def parse_list_objects_v2(body: bytes) -> ObjectListPage:
    """One ListObjectsV2 page (keys decoded when url-encoded, RestoreStatus parsed)."""
    root = _root(body, "ListBucketResult")
    decode = _decoder(root)
    objects: list[ListedObject] = []
    for elem in _children(root, "Contents"):
        f: dict[str, str] = {}
        algorithms: list[str] = []
        restore: RestoreState | None = None
        for child in elem:
            name = _local(child.tag)
            if name == "ChecksumAlgorithm":
                algorithms.append(child.text or "")
            elif name == "RestoreStatus":
                restore = _restore_status(child)
            else:
                f.setdefault(name, child.text or "")
        storage_class = f.get("StorageClass") or "STANDARD"
        objects.append(
            ListedObject(
                key=decode(f.get("Key", "")),
                size=_int(f.get("Size"), "Size"),
                etag=f.get("ETag", ""),
                last_modified=_date(f.get("LastModified")),
                storage_class=storage_class,
                restore=restore if restore is not None else restore_state(storage_class, None),
                restore_reported=restore is not None,
                checksum_algorithms=tuple(algorithms),
                checksum_type=f.get("ChecksumType") or None,
            )
        )
    prefixes = [decode(_fields(p).get("Prefix", "")) for p in _children(root, "CommonPrefixes")]
    top = _fields(root)
    token = top.get("NextContinuationToken", "") if _bool(top.get("IsTruncated")) else None
    if token is not None and not token:
        raise XmlError("truncated ListObjectsV2 page without NextContinuationToken")
    return ObjectListPage(objects, token, prefixes)


def _restore_status(elem: ET.Element) -> RestoreState:
    f = _fields(elem)
    if _bool(f.get("IsRestoreInProgress")):
        return RestoreState(RestoreStatus.IN_PROGRESS)
    expiry = f.get("RestoreExpiryDate")
    return RestoreState(
        RestoreStatus.RESTORED,
        _date(expiry) if expiry else None,
    )


# ---------------------------------------------------------------- delete


def build_delete(objects: Iterable[ObjectIdentifier], *, quiet: bool) -> bytes:
    """DeleteObjects' body (at most 1,000 objects; ValueError for a key XML cannot carry)."""
    items = []
    for obj in objects:
        version = f"<VersionId>{xml_text(obj.version_id)}</VersionId>" if obj.version_id else ""
        items.append(f"<Object><Key>{xml_text(obj.key)}</Key>{version}</Object>")
    if not items or len(items) > 1000:
        raise ValueError("DeleteObjects takes 1 to 1,000 keys")
    flag = "<Quiet>true</Quiet>" if quiet else ""
    return _HEADER + f'<Delete xmlns="{S3_XMLNS}">{flag}{"".join(items)}</Delete>'.encode()


def parse_delete_result(body: bytes) -> DeleteObjectsResult:
    """DeleteObjects' answer: what was deleted, and each key's error."""
    root = _root(body, "DeleteResult")
    deleted: list[DeletedObject] = []
    errors: list[DeleteError] = []
    for child in root:
        name = _local(child.tag)
        f = _fields(child)
        if name == "Deleted":
            deleted.append(
                DeletedObject(
                    key=f.get("Key", ""),
                    version_id=f.get("VersionId") or None,
                    delete_marker=_bool(f.get("DeleteMarker")),
                    delete_marker_version_id=f.get("DeleteMarkerVersionId") or None,
                )
            )
        elif name == "Error":
            errors.append(
                DeleteError(
                    key=f.get("Key", ""),
                    version_id=f.get("VersionId") or None,
                    code=f.get("Code", ""),
                    message=f.get("Message", ""),
                )
            )
    return DeleteObjectsResult(deleted, errors)


# ---------------------------------------------------------------- restore


def build_restore(days: int | None, tier: str) -> bytes:
    """RestoreObject's body. ``days`` None: no Days element (INTELLIGENT_TIERING archives)."""
    days_elem = ""
    if days is not None:
        if days < 1:
            raise ValueError("a restore lasts at least 1 day")
        days_elem = f"<Days>{days}</Days>"
    return (
        _HEADER
        + (
            f'<RestoreRequest xmlns="{S3_XMLNS}">{days_elem}'
            f"<GlacierJobParameters><Tier>{xml_text(tier)}</Tier></GlacierJobParameters>"
            "</RestoreRequest>"
        ).encode()
    )
