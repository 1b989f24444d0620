"""Fixtures of the S3 client suite: an S3 server (parametrized), an S3Api on it, a bucket.

``s3_server`` is parametrized over the servers the suite runs against; each is described by an
:class:`S3Server` that names what it lacks (``missing``), so a test of a feature the server does
not implement skips with that name. Adding the emulator's S3 later is one more parameter.
"""

from __future__ import annotations

import itertools
import random
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest
from moto.server import ThreadedMotoServer

# The suite's helper module (s3_helpers.py) sits next to this file; tests import it by name.
sys.path.insert(0, str(Path(__file__).parent))

from s3_helpers import MOTO_MISSING, LoopbackResolver, S3Server, Target, make_s3

from aioglacier.backends.s3 import S3Api
from aioglacier.emulator import Emulator
from aioglacier.sigv4 import Credentials


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


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """An aiohttp session whose resolver sends ``*.test`` names to 127.0.0.1."""
    connector = aiohttp.TCPConnector(resolver=LoopbackResolver())
    async with aiohttp.ClientSession(connector=connector) as sess:
        yield sess


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


async def _nothing() -> None:
    return None


@pytest.fixture
async def emulator_s3(tmp_path: Path) -> AsyncIterator[Target]:
    """The emulator's S3 with AWS's restore delays on an advanceable clock."""
    async with Emulator(tmp_path / "emu", job_delay_scale=1.0) as emu:

        async def finish() -> None:
            emu.advance_clock(timedelta(hours=49))  # longer than any tier

        yield Target(S3Server("emulator", emu.url, emu.credentials), finish)


@pytest.fixture
def moto_target(moto_s3: S3Server) -> Target:
    """moto as a backend target (its restores are done at once)."""
    return Target(moto_s3, _nothing)


@pytest.fixture(params=["moto", "emulator"])
def target(request: pytest.FixtureRequest) -> Target:
    """Each S3 server of the backend's suites in turn."""
    name = "moto_target" if request.param == "moto" else "emulator_s3"
    found: Target = request.getfixturevalue(name)
    return found


@pytest.fixture
def api(session: aiohttp.ClientSession, target: Target) -> S3Api:
    """An S3Api on the backend target under test."""
    return make_s3(session, target.server)
