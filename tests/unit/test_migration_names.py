"""migration-names: the GlacierArchiveID,FileName CSV for AWS's migration solution."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aioglacier.backends.s3.keys import normalize_prefix, object_key
from aioglacier.engine.migrate import migration_names, write_migration_names
from aioglacier.errors import UsageError
from aioglacier.filters import Filter, parse_filter
from aioglacier.journal import Created, JournalState

TH = "a" * 64


def _state(*records: Created) -> JournalState:
    archives = {r.archive_id: r for r in records}
    files: dict[str, Created] = {}
    for r in records:  # the last upload of a name is its current archive
        files[r.relfilename] = r
    return JournalState(files=files, archives=archives)


def _created(aid: str, name: str, t: int = 1) -> Created:
    return Created(time=t, archive_id=aid, size=1, mtime=0, treehash=TH, relfilename=name)


def test_csv_round_trips_hostile_names() -> None:
    names = ["a,b.txt", 'say "hi".txt', "dir/ünï cödé.jpg", "plain"]
    state = _state(*(_created(f"id{i}", n) for i, n in enumerate(names)))
    out = io.StringIO()
    assert write_migration_names(migration_names(state, prefix="backup"), out) == []
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == ["GlacierArchiveID", "FileName"]
    assert rows[1:] == [[f"id{i}", f"backup/{n}"] for i, n in enumerate(names)]
    assert out.getvalue().splitlines()[1:3] == [
        'id0,"backup/a,b.txt"',
        'id1,"backup/say ""hi"".txt"',
    ]


def test_older_versions_come_first_and_the_current_last() -> None:
    old, other, new = _created("old", "f"), _created("x", "g"), _created("new", "f", t=2)
    state = JournalState(
        files={"f": new, "g": other}, archives={"new": new, "x": other, "old": old}
    )
    assert [(r.archive_id, r.key) for r in migration_names(state)] == [
        ("old", "f"),
        ("new", "f"),
        ("x", "g"),
    ]


def test_a_name_too_long_for_s3_is_left_out_with_its_reason() -> None:
    long_name = "d/" + "é" * 600  # 1,202 bytes of UTF-8
    state = _state(_created("ok", "short"), _created("long", long_name))
    out = io.StringIO()
    left = write_migration_names(migration_names(state), out)
    assert [r.archive_id for r in left] == ["long"]
    assert left[0].problem == (
        f"{long_name}: the object key would be 1202 bytes long; S3 takes at most 1024"
    )
    assert out.getvalue() == "GlacierArchiveID,FileName\r\nok,short\r\n"


def test_filters_apply() -> None:
    state = _state(_created("1", "a.jpg"), _created("2", "b.txt"))
    flt = Filter(parse_filter("+*.jpg -"))
    assert [r.archive_id for r in migration_names(state, filter=flt)] == ["1"]


@given(st.text(max_size=20))
def test_prefix_normalization(prefix: str) -> None:
    if prefix.startswith("/"):
        with pytest.raises(UsageError, match="a key prefix does not start with '/'"):
            normalize_prefix(prefix)
        return
    norm = normalize_prefix(prefix)
    assert norm == "" or (norm.endswith("/") and norm.rstrip("/") == prefix.rstrip("/"))
    assert object_key(norm, "x") == norm + "x"
