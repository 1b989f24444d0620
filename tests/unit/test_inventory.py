"""Tests for aioglacier.inventory: JSON and CSV vault inventories, and the journal rebuilt
from them. CSV and JSON cases ported from mt-aws-glacier (t/unit/glacier/inventory_csv.t,
inventory_json.t, cmd_download_inventory.t)."""

from __future__ import annotations

import csv
import io
import json
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aioglacier.inventory import (
    CSV_COLUMNS,
    Inventory,
    InventoryArchive,
    InventoryError,
    inventory_to_records,
    parse_inventory,
    parse_iso8601,
)
from aioglacier.journal import Created, format_record, read_journal
from aioglacier.metadata import encode_description

H1 = "ef0d259231262eae49a48b6c379a5577b05db3910361498d571f0c9c46be2513"
H2 = "ef119aacb102f0c8790e0747a49f10e9b5d785656c04da3f069e6d26c7cc5818"
H3 = "af119aacb102f0c8790e0747a49f10e9b5d785656c04da3f069e6d26c7cc5818"
H4 = "ef119aacb102f0c8790e0747a49f10e9b5d785656c04da3f069e6d26c7cc5819"
ID1 = (
    "95qYTtf_E_VV9B-bfk6LrbCmM85J7youtfNWepEVEHF1wbp3QD42trmANUCDindSQ6rvg20EmKSHRo6jwmw6CKNoCKe"
    "JAPlzl-n7_VVp3GG20QQySwc5MccL5y_0yYeDTDL6XXd3Sw"
)
ID2 = (
    "xtsSbQFG3BHgE9pk9ocSAXvpaNhXY9KwVUJjASW-5V3jzAbCjNzN5WlhQqcvRBsEUUa13OFc_9NIo2TIxCI6sumcdM5"
    "QC4wdL_uyhWxTpE8Bt5ODPchNhvnpeliMc0WnW4I01lA4Sw"
)
ID3 = (
    "OdEuDQOmt37jouhFioL-rleBdtLs4-e20FpQWwjp98XL0Ls5xRP9ghibqY_rrw07M9-_74LXRosXYsWXhPjaohxMeC0"
    "2oGNA1SJU03rWibdye0BaNFsU8X5GYjGMNwmGDZF0whQxGg"
)
ID4 = (
    "fH4iYmeZsnll5jwiO4aIIlHBEXZ5KjF-77hIz3TzPu3Ewjl1dxfhtEZWT2IteLjFHVhdrF2JctxhtRKsLmwenDuqBKj"
    "3iW-LYR1MXqkNJbaB4BTgnhCFoRkCmCA9rr-_Yr3CMJZoew"
)
DATE = "2012-08-23T19:08:30Z"
DATE_EPOCH = 1345748910


# ---------------------------------------------------------------------------------------------
# JSON


def test_json_real_amazon_sample() -> None:
    data = (
        '{"VaultARN":"arn:aws:glacier:us-east-1:222222223333:vaults/test1",'
        '"InventoryDate":"2013-11-06T02:51:29Z","ArchiveList":[\n'
        f'{{"ArchiveId":"{ID1}",\n"ArchiveDescription":"textst zz123",\n'
        f'"CreationDate":"2012-08-23T19:08:30Z","Size":3000000,"SHA256TreeHash":"{H1}"}},\n'
        f'{{"ArchiveId":"{ID2}",\n"ArchiveDescription":"mt2 textst",'
        f'"CreationDate":"2012-08-23T19:09:17Z","Size":25000000,"SHA256TreeHash":"{H2}"}},\n'
        f'{{"ArchiveId":"{ID3}",\n"ArchiveDescription":"",'
        f'"CreationDate":"2012-08-23T19:11:42Z","Size":25000000,"SHA256TreeHash":"{H3}"}},\n'
        f'{{"ArchiveId":"{ID4}",\n"ArchiveDescription":"textstZ",'
        f'"CreationDate":"2012-08-23T19:20:08Z","Size":25000000,"SHA256TreeHash":"{H4}"}}\n'
        "]}\n"
    ).encode()
    expected = Inventory(
        vault_arn="arn:aws:glacier:us-east-1:222222223333:vaults/test1",
        inventory_date="2013-11-06T02:51:29Z",
        archives=[
            InventoryArchive(ID1, "textst zz123", "2012-08-23T19:08:30Z", 3000000, H1),
            InventoryArchive(ID2, "mt2 textst", "2012-08-23T19:09:17Z", 25000000, H2),
            InventoryArchive(ID3, "", "2012-08-23T19:11:42Z", 25000000, H3),
            InventoryArchive(ID4, "textstZ", "2012-08-23T19:20:08Z", 25000000, H4),
        ],
    )
    assert parse_inventory(data) == expected
    assert parse_inventory(data, format="JSON") == expected
    # Sniffing copes with a BOM and leading whitespace.
    assert parse_inventory(b"\xef\xbb\xbf \n\t" + data) == expected


