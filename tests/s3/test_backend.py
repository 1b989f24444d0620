"""S3Backend end to end against moto in server mode and the emulator's S3 (no HTTP mocks).

What is checked: the naming and metadata other tools read (key = prefix + name,
``x-amz-meta-mtime`` in rclone's format, ``x-amz-meta-tree-hash``, ``x-amz-meta-archive-id``),
the archive ids (``s3:`` on an unversioned bucket, ``s3v:`` on a versioned one), that a delete
never deletes a newer upload of the same key, multipart with SHA-256 parts and resume,
restores as warm-ups, ranged reads, and the bucket checks.
"""

from __future__ import annotations

import hashlib
import os
import random
import re
from decimal import Decimal
from pathlib import Path

import aiohttp
import pytest
from s3_helpers import (
    CONDITIONAL_COMPLETE,
    PART_CHECKSUMS_LISTED,
    RESTORE_DELAY,
    SPEC,
    S3Server,
    Target,
    backend_on,
    digests,
    make_s3,
    put,
)

from aioglacier.backends.base import ObjectSpec, StoredObject
from aioglacier.backends.s3 import (
    Checksum,
    ChecksumMode,
    CompletedPart,
    InvalidObjectStateError,
    RestoreStatus,
    S3Api,
)
from aioglacier.backends.s3.backend import (
    ConditionalConflictError,
    ObjectExistsError,
    RestoredObject,
    S3Backend,
    format_mtime,
    multipart_etag,
    parse_mtime,
    restore_token,
    s3_capabilities,
    spec_mtime,
)
from aioglacier.emulator import Emulator
from aioglacier.errors import AioGlacierError, NotFound, UsageError
from aioglacier.sigv4 import Credentials
from aioglacier.treehash import MIB, tree_hash, tree_hash_from_parts

NOWHERE_CREDENTIALS = Credentials("testing", "testing")


async def read_all(
    backend: S3Backend, obj: StoredObject, byte_range: tuple[int, int] | None = None
) -> bytes:
    async with backend.read(obj, None, byte_range=byte_range) as reader:
        assert reader.tree_hash is None
        return b"".join([c async for c in reader.chunks()])


async def restored(backend: S3Backend, target: Target, obj: StoredObject) -> None:
    await backend.warmup(obj)
    await target.finish_restores()
    [warm] = [w async for w in backend.warmups([obj])]
    assert warm.status == "ready"


# ---------------------------------------------------------------- pure functions


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1577934245, "1577934245"),
        (0, "0"),
        (-5, "-5"),
        (Decimal("1577934245.123456789"), "1577934245.123456789"),
        (Decimal("1577934245.500"), "1577934245.5"),
        (1.25, "1.25"),
    ],
)
def test_mtime_in_rclone_format(value: int | Decimal | float, text: str) -> None:
    assert format_mtime(value) == text


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1577934245", 1577934245),
        ("1577934245.123456789", 1577934245),
        ("-1.5", -2),
        (" 12 ", 12),
        ("", None),
        (None, None),
        ("yesterday", None),
        ("NaN", None),
        ("Infinity", None),
    ],
)
def test_mtime_parsed(text: str | None, seconds: int | None) -> None:
    assert parse_mtime(text) == seconds


def test_capabilities_by_storage_class() -> None:
    for cls in ("GLACIER", "DEEP_ARCHIVE"):
        assert s3_capabilities(cls).needs_warmup
    for cls in ("GLACIER_IR", "STANDARD_IA", "INTELLIGENT_TIERING", "STANDARD"):
        assert not s3_capabilities(cls).needs_warmup
    caps = s3_capabilities("DEEP_ARCHIVE")
    assert (caps.max_parts, caps.min_part_size, caps.max_part_size) == (10_000, 5 * MIB, 5 << 30)
    assert (caps.max_single_put, caps.max_object_size) == (5 << 30, 5 << 40)
    assert caps.empty_objects
    assert not caps.ranged_tree_hash
    assert not caps.inventory
    assert not caps.part_size_power_of_two
    # 100 GiB does not fit in 10,000 parts of 5 MiB: the part size doubles until it does.
    assert caps.part_size_for(100 << 30, 5 * MIB) == 20 * MIB
    assert restore_token("Bulk", 3) == "restore:Bulk:3"


