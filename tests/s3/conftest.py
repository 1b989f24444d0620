"""Fixtures of the S3 client suite: an S3 server (parametrized), an S3Api on it, a bucket.

``s3_server`` is parametrized over the servers the suite runs against; each is described by an
:class:`S3Server` that names what it lacks (``missing``), so a test of a feature the server does
not implement skips with that name. Adding the emulator's S3 later is one more parameter.
"""

from __future__ import annotations

import itertools
import random
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp.abc import AbstractResolver, ResolveResult
from moto.server import ThreadedMotoServer

from aioglacier.backends.s3 import Addressing, ChecksumMode, S3Api
from aioglacier.limits import RequestLimiter
from aioglacier.retry import RetryPolicy
from aioglacier.sigv4 import Credentials, SigV4Signer

#: Features a server may lack; a test needing one calls ``server.require(NAME)``.
RESTORE_IN_PROGRESS_409 = "409 RestoreAlreadyInProgress while a restore runs"
RESTORE_DELAY = 'restores that take time (x-amz-restore ongoing-request="true")'
RESTORE_STATUS_LISTING = "RestoreStatus in ListObjectsV2 (x-amz-optional-object-attributes)"
CHECKSUM_VERIFICATION = "verification of x-amz-checksum-* and x-amz-content-sha256"
CONDITIONAL_COMPLETE = "If-None-Match on CompleteMultipartUpload"
PART_SIZE_MINIMUM = "EntityTooSmall for parts under 5 MiB"


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
        RESTORE_IN_PROGRESS_409,
        RESTORE_STATUS_LISTING,
        CHECKSUM_VERIFICATION,
        CONDITIONAL_COMPLETE,
        PART_SIZE_MINIMUM,
    }
)


@pytest.fixture(scope="session")
def moto_s3() -> Iterator[S3Server]:
    """moto in server mode on 127.0.0.1 (a free port), for the whole session."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield S3Server(
            "moto",
            f"http://{host}:{port}",
            Credentials("testing", "testing"),
            missing=MOTO_MISSING,
            virtual_host=f"s3.aioglacier.test:{port}",
        )
    finally:
        server.stop()


@pytest.fixture(params=["moto"])
def s3_server(request: pytest.FixtureRequest) -> S3Server:
    """Every S3 server of the suite in turn."""
    server: S3Server = request.getfixturevalue(f"{request.param}_s3")
    return server


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


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """An aiohttp session whose resolver sends ``*.test`` names to 127.0.0.1."""
    connector = aiohttp.TCPConnector(resolver=LoopbackResolver())
    async with aiohttp.ClientSession(connector=connector) as sess:
        yield sess


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


@pytest.fixture
def s3(session: aiohttp.ClientSession, s3_server: S3Server) -> S3Api:
    """An S3Api on the server under test, path-style, checksums on."""
    return make_s3(session, s3_server)


_bucket_numbers = itertools.count()


@pytest.fixture
async def bucket(s3: S3Api) -> str:
    """A new, empty bucket of its own for the test."""
    name = f"aioglacier-test-{next(_bucket_numbers)}-{random.randrange(16**8):08x}"
    assert await s3.create_bucket(name) is True
    return name
