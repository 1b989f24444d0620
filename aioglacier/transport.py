"""What every HTTP backend shares: time limits of requests, streamed bodies, final errors.

Time limits (:class:`~aioglacier.config.Timeouts`): connect, first byte, stall, and a deadline
over all attempts. One attempt of a request goes through phases, each with its own limit:

``connect``   until the connection is up and the request's headers went out (``connect``);
``send``      while the body goes out: no byte sent for ``stall`` seconds fails the attempt;
``response``  from the end of the body to the response's headers (``first_byte``);
``receive``   while the response body comes in: no byte for ``stall`` seconds fails it.

A failed phase fails the attempt with :class:`RequestTimeout` (retryable). ``deadline`` bounds a
whole request, every attempt and the waits between them included: past it the request fails for
good. The limits are enforced with one lazily re-armed ``loop.call_at`` handle per attempt
that cancels the attempt's task (as :func:`asyncio.timeout` would, for less), so a phase that
never ends (a server that accepts and never answers, a peer that stops reading)
cannot hold a request longer than its limit.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any, Literal

import aiohttp

from aioglacier.bandwidth import Bandwidth
from aioglacier.config import Timeouts
from aioglacier.errors import RemoteError

__all__ = [
    "STREAM_CHUNK",
    "AttemptTimer",
    "NetworkError",
    "Phase",
    "RequestTimeout",
    "describe_failure",
    "read_body",
    "request_tracing",
    "stream_body",
    "traced",
]

Phase = Literal["connect", "send", "response", "receive"]


_WHAT: dict[Phase, tuple[str, str]] = {
    "connect": ("ConnectTimeout", "no connection within {s} s (connect timeout)"),
    "send": ("StallTimeout", "no data sent for {s} s (stall timeout)"),
    "response": (
        "FirstByteTimeout",
        "no response within {s} s of sending the request (first-byte timeout)",
    ),
    "receive": ("StallTimeout", "no data received for {s} s (stall timeout)"),
}


def _seconds(value: float) -> str:
    return f"{value:g}"


class RequestTimeout(RemoteError):
    """An attempt went past a phase's limit (retryable), or a request past its deadline (not).

    ``phase`` is the phase that was running; ``deadline`` tells the request deadline expired.
    """

    def __init__(self, phase: Phase, limit: float, *, deadline: bool = False) -> None:
        if deadline:
            code, text = (
                "RequestDeadlineExceeded",
                f"request deadline of {_seconds(limit)} s passed",
            )
        else:
            code, template = _WHAT[phase]
            text = template.format(s=_seconds(limit))
        super().__init__(code, text, status=0, retryable=not deadline)
        self.phase = phase
        self.limit = limit
        self.deadline = deadline

    def __str__(self) -> str:
        return self.message


class AttemptTimer:
    """The limits of one attempt: ``async with AttemptTimer(...) as timer`` around it.

    :meth:`enter` starts a phase; :meth:`progress` says bytes moved (the stall clock restarts).
    ``deadline_at`` (a loop time) caps every phase. When a limit passes, the attempt's task is
    cancelled and the block raises :class:`RequestTimeout` instead of :class:`TimeoutError`.

    One ``loop.call_at`` handle per attempt, re-armed lazily: a phase change or progress only
    moves the time the attempt is due (a float); the handle, when it fires early, re-arms
    itself for that time, and is replaced only when the time moves earlier than it.
    """

    __slots__ = (
        "_at",
        "_bandwidth",
        "_binding_deadline",
        "_cancelling",
        "_deadline_at",
        "_deadline_s",
        "_expired",
        "_handle",
        "_handle_at",
        "_limit",
        "_loop",
        "_phase",
        "_slack",
        "_start",
        "_streamed",
        "_task",
        "_timeouts",
        "_when",
    )

    def __init__(
        self,
        timeouts: Timeouts,
        deadline_at: float,
        *,
        phase: Phase = "connect",
        extra: float = 0.0,
        streamed: bool = False,
        bandwidth: Bandwidth | None = None,
    ) -> None:
        self._bandwidth = bandwidth
        self._streamed = streamed
        self._timeouts = timeouts
        self._deadline_at = deadline_at
        self._deadline_s = timeouts.deadline
        self._loop = asyncio.get_running_loop()
        self._phase: Phase = phase
        self._limit = 0.0
        self._slack = 0.0
        self._at = 0.0
        self._when = 0.0  # the loop time the running phase expires
        self._binding_deadline = False
        self._start: tuple[Phase, float] = (phase, extra)
        self._handle: asyncio.TimerHandle | None = None
        self._handle_at = 0.0
        self._task: asyncio.Task[Any] | None = None
        self._cancelling = 0
        self._expired = False

    @property
    def bandwidth(self) -> Bandwidth | None:
        """The run's bandwidth limits (``--bwlimit``), which pace this attempt's bodies."""
        return self._bandwidth

    @property
    def phase(self) -> Phase:
        """The phase running now."""
        return self._phase

    def _limit_of(self, phase: Phase) -> float:
        t = self._timeouts
        if phase == "connect":
            return t.connect
        if phase == "response":
            return t.first_byte
        return t.stall

    def enter(self, phase: Phase, *, extra: float = 0.0) -> None:
        """Start ``phase``: it may last its limit (plus ``extra`` seconds)."""
        self._phase = phase
        self._limit = self._limit_of(phase)
        # Progress moves the due time at most every 1/16 of the limit: cheap on a fast
        # stream, and a stall is still caught within 1/16 of its limit.
        self._slack = self._limit / 16
        self._schedule(self._limit + extra)

    def _schedule(self, seconds: float) -> None:
        now = self._loop.time()
        self._at = now
        when = now + seconds
        deadline_at = self._deadline_at
        self._binding_deadline = when >= deadline_at
        when = when if when < deadline_at else deadline_at
        self._when = when
        if self._task is not None and not self._expired and when < self._handle_at:
            self._arm(when)  # earlier than the handle: a new one (rare)

    def _arm(self, when: float) -> None:
        if self._handle is not None:
            self._handle.cancel()
        self._handle_at = when
        self._handle = self._loop.call_at(when, self._fire)

    def _fire(self) -> None:
        self._handle = None
        if self._loop.time() < self._when:
            self._arm(self._when)  # the phase moved on: later
            return
        self._expired = True
        assert self._task is not None
        self._task.cancel()

    def connected(self) -> None:
        """The request's headers went out: ``send`` for a streamed body, else ``response``."""
        if self._phase == "connect":
            self.enter("send" if self._streamed else "response")

    def sending(self) -> None:
        """The body started to go out (the connection is up): the ``send`` phase."""
        if self._phase == "connect":
            self.enter("send")

    def sent(self) -> None:
        """The whole body went out: the ``response`` phase (unless the answer came already)."""
        if self._phase in ("connect", "send"):
            self.enter("response")

    def progress(self) -> None:
        """Bytes moved: the current phase's stall clock starts again."""
        if self._loop.time() - self._at >= self._slack:
            self._schedule(self._limit)

    async def __aenter__(self) -> AttemptTimer:
        task = asyncio.current_task()
        if task is None:
            raise RuntimeError("AttemptTimer should be used inside a task")
        self._task = task
        self._cancelling = task.cancelling()
        phase, extra = self._start
        self.enter(phase, extra=extra)
        self._arm(self._when)
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, *exc_info: object) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        task, self._task = self._task, None
        if not self._expired:
            return
        assert task is not None
        if task.uncancel() > self._cancelling or exc_type is not asyncio.CancelledError:
            return  # cancelled by someone else too: their cancellation goes on
        if self._binding_deadline:
            raise RequestTimeout(self._phase, self._deadline_s, deadline=True) from None
        raise RequestTimeout(self._phase, self._limit) from None


