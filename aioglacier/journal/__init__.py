"""The mt-aws-glacier compatible journal: parse, replay to state, and one asyncio writer task.

Format (what mtglacier >= 0.8 writes, version ``B``; TAB-separated, LF-terminated, UTF-8)::

    B<TAB>time<TAB>CREATED<TAB>archive_id<TAB>size<TAB>mtime|NONE<TAB>treehash<TAB>relfilename
    B<TAB>time<TAB>DELETED<TAB>archive_id<TAB>relfilename
    B<TAB>time<TAB>RETRIEVE_JOB<TAB>archive_id<TAB>job_id

Reading follows mtglacier's ``App::MtAws::Journal::process_line`` exactly:

* versions ``A``, ``B`` and ``C`` share the layout above; ``A`` requires a numeric mtime and, as
  in mtglacier, a version ``A`` CREATED record whose archive id equals its file name (made by
  ``download-inventory`` for archives without metadata) has no mtime;
* the legacy version ``0`` is space-separated: ``time CREATED id size treehash name`` (single
  spaces; the name is the rest of the line and may hold spaces), ``time DELETED id name`` and
  ``time RETRIEVE_JOB id`` (any whitespace runs), with no mtime and no job id;
* times and sizes are 1 to 20 ASCII digits; an mtime is ``[+-]?`` and 1 to 20 digits (it may be
  negative), or ``NONE`` in ``B``/``C``; archive ids and tree hashes are runs of non-whitespace;
* CRLF line endings are accepted; a line starting ``D`` to ``Z`` and a TAB comes from a future
  version (:class:`FutureJournalVersionError`); any other line that does not match is an error
  naming its line number; so are a bad file name, invalid UTF-8, a duplicate archive id and a
  DELETED of an archive that is not live.

Departures from mtglacier, each stricter or safer, none affecting journals mtglacier writes:

* A last line without its LF that parses completely is a record, as mtglacier reads it
  (``while (<F>) { chomp; ... }``); :class:`JournalWriter` writes the missing LF before its
  first new line. A last line that does not parse (a crash in the middle of a write, a cut
  inside a UTF-8 sequence) is torn: replay reports it in :attr:`JournalState.torn_tail` and
  ignores it, using every record before it. Elsewhere such a line would be an error naming
  its line number; at the end it is what an interrupted write leaves. :class:`JournalWriter`
  moves it, byte for byte, to a side file ``JOURNAL.torn-<UTC time>`` beside the journal
  (reported in :attr:`JournalWriter.torn_tail`) and cuts it off, so the journal stays one
  mtglacier can read and nothing is destroyed. A fresh line after the fragment would instead
  leave a broken line that both programs refuse.
* File names are checked on DELETED lines too, and NUL and a trailing ``/`` are refused.
* When two live archives of one name tie under mtglacier's ordering (mtime, else time, then
  time), mtglacier's pick depends on Perl hash order; here the later line wins.

The current archive of a name is the live archive with the greatest ``mtime`` (``time`` when the
mtime is ``None``), ties broken by the greatest ``time`` (mtglacier's ``FileVersions::_cmp``).

Replay (:func:`read_journal`) is built for journals of millions of records: lines are decoded
and split in 1 MiB chunks; a fast path accepts well-formed ``B``/``C`` lines with a few string
checks and hands anything else to the exact regex parser, which decides (so the fast path only
ever accepts what the exact parser accepts). The state keeps each archive as a plain tuple (the
garbage collector untracks tuples of strings and ints; a tree hash is kept as its 32 bytes) and
:class:`ArchiveMap` builds :class:`Created` records on access.

The package, by concern: :mod:`~aioglacier.journal.records` (the records, their checks and
their lines), :mod:`~aioglacier.journal.errors`, :mod:`~aioglacier.journal.parsing` (one line,
exactly as mtglacier reads it), :mod:`~aioglacier.journal.state` (what a replay yields),
:mod:`~aioglacier.journal.replay` (a file to a state, fast) and
:mod:`~aioglacier.journal.writer` (appending, durably, from asyncio).
"""

from __future__ import annotations

from aioglacier.journal.errors import (
    FutureJournalVersionError,
    InvalidNameError,
    InvalidRecordError,
    JournalError,
    JournalLockedError,
    JournalWriteError,
)
from aioglacier.journal.parsing import parse_line
from aioglacier.journal.records import (
    Created,
    Deleted,
    Record,
    RetrieveJob,
    format_record,
    validate_relfilename,
)
from aioglacier.journal.replay import load_journal, read_journal
from aioglacier.journal.state import ArchiveMap, JournalState, RetrieveJobMap
from aioglacier.journal.writer import FsyncPolicy as FsyncPolicy
from aioglacier.journal.writer import JournalWriter

__all__ = [
    "ArchiveMap",
    "Created",
    "Deleted",
    "FutureJournalVersionError",
    "InvalidNameError",
    "InvalidRecordError",
    "JournalError",
    "JournalLockedError",
    "JournalState",
    "JournalWriteError",
    "JournalWriter",
    "Record",
    "RetrieveJob",
    "RetrieveJobMap",
    "format_record",
    "load_journal",
    "parse_line",
    "read_journal",
    "validate_relfilename",
]
