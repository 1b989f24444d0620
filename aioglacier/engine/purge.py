"""mtglacier's ``purge-vault``: delete every live archive of the journal (filtered)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import Executor
from pathlib import Path

from aioglacier.backends.base import Backend, StoredObject
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
) -> OperationResult:
    """Delete every live archive of the journal (filtered) from ``backend``.

    A journal that cannot be written stops the command (no new delete is sent;
    :class:`JournalWriteError` names the archives deleted that the journal still lists).
    """
    env = RunEnv(progress, clock, executor, journal_write)
    op = await begin_operation(backend, journal_path, env, torn_tail_now=dry_run)
    victims = [
        a for a in op.state.archives.values() if filter is None or filter.matches(a.relfilename)
    ]
    if dry_run:
        return op.dry_run(victims, "DELETE")

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