def test_construction_refuses_bad_arguments(session: aiohttp.ClientSession) -> None:
    api = make_s3(session, S3Server("none", "http://127.0.0.1:9", NOWHERE_CREDENTIALS))
    with pytest.raises(UsageError, match="Expedited tier is not offered for DEEP_ARCHIVE"):
        S3Backend(api, "b", tier="Expedited")
    with pytest.raises(UsageError, match="not a bucket name"):
        S3Backend(api, "a/b")
    with pytest.raises(UsageError, match="at least one day"):
        S3Backend(api, "b", restore_days=0)
    assert S3Backend(api, "b", "p").target == "bucket b/p"
    assert S3Backend(api, "b", "p/").key("x/y") == "p/x/y"
    assert S3Backend(api, "b").target == "bucket b"
    assert S3Backend(api, "b").key("x") == "x"
    assert S3Backend(api, "b", storage_class="GLACIER", tier="Expedited").tier == "Expedited"


# ---------------------------------------------------------------- objects


async def test_put_names_the_key_and_writes_metadata_other_tools_read(api: S3Api) -> None:
    backend = await backend_on(api, "GLACIER_IR")
    data = os.urandom(1000)
    obj = await put(backend, data)
    assert re.fullmatch(r"s3:[0-9a-f]{32}", obj.archive_id)
    info = await api.head_object(backend.bucket, "pre/fix/dir/file name.bin")
    assert info.storage_class == "GLACIER_IR"
    assert info.metadata == {
        "mtime": "1577934245",
        "tree-hash": tree_hash(data).hex(),
        "archive-id": obj.archive_id[3:],
    }
    assert info.checksum == Checksum.sha256_hex(hashlib.sha256(data).hexdigest())
    assert backend.archive_id_of(info) == obj.archive_id
    assert await read_all(backend, obj) == data
    assert await read_all(backend, obj, (10, 19)) == data[10:20]
    assert backend.target == f"bucket {backend.bucket}/pre/fix"


async def test_empty_object(api: S3Api) -> None:
    backend = await backend_on(api, "STANDARD")
    obj = await put(backend, b"")
    assert await read_all(backend, obj) == b""


async def test_unversioned_overwrite_then_delete_of_the_old_id_keeps_the_new(api: S3Api) -> None:
    backend = await backend_on(api, "STANDARD")
    assert not backend.capabilities.versioned
    old = await put(backend, b"old bytes")
    new = await put(backend, b"new bytes")  # replace-modified: the same key, in place
    assert old.archive_id != new.archive_id
    with pytest.raises(NotFound, match="the key holds another object now"):
        await backend.delete(old)
    with pytest.raises(NotFound):
        await read_all(backend, old)
    assert await read_all(backend, new) == b"new bytes"
    assert [w.archive_id async for w in backend.warmups([old, new])] == [new.archive_id]
    await backend.delete(new)
    with pytest.raises(NotFound, match="no longer in the bucket"):
        await backend.delete(new)
    assert [o async for o in api.list_objects_v2(backend.bucket)] == []


async def test_versioned_delete_removes_exactly_that_version(api: S3Api) -> None:
    backend = await backend_on(api, "STANDARD", versioned=True)
    assert backend.capabilities.versioned
    old = await put(backend, b"old bytes")
    new = await put(backend, b"new bytes")
    assert old.archive_id.startswith("s3v:")
    assert new.archive_id.startswith("s3v:")
    assert old.archive_id != new.archive_id
    assert await read_all(backend, old) == b"old bytes"
    await backend.delete(old)
    with pytest.raises(NotFound):
        await backend.delete(old)
    assert await read_all(backend, new) == b"new bytes"
    info = await api.head_object(backend.bucket, backend.key(SPEC.name))
    assert info.version_id == new.archive_id[4:]


async def test_adopted_object_without_metadata_is_named_by_its_etag(api: S3Api) -> None:
    backend = await backend_on(api, "STANDARD", prefix="")
    put_result = await api.put_object(
        backend.bucket, "other-tool.txt", b"hello", sha256=hashlib.sha256(b"hello").hexdigest()
    )
    info = await api.head_object(backend.bucket, "other-tool.txt")
    archive_id = backend.archive_id_of(info)
    assert archive_id == "s3:" + put_result.etag.strip('"')
    obj = StoredObject(archive_id, "other-tool.txt", 5, "0" * 64)
    assert await read_all(backend, obj) == b"hello"
    await api.put_object(
        backend.bucket, "other-tool.txt", b"HELLO", sha256=hashlib.sha256(b"HELLO").hexdigest()
    )
    with pytest.raises(NotFound):
        await backend.delete(obj)
    assert await api.head_object(backend.bucket, "other-tool.txt")


# ---------------------------------------------------------------- multipart


