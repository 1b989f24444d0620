"""Glacier vault inventories (the output of an ``inventory-retrieval`` job), and a journal
rebuilt from one the way mtglacier's ``download-inventory`` does.

Formats (Glacier API reference, "Get Job Output"; the job's ``Format`` parameter):

* JSON (the default)::

    {"VaultARN": "arn:aws:glacier:REGION:ACCOUNT:vaults/NAME",
     "InventoryDate": "2013-11-06T02:51:29Z",
     "ArchiveList": [{"ArchiveId": "...", "ArchiveDescription": "...",
                      "CreationDate": "2012-08-23T19:08:30Z", "Size": 3000000,
                      "SHA256TreeHash": "ef0d...2513"}, ...]}

* CSV: a header line naming exactly the five columns ``ArchiveId,ArchiveDescription,CreationDate,
  Size,SHA256TreeHash`` (in any order, as mtglacier accepts), then one line per archive. There
  is no vault ARN or inventory date in CSV: :class:`Inventory` holds ``""`` for both.

AWS documents no escaping rules for the CSV form. What it really sends (mtglacier's test data,
taken from Amazon): the description quoted, a ``"`` inside it written ``\\"``, and a backslash
*not* escaped, so ``\\`` before the closing quote is ambiguous. RFC 4180 writers double the
quote (``""``) instead. The parser reads both:

* a field is unquoted (leading and trailing spaces and tabs trimmed, as mtglacier does; it may
  not contain ``"``) or quoted (spaces around the quotes ignored);
* inside quotes, ``""`` is one ``"``; ``\\"`` is one ``"`` unless the rest of the field only
  parses with that backslash taken literally (then the backslash stays, as in ``"x\\"`` ->
  ``x\\``); any other backslash is literal; a lone ``"`` ends the field;
* a line must split into exactly as many fields as the header has; when a quoted field could
  end at more than one ``"``, the longest field that lets the rest of the line parse wins
  (mtglacier's greedy match). For text written by either convention this gives back exactly
  what was written;
* lines end with LF or CRLF; a record cannot span lines (descriptions are printable ASCII, so
  AWS never writes a line break in one); blank lines are skipped.

Both parsers check every value: ``Size`` a non-negative integer, ``SHA256TreeHash`` 64 hex
digits (returned lower-case), ``CreationDate`` an ISO 8601 UTC time (:func:`parse_iso8601`),
``ArchiveId`` non-empty printable ASCII without spaces. Any violation raises
:class:`InventoryError` naming the line (CSV) or the archive's index (JSON).

Rebuilding the journal (:func:`inventory_to_records`), as mtglacier's ``download-inventory``:
each archive becomes one ``CREATED`` record whose time is the archive's ``CreationDate`` (epoch
seconds); the description is decoded with :func:`aioglacier.metadata.decode_description`; an
archive whose description is not mtglacier's (a foreign archive) is journaled under its archive
id as the file name, with no mtime (``NONE``). Records come out in mtglacier's version order
(``App::MtAws::FileVersions``: by mtime, or the creation time when there is no mtime, then by
creation time; ties keep inventory order), so for every name the last record is the version
mtglacier would call the latest.

A file name decoded from a description is outside data. One that the journal refuses
(:func:`aioglacier.journal.validate_relfilename`: absolute, ``..``, a tab or line break...)
never enters the journal as is: the archive is journaled under its archive id, like a foreign
archive but keeping its mtime, and a warning names the archive and the refused name. Restores
apply stricter rules again (:mod:`aioglacier.safepath`).
"""

from __future__ import annotations

import calendar
import json
import re
from dataclasses import dataclass
from typing import Any, Literal

from aioglacier.errors import AioGlacierError
from aioglacier.journal import Created, InvalidNameError, validate_relfilename
from aioglacier.metadata import decode_description, parse_mtime

__all__ = [
    "CSV_COLUMNS",
    "Inventory",
    "InventoryArchive",
    "InventoryError",
    "inventory_to_records",
    "parse_inventory",
    "parse_iso8601",
]

CSV_COLUMNS = ("ArchiveId", "ArchiveDescription", "CreationDate", "Size", "SHA256TreeHash")
"""The columns of a CSV inventory, in the order AWS writes them."""

