"""S3 multipart uploads on the emulator: create, upload, list, complete (and its errors),
repeat, abort, list uploads, checksums."""

from __future__ import annotations

import base64
import hashlib
import os
import zlib
from typing import Any

import pytest
from emu_helpers import assert_s3_error, call, client_error

from aioglacier.emulator import Emulator
from aioglacier.emulator.s3.checksums import Checksum

MIB = 1024 * 1024
PART = 5 * MIB


@pytest.fixture
async def bucket(s3: Any) -> str:
    await call(s3.create_bucket, Bucket="bucket")
    return "bucket"


async def upload_parts(
    s3: Any, bucket: str, key: str, upload_id: str, parts: list[bytes], algorithm: str = "CRC32"
) -> list[dict[str, Any]]:
    done = []
    for number, data in enumerate(parts, 1):
        answer = await call(
            s3.upload_part,
            Bucket=bucket,
            Key=key,
            UploadId=upload_id,
            PartNumber=number,
            Body=data,
            ChecksumAlgorithm=algorithm,
        )
        assert answer["ETag"] == f'"{hashlib.md5(data).hexdigest()}"'
        field = f"Checksum{algorithm}"
        done.append({"PartNumber": number, "ETag": answer["ETag"], field: answer[field]})
    return done


async def test_round_trip_composite_checksum(emulator: Emulator, s3: Any, bucket: str) -> None:
    parts = [os.urandom(PART), os.urandom(PART), os.urandom(123)]
    created = await call(
        s3.create_multipart_upload,
        Bucket=bucket,
        Key="big",
        StorageClass="DEEP_ARCHIVE",
        Metadata={"mtime": "1.25"},
        ChecksumAlgorithm="CRC32",
    )
    assert created["ChecksumAlgorithm"] == "CRC32"
    assert created["ChecksumType"] == "COMPOSITE"
    upload_id = created["UploadId"]
    assert await emulator.multipart_uploads(bucket) == [("big", upload_id)]
    done = await upload_parts(s3, bucket, "big", upload_id, parts)
    listed = await call(s3.list_parts, Bucket=bucket, Key="big", UploadId=upload_id)
    assert [(p["PartNumber"], p["Size"], p["ETag"]) for p in listed["Parts"]] == [
        (d["PartNumber"], len(parts[i]), d["ETag"]) for i, d in enumerate(done)
    ]
    assert listed["StorageClass"] == "DEEP_ARCHIVE"
    assert listed["ChecksumAlgorithm"] == "CRC32"
    completed = await call(
        s3.complete_multipart_upload,
        Bucket=bucket,
        Key="big",
        UploadId=upload_id,
        MultipartUpload={"Parts": done},
    )
    md5s = b"".join(hashlib.md5(p).digest() for p in parts)
    assert completed["ETag"] == f'"{hashlib.md5(md5s).hexdigest()}-3"'
    crcs = b"".join(zlib.crc32(p).to_bytes(4, "big") for p in parts)
    composite = base64.b64encode(zlib.crc32(crcs).to_bytes(4, "big")).decode()
    assert completed["ChecksumCRC32"] == f"{composite}-3"
    assert completed["ChecksumType"] == "COMPOSITE"
    assert completed["Location"] == f"{emulator.url}/bucket/big"
    head = await call(s3.head_object, Bucket=bucket, Key="big", ChecksumMode="ENABLED")
    assert head["ContentLength"] == 2 * PART + 123
    assert head["ChecksumCRC32"] == f"{composite}-3"
    assert head["StorageClass"] == "DEEP_ARCHIVE"
    assert head["Metadata"] == {"mtime": "1.25"}
    assert await emulator.read_object(bucket, "big") == b"".join(parts)
    assert await emulator.multipart_uploads(bucket) == []
    # a repeated Complete of the same parts answers the same (as S3 does for a while)
    again = await call(
        s3.complete_multipart_upload,
        Bucket=bucket,
        Key="big",
        UploadId=upload_id,
        MultipartUpload={"Parts": done},
    )
    assert (again["ETag"], again["ChecksumCRC32"]) == (
        completed["ETag"],
        completed["ChecksumCRC32"],
    )
    error = await client_error(
        s3.complete_multipart_upload,
        Bucket=bucket,
        Key="big",
        UploadId=upload_id,
        MultipartUpload={"Parts": done[:1]},
    )
    assert error["Error"]["Code"] == "NoSuchUpload"