async def test_multipart_parts_resume_and_complete(api: S3Api, target: Target) -> None:
    backend = await backend_on(api, "STANDARD")
    part_size = 5 * MIB
    data = os.urandom(2 * part_size + 321)
    starts = [0, part_size, 2 * part_size]
    chunks = [data[s : s + part_size] for s in starts]
    hashes = [digests(c) for c in chunks]
    writer = await backend.start_multipart(SPEC, size=len(data), part_size=part_size)
    for number in (3, 1):
        tree, sha = hashes[number - 1]
        part = await writer.write_part(
            number, starts[number - 1], chunks[number - 1], tree_hash=tree, sha256=sha
        )
        assert part.sha256 == sha
        assert part.etag
    [info] = [u for u in await backend.list_uploads() if u.upload_id == writer.upload_id]
    assert (info.name, info.description) == (SPEC.name, "pre/fix/" + SPEC.name)

    resumed = await backend.resume_multipart(writer.upload_id, SPEC, part_size=part_size)
    present = await resumed.present()
    assert [(p.number, p.start, p.size) for p in present] == [
        (1, 0, part_size),
        (3, 2 * part_size, 321),
    ]
    # Another process (a backend of its own) knows only what ListParts says.
    elsewhere = S3Backend(api, backend.bucket, backend.prefix, backend.storage_class)
    listed = await (
        await elsewhere.resume_multipart(writer.upload_id, SPEC, part_size=part_size)
    ).present()
    for part in listed:
        if PART_CHECKSUMS_LISTED in target.server.missing:  # never reused: sent again
            assert part.sha256 is None
            assert not part.holds(part.start, part.size, *hashes[part.number - 1])
        else:
            assert part.holds(part.start, part.size, *hashes[part.number - 1])
    for part in present:  # this process sent them: it knows their SHA-256 by their ETag
        assert part.sha256 == hashes[part.number - 1][1]
        assert part.holds(part.start, part.size, *hashes[part.number - 1])
        assert not part.holds(part.start, part.size, *digests(b"x" * part.size))
        assert part.etag
        resumed.reuse(part)
    tree, sha = hashes[1]
    second = await resumed.write_part(2, part_size, chunks[1], tree_hash=tree, sha256=sha)
    whole = tree_hash_from_parts([bytes.fromhex(t) for t, _ in hashes]).hex()
    archive_id = await resumed.complete(size=len(data), tree_hash=whole)
    head = await api.head_object(backend.bucket, backend.key(SPEC.name))
    assert archive_id == "s3:" + head.metadata["archive-id"]
    assert head.metadata["mtime"] == "1577934245"
    assert head.etag == multipart_etag(p.etag or "" for p in [present[0], second, present[1]])
    obj = StoredObject(archive_id, SPEC.name, len(data), whole)
    assert await read_all(backend, obj) == data
    assert writer.upload_id not in {u.upload_id for u in await backend.list_uploads()}


async def test_fresh_writer_knows_its_archive_id_and_the_etag_rule(api: S3Api) -> None:
    backend = await backend_on(api, "STANDARD", prefix="")
    part_size = 5 * MIB
    data = os.urandom(part_size + 1)
    writer = await backend.start_multipart(SPEC, size=len(data), part_size=part_size)
    parts = [
        await writer.write_part(1, 0, data[:part_size], **_kw(data[:part_size])),
        await writer.write_part(2, part_size, data[part_size:], **_kw(data[part_size:])),
    ]
    archive_id = await writer.complete(size=len(data), tree_hash=tree_hash(data).hex())
    head = await api.head_object(backend.bucket, SPEC.name)
    assert archive_id == "s3:" + head.metadata["archive-id"]
    assert head.etag == multipart_etag(p.etag or "" for p in parts)


def _kw(body: bytes) -> dict[str, str]:
    tree, sha = digests(body)
    return {"tree_hash": tree, "sha256": sha}


async def test_aborted_upload_is_gone(api: S3Api) -> None:
    backend = await backend_on(api, "DEEP_ARCHIVE")
    writer = await backend.start_multipart(SPEC, size=-1, part_size=5 * MIB)
    await writer.write_part(1, 0, b"a" * 5 * MIB, **_kw(b"a" * 5 * MIB))
    await writer.abort()
    await writer.abort()
    with pytest.raises(NotFound):
        await (await backend.resume_multipart(writer.upload_id, SPEC, part_size=5 * MIB)).present()
    assert await backend.list_uploads() == []