def _json(archives: list[dict[str, object]], **top: object) -> bytes:
    doc: dict[str, object] = {
        "VaultARN": "arn:aws:glacier:us-east-1:123456:vaults/test",
        "InventoryDate": "2013-11-06T02:51:29Z",
        "ArchiveList": archives,
    }
    doc.update(top)
    return json.dumps(doc).encode()


def _item(**over: object) -> dict[str, object]:
    item: dict[str, object] = {
        "ArchiveId": "someid",
        "ArchiveDescription": "somedescr",
        "CreationDate": DATE,
        "Size": 25000000,
        "SHA256TreeHash": H1,
    }
    item.update(over)
    return item


def test_json_values() -> None:
    inv = parse_inventory(_json([_item(ArchiveDescription=None, SHA256TreeHash=H1.upper())]))
    assert inv.archives == [InventoryArchive("someid", "", DATE, 25000000, H1)]
    inv = parse_inventory(_json([_item(ArchiveDescription='a "quoted", \\ one')]))
    assert inv.archives[0].description == 'a "quoted", \\ one'
    inv = parse_inventory(_json([]))
    assert inv == Inventory(
        "arn:aws:glacier:us-east-1:123456:vaults/test", "2013-11-06T02:51:29Z", []
    )
    minimal = parse_inventory(b'{"ArchiveList": []}')
    assert minimal == Inventory("", "", [])


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not json", "JSON inventory does not parse: Expecting value: line 1 column 1 (char 0)"),
        (b"[]", "JSON inventory is not an object"),
        (b'{"JobList":[],"Marker":null}', "JSON inventory has no ArchiveList"),
        (b'{"ArchiveList": {}}', "JSON inventory: ArchiveList is not a list"),
        (_json([], VaultARN=5), "JSON inventory: VaultARN is not a string"),
        (_json([], InventoryDate=None), "JSON inventory: InventoryDate is not a string"),
        (_json(["x"]), "archive #0: not an object"),
        (_json([_item(), {"ArchiveId": "x"}]), "archive #1: no ArchiveDescription"),
        (_json([_item(Size="5")]), "archive #0: Size is not an integer"),
        (_json([_item(Size=True)]), "archive #0: Size is not an integer"),
        (_json([_item(Size=1.5)]), "archive #0: Size is not an integer"),
        (_json([_item(Size=-1)]), "archive #0: invalid Size -1"),
        (_json([_item(ArchiveId=7)]), "archive #0: ArchiveId is not a string"),
        (_json([_item(ArchiveId="")]), "archive #0: invalid ArchiveId ''"),
        (_json([_item(ArchiveId="a b")]), "archive #0: invalid ArchiveId 'a b'"),
        (_json([_item(ArchiveId="a\tb")]), "archive #0: invalid ArchiveId 'a\\tb'"),
        (_json([_item(ArchiveDescription=3)]), "archive #0: ArchiveDescription is not a string"),
        (_json([_item(SHA256TreeHash="abc")]), "archive #0: invalid SHA256TreeHash 'abc'"),
        (_json([_item(CreationDate="somedate")]), "archive #0: invalid CreationDate 'somedate'"),
        (b'{"ArchiveList": [], "x": "\xff"}', "inventory is not UTF-8 (byte 26)"),
    ],
)
def test_json_errors(data: bytes, message: str) -> None:
    with pytest.raises(InventoryError) as info:
        parse_inventory(data, format="JSON")
    assert str(info.value) == message


def test_unknown_format() -> None:
    with pytest.raises(ValueError, match="unknown inventory format 'XML'"):
        parse_inventory(b"{}", format="XML")  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# CSV (mtglacier's cases, with valid values where mtglacier used placeholders)

HEADER = "ArchiveId,ArchiveDescription,CreationDate,Size,SHA256TreeHash"


