"""mtglacier archive descriptions (``x-amz-archive-description``).

mt-aws-glacier stores the relative file name and modification time of every archive
in its description, so a lost journal can be rebuilt from a vault inventory. This
module reads and writes that format exactly as mt-aws-glacier 1.120
(``App::MtAws::MetaData`` and ``App::MtAws::DateTime``) does.

Format ``mt2`` (written)::

    "mt2 " + base64url_without_padding(utf8(json({"filename": NAME, "mtime": ISO})))

* the JSON is compact (no spaces), keys ``filename`` then ``mtime``; non-ASCII characters
  are raw UTF-8, not ``\\u`` escapes; ``"``, ``\\`` and control characters are escaped
  as JSON requires (``\\n``, ``\\u001f``, ...);
* ``ISO`` is ``YYYYMMDDTHHMMSSZ`` in UTC; mtimes from year 1000 to 9999 are supported
  (:data:`MIN_MTIME` .. :data:`MAX_MTIME`), including negative epochs and after 2038;
* the whole description is at most :data:`MAX_DESCRIPTION_LENGTH` (1024) characters:
  about 720 bytes of UTF-8 file name. mtglacier refuses to upload a longer one (fatal
  ``file_name_too_big`` error); :func:`encode_description` raises
  :class:`DescriptionTooLongError`.

Format ``mt1`` (read only; written by mtglacier 0.80-0.84) is the same with the JSON
UTF-8-encoded twice (its bytes taken as Latin-1 and encoded to UTF-8 again).

Decoding is lenient where mtglacier is (leading and repeated whitespace, tabs, base64
padding or standard ``+``/``/`` characters, words after the payload, some ISO 8601
variants for the time) and returns ``None`` wherever mtglacier yields nothing: foreign
descriptions, broken base64/UTF-8/JSON, missing or ``null`` fields, nested JSON
values, impossible dates. One deliberate difference: a JSON number or boolean as the
``filename`` (which mtglacier never writes) is rejected instead of stringified.
"""

from __future__ import annotations

import base64
import calendar
import datetime
import json
import operator
import re
from typing import Any

from aioglacier.errors import AioGlacierError

__all__ = [
    "MAX_DESCRIPTION_LENGTH",
    "MAX_MTIME",
    "MIN_MTIME",
    "DescriptionTooLongError",
    "decode_description",
    "encode_description",
    "format_mtime",
    "parse_mtime",
]

MAX_DESCRIPTION_LENGTH = 1024
"""Longest description mtglacier writes, and longest base64 payload it decodes."""

MIN_MTIME = -30610224000
"""1000-01-01T00:00:00Z, the earliest mtime mtglacier can store."""

MAX_MTIME = 253402300799
"""9999-12-31T23:59:59Z, the latest mtime mtglacier can store."""

_MARKER_MT2 = "mt2"
_MARKER_MT1 = "mt1"
_SECONDS_PER_DAY = 86400
_EPOCH_ORDINAL = datetime.date(1970, 1, 1).toordinal()

# Perl's ``\s`` on character strings (split ' ' in MetaData::_split_meta).
_PERL_SPACE_RUN = re.compile(
    "[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+"
)

# mtglacier's "some ISO 8601" parser (App::MtAws::DateTime::iso8601_to_epoch): ASCII
# digits, ASCII whitespace, case-insensitive T and Z, up to 10 characters of fraction
# (ignored).
_WS = "[\t\n\x0b\x0c\r ]"
_ISO8601_RE = re.compile(
    rf"{_WS}*([0-9]{{4}})[-\t\n\x0b\x0c\r ]*([0-9]{{2}})[-\t\n\x0b\x0c\r ]*([0-9]{{2}})"
    rf"{_WS}*[Tt]{_WS}*([0-9]{{2}})[:\t\n\x0b\x0c\r ]*([0-9]{{2}})[:\t\n\x0b\x0c\r ]*"
    rf"([0-9]{{2}})[,.0-9]{{0,10}}{_WS}*[Zz]{_WS}*"
)

# Base64 alphabet after mtglacier maps "-_" to "+/" (both spellings are accepted).
_B64_VALUES = {
    c: i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
}
_B64_VALUES["-"] = 62
_B64_VALUES["_"] = 63
_B64_PAD = 64


class DescriptionTooLongError(AioGlacierError, ValueError):
    """The encoded description would exceed :data:`MAX_DESCRIPTION_LENGTH` characters."""

    def __init__(self, relfilename: str, length: int) -> None:
        self.relfilename = relfilename
        self.length = length
        super().__init__(
            f"relative filename {relfilename!r} is too long to store in an archive "
            f"description: {length} characters encoded, the limit is "
            f"{MAX_DESCRIPTION_LENGTH} (about 720 ASCII characters or 360 2-byte UTF-8 "
            "characters)"
        )


def format_mtime(epoch: int) -> str:
    """Format an epoch (seconds, UTC) as ``YYYYMMDDTHHMMSSZ``.

    Raises:
        ValueError: ``epoch`` is outside years 1000..9999 (mtglacier's range).
    """
    epoch = operator.index(epoch)
    if not MIN_MTIME <= epoch <= MAX_MTIME:
        raise ValueError(
            f"mtime {epoch} out of range: only years 1000 to 9999 are supported "
            f"({MIN_MTIME}..{MAX_MTIME})"
        )
    days, seconds = divmod(epoch, _SECONDS_PER_DAY)
    day = datetime.date.fromordinal(_EPOCH_ORDINAL + days)
    hour, rest = divmod(seconds, 3600)
    minute, second = divmod(rest, 60)
    return f"{day.year:04d}{day.month:02d}{day.day:02d}T{hour:02d}{minute:02d}{second:02d}Z"