async def test_uploads_outside_the_prefix_are_not_listed(api: S3Api) -> None:
    backend = await backend_on(api, "STANDARD", prefix="mine")
    await api.create_multipart_upload(backend.bucket, "theirs/x")
    await api.create_multipart_upload(backend.bucket, "minefield/x")
    mine = await backend.start_multipart(SPEC, size=-1, part_size=5 * MIB)
    assert [u.upload_id for u in await backend.list_uploads()] == [mine.upload_id]


# ---------------------------------------------------------------- restores


async def test_archived_object_is_restored_then_read(api: S3Api, target: Target) -> None:
    backend = await backend_on(api, "DEEP_ARCHIVE")
    assert backend.capabilities.needs_warmup
    data = os.urandom(2000)
    obj = await put(backend, data)
    other = await put(backend, b"never restored", ObjectSpec("other", 1))
    with pytest.raises(InvalidObjectStateError):
        await read_all(backend, obj)
    assert [w async for w in backend.warmups([obj, other])] == []
    asked = await backend.warmup(obj, tier="Bulk")
    assert asked.token == "restore:Bulk:7"
    if RESTORE_DELAY not in target.server.missing:
        assert asked.status == "in-progress"
        [pending] = [w async for w in backend.warmups([obj, other])]
        assert (pending.token, pending.status) == ("restore:Bulk:7", "in-progress")
        again = await backend.warmup(obj, tier="Bulk")  # 409: a state, not an error
        assert again.status == "in-progress"
    await target.finish_restores()
    [ready] = [w async for w in backend.warmups([obj, other])]
    assert (ready.archive_id, ready.token, ready.status) == (obj.archive_id, asked.token, "ready")
    assert ready.expires is not None
    assert await read_all(backend, obj) == data
    assert await read_all(backend, obj, (100, 199)) == data[100:200]
    assert (await backend.warmup(obj)).status == "ready"  # 200: already restored


async def test_expedited_on_deep_archive_is_refused_before_any_request(
    session: aiohttp.ClientSession,
) -> None:
    api = make_s3(session, S3Server("none", "http://127.0.0.1:9", NOWHERE_CREDENTIALS))
    backend = S3Backend(api, "b")
    obj = StoredObject("s3:" + "0" * 32, "x", 1, "0" * 64)
    with pytest.raises(UsageError, match="Expedited tier is not offered"):
        await backend.warmup(obj, tier="Expedited")


async def test_readable_classes_need_no_restore(api: S3Api) -> None:
    backend = await backend_on(api, "GLACIER_IR")
    assert not backend.capabilities.needs_warmup
    obj = await put(backend, b"instant")
    [warm] = [w async for w in backend.warmups([obj])]
    assert warm.status == "ready"
    assert (await backend.warmup(obj)).status == "ready"
    assert await read_all(backend, obj) == b"instant"


async def test_warmups_of_many_objects_are_bounded_and_complete(api: S3Api) -> None:
    backend = await backend_on(api, "GLACIER_IR")
    backend.head_concurrency = 3
    objs = [await put(backend, bytes([i]), ObjectSpec(f"f{i}", i)) for i in range(10)]
    got = [w async for w in backend.warmups(objs)]
    assert sorted(w.archive_id for w in got) == sorted(o.archive_id for o in objs)
    assert [w async for w in backend.warmups([])] == []


# ---------------------------------------------------------------- bucket


async def test_ensure_exists(api: S3Api) -> None:
    name = f"absent-{random.randrange(16**8):08x}"
    backend = S3Backend(api, name)
    with pytest.raises(AioGlacierError, match=f'bucket "{name}" does not exist'):
        await backend.ensure_exists()
    await backend.ensure_exists(create=True)
    await backend.ensure_exists()
    assert not backend.capabilities.versioned
    await api.put_bucket_versioning(name, enabled=True)
    await backend.ensure_exists()
    assert backend.capabilities.versioned


async def test_a_completion_retried_after_a_dropped_answer(
    session: aiohttp.ClientSession, tmp_path: Path
) -> None:
    # seed 0: the first CompleteMultipartUpload takes effect and its connection is reset;
    # the retry is answered.
    faults = "seed=0,s3.complete_multipart_upload:drop=0.5"
    async with Emulator(tmp_path / "emu", faults=faults) as emu:
        api = make_s3(session, S3Server("emulator", emu.url, emu.credentials))
        backend = await backend_on(api, "DEEP_ARCHIVE")
        data = os.urandom(5 * MIB + 7)
        writer = await backend.start_multipart(SPEC, size=len(data), part_size=5 * MIB)
        await writer.write_part(1, 0, data[: 5 * MIB], **_kw(data[: 5 * MIB]))
        await writer.write_part(2, 5 * MIB, data[5 * MIB :], **_kw(data[5 * MIB :]))
        archive_id = await writer.complete(size=len(data), tree_hash=tree_hash(data).hex())
        head = await api.head_object(backend.bucket, backend.key(SPEC.name))
        assert archive_id == "s3:" + head.metadata["archive-id"]
        assert await emu.read_object(backend.bucket, backend.key(SPEC.name)) == data


