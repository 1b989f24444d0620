"""Adopting a bucket (``download-inventory --bucket``): a journal from what the bucket holds,
on moto and the emulator's S3."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from s3_helpers import SPEC, backend_on, digests, put

from aioglacier.backends.base import ObjectSpec
from aioglacier.backends.s3 import S3Api
from aioglacier.backends.s3.adopt import adopt_bucket
from aioglacier.errors import AioGlacierError
from aioglacier.journal import read_journal
from aioglacier.treehash import MIB, UNKNOWN_TREE_HASH, tree_hash


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def test_a_bucket_written_by_us_and_by_others_becomes_a_journal(
    api: S3Api, tmp_path: Path
) -> None:
    backend = await backend_on(api, "STANDARD", prefix="photos")
    ours = await put(backend, b"written by aioglacier", SPEC)
    big = os.urandom(MIB + 1)
    writer = await backend.start_multipart(ObjectSpec("multi", 5), size=-1, part_size=5 * MIB)
    tree, digest = digests(big)
    await writer.write_part(1, 0, big, tree_hash=tree, sha256=digest)
    multi = await writer.complete(size=len(big), tree_hash=tree)
    bucket = backend.bucket
    # rclone: its mtime metadata, no tree hash, a SHA-256 checksum (small: that is the tree hash)
    await api.put_object(
        bucket, "photos/rclone.jpg", b"rclone", sha256=sha(b"rclone"), metadata={"mtime": "1.5"}
    )
    # aws s3 sync: nothing but the bytes, too big for the checksum to be the tree hash
    await api.put_object(bucket, "photos/aws/big.bin", big, sha256=sha(big))
    await api.put_object(bucket, "photos/dir/", b"", sha256=sha(b""))  # a "directory"
    await api.put_object(bucket, "photos/a//b", b"x", sha256=sha(b"x"))
    await api.put_object(bucket, "elsewhere.txt", b"x", sha256=sha(b"x"))
    journal = tmp_path / "journal"
    warnings: list[str] = []
    adopted = await adopt_bucket(backend, journal, on_warning=warnings.append, page_size=2)
    assert warnings == [
        "skipped photos/a//b: not a journal file name",
        "skipped photos/dir/: not a journal file name",
    ]
    assert adopted.unknown_tree_hash == 2
    state = read_journal(journal)
    rows = {name: (r.archive_id, r.size, r.mtime, r.treehash) for name, r in state.files.items()}
    aws = await api.head_object(bucket, "photos/aws/big.bin")
    rclone = await api.head_object(bucket, "photos/rclone.jpg")
    assert rows == {
        SPEC.name: (ours.archive_id, ours.size, SPEC.mtime, ours.tree_hash),
        "multi": (multi, len(big), 5, UNKNOWN_TREE_HASH),
        "rclone.jpg": ("s3:" + rclone.etag.strip('"'), 6, 1, tree_hash(b"rclone").hex()),
        "aws/big.bin": ("s3:" + aws.etag.strip('"'), len(big), None, UNKNOWN_TREE_HASH),
    }
    lines = journal.read_text().splitlines()
    assert [line.split("\t")[-1] for line in lines] == sorted(rows, key=str.encode)
    with pytest.raises(AioGlacierError, match="is not empty"):
        await adopt_bucket(backend, journal)


async def test_a_versioned_bucket_gives_version_ids(api: S3Api, tmp_path: Path) -> None:
    backend = await backend_on(api, "STANDARD", versioned=True, prefix="")
    obj = await put(backend, b"versioned")
    adopted = await adopt_bucket(backend, tmp_path / "j")
    assert [(r.archive_id, r.relfilename) for r in adopted.records] == [(obj.archive_id, SPEC.name)]
    assert obj.archive_id.startswith("s3v:")