class NetworkError(RemoteError):
    """A request failed for good without an answer from the service: it could not connect, the
    connection broke, or a time limit passed, on every attempt (or the deadline passed).

    The message names the operation, the last failure and the number of attempts.
    """

    def __init__(self, operation: str, failure: str, attempts: int, code: str) -> None:
        plural = "" if attempts == 1 else "s"
        super().__init__(code, f"{operation}: {failure} (gave up after {attempts} attempt{plural})")
        self.operation = operation
        self.attempts = attempts

    def __str__(self) -> str:
        return self.message


def describe_failure(exc: BaseException, timeouts: Timeouts) -> str:
    """What went wrong with an attempt, in a few words for people (no traceback, no secrets)."""
    if isinstance(exc, RequestTimeout):
        return exc.message
    if isinstance(exc, RemoteError):
        if exc.status and exc.status != 200:
            return f"{exc.status} {exc.code}"
        return str(exc)
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return f"no connection within {_seconds(timeouts.connect)} s (connect timeout)"
    if isinstance(exc, aiohttp.ClientConnectorError):
        reason = exc.os_error.strerror or str(exc.os_error) or type(exc.os_error).__name__
        return f"cannot connect to {exc.host}:{exc.port}: {reason}"
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "the server closed the connection"
    if isinstance(exc, aiohttp.ClientPayloadError):
        return "the response was cut short"
    if isinstance(exc, OSError):
        return f"connection error: {exc.strerror or str(exc) or type(exc).__name__}"
    if isinstance(exc, TimeoutError):
        return "timed out"
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


