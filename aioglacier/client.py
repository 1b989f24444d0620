"""The public async client: ``async with Client(settings) as client: await client.sync(...)``.

A client owns one aiohttp session, one request limiter (``concurrency`` requests in flight) and,
for ``endpoint_url="local:DIR"``, an embedded emulator. Nothing is global: two clients with
different settings run side by side in one loop.
"""

from __future__ import annotations

import io
import time
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from contextlib import AsyncExitStack
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from aioglacier.backends.s3.target import BucketTarget
from aioglacier.config import ClientSettings, resolve_credentials
from aioglacier.errors import AioGlacierError, UsageError
from aioglacier.progress import ProgressSink, null_sink
from aioglacier.validate import (
    LOCAL_PREFIX,
    validate_bucket_name,
    validate_endpoint_url,
    validate_vault_name,
)

# What a command needs is imported when it runs (see aioglacier.cli): a sync to a vault
# needs neither the S3 client nor restore, migrate or the inventories, and aiohttp is
# imported with the first request's session.
if TYPE_CHECKING:
    import aiohttp

    from aioglacier.backends.base import Backend, Tier
    from aioglacier.backends.glacier import GlacierApi, RetryListener, VaultInfo
    from aioglacier.backends.glacier.backend import GlacierBackend
    from aioglacier.backends.s3 import S3Api
    from aioglacier.backends.s3.adopt import Adopted
    from aioglacier.bandwidth import Bandwidth
    from aioglacier.costs import PriceTable
    from aioglacier.engine import FileResult, SyncResult
    from aioglacier.engine.run import OperationResult
    from aioglacier.filters import Filter
    from aioglacier.limits import RequestLimiter
    from aioglacier.orphans import OrphanReport
    from aioglacier.planner import DetectMode
    from aioglacier.retry import RetryPolicy
    from aioglacier.safepath import Platform
    from aioglacier.sigv4 import Credentials

__all__ = ["Client", "Target"]

#: Where a command's archives go: a vault's name, or a bucket (S3's storage classes).
Target = str | BucketTarget