def _arch(archive_id: str = "a", description: str = "b") -> InventoryArchive:
    return InventoryArchive(archive_id, description, DATE, 5, H1)


def _line(archive_id: str = "a", description: str = "b") -> str:
    return f"{archive_id},{description},{DATE},5,{H1}"


def _csv(text: str) -> list[InventoryArchive]:
    inv = parse_inventory(text.encode(), format="CSV")
    assert inv.vault_arn == ""
    assert inv.inventory_date == ""
    sniffed = parse_inventory(text.encode())
    assert sniffed == inv
    return inv.archives


def test_csv_full_files() -> None:
    assert _csv(f"{HEADER}\n{_line()}\n") == [_arch()]
    assert _csv(f"{HEADER}\r\n{_line()}") == [_arch()]
    assert _csv(f"{HEADER}\r\n{_line()}\r\n") == [_arch()]
    assert _csv(f"{HEADER}\r\n{_line()}\n") == [_arch()]
    assert _csv(f"{HEADER}\n{_line()}\n{_line('x', 'y')}\n") == [_arch(), _arch("x", "y")]
    assert _csv(f"{HEADER}\r\n") == []
    assert _csv(f"{HEADER}\n") == []
    assert _csv(HEADER) == []
    # Blank lines are skipped.
    assert _csv(f"{HEADER}\n\n{_line()}\n \n\n{_line('x', 'y')}\n") == [_arch(), _arch("x", "y")]


def test_csv_column_order() -> None:
    text = (
        "CreationDate,Size,ArchiveId,ArchiveDescription,SHA256TreeHash\n"
        f"{DATE},5,c,d,{H1}\n"
        f"2012-08-23T19:09:17Z,1,z,1,{H2}\n"
    )
    assert _csv(text) == [
        InventoryArchive("c", "d", DATE, 5, H1),
        InventoryArchive("z", "1", "2012-08-23T19:09:17Z", 1, H2),
    ]
    quoted_header = '"ArchiveId","ArchiveDescription" , CreationDate,Size,"SHA256TreeHash"'
    assert _csv(f"{quoted_header}\n{_line()}\n") == [_arch()]


@pytest.mark.parametrize("index", range(5))
@pytest.mark.parametrize(("before", "after"), [(" ", ""), ("", " "), (" ", " "), ("\t", " \t")])
def test_csv_whitespace_around_fields(index: int, before: str, after: str) -> None:
    fields = ["a", "b", DATE, "5", H1]
    fields[index] = f"{before}{fields[index]}{after}"
    line = ",".join(fields)
    assert _csv(f"{HEADER}\n{line}\n") == [_arch()]
    assert _csv(f"{HEADER}\n{line}\n{line}\n") == [_arch(), _arch()]


DESCRIPTIONS = [
    # first chunk of real data from Amazon (mtglacier's test)
    (
        r'"{\"Path\":\"glacier-ui.exe\",\"UTCDateModified\":\"20130313T040002Z\"}"',
        r'{"Path":"glacier-ui.exe","UTCDateModified":"20130313T040002Z"}',
    ),
    (
        r'"{\"Path\":\"dir2/+BEQEMAQ5BDs-3\",\"UTCDateModified\":\"20130322T120043Z\"}"',
        r'{"Path":"dir2/+BEQEMAQ5BDs-3","UTCDateModified":"20130322T120043Z"}',
    ),
    (
        r'"{\"Path\":\"dir1/file1\",\"UTCDateModified\":\"20130322T120026Z\"}"',
        r'{"Path":"dir1/file1","UTCDateModified":"20130322T120026Z"}',
    ),
    ('""', ""),
    ('","', ","),
    (r'"\""', '"'),
    (r'"x\"x"', 'x"x'),
    (r'"ZZZZZZZZzzzzzzz,\"\"\", ,\\""', r'ZZZZZZZZzzzzzzz,""", ,\"'),
    ('"\\"', "\\"),
    (r'"\\""', r"\""),
    # second chunk of real data from Amazon
    (
        '"mt2 eyJmaWxlbmFtZSI6ImZpbGUudHh0IiwibXRpbWUiOiIyMDEzMTIxOVQwODMzMDFaIn0"',
        "mt2 eyJmaWxlbmFtZSI6ImZpbGUudHh0IiwibXRpbWUiOiIyMDEzMTIxOVQwODMzMDFaIn0",
    ),
    (r'"a\b"', r"a\b"),
    ('"\\\\"\\"', '\\"\\'),
    (r'"\\"', r"\\"),
    ('"\\\\"\\\\"\\\\\\"\\"', '\\"\\"\\\\"\\'),
    (r'"\x"', r"\x"),
    ('"x\\"', "x\\"),
    # RFC 4180: quotes doubled
    ('"a""b"', 'a"b'),
    ('""""', '"'),
    ('"say ""hi"", then go"', 'say "hi", then go'),
    ('"a\\""b"', 'a\\"b'),
    ('"\\"""', '\\"'),
    ('" spaced "', " spaced "),
    ('  "quoted with blanks around"  ', "quoted with blanks around"),
    # unquoted
    ("plain text", "plain text"),
    ("back\\slash", "back\\slash"),
    ("", ""),
]


