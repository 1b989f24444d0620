"""Gates: hold requests of one operation until a test lets them through.

A test that must act while a client is in the middle of a run (send it a signal, kill it)
cannot rely on the client being slow enough: a gate lets the first ``after`` requests of an
operation through and holds every later one until :meth:`Gate.open` is called, so the client
is certain to be mid-run, whatever the machine's speed.
"""

from __future__ import annotations

import asyncio

__all__ = ["Gate"]


class Gate:
    """Let ``after`` requests of an operation through, hold the rest until :meth:`open`."""

    def __init__(self, operation: str, after: int) -> None:
        if after < 0:
            raise ValueError(f"after must be >= 0, not {after}")
        self.operation = operation
        self.after = after
        self.arrived = 0
        """Requests of the operation seen so far (held or not)."""
        self._opened = asyncio.Event()
        self._held = asyncio.Event()

    async def pass_through(self) -> None:
        """Called by the server for each request of the operation: returns when it may go on."""
        self.arrived += 1
        if self.arrived <= self.after:
            return
        self._held.set()
        await self._opened.wait()

    async def holding(self) -> None:
        """Wait until at least one request is being held."""
        await self._held.wait()

    def open(self) -> None:
        """Let every held and later request through."""
        self._opened.set()
