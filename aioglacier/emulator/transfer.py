"""Streaming request bodies to disk (hashing on the way) and files back to the client.

Bytes are read on the loop, then handed to an executor thread that hashes them (tree hash and
linear SHA-256, :class:`~aioglacier.treehash.TreeHasher`) and ``pwrite``\\ s them; while one chunk
is being hashed and written, the next one is read (double buffering). A small body (at most one
chunk) costs a single executor job: hash, write, fsync, close.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import os
import socket
import struct
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Protocol

from aiohttp import StreamReader, web

from aioglacier.treehash import TreeHasher

__all__ = [
    "CHUNK",
    "ConnectionDropped",
    "FileSink",
    "Received",
    "Sink",
    "SinkWriter",
    "Throttle",
    "read_up_to",
    "receive_body",
    "reset_connection",
    "send_answer",
    "send_segments",
]

_log = logging.getLogger(__name__)

CHUNK = 1024 * 1024


class ConnectionDropped(Exception):
    """The connection was reset on purpose (fault injection); no response can be sent."""


def reset_connection(request: web.BaseRequest) -> None:
    """Reset the client's connection (TCP RST: SO_LINGER 0, then abort)."""
    transport = request.transport
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


class Throttle:
    """Caps a transfer at ``rate`` bytes per second (sleeps as needed)."""

    def __init__(self, rate: int | None) -> None:
        self.rate = rate
        self.start = time.monotonic()
        self.done = 0

    async def account(self, nbytes: int) -> None:
        """Count ``nbytes`` transferred and wait until the rate allows more."""
        if self.rate is None:
            return
        self.done += nbytes
        ahead = self.done / self.rate - (time.monotonic() - self.start)
        if ahead > 0:
            await asyncio.sleep(ahead)


class FileSink:
    """Where a body goes: ``path`` at ``base_offset``; used from one executor job at a time.

    ``create`` makes a new file (a single-request upload's temporary file) that :meth:`discard`
    removes again; otherwise the file exists (a multipart upload's sparse file).
    """

    def __init__(
        self, path: Path, *, base_offset: int = 0, create: bool, hasher: TreeHasher | None
    ) -> None:
        self.path = path
        self.base_offset = base_offset
        self.create = create
        self.hasher = hasher
        self.fd: int | None = None
        self.written = 0

    def write(self, data: bytes, *, last: bool) -> None:
        """Hash and write the next bytes; with ``last``, also fsync and close (thread side)."""
        if self.fd is None:
            flags = os.O_WRONLY | (os.O_CREAT | os.O_EXCL if self.create else 0)
            self.fd = os.open(self.path, flags, 0o644)
        if self.hasher is not None:
            self.hasher.update(data)
        view = memoryview(data)
        offset = self.base_offset + self.written
        while view:
            count = os.pwrite(self.fd, view, offset)
            view = view[count:]
            offset += count
        self.written += len(data)
        if last:
            self.close(sync=True)

    def close(self, *, sync: bool) -> None:
        """fsync (data, or data and size for a new file) and close (thread side)."""
        fd, self.fd = self.fd, None
        if fd is None:
            if sync and self.create:  # empty body: still make the (empty) file
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            else:
                return
        try:
            if sync:
                if self.create:
                    os.fsync(fd)
                else:
                    os.fdatasync(fd)
        finally:
            os.close(fd)

    def discard(self) -> None:
        """Close without syncing; remove a created file (thread side)."""
        self.close(sync=False)
        if self.create:
            self.path.unlink(missing_ok=True)


class Sink(Protocol):
    """Where a body goes: written chunk by chunk on an executor thread (``last``: the final
    chunk, then make it durable), or discarded."""

    def write(self, data: bytes, *, last: bool) -> None:
        """Write (and hash) ``data``; with ``last``, finish the file."""

    def discard(self) -> None:
        """Drop what was written."""


class SinkWriter:
    """Feeds a :class:`Sink` on ``executor`` with one write in flight while the loop reads the
    next chunk (double buffering)."""

    def __init__(self, sink: Sink, executor: concurrent.futures.Executor | None) -> None:
        self._sink = sink
        self._executor = executor
        self._pending: asyncio.Future[None] | None = None

    async def write(self, data: bytes, *, last: bool) -> None:
        """Hand ``data`` over once the previous write is done; wait for the ``last`` one."""
        loop = asyncio.get_running_loop()
        if self._pending is not None:
            pending, self._pending = self._pending, None
            await pending
        job = loop.run_in_executor(self._executor, partial(self._sink.write, data, last=last))
        if last:
            await job
        else:
            self._pending = job

    async def discard(self) -> None:
        """Let the write in flight end (whatever its outcome), then discard the sink."""
        if self._pending is not None:
            await asyncio.gather(self._pending, return_exceptions=True)
        await asyncio.get_running_loop().run_in_executor(self._executor, self._sink.discard)


