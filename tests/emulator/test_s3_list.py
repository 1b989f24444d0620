"""ListObjectsV2 (and V1) on the emulator: pages, prefixes, delimiters, URL encoding."""

from __future__ import annotations

from typing import Any

from emu_helpers import S3Raw, assert_s3_error, call, client_error
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aioglacier.emulator import Emulator

KEYS = ["a/1", "a/2", "a/b/3", "b", "c/4", "c d/5", "d+e", "é/6"]


async def fill(s3: Any, keys: list[str]) -> None:
    await call(s3.create_bucket, Bucket="listing")
    for key in keys:
        await call(s3.put_object, Bucket="listing", Key=key, Body=key.encode())


async def pages(s3: Any, **kwargs: Any) -> tuple[list[str], list[str], int]:
    """Every key and common prefix, following continuation tokens; and the number of pages."""
    keys: list[str] = []
    prefixes: list[str] = []
    count = 0
    token: dict[str, str] = {}
    while True:
        page = await call(s3.list_objects_v2, Bucket="listing", **kwargs, **token)
        count += 1
        assert page["KeyCount"] == len(page.get("Contents", [])) + len(
            page.get("CommonPrefixes", [])
        )
        keys += [c["Key"] for c in page.get("Contents", [])]
        prefixes += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
        if not page["IsTruncated"]:
            assert "NextContinuationToken" not in page
            return keys, prefixes, count
        token = {"ContinuationToken": page["NextContinuationToken"]}


async def test_listing_shapes(s3: Any) -> None:
    await fill(s3, KEYS)
    page = await call(s3.list_objects_v2, Bucket="listing")
    assert [c["Key"] for c in page["Contents"]] == sorted(KEYS, key=lambda k: k.encode())
    first = page["Contents"][0]
    assert set(first) == {
        "Key",
        "LastModified",
        "ETag",
        "ChecksumAlgorithm",
        "ChecksumType",
        "Size",
        "StorageClass",
    }
    assert first["StorageClass"] == "STANDARD"
    assert page["MaxKeys"] == 1000
    assert page["EncodingType"] == "url"  # boto3 asks for it and decodes the keys
    assert await pages(s3, Delimiter="/") == (["b", "d+e"], ["a/", "c d/", "c/", "é/"], 1)
    assert await pages(s3, Prefix="a/", Delimiter="/") == (["a/1", "a/2"], ["a/b/"], 1)
    assert await pages(s3, Prefix="a/", StartAfter="a/1") == (["a/2", "a/b/3"], [], 1)
    assert await pages(s3, Delimiter="/", MaxKeys=1) == (
        ["b", "d+e"],
        ["a/", "c d/", "c/", "é/"],
        6,
    )
    owner = await call(s3.list_objects_v2, Bucket="listing", FetchOwner=True, MaxKeys=1)
    assert owner["Contents"][0]["Owner"]["DisplayName"] == "emulator"
    empty = await call(s3.list_objects_v2, Bucket="listing", Prefix="zzz")
    assert empty["KeyCount"] == 0
    assert "Contents" not in empty
    v1 = await call(s3.list_objects, Bucket="listing", Delimiter="/", MaxKeys=2)
    assert [p["Prefix"] for p in v1["CommonPrefixes"]] == ["a/"]
    assert v1["IsTruncated"] is True
    assert v1["NextMarker"] == "b"


async def test_listing_errors(s3: Any) -> None:
    await fill(s3, ["k"])
    error = await client_error(s3.list_objects_v2, Bucket="listing", ContinuationToken="garbage")
    assert_s3_error(error, "InvalidArgument", 400, "The continuation token provided is incorrect")
    error = await client_error(s3.list_objects_v2, Bucket="absent")
    assert error["Error"]["Code"] == "NoSuchBucket"


async def test_url_encoding_on_the_wire(emulator: Emulator, s3: Any, s3raw: S3Raw) -> None:
    await fill(s3, ["c d/5", "d+e", "é/6"])
    raw = await s3raw.request("GET", "/listing?list-type=2&encoding-type=url")
    assert raw.status == 200
    assert b"<Key>c%20d/5</Key>" in raw.body
    assert b"<Key>d%2Be</Key>" in raw.body
    assert b"<Key>%C3%A9/6</Key>" in raw.body
    plain = await s3raw.request("GET", "/listing?list-type=2")
    assert "<Key>é/6</Key>".encode() in plain.body


async def test_more_than_a_thousand_keys(s3: Any) -> None:
    keys = [f"dir{n % 3}/file{n:05d}" for n in range(1203)]
    await fill(s3, keys)
    listed, prefixes, count = await pages(s3)
    assert listed == sorted(keys)
    assert count == 2
    assert prefixes == []
    assert await pages(s3, Delimiter="/") == ([], ["dir0/", "dir1/", "dir2/"], 1)
    assert (await pages(s3, Prefix="dir1/", MaxKeys=150))[2] == 3


@settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    keys=st.sets(st.text(alphabet="ab/é", min_size=1, max_size=5), min_size=1, max_size=12),
    prefix=st.text(alphabet="ab/", max_size=2),
    max_keys=st.integers(1, 5),
    delimited=st.booleans(),
)
async def test_pages_match_a_model(
    emulator: Emulator, keys: set[str], prefix: str, max_keys: int, delimited: bool
) -> None:
    from emu_helpers import make_s3_client

    s3 = make_s3_client(emulator.url, emulator.credentials)
    buckets = await emulator.buckets()
    if "listing" in buckets:
        for o in await emulator.objects("listing"):
            await call(s3.delete_object, Bucket="listing", Key=o.key)
        await call(s3.delete_bucket, Bucket="listing")
    await fill(s3, sorted(keys))
    matching = sorted((k for k in keys if k.startswith(prefix)), key=lambda k: k.encode())
    expected_keys: list[str] = []
    expected_prefixes: list[str] = []
    for key in matching:
        cut = key.find("/", len(prefix)) if delimited else -1
        if cut >= 0:
            if key[: cut + 1] not in expected_prefixes:
                expected_prefixes.append(key[: cut + 1])
        else:
            expected_keys.append(key)
    extra = {"Delimiter": "/"} if delimited else {}
    got_keys, got_prefixes, _ = await pages(s3, Prefix=prefix, MaxKeys=max_keys, **extra)
    assert got_keys == expected_keys
    assert got_prefixes == expected_prefixes