async def test_a_completion_already_done_is_recognised_by_the_etag(api: S3Api) -> None:
    # The first completion's answer never came back; the retry finds the upload gone
    # (NoSuchUpload, moto) or answers it again (the emulator, as AWS for a while).
    backend = await backend_on(api, "STANDARD")
    data = os.urandom(5 * MIB + 7)
    writer = await backend.start_multipart(SPEC, size=len(data), part_size=5 * MIB)
    first = await writer.write_part(1, 0, data[: 5 * MIB], **_kw(data[: 5 * MIB]))
    second = await writer.write_part(2, 5 * MIB, data[5 * MIB :], **_kw(data[5 * MIB :]))
    await api.complete_multipart_upload(
        backend.bucket,
        backend.key(SPEC.name),
        writer.upload_id,
        [
            CompletedPart(p.number, p.etag or "", Checksum.sha256_hex(p.sha256 or ""))
            for p in (first, second)
        ],
    )
    archive_id = await writer.complete(size=len(data), tree_hash=tree_hash(data).hex())
    head = await api.head_object(backend.bucket, backend.key(SPEC.name))
    assert archive_id == "s3:" + head.metadata["archive-id"]
    assert await read_all(backend, StoredObject(archive_id, SPEC.name, len(data), "")) == data


async def test_an_upload_gone_after_completing_is_recognised_by_the_etag(
    session: aiohttp.ClientSession, emulator_s3: Target
) -> None:
    # (moto answers an unknown upload's completion with a 500 of its own, not NoSuchUpload)
    api = make_s3(session, emulator_s3.server)
    backend = await backend_on(api, "STANDARD")
    data = os.urandom(5 * MIB + 7)
    writer = await backend.start_multipart(SPEC, size=len(data), part_size=5 * MIB)
    parts = [
        await writer.write_part(1, 0, data[: 5 * MIB], **_kw(data[: 5 * MIB])),
        await writer.write_part(2, 5 * MIB, data[5 * MIB :], **_kw(data[5 * MIB :])),
    ]
    archive_id = await writer.complete(size=len(data), tree_hash=tree_hash(data).hex())
    # A rerun holding the parts of an upload S3 no longer knows (NoSuchUpload): the object
    # with the ETag those parts make is the completed upload.
    rerun = await backend.resume_multipart("completed-long-ago", SPEC, part_size=5 * MIB)
    for part in parts:
        rerun.reuse(part)
    assert await rerun.complete(size=len(data), tree_hash="") == archive_id
    stranger = await backend.resume_multipart("completed-long-ago", SPEC, part_size=5 * MIB)
    stranger.reuse(parts[0])
    with pytest.raises(NotFound):
        await stranger.complete(size=5 * MIB, tree_hash="")


async def test_restore_states_of_many_objects_come_from_one_listing(
    api: S3Api, target: Target
) -> None:
    backend = await backend_on(api, "DEEP_ARCHIVE")
    backend.list_threshold = 2
    objs = [await put(backend, bytes([i]) * 10, ObjectSpec(f"d/f{i}", i)) for i in range(6)]
    gone = StoredObject("s3:" + "1" * 32, "d/absent", 1, "0" * 64)
    # Nothing restored yet: nothing to report (the listing is confirmed by HEADs).
    assert [w async for w in backend.warmups([*objs, gone])] == []
    for obj in objs[:3]:
        await backend.warmup(obj)
    await target.finish_restores()
    got = {w.archive_id: w async for w in backend.warmups([*objs, gone])}
    assert sorted(got) == sorted(o.archive_id for o in objs[:3])
    assert {(w.status, w.token) for w in got.values()} == {("ready", "restore:Standard:7")}
    assert all(w.expires is not None for w in got.values())


async def test_the_listing_replaces_the_heads_where_the_server_reports_restores(
    session: aiohttp.ClientSession, tmp_path: Path
) -> None:
    async with Emulator(tmp_path / "emu", job_delay_scale=1.0) as emu:
        api = make_s3(session, S3Server("emulator", emu.url, emu.credentials))
        backend = await backend_on(api, "GLACIER")
        backend.list_threshold = 5
        objs = [await put(backend, b"x", ObjectSpec(f"f{i:02}", i)) for i in range(20)]
        await backend.warmup(objs[0])
        before = emu.requests_served
        [pending] = [w async for w in backend.warmups(objs)]
        assert (pending.archive_id, pending.status) == (objs[0].archive_id, "in-progress")
        assert emu.requests_served - before == 1  # one page, no HEAD
        before = emu.requests_served
        assert len([w async for w in backend.warmups(objs[:4])]) == 1  # few: a HEAD each
        assert emu.requests_served - before == 4


