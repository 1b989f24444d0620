"""mtglacier's ``purge-vault``: delete every live archive of the journal (filtered)."""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from pathlib import Path

from aioglacier.backends.base import Backend, StoredObject
from aioglacier.engine.run import (
    OperationResult,
    Outcome,
    Run,
    finish_operation,
    load_outside_journal,
)
from aioglacier.errors import NotFound, RemoteError
from aioglacier.fanout import bounded
from aioglacier.filters import Filter
from aioglacier.journal import Created, Deleted, JournalError, JournalWriter
from aioglacier.progress import FileDone, FileFailed, FileStarted, Message, ProgressSink, null_sink

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
    started = time.monotonic()
    if progress is not null_sink:
        backend = backend.bind(listener=progress)
    result = OperationResult()
    state = await load_outside_journal(journal_path, executor, progress, result)
    if state.torn_tail and dry_run:  # else the writer sets the line aside and says so
        progress(Message(f"journal: {state.torn_tail}", "warning"))
    victims = [
        a for a in state.archives.values() if filter is None or filter.matches(a.relfilename)
    ]
    if dry_run:
        for a in victims:
            line = f"Will DELETE archive {a.archive_id} (file {a.relfilename})"
            progress(Message(line))
            result.outcomes.append(Outcome(a.relfilename, "planned", line, a.archive_id))
        return finish_operation(progress, result, started)
    async with JournalWriter(
        journal_path, fsync=1.0, executor=executor, write=journal_write
    ) as journal:
        run = Run(journal, result, progress=progress, clock=clock, executor=executor)

        def job_for(a: Created) -> Callable[[], Awaitable[None]]:
            async def go() -> None:
                progress(FileStarted(a.relfilename, "purge", a.size))
                obj = StoredObject(a.archive_id, a.relfilename, a.size, a.treehash)
                try:
                    await backend.bind(subject=a.relfilename).delete(obj)
                except NotFound:
                    pass  # already gone: journaled as deleted
                except RemoteError as exc:
                    progress(FileFailed(a.relfilename, "purge", str(exc)))
                    result.outcomes.append(Outcome(a.relfilename, "failed", str(exc), a.archive_id))
                    return
                record = Deleted(
                    time=int(clock()), archive_id=a.archive_id, relfilename=a.relfilename
                )
                try:
                    await run.journal(
                        record, f'deleted archive {a.archive_id} of "{a.relfilename}"'
                    )
                except JournalError:
                    return
                progress(FileDone(a.relfilename, "purge", a.size, a.archive_id))
                result.outcomes.append(Outcome(a.relfilename, "done", "", a.archive_id, a.size))

            return go

        await bounded(concurrency, [job_for(a) for a in victims], run.stop)
        run.raise_if_stopped("purge stopped: no new delete sent")
    return finish_operation(progress, result, started)
