"""The request pipeline both APIs share: one port, one path for every request.

For each request :class:`Pipeline` picks the API (:class:`Api`) by the service of its SigV4
credential scope (an unsigned request by its shape), gives it a request id, lets the API
authenticate and route it, holds it at a test's gate (:mod:`aioglacier.emulator.gates`), draws
a fault (:mod:`aioglacier.emulator.faults`) and applies it, throttles its body to the plan's
bandwidth, runs the operation, and turns what went wrong into the API's error document. Each
API brings only what is its own: signature rules and error codes, routes, handlers.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar, Generic, TypeVar
from urllib.parse import unquote

from aiohttp import web

from aioglacier.emulator.clock import Clock
from aioglacier.emulator.faults import FaultInjector
from aioglacier.emulator.gates import Gate
from aioglacier.emulator.ids import IdGenerator
from aioglacier.emulator.transfer import ConnectionDropped, Throttle, reset_connection

__all__ = [
    "ERROR_FAULTS",
    "Api",
    "Exchange",
    "Pipeline",
    "Settings",
    "credential_service",
]

_log = logging.getLogger(__name__)

#: The faults that answer with the API's error instead of running the operation.
ERROR_FAULTS = frozenset({"500", "503", "throttle", "timeout"})

_CREDENTIAL = re.compile(r"Credential=([^,\s]+)")

A = TypeVar("A")


@dataclass(frozen=True)
class Settings:
    """What every API of the emulator shares: who may call, which account, the clocks, the
    fault plan, hash checking, the I/O threads and the id generator."""

    credentials: Mapping[str, tuple[str, str | None]]
    """Access key to (secret key, session token or None)."""
    account: str
    clock: Clock
    """The service clock (dates, job and restore completion)."""
    auth_clock: Callable[[], datetime]
    """The clock signatures are checked against (real time)."""
    job_delay_scale: float
    faults: FaultInjector | None
    verify_hashes: bool
    executor: concurrent.futures.Executor
    ids: IdGenerator
    host: str
    """The host name or address listened on (S3's virtual-host addressing)."""
    completed_upload_retention: timedelta
    """How long a repeated Complete Multipart Upload (vault API) still answers."""


@dataclass
class Exchange:
    """One admitted request as a handler sees it: the request, its id, its operation, the
    fault drawn for it (or None) and the throttle its body goes through."""

    request: web.BaseRequest
    request_id: str
    operation: str
    fault: str | None
    throttle: Throttle


def credential_service(headers: Mapping[str, str], raw_query: str) -> str | None:
    """The service of a request's SigV4 credential scope (``s3``, ``glacier``...), from the
    Authorization header or a presigned URL's ``X-Amz-Credential``; None when unsigned."""
    authorization = headers.get("Authorization")
    credential: str | None = None
    if authorization is not None:
        match = _CREDENTIAL.search(authorization)
        credential = match.group(1) if match else None
    elif "X-Amz-Credential=" in raw_query:
        for item in raw_query.split("&"):
            name, _, value = item.partition("=")
            if name == "X-Amz-Credential":
                credential = unquote(value)
                break
    if credential is None:
        return None
    parts = credential.split("/")
    return parts[3] if len(parts) == 5 else None


class Api(ABC, Generic[A]):
    """One API served by the :class:`Pipeline`: how it authenticates and routes a request
    (:meth:`admit`, giving the operation and what its handler needs, of type ``A``), runs it
    (:meth:`dispatch`) and answers errors."""

    #: The service its requests' credential scope names.
    service: ClassVar[str]
    #: Operations whose handler receives the request body as it arrives.
    streaming: ClassVar[frozenset[str]]
    #: Operations that stream their answer: a ``reset`` fault cuts it mid-body (the handler's
    #: job), instead of before the operation runs.
    streams_answer: ClassVar[frozenset[str]]
    #: The exceptions :meth:`error_response` turns into the API's error documents.
    errors: ClassVar[tuple[type[Exception], ...]]

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def claims_unsigned(self, request: web.BaseRequest) -> bool:
        """Whether an unsigned request is this API's (by its shape)."""
        return False

    @abstractmethod
    async def admit(self, request: web.BaseRequest) -> tuple[str, A]:
        """Authenticate and route ``request``: its operation and what the handler needs, or
        raise one of :attr:`errors`."""

    @abstractmethod
    async def drain(self, request: web.BaseRequest, admitted: A) -> None:
        """Receive and drop the body of a streaming operation (a ``timeout`` fault: the body
        is received, then refused)."""

    @abstractmethod
    async def dispatch(self, exchange: Exchange, admitted: A) -> web.StreamResponse:
        """Run the operation."""

    @abstractmethod
    def fault_error(self, fault: str) -> Exception:
        """The error that an error fault (one of :data:`ERROR_FAULTS`) answers with."""

    @abstractmethod
    def internal_error(self) -> Exception:
        """The error a bug in the emulator answers with."""

    @abstractmethod
    def error_response(
        self, error: Exception, request: web.BaseRequest, request_id: str
    ) -> web.Response:
        """The answer to one of :attr:`errors`."""

    @abstractmethod
    def stamp(
        self, response: web.StreamResponse, request: web.BaseRequest, request_id: str
    ) -> None:
        """Put the request id (and whatever else every answer carries) on an answer not yet
        sent."""


class Pipeline:
    """Serve every API on one aiohttp low-level server; count requests, hold gates, wait for
    idleness.

    ``apis``: a signed request goes to the API its credential scope names (else to the first,
    which answers with its own scope error); an unsigned one to the first that claims it
    (:meth:`Api.claims_unsigned`), else to the last.
    """

    def __init__(self, settings: Settings, apis: Sequence[Api[Any]]) -> None:
        if not apis:
            raise ValueError("at least one API is needed")
        self.settings = settings
        self.apis = tuple(apis)
        self._by_service = {api.service: api for api in self.apis}
        self.requests = 0
        """Requests received so far (every API, every outcome)."""
        self.gates: dict[str, Gate] = {}
        self.active = 0
        self._idle = asyncio.Event()
        self._idle.set()

    def make_server(self) -> web.Server:
        """The aiohttp low-level server: every request goes straight to :meth:`handle`
        (routing is ours; no application, router or middleware layers on the hot path)."""
        return web.Server(self.handle, access_log=None)

    def hold(self, operation: str, after: int) -> Gate:
        """A gate on ``operation`` (see :class:`Gate`)."""
        gate = Gate(operation, after)
        self.gates[operation] = gate
        return gate

    def open_gates(self) -> None:
        """Let every held request through (the emulator is stopping)."""
        for gate in self.gates.values():
            gate.open()

    async def idle(self) -> None:
        """Return once no request is being handled (every handler, and its cleanup, ended)."""
        await self._idle.wait()

    def api_for(self, request: web.BaseRequest) -> Api[Any]:
        """The API a request is for."""
        service = credential_service(request.headers, request.raw_path.partition("?")[2])
        if service is not None:
            return self._by_service.get(service, self.apis[0])
        for api in self.apis:
            if api.claims_unsigned(request):
                return api
        return self.apis[-1]

    async def handle(self, request: web.BaseRequest) -> web.StreamResponse:
        """Answer one request (errors become the API's error documents)."""
        self.requests += 1
        self.active += 1
        self._idle.clear()
        try:
            return await self._answer(self.api_for(request), request)
        finally:
            self.active -= 1
            if not self.active:
                self._idle.set()

    async def _answer(self, api: Api[Any], request: web.BaseRequest) -> web.StreamResponse:
        request_id = self.settings.ids.request_id()
        try:
            response = await self._run(api, request, request_id)
        except api.errors as exc:
            response = api.error_response(exc, request, request_id)
        except ConnectionDropped:
            response = web.Response(status=500)  # never reaches the client
        except (ConnectionError, asyncio.IncompleteReadError) as exc:
            _log.debug("client went away: %r", exc)
            response = web.Response(status=400)
        except web.HTTPException:
            raise
        except Exception:
            _log.exception("emulator error on %s %s", request.method, request.path)
            response = api.error_response(api.internal_error(), request, request_id)
        if not response.prepared:
            api.stamp(response, request, request_id)
        return response

    async def _run(
        self, api: Api[A], request: web.BaseRequest, request_id: str
    ) -> web.StreamResponse:
        operation, admitted = await api.admit(request)
        gate = self.gates.get(operation)
        if gate is not None:
            await gate.pass_through()
        faults = self.settings.faults
        fault = faults.next_fault(operation) if faults is not None else None
        plan = faults.plan if faults is not None else None
        streaming = operation in api.streaming
        if fault in ERROR_FAULTS:
            if streaming and fault == "timeout":
                await api.drain(request, admitted)
            raise api.fault_error(fault)
        if fault == "reset" and not streaming and operation not in api.streams_answer:
            reset_connection(request)
            raise ConnectionDropped
        if fault == "slow" and plan is not None:
            await asyncio.sleep(plan.slow_delay)
        throttle = Throttle(plan.bandwidth if plan is not None else None)
        exchange = Exchange(request, request_id, operation, fault, throttle)
        response = await api.dispatch(exchange, admitted)
        if fault == "drop":
            reset_connection(request)
            raise ConnectionDropped
        if fault == "truncate" and isinstance(response, web.Response):
            await _send_truncated(request, response)
            raise ConnectionDropped
        return response


async def _send_truncated(request: web.BaseRequest, response: web.Response) -> None:
    """Send the status line, the headers and half the body of ``response``, then cut."""
    body = response.body
    data = bytes(body) if isinstance(body, (bytes, bytearray)) else b""
    stream = web.StreamResponse(status=response.status, headers=response.headers)
    stream.content_length = len(data)
    await stream.prepare(request)
    if data:
        await stream.write(data[: len(data) // 2])
    if request.transport is not None:
        request.transport.close()
