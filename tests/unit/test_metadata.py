"""Tests for aioglacier.metadata: vectors ported from mt-aws-glacier 1.120
(t/integration/metadata.t, metadata_mt1.t, datetime.t, t/unit/metadata.t)."""

from __future__ import annotations

import base64
import calendar
import datetime
import hashlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aioglacier.metadata import (
    MAX_DESCRIPTION_LENGTH,
    MAX_MTIME,
    MIN_MTIME,
    DescriptionTooLongError,
    _decode_b64,
    _encode_b64url,
    decode_description,
    encode_description,
    format_mtime,
    parse_mtime,
)


def b64url(data: str | bytes) -> str:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def mt1_encode(relfilename: str, mtime: int) -> str:
    """mtglacier 0.80-0.84's buggy writer: JSON UTF-8 encoded twice."""
    payload = json.dumps(
        {"filename": relfilename, "mtime": format_mtime(mtime)},
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode("utf-8")
    return "mt1 " + b64url(payload.decode("latin-1").encode("utf-8"))


# ---------------------------------------------------------------------------
# exact vectors
# ---------------------------------------------------------------------------

MT2_VECTORS = [
    ("file", 1352924178, "mt2 eyJmaWxlbmFtZSI6ImZpbGUiLCJtdGltZSI6IjIwMTIxMTE0VDIwMTYxOFoifQ"),
    (
        "file/a",
        1351924178,
        "mt2 eyJmaWxlbmFtZSI6ImZpbGUvYSIsIm10aW1lIjoiMjAxMjExMDNUMDYyOTM4WiJ9",
    ),
    (
        "file/a/b/c/d",
        1352124178,
        "mt2 eyJmaWxlbmFtZSI6ImZpbGUvYS9iL2MvZCIsIm10aW1lIjoiMjAxMjExMDVUMTQwMjU4WiJ9",
    ),
    (
        "директория/a/b/c/d",
        1352124178,
        "mt2 eyJmaWxlbmFtZSI6ItC00LjRgNC10LrRgtC-0YDQuNGPL2EvYi9jL2QiLCJtdGltZSI6IjIwMTIx"
        "MTA1VDE0MDI1OFoifQ",
    ),
    (
        "директория/файл",
        1352124178,
        "mt2 eyJmaWxlbmFtZSI6ItC00LjRgNC10LrRgtC-0YDQuNGPL9GE0LDQudC7IiwibXRpbWUiOiIyMDEy"
        "MTEwNVQxNDAyNThaIn0",
    ),
    ("\xb5", 1234, "mt2 eyJmaWxlbmFtZSI6IsK1IiwibXRpbWUiOiIxOTcwMDEwMVQwMDIwMzRaIn0"),
    ("\xdf", 1234, "mt2 eyJmaWxlbmFtZSI6IsOfIiwibXRpbWUiOiIxOTcwMDEwMVQwMDIwMzRaIn0"),
]


@pytest.mark.parametrize(("name", "mtime", "description"), MT2_VECTORS)
def test_mt2_vectors(name: str, mtime: int, description: str) -> None:
    assert encode_description(name, mtime) == description
    assert decode_description(description) == (name, mtime)


MT1_VECTORS = [
    ("file", 1352924178, "mt1 eyJmaWxlbmFtZSI6ImZpbGUiLCJtdGltZSI6IjIwMTIxMTE0VDIwMTYxOFoifQ"),
    (
        "file/a",
        1351924178,
        "mt1 eyJmaWxlbmFtZSI6ImZpbGUvYSIsIm10aW1lIjoiMjAxMjExMDNUMDYyOTM4WiJ9",
    ),
    (
        "file/a/b/c/d",
        1352124178,
        "mt1 eyJmaWxlbmFtZSI6ImZpbGUvYS9iL2MvZCIsIm10aW1lIjoiMjAxMjExMDVUMTQwMjU4WiJ9",
    ),
    (
        "директория/a/b/c/d",
        1352124178,
        "mt1 eyJmaWxlbmFtZSI6IsOQwrTDkMK4w5HCgMOQwrXDkMK6w5HCgsOQwr7DkcKAw5DCuMORwo8vYS9iL2Mv"
        "ZCIsIm10aW1lIjoiMjAxMjExMDVUMTQwMjU4WiJ9",
    ),
    (
        "директория/файл",
        1352124178,
        "mt1 eyJmaWxlbmFtZSI6IsOQwrTDkMK4w5HCgMOQwrXDkMK6w5HCgsOQwr7DkcKAw5DCuMORwo8vw5HChMOQ"
        "wrDDkMK5w5DCuyIsIm10aW1lIjoiMjAxMjExMDVUMTQwMjU4WiJ9",
    ),
    ("ЯAЯ", 123, "mt1 eyJmaWxlbmFtZSI6IsOQwq9Bw5DCryIsIm10aW1lIjoiMTk3MDAxMDFUMDAwMjAzWiJ9"),
]


@pytest.mark.parametrize(("name", "mtime", "description"), MT1_VECTORS)
def test_mt1_vectors(name: str, mtime: int, description: str) -> None:
    assert decode_description(description) == (name, mtime)
    assert mt1_encode(name, mtime) == description


_MT1_CHARS = list("abcdef_ßµŨ") + list("абвгдеёжзиклмнопрстуфцчшщэюяАБВГДЕЁЖЗИКЛМНОПРСТУФХЦЧШЩЭЮЯ")


def test_mt1_round_trips_like_metadata_mt1_t() -> None:
    for c1 in _MT1_CHARS:
        names = [c1]
        for c2 in ["a", "_", "ß", "µ", "Ũ", "а", "я", "А", "Б", "Я"]:
            names += [c1 + c2, f"{c1}/{c2}", f"{c1}A{c2}"]
        for name in names:
            assert decode_description(mt1_encode(name, 123)) == (name, 123)


def test_mt2_round_trips_like_metadata_t() -> None:
    for s1 in ["!", *_MT1_CHARS]:
        for s2 in ["a", "hello", "file1/file2/file3/file4", "длинный русский текст", "/"]:
            assert decode_description(encode_description(s1 + s2, 1234)) == (s1 + s2, 1234)


def test_json_layout() -> None:
    # compact JSON, filename first, raw UTF-8, JSON::XS-style escapes ("/" and DEL verbatim)
    description = encode_description('a"\\\x01\x1f\x7f/\u2028\n\t\b\f\rя😀', 0)
    assert description.startswith("mt2 ")
    assert base64.urlsafe_b64decode(description[4:] + "==") == (
        b'{"filename":"a\\"\\\\\\u0001\\u001f\x7f/\xe2\x80\xa8\\n\\t\\b\\f\\r'
        b'\xd1\x8f\xf0\x9f\x98\x80","mtime":"19700101T000000Z"}'
    )
    assert decode_description(description) == ('a"\\\x01\x1f\x7f/\u2028\n\t\b\f\rя😀', 0)


# ---------------------------------------------------------------------------
# base64url helpers (_encode_b64 / _decode_b64 fixtures)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "encoded"),
    [
        ('{"c":"d","a":"b"}', "eyJjIjoiZCIsImEiOiJiIn0"),
        ('{"c":"d"\\n,"a":"b"}', "eyJjIjoiZCJcbiwiYSI6ImIifQ"),
        ('{"c":"d",\\t"a":"b"}', "eyJjIjoiZCIsXHQiYSI6ImIifQ"),
        ("andnd+asdasdf", "YW5kbmQrYXNkYXNkZg"),
        ("andnd/asdasdf", "YW5kbmQvYXNkYXNkZg"),
        ("andndasdasdf=", "YW5kbmRhc2Rhc2RmPQ"),
        ("тест", "0YLQtdGB0YI"),
        ("тест test", "0YLQtdGB0YIgdGVzdA"),
        ("тест=test", "0YLQtdGB0YI9dGVzdA"),
    ],
)
def test_b64_fixtures(text: str, encoded: str) -> None:
    assert _encode_b64url(text.encode("utf-8")) == encoded
    assert _decode_b64(encoded) == text.encode("utf-8")


