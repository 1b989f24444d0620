"""Fixtures for the emulator suite: a fresh emulator per test, boto3 and raw signed clients."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

# The suite's helper module (emu_helpers.py) sits next to this file; tests import it by name.
sys.path.insert(0, str(Path(__file__).parent))

from emu_helpers import RawClient, S3Raw, make_client, make_s3_client

from aioglacier.emulator import Emulator


@pytest.fixture
async def emulator(tmp_path: Path) -> AsyncIterator[Emulator]:
    """An emulator on 127.0.0.1, a free port, in a temporary directory (stopped after)."""
    async with Emulator(tmp_path / "emulator") as emu:
        yield emu


@pytest.fixture
def glacier(emulator: Emulator) -> Any:
    """boto3 glacier client talking to the emulator."""
    return make_client(emulator.url, emulator.credentials)


@pytest.fixture
async def raw(emulator: Emulator) -> AsyncIterator[RawClient]:
    """A raw signed aiohttp client for the emulator."""
    client = RawClient(emulator.url, emulator.credentials)
    try:
        yield client
    finally:
        await client.close()


@pytest.fixture
def s3(emulator: Emulator) -> Any:
    """boto3 s3 client (path-style) talking to the emulator."""
    return make_s3_client(emulator.url, emulator.credentials)


@pytest.fixture
async def s3raw(emulator: Emulator) -> AsyncIterator[S3Raw]:
    """Raw signed S3 requests to the emulator."""
    client = S3Raw(emulator.url, emulator.credentials)
    try:
        yield client
    finally:
        await client.close()
