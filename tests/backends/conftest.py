"""Fixtures of the conformance suite: every test runs once per backend of
:data:`backend_harness.BACKENDS` (add a backend there, nowhere else)."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from backend_harness import BACKENDS, Factory, Harness


@pytest.fixture(params=sorted(BACKENDS))
def backend_factory(request: pytest.FixtureRequest) -> Factory:
    """Each registered backend's factory in turn."""
    return BACKENDS[request.param]


@pytest.fixture
async def harness(backend_factory: Factory, tmp_path: Path) -> AsyncIterator[Harness]:
    """A backend whose warm-ups are done at once."""
    async with backend_factory(tmp_path, "instant") as h:
        yield h
