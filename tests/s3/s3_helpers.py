"""Helpers of the S3 suites (imported by name: the directory is put on sys.path)."""

from __future__ import annotations

import hashlib
import random
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from aioglacier.backends.base import ObjectSpec, StoredObject
from aioglacier.backends.s3 import Addressing, ChecksumMode, S3Api, S3Backend
from aioglacier.limits import RequestLimiter
from aioglacier.retry import RetryPolicy
from aioglacier.sigv4 import Credentials, SigV4Signer
from aioglacier.treehash import tree_hash


class LoopbackResolver(AbstractResolver):
    """Resolves every ``*.test`` name to 127.0.0.1 and refuses any other name."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        if host != "127.0.0.1" and not host.endswith(".test"):
            raise OSError(f"the test resolver only knows *.test names, not {host!r}")
        return [
            ResolveResult(
                hostname=host,
                host="127.0.0.1",
                port=port,
                family=socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
        ]

    async def close(self) -> None:
        return None


#: Features a server may lack; a test needing one calls ``server.require(NAME)``.
RESTORE_IN_PROGRESS_409 = "409 RestoreAlreadyInProgress while a restore runs"
RESTORE_DELAY = 'restores that take time (x-amz-restore ongoing-request="true")'
RESTORE_STATUS_LISTING = "RestoreStatus in ListObjectsV2 (x-amz-optional-object-attributes)"
CHECKSUM_VERIFICATION = "verification of x-amz-checksum-* and x-amz-content-sha256"
CONDITIONAL_COMPLETE = "If-None-Match on CompleteMultipartUpload"
LINE_FEED_KEYS = "keys holding a line feed (its werkzeug routing answers 404)"
PART_SIZE_MINIMUM = "EntityTooSmall for parts under 5 MiB"
PART_CHECKSUMS_LISTED = "each part's ChecksumSHA256 in ListParts"


@dataclass(frozen=True)
class S3Server:
    """An S3 endpoint under test and what it lacks."""

    name: str
    url: str
    credentials: Credentials
    region: str = "us-east-1"
    missing: frozenset[str] = field(default_factory=frozenset)
    #: a host name that resolves to the server, for virtual-host addressing (``b.HOST:port``)
    virtual_host: str | None = None

    def require(self, feature: str) -> None:
        """Skip the calling test when this server lacks ``feature``."""
        if feature in self.missing:
            pytest.skip(f"{self.name} lacks {feature}")


MOTO_MISSING = frozenset(
    {
        RESTORE_DELAY,
        LINE_FEED_KEYS,
        RESTORE_IN_PROGRESS_409,
        RESTORE_STATUS_LISTING,
        CHECKSUM_VERIFICATION,
        CONDITIONAL_COMPLETE,
        PART_SIZE_MINIMUM,
        PART_CHECKSUMS_LISTED,
    }
)


def make_s3(
    session: aiohttp.ClientSession,
    server: S3Server,
    *,
    url: str | None = None,
    region: str | None = None,
    **kwargs: Any,
) -> S3Api:
    """An S3Api on ``server`` (path style unless ``addressing`` says otherwise)."""
    signer = SigV4Signer.for_s3(server.credentials, region or server.region)
    kwargs.setdefault("addressing", Addressing.PATH)
    kwargs.setdefault("checksum_mode", ChecksumMode.WHEN_SUPPORTED)
    return S3Api(
        session,
        url or server.url,
        signer,
        RequestLimiter(8),
        RetryPolicy(max_attempts=2, base_delay=0.0, rng=random.Random(0)),
        **kwargs,
    )


@dataclass
class Target:
    """An S3 server under test (for the backend's suites), and how to move its restores on."""

    server: S3Server
    finish_restores: Callable[[], Awaitable[None]]


#: The object most backend tests store.
SPEC = ObjectSpec("dir/file name.bin", 1_577_934_245)


async def new_bucket(api: S3Api, *, versioned: bool = False) -> str:
    """A new bucket of a random name (versioning enabled if asked)."""
    name = f"backend-{random.randrange(16**10):010x}"
    assert await api.create_bucket(name)
    if versioned:
        await api.put_bucket_versioning(name, enabled=True)
    return name


async def backend_on(
    api: S3Api,
    storage_class: str = "DEEP_ARCHIVE",
    *,
    versioned: bool = False,
    prefix: str = "pre/fix",
) -> S3Backend:
    """An S3Backend on a new bucket, checked with ensure_exists."""
    backend = S3Backend(api, await new_bucket(api, versioned=versioned), prefix, storage_class)
    await backend.ensure_exists()
    return backend


def digests(data: bytes) -> tuple[str, str]:
    """(tree hash, SHA-256) of ``data``, hex."""
    return tree_hash(data).hex(), hashlib.sha256(data).hexdigest()


async def put(backend: S3Backend, data: bytes, spec: ObjectSpec = SPEC) -> StoredObject:
    """Store ``data`` with the backend's put; the journal's view of it."""
    tree, sha = digests(data)
    archive_id = await backend.put(spec, data, tree_hash=tree, sha256=sha)
    return StoredObject(archive_id, spec.name, len(data), tree)
