"""An in-memory :class:`~aioglacier.backends.base.Backend` with injectable faults.

The engine's fast tests run on it: no HTTP, no emulator, every store behaviour the engine
depends on (capabilities, multipart uploads, warm-ups, ranged reads with or without a tree
hash) and the faults it must survive, injected by the test:

- :meth:`FakeStore.fail`: the Nth call of an operation raises a given error;
- :meth:`FakeStore.lose_upload`: a multipart upload disappears (the store's lifecycle rule);
- ``instant_warmup=False``: warm-ups stay in progress until the test calls
  :meth:`FakeStore.finish_warmup` (``warmup_requested`` is set when one is asked for);
- :meth:`FakeStore.corrupt_reads`: the next reads of an object return a flipped byte.

State lives in a :class:`FakeStore` (one per test); :class:`FakeBackend` is a view of it, as
:meth:`~aioglacier.backends.base.Backend.bind` requires.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, TypeVar

from aioglacier.backends import base
from aioglacier.backends.base import ObjectSpec, Part, StoredObject, Warmup
from aioglacier.backends.glacier.backend import GLACIER_CAPABILITIES
from aioglacier.errors import AioGlacierError, RemoteError, TransferError, remote_error
from aioglacier.progress import Retrying
from aioglacier.retry import RetryPolicy, is_retryable
from aioglacier.treehash import tree_hash, tree_hash_from_parts

__all__ = ["FAKE_CAPABILITIES", "FakeBackend", "FakeObject", "FakeStore"]

T = TypeVar("T")

#: The fake's default limits: a vault's (tests give others, an S3 bucket's say, with
#: :func:`dataclasses.replace`), without the inventory.
FAKE_CAPABILITIES = replace(GLACIER_CAPABILITIES, inventory=False, object_name="a fake object")


@dataclass
class FakeObject:
    """A stored object: its spec, bytes and tree hash."""

    spec: ObjectSpec
    data: bytes = field(repr=False)
    tree_hash: str


@dataclass
class _Upload:
    spec: ObjectSpec
    part_size: int
    started: str
    parts: dict[int, tuple[Part, bytes]] = field(default_factory=dict)


class FakeStore:
    """The state of one fake store and its faults (see the module docs)."""

    def __init__(
        self,
        capabilities: base.Capabilities = FAKE_CAPABILITIES,
        *,
        target: str = "fake",
        instant_warmup: bool = True,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.capabilities = capabilities
        self.target = target
        self.instant_warmup = instant_warmup
        self.retry = retry or RetryPolicy(max_attempts=3, base_delay=0.0, max_delay=0.0)
        self.objects: dict[str, FakeObject] = {}
        self.uploads: dict[str, _Upload] = {}
        self.warmups: dict[str, list[Warmup]] = defaultdict(list)
        self.calls: dict[str, int] = defaultdict(int)
        self.warmup_requested = asyncio.Event()
        self._faults: dict[tuple[str, int], BaseException] = {}
        self._corrupt: dict[str, int] = defaultdict(int)
        self._ids = itertools.count(1)

    def next_id(self, kind: str) -> str:
        """A new id (``archive-1``, ``upload-2``...)."""
        return f"{kind}-{next(self._ids)}"

    def backend(self) -> FakeBackend:
        """A backend view of this store."""
        return FakeBackend(self)

    # ------------------------------------------------------------------ faults

    def fail(self, operation: str, nth: int = 1, error: BaseException | None = None) -> None:
        """The ``nth`` call (from 1, counted from now on) of ``operation`` (a method name:
        ``put``, ``write_part``, ``complete``, ``read``...) raises ``error`` (default: a
        retryable ``InternalError``, which the backend's retries absorb once)."""
        err = error or remote_error("InternalError", "injected", status=500, retryable=True)
        self._faults[(operation, self.calls[operation] + nth)] = err

    def lose_upload(self, upload_id: str) -> None:
        """The store forgets a multipart upload and its parts."""
        del self.uploads[upload_id]

    def corrupt_reads(self, archive_id: str, times: int = 1) -> None:
        """The next ``times`` reads of the object return its bytes with one byte flipped
        (the tree hash the store reports stays the true one)."""
        self._corrupt[archive_id] += times

    def finish_warmup(self, archive_id: str, *, message: str | None = None) -> Warmup:
        """End the object's newest in-progress warm-up: ready, or failed with ``message``."""
        for i, w in enumerate(self.warmups[archive_id]):
            if w.status == "in-progress":
                done = Warmup(
                    archive_id, w.token, "failed" if message else "ready", message=message
                )
                self.warmups[archive_id][i] = done
                return done
        raise KeyError(f"no warm-up in progress for {archive_id}")

    def expire_warmups(self, archive_id: str) -> None:
        """The store forgets the object's warm-ups (a vault drops a job after about 24 h)."""
        self.warmups.pop(archive_id, None)

    async def call(self, operation: str) -> None:
        """Count a call of ``operation``, raise its injected fault, and yield to the loop once
        (a real store's every request is a suspension point)."""
        self.calls[operation] += 1
        fault = self._faults.pop((operation, self.calls[operation]), None)
        await asyncio.sleep(0)
        if fault is not None:
            raise fault

    def take_corruption(self, archive_id: str) -> bool:
        """Whether this read is one to corrupt."""
        if self._corrupt.get(archive_id, 0) > 0:
            self._corrupt[archive_id] -= 1
            return True
        return False


def _not_found(what: str) -> RemoteError:
    return remote_error("NotFound", f"{what} not found", status=404)


@dataclass(frozen=True)
class _Reader:
    data: bytes
    tree_hash: str | None

    async def chunks(self) -> AsyncIterator[bytes]:
        for start in range(0, len(self.data), base.MIB):
            yield self.data[start : start + base.MIB]

    async def read(self) -> bytes:
        return self.data


@dataclass(frozen=True)
class FakeMultipart:
    """One multipart upload of a :class:`FakeStore` (its calls retried as the backend's)."""

    _backend: FakeBackend
    upload_id: str
    part_size: int

    def _upload(self) -> _Upload:
        upload = self._backend.store.uploads.get(self.upload_id)
        if upload is None:
            raise _not_found(f"upload {self.upload_id}")
        return upload

    async def present(self) -> list[Part]:
        async def go() -> list[Part]:
            return [p for _, (p, _) in sorted(self._upload().parts.items())]

        return await self._backend.attempted("present", go)

    async def write_part(
        self, number: int, start: int, body: bytes, *, tree_hash: str, sha256: str
    ) -> Part:
        async def go() -> Part:
            upload = self._upload()
            if hashlib.sha256(body).hexdigest() != sha256:
                raise remote_error("BadDigest", "part checksum mismatch", status=400)
            part = Part(number, start, start + len(body) - 1, tree_hash=tree_hash, sha256=sha256)
            upload.parts[number] = (part, body)
            return part

        return await self._backend.attempted("write_part", go)

    def reuse(self, part: Part) -> None:
        """Nothing to remember."""

    async def complete(self, *, size: int, tree_hash: str) -> str:
        async def go() -> str:
            store, upload = self._backend.store, self._upload()
            parts = [entry for _, entry in sorted(upload.parts.items())]
            data = b"".join(body for _, body in parts)
            if len(data) != size:
                raise remote_error(
                    "InvalidParameterValue", f"size {size} != {len(data)}", status=400
                )
            digest = tree_hash_from_parts([bytes.fromhex(p.tree_hash or "") for p, _ in parts])
            if digest.hex() != tree_hash:
                raise remote_error("InvalidParameterValue", "tree hash mismatch", status=400)
            archive_id = store.next_id("archive")
            store.objects[archive_id] = FakeObject(upload.spec, data, tree_hash)
            del store.uploads[self.upload_id]
            return archive_id

        return await self._backend.attempted("complete", go)

    async def abort(self) -> None:
        async def go() -> None:
            self._backend.store.uploads.pop(self.upload_id, None)

        await self._backend.attempted("abort", go)


class FakeBackend:
    """A :class:`~aioglacier.backends.base.Backend` view of a :class:`FakeStore`."""

    def __init__(
        self,
        store: FakeStore,
        subject: str = "",
        listener: base.Listener = None,
    ) -> None:
        self.store = store
        self._subject = subject
        self._listener = listener

    @property
    def capabilities(self) -> base.Capabilities:
        return self.store.capabilities

    @property
    def target(self) -> str:
        return self.store.target

    def bind(self, *, subject: str | None = None, listener: base.Listener = None) -> FakeBackend:
        return FakeBackend(
            self.store,
            self._subject if subject is None else subject,
            self._listener if listener is None else listener,
        )

    async def retried(
        self,
        operation: str,
        attempt: base.Attempt[T],
        *,
        policy: RetryPolicy | None = None,
    ) -> T:
        policy = policy or self.store.retry
        loop = asyncio.get_running_loop()
        number = 1
        while True:
            try:
                return await attempt(loop.time() + 3600.0)
            except Exception as exc:
                if number >= policy.max_attempts or not is_retryable(exc):
                    raise
                number += 1
                if self._listener is not None:
                    self._listener(
                        Retrying(
                            operation=operation,
                            relfilename=self._subject,
                            error=str(exc),
                            attempt=number,
                            max_attempts=policy.max_attempts,
                            delay=0.0,
                        )
                    )

    async def attempted(self, operation: str, attempt: Callable[[], Awaitable[T]]) -> T:
        """``attempt()`` as one call of ``operation`` (counted, faults injected), retried."""

        async def once(deadline_at: float) -> T:
            await self.store.call(operation)
            return await attempt()

        return await self.retried(operation, once)

    async def ensure_exists(self, *, create: bool = False) -> None:
        await self.store.call("ensure_exists")

    async def put(self, spec: ObjectSpec, body: bytes, *, tree_hash: str, sha256: str) -> str:
        async def go() -> str:
            if not body and not self.capabilities.empty_objects:
                raise remote_error("InvalidParameterValue", "empty object", status=400)
            if len(body) > self.capabilities.max_single_put:
                raise remote_error("EntityTooLarge", "too large for one put", status=400)
            if hashlib.sha256(body).hexdigest() != sha256:
                raise remote_error("BadDigest", "checksum mismatch", status=400)
            archive_id = self.store.next_id("archive")
            self.store.objects[archive_id] = FakeObject(spec, body, tree_hash)
            return archive_id

        return await self.attempted("put", go)

    async def start_multipart(
        self, spec: ObjectSpec, *, size: int, part_size: int
    ) -> FakeMultipart:
        async def go() -> FakeMultipart:
            upload_id = self.store.next_id("upload")
            self.store.uploads[upload_id] = _Upload(spec, part_size, started="")
            return FakeMultipart(self, upload_id, part_size)

        return await self.attempted("start_multipart", go)

    async def resume_multipart(
        self, upload_id: str, spec: ObjectSpec, *, part_size: int
    ) -> FakeMultipart:
        await self.store.call("resume_multipart")
        return FakeMultipart(self, upload_id, part_size)

    async def list_uploads(self) -> list[base.UploadInfo]:
        await self.store.call("list_uploads")
        return [
            base.UploadInfo(uid, u.spec.name, u.started, u.part_size, u.spec.mtime, u.spec.name)
            for uid, u in self.store.uploads.items()
        ]

    async def delete(self, obj: StoredObject) -> None:
        async def go() -> None:
            if self.store.objects.pop(obj.archive_id, None) is None:
                raise _not_found(f"object {obj.archive_id}")

        await self.attempted("delete", go)

    async def warmup(self, obj: StoredObject, *, tier: base.Tier | None = None) -> Warmup:
        async def go() -> Warmup:
            if obj.archive_id not in self.store.objects:
                raise _not_found(f"object {obj.archive_id}")
            token = self.store.next_id("warmup")
            status: base.WarmupStatus = "ready" if self.store.instant_warmup else "in-progress"
            warm = Warmup(obj.archive_id, token, status)
            self.store.warmups[obj.archive_id].append(warm)
            self.store.warmup_requested.set()
            return warm

        return await self.attempted("warmup", go)

    async def warmups(self, objects: Sequence[StoredObject]) -> AsyncIterator[Warmup]:
        await self.store.call("warmups")
        for obj in objects:
            for warm in list(self.store.warmups.get(obj.archive_id, ())):
                yield warm

    @asynccontextmanager
    async def read(
        self,
        obj: StoredObject,
        warmup: Warmup | None,
        *,
        byte_range: base.ByteRange | None = None,
        deadline_at: float | None = None,
    ) -> AsyncIterator[base.RangeReader]:
        await self.store.call("read")
        stored = self.store.objects.get(obj.archive_id)
        if stored is None:
            raise _not_found(f"object {obj.archive_id}")
        if self.capabilities.needs_warmup:
            known = {w.token: w for w in self.store.warmups.get(obj.archive_id, ())}
            if warmup is None or warmup.token not in known:
                raise TransferError(f"{obj.archive_id}: not warmed up")
            if known[warmup.token].status != "ready":
                raise AioGlacierError(f"{obj.archive_id}: warm-up {warmup.token} not ready")
        first, last = byte_range if byte_range is not None else (0, len(stored.data) - 1)
        data = stored.data[first : last + 1]
        digest = tree_hash(data).hex() if self.capabilities.ranged_tree_hash else None
        if self.store.take_corruption(obj.archive_id) and data:
            data = bytes([data[0] ^ 0xFF]) + data[1:]
        yield _Reader(data, digest)


if TYPE_CHECKING:  # mypy proves both classes have the seam's shapes
    _backend: type[base.Backend] = FakeBackend
    _writer: type[base.MultipartWriter] = FakeMultipart
