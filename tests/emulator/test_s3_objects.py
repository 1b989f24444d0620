"""S3 objects on the emulator through boto3 (and raw requests where boto3 cannot err):
PutObject, HeadObject, GetObject with ranges, checksums, conditions, deletes, versions."""

from __future__ import annotations

import base64
import hashlib
import os
import zlib
from typing import Any

import pytest
from emu_helpers import S3Raw, assert_s3_error, call, client_error

from aioglacier.emulator import Emulator

CLASSES = [
    "STANDARD",
    "STANDARD_IA",
    "INTELLIGENT_TIERING",
    "GLACIER",
    "DEEP_ARCHIVE",
    "GLACIER_IR",
]


def crc32_b64(data: bytes) -> str:
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


@pytest.fixture
async def bucket(s3: Any) -> str:
    await call(s3.create_bucket, Bucket="bucket")
    return "bucket"


@pytest.mark.parametrize("storage_class", CLASSES)
async def test_put_head_get_round_trip(
    emulator: Emulator, s3: Any, bucket: str, storage_class: str
) -> None:
    data = os.urandom(3 * 1024 * 1024 + 17)
    put = await call(
        s3.put_object,
        Bucket=bucket,
        Key="dir/file name+1.bin",
        Body=data,
        StorageClass=storage_class,
        Metadata={"mtime": "1577934245.123456789", "treehash": "ab" * 32},
        ContentType="application/x-test",
    )
    assert put["ETag"] == f'"{hashlib.md5(data).hexdigest()}"'
    assert put["ChecksumCRC32"] == crc32_b64(data)
    assert put["ChecksumType"] == "FULL_OBJECT"
    assert "VersionId" not in put
    head = await call(
        s3.head_object, Bucket=bucket, Key="dir/file name+1.bin", ChecksumMode="ENABLED"
    )
    assert head["ContentLength"] == len(data)
    assert head["ContentType"] == "application/x-test"
    assert head["ETag"] == put["ETag"]
    assert head["Metadata"] == {"mtime": "1577934245.123456789", "treehash": "ab" * 32}
    assert head["ChecksumCRC32"] == crc32_b64(data)
    assert head["AcceptRanges"] == "bytes"
    assert "Restore" not in head
    # S3 leaves the header out for STANDARD
    assert head.get("StorageClass") == (None if storage_class == "STANDARD" else storage_class)
    [stored] = await emulator.objects(bucket)
    assert (stored.key, stored.size, stored.storage_class) == (
        "dir/file name+1.bin",
        len(data),
        storage_class,
    )
    assert await emulator.read_object(bucket, "dir/file name+1.bin") == data
    if storage_class in ("GLACIER", "DEEP_ARCHIVE"):
        error = await client_error(s3.get_object, Bucket=bucket, Key="dir/file name+1.bin")
        assert_s3_error(
            error,
            "InvalidObjectState",
            403,
            "The operation is not valid for the object's storage class",
        )
        assert error["Error"]["StorageClass"] == storage_class
        return
    got = await call(s3.get_object, Bucket=bucket, Key="dir/file name+1.bin")
    assert await call(got["Body"].read) == data


async def test_ranges(s3: Any, bucket: str) -> None:
    data = bytes(range(256)) * 40
    await call(s3.put_object, Bucket=bucket, Key="r", Body=data)
    for header, first, last in (
        ("bytes=0-0", 0, 0),
        ("bytes=100-199", 100, 199),
        ("bytes=10000-", 10000, len(data) - 1),
        ("bytes=-24", len(data) - 24, len(data) - 1),
        ("bytes=10200-99999", 10200, len(data) - 1),
    ):
        got = await call(s3.get_object, Bucket=bucket, Key="r", Range=header)
        assert got["ResponseMetadata"]["HTTPStatusCode"] == 206
        assert got["ContentRange"] == f"bytes {first}-{last}/{len(data)}"
        assert await call(got["Body"].read) == data[first : last + 1]
        assert "ChecksumCRC32" not in got  # no whole-object checksum for a range
    error = await client_error(s3.get_object, Bucket=bucket, Key="r", Range="bytes=10240-")
    assert_s3_error(error, "InvalidRange", 416, "The requested range is not satisfiable")
    assert error["Error"]["ActualObjectSize"] == str(len(data))
    assert error["ResponseMetadata"]["HTTPHeaders"]["content-range"] == f"bytes */{len(data)}"
    whole = await call(s3.get_object, Bucket=bucket, Key="r", Range="bytes=9-3")  # ignored
    assert whole["ResponseMetadata"]["HTTPStatusCode"] == 200


