"""S3Api end to end against real S3 servers (moto in server mode; parametrized on ``s3_server``).

No HTTP mocking: every request goes over loopback to the server under test. A feature the server
lacks skips with its name (see ``s3_helpers``).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from s3_helpers import (
    CONDITIONAL_COMPLETE,
    LINE_FEED_KEYS,
    RESTORE_DELAY,
    RESTORE_IN_PROGRESS_409,
    RESTORE_STATUS_LISTING,
    S3Server,
    make_s3,
)

from aioglacier.backends.s3 import (
    Addressing,
    BucketVersioning,
    Checksum,
    ChecksumAlgorithm,
    ChecksumMode,
    InvalidObjectStateError,
    ObjectIdentifier,
    RestoreOutcome,
    RestoreStatus,
    S3Api,
)
from aioglacier.errors import RemoteError

MIB = 1024 * 1024

KEYS = [
    "plain.txt",
    "with space/and  two",
    "ünïcødé/日本語/😀.jpg",
    "a+b=c&d;e,f",
    "tilde~and_under-score.dot",
    "100%/%41%2F%zz",
    "a//b/c/",
    "quote'\"<>#?[]{}|\\^`!@$*()",
    "cr\rtab\t",
]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def read_all(s3: S3Api, bucket: str, key: str, **kwargs: object) -> bytes:
    async with s3.get_object(bucket, key, **kwargs) as obj:  # type: ignore[arg-type]
        return await obj.content.read()


# ---------------------------------------------------------------- buckets


async def test_buckets(
    s3: S3Api, s3_server: S3Server, session: aiohttp.ClientSession, bucket: str
) -> None:
    info = await s3.head_bucket(bucket)
    assert info.name == bucket
    assert info.region in (None, "us-east-1")
    assert await s3.get_bucket_versioning(bucket) is BucketVersioning.UNVERSIONED

    europe = make_s3(session, s3_server, region="eu-west-1")
    name = bucket + "-eu"
    assert await europe.create_bucket(name) is True
    assert (await europe.head_bucket(name)).region == "eu-west-1"
    assert await europe.create_bucket(name) is False  # BucketAlreadyOwnedByYou
    await europe.delete_bucket(name)

    with pytest.raises(RemoteError) as missing:
        await s3.head_bucket(bucket + "-absent")
    assert missing.value.not_found
    assert (missing.value.status, missing.value.code) == (404, "NotFound")
    with pytest.raises(RemoteError) as missing_put:
        await s3.put_object(bucket + "-absent", "k", b"x", sha256=sha256(b"x"))
    assert (missing_put.value.code, missing_put.value.not_found) == ("NoSuchBucket", True)


# ---------------------------------------------------------------- objects


@pytest.mark.parametrize(
    "storage_class", ["STANDARD", "STANDARD_IA", "GLACIER_IR", "INTELLIGENT_TIERING"]
)
async def test_readable_classes_round_trip_every_key(
    s3: S3Api, bucket: str, storage_class: str
) -> None:
    bodies = {key: os.urandom(100 + i) for i, key in enumerate(KEYS)}
    for key, body in bodies.items():
        put = await s3.put_object(
            bucket,
            key,
            body,
            sha256=sha256(body),
            storage_class=storage_class,
            metadata={"mtime": "1577934245.123456789", "treehash": sha256(body)},
        )
        assert put.etag == f'"{hashlib.md5(body).hexdigest()}"'
        assert put.checksum == Checksum.sha256_hex(sha256(body))
        assert put.version_id is None
    for key, body in bodies.items():
        info = await s3.head_object(bucket, key)
        assert (info.key, info.size, info.storage_class) == (key, len(body), storage_class)
        assert info.restore.status is RestoreStatus.NOT_ARCHIVED
        assert info.restore.readable
        assert info.metadata == {"mtime": "1577934245.123456789", "treehash": sha256(body)}
        assert info.checksum == Checksum.sha256_hex(sha256(body))
        assert await read_all(s3, bucket, key) == body
        assert await read_all(s3, bucket, key, byte_range=(7, 49)) == body[7:50]
    listed = [o async for o in s3.list_objects_v2(bucket)]
    assert [o.key for o in listed] == sorted(KEYS, key=lambda k: k.encode())
    assert {o.storage_class for o in listed} == {storage_class}
    assert all(o.restore.status is RestoreStatus.NOT_ARCHIVED for o in listed)


async def test_keys_with_line_feeds(s3: S3Api, s3_server: S3Server, bucket: str) -> None:
    s3_server.require(LINE_FEED_KEYS)
    keys = ["lf\nkey", "crlf\r\nkey", "\n"]
    for key in keys:
        await s3.put_object(bucket, key, key.encode(), sha256=sha256(key.encode()))
    assert sorted([o.key async for o in s3.list_objects_v2(bucket)]) == sorted(keys)
    for key in keys:
        assert await read_all(s3, bucket, key) == key.encode()
    assert (await s3.delete_objects(bucket, keys)).errors == []
    assert [o async for o in s3.list_objects_v2(bucket)] == []


async def test_ranged_get_reports_its_range(s3: S3Api, bucket: str) -> None:
    body = os.urandom(3 * MIB + 5)
    put = await s3.put_object(bucket, "big", body, sha256=sha256(body))
    async with s3.get_object(
        bucket, "big", byte_range=(MIB, 2 * MIB - 1), if_match=put.etag
    ) as obj:
        assert obj.status == 206
        assert obj.content_range == (MIB, 2 * MIB - 1, len(body))
        assert obj.size == MIB
        assert obj.etag == put.etag
        assert await obj.content.read() == body[MIB : 2 * MIB]
    with pytest.raises(RemoteError) as changed:
        async with s3.get_object(bucket, "big", byte_range=(0, 9), if_match='"not-the-etag"'):
            pass
    assert (changed.value.status, changed.value.code) == (412, "PreconditionFailed")


async def test_missing_objects_are_not_found(s3: S3Api, bucket: str) -> None:
    with pytest.raises(RemoteError) as head:
        await s3.head_object(bucket, "absent")
    assert head.value.not_found
    with pytest.raises(RemoteError) as get:
        async with s3.get_object(bucket, "absent"):
            pass
    assert (get.value.code, get.value.status, get.value.not_found) == ("NoSuchKey", 404, True)
    assert not get.value.retryable
    # deleting what is not there succeeds, as on S3
    deleted = await s3.delete_object(bucket, "absent")
    assert deleted.key == "absent"


# ---------------------------------------------------------------- archival classes


@pytest.mark.parametrize("storage_class", ["GLACIER", "DEEP_ARCHIVE"])
async def test_archived_object_needs_a_restore(s3: S3Api, bucket: str, storage_class: str) -> None:
    body = b"cold data " * 100
    await s3.put_object(bucket, "cold/a b", body, sha256=sha256(body), storage_class=storage_class)
    info = await s3.head_object(bucket, "cold/a b")
    assert info.storage_class == storage_class
    assert info.restore.status is RestoreStatus.ARCHIVED
    assert not info.restore.readable

    with pytest.raises(InvalidObjectStateError) as refused:
        async with s3.get_object(bucket, "cold/a b"):
            pass
    err = refused.value
    assert (err.code, err.status, err.retryable, err.not_found) == (
        "InvalidObjectState",
        403,
        False,
        False,
    )
    assert err.storage_class == storage_class

    [listed] = [o async for o in s3.list_objects_v2(bucket, prefix="cold/")]
    assert listed.restore.status is RestoreStatus.ARCHIVED

    asked = datetime.now(UTC)
    assert (
        await s3.restore_object(bucket, "cold/a b", days=2, tier="Bulk") is RestoreOutcome.ACCEPTED
    )
    # moto restores at once; a server with restore delays answers in progress meanwhile
    info = await s3.head_object(bucket, "cold/a b")
    assert info.restore.status is RestoreStatus.RESTORED
    assert info.restore.expiry is not None
    assert asked + timedelta(days=2) - timedelta(minutes=1) <= info.restore.expiry
    assert info.restore.expiry <= datetime.now(UTC) + timedelta(days=3)
    assert (
        await s3.restore_object(bucket, "cold/a b", days=3, tier="Bulk")
        is RestoreOutcome.ALREADY_RESTORED
    )
    assert await read_all(s3, bucket, "cold/a b") == body
    assert await read_all(s3, bucket, "cold/a b", byte_range=(5, 14)) == body[5:15]


async def test_restore_in_progress(s3: S3Api, s3_server: S3Server, bucket: str) -> None:
    s3_server.require(RESTORE_DELAY)
    s3_server.require(RESTORE_IN_PROGRESS_409)
    await s3.put_object(bucket, "k", b"x", sha256=sha256(b"x"), storage_class="DEEP_ARCHIVE")
    assert await s3.restore_object(bucket, "k", days=1, tier="Bulk") is RestoreOutcome.ACCEPTED
    assert (await s3.head_object(bucket, "k")).restore.status is RestoreStatus.IN_PROGRESS
    assert await s3.restore_object(bucket, "k", days=1, tier="Bulk") is RestoreOutcome.IN_PROGRESS


async def test_restore_status_in_listings(s3: S3Api, s3_server: S3Server, bucket: str) -> None:
    s3_server.require(RESTORE_STATUS_LISTING)
    await s3.put_object(bucket, "k", b"x", sha256=sha256(b"x"), storage_class="GLACIER")
    await s3.restore_object(bucket, "k", days=1, tier="Standard")
    [listed] = [o async for o in s3.list_objects_v2(bucket)]
    assert listed.restore_reported
    assert listed.restore.status in (RestoreStatus.IN_PROGRESS, RestoreStatus.RESTORED)


async def test_restore_of_a_readable_object_is_refused(s3: S3Api, bucket: str) -> None:
    await s3.put_object(bucket, "warm", b"x", sha256=sha256(b"x"), storage_class="STANDARD")
    with pytest.raises(InvalidObjectStateError):
        await s3.restore_object(bucket, "warm", days=1, tier="Bulk")


# ---------------------------------------------------------------- multipart


async def test_multipart_resume_with_list_parts(
    s3: S3Api, s3_server: S3Server, session: aiohttp.ClientSession, bucket: str
) -> None:
    parts = [os.urandom(5 * MIB), os.urandom(5 * MIB), os.urandom(5 * MIB), os.urandom(123)]
    whole = b"".join(parts)
    key = "dir/ün big+file"
    upload_id = await s3.create_multipart_upload(
        bucket,
        key,
        storage_class="DEEP_ARCHIVE",
        metadata={"mtime": "1.5", "treehash": "ab" * 32},
        checksum_algorithm=ChecksumAlgorithm.SHA256,
    )
    first = await s3.upload_part(bucket, key, upload_id, 1, parts[0], sha256=sha256(parts[0]))
    assert first.checksum == Checksum.sha256_hex(sha256(parts[0]))
    assert first.etag == f'"{hashlib.md5(parts[0]).hexdigest()}"'
    await s3.upload_part(bucket, key, upload_id, 3, parts[2], sha256=sha256(parts[2]))

    # the process dies; a new client finds the upload and its parts
    again = make_s3(session, s3_server)
    [found] = await again.list_multipart_uploads(bucket, prefix="dir/")
    assert (found.key, found.upload_id) == (key, upload_id)
    assert await again.list_multipart_uploads(bucket, prefix="other/") == []
    held = await again.list_parts(bucket, key, upload_id, page_size=1)  # one part per page
    assert [(p.part_number, p.size, p.etag) for p in held] == [
        (1, 5 * MIB, first.etag),
        (3, 5 * MIB, f'"{hashlib.md5(parts[2]).hexdigest()}"'),
    ]
    for number in (2, 4):
        data = parts[number - 1]
        await again.upload_part(bucket, key, upload_id, number, data, sha256=sha256(data))
    all_parts = await again.list_parts(bucket, key, upload_id)
    assert [p.part_number for p in all_parts] == [1, 2, 3, 4]
    done = await again.complete_multipart_upload(bucket, key, upload_id, all_parts)
    assert done.etag.endswith('-4"')
    assert await again.list_multipart_uploads(bucket) == []

    info = await again.head_object(bucket, key)
    assert (info.size, info.storage_class, info.etag) == (len(whole), "DEEP_ARCHIVE", done.etag)
    assert info.metadata == {"mtime": "1.5", "treehash": "ab" * 32}
    assert info.restore.status is RestoreStatus.ARCHIVED
    assert await again.restore_object(bucket, key, days=1, tier="Bulk") is RestoreOutcome.ACCEPTED
    assert await read_all(again, bucket, key) == whole
    assert (
        await read_all(again, bucket, key, byte_range=(5 * MIB - 3, 5 * MIB + 2))
        == (whole[5 * MIB - 3 : 5 * MIB + 3])
    )


async def test_abort_multipart_upload(s3: S3Api, bucket: str) -> None:
    upload_id = await s3.create_multipart_upload(bucket, "k", storage_class="GLACIER")
    await s3.upload_part(bucket, "k", upload_id, 1, b"abc", sha256=sha256(b"abc"))
    await s3.abort_multipart_upload(bucket, "k", upload_id)
    assert await s3.list_multipart_uploads(bucket) == []
    with pytest.raises(RemoteError) as gone:
        await s3.list_parts(bucket, "k", upload_id)
    assert (gone.value.code, gone.value.not_found) == ("NoSuchUpload", True)
    with pytest.raises(RemoteError) as missing:
        await s3.head_object(bucket, "k")
    assert missing.value.not_found


async def test_many_multipart_uploads_are_listed_across_pages(s3: S3Api, bucket: str) -> None:
    ids = {}
    for i in range(5):
        key = f"up/{i} ü"
        ids[key] = await s3.create_multipart_upload(bucket, key)
    listed = await s3.list_multipart_uploads(bucket, prefix="up/", page_size=2)
    assert {u.key: u.upload_id for u in listed} == ids


# ---------------------------------------------------------------- listing and deleting


async def test_listing_and_deleting_more_than_1000_objects(s3: S3Api, bucket: str) -> None:
    keys = [f"many/{i:05d} ü+%" for i in range(1050)] + ["other/x"]

    async def put(key: str) -> None:
        await s3.put_object(
            bucket, key, key.encode(), sha256=sha256(key.encode()), storage_class="DEEP_ARCHIVE"
        )

    async with asyncio.TaskGroup() as tg:
        for key in keys:
            tg.create_task(put(key))

    pages = [p async for p in s3.list_object_pages(bucket, prefix="many/")]
    assert [len(p.objects) for p in pages] == [1000, 50]
    assert pages[0].next_token is not None
    assert pages[1].next_token is None
    listed = [o for p in pages for o in p.objects]
    assert [o.key for o in listed] == keys[:-1]
    assert all(o.size == len(o.key.encode()) for o in listed)
    assert all(o.storage_class == "DEEP_ARCHIVE" for o in listed)
    assert all(o.restore.status is RestoreStatus.ARCHIVED for o in listed)

    # resume from a continuation token, or after a key
    resumed = [
        o.key
        async for o in s3.list_objects_v2(
            bucket, prefix="many/", continuation_token=pages[0].next_token
        )
    ]
    assert resumed == keys[1000:1050]
    after = [o.key async for o in s3.list_objects_v2(bucket, start_after=keys[1040], page_size=4)]
    assert after == [*keys[1041:1050], "other/x"]

    result = await s3.delete_objects(bucket, keys[:-1])
    assert (result.deleted, result.errors) == ([], [])
    assert [o.key async for o in s3.list_objects_v2(bucket)] == ["other/x"]


async def test_delete_objects_reports_every_key(s3: S3Api, bucket: str) -> None:
    keys = ["a", "b c", "ctl\x01char", "cr\r"]
    for key in keys:
        await s3.put_object(bucket, key, b"x", sha256=sha256(b"x"))
    result = await s3.delete_objects(bucket, [*keys, "never-there"], quiet=False)
    assert sorted(d.key for d in result.deleted) == sorted([*keys, "never-there"])
    assert result.errors == []
    assert [o async for o in s3.list_objects_v2(bucket)] == []


# ---------------------------------------------------------------- versions, conditions


async def test_versioned_bucket(s3: S3Api, bucket: str) -> None:
    await s3.put_bucket_versioning(bucket, enabled=True)
    assert await s3.get_bucket_versioning(bucket) is BucketVersioning.ENABLED
    one = await s3.put_object(bucket, "k", b"one", sha256=sha256(b"one"))
    two = await s3.put_object(bucket, "k", b"two", sha256=sha256(b"two"))
    assert one.version_id
    assert two.version_id
    assert one.version_id != two.version_id
    assert (await s3.head_object(bucket, "k", version_id=one.version_id)).etag == one.etag
    assert (await s3.head_object(bucket, "k")).version_id == two.version_id
    assert await read_all(s3, bucket, "k", version_id=one.version_id) == b"one"
    assert await read_all(s3, bucket, "k") == b"two"

    marker = await s3.delete_object(bucket, "k")
    assert marker.delete_marker
    assert marker.delete_marker_version_id
    with pytest.raises(RemoteError) as hidden:
        await s3.head_object(bucket, "k")
    assert hidden.value.not_found
    assert await read_all(s3, bucket, "k", version_id=one.version_id) == b"one"

    result = await s3.delete_objects(
        bucket,
        [ObjectIdentifier("k", one.version_id), ObjectIdentifier("k", two.version_id)],
        quiet=False,
    )
    assert sorted(d.version_id or "" for d in result.deleted) == sorted(
        [one.version_id, two.version_id]
    )
    with pytest.raises(RemoteError) as gone:
        await s3.head_object(bucket, "k", version_id=one.version_id)
    assert gone.value.status in (400, 404)


async def test_conditional_writes(s3: S3Api, bucket: str) -> None:
    first = await s3.put_object(bucket, "k", b"1", sha256=sha256(b"1"), if_none_match=True)
    with pytest.raises(RemoteError) as exists:
        await s3.put_object(bucket, "k", b"2", sha256=sha256(b"2"), if_none_match=True)
    assert (exists.value.status, exists.value.code, exists.value.retryable) == (
        412,
        "PreconditionFailed",
        False,
    )
    with pytest.raises(RemoteError) as changed:
        await s3.put_object(bucket, "k", b"3", sha256=sha256(b"3"), if_match='"0000"')
    assert changed.value.status == 412
    await s3.put_object(bucket, "k", b"4", sha256=sha256(b"4"), if_match=first.etag)
    assert await read_all(s3, bucket, "k") == b"4"


async def test_conditional_complete(s3: S3Api, s3_server: S3Server, bucket: str) -> None:
    s3_server.require(CONDITIONAL_COMPLETE)
    await s3.put_object(bucket, "k", b"1", sha256=sha256(b"1"))
    upload_id = await s3.create_multipart_upload(bucket, "k")
    part = await s3.upload_part(bucket, "k", upload_id, 1, b"2", sha256=sha256(b"2"))
    with pytest.raises(RemoteError) as exists:
        await s3.complete_multipart_upload(bucket, "k", upload_id, [part], if_none_match=True)
    assert exists.value.status == 412


# ---------------------------------------------------------------- settings


async def test_virtual_host_addressing(
    s3_server: S3Server, session: aiohttp.ClientSession, s3: S3Api, bucket: str
) -> None:
    assert s3_server.virtual_host is not None
    virtual = make_s3(
        session, s3_server, url=f"http://{s3_server.virtual_host}", addressing=Addressing.VIRTUAL
    )
    assert virtual.url(bucket, "k").startswith(f"http://{bucket}.{s3_server.virtual_host}/")
    for key in KEYS:
        await virtual.put_object(bucket, key, key.encode(), sha256=sha256(key.encode()))
    assert sorted([o.key async for o in s3.list_objects_v2(bucket)]) == sorted(KEYS)
    assert sorted([o.key async for o in virtual.list_objects_v2(bucket)]) == sorted(KEYS)
    for key in KEYS:
        assert await read_all(virtual, bucket, key) == key.encode()


async def test_when_required_mode(
    s3_server: S3Server, session: aiohttp.ClientSession, bucket: str
) -> None:
    plain = make_s3(session, s3_server, checksum_mode=ChecksumMode.WHEN_REQUIRED)
    put = await plain.put_object(bucket, "k", b"data", sha256=sha256(b"data"))
    assert put.checksum is None  # nothing asked for, nothing echoed
    upload_id = await plain.create_multipart_upload(bucket, "m", storage_class="GLACIER")
    part = await plain.upload_part(bucket, "m", upload_id, 1, b"part")
    assert part.checksum is None
    await plain.complete_multipart_upload(bucket, "m", upload_id, [part])
    assert (await plain.head_object(bucket, "m")).size == 4
    result = await plain.delete_objects(bucket, ["k", "m"], quiet=False)  # with Content-MD5
    assert sorted(d.key for d in result.deleted) == ["k", "m"]


async def test_crc32_checksums(s3: S3Api, bucket: str) -> None:
    from aioglacier.backends.s3 import compute_checksum

    body = os.urandom(1000)
    crc = compute_checksum(ChecksumAlgorithm.CRC32, body)
    put = await s3.put_object(bucket, "k", body, checksum=crc)
    assert put.checksum == crc
    info = await s3.head_object(bucket, "k")
    assert info.checksum == crc
