"""S3's XML documents, the x-amz-restore header and checksum values: parsing and building."""

from __future__ import annotations

import base64
import hashlib
import xml.etree.ElementTree as ET
import zlib
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aioglacier.backends.s3.checksums import (
    Checksum,
    ChecksumAlgorithm,
    compute_checksum,
    content_md5,
)
from aioglacier.backends.s3.errors import InvalidObjectStateError, error_from_response
from aioglacier.backends.s3.models import (
    BucketVersioning,
    CompletedPart,
    ObjectIdentifier,
    RestoreState,
    RestoreStatus,
    parse_restore_header,
    restore_state,
)
from aioglacier.backends.s3.xml import (
    S3_XMLNS,
    XmlError,
    build_complete_multipart,
    build_create_bucket,
    build_delete,
    build_restore,
    parse_complete_multipart,
    parse_delete_result,
    parse_error,
    parse_list_objects_v2,
    parse_list_parts,
    parse_list_uploads,
    parse_versioning,
    xml_text,
)
from aioglacier.errors import RemoteError

NS = f"{{{S3_XMLNS}}}"

# Text XML 1.0 can carry (no C0 control characters but TAB, LF, CR; no surrogates).
xml_chars = st.characters(
    blacklist_categories=["Cs"],
    blacklist_characters=[chr(c) for c in range(32) if c not in (9, 10, 13)] + ["\ufffe", "\uffff"],
)
keys = st.text(xml_chars, min_size=1, max_size=60)
any_keys = st.text(st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=40)


# ---------------------------------------------------------------- x-amz-restore


def test_restore_header_forms() -> None:
    assert parse_restore_header('ongoing-request="true"') == RestoreState(RestoreStatus.IN_PROGRESS)
    assert parse_restore_header(
        'ongoing-request="false", expiry-date="Fri, 21 Dec 2012 00:00:00 GMT"'
    ) == RestoreState(RestoreStatus.RESTORED, datetime(2012, 12, 21, tzinfo=UTC))
    # INTELLIGENT_TIERING archive tiers: restored, no expiry
    assert parse_restore_header('ongoing-request="false"') == RestoreState(
        RestoreStatus.RESTORED, None
    )


@pytest.mark.parametrize(
    "value",
    [
        "",
        "garbage",
        'ongoing-request="maybe"',
        'ongoing-request="false", expiry-date="soon"',
        "ongoing-request=true",
        'expiry-date="Fri, 21 Dec 2012 00:00:00 GMT"',
    ],
)
def test_restore_header_malformed_is_value_error(value: str) -> None:
    with pytest.raises(ValueError, match=r"x-amz-restore|date"):
        parse_restore_header(value)


@given(st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(9999, 1, 1)))
def test_restore_header_expiry_round_trips(when: datetime) -> None:
    when = when.replace(microsecond=0, tzinfo=UTC)
    header = f'ongoing-request="false", expiry-date="{format_datetime(when, usegmt=True)}"'
    assert parse_restore_header(header) == RestoreState(RestoreStatus.RESTORED, when)


@given(st.text(max_size=80))
def test_restore_header_never_fails_but_with_value_error(value: str) -> None:
    try:
        state = parse_restore_header(value)
    except ValueError:
        return
    assert state.status in (RestoreStatus.IN_PROGRESS, RestoreStatus.RESTORED)


@pytest.mark.parametrize(
    ("storage_class", "header", "archive_status", "status"),
    [
        ("STANDARD", None, None, RestoreStatus.NOT_ARCHIVED),
        ("GLACIER_IR", None, None, RestoreStatus.NOT_ARCHIVED),
        ("STANDARD_IA", None, None, RestoreStatus.NOT_ARCHIVED),
        ("GLACIER", None, None, RestoreStatus.ARCHIVED),
        ("DEEP_ARCHIVE", None, None, RestoreStatus.ARCHIVED),
        ("INTELLIGENT_TIERING", None, None, RestoreStatus.NOT_ARCHIVED),
        ("INTELLIGENT_TIERING", None, "DEEP_ARCHIVE_ACCESS", RestoreStatus.ARCHIVED),
        ("DEEP_ARCHIVE", 'ongoing-request="true"', None, RestoreStatus.IN_PROGRESS),
    ],
)
def test_restore_state_from_head_headers(
    storage_class: str, header: str | None, archive_status: str | None, status: RestoreStatus
) -> None:
    state = restore_state(storage_class, header, archive_status)
    assert state.status is status
    assert state.readable is (status is RestoreStatus.NOT_ARCHIVED)


# ---------------------------------------------------------------- checksums


