"""Text for people and text for programs: outside names never reach a terminal raw.

File names come from disks, journals, inventories and the service; any of them may hold
characters a terminal obeys instead of showing (``evil\\x1b[2J\\x1b]0;pwned\\x07`` clears the
screen and sets the window title; a CR rewrites the start of a line). Everything aioglacier
prints for a person goes through :func:`printable`; machine output (``--json``) goes through
:func:`json_line`, which keeps every string exact and writes the same characters as JSON
escapes. Both use one set of characters, :data:`ESCAPED`:

* C0 controls U+0000 to U+001F (TAB, LF and CR included: a name stays on its line and a line
  stays one line), DEL U+007F, and C1 controls U+0080 to U+009F (U+009B is CSI and U+0085 NEL
  on terminals that obey 8-bit controls);
* U+2028 LINE SEPARATOR and U+2029 PARAGRAPH SEPARATOR (line breaks for some terminals and
  viewers);
* the bidirectional formatting characters U+061C, U+200E, U+200F, U+202A to U+202E and
  U+2066 to U+2069: they reorder what follows them, so ``x\\u202etxt.exe`` would read
  ``xexe.txt``;
* surrogates U+D800 to U+DFFF: Python's stand-ins for the bytes of a name that is not UTF-8
  (``surrogateescape``); written raw they would be those bytes again.

People see ``\\t``, ``\\n`` and ``\\r``; ``\\xNN`` for the other controls and for the byte a
surrogate escape stands for (U+DC80 to U+DCFF); ``\\uNNNN`` for the rest. A backslash is not
doubled: the form is for reading, escaping twice changes nothing, and the exact name is in
``--json`` output. Everything else is shown as it is: the letters of every script, every space
(U+00A0, U+3000...), zero-width joiners (emoji sequences need them), private-use characters.
They may look alike, but they do not move the cursor or change the terminal's state.

Rich's live display is given escaped text only, with markup, emoji codes and highlighting off,
so ``[bold]`` or ``:smile:`` in a name is shown as written.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["ESCAPED", "json_line", "printable"]

#: The characters escaped in human output and written as ``\\uNNNN`` in JSON output.
ESCAPED = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)

_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _shown(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if 0xDC80 <= code <= 0xDCFF:  # a byte of a name that is not UTF-8
        return f"\\x{code - 0xDC00:02x}"
    return f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` with every character of :data:`ESCAPED` written as a visible escape.

    Idempotent (``printable(printable(s)) == printable(s)``); text without such characters is
    returned as it is.
    """
    if ESCAPED.search(text) is None:
        return text
    return ESCAPED.sub(_shown, text)


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def json_line(value: Any, *, sort_keys: bool = False) -> str:
    """``value`` as one line of JSON, every string exact, without any :data:`ESCAPED`
    character written raw (they become ``\\uNNNN``; other non-ASCII text stays readable)."""
    import json  # here, not at the top: most commands never write JSON

    text = json.dumps(value, ensure_ascii=False, sort_keys=sort_keys)
    # Outside strings JSON text is ASCII punctuation, so every match is inside a string, where
    # a \\u escape stands for exactly that character.
    return ESCAPED.sub(_json_escape, text)