class Client:
    """An async client of one endpoint: Glacier vaults and S3 buckets. Use only inside
    ``async with``. Every method that takes a vault name also takes a
    :class:`~aioglacier.backends.s3.target.BucketTarget` (except the vault-only ones:
    inventories, jobs, orphans).

    ``executor`` runs file reads, hashing and writes (default: a pool the client owns, of
    concurrency + 4 threads, at least 8); ``clock``
    stamps journal records; ``retry`` overrides the retry policy built from the settings;
    ``on_retry`` receives a :class:`~aioglacier.progress.Retrying` event before every retry of
    a request made outside an operation with its own ``progress`` sink (which receives them).
    """

    def __init__(
        self,
        settings: ClientSettings | None = None,
        *,
        executor: Executor | None = None,
        clock: Callable[[], float] = time.time,
        retry: RetryPolicy | None = None,
        session: aiohttp.ClientSession | None = None,
        on_retry: RetryListener | None = None,
    ) -> None:
        self.settings = settings or ClientSettings()
        self._on_retry = on_retry
        self._executor: Executor | None = executor
        self._own_executor = executor is None
        self._clock = clock
        self._given_retry = retry
        self._given_session = session
        self._stack: AsyncExitStack | None = None
        self._api: GlacierApi | None = None
        self._s3: S3Api | None = None
        self._session: aiohttp.ClientSession | None = None
        self._limiter: RequestLimiter | None = None
        self.endpoint: str | None = None
        self.credentials: Credentials | None = None
        #: The run's bandwidth limits (``settings.bwlimit``), once open; None: unlimited.
        self.bandwidth: Bandwidth | None = None

    def __repr__(self) -> str:
        return (
            f"Client(endpoint={self.endpoint or self.settings.endpoint_url!r}, "
            f"region={self.settings.region!r}, concurrency={self.settings.concurrency})"
        )

    async def __aenter__(self) -> Self:
        stack = AsyncExitStack()
        await stack.__aenter__()
        try:
            await self._open(stack)
        except BaseException:
            await stack.aclose()
            raise
        self._stack = stack
        return self

    async def _open(self, stack: AsyncExitStack) -> None:
        s = self.settings
        endpoint = s.endpoint_url
        credentials = s.credentials
        if endpoint is not None:
            validate_endpoint_url(endpoint)
        if endpoint is not None and endpoint.startswith(LOCAL_PREFIX):
            from aioglacier.emulator import Emulator

            data_dir = endpoint[len(LOCAL_PREFIX) :]
            emulator = await stack.enter_async_context(Emulator(Path(data_dir)))
            endpoint = emulator.url
            if credentials is None:
                credentials = emulator.credentials
        elif endpoint is None:
            from aioglacier.backends.glacier import glacier_endpoint

            endpoint = glacier_endpoint(s.region, s.protocol)
        if credentials is None:
            credentials = await resolve_credentials(profile=s.profile)
        self.endpoint = endpoint
        self.credentials = credentials
        if self._own_executor:
            # Reads, hashes, writes and fsyncs run here: more threads than the loop's default
            # (cores + 4) so that fsync-bound restores of many small files overlap.
            pool = ThreadPoolExecutor(
                max_workers=max(8, s.concurrency + 4), thread_name_prefix="aioglacier"
            )
            self._executor = pool
            stack.callback(pool.shutdown, wait=False, cancel_futures=True)
        # One bucket per direction for the whole client: every request of the run, whatever
        # the store, takes its bytes from it (--bwlimit).
        if s.bwlimit is not None:
            from aioglacier.bandwidth import Bandwidth

            self.bandwidth = Bandwidth.from_limit(s.bwlimit)
        # The HTTP session and the APIs are made when the first request needs them (see
        # :attr:`api`): a run that sends nothing imports no HTTP client.

    @property
    def _retry(self) -> RetryPolicy:
        """The retry policy: the one given, else one built from the settings."""
        if self._given_retry is None:
            from aioglacier.retry import RetryPolicy

            self._given_retry = RetryPolicy(
                max_attempts=self.settings.max_attempts,
                base_delay=self.settings.retry_base_delay,
                max_delay=self.settings.retry_max_delay,
            )
        return self._given_retry

    def _connect(self) -> None:
        """Make the session (unless given), the request limiter and the vault API, once."""
        import aiohttp

        from aioglacier.backends.glacier import GlacierApi
        from aioglacier.limits import RequestLimiter
        from aioglacier.sigv4 import SigV4Signer
        from aioglacier.transport import request_tracing

        stack, endpoint, credentials = self._stack, self.endpoint, self.credentials
        if stack is None or endpoint is None or credentials is None:
            raise RuntimeError("Client is usable only inside 'async with'")
        s = self.settings
        session = self._given_session
        if session is None:
            connector = aiohttp.TCPConnector(
                limit=s.concurrency + 8,
                limit_per_host=0,
                # Plain HTTP (the emulator, a proxy) needs no TLS context at all.
                ssl=not endpoint.startswith("http://"),
            )
            # Every request also gets these per call (see GlacierApi): connecting is bounded by
            # aiohttp, the later phases by the request's own timer (aioglacier.transport).
            timeout = aiohttp.ClientTimeout(
                total=None, sock_connect=s.connect_timeout, sock_read=None
            )
            session = aiohttp.ClientSession(
                connector=connector,
                timeout=timeout,
                auto_decompress=False,
                trace_configs=[request_tracing()],
            )
            stack.push_async_callback(session.close)
        self._session = session
        self._limiter = limiter = RequestLimiter(s.concurrency)
        self._api = GlacierApi(
            session,
            endpoint,
            SigV4Signer(credentials, s.region, "glacier"),
            limiter,
            self._retry,
            account_id=s.account_id,
            timeouts=s.timeouts,
            listener=self._on_retry,
            bandwidth=self.bandwidth,
        )

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        stack, self._stack, self._api, self._s3 = self._stack, None, None, None
        self._session, self._limiter = None, None
        if stack is not None:
            await stack.aclose()
        if self._own_executor:
            self._executor = None

    def _backend(self, target: Target) -> Backend:
        """The vault or bucket ``target`` as the engine's backend."""
        if isinstance(target, BucketTarget):
            from aioglacier.backends.s3 import S3Backend

            return S3Backend(
                self.s3,
                target.bucket,
                target.prefix,
                target.storage_class,
                restore_days=target.restore_days,
                retry=self._retry,
            )
        from aioglacier.backends.glacier.backend import GlacierBackend

        validate_vault_name(target)
        return GlacierBackend(self.api, target)

    @staticmethod
    def _price_class(target: Target) -> str | None:
        """The storage class whose prices a dry run's estimate uses (``None``: a vault's)."""
        return target.storage_class if isinstance(target, BucketTarget) else None

    @staticmethod
    def _vault_only(target: Target, what: str) -> str:
        if isinstance(target, BucketTarget):
            raise UsageError(f"{what} works on vaults only, not on a bucket")
        validate_vault_name(target)
        return target

    def _vault_backend(self, target: Target, what: str) -> GlacierBackend:
        """The vault ``target`` as a backend, for a command that works on vaults only."""
        from aioglacier.backends.glacier.backend import GlacierBackend

        return GlacierBackend(self.api, self._vault_only(target, what))

    @property
    def s3(self) -> S3Api:
        """The low-level S3 API (buckets)."""
        if self._s3 is None:
            from aioglacier.backends.s3 import S3Api, s3_endpoint
            from aioglacier.sigv4 import SigV4Signer

            self.api  # noqa: B018 - makes the session and the limiter
            session, limiter = self._session, self._limiter
            endpoint, credentials = self.endpoint, self.credentials
            assert session is not None
            assert limiter is not None
            assert endpoint is not None
            assert credentials is not None
            s = self.settings
            # The same session and limiter: one budget of requests in flight, whatever the
            # store. A given endpoint (an S3-compatible server, the emulator) serves S3 too.
            self._s3 = S3Api(
                session,
                endpoint if s.endpoint_url is not None else s3_endpoint(s.region, s.protocol),
                SigV4Signer.for_s3(credentials, s.region),
                limiter,
                self._retry,
                addressing=s.s3_addressing,
                checksum_mode=s.s3_checksum_mode,
                executor=self._executor,
                timeouts=s.timeouts,
                listener=self._on_retry,
                bandwidth=self.bandwidth,
            )
        return self._s3

    @property
    def api(self) -> GlacierApi:
        """The low-level vault API (for operations the client has no method for)."""
        if self._api is None:
            self._connect()
            assert self._api is not None
        return self._api

    # ---------------------------------------------------------------- vaults

    async def create_vault(self, name: str) -> None:
        """Create a vault (succeeds when it already exists, as AWS does)."""
        validate_vault_name(name)
        await self.api.create_vault(name)

    async def delete_vault(self, name: str) -> None:
        """Delete an empty vault."""
        validate_vault_name(name)
        await self.api.delete_vault(name)

    async def create_bucket(self, name: str, *, versioning: bool = False) -> None:
        """Create an S3 bucket in the settings' region (succeeds when we own it already);
        with ``versioning``, enable versioning on it."""
        validate_bucket_name(name)
        await self.s3.create_bucket(name)
        if versioning:
            await self.s3.put_bucket_versioning(name, enabled=True)

    async def list_vaults(self) -> list[VaultInfo]:
        """Every vault of the account."""
        return [v async for v in self.api.list_vaults()]

    async def iter_vaults(self) -> AsyncIterator[VaultInfo]:
        """Every vault of the account, page by page."""
        async for vault in self.api.list_vaults():
            yield vault

    # ---------------------------------------------------------------- uploads

    async def sync(
        self,
        directory: str | Path,
        vault: Target,
        journal: str | Path,
        *,
        new: bool | None = None,
        replace_modified: bool = False,
        delete_removed: bool = False,
        detect: DetectMode = "mtime-and-treehash",
        filters: Sequence[tuple[str, str]] | Filter | None = None,
        follow: bool = False,
        dry_run: bool = False,
        max_number_of_files: int | None = None,
        progress: ProgressSink = null_sink,
        price_table: PriceTable | None = None,
    ) -> SyncResult:
        """mtglacier's sync: upload new files, optionally replace modified, delete removed.

        ``new`` defaults to True when none of the three switches is given. ``filters`` are
        mtglacier's ``--filter/--include/--exclude`` as ``[("filter", "+*.jpg -*"), ...]`` in
        command-line order, or a built :class:`~aioglacier.filters.Filter`. A ``dry_run``
        with a ``price_table`` (see :mod:`aioglacier.costs`) ends with the run's cost.
        """
        from aioglacier.engine.sync import run_sync
        from aioglacier.planner import SyncPlanOptions

        if new is None:
            new = not (replace_modified or delete_removed)
        flt = _build_filter(filters)
        return await run_sync(
            self._backend(vault),
            base_dir=directory,
            journal_path=journal,
            options=SyncPlanOptions(
                new=new,
                replace_modified=replace_modified,
                delete_removed=delete_removed,
                detect=detect,
                max_number_of_files=max_number_of_files,
            ),
            part_size=self.settings.part_size,
            concurrency=self.settings.concurrency,
            filter=flt,
            follow=follow,
            dry_run=dry_run,
            executor=self._executor,
            progress=progress,
            clock=self._clock,
            price_table=price_table,
            storage_class=self._price_class(vault),
        )

    async def upload_file(
        self,
        vault: Target,
        journal: str | Path,
        relfilename: str,
        *,
        path: str | Path | None = None,
        data: bytes | None = None,
        stream: Callable[[int], bytes] | None = None,
        max_size: int | None = None,
        mtime: int | None = None,
        progress: ProgressSink = null_sink,
    ) -> FileResult:
        """mtglacier's upload-file: one file (``path``), bytes (``data``) or a blocking stream
        (``stream``: a ``read(n)`` function, read in executor threads, never held whole in
        memory; ``max_size`` bounds it) uploaded as ``relfilename``."""
        from aioglacier.engine.sync import upload_one_file

        given = [x for x in (path, data, stream) if x is not None]
        if len(given) != 1:
            raise AioGlacierError("give exactly one of path, data and stream")
        if data is not None:
            stream = io.BytesIO(data).read
            max_size = len(data)
        return await upload_one_file(
            self._backend(vault),
            journal_path=journal,
            relfilename=relfilename,
            part_size=self.settings.part_size,
            concurrency=self.settings.concurrency,
            path=path,
            stream=stream,
            max_size=max_size,
            mtime=mtime,
            executor=self._executor,
            progress=progress,
            clock=self._clock,
        )

    # ---------------------------------------------------------------- restore side

    async def restore(
        self,
        directory: str | Path,
        vault: Target,
        journal: str | Path,
        *,
        max_number_of_files: int,
        tier: Tier | None = None,
        filters: Sequence[tuple[str, str]] | Filter | None = None,
        dry_run: bool = False,
        progress: ProgressSink = null_sink,
        platform: Platform | None = None,
        escape_windows_names: bool = False,
        price_table: PriceTable | None = None,
    ) -> OperationResult:
        """mtglacier's restore: start retrieval jobs for journal files missing on disk.

        ``platform`` and ``escape_windows_names`` as for :meth:`restore_completed`. A
        ``dry_run`` with a ``price_table`` ends with the retrieval's cost and time.
        """
        from aioglacier.engine.restore import start_restore

        return await start_restore(
            self._backend(vault),
            base_dir=Path(directory),
            journal_path=Path(journal),
            max_number_of_files=max_number_of_files,
            tier=tier,
            filter=_build_filter(filters),
            dry_run=dry_run,
            concurrency=self.settings.concurrency,
            executor=self._executor,
            progress=progress,
            clock=self._clock,
            platform=platform,
            escape_windows_names=escape_windows_names,
            price_table=price_table,
            storage_class=self._price_class(vault),
        )

    async def restore_completed(
        self,
        directory: str | Path,
        vault: Target,
        journal: str | Path,
        *,
        segment_size: int | None = None,
        filters: Sequence[tuple[str, str]] | Filter | None = None,
        dry_run: bool = False,
        wait: bool = False,
        poll: Callable[[int], float] | None = None,
        progress: ProgressSink = null_sink,
        platform: Platform | None = None,
        escape_windows_names: bool = False,
    ) -> OperationResult:
        """mtglacier's restore-completed: download completed retrievals, verified.

        ``segment_size`` (bytes, 1 MiB x 2^n) splits downloads into parallel ranged segments;
        by default files above 16 MiB are fetched in 16 MiB segments. ``wait`` polls until no
        needed retrieval job is in progress (``poll(n)``: the n-th delay in seconds).

        File names follow the rules of ``platform`` (``"posix"`` or ``"windows"``; by default
        this system's, the rules sync applied: see :mod:`aioglacier.safepath`). With
        ``escape_windows_names``, a name that Windows cannot hold (``aux.c``, ``a:b``...) is
        restored under an escaped name (``%61ux.c``, ``a%3Ab``), noted in its outcome.
        """
        from aioglacier.engine.restore import restore_completed

        return await restore_completed(
            self._backend(vault),
            base_dir=Path(directory),
            journal_path=Path(journal),
            segment_size=segment_size,
            filter=_build_filter(filters),
            dry_run=dry_run,
            wait=wait,
            poll=poll,
            concurrency=self.settings.concurrency,
            retry=self._retry,
            executor=self._executor,
            progress=progress,
            platform=platform,
            escape_windows_names=escape_windows_names,
        )

    async def migrate(
        self,
        vault: str,
        journal: str | Path,
        bucket: BucketTarget,
        *,
        new_journal: str | Path | None = None,
        tier: Tier | None = None,
        filters: Sequence[tuple[str, str]] | Filter | None = None,
        max_number_of_files: int | None = None,
        segment_size: int = 16 * 1024 * 1024,  # engine.migrate.DEFAULT_MIGRATE_SEGMENT
        delete_source: bool = False,
        dry_run: bool = False,
        wait: bool = False,
        poll: Callable[[int], float] | None = None,
        price_table: PriceTable | None = None,
        progress: ProgressSink = null_sink,
    ) -> OperationResult:
        """Move the journal's archives from ``vault`` into ``bucket``, streamed and verified.

        Retrieval jobs are started for the archives (at most ``max_number_of_files`` new ones
        per run, in ``tier``), and each completed job's output is read in ranged segments of
        ``segment_size`` bytes (1 MiB x 2^n) whose tree hashes are checked, straight into an S3
        upload (multipart above one segment): no local copy, memory within concurrency x
        segment size. The object gets the journal's name under the bucket's prefix and its
        mtime; ``new_journal`` (default ``<journal>.<bucket>``) becomes the bucket's journal,
        which every bucket command then takes. A rerun asks for nothing twice and resumes
        uploads in flight. ``delete_source`` deletes a vault archive (and journals it in
        ``journal``) once S3 confirmed its object. ``wait`` polls until no job is in progress
        (``poll(n)``: the n-th delay). ``dry_run`` lists the archives to move and prices the
        move with ``price_table`` (default: the built-in list prices), asking the vault for
        nothing. See :mod:`aioglacier.engine.migrate`.
        """
        from aioglacier.costs import DEFAULT_PRICES
        from aioglacier.engine.migrate import migrate
        from aioglacier.polling import Polling

        source = self._backend(self._vault_only(vault, "migrate's source"))
        dest = self._backend(bucket)
        await dest.ensure_exists()
        return await migrate(
            source,
            dest,
            journal_path=Path(journal),
            new_journal_path=Path(
                new_journal if new_journal is not None else f"{journal}.{bucket.bucket}"
            ),
            tier=tier,
            filter=_build_filter(filters),
            max_number_of_files=max_number_of_files,
            segment_size=segment_size,
            concurrency=self.settings.concurrency,
            delete_source=delete_source,
            dry_run=dry_run,
            polling=Polling(wait=wait, poll=poll),
            executor=self._executor,
            progress=progress,
            clock=self._clock,
            price_table=price_table or DEFAULT_PRICES,
            storage_class=bucket.storage_class,
        )

    async def purge_vault(
        self,
        vault: Target,
        journal: str | Path,
        *,
        filters: Sequence[tuple[str, str]] | Filter | None = None,
        dry_run: bool = False,
        progress: ProgressSink = null_sink,
        price_table: PriceTable | None = None,
    ) -> OperationResult:
        """mtglacier's purge-vault: delete every live archive of the journal. A ``dry_run``
        with a ``price_table`` ends with the purge's cost (early deletion) and the storage
        it stops."""
        from aioglacier.engine.purge import purge_vault

        return await purge_vault(
            self._backend(vault),
            journal_path=Path(journal),
            filter=_build_filter(filters),
            dry_run=dry_run,
            concurrency=self.settings.concurrency,
            executor=self._executor,
            progress=progress,
            clock=self._clock,
            price_table=price_table,
            storage_class=self._price_class(vault),
        )

    async def retrieve_inventory(self, vault: Target, *, format: str = "JSON") -> str:
        """Start an inventory-retrieval job (JSON or CSV); returns the job id."""
        from aioglacier.backends.glacier.inventory import retrieve_inventory

        vault = self._vault_only(vault, "retrieve-inventory")
        return await retrieve_inventory(self.api, vault, format=format)

    async def download_inventory(
        self,
        vault: Target,
        new_journal: str | Path,
        *,
        wait: bool = False,
        poll: Callable[[int], float] | None = None,
        progress: ProgressSink = null_sink,
    ) -> int:
        """Rebuild a journal from the newest completed inventory of a vault, or from the
        listing of a bucket (:meth:`adopt_bucket`); returns the record count."""
        if isinstance(vault, BucketTarget):
            adopted = await self.adopt_bucket(vault, new_journal, progress=progress)
            return len(adopted.records)
        from aioglacier.backends.glacier.inventory import download_inventory
        from aioglacier.polling import Polling

        validate_vault_name(vault)
        return await download_inventory(
            self.api,
            vault=vault,
            new_journal=Path(new_journal),
            polling=Polling(wait, poll),
            retry=self._retry,
            executor=self._executor,
            progress=progress,
        )

    async def adopt_bucket(
        self,
        target: BucketTarget,
        new_journal: str | Path,
        *,
        progress: ProgressSink = null_sink,
    ) -> Adopted:
        """A new journal of every object under the target's prefix (a bucket written by
        rclone, ``aws s3 sync`` or aioglacier): see :mod:`aioglacier.backends.s3.adopt`.
        Keys that are no journal name are skipped, each with a warning."""
        from aioglacier.backends.s3 import S3Backend
        from aioglacier.backends.s3.adopt import adopt_bucket
        from aioglacier.progress import Message

        backend = self._backend(target)
        assert isinstance(backend, S3Backend)
        return await adopt_bucket(
            backend,
            Path(new_journal),
            executor=self._executor,
            on_warning=lambda line: progress(Message(line, "warning")),
        )

    async def list_orphans(
        self,
        vault: Target,
        journal: str | Path,
        *,
        wait: bool = False,
        poll: Callable[[int], float] | None = None,
        progress: ProgressSink = null_sink,
    ) -> OrphanReport:
        """What ``vault`` holds that the journal does not know: archives of the newest
        completed inventory the journal never created nor deleted, and multipart uploads in
        progress that its resume store does not record (see :mod:`aioglacier.orphans`).
        Changes nothing."""
        from aioglacier.orphans import list_orphans
        from aioglacier.polling import Polling

        return await list_orphans(
            self._vault_backend(vault, "list-orphans"),
            journal_path=Path(journal),
            polling=Polling(wait, poll),
            retry=self._retry,
            executor=self._executor,
            progress=progress,
        )

    async def purge_orphans(
        self,
        vault: Target,
        journal: str | Path,
        *,
        all_orphans: bool = False,
        dry_run: bool = False,
        wait: bool = False,
        poll: Callable[[int], float] | None = None,
        progress: ProgressSink = null_sink,
    ) -> OperationResult:
        """Delete the orphan archives and abort the orphan uploads that are this journal's own
        leftovers (a copy of an archive it holds; an upload of a version it holds); with
        ``all_orphans`` every orphan, for a vault nothing else writes to. Writes nothing to
        the journal, which stays locked meanwhile."""
        from aioglacier.orphans import purge_orphans
        from aioglacier.polling import Polling

        return await purge_orphans(
            self._vault_backend(vault, "purge-orphans"),
            journal_path=Path(journal),
            all_orphans=all_orphans,
            dry_run=dry_run,
            polling=Polling(wait, poll),
            retry=self._retry,
            concurrency=self.settings.concurrency,
            executor=self._executor,
            progress=progress,
        )

    async def list_jobs(self, vault: Target) -> list[dict[str, Any]]:
        """Every job of ``vault`` (all pages of List Jobs), as the service describes them."""
        from aioglacier.backends.glacier.inventory import list_all_jobs

        vault = self._vault_only(vault, "list-jobs")
        return await list_all_jobs(self.api, vault)


def _build_filter(filters: Sequence[tuple[str, str]] | Filter | None) -> Filter | None:
    from aioglacier.filters import Filter

    if filters is None:
        return None
    if isinstance(filters, Filter):
        return None if filters.empty else filters
    built = Filter.from_options(list(filters))
    return None if built.empty else built
