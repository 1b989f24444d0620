"""A command's run: what it holds, and the one policy for journaling what it did.

A :class:`Run` owns the journal writer, the resume store, the byte budget, the progress sink
and the results of one command (sync, upload-file, restore, restore-completed, purge). Its
:meth:`Run.journal` is the only way the engine journals a finished transfer: shielded (a
record of an archive created or deleted is written even when the task that made it is being
cancelled), and a journal that cannot take it stops the run, keeping what the journal misses
for the error that ends it.
"""

from __future__ import annotations

import asyncio
import functools
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from concurrent.futures import Executor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, Literal, TypeVar

from aioglacier import progress as events
from aioglacier.backends.base import Backend
from aioglacier.fanout import bounded
from aioglacier.journal import (
    Created,
    JournalError,
    JournalState,
    JournalWriteError,
    JournalWriter,
    Record,
    load_journal,
)
from aioglacier.limits import ByteBudget
from aioglacier.progress import Action, ProgressSink, null_sink
from aioglacier.resume import ResumeStore

__all__ = [
    "Operation",
    "OperationResult",
    "Outcome",
    "Run",
    "RunEnv",
    "begin_operation",
    "finish_operation",
    "journaled_fanout",
    "load_outside_journal",
    "open_run",
]

R = TypeVar("R")
T = TypeVar("T")


@dataclass(frozen=True)
class Outcome:
    """What happened to one file or archive."""

    relfilename: str
    status: Literal["done", "skipped", "failed", "planned"]
    detail: str = ""
    archive_id: str | None = None
    size: int = 0


@dataclass
class OperationResult:
    """Outcomes of a restore-side operation, with counts."""

    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0

    def _with(self, status: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == status]

    @property
    def done(self) -> list[Outcome]:
        """Files restored, jobs started, archives deleted."""
        return self._with("done")

    @property
    def skipped(self) -> list[Outcome]:
        """Files left alone, with reasons."""
        return self._with("skipped")

    @property
    def failed(self) -> list[Outcome]:
        """Failures, with reasons."""
        return self._with("failed")

    @property
    def planned(self) -> list[Outcome]:
        """With ``dry_run``: what would be done."""
        return self._with("planned")

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return not self.failed

    @property
    def bytes_done(self) -> int:
        """Bytes of the files restored (or archives deleted)."""
        return sum(o.size for o in self.done)


def finish_operation(
    progress: ProgressSink, result: OperationResult, started: float
) -> OperationResult:
    """Stamp the run's duration and report its end."""
    result.seconds = time.monotonic() - started
    progress(
        events.RunFinished(
            done=len(result.done),
            skipped=len(result.skipped),
            failed=len(result.failed),
            bytes=result.bytes_done,
            seconds=result.seconds,
        )
    )
    return result


async def load_outside_journal(
    journal_path: Path,
    executor: Executor | None,
    progress: ProgressSink,
    result: OperationResult,
) -> JournalState:
    """Load a journal whose names are outside data: an entry with a refused name (``..``, an
    absolute path...) is reported as failed and left out; the others go on."""
    state = await load_journal(journal_path, executor=executor, skip_bad_names=True)
    for message in state.skipped:
        progress(events.Message(message, "warning"))
        result.outcomes.append(Outcome("(journal)", "failed", message))
    return state


@dataclass
class Operation:
    """A restore-side command under way: its backend (reporting retries to ``progress``),
    result, journal state and start time."""

    backend: Backend
    result: OperationResult
    state: JournalState
    journal_path: Path
    env: RunEnv
    started: float = field(default_factory=time.monotonic)

    @property
    def progress(self) -> ProgressSink:
        """Where the command's events go."""
        return self.env.progress

    def dry_run(
        self, records: Sequence[Created], verb: str, epilogue: Sequence[str] = ()
    ) -> OperationResult:
        """The dry run of a command acting on ``records``: one ``Will VERB archive`` line
        each, then the lines of ``epilogue`` (a cost estimate); the command's result."""
        for r in records:
            self.planned(
                r.relfilename,
                f"Will {verb} archive {r.archive_id} (file {r.relfilename})",
                r.archive_id,
            )
        for line in epilogue:
            self.progress(events.Message(line))
        return self.finish()

    def start(self, record: Created, action: Action) -> Backend:
        """A file's action begins: said, and the backend naming that file in its retries."""
        self.progress(events.FileStarted(record.relfilename, action, record.size))
        return self.backend.bind(subject=record.relfilename)

    def planned(self, name: str, line: str, archive_id: str | None = None) -> None:
        """A dry run's line: said, and kept as a ``planned`` outcome."""
        self.progress(events.Message(line))
        self.result.outcomes.append(Outcome(name, "planned", line, archive_id))

    def failed(self, name: str, action: Action, reason: str, archive_id: str | None = None) -> None:
        """A file failed: reported and kept."""
        self.progress(events.FileFailed(name, action, reason))
        self.result.outcomes.append(Outcome(name, "failed", reason, archive_id))

    def skipped(self, name: str, why: str, archive_id: str | None = None) -> None:
        """A file left alone: reported and kept."""
        self.progress(events.FileSkipped(name, why))
        self.result.outcomes.append(Outcome(name, "skipped", why, archive_id))

    def done(
        self,
        record: Created,
        action: Action,
        detail: str = "",
        *,
        counted: bool = True,
        shown: str = "",
    ) -> None:
        """A file's action done: reported (with ``shown`` as the event's detail) and kept (its
        bytes ``counted`` in the result's)."""
        self.progress(
            events.FileDone(record.relfilename, action, record.size, record.archive_id, shown)
        )
        size = record.size if counted else 0
        self.result.outcomes.append(
            Outcome(record.relfilename, "done", detail, record.archive_id, size)
        )

    async def journaled(
        self,
        items: Sequence[T],
        each: Callable[[Run[OperationResult], T], Awaitable[None]],
        concurrency: int,
        stopped: str,
    ) -> None:
        """:func:`journaled_fanout` of ``items`` in this command's journal."""
        await journaled_fanout(
            self.journal_path,
            self.result,
            items,
            each,
            self.env,
            concurrency=concurrency,
            stopped=stopped,
        )

    def finish(self) -> OperationResult:
        """Stamp the duration, report the end, return the result."""
        return finish_operation(self.progress, self.result, self.started)