def test_checksum_values_are_base64_of_big_endian_digests() -> None:
    data = b"The quick brown fox jumps over the lazy dog"
    crc = compute_checksum(ChecksumAlgorithm.CRC32, data)
    assert crc.value == base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()
    assert crc.value == "QU+jOQ=="  # CRC-32 of this sentence is the well-known 0x414FA339
    sha = compute_checksum(ChecksumAlgorithm.SHA256, data)
    assert sha.hex() == hashlib.sha256(data).hexdigest()
    assert Checksum.sha256_hex(hashlib.sha256(data).hexdigest()) == sha
    assert sha.header == "x-amz-checksum-sha256"
    assert compute_checksum(ChecksumAlgorithm.SHA1, data).digest() == hashlib.sha1(data).digest()
    assert content_md5(data) == base64.b64encode(hashlib.md5(data).digest()).decode()
    with pytest.raises(ValueError, match="cannot compute CRC32C"):
        compute_checksum(ChecksumAlgorithm.CRC32C, data)


def test_composite_checksum() -> None:
    composite = Checksum(ChecksumAlgorithm.SHA256, "oVcRpFYn3Q2VVOSOgW278Pcbj+03+rUgPNUPnBec2NU=-3")
    assert composite.parts == 3
    with pytest.raises(ValueError, match="composite"):
        composite.digest()
    with pytest.raises(ValueError, match="not a CRC32 digest"):
        Checksum(ChecksumAlgorithm.CRC32, base64.b64encode(b"12345").decode()).digest()
    with pytest.raises(ValueError, match="not base64"):
        Checksum(ChecksumAlgorithm.CRC32, "!!!!").digest()


# ---------------------------------------------------------------- builders


@given(keys)
def test_xml_text_parses_back_to_the_same_text(text: str) -> None:
    root = ET.fromstring(f"<K>{xml_text(text)}</K>")
    assert (root.text or "") == text


@pytest.mark.parametrize("key", ["a\x01b", "\x00", "x\ud800"])
def test_xml_text_refuses_what_xml_cannot_carry(key: str) -> None:
    with pytest.raises(ValueError, match="cannot be written in an XML document"):
        xml_text(key)


@given(
    st.lists(
        st.tuples(keys, st.one_of(st.none(), st.text("abcXYZ09._", min_size=1))),
        min_size=1,
        max_size=20,
    ),
    st.booleans(),
)
def test_build_delete_names_exactly_the_objects(
    items: list[tuple[str, str | None]], quiet: bool
) -> None:
    objects = [ObjectIdentifier(k, v) for k, v in items]
    root = ET.fromstring(build_delete(objects, quiet=quiet))
    assert root.tag == f"{NS}Delete"
    assert (root.findtext(f"{NS}Quiet") == "true") is quiet
    parsed = [
        ObjectIdentifier(o.findtext(f"{NS}Key") or "", o.findtext(f"{NS}VersionId"))
        for o in root.findall(f"{NS}Object")
    ]
    assert parsed == objects


def test_build_delete_bounds() -> None:
    with pytest.raises(ValueError, match="1 to 1,000"):
        build_delete([], quiet=True)
    with pytest.raises(ValueError, match="1 to 1,000"):
        build_delete([ObjectIdentifier(str(i)) for i in range(1001)], quiet=True)


def test_build_complete_multipart_sorts_parts_and_carries_checksums() -> None:
    sha = Checksum.sha256_hex(hashlib.sha256(b"x").hexdigest())
    body = build_complete_multipart([CompletedPart(2, '"e2"', sha), CompletedPart(1, '"e1"')])
    root = ET.fromstring(body)
    parts = [
        (p.findtext(f"{NS}PartNumber"), p.findtext(f"{NS}ETag"), p.findtext(f"{NS}ChecksumSHA256"))
        for p in root.findall(f"{NS}Part")
    ]
    assert parts == [("1", '"e1"', None), ("2", '"e2"', sha.value)]
    with pytest.raises(ValueError, match="at least one part"):
        build_complete_multipart([])


def test_build_restore_and_create_bucket() -> None:
    root = ET.fromstring(build_restore(7, "Bulk"))
    assert root.findtext(f"{NS}Days") == "7"
    assert root.findtext(f"{NS}GlacierJobParameters/{NS}Tier") == "Bulk"
    assert ET.fromstring(build_restore(None, "Standard")).find(f"{NS}Days") is None
    with pytest.raises(ValueError, match="at least 1 day"):
        build_restore(0, "Bulk")
    assert build_create_bucket("us-east-1") == b""
    root = ET.fromstring(build_create_bucket("eu-west-1"))
    assert root.findtext(f"{NS}LocationConstraint") == "eu-west-1"


# ---------------------------------------------------------------- parsers


