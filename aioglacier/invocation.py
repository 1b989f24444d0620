"""What a command handler receives, and the exit codes every command maps its outcome to.

Its own module so that :mod:`aioglacier.cli` (the parser) and :mod:`aioglacier.commands`
(the handlers) both import it without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TextIO

from aioglacier.display import json_line, printable
from aioglacier.errors import UsageError

__all__ = ["EXIT_FAILURE", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_USAGE", "Invocation"]

#: The command did what was asked.
EXIT_OK = 0
#: The command ran and failed (an error line on stderr says why).
EXIT_FAILURE = 1
#: The command line or the config file was wrong; nothing was done.
EXIT_USAGE = 2
#: Interrupted by Ctrl-C (128 + SIGINT, as shells report it).
EXIT_INTERRUPTED = 130


@dataclass(frozen=True)
class Invocation:
    """A parsed command: the merged option values and where to write."""

    command: str
    values: dict[str, Any]
    stdout: TextIO
    stderr: TextIO
    debug: bool = False
    quiet: bool = False
    json: bool = False

    def get(self, name: str) -> Any:
        """The value of option ``name`` (None when neither given nor defaulted)."""
        return self.values.get(name)

    def require(self, *names: str) -> None:
        """Raise :class:`UsageError` for the first missing option among ``names``."""
        for name in names:
            if self.values.get(name) is None:
                raise UsageError(f"please specify --{name}")

    def out(self, line: str) -> None:
        """Write one result line to standard output (control characters escaped)."""
        print(printable(line), file=self.stdout, flush=True)

    def row(self, *fields: object) -> None:
        """Write one TAB-separated result line to standard output (each field escaped)."""
        print("\t".join(printable(str(f)) for f in fields), file=self.stdout, flush=True)

    def out_json(self, value: Any, *, sort_keys: bool = False) -> None:
        """Write one JSON line to standard output: exact strings, no control character raw."""
        print(json_line(value, sort_keys=sort_keys), file=self.stdout, flush=True)

    def note(self, line: str) -> None:
        """Write one informational line to standard error, unless --quiet."""
        if not self.quiet:
            self.err(line)

    def err(self, line: str) -> None:
        """Write one line to standard error, even with --quiet (control characters escaped)."""
        print(printable(line), file=self.stderr, flush=True)