@pytest.mark.parametrize("encoded", ["aaa_", "bbb-", "aa_-", "bb-_"])
def test_b64_dash_and_underscore(encoded: str) -> None:
    data = _decode_b64(encoded)
    assert data is not None
    assert _encode_b64url(data) == encoded


@pytest.mark.parametrize("text", ["a", "bb", "ccc", "dddd", "eeeee", "ffffff", "x" * 1024])
def test_b64_no_padding(text: str) -> None:
    encoded = _encode_b64url(text.encode())
    assert "=" not in encoded
    assert "\n" not in encoded
    assert _decode_b64(encoded) == text.encode()
    assert _decode_b64(encoded + "=" * (-len(encoded) % 4)) == text.encode()


@pytest.mark.parametrize(
    ("text", "decoded"),
    [
        ("", b""),
        ("z", b""),  # a lone trailing character is dropped
        ("zzz", b"\xcf<"),
        ("z+z", b"\xcf\xec"),  # standard alphabet accepted too
        ("YW!!Jj", b"abc"),  # characters outside the alphabet are skipped
        ("YW=Jj", b"a"),  # decoding stops at padding
        ("====", b""),
        ("YWJjZA==ZZZZ", b"abcd"),
        ("YWJ\u00e9j", b"abc"),  # Latin-1 characters are skipped ...
        ("YWJ\u0100j", None),  # ... wider ones make Perl croak
    ],
)
def test_b64_decoding_like_mime_base64(text: str, decoded: bytes | None) -> None:
    assert _decode_b64(text) == decoded


