"""The one polling backoff of the commands that wait for a store (warm-ups, inventories)."""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["MAX_POLL_DELAY", "poll_delay"]

#: The longest wait between two checks, in seconds.
MAX_POLL_DELAY = 300.0


def poll_delay(round_number: int, poll: Callable[[int], float] | None = None) -> float:
    """The wait before check ``round_number + 1``: ``poll(round_number)`` when given, else
    2 s doubling up to 5 minutes."""
    if poll is not None:
        return poll(round_number)
    return min(MAX_POLL_DELAY, 2.0 * 2.0**round_number)
