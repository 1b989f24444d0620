"""The backends every conformance test runs on: ONE registry, :data:`BACKENDS`.

(Imported by name: tests/backends/conftest.py puts this directory on ``sys.path``.)

A backend joins the suite by adding one entry: a name and a factory, an async context manager
that starts what the backend needs (an emulator, a moto server) and yields a :class:`Harness`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import aiohttp
import pytest
from moto.server import ThreadedMotoServer

from aioglacier import Client, ClientSettings, RetryPolicy
from aioglacier.backends.base import Backend
from aioglacier.backends.fake import FakeStore
from aioglacier.backends.glacier.backend import GlacierBackend
from aioglacier.backends.s3 import Addressing, S3Api, S3Backend
from aioglacier.emulator import Emulator
from aioglacier.limits import RequestLimiter
from aioglacier.sigv4 import Credentials, SigV4Signer

#: How warm-ups behave in a test: done at once, in progress until the test says, or failing.
WarmupMode = Literal["instant", "slow", "failing"]


@dataclass
class Harness:
    """A backend under test and the test's hand on its store.

    ``make_ready()`` makes every warm-up in progress ready (a vault's clock moves on; the
    fake's jobs finish). ``failed_message`` is the store's words for a failed warm-up.
    """

    backend: Backend
    make_ready: Callable[[], Awaitable[None]]
    failed_message: str = ""


Factory = Callable[[Path, WarmupMode], AbstractAsyncContextManager[Harness]]


@asynccontextmanager
async def _fake(tmp_path: Path, warmup: WarmupMode) -> AsyncIterator[Harness]:
    store = FakeStore(instant_warmup=warmup == "instant")
    message = "the fake failed this warm-up"

    async def make_ready() -> None:
        for archive_id, warmups in list(store.warmups.items()):
            for w in warmups:
                if w.status == "in-progress":
                    store.finish_warmup(
                        archive_id, message=message if warmup == "failing" else None
                    )

    if warmup == "failing":
        store.instant_warmup = False
    yield Harness(store.backend(), make_ready, message)


@asynccontextmanager
async def _glacier_emulator(tmp_path: Path, warmup: WarmupMode) -> AsyncIterator[Harness]:
    async with Emulator(
        tmp_path / "emu",
        job_delay_scale=1.0 if warmup == "slow" else 0.0,
        faults="job:fail=1" if warmup == "failing" else None,
    ) as emu:
        settings = ClientSettings(
            endpoint_url=emu.url, credentials=emu.credentials, concurrency=4, max_attempts=4
        )
        retry = RetryPolicy(max_attempts=4, base_delay=0.005, max_delay=0.05)
        async with Client(settings, retry=retry) as client:
            await client.create_vault("vault")

            async def make_ready() -> None:
                emu.advance_clock(13 * 3600)  # longer than any retrieval tier

            yield Harness(
                GlacierBackend(client.api, "vault"),
                make_ready,
                "Failed: the emulator's fault plan failed this job",
            )


@asynccontextmanager
async def _s3_backend(
    url: str, credentials: Credentials, *, versioned: bool
) -> AsyncIterator[S3Backend]:
    """An S3Backend in DEEP_ARCHIVE on a new bucket (versioned or not) at ``url``."""
    retry = RetryPolicy(max_attempts=4, base_delay=0.005, max_delay=0.05)
    async with aiohttp.ClientSession() as session:
        api = S3Api(
            session,
            url,
            SigV4Signer.for_s3(credentials, "us-east-1"),
            RequestLimiter(8),
            retry,
            addressing=Addressing.PATH,
        )
        backend = S3Backend(api, "bucket", "pre/fix", "DEEP_ARCHIVE", retry=retry)
        await backend.ensure_exists(create=True)
        if versioned:
            await api.put_bucket_versioning("bucket", enabled=True)
            await backend.ensure_exists()
        yield backend


def _s3_emulator(*, versioned: bool) -> Factory:
    @asynccontextmanager
    async def factory(tmp_path: Path, warmup: WarmupMode) -> AsyncIterator[Harness]:
        if warmup == "failing":
            pytest.skip("an S3 restore never fails: there is no failed state to see")
        scale = 1.0 if warmup == "slow" else 0.0
        async with (
            Emulator(tmp_path / "emu", job_delay_scale=scale) as emu,
            _s3_backend(emu.url, emu.credentials, versioned=versioned) as backend,
        ):

            async def make_ready() -> None:
                emu.advance_clock(49 * 3600)  # longer than any restore tier

            yield Harness(backend, make_ready)

    return factory


@asynccontextmanager
async def _s3_moto(tmp_path: Path, warmup: WarmupMode) -> AsyncIterator[Harness]:
    if warmup == "failing":
        pytest.skip("an S3 restore never fails: there is no failed state to see")
    if warmup == "slow":
        pytest.skip("moto completes every restore at once")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        url = f"http://{host}:{port}"
        async with _s3_backend(url, Credentials("testing", "testing"), versioned=False) as b:

            async def make_ready() -> None:
                return None

            yield Harness(b, make_ready)
    finally:
        server.stop()


#: Every backend of the conformance suite (add one here).
BACKENDS: dict[str, Factory] = {
    "fake": _fake,
    "glacier-emulator": _glacier_emulator,
    "s3-emulator": _s3_emulator(versioned=False),
    "s3-emulator-versioned": _s3_emulator(versioned=True),
    "s3-moto": _s3_moto,
}