async def test_ranged_get_across_parts(s3: Any, bucket: str) -> None:
    parts = [os.urandom(PART), os.urandom(PART), os.urandom(MIB)]
    upload_id = (await call(s3.create_multipart_upload, Bucket=bucket, Key="k"))["UploadId"]
    done = await upload_parts(s3, bucket, "k", upload_id, parts)
    await call(
        s3.complete_multipart_upload,
        Bucket=bucket,
        Key="k",
        UploadId=upload_id,
        MultipartUpload={"Parts": done},
    )
    whole = b"".join(parts)
    first, last = PART - 10, 2 * PART + 10
    got = await call(s3.get_object, Bucket=bucket, Key="k", Range=f"bytes={first}-{last}")
    assert await call(got["Body"].read) == whole[first : last + 1]


async def test_full_object_crc(emulator: Emulator, s3: Any, bucket: str) -> None:
    parts = [os.urandom(PART), os.urandom(777)]
    created = await call(
        s3.create_multipart_upload,
        Bucket=bucket,
        Key="full",
        ChecksumAlgorithm="CRC32",
        ChecksumType="FULL_OBJECT",
    )
    done = await upload_parts(s3, bucket, "full", created["UploadId"], parts)
    whole = Checksum("CRC32")
    whole.update(b"".join(parts))
    completed = await call(
        s3.complete_multipart_upload,
        Bucket=bucket,
        Key="full",
        UploadId=created["UploadId"],
        MultipartUpload={"Parts": done},
        ChecksumCRC32=whole.b64(),
        ChecksumType="FULL_OBJECT",
    )
    assert completed["ChecksumCRC32"] == whole.b64()
    assert completed["ChecksumType"] == "FULL_OBJECT"


async def test_complete_errors(emulator: Emulator, s3: Any, bucket: str) -> None:
    upload_id = (
        await call(s3.create_multipart_upload, Bucket=bucket, Key="k", ChecksumAlgorithm="CRC32")
    )["UploadId"]
    done = await upload_parts(s3, bucket, "k", upload_id, [b"small", os.urandom(PART), b"end"])

    async def complete(parts: list[dict[str, Any]]) -> dict[str, Any]:
        return await client_error(
            s3.complete_multipart_upload,
            Bucket=bucket,
            Key="k",
            UploadId=upload_id,
            MultipartUpload={"Parts": parts},
        )

    error = await complete([done[1], done[0]])
    assert_s3_error(
        error,
        "InvalidPartOrder",
        400,
        "The list of parts was not in ascending order. Parts must be ordered by part number.",
    )
    error = await complete([{**done[0], "ETag": '"' + "0" * 32 + '"'}])
    assert_s3_error(
        error,
        "InvalidPart",
        400,
        "One or more of the specified parts could not be found.  The part may not have been "
        "uploaded, or the specified entity tag may not match the part's entity tag.",
    )
    error = await complete(
        [{"PartNumber": 9, "ETag": done[0]["ETag"], "ChecksumCRC32": "AAAAAA=="}]
    )
    assert error["Error"]["Code"] == "InvalidPart"
    error = await complete(done)
    assert_s3_error(
        error,
        "EntityTooSmall",
        400,
        "Your proposed upload is smaller than the minimum allowed size",
    )
    assert error["Error"]["ProposedSize"] == "5"
    error = await complete([{"PartNumber": 2, "ETag": done[1]["ETag"]}])
    assert_s3_error(
        error,
        "InvalidRequest",
        400,
        "The upload was created using a crc32 checksum. The complete request must include the "
        "checksum for each part. It was missing for part 2 in the request.",
    )
    # the upload is untouched by refused Completes: finish it with parts 2 and 3
    finished = await call(
        s3.complete_multipart_upload,
        Bucket=bucket,
        Key="k",
        UploadId=upload_id,
        MultipartUpload={"Parts": done[1:]},
    )
    assert finished["ETag"].endswith('-2"')
    assert len(os.listdir(emulator.data_dir / "s3" / "blobs")) == 2  # part 1's file is gone


