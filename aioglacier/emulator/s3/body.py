"""Request bodies in (plain, or ``aws-chunked`` with chunk signatures and trailers) and
object bytes out.

Bodies are read on the loop and handed to an executor thread that hashes them (MD5 for the
ETag, SHA-256 when the signature covers the payload, the ``x-amz-checksum-*`` algorithm) and
``pwrite``\\ s them; while one piece is hashed and written the next is read.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import hmac
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from aioglacier.emulator.s3.auth import (
    STREAMING_SIGNED,
    STREAMING_SIGNED_TRAILER,
    STREAMING_UNSIGNED_TRAILER,
    S3Auth,
    chunk_string_to_sign,
    trailer_string_to_sign,
)
from aioglacier.emulator.s3.checksums import Checksum
from aioglacier.emulator.s3.errors import S3Error
from aioglacier.emulator.transfer import (
    CHUNK,
    ConnectionDropped,
    SinkWriter,
    Throttle,
    read_up_to,
    reset_connection,
)

__all__ = [
    "BodySource",
    "Digests",
    "close_segments",
    "open_segments",
    "read_small",
    "receive_to_file",
]

_MAX_CHUNK = 16 * 1024 * 1024
_STREAMING = frozenset({STREAMING_SIGNED, STREAMING_SIGNED_TRAILER, STREAMING_UNSIGNED_TRAILER})


def _incomplete() -> S3Error:
    return S3Error(
        "IncompleteBody",
        "You did not provide the number of bytes specified by the Content-Length HTTP header",
        400,
    )


def _bad_chunk() -> S3Error:
    return S3Error("InvalidRequest", "The aws-chunked body is malformed.", 400)


class BodySource:
    """The decoded payload of one request, read piece by piece.

    ``length`` is the payload's announced size (``x-amz-decoded-content-length`` for
    aws-chunked bodies, else Content-Length; None when unknown). After the last piece,
    ``trailers`` holds the trailing headers of an aws-chunked body (``x-amz-checksum-*``).
    """

    def __init__(self, request: web.BaseRequest, auth: S3Auth) -> None:
        self.request = request
        self.auth = auth
        self.chunked = auth.payload in _STREAMING
        self.signed_chunks = auth.payload in (STREAMING_SIGNED, STREAMING_SIGNED_TRAILER)
        self.trailers: dict[str, str] = {}
        self._started = False
        self._buffer = b""
        self._done = False
        self._received = 0
        self._previous = auth.signature
        if self.chunked:
            raw = request.headers.get("x-amz-decoded-content-length")
            if raw is None or not raw.isdigit():
                raise S3Error(
                    "MissingContentLength", "You must provide the Content-Length HTTP header.", 411
                )
            self.length: int | None = int(raw)
        else:
            self.length = request.content_length

    async def _start(self) -> None:
        self._started = True
        request = self.request
        if (
            request.version >= (1, 1)
            and request.headers.get("Expect", "").lower() == "100-continue"
            and request.writer is not None
        ):
            await request.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")

    async def read(self, size: int) -> bytes:
        """Up to ``size`` bytes of payload; ``b""`` at the end (after which the trailers and
        the announced length are verified)."""
        if not self._started:
            await self._start()
        if self._done:
            return b""
        if not self.chunked:
            data = await self._read_plain(size)
        else:
            data = await self._read_chunked(size)
        self._received += len(data)
        if not data:
            self._done = True
            if self.length is not None and self._received != self.length:
                raise _incomplete()
        elif self.length is not None and self._received > self.length:
            raise _incomplete()
        return data

    async def _read_plain(self, size: int) -> bytes:
        content = self.request.content
        if self.length is not None:
            want = min(size, self.length - self._received)
            if want <= 0:
                return b""
            try:
                return await content.readexactly(want)
            except asyncio.IncompleteReadError:
                raise _incomplete() from None
        return await read_up_to(content, size)

    async def _read_chunked(self, size: int) -> bytes:
        while not self._buffer:
            if not await self._next_chunk():
                return b""
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data

    async def _line(self) -> bytes:
        line = await self.request.content.readline()
        if not line.endswith(b"\r\n"):
            raise _bad_chunk()
        return line[:-2]

    async def _next_chunk(self) -> bool:
        """Read one chunk into the buffer; False after the final (empty) chunk."""
        header = (await self._line()).decode("latin-1")
        size_text, _, extension = header.partition(";")
        try:
            size = int(size_text.strip(), 16)
        except ValueError:
            raise _bad_chunk() from None
        if size > _MAX_CHUNK:
            raise _bad_chunk()
        content = self.request.content
        try:
            data = await content.readexactly(size) if size else b""
        except asyncio.IncompleteReadError:
            raise _incomplete() from None
        if self.signed_chunks:
            name, _, signature = extension.strip().partition("=")
            if name != "chunk-signature":
                raise _bad_chunk()
            expected = self.auth.key.digest(
                chunk_string_to_sign(
                    self.auth, self._previous, hashlib.sha256(data).hexdigest()
                ).encode()
            ).hex()
            if not hmac.compare_digest(expected, signature):
                raise S3Error(
                    "SignatureDoesNotMatch",
                    "The request signature we calculated does not match the signature you "
                    "provided. Check your key and signing method.",
                    403,
                )
            self._previous = signature
        if size:
            if await content.readexactly(2) != b"\r\n":
                raise _bad_chunk()
            self._buffer = data
            return True
        await self._read_trailers()
        return False

    async def _read_trailers(self) -> None:
        signed_lines: list[bytes] = []
        signature: str | None = None
        while True:
            try:
                line = await self._line()
            except asyncio.IncompleteReadError:
                raise _bad_chunk() from None
            if not line:
                break
            name, sep, value = line.decode("latin-1").partition(":")
            if not sep:
                raise _bad_chunk()
            name = name.strip().lower()
            if name == "x-amz-trailer-signature":
                signature = value.strip()
                continue
            self.trailers[name] = value.strip()
            signed_lines.append(f"{name}:{value.strip()}\n".encode())
        if self.auth.payload == STREAMING_SIGNED_TRAILER and self.trailers:
            expected = self.auth.key.digest(
                trailer_string_to_sign(self.auth, self._previous, b"".join(signed_lines)).encode()
            ).hex()
            if signature is None or not hmac.compare_digest(expected, signature):
                raise S3Error(
                    "SignatureDoesNotMatch",
                    "The request signature we calculated does not match the signature you "
                    "provided. Check your key and signing method.",
                    403,
                )

    async def read_all(self, limit: int) -> bytes:
        """The whole payload (for small XML bodies); ``MaxMessageLengthExceeded`` past
        ``limit`` bytes."""
        parts: list[bytes] = []
        total = 0
        while True:
            data = await self.read(CHUNK)
            if not data:
                return b"".join(parts)
            total += len(data)
            if total > limit:
                raise S3Error("MaxMessageLengthExceeded", "Your request was too big.", 400)
            parts.append(data)


@dataclass
class Digests:
    """What a body hashed to: MD5 (the ETag), SHA-256 (when asked) and one S3 checksum."""

    size: int
    md5: bytes
    sha256: str | None
    checksum: Checksum | None


@dataclass
class _Sink:
    path: Path
    md5: Any = field(default_factory=hashlib.md5)
    sha256: Any = None
    checksum: Checksum | None = None
    fd: int | None = None
    written: int = 0

    def write(self, data: bytes, *, last: bool) -> None:
        if self.fd is None:
            self.fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        if data:
            self.md5.update(data)
            if self.sha256 is not None:
                self.sha256.update(data)
            if self.checksum is not None:
                self.checksum.update(data)
            view = memoryview(data)
            while view:
                count = os.pwrite(self.fd, view, self.written)
                view = view[count:]
                self.written += count
        if last:
            fd, self.fd = self.fd, None
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

    def discard(self) -> None:
        fd, self.fd = self.fd, None
        if fd is not None:
            os.close(fd)
        self.path.unlink(missing_ok=True)


async def receive_to_file(
    source: BodySource,
    path: Path,
    *,
    sha256: bool,
    checksum: str | None,
    executor: concurrent.futures.Executor | None,
    throttle: Throttle,
    reset_at: int | None = None,
) -> Digests:
    """Stream the payload into a new file ``path`` (hashed on the way) and fsync it. On any
    failure the file is removed. ``reset_at``: reset the connection after that many bytes and
    raise :class:`ConnectionDropped` (fault injection)."""
    sink = _Sink(
        path,
        sha256=hashlib.sha256() if sha256 else None,
        checksum=Checksum(checksum) if checksum else None,
    )
    writer = SinkWriter(sink, executor)
    received = 0
    try:
        small = source.length is not None and source.length <= CHUNK and reset_at is None
        if small:  # one read, one executor job: hash, write, fsync, close
            assert source.length is not None
            pieces: list[bytes] = []
            got = 0
            while got < source.length:
                piece = await source.read(source.length - got)
                if not piece:
                    break  # (read raised IncompleteBody already)
                pieces.append(piece)
                got += len(piece)
            if await source.read(1):
                raise _incomplete()
            data = b"".join(pieces)
            await throttle.account(len(data))
            await writer.write(data, last=True)
            received = len(data)
        while not small:
            want = CHUNK
            if reset_at is not None:
                if received >= reset_at:
                    reset_connection(source.request)
                    raise ConnectionDropped
                want = max(1, min(want, reset_at - received))
            data = await source.read(want)
            received += len(data)
            await throttle.account(len(data))
            await writer.write(data, last=not data)
            if not data:
                break
    except BaseException:
        await writer.discard()
        raise
    return Digests(
        size=received,
        md5=sink.md5.digest(),
        sha256=sink.sha256.hexdigest() if sink.sha256 is not None else None,
        checksum=sink.checksum,
    )


def open_segments(
    paths: list[tuple[Path, int]], first: int, last: int
) -> list[tuple[int, int, int]]:
    """Open the files holding bytes ``first..last`` of an object made of ``(path, size)``
    segments; returns ``(fd, offset in file, length)`` to send, in order (thread side).
    FileNotFoundError when a file is gone (the object was replaced meanwhile)."""
    out: list[tuple[int, int, int]] = []
    start = 0
    try:
        for path, size in paths:
            end = start + size  # exclusive
            if end > first and start <= last and size:
                lo = max(first, start) - start
                hi = min(last + 1, end) - start
                out.append((os.open(path, os.O_RDONLY), lo, hi - lo))
            start = end
            if start > last:
                break
    except BaseException:
        for fd, _, _ in out:
            os.close(fd)
        raise
    return out


def close_segments(segments: list[tuple[int, int, int]]) -> None:
    """Close what :func:`open_segments` opened (thread side)."""
    for fd, _, _ in segments:
        os.close(fd)


def read_small(paths: list[tuple[Path, int]], first: int, last: int) -> bytes:
    """Bytes ``first..last`` of an object made of ``(path, size)`` segments, in one go (thread
    side; FileNotFoundError when a file is gone)."""
    segments = open_segments(paths, first, last)
    try:
        return b"".join(os.pread(fd, length, offset) for fd, offset, length in segments)
    finally:
        close_segments(segments)