_ARCHIVE_ID_RE = re.compile(r"[\x21-\x7e]+")
_ISO8601_FAST_RE = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.[0-9]{1,9})?Z"
)
_SIZE_RE = re.compile(r"[0-9]+")
_TREEHASH_RE = re.compile(r"[0-9a-fA-F]{64}")
_BLANKS = " \t"
_SHOWN_CHARS = 120


class InventoryError(AioGlacierError, ValueError):
    """The inventory cannot be parsed or holds an impossible value (one-line message)."""


@dataclass(frozen=True)
class InventoryArchive:
    """One archive of a vault inventory."""

    archive_id: str
    description: str
    """``ArchiveDescription``: ``""`` when the archive has none."""
    creation_date: str
    """``CreationDate`` as the inventory gives it (ISO 8601, UTC)."""
    size: int
    treehash: str
    """``SHA256TreeHash``: 64 lower-case hex digits."""


@dataclass(frozen=True)
class Inventory:
    """A parsed vault inventory; ``vault_arn`` and ``inventory_date`` are ``""`` for CSV."""

    vault_arn: str
    inventory_date: str
    archives: list[InventoryArchive]


def _days_in_month(year: int, month: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def parse_iso8601(s: str) -> int:
    """Parse an inventory time (``2012-08-23T19:08:30Z``) to epoch seconds (UTC).

    Accepts what mtglacier's ``iso8601_to_epoch`` accepts: ``-`` and ``:`` separators
    optional, a fraction of a second (dropped), lower-case ``t``/``z``, surrounding
    whitespace; years 1000 to 9999; seconds 60 and 61 count as leap seconds.

    Raises:
        InventoryError: not such a time.
    """
    m = _ISO8601_FAST_RE.fullmatch(s)
    if m is not None:  # the form AWS writes; anything else takes mtglacier's lenient parser
        year, month, day, hour, minute, second = map(int, m.groups())
        if (
            year >= 1000
            and 1 <= month <= 12
            and 1 <= day <= _days_in_month(year, month)
            and hour <= 23
            and minute <= 59
            and second <= 59
        ):
            return calendar.timegm((year, month, day, hour, minute, second))
    try:
        return parse_mtime(s)
    except ValueError:
        raise InventoryError(
            f"invalid time {_shown(s)} (expected ISO 8601 UTC like 2012-08-23T19:08:30Z)"
        ) from None


def _shown(value: str) -> str:
    """``repr`` of an outside value, cut to a readable length."""
    if len(value) > _SHOWN_CHARS:
        return repr(value[:_SHOWN_CHARS]) + "..."
    return repr(value)


def _make_archive(
    where: str, archive_id: str, description: str, creation_date: str, size: str | int, th: str
) -> InventoryArchive:
    if not _ARCHIVE_ID_RE.fullmatch(archive_id):
        raise InventoryError(f"{where}: invalid ArchiveId {_shown(archive_id)}")
    if isinstance(size, str):
        if not _SIZE_RE.fullmatch(size):
            raise InventoryError(f"{where}: invalid Size {_shown(size)}")
        size = int(size)
    elif size < 0:
        raise InventoryError(f"{where}: invalid Size {size}")
    if not _TREEHASH_RE.fullmatch(th):
        raise InventoryError(f"{where}: invalid SHA256TreeHash {_shown(th)}")
    try:
        parse_iso8601(creation_date)
    except InventoryError:
        raise InventoryError(f"{where}: invalid CreationDate {_shown(creation_date)}") from None
    return InventoryArchive(
        archive_id=archive_id,
        description=description,
        creation_date=creation_date,
        size=size,
        treehash=th.lower(),
    )


# --------------------------------------------------------------------------------------------
# JSON


def _json_field(where: str, item: dict[str, Any], key: str, kind: type) -> Any:
    if key not in item:
        raise InventoryError(f"{where}: no {key}")
    value = item[key]
    if kind is str and value is None and key == "ArchiveDescription":
        return ""
    if not isinstance(value, kind) or isinstance(value, bool):
        raise InventoryError(f"{where}: {key} is not {'an integer' if kind is int else 'a string'}")
    return value


def _parse_json(text: str) -> Inventory:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InventoryError(f"JSON inventory does not parse: {exc}") from None
    if not isinstance(doc, dict):
        raise InventoryError("JSON inventory is not an object")
    if "ArchiveList" not in doc:
        raise InventoryError("JSON inventory has no ArchiveList")
    archive_list = doc["ArchiveList"]
    if not isinstance(archive_list, list):
        raise InventoryError("JSON inventory: ArchiveList is not a list")
    header: dict[str, str] = {}
    for key in ("VaultARN", "InventoryDate"):
        value = doc.get(key, "")
        if not isinstance(value, str):
            raise InventoryError(f"JSON inventory: {key} is not a string")
        header[key] = value
    archives: list[InventoryArchive] = []
    for index, item in enumerate(archive_list):
        where = f"archive #{index}"
        if not isinstance(item, dict):
            raise InventoryError(f"{where}: not an object")
        archives.append(
            _make_archive(
                where,
                _json_field(where, item, "ArchiveId", str),
                _json_field(where, item, "ArchiveDescription", str),
                _json_field(where, item, "CreationDate", str),
                _json_field(where, item, "Size", int),
                _json_field(where, item, "SHA256TreeHash", str),
            )
        )
    return Inventory(header["VaultARN"], header["InventoryDate"], archives)


# --------------------------------------------------------------------------------------------
# CSV


def _decode_quoted(s: str) -> str | None:
    """Decode the inside of a quoted field, or ``None`` if it holds a lone ``"``."""
    if '"' not in s:
        return s  # the common case: every backslash is literal
    n = len(s)
    # ok[i]: s[i:] splits into tokens: '""', '\\"' (escaped quote), or one other character
    # (a backslash being one). A lone '"' is not a token.
    ok = [False] * (n + 2)
    ok[n] = True
    for i in range(n - 1, -1, -1):
        char = s[i]
        if char == '"':
            ok[i] = i + 1 < n and s[i + 1] == '"' and ok[i + 2]
        elif char == "\\" and i + 1 < n and s[i + 1] == '"':
            ok[i] = ok[i + 2] or ok[i + 1]
        else:
            ok[i] = ok[i + 1]
    if not ok[0]:
        return None
    out: list[str] = []
    i = 0
    while i < n:
        char = s[i]
        if char == '"' or (char == "\\" and i + 1 < n and s[i + 1] == '"' and ok[i + 2]):
            out.append('"')
            i += 2
        else:
            out.append(char)
            i += 1
    return "".join(out)


def _split_line(line: str, count: int) -> list[str] | None:
    """Split one CSV line into exactly ``count`` fields, or ``None``."""
    if '"' not in line:  # fast path: no quoted field
        parts = line.split(",")
        return [p.strip(_BLANKS) for p in parts] if len(parts) == count else None
    length = len(line)
    memo: dict[tuple[int, int], list[str] | None] = {}

    def after_field(end: int, left: int) -> list[str] | None:
        """Fields after a field ending at ``end`` (spaces skipped); ``left`` still to read."""
        while end < length and line[end] in _BLANKS:
            end += 1
        if left == 0:
            return [] if end == length else None
        if end < length and line[end] == ",":
            return fields(end + 1, left)
        return None

    def fields(pos: int, left: int) -> list[str] | None:
        key = (pos, left)
        if key not in memo:
            memo[key] = parse_fields(pos, left)
        return memo[key]

    def parse_fields(pos: int, left: int) -> list[str] | None:
        start = pos
        while start < length and line[start] in _BLANKS:
            start += 1
        if start < length and line[start] == '"':
            # Try every closing quote that is followed by a separator, the longest field first.
            close = length
            while True:
                close = line.rfind('"', start + 1, close)
                if close < 0:
                    return None
                after = close + 1
                while after < length and line[after] in _BLANKS:
                    after += 1
                if after < length and line[after] != ",":
                    continue  # not followed by a separator: not a closing quote
                value = _decode_quoted(line[start + 1 : close])
                if value is not None:
                    rest = after_field(after, left - 1)
                    if rest is not None:
                        return [value, *rest]
        end = line.find(",", start)
        if end < 0:
            end = length
        raw = line[start:end]
        if '"' in raw:
            return None
        rest = after_field(end, left - 1)
        if rest is None:
            return None
        return [raw.strip(_BLANKS), *rest]

    return fields(0, count)


def _parse_csv(text: str) -> Inventory:
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines:
        raise InventoryError("Bad CSV header: the inventory is empty")
    header_line = lines[0].removesuffix("\r")
    columns = [f.strip(_BLANKS).removeprefix('"').removesuffix('"') for f in header_line.split(",")]
    if sorted(columns) != sorted(CSV_COLUMNS):
        raise InventoryError(
            f"Bad CSV header {_shown(header_line)} (expected the columns {','.join(CSV_COLUMNS)})"
        )
    position = {name: columns.index(name) for name in CSV_COLUMNS}
    archives: list[InventoryArchive] = []
    for number, raw_line in enumerate(lines[1:], start=2):
        line = raw_line.removesuffix("\r")
        if line.strip(_BLANKS) == "":
            continue
        values = _split_line(line, len(columns))
        if values is None:
            raise InventoryError(f"Bad CSV line {number}: {_shown(line)}")
        archives.append(
            _make_archive(
                f"line {number}",
                values[position["ArchiveId"]],
                values[position["ArchiveDescription"]],
                values[position["CreationDate"]],
                values[position["Size"]],
                values[position["SHA256TreeHash"]],
            )
        )
    return Inventory("", "", archives)


# --------------------------------------------------------------------------------------------


def parse_inventory(data: bytes, *, format: Literal["JSON", "CSV"] | None = None) -> Inventory:
    """Parse a vault inventory (UTF-8 bytes; a BOM is ignored).

    ``format`` is the job's output format; ``None`` sniffs it (JSON when the first character
    that is not whitespace is ``{``, CSV otherwise).

    Raises:
        InventoryError: not UTF-8, not the format, or a bad value (the message says where).
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InventoryError(f"inventory is not UTF-8 (byte {exc.start})") from None
    text = text.removeprefix("\ufeff")
    if format is None:
        format = "JSON" if text.lstrip().startswith("{") else "CSV"
    if format == "JSON":
        return _parse_json(text)
    if format == "CSV":
        return _parse_csv(text)
    raise ValueError(f"unknown inventory format {format!r} (expected 'JSON' or 'CSV')")


def _version_key(record: Created) -> tuple[int, int]:
    """mtglacier's ``FileVersions::_cmp``: mtime (creation time if none), then creation time."""
    return (record.time if record.mtime is None else record.mtime, record.time)


def inventory_to_records(inventory: Inventory) -> tuple[list[Created], list[str]]:
    """Rebuild journal records from an inventory, as mtglacier's ``download-inventory``.

    Returns the ``CREATED`` records, in mtglacier's version order (see the module
    documentation), and one warning line per archive whose decoded file name was refused
    and per repeated archive id (the journal holds each archive once; the first is kept).

    Raises:
        InventoryError: an archive's ``CreationDate`` does not parse, or an archive id cannot
            serve as a journal file name.
    """
    records: list[Created] = []
    warnings: list[str] = []
    seen: set[str] = set()
    for archive in inventory.archives:
        if archive.archive_id in seen:
            warnings.append(f"archive {archive.archive_id}: listed more than once; journaled once")
            continue
        seen.add(archive.archive_id)
        time = parse_iso8601(archive.creation_date)
        decoded = decode_description(archive.description)
        name: str
        mtime: int | None
        if decoded is None:
            name, mtime = archive.archive_id, None
        else:
            name, mtime = decoded
            try:
                validate_relfilename(name)
            except InvalidNameError as exc:
                warnings.append(
                    f"archive {archive.archive_id}: file name {_shown(name)} from its "
                    f"description refused ({exc}); journaled under its archive id"
                )
                name = archive.archive_id
        if name == archive.archive_id:
            try:
                validate_relfilename(name)
            except InvalidNameError as exc:
                raise InventoryError(
                    f"archive id {_shown(archive.archive_id)} cannot name a journal entry: {exc}"
                ) from None
        records.append(
            Created(
                time=time,
                archive_id=archive.archive_id,
                size=archive.size,
                mtime=mtime,
                treehash=archive.treehash,
                relfilename=name,
            )
        )
    records.sort(key=_version_key)
    return records, warnings