def _list_page(
    keys: list[str], *, url: bool, token: str | None, restore: dict[str, str] | None = None
) -> bytes:
    items = []
    for key in keys:
        shown = quote(key, safe="") if url else xml_text(key)
        status = ""
        if restore and key in restore:
            status = restore[key]
        items.append(
            f"<Contents><Key>{shown}</Key><LastModified>2024-01-02T03:04:05.000Z</LastModified>"
            f"<ETag>&quot;abc&quot;</ETag><ChecksumAlgorithm>SHA256</ChecksumAlgorithm>"
            f"<Size>{len(key)}</Size><StorageClass>DEEP_ARCHIVE</StorageClass>{status}</Contents>"
        )
    encoding = "<EncodingType>url</EncodingType>" if url else ""
    next_token = f"<NextContinuationToken>{token}</NextContinuationToken>" if token else ""
    return (
        f'<?xml version="1.0"?><ListBucketResult xmlns="{S3_XMLNS}"><Name>b</Name>{encoding}'
        f"<IsTruncated>{'true' if token else 'false'}</IsTruncated>{next_token}"
        f"{''.join(items)}</ListBucketResult>"
    ).encode()


@given(st.lists(any_keys, max_size=15), st.one_of(st.none(), st.text("abc123+/=", min_size=1)))
def test_list_objects_v2_decodes_url_encoded_keys(keys: list[str], token: str | None) -> None:
    page = parse_list_objects_v2(_list_page(keys, url=True, token=token))
    assert [o.key for o in page.objects] == keys
    assert page.next_token == token
    for obj in page.objects:
        assert obj.size == len(obj.key)
        assert obj.etag == '"abc"'
        assert obj.last_modified == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
        assert obj.checksum_algorithms == ("SHA256",)
        assert obj.restore == RestoreState(RestoreStatus.ARCHIVED)
        assert obj.restore_reported is False


@given(st.lists(keys, max_size=10))
def test_list_objects_v2_without_url_encoding_keeps_keys(keys: list[str]) -> None:
    # a server that ignores encoding-type=url: keys are XML text, '%' stays '%'
    page = parse_list_objects_v2(_list_page([*keys, "100%25"], url=False, token=None))
    assert [o.key for o in page.objects] == [*keys, "100%25"]


def test_list_objects_v2_restore_status() -> None:
    restore = {
        "running": "<RestoreStatus><IsRestoreInProgress>true</IsRestoreInProgress></RestoreStatus>",
        "done": "<RestoreStatus><IsRestoreInProgress>false</IsRestoreInProgress>"
        "<RestoreExpiryDate>2012-12-21T00:00:00.000Z</RestoreExpiryDate></RestoreStatus>",
    }
    page = parse_list_objects_v2(
        _list_page(["running", "done", "cold"], url=True, token=None, restore=restore)
    )
    assert [(o.key, o.restore, o.restore_reported) for o in page.objects] == [
        ("running", RestoreState(RestoreStatus.IN_PROGRESS), True),
        ("done", RestoreState(RestoreStatus.RESTORED, datetime(2012, 12, 21, tzinfo=UTC)), True),
        ("cold", RestoreState(RestoreStatus.ARCHIVED), False),
    ]


def test_truncated_pages_without_a_marker_are_errors() -> None:
    body = b"<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>"
    with pytest.raises(XmlError, match="NextContinuationToken"):
        parse_list_objects_v2(body)
    with pytest.raises(XmlError, match="NextPartNumberMarker"):
        parse_list_parts(b"<ListPartsResult><IsTruncated>true</IsTruncated></ListPartsResult>")
    with pytest.raises(XmlError, match="malformed XML"):
        parse_list_objects_v2(b"<ListBucketResult>")
    with pytest.raises(XmlError, match="Error"):
        parse_list_objects_v2(b"<Error><Code>x</Code></Error>")


def test_list_parts_and_uploads() -> None:
    parts = parse_list_parts(
        (
            f'<ListPartsResult xmlns="{S3_XMLNS}"><IsTruncated>true</IsTruncated>'
            "<NextPartNumberMarker>2</NextPartNumberMarker>"
            "<Part><PartNumber>1</PartNumber><ETag>&quot;a&quot;</ETag><Size>5242880</Size>"
            "<ChecksumCRC32>OaaeNA==</ChecksumCRC32></Part>"
            "<Part><PartNumber>2</PartNumber><ETag>&quot;b&quot;</ETag><Size>7</Size></Part>"
            "</ListPartsResult>"
        ).encode()
    )
    assert parts.next_marker == "2"
    assert [(p.part_number, p.etag, p.size, p.checksum) for p in parts.parts] == [
        (1, '"a"', 5242880, Checksum(ChecksumAlgorithm.CRC32, "OaaeNA==")),
        (2, '"b"', 7, None),
    ]
    uploads = parse_list_uploads(
        (
            f'<ListMultipartUploadsResult xmlns="{S3_XMLNS}"><EncodingType>url</EncodingType>'
            "<IsTruncated>true</IsTruncated><NextKeyMarker>a%20b</NextKeyMarker>"
            "<NextUploadIdMarker>U2</NextUploadIdMarker>"
            "<Upload><Key>a%20b</Key><UploadId>U2</UploadId>"
            "<Initiated>2024-01-02T03:04:05Z</Initiated><StorageClass>GLACIER</StorageClass>"
            "<ChecksumAlgorithm>SHA256</ChecksumAlgorithm></Upload>"
            "</ListMultipartUploadsResult>"
        ).encode()
    )
    assert (uploads.next_key_marker, uploads.next_upload_id_marker) == ("a b", "U2")
    [upload] = uploads.uploads
    assert (upload.key, upload.upload_id, upload.storage_class, upload.checksum_algorithm) == (
        "a b",
        "U2",
        "GLACIER",
        ChecksumAlgorithm.SHA256,
    )


