"""mtglacier's ``purge-vault``: delete every live archive of the journal (filtered)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import Executor
from pathlib import Path

from aioglacier.backends.base import Backend, StoredObject
from aioglacier.costs import PriceTable, age_days, estimate_purge
from aioglacier.engine.run import (
    OperationResult,
    Run,
    RunEnv,
    begin_operation,
)
from aioglacier.errors import NotFound, RemoteError
from aioglacier.filters import Filter
from aioglacier.journal import Created, Deleted
from aioglacier.progress import ProgressSink, null_sink

__all__ = ["purge_vault"]


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