# ---------------------------------------------------------------------------
# decoding errors and leniency
# ---------------------------------------------------------------------------

GOOD_JSON = '{ "filename": "a", "mtime": "20080102T222324Z"}'
GOOD = ("a", 1199312604)


@pytest.mark.parametrize(
    "description",
    [
        "zzz",
        "mt2 zzz",
        "mt2 !!!!",
        "mt2 z+z",
        "mt2 " + b64url('{ "filename": "a", "mtime": "20081515T222324Z"}'),
        "mt2 " + b64url("ff"),
        "mt2 " + b64url('{ "a": 1, "x": 2}'),
        "mt2 " + b64url('{ "filename": "f", "x": 2}'),
        "mt2 " + b64url('{ "x": 1, "mtime": 2}'),
        "mt2 " + b64url('{ "filename": "a", "mtime": "zzz"}'),
        "mt2 " + b64url('{ "filename": "' + "x" * 1024 + '", "mtime": 1}'),
        "mt2 " + b64url('{ "filename": "f", "mtime": "20081302T222324Z"}'),
        "",
        " ",
        "  ",
        "mt1",
        "mt2",
        "mt1 ",
        "mt2 ",
        "mt1  ",
        "mt2  ",
        "mt1 " + b64url("ff"),
        "mt1 zzz",
        "mt1 !!!!",
        # not ours
        "mtglacier archive",
        "mt3 " + b64url(GOOD_JSON),
        "MT2 " + b64url(GOOD_JSON),
        "mtijob1 eyJ0eXBlIjoiZnVsbCJ9",
        b64url(GOOD_JSON),
        # JSON mtglacier's decoder (JSON::XS, utf8, max_depth 1) rejects
        "mt2 " + b64url('{"filename": null, "mtime": "20080102T222324Z"}'),
        "mt2 " + b64url('{"filename": "a", "mtime": null}'),
        "mt2 " + b64url('{"filename": ["a"], "mtime": "20080102T222324Z"}'),
        "mt2 " + b64url('{"filename": "a", "mtime": "20080102T222324Z", "x": {}}'),
        "mt2 " + b64url('{"filename": "a", "mtime": 20080102}'),
        "mt2 " + b64url('{"filename": "\\ud800", "mtime": "20080102T222324Z"}'),
        "mt2 " + b64url('{"filename": "a", "mtime": "20080102T222324Z", "\\udc00": 1}'),
        "mt2 " + b64url('{"filename": "a", "mtime": "20080102T222324Z", "x": NaN}'),
        "mt2 " + b64url('["a", "20080102T222324Z"]'),
        "mt2 " + b64url('"a"'),
        "mt2 " + b64url("\ufeff" + GOOD_JSON),
        "mt2 " + b64url(GOOD_JSON + "x"),
        "mt2 " + b64url(b'{"filename": "\xff", "mtime": "20080102T222324Z"}'),
        "mt2 " + b64url('{"filename": "a\x01", "mtime": "20080102T222324Z"}'),
        # JSON numbers/booleans as filename: mtglacier never writes them (see module doc)
        "mt2 " + b64url('{"filename": 5, "mtime": "20080102T222324Z"}'),
        "mt2 " + b64url('{"filename": true, "mtime": "20080102T222324Z"}'),
        # mt1 payload that is not double-encoded UTF-8
        "mt1 " + b64url(b'{"filename": "\xff", "mtime": "20080102T222324Z"}'),
        "mt1 " + b64url('{"filename": "я", "mtime": "20080102T222324Z"}'),
        # payload too long to be decoded (> 1024 characters of base64)
        "mt2 " + b64url('{"filename": "' + "x" * 800 + '", "mtime": "20080102T222324Z"}'),
        # year before 1000
        "mt2 " + b64url('{"filename": "a", "mtime": "09990101T000000Z"}'),
        # non-ASCII digits are not digits for mtglacier
        "mt2 " + b64url('{"filename": "a", "mtime": "２００８0102T222324Z"}'),
    ],
)
def test_decode_returns_none(description: str) -> None:
    assert decode_description(description) is None