async def begin_operation(
    backend: Backend, journal_path: Path, env: RunEnv, *, torn_tail_now: bool
) -> Operation:
    """Start a restore-side command: bind the backend to the progress sink, load the journal
    as outside data; say the journal's torn tail now when ``torn_tail_now`` (else the writer
    sets the line aside and says so)."""
    started = time.monotonic()
    progress = env.progress
    if progress is not null_sink:
        backend = backend.bind(listener=progress)
    result = OperationResult()
    state = await load_outside_journal(journal_path, env.executor, progress, result)
    if state.torn_tail and torn_tail_now:
        progress(events.Message(f"journal: {state.torn_tail}", "warning"))
    return Operation(backend, result, state, journal_path, env, started)


class Run(Generic[R]):
    """One command's run (see the module docs). ``result`` is the command's result record;
    ``stop`` is set once the journal failed (no new work starts; uploads in flight stop)."""

    def __init__(
        self,
        journal: JournalWriter,
        result: R,
        env: RunEnv,
        resume: ResumeStore | None = None,
        budget: ByteBudget | None = None,
    ) -> None:
        self.journal_writer = journal
        self.result = result
        self.progress = progress = env.progress
        self.clock = env.clock
        self.executor = env.executor
        self.resume = resume
        self.budget = budget
        self.stop = asyncio.Event()
        #: What the run did that the journal misses (for the error that ends a stopped run).
        self.unjournaled: list[str] = []
        if journal.torn_tail:
            progress(events.Message(f"journal: {journal.torn_tail}", "warning"))

    @property
    def stopped(self) -> bool:
        """Whether the journal failed and the run is stopping."""
        return self.stop.is_set()

    async def journal(self, record: Record, done: str) -> None:
        """Journal a finished transfer, shielded from cancellation. When the journal cannot
        take it, ``done`` (what the record says, for a person) is kept, the run stops and
        the :class:`JournalError` is raised."""
        try:
            await asyncio.shield(self.journal_writer.append(record))
        except JournalError:
            self.unjournaled.append(done)
            self.stop.set()
            raise

    async def journaled(self, record: Record, done: str) -> bool:
        """:meth:`journal`, saying whether the journal took the record instead of raising
        (the run has stopped when it did not)."""
        try:
            await self.journal(record, done)
        except JournalError:
            return False
        return True

    def stopped_error(self, what: str) -> JournalWriteError:
        """The error that ends a stopped run: the journal's failure, ``what`` the run did
        about it, and everything the journal misses."""
        return self.journal_writer.stopped(what, self.unjournaled)

    def raise_if_stopped(self, what: str) -> None:
        """Raise :meth:`stopped_error` when the run stopped."""
        if self.stop.is_set():
            raise self.stopped_error(what)


@dataclass(frozen=True)
class RunEnv:
    """What a command's caller injects: the progress sink, the clock of journal records,
    the executor of file I/O, and the journal writer's ``os.write`` (tests inject failures)."""

    progress: ProgressSink = null_sink
    clock: Callable[[], float] = time.time
    executor: Executor | None = None
    journal_write: Callable[[int, bytes], int] = os.write


@asynccontextmanager
async def open_run(
    journal_path: str | os.PathLike[str],
    result: R,
    env: RunEnv,
    *,
    queue_size: int = 1024,
    resume: ResumeStore | None = None,
    budget: ByteBudget | None = None,
) -> AsyncIterator[Run[R]]:
    """Open the journal's writer (locked, fsynced within a second) and the :class:`Run`
    around it; closing writes every record it took."""
    async with JournalWriter(
        journal_path,
        fsync=1.0,
        executor=env.executor,
        queue_size=queue_size,
        write=env.journal_write,
    ) as journal:
        yield Run(journal, result, env, resume, budget)


async def journaled_fanout(
    journal_path: Path,
    result: OperationResult,
    items: Sequence[T],
    each: Callable[[Run[OperationResult], T], Awaitable[None]],
    env: RunEnv,
    *,
    concurrency: int,
    stopped: str,
) -> None:
    """``each(run, item)`` for every item, ``concurrency`` at a time, in one run of the
    journal; once the journal fails nothing new starts, and the run ends with its error
    (``stopped`` says what the command did about it)."""
    async with open_run(journal_path, result, env) as run:
        jobs = [functools.partial(each, run, item) for item in items]
        await bounded(concurrency, jobs, run.stop)
        run.raise_if_stopped(stopped)
