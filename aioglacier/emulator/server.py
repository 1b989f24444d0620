"""The :class:`Emulator` (in-process server for tests and benchmarks) and the CLI entry point."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import signal
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Self, TypeVar

from aiohttp import web

from aioglacier.emulator.clock import AdvanceableClock, Clock, OffsetClock
from aioglacier.emulator.faults import FaultInjector, FaultPlan, parse_fault_spec
from aioglacier.emulator.gates import Gate
from aioglacier.emulator.glacier.models import COMPLETED_UPLOAD_RETENTION, StoredArchive
from aioglacier.emulator.glacier.service import GlacierService
from aioglacier.emulator.glacier.store import GlacierStore
from aioglacier.emulator.ids import IdGenerator
from aioglacier.emulator.pipeline import Pipeline, Settings
from aioglacier.emulator.s3.models import StoredObject
from aioglacier.emulator.s3.service import S3Service
from aioglacier.emulator.s3.store import S3Store
from aioglacier.emulator.storage import Database
from aioglacier.sigv4 import Credentials

__all__ = [
    "DEFAULT_ACCOUNT_ID",
    "DEFAULT_CREDENTIALS",
    "Emulator",
    "run_emulator_forever",
]

T = TypeVar("T")

#: AWS's documentation example key pair: the emulator's default (and only default) credentials.
DEFAULT_CREDENTIALS = Credentials(
    "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)
#: The account the emulator pretends to be (``-`` in a path means this one).
DEFAULT_ACCOUNT_ID = "123456789012"


class Emulator:
    """A Glacier vault-API and S3 server on aiohttp, storing under ``data_dir``.

    Use as ``async with Emulator(tmp_path) as emulator:``; then point a client at
    ``emulator.url`` with ``emulator.credentials`` (any region; service ``glacier`` for the
    vault API, ``s3`` for buckets: a request goes to the API its credential scope names).

    Args:
        data_dir: where archives (files) and metadata (sqlite) live; reopening the same
            directory finds everything acknowledged before.
        host, port: where to listen (port 0: a free port, see :attr:`port`).
        credentials: accepted key pair(s); default :data:`DEFAULT_CREDENTIALS`. A pair with a
            ``token`` requires that session token on every request.
        account_id: the 12-digit account (paths may use it or ``-``).
        job_delay_scale: jobs complete after a realistic delay times this factor (Expedited 3
            minutes, Standard 4 hours, Bulk 12 hours, inventory 4 hours), and S3 restores after
            theirs (see docs/emulator.md); 0 (default) completes them at once.
        faults: a :class:`FaultPlan` or a spec string (see :mod:`aioglacier.emulator.faults`).
        clock: the service clock (dates, job completion); default :class:`OffsetClock` (real
            time, advanceable). Signatures are always checked against real time.
        verify_hashes: check ``x-amz-content-sha256`` and ``x-amz-sha256-tree-hash`` against the
            bodies (default). Off, the emulator trusts the headers (benchmarks).
        executor: threads for file I/O and hashing; default a private pool of ``io_threads``.
        completed_upload_retention: how long (service clock) a repeated Complete Multipart
            Upload still returns the archive the first one created (AWS: "a short period";
            default one hour); after that, the upload ID is not found.
    """

    def __init__(
        self,
        data_dir: Path | str,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        credentials: Credentials | Sequence[Credentials] | None = None,
        account_id: str = DEFAULT_ACCOUNT_ID,
        job_delay_scale: float = 0.0,
        faults: FaultPlan | str | None = None,
        clock: Clock | None = None,
        verify_hashes: bool = True,
        executor: concurrent.futures.Executor | None = None,
        io_threads: int = 16,
        auth_clock: Callable[[], datetime] | None = None,
        completed_upload_retention: timedelta = COMPLETED_UPLOAD_RETENTION,
    ) -> None:
        if job_delay_scale < 0:
            raise ValueError(f"job_delay_scale must not be negative, got {job_delay_scale}")
        if not (len(account_id) == 12 and account_id.isdigit()):
            raise ValueError(f"account_id must be 12 digits, got {account_id!r}")
        if credentials is None:
            credentials = DEFAULT_CREDENTIALS
        self._credentials: tuple[Credentials, ...] = (
            (credentials,) if isinstance(credentials, Credentials) else tuple(credentials)
        )
        if not self._credentials:
            raise ValueError("at least one key pair is needed")
        self.data_dir = Path(data_dir)
        self.host = host
        self._requested_port = port
        self.account_id = account_id
        self.job_delay_scale = job_delay_scale
        plan = parse_fault_spec(faults) if isinstance(faults, str) else faults
        self.faults: FaultInjector | None = FaultInjector(plan) if plan is not None else None
        self.clock: Clock = clock if clock is not None else OffsetClock()
        self.verify_hashes = verify_hashes
        self.completed_upload_retention = completed_upload_retention
        self._auth_clock = auth_clock or (lambda: datetime.now(UTC))
        self._given_executor = executor
        self._io_threads = io_threads
        self._executor: concurrent.futures.Executor | None = None
        self._db: Database | None = None
        self._store: GlacierStore | None = None
        self._s3_store: S3Store | None = None
        self._pipeline: Pipeline | None = None
        self._runner: web.ServerRunner | None = None
        self._port: int | None = None

    def __repr__(self) -> str:
        state = self.url if self._port is not None else "stopped"
        return f"Emulator({str(self.data_dir)!r}, {state})"

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Open the store and start listening."""
        if self._runner is not None:
            raise RuntimeError("emulator already started")
        executor = self._given_executor or concurrent.futures.ThreadPoolExecutor(
            max_workers=self._io_threads, thread_name_prefix="aioglacier-emulator-io"
        )
        self._executor = executor
        db = Database(self.data_dir)
        try:
            await db.open()
            store = GlacierStore(db, account=self.account_id)
            await store.open()
            s3_store = S3Store(db)
            await s3_store.open()
        except BaseException:
            await db.close()
            self._shutdown_executor()
            raise
        self._db = db
        self._store = store
        self._s3_store = s3_store
        settings = Settings(
            credentials={c.access_key: (c.secret_key, c.token) for c in self._credentials},
            account=self.account_id,
            clock=self.clock,
            auth_clock=self._auth_clock,
            job_delay_scale=self.job_delay_scale,
            faults=self.faults,
            verify_hashes=self.verify_hashes,
            executor=executor,
            ids=IdGenerator(),
            host=self.host,
            completed_upload_retention=self.completed_upload_retention,
        )
        self._pipeline = Pipeline(
            settings, [GlacierService(store, settings), S3Service(s3_store, settings)]
        )
        runner = web.ServerRunner(
            self._pipeline.make_server(), handle_signals=False, shutdown_timeout=1.0
        )
        try:
            await runner.setup()
            site = web.TCPSite(runner, self.host, self._requested_port, backlog=1024)
            await site.start()
        except BaseException:
            await runner.cleanup()
            await db.close()
            self._db = self._store = self._s3_store = None
            self._shutdown_executor()
            raise
        self._runner = runner
        address = runner.addresses[0]
        self._port = int(address[1])

    async def stop(self) -> None:
        """Stop listening, finish in-flight requests, close the store."""
        if self._pipeline is not None:
            self._pipeline.open_gates()
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
        db, self._db = self._db, None
        self._store = self._s3_store = None
        if db is not None:
            await db.close()
        self._port = None
        self._shutdown_executor()

    def _shutdown_executor(self) -> None:
        executor, self._executor = self._executor, None
        if executor is not None and executor is not self._given_executor:
            executor.shutdown(wait=True)

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # -- where and who -----------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The port listened on."""
        return _started(self._port)

    @property
    def url(self) -> str:
        """``http://HOST:PORT``, the endpoint URL for clients."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def credentials(self) -> Credentials:
        """The (first) accepted key pair."""
        return self._credentials[0]

    @property
    def all_credentials(self) -> tuple[Credentials, ...]:
        """Every accepted key pair."""
        return self._credentials

    @property
    def requests_served(self) -> int:
        """Number of requests received so far (all operations, all outcomes)."""
        return self._pipeline.requests if self._pipeline is not None else 0

    # -- test helpers ----------------------------------------------------------------------------

    def hold(self, operation: str, *, after: int = 0) -> Gate:
        """Let the first ``after`` requests of ``operation`` (``upload_archive``, ...) through and
        hold the later ones until the returned gate is opened (for tests that must act while a
        client is mid-run). Stopping the emulator opens it."""
        return _started(self._pipeline).hold(operation, after)

    async def idle(self) -> None:
        """Wait until no request is being handled: a handler that is still cleaning up after a
        client went away (a reset, a dropped connection) has finished."""
        if self._pipeline is not None:
            await self._pipeline.idle()

    def advance_clock(self, delta: timedelta | float) -> None:
        """Move the service clock forward (``delta`` or seconds): jobs complete, expire."""
        if not isinstance(self.clock, AdvanceableClock):
            raise TypeError(f"the injected clock {self.clock!r} cannot be advanced")
        self.clock.advance(delta if isinstance(delta, timedelta) else timedelta(seconds=delta))

    async def vaults(self) -> list[str]:
        """Names of the vaults, sorted."""
        return sorted(_started(self._store).vaults)

    async def archives(self, vault: str) -> list[StoredArchive]:
        """The archives stored in ``vault``, oldest first (KeyError if there is no vault)."""
        store = _started(self._store)
        if vault not in store.vaults:
            raise KeyError(vault)
        return [
            StoredArchive(
                archive_id=a.archive_id,
                description=a.description,
                size=a.size,
                sha256_tree_hash=a.tree_hash,
                creation_date=a.created,
            )
            for a in await store.list_archives(vault)
        ]

    async def read_archive(self, vault: str, archive_id: str) -> bytes:
        """The bytes of an archive (KeyError if it is not in ``vault``)."""
        store = _started(self._store)
        record = await store.get_archive(vault, archive_id)
        if record is None:
            raise KeyError(archive_id)
        path = store.archive_path(archive_id)
        return await asyncio.get_running_loop().run_in_executor(self._executor, path.read_bytes)

    def archive_path(self, archive_id: str) -> Path:
        """Where an archive's bytes are stored (for tests that corrupt or inspect files)."""
        return self.data_dir / "archives" / archive_id

    # -- S3 test helpers -----------------------------------------------------------------------

    def _bucket_store(self, bucket: str) -> S3Store:
        """The S3 store, which holds ``bucket`` (KeyError if it does not)."""
        store = _started(self._s3_store)
        if bucket not in store.buckets:
            raise KeyError(bucket)
        return store

    async def buckets(self) -> list[str]:
        """Names of the S3 buckets, sorted."""
        return sorted(_started(self._s3_store).buckets)

    async def objects(self, bucket: str, *, versions: bool = False) -> list[StoredObject]:
        """The objects of ``bucket`` by key: the current versions (delete markers hide a key),
        or with ``versions`` every version and delete marker, newest first per key (KeyError
        if there is no bucket)."""
        store = self._bucket_store(bucket)
        now = self.clock.now().timestamp()
        return [
            StoredObject(
                key=r.key,
                version_id=r.version_id,
                is_latest=r.is_latest,
                delete_marker=r.delete_marker,
                size=r.size,
                etag=r.etag,
                storage_class=r.storage_class,
                last_modified=r.last_modified,
                metadata=dict(r.metadata),
                checksum_algorithm=r.checksum_algorithm,
                checksum=r.checksum,
                restore=r.restore_header(now),
            )
            for r in await store.all_versions(bucket)
            if versions or (r.is_latest and not r.delete_marker)
        ]

    async def read_object(self, bucket: str, key: str, version_id: str | None = None) -> bytes:
        """The bytes of an object's current version (or ``version_id``), whatever its storage
        class (KeyError if there is no such object or version)."""
        store = self._bucket_store(bucket)
        found = [
            r
            for r in await store.all_versions(bucket)
            if r.key == key and (r.version_id == version_id if version_id else r.is_latest)
        ]
        if not found or found[0].delete_marker:
            raise KeyError(key)
        paths = [store.blob_path(blob) for blob, _ in found[0].segments]

        def read() -> bytes:
            return b"".join(path.read_bytes() for path in paths)

        return await asyncio.get_running_loop().run_in_executor(self._executor, read)

    async def multipart_uploads(self, bucket: str) -> list[tuple[str, str]]:
        """``(key, upload id)`` of the multipart uploads in progress in ``bucket``."""
        return [
            (u.key, u.upload_id) for u in await _started(self._s3_store).list_uploads(bucket, "")
        ]