# ---------------------------------------------------------------- conditional writes

NEW = ObjectSpec(SPEC.name, SPEC.mtime, create_only=True)


def taken_message(key: str) -> str:
    return (
        f"not uploaded: key {key} already holds an object that the journal did not write "
        "(left as it is: adopt the bucket with download-inventory --bucket, or remove that "
        "object)"
    )


async def test_a_new_put_never_replaces_an_object_it_did_not_write(api: S3Api) -> None:
    backend = await backend_on(api, "STANDARD")
    key = backend.key(SPEC.name)
    theirs = await api.put_object(
        backend.bucket, key, b"theirs", sha256=hashlib.sha256(b"theirs").hexdigest()
    )
    with pytest.raises(ObjectExistsError) as refused:
        await put(backend, b"ours", NEW)
    assert str(refused.value) == taken_message(key)
    info = await api.head_object(backend.bucket, key)
    assert (info.etag, info.metadata) == (theirs.etag, {})
    # A replacement (the journal wrote the key) is not conditional: it overwrites.
    obj = await put(backend, b"ours", SPEC)
    assert await read_all(backend, obj) == b"ours"
    # A key that is free takes a conditional write.
    free = ObjectSpec("elsewhere.txt", 5, create_only=True)
    other = await put(backend, b"new", free)
    assert await read_all(backend, other) == b"new"


async def test_a_new_put_retried_after_a_lost_answer_is_recognised_as_ours(
    session: aiohttp.ClientSession, tmp_path: Path
) -> None:
    # seed 0: the first PutObject takes effect and its connection is reset; the retry gets
    # 412 (the key holds the object the first attempt stored): ours, by its archive-id.
    async with Emulator(tmp_path / "emu", faults="seed=0,s3.put_object:drop=0.5") as emu:
        api = make_s3(session, S3Server("emulator", emu.url, emu.credentials))
        backend = await backend_on(api, "STANDARD")
        obj = await put(backend, b"payload", NEW)
        head = await api.head_object(backend.bucket, backend.key(SPEC.name))
        assert obj.archive_id == "s3:" + head.metadata["archive-id"]
        assert await emu.read_object(backend.bucket, backend.key(SPEC.name)) == b"payload"


async def test_a_new_multipart_upload_on_a_taken_key_fails_before_any_part(api: S3Api) -> None:
    backend = await backend_on(api, "STANDARD")
    key = backend.key(SPEC.name)
    await api.put_object(
        backend.bucket, key, b"theirs", sha256=hashlib.sha256(b"theirs").hexdigest()
    )
    with pytest.raises(ObjectExistsError) as refused:
        await backend.start_multipart(NEW, size=6 * MIB, part_size=5 * MIB)
    assert str(refused.value) == taken_message(key)
    assert await backend.list_uploads() == []


async def test_a_key_taken_during_a_new_multipart_upload_stops_its_completion(
    api: S3Api, target: Target
) -> None:
    target.server.require(CONDITIONAL_COMPLETE)
    backend = await backend_on(api, "STANDARD")
    key = backend.key(SPEC.name)
    data = os.urandom(5 * MIB + 7)
    writer = await backend.start_multipart(NEW, size=len(data), part_size=5 * MIB)
    await writer.write_part(1, 0, data[: 5 * MIB], **_kw(data[: 5 * MIB]))
    await writer.write_part(2, 5 * MIB, data[5 * MIB :], **_kw(data[5 * MIB :]))
    theirs = await api.put_object(
        backend.bucket, key, b"theirs", sha256=hashlib.sha256(b"theirs").hexdigest()
    )
    with pytest.raises(ObjectExistsError) as refused:
        await writer.complete(size=len(data), tree_hash=tree_hash(data).hex())
    assert str(refused.value) == taken_message(key)
    assert (await api.head_object(backend.bucket, key)).etag == theirs.etag
    assert await backend.list_uploads() == []  # aborted: nothing left to pay for