async def test_empty_object(emulator: Emulator, s3: Any, bucket: str) -> None:
    put = await call(s3.put_object, Bucket=bucket, Key="empty", Body=b"")
    assert put["ETag"] == f'"{hashlib.md5(b"").hexdigest()}"'
    got = await call(s3.get_object, Bucket=bucket, Key="empty")
    assert await call(got["Body"].read) == b""
    assert got["ContentLength"] == 0
    assert await emulator.read_object(bucket, "empty") == b""


async def test_checksums_verified(emulator: Emulator, s3: Any, bucket: str) -> None:
    data = b"checksummed payload"
    for algorithm, field in (("SHA256", "ChecksumSHA256"), ("SHA1", "ChecksumSHA1")):
        put = await call(
            s3.put_object, Bucket=bucket, Key=algorithm, Body=data, ChecksumAlgorithm=algorithm
        )
        digest = hashlib.new(algorithm.lower(), data).digest()
        assert put[field] == base64.b64encode(digest).decode()
        head = await call(s3.head_object, Bucket=bucket, Key=algorithm, ChecksumMode="ENABLED")
        assert head[field] == put[field]
    error = await client_error(
        s3.put_object, Bucket=bucket, Key="bad", Body=data, ChecksumCRC32="AAAAAA=="
    )
    assert_s3_error(
        error, "BadDigest", 400, "The CRC32 you specified did not match the calculated checksum."
    )
    good_md5 = base64.b64encode(hashlib.md5(data).digest()).decode()
    await call(s3.put_object, Bucket=bucket, Key="md5", Body=data, ContentMD5=good_md5)
    error = await client_error(
        s3.put_object,
        Bucket=bucket,
        Key="bad",
        Body=data,
        ContentMD5=base64.b64encode(hashlib.md5(b"other").digest()).decode(),
    )
    assert_s3_error(
        error, "BadDigest", 400, "The Content-MD5 you specified did not match what we received."
    )
    error = await client_error(
        s3.put_object, Bucket=bucket, Key="bad", Body=data, ContentMD5="not-md5"
    )
    assert_s3_error(error, "InvalidDigest", 400, "The Content-MD5 you specified was invalid.")
    assert "bad" not in {o.key for o in await emulator.objects(bucket)}
    assert os.listdir(emulator.data_dir / "s3" / "tmp") == []


async def test_checksum_header_errors(s3raw: S3Raw, bucket: str) -> None:
    both = await s3raw.request(
        "PUT",
        f"/{bucket}/k",
        body=b"x",
        headers={"x-amz-checksum-crc32": crc32_b64(b"x"), "x-amz-checksum-sha1": "AAAA"},
    )
    assert both.status == 400
    assert b"<Code>InvalidRequest</Code>" in both.body
    assert b"Multiple checksum Types are not allowed." in both.body
    malformed = await s3raw.request(
        "PUT", f"/{bucket}/k", body=b"x", headers={"x-amz-checksum-crc32": "!!"}
    )
    assert malformed.status == 400
    assert b"<Message>Value for x-amz-checksum-crc32 header is invalid.</Message>" in malformed.body
    orphan = await s3raw.request(
        "PUT", f"/{bucket}/k", body=b"x", headers={"x-amz-sdk-checksum-algorithm": "CRC32"}
    )
    assert orphan.status == 400
    assert (
        b"<Message>x-amz-sdk-checksum-algorithm specified, but no corresponding "
        b"x-amz-checksum-* or x-amz-trailer headers were found.</Message>" in orphan.body
    )
    mismatch = await s3raw.request(
        "PUT", f"/{bucket}/k", body=b"x", content_sha256=hashlib.sha256(b"y").hexdigest()
    )
    assert mismatch.status == 400
    assert b"<Code>XAmzContentSHA256Mismatch</Code>" in mismatch.body
    unsigned = await s3raw.request(
        "PUT", f"/{bucket}/k", body=b"unsigned", content_sha256="UNSIGNED-PAYLOAD"
    )
    assert unsigned.status == 200
    assert unsigned.headers["ETag"] == f'"{hashlib.md5(b"unsigned").hexdigest()}"'


async def test_object_errors(s3: Any, bucket: str) -> None:
    error = await client_error(s3.get_object, Bucket=bucket, Key="absent")
    assert_s3_error(error, "NoSuchKey", 404, "The specified key does not exist.")
    assert error["Error"]["Key"] == "absent"
    error = await client_error(s3.get_object, Bucket="no-bucket", Key="k")
    assert_s3_error(error, "NoSuchBucket", 404, "The specified bucket does not exist")
    head = await client_error(s3.head_object, Bucket=bucket, Key="absent")
    assert head["Error"]["Code"] == "404"
    error = await client_error(
        s3.put_object, Bucket=bucket, Key="k", Body=b"x", StorageClass="COLD"
    )
    assert_s3_error(
        error, "InvalidStorageClass", 400, "The storage class you specified is not valid"
    )
    error = await client_error(s3.put_object, Bucket=bucket, Key="k" * 1025, Body=b"x")
    assert_s3_error(error, "KeyTooLongError", 400, "Your key is too long")
    error = await client_error(
        s3.put_object, Bucket=bucket, Key="k", Body=b"x", Metadata={"big": "v" * 2100}
    )
    assert error["Error"]["Code"] == "MetadataTooLarge"