def _parse_mtime(text: str) -> int | None:
    m = _ISO8601_RE.fullmatch(text)
    if m is None:
        return None
    year, month, day, hour, minute, second = (int(g) for g in m.groups())
    if year < 1000:
        return None
    leap = 0
    if second in (60, 61):  # leap second(s): counted as extra seconds after :59
        leap = second - 59
        second = 59
    if not (1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]):
        return None
    if hour > 23 or minute > 59 or second > 59:
        return None
    return calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0)) + leap


def parse_mtime(s: str) -> int:
    """Parse an mtglacier time string to an epoch (seconds, UTC).

    Accepts what mtglacier accepts: ``YYYYMMDDTHHMMSSZ`` with optional whitespace,
    ``-`` date separators, ``:`` time separators, a fraction after the seconds
    (ignored), lower-case ``t``/``z``; seconds 60 and 61 count as leap seconds.

    Raises:
        ValueError: not such a string, a year before 1000, or an impossible date/time.
    """
    result = _parse_mtime(s)
    if result is None:
        raise ValueError(f"invalid mtglacier time {s!r} (expected YYYYMMDDTHHMMSSZ)")
    return result


def _encode_b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def encode_description(relfilename: str, mtime: int) -> str:
    """Encode a relative file name and mtime as an mtglacier ``mt2`` description.

    Raises:
        DescriptionTooLongError: the result would exceed 1024 characters.
        ValueError: ``mtime`` is outside years 1000..9999, or ``relfilename`` is not
            encodable as UTF-8 (lone surrogates, e.g. from undecodable bytes).
    """
    iso = format_mtime(mtime)
    try:
        payload = json.dumps(
            {"filename": relfilename, "mtime": iso},
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(
            f"relative filename {relfilename!r} is not valid Unicode and cannot be stored "
            "in an archive description"
        ) from None
    description = f"{_MARKER_MT2} {_encode_b64url(payload)}"
    if len(description) > MAX_DESCRIPTION_LENGTH:
        raise DescriptionTooLongError(relfilename, len(description))
    return description


def _decode_b64(text: str) -> bytes | None:
    """Decode base64 the way mtglacier (tr + padding + MIME::Base64) does.

    Characters outside the alphabet are skipped; decoding stops at the first group
    holding padding; a trailing group of one character is dropped. Characters above
    U+00FF make Perl croak, so they fail.
    """
    if any(ord(c) > 0xFF for c in text):
        return None
    if len(text) % 4:
        text += "=" * (4 - len(text) % 4)
    sextets = [
        _B64_PAD if c == "=" else _B64_VALUES[c] for c in text if c == "=" or c in _B64_VALUES
    ]
    out = bytearray()
    for start in range(0, len(sextets), 4):
        group = sextets[start : start + 4]
        if len(group) < 2:
            break
        group += [_B64_PAD] * (4 - len(group))
        c0, c1, c2, c3 = group
        if _B64_PAD in (c0, c1):
            break
        out.append(((c0 << 2) | (c1 >> 4)) & 0xFF)
        if c2 == _B64_PAD:
            break
        out.append(((c1 << 4) | (c2 >> 2)) & 0xFF)
        if c3 == _B64_PAD:
            break
        out.append(((c2 << 6) | c3) & 0xFF)
    return bytes(out)


class _Reject(Exception):
    """Internal: JSON that mtglacier's decoder (JSON::XS, max_depth 1) rejects."""


def _has_surrogate(text: str) -> bool:
    return any("\ud800" <= c <= "\udfff" for c in text)


def _check_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # JSON::XS with max_depth(1): no nested containers; it also refuses unpaired
    # surrogate escapes, which Python's json would turn into lone surrogates.
    for key, value in pairs:
        if isinstance(value, (dict, list)) or _has_surrogate(key):
            raise _Reject
        if isinstance(value, str) and _has_surrogate(value):
            raise _Reject
    return dict(pairs)


def _reject_constant(_name: str) -> Any:
    raise _Reject  # NaN / Infinity are not JSON


def _decode_json_object(data: bytes) -> dict[str, Any] | None:
    try:
        text = data.decode("utf-8")
        obj = json.loads(text, object_pairs_hook=_check_pairs, parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, _Reject, RecursionError):
        return None
    if not isinstance(obj, dict):
        return None
    return obj


def decode_description(description: str) -> tuple[str, int | None] | None:
    """Decode an mtglacier ``mt2`` or ``mt1`` description.

    Returns ``(relfilename, mtime)``, or ``None`` when the description is not one
    mtglacier would decode (foreign or malformed). With mtglacier's formats the mtime
    is always present when a tuple is returned.
    """
    words = [w for w in _PERL_SPACE_RUN.split(description, maxsplit=3) if w]
    if len(words) < 2:
        return None
    marker, b64 = words[0], words[1]
    if marker not in (_MARKER_MT2, _MARKER_MT1) or len(b64) > MAX_DESCRIPTION_LENGTH:
        return None
    data = _decode_b64(b64)
    if data is None:
        return None
    if marker == _MARKER_MT1:
        try:
            data = data.decode("utf-8").encode("latin-1")
        except (UnicodeDecodeError, UnicodeEncodeError):
            return None
    obj = _decode_json_object(data)
    if obj is None:
        return None
    filename = obj.get("filename")
    mtime_text = obj.get("mtime")
    if not isinstance(filename, str) or not isinstance(mtime_text, str):
        return None
    mtime = _parse_mtime(mtime_text)
    if mtime is None:
        return None
    return filename, mtime
