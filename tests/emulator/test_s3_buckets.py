"""S3 buckets on the emulator, through boto3: create, head, list, location, versioning, delete."""

from __future__ import annotations

from typing import Any

from emu_helpers import assert_s3_error, call, client_error, make_s3_client

from aioglacier.emulator import Emulator


async def test_create_list_head_delete(emulator: Emulator, s3: Any) -> None:
    created = await call(s3.create_bucket, Bucket="alpha")
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert created["Location"] == "/alpha"
    await call(s3.create_bucket, Bucket="beta")
    listed = await call(s3.list_buckets)
    assert [b["Name"] for b in listed["Buckets"]] == ["alpha", "beta"]
    assert {b["BucketRegion"] for b in listed["Buckets"]} == {"us-east-1"}
    assert listed["Owner"]["DisplayName"] == "emulator"
    assert len(listed["Owner"]["ID"]) == 64
    head = await call(s3.head_bucket, Bucket="alpha")
    assert head["ResponseMetadata"]["HTTPHeaders"]["x-amz-bucket-region"] == "us-east-1"
    assert (await call(s3.get_bucket_location, Bucket="alpha"))["LocationConstraint"] is None
    deleted = await call(s3.delete_bucket, Bucket="alpha")
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert await emulator.buckets() == ["beta"]
    missing = await client_error(s3.head_bucket, Bucket="alpha")
    assert missing["Error"]["Code"] == "404"
    assert missing["ResponseMetadata"]["HTTPStatusCode"] == 404


async def test_bucket_errors(emulator: Emulator, s3: Any) -> None:
    await call(s3.create_bucket, Bucket="owned")
    # us-east-1's legacy answer to re-creating an owned bucket is 200; elsewhere it is 409
    again = await call(s3.create_bucket, Bucket="owned")
    assert again["ResponseMetadata"]["HTTPStatusCode"] == 200
    eu = make_s3_client(emulator.url, emulator.credentials, region="eu-west-1")
    await call(
        eu.create_bucket,
        Bucket="euro",
        CreateBucketConfiguration={"LocationConstraint": "eu-west-1"},
    )
    assert (await call(eu.get_bucket_location, Bucket="euro"))["LocationConstraint"] == "eu-west-1"
    error = await client_error(
        eu.create_bucket,
        Bucket="euro",
        CreateBucketConfiguration={"LocationConstraint": "eu-west-1"},
    )
    assert_s3_error(
        error,
        "BucketAlreadyOwnedByYou",
        409,
        "Your previous request to create the named bucket succeeded and you already own it.",
    )
    assert error["Error"]["BucketName"] == "euro"
    error = await client_error(s3.create_bucket, Bucket="Bad_Name")
    assert_s3_error(error, "InvalidBucketName", 400, "The specified bucket is not valid.")
    error = await client_error(s3.create_bucket, Bucket="192.168.1.1")
    assert error["Error"]["Code"] == "InvalidBucketName"
    error = await client_error(
        s3.create_bucket,
        Bucket="nowhere",
        CreateBucketConfiguration={"LocationConstraint": "eu-west-1"},
    )
    assert_s3_error(
        error,
        "IllegalLocationConstraintException",
        400,
        "The eu-west-1 location constraint is incompatible for the region specific endpoint "
        "this request was sent to.",
    )
    error = await client_error(s3.delete_bucket, Bucket="absent")
    assert_s3_error(error, "NoSuchBucket", 404, "The specified bucket does not exist")
    assert error["Error"]["BucketName"] == "absent"
    await call(s3.put_object, Bucket="owned", Key="k", Body=b"x")
    error = await client_error(s3.delete_bucket, Bucket="owned")
    assert_s3_error(error, "BucketNotEmpty", 409, "The bucket you tried to delete is not empty")
    assert await emulator.buckets() == ["euro", "owned"]


async def test_bucket_in_another_region_redirects(emulator: Emulator, s3: Any) -> None:
    eu = make_s3_client(emulator.url, emulator.credentials, region="eu-west-1")
    await call(
        eu.create_bucket,
        Bucket="euro",
        CreateBucketConfiguration={"LocationConstraint": "eu-west-1"},
    )
    await call(eu.put_object, Bucket="euro", Key="k", Body=b"data")
    # a client signing for us-east-1 is told the bucket's region (botocore then re-signs)
    got = await call(s3.get_object, Bucket="euro", Key="k")
    assert await call(got["Body"].read) == b"data"
    assert got["ResponseMetadata"]["RetryAttempts"] == 1  # the redirect: one re-signed retry


async def test_versioning_configuration(s3: Any) -> None:
    await call(s3.create_bucket, Bucket="versioned")
    status = await call(s3.get_bucket_versioning, Bucket="versioned")
    assert "Status" not in status
    await call(
        s3.put_bucket_versioning, Bucket="versioned", VersioningConfiguration={"Status": "Enabled"}
    )
    assert (await call(s3.get_bucket_versioning, Bucket="versioned"))["Status"] == "Enabled"
    await call(
        s3.put_bucket_versioning,
        Bucket="versioned",
        VersioningConfiguration={"Status": "Suspended"},
    )
    assert (await call(s3.get_bucket_versioning, Bucket="versioned"))["Status"] == "Suspended"
    error = await client_error(
        s3.put_bucket_versioning, Bucket="absent", VersioningConfiguration={"Status": "Enabled"}
    )
    assert error["Error"]["Code"] == "NoSuchBucket"


async def test_unemulated_subresource_is_not_implemented(s3: Any) -> None:
    await call(s3.create_bucket, Bucket="bucket")
    error = await client_error(s3.get_bucket_tagging, Bucket="bucket")
    assert_s3_error(
        error,
        "NotImplemented",
        501,
        "A header you provided implies functionality that is not implemented",
    )