async def test_conditional_writes_and_reads(s3: Any, bucket: str) -> None:
    first = await call(s3.put_object, Bucket=bucket, Key="once", Body=b"1", IfNoneMatch="*")
    error = await client_error(s3.put_object, Bucket=bucket, Key="once", Body=b"2", IfNoneMatch="*")
    assert_s3_error(
        error,
        "PreconditionFailed",
        412,
        "At least one of the pre-conditions you specified did not hold",
    )
    assert error["Error"]["Condition"] == "If-None-Match"
    got = await call(s3.get_object, Bucket=bucket, Key="once")
    assert await call(got["Body"].read) == b"1"
    replaced = await call(
        s3.put_object, Bucket=bucket, Key="once", Body=b"3", IfMatch=first["ETag"]
    )
    error = await client_error(
        s3.put_object, Bucket=bucket, Key="once", Body=b"4", IfMatch=first["ETag"]
    )
    assert error["Error"]["Code"] == "PreconditionFailed"
    error = await client_error(s3.get_object, Bucket=bucket, Key="once", IfMatch=first["ETag"])
    assert error["Error"]["Code"] == "PreconditionFailed"
    not_modified = await client_error(
        s3.get_object, Bucket=bucket, Key="once", IfNoneMatch=replaced["ETag"]
    )
    assert not_modified["ResponseMetadata"]["HTTPStatusCode"] == 304


async def test_delete_and_delete_objects(emulator: Emulator, s3: Any, bucket: str) -> None:
    for n in range(5):
        await call(s3.put_object, Bucket=bucket, Key=f"k{n}", Body=b"x")
    deleted = await call(s3.delete_object, Bucket=bucket, Key="k0")
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    again = await call(s3.delete_object, Bucket=bucket, Key="k0")  # absent: still 204
    assert again["ResponseMetadata"]["HTTPStatusCode"] == 204
    result = await call(
        s3.delete_objects,
        Bucket=bucket,
        Delete={
            "Objects": [
                {"Key": "k1"},
                {"Key": "k2"},
                {"Key": "never"},
                {"Key": "k3", "VersionId": "bad"},
            ]
        },
    )
    assert result["Deleted"] == [{"Key": "k1"}, {"Key": "k2"}, {"Key": "never"}]
    assert result["Errors"] == [
        {
            "Key": "k3",
            "VersionId": "bad",
            "Code": "InvalidArgument",
            "Message": "Invalid version id specified",
        }
    ]
    quiet = await call(
        s3.delete_objects, Bucket=bucket, Delete={"Objects": [{"Key": "k3"}], "Quiet": True}
    )
    assert "Deleted" not in quiet
    assert "Errors" not in quiet
    assert [o.key for o in await emulator.objects(bucket)] == ["k4"]
    assert len(os.listdir(emulator.data_dir / "s3" / "blobs")) == 1
    too_many = await client_error(
        s3.delete_objects,
        Bucket=bucket,
        Delete={"Objects": [{"Key": f"x{n}"} for n in range(1001)]},
    )
    assert too_many["Error"]["Code"] == "MalformedXML"


async def test_overwrite_in_unversioned_bucket_keeps_one_version(
    emulator: Emulator, s3: Any, bucket: str
) -> None:
    await call(s3.put_object, Bucket=bucket, Key="k", Body=b"old")
    await call(s3.put_object, Bucket=bucket, Key="k", Body=b"new")
    versions = await emulator.objects(bucket, versions=True)
    assert [(v.key, v.version_id, v.size) for v in versions] == [("k", "null", 3)]
    assert await emulator.read_object(bucket, "k") == b"new"
    assert len(os.listdir(emulator.data_dir / "s3" / "blobs")) == 1