@pytest.mark.parametrize(
    "description",
    [
        "mt2 " + b64url(GOOD_JSON),
        "mt2 " + b64url(GOOD_JSON) + "==",
        "mt2 " + b64url(GOOD_JSON) + "=",
        "mt2   " + b64url(GOOD_JSON),
        "mt2\t\t" + b64url(GOOD_JSON),
        " \tmt2\t\t " + b64url(GOOD_JSON),
        "mt2 " + b64url(GOOD_JSON) + " trailing words are ignored",
        "mt2 " + b64url(GOOD_JSON) + "\n",
        "mt2\xa0" + b64url(GOOD_JSON),  # Perl's \s on character strings
        "mt2\u3000" + b64url(GOOD_JSON),
        "mt2 " + base64.b64encode(GOOD_JSON.encode()).decode(),  # standard alphabet
        "mt1 " + b64url(GOOD_JSON),
        "mt1 " + b64url(GOOD_JSON) + "==",
        "mt1   " + b64url(GOOD_JSON),
        "mt1\t\t" + b64url(GOOD_JSON),
        " \tmt1\t\t " + b64url(GOOD_JSON),
        "mt2 " + b64url('{"mtime": "20080102T222324Z", "filename": "a"}'),
        "mt2 " + b64url('{"filename": "a", "mtime": "2008-01-02T22:23:24.5z", "x": 1}'),
        "mt2 " + b64url('{"filename": "b", "filename": "a", "mtime": "20080102T222324Z"}'),
    ],
)
def test_decode_leniency(description: str) -> None:
    assert decode_description(description) == GOOD


def test_decode_separator_not_perl_whitespace() -> None:
    # U+001F is whitespace for Python's str.split but not for Perl's \s
    assert decode_description("mt2\x1f" + b64url(GOOD_JSON)) is None


def test_decode_maximum_payload_length() -> None:
    name = "x" * 723
    description = encode_description(name, 0)
    assert len(description) == MAX_DESCRIPTION_LENGTH
    assert decode_description(description) == (name, 0)
    # mtglacier checks the length of the base64 word only, not of the whole description
    assert decode_description("mt2     " + description[4:]) == (name, 0)


# ---------------------------------------------------------------------------
# encoding errors
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "mtime", "length"),
    [
        ("filename", -1, None),
        ("filename", 0, None),
        ("я" * 350, 0, None),
        ("z" * 700, 0, None),
        ("z" * 723, 0, 1024),
        ("я" * 361, 0, 1023),
        ("z" * 724, 0, 1026),
        ("я" * 362, 0, 1026),
        ("f" * 1024, 0, 1426),
    ],
)
def test_encode_length_limit(name: str, mtime: int, length: int | None) -> None:
    if length is None or length <= MAX_DESCRIPTION_LENGTH:
        description = encode_description(name, mtime)
        assert length is None or len(description) == length
        assert decode_description(description) == (name, mtime)
        return
    with pytest.raises(DescriptionTooLongError) as info:
        encode_description(name, mtime)
    assert info.value.length == length
    assert info.value.relfilename == name
    assert str(info.value) == (
        f"relative filename {name!r} is too long to store in an archive description: "
        f"{length} characters encoded, the limit is 1024 (about 720 ASCII characters or "
        "360 2-byte UTF-8 characters)"
    )


def test_encode_mtime_out_of_range() -> None:
    for mtime in (MIN_MTIME - 1, MAX_MTIME + 1):
        with pytest.raises(ValueError, match=r"^mtime -?\d+ out of range: only years 1000 to 9999"):
            encode_description("a", mtime)
    assert decode_description(encode_description("a", MIN_MTIME)) == ("a", MIN_MTIME)
    assert decode_description(encode_description("a", MAX_MTIME)) == ("a", MAX_MTIME)


def test_encode_undecodable_name() -> None:
    with pytest.raises(ValueError, match=r"^relative filename 'a\\udcff' is not valid Unicode"):
        encode_description("a\udcff", 0)
    with pytest.raises(TypeError):
        encode_description("a", 1.5)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# mtime <-> ISO 8601 (datetime.t)
# ---------------------------------------------------------------------------

