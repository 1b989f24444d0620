"""mtglacier-compatible ``--filter``, ``--include`` and ``--exclude`` rules.

This reproduces the file selection of mt-aws-glacier 1.120 (``App::MtAws::Filter``)
rule for rule, so that the same command line selects the same files in both tools.

Rules
-----
* ``--filter 'RULES'`` adds one or more rules. ``RULES`` is a sequence of ``+PATTERN``
  (include) or ``-PATTERN`` (exclude) separated by whitespace; whitespace is also
  allowed between the sign and the pattern (``'+ *.jpg'`` is ``+*.jpg``). A pattern never
  contains whitespace and runs up to the next whitespace, so ``'+a+b'`` is the single
  rule ``+`` ``a+b`` and ``'+ -'`` is the rule ``+`` with pattern ``-``. mtglacier has no
  escape for spaces inside ``--filter``: use ``--include``/``--exclude`` for patterns with
  spaces. A pattern may be empty (``'+data/ -'``).
* ``--include PATTERN`` / ``--exclude PATTERN`` add one rule each; the value is taken
  verbatim (it may contain spaces).
* All three options form one list, in command-line order.

Patterns
--------
* A leading ``!`` negates the pattern: the rule applies when the rest does *not* match.
* An empty pattern matches everything.
* ``**`` matches anything including ``/``; ``/**/`` matches ``/`` or ``/any/dirs/``;
  ``*`` matches anything except ``/``; ``?`` matches one character except ``/``;
  every other character is literal (case-sensitive).
* A pattern containing a ``/`` followed by another character (a slash that is not the
  last character) is anchored at the root of the tree, whether or not it starts with
  ``/``: ``tmp/a`` matches ``tmp/a`` but not ``x/tmp/a``. Any other pattern matches a
  trailing sequence of whole path components: ``file`` matches ``file`` and ``x/file``,
  ``tmp**`` matches ``x/tmpz/z``. (mtglacier's README claims ``tmp/myfile`` also matches
  ``/home/john/tmp/myfile``; its code and tests do not, and neither do we.)
* A pattern ending with ``/`` matches a directory, i.e. every file below it (anywhere
  in the path for an unanchored one: ``.git/`` matches ``x/.git/a``); any other pattern
  must match up to the end of the path.

Evaluation
----------
The first rule whose pattern matches decides (``+`` include, ``-`` exclude). If no rule
matches, the file is **included**, whatever the type of the last rule (to exclude
everything else, end with an empty exclude rule: ``--filter '+*.jpg -'``).

Directory pruning
-----------------
Excluding a directory does not stop the walk by itself (``'+/a/b/c -/a/ +'`` still finds
``a/b/c``). A directory is skipped entirely only when the first rule matching
``"dir/"`` is an exclude rule without ``!`` whose pattern is empty or ends with ``/``
or ``**``, and no include rule comes before it in the list. See
:meth:`Filter.may_descend`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal, cast

from aioglacier.errors import UsageError

__all__ = ["Filter", "FilterParseError", "FilterRule", "parse_filter"]

Action = Literal["+", "-"]

# Perl's ``\s`` on character strings (Perl >= 5.18): unlike Python's ``\s`` it does not
# include the information separators U+001C..U+001F.
_PERL_SPACE = "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"

# One rule inside a --filter value: optional spaces, sign, optional spaces, pattern
# (a run of non-space characters, possibly empty), optional spaces.
_RULE_RE = re.compile(f"[{_PERL_SPACE}]*([+-])[{_PERL_SPACE}]*([^{_PERL_SPACE}]*)[{_PERL_SPACE}]*")

_BLANK_RE = re.compile(f"[{_PERL_SPACE}]*")
_ANCHORED_RE = re.compile(r"/.")  # a slash that is not the last character
_DIR_PATTERN_RE = re.compile(r"/$")
_MATCH_SUBDIRS_RE = re.compile(r"(^|/|\*\*)$")

_OPTION_ACTIONS: dict[str, Action | None] = {"filter": None, "include": "+", "exclude": "-"}


class FilterParseError(UsageError, ValueError):
    """A ``--filter`` value that is not a list of ``+PATTERN``/``-PATTERN`` rules.

    Attributes:
        spec: the whole ``--filter`` value.
        token: the part that could not be parsed (the whole value if nothing parsed,
            else the unparsed rest), as mtglacier reports it.
    """

    def __init__(self, spec: str, token: str) -> None:
        self.spec = spec
        self.token = token
        if _BLANK_RE.fullmatch(spec):
            detail = "expected +PATTERN or -PATTERN rules, got nothing"
        else:
            detail = f"cannot parse {token!r} (expected +PATTERN or -PATTERN)"
        super().__init__(f"Error in parsing filter {spec!r}: {detail}")


def _glob_to_regex(pattern: str) -> str:
    """Translate the wildcards of one (non-empty, un-negated) pattern to a regex body."""
    out: list[str] = []
    i = 0
    n = len(pattern)
    while i < n:
        # Same precedence as mtglacier's substitution: at each position try "**" first,
        # then "/**/", then "*", then "?"; anything else is a literal character.
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern.startswith("/**/", i):
            out.append("(/|/.*/)")
            i += 4
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return "".join(out)


@dataclass(frozen=True)
class FilterRule:
    """One include (``+``) or exclude (``-``) rule.

    ``pattern`` is the pattern as written, including a leading ``!`` if any. The derived
    fields are computed from it: ``regex`` (matched with ``search`` against ``"/" +
    relpath``), ``negated`` (the pattern started with ``!``) and ``match_subdirs`` (an
    exclude match may prune the directory walk: pattern empty or ending with ``/`` or
    ``**``, and not negated).
    """

    action: Action
    pattern: str
    regex: re.Pattern[str] = field(init=False, repr=False, compare=False)
    negated: bool = field(init=False, repr=False, compare=False)
    match_subdirs: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.action not in ("+", "-"):
            raise ValueError(f"filter rule action must be '+' or '-', got {self.action!r}")
        pattern = self.pattern
        negated = pattern.startswith("!")
        if negated:
            pattern = pattern[1:]
        if pattern == "":
            source = ".*"
            match_subdirs = not negated
        else:
            body = _glob_to_regex(pattern)
            source = ("^/?" if _ANCHORED_RE.search(pattern) else "(^|/)") + body
            if not _DIR_PATTERN_RE.search(pattern):
                source += "$"
            match_subdirs = bool(_MATCH_SUBDIRS_RE.search(pattern)) and not negated
        object.__setattr__(self, "regex", re.compile(source))
        object.__setattr__(self, "negated", negated)
        object.__setattr__(self, "match_subdirs", match_subdirs)

    @property
    def include(self) -> bool:
        """True for an include (``+``) rule."""
        return self.action == "+"

    def matches(self, relpath: str) -> bool:
        """Does this rule's pattern (with ``!`` applied) match ``relpath``?

        ``relpath`` is relative and ``/``-separated; a directory is given with a trailing
        ``/`` (``"data/"``).
        """
        found = self.regex.search("/" + relpath) is not None
        return found != self.negated


def parse_filter(spec: str) -> list[FilterRule]:
    """Parse one ``--filter`` value into its rules, in order.

    Raises:
        FilterParseError: ``spec`` is empty/blank or has text that is not a rule.
    """
    rules: list[FilterRule] = []
    pos = 0
    while (m := _RULE_RE.match(spec, pos)) is not None:
        rules.append(FilterRule(cast(Action, m.group(1)), m.group(2)))
        pos = m.end()
    if not rules:
        raise FilterParseError(spec, spec)
    if pos < len(spec):
        raise FilterParseError(spec, spec[pos:])
    return rules


class Filter:
    """An ordered list of :class:`FilterRule`; decides which files an operation selects.

    An empty filter includes everything.
    """

    __slots__ = ("_rules",)

    def __init__(self, rules: Iterable[FilterRule] = ()) -> None:
        self._rules: tuple[FilterRule, ...] = tuple(rules)

    @classmethod
    def from_options(cls, options: Sequence[tuple[str, str]]) -> Filter:
        """Build a filter from ``(option, value)`` pairs in command-line order.

        ``option`` is ``"filter"`` (value parsed with :func:`parse_filter`),
        ``"include"`` or ``"exclude"`` (value is one pattern, taken verbatim).

        Raises:
            FilterParseError: a ``filter`` value does not parse.
            ValueError: an unknown option name.
        """
        rules: list[FilterRule] = []
        for name, value in options:
            if name not in _OPTION_ACTIONS:
                raise ValueError(
                    f"unknown filter option {name!r} (expected 'filter', 'include' or 'exclude')"
                )
            action = _OPTION_ACTIONS[name]
            if action is None:
                rules.extend(parse_filter(value))
            else:
                rules.append(FilterRule(action, value))
        return cls(rules)

    @property
    def rules(self) -> tuple[FilterRule, ...]:
        """The rules, in evaluation order."""
        return self._rules

    @property
    def empty(self) -> bool:
        """True when there are no rules (everything is included)."""
        return not self._rules

    def check(self, relpath: str) -> tuple[bool, bool]:
        """mtglacier's ``check_dir``: ``(included, match_subdirs)`` for ``relpath``.

        ``included`` is the action of the first matching rule (True when none matches).
        ``match_subdirs`` is True only when that rule is a pruning exclude rule and no
        include rule precedes it.
        """
        seen_include = False
        for rule in self._rules:
            if rule.include:
                seen_include = True
            if rule.matches(relpath):
                return rule.include, (rule.match_subdirs and not seen_include)
        return True, False

    def matches(self, relpath: str) -> bool:
        """Should the file ``relpath`` (relative, ``/``-separated, no leading ``/``) be
        included?"""
        for rule in self._rules:
            if rule.matches(relpath):
                return rule.include
        return True

    def may_descend(self, reldir: str) -> bool:
        """May the walk enter directory ``reldir`` (relative, ``/``-separated)?

        False only when mtglacier would prune it: every file below is then certainly
        excluded. The root (``""`` or ``"."``) is always entered. A trailing ``/`` on
        ``reldir`` is optional.
        """
        reldir = reldir.rstrip("/")
        if reldir in ("", "."):
            return True
        included, match_subdirs = self.check(reldir + "/")
        return included or not match_subdirs

    def __repr__(self) -> str:
        spec = " ".join(f"{r.action}{r.pattern}" for r in self._rules)
        return f"Filter({spec!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Filter):
            return NotImplemented
        return self._rules == other._rules

    def __hash__(self) -> int:
        return hash(self._rules)