@dataclass(frozen=True)
class Received:
    """What :func:`receive_body` got."""

    size: int


async def receive_body(
    request: web.BaseRequest,
    sink: Sink,
    *,
    expected: int | None,
    executor: concurrent.futures.Executor | None,
    throttle: Throttle,
    reset_at: int | None = None,
    first: bytes | None = None,
) -> Received:
    """Stream the request body into ``sink`` (hashing it on the way) and fsync it.

    ``expected`` is the Content-Length when known. ``reset_at``: reset the connection after that
    many bytes and raise :class:`ConnectionDropped` (fault injection). On any failure the sink
    is discarded. ``first`` is a body already read in full (small bodies).
    """
    writer = SinkWriter(sink, executor)
    received = 0
    try:
        if first is not None:
            await throttle.account(len(first))
            await writer.write(first, last=True)
            return Received(len(first))
        content = request.content
        while True:
            if reset_at is not None and received >= reset_at:
                reset_connection(request)
                raise ConnectionDropped
            want = CHUNK if expected is None else min(CHUNK, expected - received)
            if reset_at is not None:
                want = min(want, reset_at - received)
            if expected is not None:
                data = await content.readexactly(want) if want > 0 else b""
            else:
                data = await read_up_to(content, want)
            received += len(data)
            await throttle.account(len(data))
            if reset_at is not None and received >= reset_at and data:
                continue_reading = True
            else:
                continue_reading = False
            last = not continue_reading and (
                not data or (expected is not None and received >= expected)
            )
            await writer.write(data, last=last)
            if last:
                return Received(received)
    except BaseException:
        await writer.discard()
        raise


async def read_up_to(content: StreamReader, size: int) -> bytes:
    """Read up to ``size`` bytes (fewer only at the end of the body)."""
    parts: list[bytes] = []
    got = 0
    while got < size:
        data = await content.read(size - got)
        if not data:
            break
        parts.append(data)
        got += len(data)
    return b"".join(parts)


async def send_answer(
    request: web.BaseRequest,
    response: web.StreamResponse,
    segments: list[tuple[int, int, int]],
    *,
    executor: concurrent.futures.Executor | None,
    throttle: Throttle,
    fault: str | None,
    what: str,
) -> None:
    """Prepare ``response`` (its headers and Content-Length set) and send ``segments`` as its
    body (see :func:`send_segments`); a ``truncate`` or ``reset`` fault cuts it halfway. Once
    the status line is sent the only way left to signal a failure is to cut the body: an error
    then is logged (naming ``what``) and the connection reset."""
    await response.prepare(request)
    length = sum(count for _, _, count in segments)
    try:
        await send_segments(
            response,
            segments,
            executor=executor,
            throttle=throttle,
            cut_at=length // 2 if fault in ("truncate", "reset") else None,
            request=request,
            reset=fault == "reset",
        )
        await response.write_eof()
    except (ConnectionDropped, ConnectionError):
        raise
    except Exception:
        _log.exception("emulator error sending %s", what)
        reset_connection(request)
        raise ConnectionDropped from None


async def send_segments(
    response: web.StreamResponse,
    segments: list[tuple[int, int, int]],
    *,
    executor: concurrent.futures.Executor | None,
    throttle: Throttle,
    cut_at: int | None = None,
    request: web.BaseRequest | None = None,
    reset: bool = False,
) -> None:
    """Write ``segments`` (open file, offset, length) to a prepared response, reading ahead one
    piece; ``cut_at``: stop after that many bytes and close (``reset``: RST) the connection
    (faults)."""
    loop = asyncio.get_running_loop()
    pieces: list[tuple[int, int, int]] = []
    for fd, offset, length in segments:
        done = 0
        while done < length:
            count = min(CHUNK, length - done)
            pieces.append((fd, offset + done, count))
            done += count
    sent = 0
    next_read: asyncio.Future[bytes] | None = None
    index = 0

    def schedule() -> asyncio.Future[bytes] | None:
        nonlocal index
        if index >= len(pieces):
            return None
        fd, offset, count = pieces[index]
        index += 1
        return loop.run_in_executor(executor, os.pread, fd, count, offset)

    try:
        next_read = schedule()
        while next_read is not None:
            data = await next_read
            next_read = None
            if not data:
                raise OSError("a file is shorter than its metadata says")
            if cut_at is not None and sent + len(data) >= cut_at:
                await response.write(data[: cut_at - sent])
                if request is not None:
                    if reset:
                        reset_connection(request)
                    elif request.transport is not None:
                        request.transport.close()
                raise ConnectionDropped
            next_read = schedule()
            await response.write(data)
            sent += len(data)
            await throttle.account(len(data))
    finally:
        if next_read is not None:
            await asyncio.gather(next_read, return_exceptions=True)