@pytest.mark.parametrize(("field", "expected"), DESCRIPTIONS)
def test_csv_descriptions(field: str, expected: str) -> None:
    assert _csv(f"{HEADER}\na,{field},{DATE},5,{H1}\n") == [_arch("a", expected)]
    row = f"a,{field},{DATE},5,{H1}"
    assert _csv(f"{HEADER}\n{row}\n{row}\n") == [_arch("a", expected)] * 2
    expected_arch = InventoryArchive("a", expected, DATE, 5, H1)
    assert _csv(
        f"ArchiveDescription,ArchiveId,CreationDate,Size,SHA256TreeHash\n{field},a,{DATE},5,{H1}\n"
    ) == [expected_arch]
    assert _csv(
        f"ArchiveId,CreationDate,Size,SHA256TreeHash,ArchiveDescription\na,{DATE},5,{H1},{field}\n"
    ) == [expected_arch]
    assert _csv(
        f"ArchiveId,CreationDate,ArchiveDescription,Size,SHA256TreeHash\na,{DATE},{field},5,{H1}\n"
    ) == [expected_arch]


def test_csv_every_field_may_be_quoted() -> None:
    line = f'"a","b","{DATE}","5","{H1.upper()}"'
    assert _csv(f"{HEADER}\n{line}\n") == [_arch()]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "ArchiveId,ArchiveDescription,AnotherField,CreationDate,Size,SHA256TreeHash",
            "Bad CSV header 'ArchiveId,ArchiveDescription,AnotherField,CreationDate,Size,"
            "SHA256TreeHash' (expected the columns ArchiveId,ArchiveDescription,CreationDate,"
            "Size,SHA256TreeHash)",
        ),
        (
            "zzz",
            "Bad CSV header 'zzz' (expected the columns ArchiveId,ArchiveDescription,"
            "CreationDate,Size,SHA256TreeHash)",
        ),
        (
            "ArchiveId,ArchiveId,CreationDate,Size,SHA256TreeHash",
            "Bad CSV header 'ArchiveId,ArchiveId,CreationDate,Size,SHA256TreeHash' (expected the "
            "columns ArchiveId,ArchiveDescription,CreationDate,Size,SHA256TreeHash)",
        ),
        ("", "Bad CSV header: the inventory is empty"),
        (f"{HEADER}\na,b", "Bad CSV line 2: 'a,b'"),
        (f"{HEADER}\n\n{_line()},extra", f"Bad CSV line 3: '{_line()},extra'"),
        (
            f'{HEADER}\na,"unterminated,{DATE},5,{H1}',
            f"Bad CSV line 2: 'a,\"unterminated,{DATE},5,{H1}'",
        ),
        (f'{HEADER}\na,bare"quote,{DATE},5,{H1}', f"Bad CSV line 2: 'a,bare\"quote,{DATE},5,{H1}'"),
        (
            f'{HEADER}\na,"lone " quote",{DATE},5,{H1}',
            f'Bad CSV line 2: \'a,"lone " quote",{DATE},5,{H1}\'',
        ),
        (f'{HEADER}\na,"x"y,{DATE},5,{H1}', f"Bad CSV line 2: 'a,\"x\"y,{DATE},5,{H1}'"),
        (f"{HEADER}\na,b,{DATE},12x,{H1}", "line 2: invalid Size '12x'"),
        (f"{HEADER}\na,b,{DATE},-1,{H1}", "line 2: invalid Size '-1'"),
        (f"{HEADER}\na,b,{DATE},,{H1}", "line 2: invalid Size ''"),
        (f"{HEADER}\na,b,{DATE},5,zz", "line 2: invalid SHA256TreeHash 'zz'"),
        (f"{HEADER}\na,b,yesterday,5,{H1}", "line 2: invalid CreationDate 'yesterday'"),
        (f'{HEADER}\n"a b",b,{DATE},5,{H1}', "line 2: invalid ArchiveId 'a b'"),
        (f"{HEADER}\n,b,{DATE},5,{H1}", "line 2: invalid ArchiveId ''"),
    ],
)
def test_csv_errors(text: str, message: str) -> None:
    with pytest.raises(InventoryError) as info:
        parse_inventory(text.encode(), format="CSV")
    assert str(info.value) == message