async def test_part_errors_abort_and_listing(emulator: Emulator, s3: Any, bucket: str) -> None:
    error = await client_error(
        s3.upload_part, Bucket=bucket, Key="k", UploadId="nope", PartNumber=1, Body=b"x"
    )
    assert_s3_error(
        error,
        "NoSuchUpload",
        404,
        "The specified upload does not exist. The upload ID may be invalid, or the upload may "
        "have been aborted or completed.",
    )
    upload_id = (await call(s3.create_multipart_upload, Bucket=bucket, Key="k"))["UploadId"]
    error = await client_error(
        s3.upload_part, Bucket=bucket, Key="k", UploadId=upload_id, PartNumber=10001, Body=b"x"
    )
    assert_s3_error(
        error,
        "InvalidArgument",
        400,
        "Part number must be an integer between 1 and 10000, inclusive",
    )
    for number in range(1, 6):
        await call(
            s3.upload_part,
            Bucket=bucket,
            Key="k",
            UploadId=upload_id,
            PartNumber=number,
            Body=bytes([number]),
        )
    # re-uploading a part replaces it
    await call(s3.upload_part, Bucket=bucket, Key="k", UploadId=upload_id, PartNumber=3, Body=b"33")
    numbers: list[int] = []
    marker = 0
    while True:
        page = await call(
            s3.list_parts,
            Bucket=bucket,
            Key="k",
            UploadId=upload_id,
            MaxParts=2,
            PartNumberMarker=marker,
        )
        numbers += [p["PartNumber"] for p in page["Parts"]]
        if not page["IsTruncated"]:
            break
        marker = page["NextPartNumberMarker"]
    assert numbers == [1, 2, 3, 4, 5]
    assert len(os.listdir(emulator.data_dir / "s3" / "blobs")) == 5
    other = (await call(s3.create_multipart_upload, Bucket=bucket, Key="dir/j"))["UploadId"]
    listed = await call(s3.list_multipart_uploads, Bucket=bucket)
    assert [(u["Key"], u["UploadId"]) for u in listed["Uploads"]] == [
        ("dir/j", other),
        ("k", upload_id),
    ]
    delimited = await call(s3.list_multipart_uploads, Bucket=bucket, Delimiter="/")
    assert [p["Prefix"] for p in delimited["CommonPrefixes"]] == ["dir/"]
    assert [u["Key"] for u in delimited["Uploads"]] == ["k"]
    aborted = await call(s3.abort_multipart_upload, Bucket=bucket, Key="k", UploadId=upload_id)
    assert aborted["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert os.listdir(emulator.data_dir / "s3" / "blobs") == []
    error = await client_error(s3.list_parts, Bucket=bucket, Key="k", UploadId=upload_id)
    assert error["Error"]["Code"] == "NoSuchUpload"
    assert await emulator.multipart_uploads(bucket) == [("dir/j", other)]


async def test_conditional_complete(s3: Any, bucket: str) -> None:
    await call(s3.put_object, Bucket=bucket, Key="taken", Body=b"x")
    upload_id = (await call(s3.create_multipart_upload, Bucket=bucket, Key="taken"))["UploadId"]
    done = await upload_parts(s3, bucket, "taken", upload_id, [b"y"])
    error = await client_error(
        s3.complete_multipart_upload,
        Bucket=bucket,
        Key="taken",
        UploadId=upload_id,
        MultipartUpload={"Parts": done},
        IfNoneMatch="*",
    )
    assert error["Error"]["Code"] == "PreconditionFailed"


async def test_list_multipart_uploads_pages(s3: Any, bucket: str) -> None:
    made = []
    for key in ("a", "a", "b", "c"):
        made.append(
            (key, (await call(s3.create_multipart_upload, Bucket=bucket, Key=key))["UploadId"])
        )
    seen: list[tuple[str, str]] = []
    markers: dict[str, str] = {}
    while True:
        page = await call(s3.list_multipart_uploads, Bucket=bucket, MaxUploads=1, **markers)
        seen += [(u["Key"], u["UploadId"]) for u in page.get("Uploads", [])]
        if not page["IsTruncated"]:
            break
        markers = {"KeyMarker": page["NextKeyMarker"], "UploadIdMarker": page["NextUploadIdMarker"]}
    assert sorted(seen) == sorted(made)
    assert [k for k, _ in seen] == ["a", "a", "b", "c"]