ISO_VECTORS = [
    ("20121225T100000Z", 1356429600),
    ("20130101T000000Z", 1356998400),
    ("20120229T000000Z", 1330473600),
    ("20130228T000000Z", 1362009600),
    ("20130228T235959Z", 1362095999),
    ("20120630T235959Z", 1341100799),
    ("20120701T000000Z", 1341100800),
    ("20081231T235959Z", 1230767999),
    ("20090101T000000Z", 1230768000),
    ("19070809T082454Z", -1969112106),
    ("19070809T084134Z", -1969111106),
    ("19700101T000000Z", 0),
    ("16800101T000000Z", -9151488000),
    ("22600101T000000Z", 9151488000),
    ("40000201T000000Z", 64063267200),
    ("19691231T235950Z", -10),
    ("20140114T003509Z", 1389659709),
    ("20371231T235959Z", 2145916799),
    ("20380101T000000Z", 2145916800),
    ("19011231T235959Z", -2145916801),
    ("19020101T000000Z", -2145916800),
    ("10000101T000000Z", MIN_MTIME),
    ("99991231T235959Z", MAX_MTIME),
]


@pytest.mark.parametrize(("text", "epoch"), ISO_VECTORS)
def test_iso_vectors(text: str, epoch: int) -> None:
    assert parse_mtime(text) == epoch
    assert format_mtime(epoch) == text


@pytest.mark.parametrize(
    ("text", "epoch"),
    [
        ("20130101t000000Z", 1356998400),
        ("20120229 T 000000Z", 1330473600),
        ("2013-02-28T00:00:00Z", 1362009600),
        ("20130228 t 235959z", 1362095999),
        ("20120630T23:59:59  Z", 1341100799),
        ("  20120701 T 000000 Z", 1341100800),
        ("2008 12 31 T 23 59 59Z", 1230767999),
        ("2009 01-01T 00:00 00 z", 1230768000),
        ("2009 01-01T 00:00 00.123 z", 1230768000),
        ("2009 01-01T 00:00 00,1234 z", 1230768000),
        # leap seconds count as extra seconds
        ("1998-12-31T23:59:60Z", 915148800),
        ("1999-01-01T00:00:00Z", 915148800),
        ("1998-12-31T23:59:59Z", 915148799),
        ("20140101T000061Z", 1388534461),
        ("20140101T000000Z\n", 1388534400),
        ("20140101T0000001234567890Z", 1388534400),
    ],
)
def test_iso_variants(text: str, epoch: int) -> None:
    assert parse_mtime(text) == epoch


@pytest.mark.parametrize(
    "text",
    [
        *[f"2014{m:02d}01T000000Z" for m in range(1, 13)],
        *[f"201401{d:02d}T000000Z" for d in (1, 2, 30, 31)],
        *[f"20140101T{h:02d}0000Z" for h in (0, 1, 22, 23)],
        *[f"20140101T00{m:02d}00Z" for m in (0, 1, 58, 59)],
        *[f"20140101T0000{s:02d}Z" for s in (0, 1, 58, 59)],
        "20120229T000000Z",
        "20000229T000000Z",
    ],
)
def test_iso_valid_fields(text: str) -> None:
    # the epoch of the same fields, computed by the standard library
    fields = datetime.datetime.strptime(text, "%Y%m%dT%H%M%SZ")
    assert parse_mtime(text) == calendar.timegm(fields.timetuple())


@pytest.mark.parametrize(
    "text",
    [
        "20141301T000000Z",
        "20140132T000000Z",
        "20140101T240000Z",
        "20140101T006000Z",
        "20140101T000063Z",
        "20140001T000000Z",
        "20140100T000000Z",
        "20130229T000000Z",
        "19000229T000000Z",
        "20140431T000000Z",
        "09990101T000000Z",
        "20121515T100000Z",
        "1234",
        "",
        "20140101T000000",
        "20140101T000000Z x",
        "20140101T000000.12345678901Z",
        "+20140101T000000Z",
    ],
)
def test_iso_invalid(text: str) -> None:
    with pytest.raises(
        ValueError, match=r"^invalid mtglacier time .* \(expected YYYYMMDDTHHMMSSZ\)$"
    ):
        parse_mtime(text)


@pytest.mark.parametrize("epoch", [MIN_MTIME - 1, MAX_MTIME + 1, -(10**12), 10**15])
def test_format_out_of_range(epoch: int) -> None:
    with pytest.raises(ValueError, match=r"only years 1000 to 9999 are supported"):
        format_mtime(epoch)