def test_csv_error_shows_a_long_line_cut() -> None:
    line = "x" * 500
    with pytest.raises(InventoryError) as info:
        parse_inventory(f"{HEADER}\n{line}\n".encode())
    assert str(info.value) == f"Bad CSV line 2: {'x' * 120!r}..."


def test_csv_and_json_agree() -> None:
    archives = [
        InventoryArchive(ID1, 'say "hi", \\ then', DATE, 3000000, H1),
        InventoryArchive(ID2, encode_description("dir/é.txt", 1387441981), DATE, 7, H2),
    ]
    as_json = _json(
        [
            {
                "ArchiveId": a.archive_id,
                "ArchiveDescription": a.description,
                "CreationDate": a.creation_date,
                "Size": a.size,
                "SHA256TreeHash": a.treehash,
            }
            for a in archives
        ]
    )
    as_csv = (
        f"{HEADER}\n"
        f'{ID1},"say \\"hi\\", \\ then",{DATE},3000000,{H1}\n'
        f'{ID2},"{archives[1].description}",{DATE},7,{H2}\n'
    ).encode()
    assert parse_inventory(as_json).archives == parse_inventory(as_csv).archives == archives


# ---------------------------------------------------------------------------------------------
# Round trip through writers (hypothesis)

_B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_descriptions = st.text(
    st.one_of(
        st.sampled_from(['"', "\\", ",", " "]),
        st.characters(min_codepoint=0x20, max_codepoint=0x7E),
    ),
    max_size=40,
)
_archives = st.lists(
    st.builds(
        InventoryArchive,
        archive_id=st.text(st.sampled_from(_B64URL), min_size=1, max_size=138),
        description=_descriptions,
        creation_date=st.integers(0, 2**34).map(
            lambda t: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
        ),
        size=st.integers(0, 2**45),
        treehash=st.binary(min_size=32, max_size=32).map(bytes.hex),
    ),
    max_size=8,
)


def _row(archive: InventoryArchive) -> dict[str, str]:
    return {
        "ArchiveId": archive.archive_id,
        "ArchiveDescription": archive.description,
        "CreationDate": archive.creation_date,
        "Size": str(archive.size),
        "SHA256TreeHash": archive.treehash,
    }


def _write_rfc4180(archives: list[InventoryArchive], columns: list[str], quoting: int) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, quoting=quoting, lineterminator="\r\n")
    writer.writeheader()
    for archive in archives:
        writer.writerow(_row(archive))
    return out.getvalue()


def _write_amazon(archives: list[InventoryArchive], columns: list[str]) -> str:
    """What Amazon sends: the description quoted, its quotes backslash-escaped, nothing else."""
    lines = [",".join(columns)]
    for archive in archives:
        row = _row(archive)
        row["ArchiveDescription"] = '"' + archive.description.replace('"', '\\"') + '"'
        lines.append(",".join(row[c] for c in columns))
    return "\n".join(lines) + "\n"


@given(_archives, st.permutations(CSV_COLUMNS), st.sampled_from(["amazon", "all", "minimal"]))
def test_csv_round_trip(archives: list[InventoryArchive], columns: list[str], style: str) -> None:
    if style == "amazon":
        text = _write_amazon(archives, columns)
    elif style == "all":
        text = _write_rfc4180(archives, columns, csv.QUOTE_ALL)
    else:
        # Unquoted fields are trimmed (as mtglacier does): only write descriptions that a
        # minimal-quoting writer leaves unquoted when they survive trimming.
        archives = [a for a in archives if a.description == a.description.strip(" ")]
        text = _write_rfc4180(archives, columns, csv.QUOTE_MINIMAL)
    assert parse_inventory(text.encode()) == Inventory("", "", archives)


