"""One escaping rule for everything printed for a person; exact names in JSON."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aioglacier.display import ESCAPED, json_line, printable

HOSTILE = "evil\x1b[2J\x1b]0;pwned\x07n"

#: Any text, with the characters of the escaped set (surrogates included) drawn often.
TEXT = st.text(
    st.one_of(
        st.characters(),
        st.sampled_from("\x00\t\n\r\x1b\x07\x7f\x85\x9b\u2028\u2029\u061c\u202e\u2066\\[]:"),
        st.integers(0xD800, 0xDFFF).map(chr),
    )
)
#: Text as a file name can hold it: the surrogates are surrogateescape's, U+DC80 to U+DCFF.
#: (Any other surrogate pair would come back from JSON as the character the pair encodes.)
NAME_TEXT = st.text(
    st.one_of(
        st.characters(),
        st.sampled_from("\x00\t\n\r\x1b\x07\x7f\x85\x9b\u2028\u2029\u061c\u202e\u2066\\[]:"),
        st.integers(0xDC80, 0xDCFF).map(chr),
    )
)


def test_hostile_name_is_shown_escaped() -> None:
    assert printable(HOSTILE) == "evil\\x1b[2J\\x1b]0;pwned\\x07n"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("a\tb\nc\rd", "a\\tb\\nc\\rd"),
        ("\x00\x08\x0b\x0c\x1f", "\\x00\\x08\\x0b\\x0c\\x1f"),
        ("del\x7f", "del\\x7f"),
        ("csi\x9b2J nel\x85 c1\x80", "csi\\x9b2J nel\\x85 c1\\x80"),
        ("ls\u2028ps\u2029", "ls\\u2028ps\\u2029"),
        ("x\u202etxt.exe", "x\\u202etxt.exe"),
        (
            "\u061c\u200e\u200f\u202a\u202b\u202c\u202d",
            "\\u061c\\u200e\\u200f\\u202a\\u202b\\u202c\\u202d",
        ),
        ("\u2066\u2067\u2068\u2069", "\\u2066\\u2067\\u2068\\u2069"),
        # a name that is not UTF-8: the surrogate escape shows the byte it stands for
        (b"bad\xff".decode("utf-8", "surrogateescape"), "bad\\xff"),
        ("lone\ud800", "lone\\ud800"),
    ],
)
def test_each_class_of_the_set(text: str, shown: str) -> None:
    assert printable(text) == shown


@pytest.mark.parametrize(
    "text",
    [
        "photos/été 2023/IMG_0001.jpg",
        "日本語\u3000ファイル",
        "nbsp\xa0here",
        "family \U0001f468\u200d\U0001f469\u200d\U0001f467.png",  # ZWJ sequence
        "back\\slash",
        "[bold]markup[/bold] :smile:",
        "private\ue000use",
    ],
)
def test_ordinary_names_are_left_alone(text: str) -> None:
    assert printable(text) is text


@given(TEXT)
def test_printable_output_has_no_escaped_character_and_is_idempotent(text: str) -> None:
    shown = printable(text)
    assert ESCAPED.search(shown) is None
    assert printable(shown) == shown


@given(NAME_TEXT, NAME_TEXT)
def test_json_line_round_trips_exactly_and_writes_nothing_raw(key: str, text: str) -> None:
    line = json_line({key: text, "n": [text, 1]})
    assert ESCAPED.search(line) is None
    assert json.loads(line) == {key: text, "n": [text, 1]}


def test_json_line_keeps_other_text_readable() -> None:
    assert json_line({"name": "été/日本"}) == '{"name": "été/日本"}'
    assert json_line({"name": HOSTILE}) == '{"name": "evil\\u001b[2J\\u001b]0;pwned\\u0007n"}'
    assert json_line({"b": 1, "a": 2}, sort_keys=True) == '{"a": 2, "b": 1}'