async def test_a_new_multipart_upload_completes_on_a_free_key(api: S3Api) -> None:
    backend = await backend_on(api, "STANDARD", versioned=True)
    data = os.urandom(5 * MIB + 7)
    writer = await backend.start_multipart(NEW, size=len(data), part_size=5 * MIB)
    await writer.write_part(1, 0, data[: 5 * MIB], **_kw(data[: 5 * MIB]))
    await writer.write_part(2, 5 * MIB, data[5 * MIB :], **_kw(data[5 * MIB :]))
    archive_id = await writer.complete(size=len(data), tree_hash=tree_hash(data).hex())
    assert archive_id.startswith("s3v:")
    assert await read_all(backend, StoredObject(archive_id, SPEC.name, len(data), "")) == data


async def test_conditional_writes_do_not_depend_on_the_checksum_mode(
    session: aiohttp.ClientSession, target: Target
) -> None:
    # --checksum-mode when_required drops x-amz-checksum-*, never If-None-Match.
    api = make_s3(session, target.server, checksum_mode=ChecksumMode.WHEN_REQUIRED)
    backend = await backend_on(api, "STANDARD")
    obj = await put(backend, b"first", NEW)
    with pytest.raises(ObjectExistsError):
        await put(backend, b"second", NEW)
    assert await read_all(backend, obj) == b"first"


async def test_a_new_put_adopts_the_same_bytes_left_by_an_interrupted_run(api: S3Api) -> None:
    # A kill -9 between PutObject's answer and the journal line: the rerun's conditional
    # write finds the very same bytes and mtime under the key and journals that object.
    backend = await backend_on(api, "STANDARD")
    earlier = await put(backend, b"payload", SPEC)
    assert (await put(backend, b"payload", NEW)).archive_id == earlier.archive_id
    with pytest.raises(ObjectExistsError):  # other bytes, or another mtime: refused
        await put(backend, b"PAYLOAD", NEW)
    with pytest.raises(ObjectExistsError):
        await put(backend, b"payload", ObjectSpec(SPEC.name, SPEC.mtime + 1, create_only=True))
    assert await read_all(backend, earlier) == b"payload"


# ---------------------------------------------------------------- list-jobs


async def test_restores_lists_the_objects_being_restored_or_restored(
    api: S3Api, target: Target
) -> None:
    backend = await backend_on(api, "DEEP_ARCHIVE")
    asked = await put(backend, b"asked", ObjectSpec("asked.txt", 1))
    await put(backend, b"not asked", ObjectSpec("quiet.txt", 1))
    assert await backend.restores() == []
    await backend.warmup(asked)
    key = backend.key("asked.txt")
    if RESTORE_DELAY not in target.server.missing:
        [running] = await backend.restores()
        assert (running.key, running.restore.status) == (key, RestoreStatus.IN_PROGRESS)
        assert running.describe() == {
            "Key": key,
            "StorageClass": "DEEP_ARCHIVE",
            "StatusCode": "InProgress",
            "ExpiryDate": None,
        }
    await target.finish_restores()
    [done] = await backend.restores()
    info = await api.head_object(backend.bucket, key)
    assert done == RestoredObject(key, "DEEP_ARCHIVE", info.restore)
    assert info.restore.status is RestoreStatus.RESTORED
    assert done.describe()["StatusCode"] == "Succeeded"


# ---------------------------------------------------------------- tree hash of multipart objects


async def test_a_multipart_object_carries_the_tree_hash_read_before_it(api: S3Api) -> None:
    backend = await backend_on(api, "DEEP_ARCHIVE")
    assert backend.capabilities.tree_hash_first
    data = os.urandom(5 * MIB + 7)
    whole = tree_hash(data).hex()
    spec = ObjectSpec(SPEC.name, SPEC.mtime, tree_hash=whole)
    writer = await backend.start_multipart(spec, size=len(data), part_size=5 * MIB)
    await writer.write_part(1, 0, data[: 5 * MIB], **_kw(data[: 5 * MIB]))
    await writer.write_part(2, 5 * MIB, data[5 * MIB :], **_kw(data[5 * MIB :]))
    archive_id = await writer.complete(size=len(data), tree_hash=whole)
    info = await api.head_object(backend.bucket, backend.key(SPEC.name))
    assert info.metadata == {
        "mtime": "1577934245",
        "tree-hash": whole,
        "archive-id": archive_id[3:],
    }