def _started(value: T | None) -> T:
    if value is None:
        raise RuntimeError("emulator not started")
    return value


async def run_emulator_forever(
    data_dir: Path | str,
    host: str | None = "127.0.0.1",
    port: int | None = 0,
    job_delay_scale: float | None = 0.0,
    faults: FaultPlan | str | None = None,
    print_fn: Callable[[str], None] = print,
    *,
    verify_hashes: bool = True,
    io_threads: int = 16,
    stop: asyncio.Event | None = None,
) -> None:
    """Run an emulator until SIGINT/SIGTERM (or ``stop`` is set), then stop it cleanly.

    Prints the endpoint URL and the credentials to use (the emulator's own example pair) with
    ``print_fn`` once listening. ``None`` for ``host``, ``port`` or ``job_delay_scale`` means
    the default (loopback, a free port, no job delay).
    """
    stop_event = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop_event.set)
            installed.append(sig)
    try:
        async with Emulator(
            data_dir,
            host=host or "127.0.0.1",
            port=port or 0,
            job_delay_scale=job_delay_scale or 0.0,
            faults=faults,
            verify_hashes=verify_hashes,
            io_threads=io_threads,
        ) as emulator:
            creds = emulator.credentials
            print_fn(f"aioglacier emulator listening on {emulator.url}")
            print_fn(f"data directory: {emulator.data_dir}")
            print_fn(f"AWS_ACCESS_KEY_ID={creds.access_key}")
            print_fn(f"AWS_SECRET_ACCESS_KEY={creds.secret_key}")
            print_fn("region: any (e.g. us-east-1); account id: - or " + emulator.account_id)
            if emulator.faults is not None:
                print_fn(f"faults: {emulator.faults.plan.to_spec()}")
            await stop_event.wait()
            print_fn("stopping")
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