#: Request bodies larger than this are streamed in slices of this size: the transport never
#: holds a second copy of a part, and every slice taken is progress for the stall limit.
STREAM_CHUNK = 256 * 1024

#: Under a bandwidth limit bodies go in smaller slices (about 1/64 s of the rate, at least
#: this), so that the wait for each stays well inside the stall limit even at a few KiB/s.
PACED_CHUNK = 16 * 1024


async def stream_body(body: bytes, timer: AttemptTimer) -> AsyncIterator[memoryview]:
    """``body`` in slices for aiohttp, driving ``timer``: a slice asked for means the previous
    one left (the ``send`` phase); the last one gone starts the ``response`` phase."""
    view = memoryview(body)
    timer.sending()
    bandwidth = timer.bandwidth
    if bandwidth is None:
        for start in range(0, len(view), STREAM_CHUNK):
            yield view[start : start + STREAM_CHUNK]
            timer.progress()
    else:
        step = bandwidth.upload.slice_size(PACED_CHUNK, STREAM_CHUNK)
        for start in range(0, len(view), step):
            piece = view[start : start + step]
            await bandwidth.upload.take(len(piece))
            timer.progress()  # our own wait is no stall of the server's
            yield piece
            timer.progress()
    timer.sent()


async def read_body(content: aiohttp.StreamReader, timer: AttemptTimer) -> bytes:
    """Read a response body to its end; every piece that arrives is progress for ``timer``."""
    chunks: list[bytes] = []
    bandwidth = timer.bandwidth
    while chunk := await content.readany():
        chunks.append(chunk)
        timer.progress()
        if bandwidth is not None:
            await bandwidth.download.take(len(chunk))
            timer.progress()  # our own wait is no stall of the server's
    if len(chunks) == 1:
        return chunks[0]
    return b"".join(chunks)


class _ConnectTracing(aiohttp.TraceConfig):
    """Tells a request's :class:`AttemptTimer` (its ``trace_request_ctx``) that its headers
    went out, which ends the ``connect`` phase."""

    def __init__(self) -> None:
        super().__init__()
        self.on_request_headers_sent.append(_headers_sent)


async def _headers_sent(
    session: aiohttp.ClientSession,
    context: object,
    params: aiohttp.TraceRequestHeadersSentParams,
) -> None:
    timer = getattr(context, "trace_request_ctx", None)
    if isinstance(timer, AttemptTimer):
        timer.connected()


def request_tracing() -> aiohttp.TraceConfig:
    """The trace config a session needs for a precise ``connect`` phase: pass it in
    ``aiohttp.ClientSession(trace_configs=[...])``. Without it, a request whose body is not
    streamed gets the connect and first-byte limits together from its start."""
    return _ConnectTracing()


def traced(session: aiohttp.ClientSession) -> bool:
    """Whether ``session`` carries :func:`request_tracing`."""
    return any(isinstance(config, _ConnectTracing) for config in session.trace_configs)