async def test_a_file_changed_between_the_two_reads_is_not_completed(api: S3Api) -> None:
    backend = await backend_on(api, "STANDARD")
    data = os.urandom(5 * MIB + 7)
    spec = ObjectSpec(SPEC.name, SPEC.mtime, tree_hash=tree_hash(b"before").hex())
    writer = await backend.start_multipart(spec, size=len(data), part_size=5 * MIB)
    await writer.write_part(1, 0, data[: 5 * MIB], **_kw(data[: 5 * MIB]))
    await writer.write_part(2, 5 * MIB, data[5 * MIB :], **_kw(data[5 * MIB :]))
    with pytest.raises(AioGlacierError) as changed:
        await writer.complete(size=len(data), tree_hash=tree_hash(data).hex())
    assert str(changed.value) == (
        "pre/fix/dir/file name.bin: file changed while it was read (its tree hash is not the "
        "one read before the upload); the upload is aborted"
    )
    assert await backend.list_uploads() == []
    assert [o async for o in api.list_objects_v2(backend.bucket)] == []


# ---------------------------------------------------------------- mtime with nanoseconds


@pytest.mark.parametrize(
    ("mtime", "mtime_ns", "text"),
    [
        (1577934245, 1_577_934_245_123_456_789, "1577934245.123456789"),
        (1577934245, 1_577_934_245_500_000_000, "1577934245.5"),
        (1577934245, 1_577_934_245_000_000_000, "1577934245"),
        (1577934245, None, "1577934245"),
        (1577934245, 1_600_000_000_000_000_000, "1577934245"),  # not the same second: ignored
        (-2, -1_500_000_000, "-1.5"),
    ],
)
def test_spec_mtime_keeps_the_nanoseconds(mtime: int, mtime_ns: int | None, text: str) -> None:
    assert spec_mtime(ObjectSpec("f", mtime, mtime_ns=mtime_ns)) == text


async def test_objects_carry_the_mtime_with_its_fraction(api: S3Api) -> None:
    backend = await backend_on(api, "STANDARD")
    spec = ObjectSpec("small", 1577934245, mtime_ns=1_577_934_245_123_456_789)
    await put(backend, b"small", spec)
    data = os.urandom(5 * MIB + 1)
    big = ObjectSpec("big", 1577934245, mtime_ns=1_577_934_245_000_000_001)
    writer = await backend.start_multipart(big, size=len(data), part_size=5 * MIB)
    await writer.write_part(1, 0, data[: 5 * MIB], **_kw(data[: 5 * MIB]))
    await writer.write_part(2, 5 * MIB, data[5 * MIB :], **_kw(data[5 * MIB :]))
    await writer.complete(size=len(data), tree_hash=tree_hash(data).hex())
    for key, text in (("small", "1577934245.123456789"), ("big", "1577934245.000000001")):
        info = await api.head_object(backend.bucket, backend.key(key))
        assert info.metadata["mtime"] == text
        assert parse_mtime(info.metadata["mtime"]) == 1577934245


async def test_a_delete_during_a_new_multipart_upload_is_a_conflict(
    session: aiohttp.ClientSession, emulator_s3: Target
) -> None:
    # AWS: a conditional completion after a delete of the key during the upload is answered
    # 409 ConditionalRequestConflict (start again); moto has no conditional completion.
    api = make_s3(session, emulator_s3.server)
    backend = await backend_on(api, "STANDARD")
    key = backend.key(SPEC.name)
    data = os.urandom(5 * MIB + 7)
    writer = await backend.start_multipart(NEW, size=len(data), part_size=5 * MIB)
    await writer.write_part(1, 0, data[: 5 * MIB], **_kw(data[: 5 * MIB]))
    await writer.write_part(2, 5 * MIB, data[5 * MIB :], **_kw(data[5 * MIB :]))
    await api.put_object(backend.bucket, key, b"x", sha256=hashlib.sha256(b"x").hexdigest())
    await api.delete_object(backend.bucket, key)
    with pytest.raises(ConditionalConflictError) as conflict:
        await writer.complete(size=len(data), tree_hash=tree_hash(data).hex())
    assert str(conflict.value) == (
        f"not uploaded: another write or delete of key {key} ran at the same time "
        "(409 ConditionalRequestConflict); run the sync again"
    )
    assert await backend.list_uploads() == []  # aborted
    assert [o async for o in api.list_objects_v2(backend.bucket)] == []
    # Without a delete in between, a new upload of the free key completes.
    again = await backend.start_multipart(NEW, size=len(data), part_size=5 * MIB)
    await again.write_part(1, 0, data[: 5 * MIB], **_kw(data[: 5 * MIB]))
    await again.write_part(2, 5 * MIB, data[5 * MIB :], **_kw(data[5 * MIB :]))
    archive_id = await again.complete(size=len(data), tree_hash=tree_hash(data).hex())
    assert await read_all(backend, StoredObject(archive_id, SPEC.name, len(data), "")) == data
