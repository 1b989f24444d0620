"""mtglacier's ``purge-vault``: delete every live archive of the journal (filtered)."""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from pathlib import Path
from typing import Protocol, runtime_checkable

from aioglacier.backends.base import Backend, StoredObject
from aioglacier.costs import PriceTable, age_days, estimate_purge
from aioglacier.engine.run import (
    Operation,
    OperationResult,
    Run,
    RunEnv,
    begin_operation,
)
from aioglacier.errors import AioGlacierError, NotFound, RemoteError
from aioglacier.filters import Filter
from aioglacier.journal import Created, Deleted
from aioglacier.progress import FileStarted, ProgressSink, null_sink

__all__ = ["BatchDeleter", "purge_vault"]


@runtime_checkable
class BatchDeleter(Protocol):
    """A backend that deletes many objects per request (S3's DeleteObjects): purge sends
    its archives in batches of ``delete_batch_size``, ``concurrency`` batches at once."""

    delete_batch_size: int

    async def delete_batch(self, objects: Sequence[StoredObject]) -> list[AioGlacierError | None]:
        """One outcome per object, in order: ``None`` (deleted), :class:`NotFound` (gone) or
        the error that kept it."""
        ...


async def _delete_batch(
    op: Operation,
    backend: BatchDeleter,
    clock: Callable[[], float],
    run: Run[OperationResult],
    batch: Sequence[Created],
) -> None:
    """Delete one batch of archives; journal each one deleted (or gone)."""
    for a in batch:
        op.progress(FileStarted(a.relfilename, "purge", a.size))
    objects = [StoredObject(a.archive_id, a.relfilename, a.size, a.treehash) for a in batch]
    outcomes = await backend.delete_batch(objects)
    for a, error in zip(batch, outcomes, strict=True):
        if error is not None and not isinstance(error, NotFound):
            op.failed(a.relfilename, "purge", str(error), a.archive_id)
            continue
        record = Deleted(time=int(clock()), archive_id=a.archive_id, relfilename=a.relfilename)
        if not await run.journaled(record, f'deleted archive {a.archive_id} of "{a.relfilename}"'):
            return
        op.done(a, "purge")


async def purge_vault(
    backend: Backend,
    *,
    journal_path: Path,
    filter: Filter | None = None,
    dry_run: bool = False,
    concurrency: int = 8,
    executor: Executor | None = None,
    progress: ProgressSink = null_sink,
    clock: Callable[[], float] = time.time,
    journal_write: Callable[[int, bytes], int] = os.write,
    price_table: PriceTable | None = None,
    storage_class: str | None = None,
) -> OperationResult:
    """Delete every live archive of the journal (filtered) from ``backend``.

    A journal that cannot be written stops the command (no new delete is sent;
    :class:`JournalWriteError` names the archives deleted that the journal still lists).
    A ``dry_run`` with a ``price_table`` ends with the cost estimate for objects of
    ``storage_class`` (``None``: a vault): early deletion of archives younger than its
    minimum duration (their age from the journal's CREATED time), and the storage it stops.
    """
    env = RunEnv(progress, clock, executor, journal_write)
    op = await begin_operation(backend, journal_path, env, torn_tail_now=dry_run)
    victims = [
        a for a in op.state.archives.values() if filter is None or filter.matches(a.relfilename)
    ]
    if dry_run:
        lines: list[str] = []
        if price_table is not None and victims:
            now = clock()
            objects = [(a.size, age_days(a.time, now)) for a in victims]
            lines = estimate_purge(price_table, storage_class, objects).lines()
        return op.dry_run(victims, "DELETE", lines)

    if isinstance(op.backend, BatchDeleter):
        size = max(1, op.backend.delete_batch_size)
        batches = [victims[i : i + size] for i in range(0, len(victims), size)]
        await op.journaled(
            batches,
            functools.partial(_delete_batch, op, op.backend, clock),
            concurrency,
            "purge stopped: no new delete sent",
        )
        return op.finish()

    async def delete(run: Run[OperationResult], a: Created) -> None:
        obj = StoredObject(a.archive_id, a.relfilename, a.size, a.treehash)
        try:
            await op.start(a, "purge").delete(obj)
        except NotFound:
            pass  # already gone: journaled as deleted
        except RemoteError as exc:
            op.failed(a.relfilename, "purge", str(exc), a.archive_id)
            return
        record = Deleted(time=int(clock()), archive_id=a.archive_id, relfilename=a.relfilename)
        if await run.journaled(record, f'deleted archive {a.archive_id} of "{a.relfilename}"'):
            op.done(a, "purge")

    await op.journaled(victims, delete, concurrency, "purge stopped: no new delete sent")
    return op.finish()
