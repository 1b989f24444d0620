"""Signed HTTP requests, the layer every store's REST API sends through.

One request, from the outside in:

``retry``      :meth:`SignedHttp.retried`: full-jitter backoff
               (:class:`~aioglacier.retry.RetryPolicy`), a
               :class:`~aioglacier.progress.Retrying` event to the listener before each retry,
               and the request deadline (:class:`~aioglacier.config.Timeouts`) across attempts;
``sign``       each attempt is signed afresh (:class:`~aioglacier.sigv4.SigV4Signer`);
``slot``       a slot of the shared :class:`~aioglacier.limits.RequestLimiter`, held by the
               attempt only (never while waiting for the next one);
``send``       aiohttp under the attempt's time limits (:mod:`aioglacier.transport`): large
               bodies streamed from memory in slices, the response body read to its end;
``decode``     a status the caller did not expect becomes the error the API's own decoder
               (:data:`ErrorDecoder`: Glacier's JSON errors, S3's XML ones) builds from it.

The API above the layer builds URLs and headers, and decodes successful answers; the layer owns
nothing that needs closing (the caller owns the session and the limiter).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping
from contextlib import asynccontextmanager
from dataclasses import KW_ONLY, dataclass, field
from typing import Any, Self, TypeVar, cast

import aiohttp
from aiohttp.base_protocol import BaseProtocol
from yarl import URL

from aioglacier.bandwidth import Bandwidth, TokenBucket
from aioglacier.config import Timeouts
from aioglacier.errors import RemoteError
from aioglacier.limits import RequestLimiter
from aioglacier.progress import Retrying
from aioglacier.retry import RetryPolicy, is_retryable
from aioglacier.sigv4 import EMPTY_SHA256, SigV4Signer
from aioglacier.transport import (
    STREAM_CHUNK,
    AttemptTimer,
    NetworkError,
    RequestTimeout,
    describe_failure,
    read_body,
    stream_body,
    traced,
)

__all__ = [
    "Answer",
    "AnswerCheck",
    "ErrorDecoder",
    "RetryListener",
    "SignedApi",
    "SignedHttp",
    "StreamedAnswer",
]

log = logging.getLogger(__name__)
T = TypeVar("T")

#: Receives a :class:`~aioglacier.progress.Retrying` event before each retry (any progress
#: sink will do).
RetryListener = Callable[[Retrying], None]

#: Builds the error an unexpected answer means from its status, body and headers (each API
#: has its own; it builds typed errors with :func:`aioglacier.errors.remote_error`).
ErrorDecoder = Callable[[int, bytes, Mapping[str, str]], RemoteError]

#: Looks at an expected answer (status, headers, body) and raises when it is an error after
#: all (S3's 200 with an ``<Error>`` document); a retryable one is retried like any other.
AnswerCheck = Callable[[int, Mapping[str, str], bytes], None]

#: What a request returns: status, headers, whole body.
Answer = tuple[int, Mapping[str, str], bytes]


class _NoFlowControl(BaseProtocol):
    """The protocol of a paced stream: what fills it (a pump) is paced already."""

    @property
    def connected(self) -> bool:
        """Always: the pump ends the stream (eof or the error) when the connection goes."""
        return True

    def pause_reading(self) -> None:
        """Nothing to pause."""

    def resume_reading(self, resume_parser: bool = True) -> None:
        """Nothing to resume."""


async def _pump(
    source: aiohttp.StreamReader,
    sink: aiohttp.StreamReader,
    timer: AttemptTimer,
    bucket: TokenBucket,
) -> None:
    """Move ``source``'s bytes to ``sink`` at the bucket's rate (a paced download). Each piece
    is taken from the bucket before the caller sees it; aiohttp's own flow control stops the
    socket while the pump waits."""
    try:
        while chunk := await source.readany():
            timer.progress()
            await bucket.take(len(chunk))
            timer.progress()  # our own wait is no stall of the server's
            sink.feed_data(chunk)
        sink.feed_eof()
    except asyncio.CancelledError:
        sink.set_exception(aiohttp.ClientPayloadError("download cancelled"))
        raise
    except BaseException as exc:
        sink.set_exception(exc)


@dataclass(frozen=True, slots=True)
class StreamedAnswer:
    """An open response whose body has not been read: see :meth:`SignedHttp.open`.

    Read the body with :meth:`read` (or feed ``timer.progress()`` while reading ``content``):
    the attempt's stall limit runs while the body streams.
    """

    status: int
    headers: Mapping[str, str] = field(repr=False)
    content: aiohttp.StreamReader = field(repr=False)
    content_length: int | None
    timer: AttemptTimer = field(repr=False)

    async def read(self) -> bytes:
        """The whole body; no byte arriving for the stall limit fails the attempt."""
        return await read_body(self.content, self.timer)


@dataclass(frozen=True, slots=True, repr=False, eq=False)
class SignedHttp:
    """Signed, limited, timed and retried requests on one aiohttp session.

    ``decode_error`` turns an answer with a status the caller did not expect into its error.
    Retries are reported to ``listener``, named after ``subject`` (the file a request is for).
    ``allow_redirects`` and ``skip_auto_headers`` go to every aiohttp request (S3 follows no
    redirect and sends no Content-Type aiohttp would add unsigned). ``timeouts`` None: the
    defaults of :class:`~aioglacier.config.Timeouts`. ``bandwidth`` (the run's ``--bwlimit``,
    one per client) paces every body sent and received: streamed bodies slice by slice, a
    small one as a whole before it goes, a download as it arrives.
    """

    session: aiohttp.ClientSession
    signer: SigV4Signer
    limiter: RequestLimiter
    retry_policy: RetryPolicy
    decode_error: ErrorDecoder
    _: KW_ONLY
    timeouts: Timeouts | None = None
    listener: RetryListener | None = None
    subject: str = ""
    allow_redirects: bool = True
    skip_auto_headers: tuple[str, ...] | None = None
    bandwidth: Bandwidth | None = None
    #: The time limits in force (``timeouts`` or the defaults).
    limits: Timeouts = field(init=False)
    _client_timeout: aiohttp.ClientTimeout = field(init=False)
    _traced: bool = field(init=False)

    def __post_init__(self) -> None:
        limits = self.timeouts or Timeouts()
        object.__setattr__(self, "limits", limits)
        # Connecting is bounded by aiohttp (it sees the socket); every later phase by the
        # attempt's own timer (see aioglacier.transport), whatever the session's defaults.
        client_timeout = aiohttp.ClientTimeout(
            total=None, connect=None, sock_connect=limits.connect, sock_read=None
        )
        object.__setattr__(self, "_client_timeout", client_timeout)
        object.__setattr__(self, "_traced", traced(self.session))

    def __repr__(self) -> str:
        return f"SignedHttp(region={self.signer.region!r}, limiter={self.limiter!r})"

    def bind(
        self, *, subject: str | None = None, listener: RetryListener | None = None
    ) -> SignedHttp:
        """The same layer with retries reported to ``listener`` and named after ``subject``
        (the file a request is for). Cheap: one per file is fine (a copy of the slots, no
        ``__init__``: ``dataclasses.replace`` would rebuild the derived fields each time, a
        sizeable part of the client CPU of a small file)."""
        bound = object.__new__(SignedHttp)
        for name in _SIGNED_HTTP_SLOTS:
            object.__setattr__(bound, name, getattr(self, name))
        if subject is not None:
            object.__setattr__(bound, "subject", subject)
        if listener is not None:
            object.__setattr__(bound, "listener", listener)
        return bound

    def deadline(self) -> float:
        """The loop time a request starting now must be done by."""
        return asyncio.get_running_loop().time() + self.limits.deadline

    # ---------------------------------------------------------------- one attempt

    def sign(
        self, method: str, url: str, headers: dict[str, str], payload_hash: str
    ) -> dict[str, str]:
        """Set the signature's headers in ``headers`` (the request's own dict) and return it.

        Each attempt signs anew: the signer ignores the headers it sets (``Authorization``,
        ``X-Amz-Date``, ``X-Amz-Security-Token``), so a retry's signature is not made of the
        previous one's.
        """
        headers.update(self.signer.sign(method, url, headers, payload_hash))
        return headers

    def timer(self, deadline_at: float, *, streamed: bool, paced: bool = True) -> AttemptTimer:
        """The time limits of one attempt ending by ``deadline_at`` (a loop time); its bodies
        are paced by the layer's ``bandwidth`` unless ``paced`` is False."""
        bandwidth = self.bandwidth if paced else None
        if streamed or self._traced:
            # The request's headers going out (traced) or the body's first slice end the
            # connect phase.
            return AttemptTimer(
                self.limits, deadline_at, phase="connect", streamed=streamed, bandwidth=bandwidth
            )
        # Without tracing, nothing tells when a small body went out: from the start, connect
        # and first byte together.
        return AttemptTimer(
            self.limits,
            deadline_at,
            phase="response",
            extra=self.limits.connect,
            bandwidth=bandwidth,
        )

    async def once(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        body: bytes | memoryview,
        payload_hash: str,
        expect: tuple[int, ...],
        deadline_at: float,
        check: AnswerCheck | None = None,
    ) -> Answer:
        """One attempt: sign, take a slot, send, read the whole answer, decode an error.

        ``url`` is sent as it is (percent-encoded already); ``payload_hash`` is the SigV4
        payload hash of ``body``; ``headers`` is the request's own dict: the signature is set
        in it.
        """
        signed = self.sign(method, url, headers, payload_hash)
        streamed = len(body) > STREAM_CHUNK
        if self.bandwidth is not None and body and not streamed:
            # A small body goes whole: its bytes are taken before the attempt (no slot held,
            # no time limit running while the bucket makes it wait).
            await self.bandwidth.upload.take(len(body))
        async with self.limiter, self.timer(deadline_at, streamed=streamed) as timer:
            data: bytes | memoryview | AsyncIterator[memoryview] | None = body or None
            if streamed:
                # stream_body slices a memoryview of what it is given: bytes or a memoryview.
                data = stream_body(cast(bytes, body), timer)
            async with self.session.request(
                method,
                URL(url, encoded=True),
                headers=signed,
                data=data,
                timeout=self._client_timeout,
                trace_request_ctx=timer,
                allow_redirects=self.allow_redirects,
                skip_auto_headers=self.skip_auto_headers,
            ) as resp:
                if not resp.content.is_eof():
                    # A body still to come: the stall limit runs while it arrives. (Most
                    # answers came whole with their headers: then nothing below can wait,
                    # and the timer is not rescheduled.)
                    timer.enter("receive")
                content = await read_body(resp.content, timer)
                if resp.status not in expect:
                    raise self.decode_error(resp.status, content, resp.headers)
                if check is not None:
                    check(resp.status, resp.headers, content)
                return resp.status, resp.headers, content

    @asynccontextmanager
    async def open(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        *,
        payload_hash: str = EMPTY_SHA256,
        expect: tuple[int, ...] = (200, 206),
        deadline_at: float | None = None,
        unsigned_headers: Mapping[str, str] | None = None,
        auto_decompress: bool = True,
    ) -> AsyncIterator[StreamedAnswer]:
        """One bodiless attempt whose response body streams to the caller (a download).

        The request slot and the attempt's time limits are held until the block ends; the first
        byte limit applies to the headers, the stall limit to the body (read it with
        :meth:`StreamedAnswer.read`), and ``deadline_at`` (a loop time; default: the request
        deadline from now) to the whole. An unexpected status raises the decoded error. Not
        retried: the caller retries the whole block (see :meth:`retried`).
        ``unsigned_headers`` are sent without being signed (transport headers such as
        ``Accept-Encoding``).
        """
        signed = self.sign(method, url, dict(headers), payload_hash)
        if unsigned_headers:
            signed.update(unsigned_headers)
        if deadline_at is None:
            deadline_at = self.deadline()
        # A download is paced by a pump between aiohttp's stream and the caller's (below):
        # however the caller reads, the bytes reach it at the limit.
        async with (
            self.limiter,
            self.timer(deadline_at, streamed=False, paced=False) as timer,
            self.session.request(
                method,
                URL(url, encoded=True),
                headers=signed,
                timeout=self._client_timeout,
                trace_request_ctx=timer,
                allow_redirects=self.allow_redirects,
                skip_auto_headers=self.skip_auto_headers,
                auto_decompress=auto_decompress,
            ) as resp,
        ):
            timer.enter("receive")
            if resp.status not in expect:
                content = await read_body(resp.content, timer)
                raise self.decode_error(resp.status, content, resp.headers)
            if self.bandwidth is None:
                yield StreamedAnswer(
                    resp.status, resp.headers, resp.content, resp.content_length, timer
                )
                return
            loop = asyncio.get_running_loop()
            paced = aiohttp.StreamReader(_NoFlowControl(loop), 2**16, loop=loop)
            pump = asyncio.create_task(_pump(resp.content, paced, timer, self.bandwidth.download))
            try:
                yield StreamedAnswer(resp.status, resp.headers, paced, resp.content_length, timer)
            finally:
                pump.cancel()
                await asyncio.gather(pump, return_exceptions=True)

    # ---------------------------------------------------------------- retries

    async def retried(
        self,
        operation: str,
        attempt: Callable[[float], Awaitable[T]],
        *,
        policy: RetryPolicy | None = None,
        retry: bool = True,
        on_retry: Callable[[int, BaseException], None] | None = None,
    ) -> T:
        """Await ``attempt(deadline_at)`` until it succeeds, fails permanently, attempts run out
        or the request deadline (``deadline_at``, a loop time) passes.

        Before each retry, ``on_retry(next_attempt, error)`` is called and a
        :class:`~aioglacier.progress.Retrying` event goes to the listener. A failure without an
        answer from the service (no connection, a broken one, a time limit) ends as one
        :class:`~aioglacier.transport.NetworkError` naming ``operation``; an error the service
        sent is raised as it is.
        """
        policy = policy or self.retry_policy
        loop = asyncio.get_running_loop()
        deadline_at = loop.time() + self.limits.deadline
        number = 1
        while True:
            try:
                return await attempt(deadline_at)
            except Exception as exc:
                error = exc
            if not retry or number >= policy.max_attempts or not is_retryable(error):
                raise self.final(operation, error, number) from None
            number += 1
            delay = policy.delay(number)
            if loop.time() + delay >= deadline_at:
                late = RequestTimeout("response", self.limits.deadline, deadline=True)
                failure = f"{describe_failure(error, self.limits)}; {late.message}"
                raise NetworkError(operation, failure, number - 1, late.code) from None
            log.debug("attempt %d of %s after %r", number, operation, error)
            if on_retry is not None:
                on_retry(number, error)
            if self.listener is not None:
                self.listener(
                    Retrying(
                        operation=operation,
                        relfilename=self.subject,
                        error=describe_failure(error, self.limits),
                        attempt=number,
                        max_attempts=policy.max_attempts,
                        delay=delay,
                    )
                )
            await policy.sleep(delay)

    def final(self, operation: str, error: Exception, attempts: int) -> Exception:
        """The error a request ends with: the service's own, or one line for the others."""
        if isinstance(error, RemoteError) and not isinstance(error, RequestTimeout):
            return error
        if not (isinstance(error, RequestTimeout) or is_retryable(error)):
            return error  # not a network failure (a bug, a bad URL...): as it is
        code = error.code if isinstance(error, RequestTimeout) else "NetworkError"
        return NetworkError(operation, describe_failure(error, self.limits), attempts, code)

    def request(
        self,
        method: str,
        url: str,
        *,
        operation: str,
        headers: dict[str, str],
        body: bytes | memoryview = b"",
        payload_hash: str,
        expect: tuple[int, ...] = (200,),
        retry: bool = True,
        on_retry: Callable[[int, BaseException], None] | None = None,
        check: AnswerCheck | None = None,
    ) -> Coroutine[Any, Any, Answer]:
        """Send one request, retried when transient; await it for status, headers and body.

        ``operation`` names it in retry events and errors (``upload_part``...); ``headers`` is
        the request's own dict (each attempt sets its signature in it); ``check`` looks at
        every expected answer (see :data:`AnswerCheck`). (A plain function returning the
        retry loop's coroutine: one coroutine less per request.)
        """

        def attempt(deadline_at: float) -> Awaitable[Answer]:
            return self.once(method, url, headers, body, payload_hash, expect, deadline_at, check)

        return self.retried(operation, attempt, retry=retry, on_retry=on_retry)


#: Every slot of a :class:`SignedHttp` (what :meth:`SignedHttp.bind` copies).
_SIGNED_HTTP_SLOTS: tuple[str, ...] = SignedHttp.__slots__


class SignedApi:
    """What every store's typed API shares: a :class:`SignedHttp` layer (and its signer).

    A subclass builds the URLs and headers of its operations and decodes their answers; it
    sends through ``self._http``.
    """

    def __init__(self, http: SignedHttp) -> None:
        self._http = http
        self._signer = http.signer

    @property
    def limiter(self) -> RequestLimiter:
        """The request limiter every call goes through."""
        return self._http.limiter

    def bind(self, *, subject: str | None = None, listener: RetryListener | None = None) -> Self:
        """The same API (session, limiter, policy) with retries reported to ``listener`` as
        :class:`~aioglacier.progress.Retrying` events naming ``subject`` (the file a request
        is for). Cheap: one per file is fine."""
        # copy.copy's semantics (a shallow copy) without its reduce protocol: one per file.
        bound = object.__new__(type(self))
        bound.__dict__.update(self.__dict__)
        bound._http = self._http.bind(subject=subject, listener=listener)
        return bound
