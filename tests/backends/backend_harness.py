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

from aioglacier import Client, ClientSettings, RetryPolicy
from aioglacier.backends.base import Backend
from aioglacier.backends.fake import FakeStore
from aioglacier.backends.glacier.backend import GlacierBackend
from aioglacier.emulator import Emulator

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


#: Every backend of the conformance suite (add one here).
BACKENDS: dict[str, Factory] = {
    "fake": _fake,
    "glacier-emulator": _glacier_emulator,
}
