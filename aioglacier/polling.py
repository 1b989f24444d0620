"""The one polling backoff of the commands that wait for a store (warm-ups, inventories)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

__all__ = ["MAX_POLL_DELAY", "NO_WAIT", "Polling", "poll_delay"]

#: The longest wait between two checks, in seconds.
MAX_POLL_DELAY = 300.0


def poll_delay(round_number: int, poll: Callable[[int], float] | None = None) -> float:
    """The wait before check ``round_number + 1``: ``poll(round_number)`` when given, else
    2 s doubling up to 5 minutes."""
    if poll is not None:
        return poll(round_number)
    return min(MAX_POLL_DELAY, 2.0 * 2.0**round_number)


@dataclass(frozen=True)
class Polling:
    """Whether a command waits for what the store has in progress (``wait``), and how:
    ``poll(n)`` is the n-th delay (default :func:`poll_delay`'s), ``sleep`` waits it."""

    wait: bool = False
    poll: Callable[[int], float] | None = None
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep, compare=False)

    def delay(self, round_number: int) -> float:
        """The wait before check ``round_number + 1``."""
        return poll_delay(round_number, self.poll)


#: Check once, wait for nothing.
NO_WAIT = Polling()