async def test_versioned_bucket(emulator: Emulator, s3: Any, bucket: str) -> None:
    await call(
        s3.put_bucket_versioning, Bucket=bucket, VersioningConfiguration={"Status": "Enabled"}
    )
    v1 = (await call(s3.put_object, Bucket=bucket, Key="k", Body=b"one"))["VersionId"]
    v2 = (await call(s3.put_object, Bucket=bucket, Key="k", Body=b"two"))["VersionId"]
    assert v1 != v2
    assert len(v1) == 32
    got = await call(s3.get_object, Bucket=bucket, Key="k", VersionId=v1)
    assert await call(got["Body"].read) == b"one"
    assert got["VersionId"] == v1
    head = await call(s3.head_object, Bucket=bucket, Key="k")
    assert head["VersionId"] == v2
    marker = await call(s3.delete_object, Bucket=bucket, Key="k")
    assert marker["DeleteMarker"] is True
    error = await client_error(s3.get_object, Bucket=bucket, Key="k")
    assert error["Error"]["Code"] == "NoSuchKey"
    assert error["ResponseMetadata"]["HTTPHeaders"]["x-amz-delete-marker"] == "true"
    error = await client_error(s3.get_object, Bucket=bucket, Key="k", VersionId=marker["VersionId"])
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 405
    listed = await call(s3.list_object_versions, Bucket=bucket)
    assert [(v["VersionId"], v["IsLatest"], v["Size"]) for v in listed["Versions"]] == [
        (v2, False, 3),
        (v1, False, 3),
    ]
    assert [(m["VersionId"], m["IsLatest"]) for m in listed["DeleteMarkers"]] == [
        (marker["VersionId"], True)
    ]
    assert (await call(s3.list_objects_v2, Bucket=bucket))["KeyCount"] == 0
    # removing the delete marker brings v2 back; removing v2 permanently leaves v1
    await call(s3.delete_object, Bucket=bucket, Key="k", VersionId=marker["VersionId"])
    assert (await call(s3.head_object, Bucket=bucket, Key="k"))["VersionId"] == v2
    await call(s3.delete_object, Bucket=bucket, Key="k", VersionId=v2)
    assert (await call(s3.head_object, Bucket=bucket, Key="k"))["VersionId"] == v1
    assert await emulator.read_object(bucket, "k") == b"one"
    error = await client_error(s3.get_object, Bucket=bucket, Key="k", VersionId="A" * 32)
    assert_s3_error(error, "NoSuchVersion", 404, "The specified version does not exist.")
    # paging through versions
    for n in range(3):
        await call(s3.put_object, Bucket=bucket, Key="p", Body=bytes([n]))
    seen: list[tuple[str, str]] = []
    kwargs: dict[str, str] = {}
    while True:
        page = await call(s3.list_object_versions, Bucket=bucket, MaxKeys=2, **kwargs)
        seen += [(v["Key"], v["VersionId"]) for v in page.get("Versions", [])]
        if not page["IsTruncated"]:
            break
        kwargs = {
            "KeyMarker": page["NextKeyMarker"],
            "VersionIdMarker": page["NextVersionIdMarker"],
        }
    every = [(o.key, o.version_id) for o in await emulator.objects(bucket, versions=True)]
    assert seen == every
    assert len(seen) == 4


async def test_suspended_versioning_overwrites_null(
    emulator: Emulator, s3: Any, bucket: str
) -> None:
    await call(
        s3.put_bucket_versioning, Bucket=bucket, VersioningConfiguration={"Status": "Enabled"}
    )
    kept = (await call(s3.put_object, Bucket=bucket, Key="k", Body=b"kept"))["VersionId"]
    await call(
        s3.put_bucket_versioning, Bucket=bucket, VersioningConfiguration={"Status": "Suspended"}
    )
    first = await call(s3.put_object, Bucket=bucket, Key="k", Body=b"a")
    assert first["VersionId"] == "null"
    await call(s3.put_object, Bucket=bucket, Key="k", Body=b"b")
    versions = [(o.version_id, o.size) for o in await emulator.objects(bucket, versions=True)]
    assert versions == [("null", 1), (kept, 4)]


async def test_delete_objects_needs_a_body_digest(s3raw: S3Raw, bucket: str) -> None:
    body = b"<Delete><Object><Key>k</Key></Object></Delete>"
    bare = await s3raw.request("POST", f"/{bucket}?delete", body=body)
    assert bare.status == 400
    assert (
        b"<Code>InvalidRequest</Code><Message>Missing required header for this request: "
        b"Content-MD5</Message>" in bare.body
    )
    wrong = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    bad = await s3raw.request(
        "POST", f"/{bucket}?delete", body=body, headers={"Content-MD5": wrong}
    )
    assert bad.status == 400
    assert b"<Code>BadDigest</Code>" in bad.body
    right = base64.b64encode(hashlib.md5(body).digest()).decode()
    ok = await s3raw.request("POST", f"/{bucket}?delete", body=body, headers={"Content-MD5": right})
    assert ok.status == 200
    assert b"<Deleted><Key>k</Key></Deleted>" in ok.body