@given(_archives)
def test_json_round_trip(archives: list[InventoryArchive]) -> None:
    data = _json(
        [{k: (int(v) if k == "Size" else v) for k, v in _row(a).items()} for a in archives]
    )
    assert parse_inventory(data).archives == archives


# ---------------------------------------------------------------------------------------------
# parse_iso8601


@pytest.mark.parametrize(
    ("text", "epoch"),
    [
        ("2012-08-23T19:08:30Z", 1345748910),
        ("2012-03-20T17:03:43.221Z", 1332263023),
        ("20120320T170343Z", 1332263023),
        ("2012-03-20t17:03:43z", 1332263023),
        (" 2012-03-20T17:03:43Z ", 1332263023),
        ("2012-06-30T23:59:60Z", 1341100800),
        ("1000-01-01T00:00:00Z", -30610224000),
        ("9999-12-31T23:59:59Z", 253402300799),
        ("1970-01-01T00:00:00Z", 0),
        ("2000-02-29T00:00:00Z", 951782400),
        ("2012-03-20T17:03:43,5Z", 1332263023),
    ],
)
def test_parse_iso8601(text: str, epoch: int) -> None:
    assert parse_iso8601(text) == epoch


@pytest.mark.parametrize(
    "text",
    [
        "",
        "yesterday",
        "2012-13-01T00:00:00Z",
        "2012-02-30T00:00:00Z",
        "1900-02-29T00:00:00Z",
        "2013-04-31T00:00:00Z",
        "0999-01-01T00:00:00Z",
        "2012-03-20T17:03:43",
        "2012-03-20 17:03:43Z",
        "2012-03-20T24:00:00Z",
    ],
)
def test_parse_iso8601_errors(text: str) -> None:
    with pytest.raises(InventoryError) as info:
        parse_iso8601(text)
    assert str(info.value) == (
        f"invalid time {text!r} (expected ISO 8601 UTC like 2012-08-23T19:08:30Z)"
    )


# ---------------------------------------------------------------------------------------------
# inventory_to_records (mtglacier's download-inventory)

NOW = 1355666755
NOW_TEXT = "20121216T140555Z"
AID = (
    "HdGDbije6lWPT8Q8S3uOWJF6Ou9MWRlrfMGDr6TCrhXuDqJ1pzwKR6XV4l1IZ-VrDd2rlLxDFACqnuJouYTzsT5zd6s2Z"
    "EAHfRQFriVbjpFfJ1uWruHRRXIrFIma4PVuz-fp9_pBkA"
)
TH = "1368761bd826f76cae8b8a74b3aae210b476333484c2d612d061d52e36af631a"


def _inv(*archives: InventoryArchive) -> Inventory:
    return Inventory("arn", "date", list(archives))


def test_records_foreign_and_authentic_archives() -> None:
    foreign = InventoryArchive(AID, "mtglacier archive", NOW_TEXT, 7684356, TH)
    assert inventory_to_records(_inv(foreign)) == (
        [Created(NOW, AID, 7684356, None, TH, AID)],
        [],
    )
    authentic = InventoryArchive(
        AID, encode_description("def/abc", NOW - 111), NOW_TEXT, 7684356, TH
    )
    assert inventory_to_records(_inv(authentic)) == (
        [Created(NOW, AID, 7684356, NOW - 111, TH, "def/abc")],
        [],
    )
    empty = InventoryArchive(AID, "", DATE, 1, TH)
    assert inventory_to_records(_inv(empty))[0] == [Created(DATE_EPOCH, AID, 1, None, TH, AID)]


def test_records_mtglacier_mt2_from_real_csv() -> None:
    inv = parse_inventory(
        f"{HEADER}\n{AID},"
        '"mt2 eyJmaWxlbmFtZSI6ImZpbGUudHh0IiwibXRpbWUiOiIyMDEzMTIxOVQwODMzMDFaIn0",'
        f"{DATE},12,{TH}\n".encode()
    )
    assert inventory_to_records(inv) == (
        [Created(DATE_EPOCH, AID, 12, 1387441981, TH, "file.txt")],
        [],
    )


