"""Servers that misbehave on purpose, on 127.0.0.1, each started and stopped by its test.

- :class:`SilentServer` accepts connections, reads what comes, never answers.
- :class:`TrickleServer` answers every request with headers, then a body of one byte per
  interval, forever.
- :class:`FaultyProxy` forwards to a real server (the emulator) and misbehaves for requests that
  its rules pick: it stays silent, stops reading the request's body, or cuts the response after
  a few bytes and then holds the connection open.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from dataclasses import dataclass, field
from types import TracebackType
from typing import Literal, Self

Behaviour = Literal["pass", "silent", "stop-reading", "cut-response"]


class _Server:
    """A TCP server on 127.0.0.1 whose connection tasks are all cancelled at exit."""

    def __init__(self) -> None:
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._stop = asyncio.Event()
        self.connections = 0

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        raise NotImplementedError

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._writers.add(writer)
        try:
            await self._serve(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass  # a test server: going away in any way is the end of the connection
        finally:
            self._tasks.discard(task)
            self._writers.discard(writer)
            writer.close()

    async def forever(self) -> None:
        """Hold a connection open, doing nothing, until the server stops."""
        await self._stop.wait()

    @property
    def url(self) -> str:
        assert self._server is not None
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def _socket(self) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Small receive buffers (inherited by accepted sockets): a server that stops reading
        # blocks its client's sending after a few KiB, not after megabytes of kernel buffers.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.bind(("127.0.0.1", 0))
        return sock

    async def __aenter__(self) -> Self:
        self._server = await asyncio.start_server(self._accept, sock=self._socket())
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._server is not None
        self._server.close()
        self._stop.set()
        for writer in list(self._writers):
            writer.close()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._server.wait_closed()


class SilentServer(_Server):
    """Accepts, reads and discards everything, never writes a byte."""

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while await reader.read(65536):
            pass


class TrickleServer(_Server):
    """Answers each request with a 200 whose body comes one byte per ``interval``, forever."""

    def __init__(self, interval: float) -> None:
        super().__init__()
        self.interval = interval
        self.bytes_sent = 0

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\n\r\n")
        await writer.drain()
        while not self._stop.is_set():
            await asyncio.sleep(self.interval)
            if writer.is_closing() or reader.at_eof():
                return  # the client gave up
            writer.write(b"{")
            self.bytes_sent += 1
            await writer.drain()


@dataclass
class Rule:
    """Requests whose first line contains ``needle`` get ``behaviour``, ``times`` times."""

    needle: str
    behaviour: Behaviour
    times: int = 1
    #: for cut-response: response bytes relayed before the cut
    keep: int = 600
    used: int = field(default=0, init=False)


class FaultyProxy(_Server):
    """Forwards HTTP/1.1 requests to ``upstream`` one by one; rules pick the ones to spoil.

    ``seen`` lists (request line, behaviour) in arrival order.
    """

    def __init__(self, upstream: str, rules: list[Rule]) -> None:
        super().__init__()
        host, _, port = upstream.removeprefix("http://").partition(":")
        self._upstream = (host, int(port))
        self.rules = rules
        self.seen: list[tuple[str, Behaviour]] = []

    def _decide(self, line: str) -> Rule | None:
        for rule in self.rules:
            if rule.needle in line and rule.used < rule.times:
                rule.used += 1
                return rule
        return None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self._upstream)
        left: list[int | None] = [None]  # response bytes still relayed (None: all)
        hold = asyncio.Event()

        async def relay() -> None:
            while data := await up_reader.read(65536):
                if left[0] is not None:
                    data = data[: left[0]]
                    left[0] -= len(data)
                if data:
                    writer.write(data)
                    await writer.drain()
            if not hold.is_set():
                writer.close()

        pump = asyncio.create_task(relay())
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                line = head.split(b"\r\n", 1)[0].decode("latin-1")
                rule = self._decide(line)
                behaviour: Behaviour = rule.behaviour if rule else "pass"
                self.seen.append((line, behaviour))
                length = _content_length(head)
                if behaviour == "silent":
                    hold.set()
                    while await reader.read(65536):
                        pass
                    return
                if behaviour == "stop-reading":
                    hold.set()
                    await self.forever()  # never read again
                    return
                if behaviour == "cut-response":
                    assert rule is not None
                    hold.set()
                    left[0] = rule.keep
                up_writer.write(head)
                while length > 0:
                    chunk = await reader.read(min(length, 65536))
                    if not chunk:
                        return
                    length -= len(chunk)
                    up_writer.write(chunk)
                    await up_writer.drain()
                if behaviour == "cut-response":
                    await self.forever()  # the response stops; the connection stays
                    return
        finally:
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionError):
                await pump
            up_writer.close()

    def spoiled(self) -> list[tuple[str, Behaviour]]:
        """The requests that were not passed through as they were."""
        return [(line, b) for line, b in self.seen if b != "pass"]


def _content_length(head: bytes) -> int:
    for raw in head.split(b"\r\n")[1:]:
        name, _, value = raw.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value.strip())
    return 0
