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
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, Literal, TypeVar

from aioglacier.journal import (
    Created,
    Deleted,
    JournalError,
    JournalState,
    JournalWriteError,
    JournalWriter,
    RetrieveJob,
    load_journal,
)
from aioglacier.limits import ByteBudget
from aioglacier.progress import Message, ProgressSink, RunFinished, null_sink
from aioglacier.resume import ResumeStore

__all__ = ["OperationResult", "Outcome", "Run", "finish_operation", "load_outside_journal"]

R = TypeVar("R")


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
        RunFinished(
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
        progress(Message(message, "warning"))
        result.outcomes.append(Outcome("(journal)", "failed", message))
    return state


class Run(Generic[R]):
    """One command's run (see the module docs). ``result`` is the command's result record;
    ``stop`` is set once the journal failed (no new work starts; uploads in flight stop)."""

    def __init__(
        self,
        journal: JournalWriter,
        result: R,
        *,
        progress: ProgressSink = null_sink,
        clock: Callable[[], float] = time.time,
        executor: Executor | None = None,
        resume: ResumeStore | None = None,
        budget: ByteBudget | None = None,
    ) -> None:
        self.journal_writer = journal
        self.result = result
        self.progress = progress
        self.clock = clock
        self.executor = executor
        self.resume = resume
        self.budget = budget
        self.stop = asyncio.Event()
        #: What the run did that the journal misses (for the error that ends a stopped run).
        self.unjournaled: list[str] = []
        if journal.torn_tail:
            progress(Message(f"journal: {journal.torn_tail}", "warning"))

    @property
    def stopped(self) -> bool:
        """Whether the journal failed and the run is stopping."""
        return self.stop.is_set()

    async def journal(self, record: Created | Deleted | RetrieveJob, done: str) -> None:
        """Journal a finished transfer, shielded from cancellation. When the journal cannot
        take it, ``done`` (what the record says, for a person) is kept, the run stops and
        the :class:`JournalError` is raised."""
        try:
            await asyncio.shield(self.journal_writer.append(record))
        except JournalError:
            self.unjournaled.append(done)
            self.stop.set()
            raise

    def stopped_error(self, what: str) -> JournalWriteError:
        """The error that ends a stopped run: the journal's failure, ``what`` the run did
        about it, and everything the journal misses."""
        return self.journal_writer.stopped(what, self.unjournaled)

    def raise_if_stopped(self, what: str) -> None:
        """Raise :meth:`stopped_error` when the run stopped."""
        if self.stop.is_set():
            raise self.stopped_error(what)