def test_records_sorted_in_mtglacier_version_order() -> None:
    def arch(aid: str, name: str | None, mtime: int, created: int) -> InventoryArchive:
        description = "foreign" if name is None else encode_description(name, mtime)
        date = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(created))
        return InventoryArchive(aid, description, date, 1, TH)

    inv = _inv(
        arch("id1", "f", 300, 1000),  # newest mtime
        arch("id2", "f", 100, 3000),  # uploaded later, older mtime
        arch("id3", None, 0, 200),  # foreign: sorted by creation time
        arch("id4", "g", 200, 500),
        arch("id5", "h", 200, 400),  # same mtime as id4: by creation time
        arch("id6", "i", 200, 400),  # exact tie with id5: inventory order kept
    )
    records, warnings = inventory_to_records(inv)
    assert warnings == []
    assert [r.archive_id for r in records] == ["id2", "id3", "id5", "id6", "id4", "id1"]


def test_records_refuse_bad_names(tmp_path: Path) -> None:
    inv = _inv(
        InventoryArchive("idA", encode_description("../etc/passwd", 100), DATE, 1, TH),
        InventoryArchive("idB", encode_description("a\tb", 200), DATE, 2, TH),
        InventoryArchive("idC", encode_description("/abs", 300), DATE, 3, TH),
        InventoryArchive("idD", encode_description("ok/name", 400), DATE, 4, TH),
        InventoryArchive("idD", encode_description("ok/again", 400), DATE, 4, TH),
    )
    records, warnings = inventory_to_records(inv)
    assert records == [
        Created(DATE_EPOCH, "idA", 1, 100, TH, "idA"),
        Created(DATE_EPOCH, "idB", 2, 200, TH, "idB"),
        Created(DATE_EPOCH, "idC", 3, 300, TH, "idC"),
        Created(DATE_EPOCH, "idD", 4, 400, TH, "ok/name"),
    ]
    assert warnings == [
        "archive idA: file name '../etc/passwd' from its description refused (file name "
        "'../etc/passwd' has a '.' or '..' path component); journaled under its archive id",
        "archive idB: file name 'a\\tb' from its description refused (file name 'a\\tb' "
        "contains a TAB, CR, LF or NUL character); journaled under its archive id",
        "archive idC: file name '/abs' from its description refused (file name '/abs' is "
        "absolute (starts with '/')); journaled under its archive id",
        "archive idD: listed more than once; journaled once",
    ]
    # The records make a journal that reads back to the same state.
    journal = tmp_path / "journal"
    journal.write_text("".join(format_record(r) for r in records), encoding="utf-8")
    state = read_journal(journal)
    assert state.files == {r.relfilename: r for r in records}


def test_records_archive_id_that_cannot_be_a_name() -> None:
    with pytest.raises(InventoryError) as info:
        inventory_to_records(_inv(InventoryArchive("..", "foreign", DATE, 1, TH)))
    assert str(info.value) == (
        "archive id '..' cannot name a journal entry: file name '..' has a '.' or '..' path "
        "component"
    )


def test_records_bad_date() -> None:
    with pytest.raises(InventoryError, match="invalid time 'soon'"):
        inventory_to_records(_inv(InventoryArchive("id", "", "soon", 1, TH)))


def test_records_round_trip_through_journal(tmp_path: Path) -> None:
    inv = _inv(
        InventoryArchive("id1", encode_description("a/b.txt", 1000), "2012-08-23T19:08:30Z", 1, TH),
        InventoryArchive("id2", encode_description("a/b.txt", 900), "2012-08-24T19:08:30Z", 2, TH),
        InventoryArchive("id3", "foreign one", "2012-08-25T19:08:30Z", 3, TH),
        InventoryArchive("id4", encode_description("é ü/日本", -5), "2012-08-26T19:08:30Z", 4, TH),
    )
    records, _ = inventory_to_records(inv)
    journal = tmp_path / "journal"
    journal.write_text("".join(format_record(r) for r in records), encoding="utf-8")
    state = read_journal(journal)
    assert {name: rec.archive_id for name, rec in state.files.items()} == {
        "a/b.txt": "id1",  # the newest mtime wins, as in mtglacier
        "id3": "id3",
        "é ü/日本": "id4",
    }
    assert set(state.archives) == {"id1", "id2", "id3", "id4"}
    assert state.files["id3"].mtime is None
    assert state.files["é ü/日本"].mtime == -5


@given(st.integers(-30610224000, 253402300799), st.sampled_from(["", ".5", ".123456789"]))
def test_parse_iso8601_agrees_with_time_module(epoch: int, fraction: str) -> None:
    text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + fraction + "Z"
    assert parse_iso8601(text) == epoch
    assert parse_iso8601(text.replace("-", "").replace(":", "")) == epoch