def test_iso_consistency_checksum() -> None:
    """datetime.t: the same dates and the same hard-coded checksum of their epochs."""
    years = [
        *range(1000, 1101),
        *range(1800, 1851),
        *range(1890, 1911),
        *range(1970, 2041),
        *range(2090, 2107),
    ]
    for century in range(25, 100):
        years += [century * 100 + delta for delta in (-2, -1, 0, 1, 2)]
    years += range(9901, 10000)
    epochs: list[int] = []
    for year in years:
        for month in (1, 2, 3, 12):
            days = [1, 2, 28]
            if month == 2 and calendar.isleap(year):
                days.append(29)
            if month in (1, 12):
                days += [30, 31]
            for day in days:
                for time in ("000000", "235959"):
                    text = f"{year:04d}{month:02d}{day:02d}T{time}Z"
                    epoch = parse_mtime(text)
                    assert format_mtime(epoch) == text
                    epochs.append(epoch)
    digest = hashlib.sha256(",".join(map(str, epochs)).encode()).hexdigest()
    assert digest == "49c852f65d2d9ceeccdc02f64214f1a2d249d00337bf669288c34a603ff7acbf"


# ---------------------------------------------------------------------------
# properties
# ---------------------------------------------------------------------------

_MTIMES = st.integers(min_value=MIN_MTIME, max_value=MAX_MTIME)
_NAMES = st.text(alphabet=st.characters(exclude_categories=["Cs"]), min_size=0, max_size=300)


@settings(max_examples=300, deadline=None)
@given(mtime=_MTIMES)
def test_mtime_round_trip(mtime: int) -> None:
    text = format_mtime(mtime)
    assert len(text) == 16
    assert parse_mtime(text) == mtime


def _try_encode(name: str, mtime: int) -> str | DescriptionTooLongError:
    try:
        return encode_description(name, mtime)
    except DescriptionTooLongError as exc:
        return exc


@settings(max_examples=300, deadline=None)
@given(name=_NAMES, mtime=_MTIMES)
def test_description_round_trip(name: str, mtime: int) -> None:
    description = _try_encode(name, mtime)
    if isinstance(description, DescriptionTooLongError):
        assert description.length > MAX_DESCRIPTION_LENGTH
        return
    assert len(description) <= MAX_DESCRIPTION_LENGTH
    assert description.isascii()
    assert " " not in description[4:]
    assert decode_description(description) == (name, mtime)
    assert decode_description(mt1_encode(name, mtime)) == (name, mtime)


@settings(max_examples=200, deadline=None)
@given(name=st.text(alphabet=st.sampled_from("a /é\u00a0\u3000\t"), max_size=40), mtime=_MTIMES)
def test_description_round_trip_with_spaces(name: str, mtime: int) -> None:
    assert decode_description(encode_description(name, mtime)) == (name, mtime)


@settings(max_examples=300, deadline=None)
@given(description=st.text(max_size=200))
def test_decode_never_raises(description: str) -> None:
    result = decode_description(description)
    assert result is None or isinstance(result[0], str)


@settings(max_examples=300, deadline=None)
@given(payload=st.binary(max_size=120), marker=st.sampled_from(["mt1", "mt2"]))
def test_decode_random_payload_never_raises(payload: bytes, marker: str) -> None:
    result = decode_description(f"{marker} {b64url(payload)}")
    assert result is None or isinstance(result[1], int)


_JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(max_size=10),
    st.sampled_from(["20080102T222324Z", "2008-01-02T22:23:24Z", "20081302T222324Z"]),
)
_JSON_VALUES = st.one_of(
    _JSON_SCALARS, st.lists(_JSON_SCALARS, max_size=2), st.dictionaries(st.text(), _JSON_SCALARS)
)


@settings(max_examples=300, deadline=None)
@given(obj=st.dictionaries(st.sampled_from(["filename", "mtime", "x"]), _JSON_VALUES))
def test_decode_json_objects(obj: dict[str, object]) -> None:
    filename, mtime = obj.get("filename"), obj.get("mtime")
    expected: tuple[str, int] | None = None
    nested = any(isinstance(v, (list, dict)) for v in obj.values())
    if isinstance(filename, str) and isinstance(mtime, str) and not nested:
        try:
            expected = (filename, parse_mtime(mtime))
        except ValueError:
            expected = None
    description = "mt2 " + b64url(json.dumps(obj, ensure_ascii=False))
    assert decode_description(description) == expected