def test_delete_result_errors_are_typed() -> None:
    result = parse_delete_result(
        (
            f'<DeleteResult xmlns="{S3_XMLNS}">'
            "<Deleted><Key>a&#13;b</Key><DeleteMarker>true</DeleteMarker>"
            "<DeleteMarkerVersionId>V1</DeleteMarkerVersionId></Deleted>"
            "<Error><Key>c</Key><VersionId>V2</VersionId><Code>AccessDenied</Code>"
            "<Message>Access Denied</Message></Error></DeleteResult>"
        ).encode()
    )
    assert [(d.key, d.delete_marker, d.delete_marker_version_id) for d in result.deleted] == [
        ("a\rb", True, "V1")
    ]
    assert [(e.key, e.version_id, e.code, e.message) for e in result.errors] == [
        ("c", "V2", "AccessDenied", "Access Denied")
    ]


def test_complete_and_versioning() -> None:
    done = parse_complete_multipart(
        b"<CompleteMultipartUploadResult><Location>http://b/k</Location><ETag>&quot;e-2&quot;"
        b"</ETag><ChecksumSHA256>abc=-2</ChecksumSHA256><ChecksumType>COMPOSITE</ChecksumType>"
        b"</CompleteMultipartUploadResult>"
    )
    assert (done.location, done.etag, done.checksum, done.checksum_type) == (
        "http://b/k",
        '"e-2"',
        Checksum(ChecksumAlgorithm.SHA256, "abc=-2"),
        "COMPOSITE",
    )
    assert parse_versioning(b"<VersioningConfiguration/>") is BucketVersioning.UNVERSIONED
    assert (
        parse_versioning(
            b"<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>"
        )
        is BucketVersioning.ENABLED
    )


# ---------------------------------------------------------------- errors


def test_error_documents() -> None:
    body = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>InvalidObjectState</Code>'
        b"<Message>The operation is not valid for the object's storage class</Message>"
        b"<StorageClass>DEEP_ARCHIVE</StorageClass><RequestId>R1</RequestId></Error>"
    )
    err = error_from_response(403, body, {})
    assert isinstance(err, InvalidObjectStateError)
    assert (err.code, err.status, err.storage_class, err.request_id, err.retryable) == (
        "InvalidObjectState",
        403,
        "DEEP_ARCHIVE",
        "R1",
        False,
    )
    assert (
        str(err) == "InvalidObjectState: The operation is not valid for the object's storage class"
    )

    slow = error_from_response(
        503, b"<Error><Code>SlowDown</Code><Message>Reduce</Message></Error>", {}
    )
    assert (slow.throttled, slow.retryable, slow.not_found) == (True, True, False)

    missing = error_from_response(404, b"", {"x-amz-request-id": "R2"})
    assert (missing.code, missing.not_found, missing.request_id, str(missing)) == (
        "NotFound",
        True,
        "R2",
        "NotFound: no such bucket or key",
    )
    for code in ("NoSuchKey", "NoSuchBucket", "NoSuchUpload"):
        err = error_from_response(404, f"<Error><Code>{code}</Code></Error>".encode(), {})
        assert err.not_found
        assert not err.throttled

    moved = error_from_response(
        301,
        b"<Error><Code>PermanentRedirect</Code><Message>Use the right endpoint.</Message></Error>",
        {"x-amz-bucket-region": "eu-west-1"},
    )
    assert str(moved) == (
        "PermanentRedirect: Use the right endpoint. (the bucket is in region eu-west-1)"
    )
    timeout = error_from_response(400, b"<Error><Code>RequestTimeout</Code></Error>", {})
    assert timeout.retryable
    assert not error_from_response(
        400, b"<Error><Code>InvalidArgument</Code></Error>", {}
    ).retryable
    assert parse_error(b"not xml") is None
    assert parse_error(b"<ListBucketResult/>") is None
    assert isinstance(error_from_response(500, b"<html>oops</html>", {}), RemoteError)
