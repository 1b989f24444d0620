"""Tests for aioglacier.filters: cases ported from mt-aws-glacier 1.120
(t/unit/filter.t, t/integration/config_engine_filters.t, README "filter" section)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aioglacier.filters import Filter, FilterParseError, FilterRule, parse_filter


def _pairs(rules: list[FilterRule]) -> list[tuple[str, str]]:
    return [(r.action, r.pattern) for r in rules]


# ---------------------------------------------------------------------------
# parse_filter (mtglacier's _filters_to_pattern)
# ---------------------------------------------------------------------------

SPACES = ["", " ", "  "]
ONESPACE = ["", " "]


def _whitespace_cases() -> list[tuple[list[str], list[tuple[str, str]]]]:
    cases: list[tuple[list[str], list[tuple[str, str]]]] = []
    for before, after, sign, last in itertools.product(SPACES, SPACES, "+-", SPACES):
        cases.append(([f"{before}{sign}{after}*.gz{last}"], [(sign, "*.gz")]))
    for excl, between, before, after, last in itertools.product(
        ["", "!"], [" ", "  "], ONESPACE, ONESPACE, ONESPACE
    ):
        first = f"{before}+{after}{excl}*.gz{last}{between}{before}-{after}*.txt{last}"
        cases.append(([first], [("+", f"{excl}*.gz"), ("-", "*.txt")]))
        cases.append(
            (
                [first, f"{before}-{after}*.jpeg{last}{between}{before}+{after}*.png{last}"],
                [("+", f"{excl}*.gz"), ("-", "*.txt"), ("-", "*.jpeg"), ("+", "*.png")],
            )
        )
        cases.append(
            (
                [first, f"{before}-{after}*.jpeg{last}{between}"],
                [("+", f"{excl}*.gz"), ("-", "*.txt"), ("-", "*.jpeg")],
            )
        )
        cases.append(
            (
                [
                    f"{between}{before}-{after}*.txt{last}",
                    f"{before}-{after}*.jpeg{last}{between}{before}+{after}*.png{last}",
                ],
                [("-", "*.txt"), ("-", "*.jpeg"), ("+", "*.png")],
            )
        )
    for first_sign, second, before, after in itertools.product("+-", "+-", SPACES, SPACES):
        cases.append(
            (
                [f"{second}*data/ {before}{first_sign}{after}{second}{before}"],
                [(second, "*data/"), (first_sign, second)],
            )
        )
    return cases


@pytest.mark.parametrize(("specs", "expected"), _whitespace_cases())
def test_parse_filter_whitespace_variants(
    specs: list[str], expected: list[tuple[str, str]]
) -> None:
    # Several --filter values are the same as one value holding all their rules.
    got = [pair for spec in specs for pair in _pairs(parse_filter(spec))]
    assert got == expected
    options = [("filter", spec) for spec in specs]
    assert _pairs(list(Filter.from_options(options).rules)) == expected


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("+", [("+", "")]),
        ("-", [("-", "")]),
        ("+data/ -", [("+", "data/"), ("-", "")]),
        ("++", [("+", "+")]),
        ("+++", [("+", "++")]),
        ("--", [("-", "-")]),
        ("---", [("-", "--")]),
        ("+ ", [("+", "")]),
        (" + ", [("+", "")]),
        ("  +  ", [("+", "")]),
        ("-+", [("-", "+")]),
        ("+-", [("+", "-")]),
        ("-data/  +  ", [("-", "data/"), ("+", "")]),
        ("-data/  +", [("-", "data/"), ("+", "")]),
        ("-data/  ++", [("-", "data/"), ("+", "+")]),
        ("-data/  -+", [("-", "data/"), ("-", "+")]),
        # a pattern runs to the next whitespace, signs inside it are literal
        ("+a+b -c-d", [("+", "a+b"), ("-", "c-d")]),
        # a space after the sign belongs to the rule, so "+ -" is '+' with pattern '-'
        ("+ -", [("+", "-")]),
        ("+\t*.gz\n-\x0b*.txt", [("+", "*.gz"), ("-", "*.txt")]),
        ("+фото/ -", [("+", "фото/"), ("-", "")]),
    ],
)
def test_parse_filter_edge_cases(spec: str, expected: list[tuple[str, str]]) -> None:
    assert _pairs(parse_filter(spec)) == expected


@pytest.mark.parametrize(
    ("spec", "token", "message"),
    [
        (
            " +z  p +a",
            "p +a",
            "Error in parsing filter ' +z  p +a': cannot parse 'p +a' "
            "(expected +PATTERN or -PATTERN)",
        ),
        (
            "+z z",
            "z",
            "Error in parsing filter '+z z': cannot parse 'z' (expected +PATTERN or -PATTERN)",
        ),
        ("", "", "Error in parsing filter '': expected +PATTERN or -PATTERN rules, got nothing"),
        (" ", " ", "Error in parsing filter ' ': expected +PATTERN or -PATTERN rules, got nothing"),
        (
            "*.gz",
            "*.gz",
            "Error in parsing filter '*.gz': cannot parse '*.gz' (expected +PATTERN or -PATTERN)",
        ),
        (
            "+a\nb",
            "b",
            "Error in parsing filter '+a\\nb': cannot parse 'b' (expected +PATTERN or -PATTERN)",
        ),
    ],
)
def test_parse_filter_errors(spec: str, token: str, message: str) -> None:
    with pytest.raises(FilterParseError) as info:
        parse_filter(spec)
    assert info.value.token == token
    assert info.value.spec == spec
    assert str(info.value) == message
    assert "\n" not in str(info.value)
    with pytest.raises(FilterParseError):
        Filter.from_options([("include", "x"), ("filter", spec)])


# ---------------------------------------------------------------------------
# pattern -> regex (mtglacier's _patterns_to_regexp), the "check" table
# ---------------------------------------------------------------------------

PATTERN_CASES: list[tuple[str, list[str], list[str]]] = [
    ("file", ["file", "x/file", "x/y/file"], ["filex", "xfile"]),
    ("*.gz", ["1.gz", "a/1.gz", "b/c/d/22.gz", ".gz", "a/.gz"], []),
    (
        "*img*",
        ["img", "img_01.jpeg", "x_img_01.jpeg", "a/img_01.jpeg", "b/c/the_img_01.jpeg"],
        ["im/g", "imxg"],
    ),
    (
        "img*",
        ["img", "img_01.jpeg", "a/img_01.jpeg", "b/c/img_01.jpeg"],
        ["im/g", "b/c/the_img_01.jpeg"],
    ),
    ("??.gz", ["12.gz", "a/34.gz", "b/c/d/xy.gz"], ["123.gz", "1.gz", "a/345.gz", "b/c/d/p.gz"]),
    ("x?z.gz", ["xyz.gz", "a/xpz.gz", "b/c/d/xxz.gz"], ["xz.gz", "a/xDDz.gz", "b/c/d/ppz.gz"]),
    ("a/?", ["a/1", "a/2", "a/3"], ["a/11", "a1", "a/123"]),
    (
        ".gitignore",
        [".gitignore", "a/.gitignore", "b/c/.gitignore"],
        ["p.gitignore", "p.gitignorex", "a/x.gitignore", "a/.gitignorep", "b/c/x.gitignore"],
    ),
    (
        "example.txt",
        ["a/example.txt", "b/c/example.txt", "example.txt"],
        ["xexample.txt", "a/xexample.txt", "example.txtA", "b/c/example.txtP"],
    ),
    # directory at a specific location
    ("/data/", ["data/", "data/1", "data/y/x"], ["data"]),
    ("/tmp/a", ["tmp/a"], []),
    # file at a specific location
    ("/data", ["data"], ["data/", "data/1", "data/y/x"]),
    ("tmp/a", ["tmp/a"], ["tmp/ab", "xtmp/a"]),
    # directory, any location
    (
        ".git/",
        [".git/", ".git/a", "x/.git/a", "x/.git/", "x/.git/b/c", "x/y/.git/p", "x/y/.git/r/r"],
        [".git", "x/.git", "x/y/.git"],
    ),
    (
        "!.git/",
        [".git", "x/.git", "x/y/.git"],
        [".git/", ".git/a", "x/.git/a", "x/.git/", "x/.git/b/c", "x/y/.git/p", "x/y/.git/r/r"],
    ),
    # wildcard, specific location
    ("/var/log/*.log", ["var/log/abc.log", "var/log/def.log"], ["var/logx/abc.log"]),
    ("/var/log/*.log", [], ["var/x/log/def.log"]),
    ("tmp/a*", ["tmp/a", "tmp/ab"], ["tmp/a/x", "tmp/ab/x"]),
    # two stars
    ("tmp/a**", ["tmp/a/x", "tmp/a"], []),
    ("tmp/a/**", ["tmp/a/"], ["tmp/ab", "tmp/ab/x"]),
    ("tmp/**", ["tmp/a", "tmp/ab", "tmp/ab/x", "tmp/a/x"], []),
    (
        "**/tmp/**",
        ["x/tmp/z", "x/tmp/a", "tmp/a/", "tmp/ab", "tmp/ab/x", "tmp/a/x"],
        ["p/xtmp"],
    ),
    ("**/.gitignore", [".gitignore", "a/.gitignore", "b/c/.gitignore"], []),
    ("!**/.gitignore", [], [".gitignore", "a/.gitignore", "b/c/.gitignore"]),
    # two stars at the beginning or end of a file name
    ("foo/**/bar", ["foo/bar", "foo/1/bar", "foo/1/2/bar"], ["foobar", "foox/bar", "foo/xbar"]),
    (
        "foo**/bar",
        ["foo/bar", "foo/1/bar", "foox/bar", "foox/1/bar"],
        ["foobar", "foo/xbar", "foox/xbar"],
    ),
    (
        "foo/**bar",
        ["foo/bar", "foo/1/bar", "foo/xbar", "foo/1/xbar"],
        ["foobar", "foox/bar", "foox/xbar"],
    ),
    (
        "**/bar",
        ["bar", "foo/bar", "foo/1/bar"],
        ["1/xbar", "xbar", "bar/", "foo/bar/", "foo/1/bar/"],
    ),
    (
        "**bar",
        ["bar", "foo/bar", "foo/1/bar", "1/xbar", "xbar"],
        ["bar/", "foo/bar/", "foo/1/bar/"],
    ),
    (
        "bar**",
        ["bar/1", "bar/", "bar/1/2/3", "barx/", "barx/1", "bary", "bar"],
        ["zbar"],
    ),
    ("**/tmp", [], ["p/xtmp"]),
    ("**/*tmp", ["p/xtmp", "tmp", "ztmp"], []),
    ("tmp**", ["tmpz", "tmp/z", "tmpz/z", "x/tmpz", "x/tmpz/z"], ["ptmpz"]),
    ("a/tmp**", ["a/tmpz", "a/tmp/z", "a/tmpz/z"], ["a/ptmpz"]),
    ("/tmp**", ["tmpz", "tmp/z", "tmpz/z"], ["ptmpz", "x/tmpz", "x/tmpz/z"]),
    ("!/tmp**", ["ptmpz", "x/tmpz", "x/tmpz/z"], ["tmpz", "tmp/z", "tmpz/z"]),
    ("example", [], ["tmp/example/a"]),
    ("z/example", [], ["tmp/pz/example/a"]),
    # empty pattern matches everything
    ("", ["a", "a/b", "a/b/c"], []),
    ("!", [], ["a", "a/b", "a/b/c"]),
    # regex metacharacters are literal
    ("z/ex.mple", ["z/ex.mple"], ["z/exNmple"]),
    ("z/ex\\dmple", ["z/ex\\dmple"], ["z/ex1mple"]),
    ("z/ex{1,2}mple", ["z/ex{1,2}mple"], ["z/exmple", "z/exxmple"]),
    ("z/ex[1|2]mple", ["z/ex[1|2]mple"], ["z/ex2mple", "z/ex1mple"]),
    ("a+b(c)^$", ["a+b(c)^$", "x/a+b(c)^$"], ["ab(c)", "aab(c)^$"]),
    # README examples (those its code agrees with)
    ("/tmp*/file", ["tmp/file", "tmp1/file", "tmp2/file"], ["tmp1/x/file"]),
    (
        "/tmp**/file",
        ["tmp/file", "tmp1/file", "tmp2/file", "tmp1/x/file", "tmp1/x/y/z/file"],
        [],
    ),
    ("/foo/**/bar", ["foo/bar", "foo/x/bar"], []),
    ("**/file", ["file", "x/file"], []),
    ("??.txt", ["11.txt", "xy.txt"], ["abc.txt"]),
    ("myfile", ["home/ivan/myfile", "data/tmp/myfile"], ["tmp/myfile/myfile1"]),
    ("log/", ["log/x", "a/log/x"], ["log", "a/log"]),
    ("log", ["log", "a/log"], ["log/x", "a/log/x"]),
    # a pattern with an inner slash is anchored even without a leading one (the README
    # says otherwise; mtglacier's code and tests agree with this)
    ("tmp/myfile", ["tmp/myfile"], ["home/john/tmp/myfile", "data/tmp/myfile"]),
    # non-ASCII
    ("фexclude/a/", ["фexclude/a/b"], ["fexclude/a/b"]),
    ("*.фото", ["a/b.фото"], ["b.фот"]),
]


@pytest.mark.parametrize(("pattern", "ismatch", "nomatch"), PATTERN_CASES)
def test_pattern_matching(pattern: str, ismatch: list[str], nomatch: list[str]) -> None:
    for action in ("+", "-"):
        rule = FilterRule(action, pattern)
        assert [p for p in ismatch if not rule.matches(p)] == []
        assert [p for p in nomatch if rule.matches(p)] == []


@pytest.mark.parametrize(
    "pattern", ["", "a/", "/a/", "a/b/", "/a/b/", "**", "/**", "/a/**", "a**", "a/b/**", "a/b**"]
)
def test_match_subdirs(pattern: str) -> None:
    assert FilterRule("-", pattern).match_subdirs is True


@pytest.mark.parametrize(
    "pattern",
    [
        *[" ", "a/ ", "/a/ ", "a/b/ ", "/a/b/ ", "*", "/*", "/a/*", "a*", "a/b/* *", "a/b** *"],
        *["a/b**c", "!", "!a/", "!**", "a"],
    ],
)
def test_does_not_match_subdirs(pattern: str) -> None:
    assert FilterRule("-", pattern).match_subdirs is False


@pytest.mark.parametrize(
    ("pattern", "source", "negated", "match_subdirs"),
    [
        ("abc", "(^|/)abc$", False, False),
        ("dir/", "(^|/)dir/", False, True),
        ("*.gz", r"(^|/)[^/]*\.gz$", False, False),
        ("!*.txt", r"(^|/)[^/]*\.txt$", True, False),
        ("/data/", "^/?/data/", False, True),
        ("foo/**/bar", "^/?foo(/|/.*/)bar$", False, False),
        ("**/tmp/**", "^/?.*/tmp/.*$", False, True),
        ("a?", "(^|/)a[^/]$", False, False),
        ("", ".*", False, True),
        ("!", ".*", True, False),
    ],
)
def test_rule_compilation(pattern: str, source: str, negated: bool, match_subdirs: bool) -> None:
    rule = FilterRule("-", pattern)
    assert rule.regex.pattern == source
    assert rule.negated is negated
    assert rule.match_subdirs is match_subdirs


def test_rule_equality_and_validation() -> None:
    assert FilterRule("+", "*.gz") == FilterRule("+", "*.gz")
    assert FilterRule("+", "*.gz") != FilterRule("-", "*.gz")
    assert hash(FilterRule("+", "*.gz")) == hash(FilterRule("+", "*.gz"))
    assert repr(FilterRule("+", "*.gz")) == "FilterRule(action='+', pattern='*.gz')"
    with pytest.raises(ValueError, match=r"^filter rule action must be '\+' or '-', got '\*'$"):
        FilterRule("*", "x")  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# option order (config_engine_filters.t)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ([("include", "*.gz")], [("+", "*.gz", False, False)]),
        (
            [("include", "*.gz"), ("include", "*.txt")],
            [("+", "*.gz", False, False), ("+", "*.txt", False, False)],
        ),
        ([("exclude", "*.gz")], [("-", "*.gz", False, False)]),
        (
            [("exclude", "*.gz"), ("exclude", "*.txt")],
            [("-", "*.gz", False, False), ("-", "*.txt", False, False)],
        ),
        ([("filter", "+*.gz")], [("+", "*.gz", False, False)]),
        (
            [("filter", "+*.gz -*.txt")],
            [("+", "*.gz", False, False), ("-", "*.txt", False, False)],
        ),
        (
            [("filter", "+*.gz"), ("filter", "-*.txt")],
            [("+", "*.gz", False, False), ("-", "*.txt", False, False)],
        ),
        (
            [("filter", "+*.gz"), ("include", "*.txt")],
            [("+", "*.gz", False, False), ("+", "*.txt", False, False)],
        ),
        (
            [("filter", "+*.gz"), ("exclude", "*.txt")],
            [("+", "*.gz", False, False), ("-", "*.txt", False, False)],
        ),
        (
            [
                ("filter", "+*.gz"),
                ("filter", "-*.txt +*.jpeg"),
                ("include", "dir/"),
                ("exclude", "dir2/"),
            ],
            [
                ("+", "*.gz", False, False),
                ("-", "*.txt", False, False),
                ("+", "*.jpeg", False, False),
                ("+", "dir/", False, True),
                ("-", "dir2/", False, True),
            ],
        ),
        ([("exclude", "!*.gz")], [("-", "!*.gz", True, False)]),
        (
            [
                ("filter", "+!*.gz"),
                ("filter", "-*.txt +!*.jpeg"),
                ("include", "dir/"),
                ("exclude", "!dir2/"),
            ],
            [
                ("+", "!*.gz", True, False),
                ("-", "*.txt", False, False),
                ("+", "!*.jpeg", True, False),
                ("+", "dir/", False, True),
                ("-", "!dir2/", True, False),
            ],
        ),
        ([("filter", "+")], [("+", "", False, True)]),
        # --include/--exclude values are verbatim: spaces and signs are part of the pattern
        ([("exclude", "/my documents/")], [("-", "/my documents/", False, True)]),
        ([("include", " +x")], [("+", " +x", False, False)]),
        ([("include", "")], [("+", "", False, True)]),
    ],
)
def test_from_options(
    options: list[tuple[str, str]], expected: list[tuple[str, str, bool, bool]]
) -> None:
    rules = Filter.from_options(options).rules
    assert [(r.action, r.pattern, r.negated, r.match_subdirs) for r in rules] == expected


def test_from_options_unknown_option() -> None:
    with pytest.raises(
        ValueError,
        match=r"^unknown filter option 'dir' \(expected 'filter', 'include' or 'exclude'\)$",
    ):
        Filter.from_options([("dir", "x")])


def test_empty_filter() -> None:
    f = Filter.from_options([])
    assert f.empty
    assert f == Filter()
    assert f.matches("anything/at/all")
    assert f.may_descend("a/b")
    assert not Filter.from_options([("include", "x")]).empty
    assert repr(Filter.from_options([("filter", "+*.gz -")])) == "Filter('+*.gz -')"


# ---------------------------------------------------------------------------
# file selection (check_filenames)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "files", "included"),
    [
        (
            "+*.gz -/data/ +",
            ["1.gz", "1.txt", "data/1.txt", "data/z/1.txt", "data/2.gz", "f", "data/p/33.gz"],
            ["1.gz", "1.txt", "data/2.gz", "f", "data/p/33.gz"],
        ),
        (
            "-/data/ +*.gz -",
            ["1.gz", "p/1.gz", "data/", "data/1.gz", "data/a/1.gz"],
            ["1.gz", "p/1.gz"],
        ),
        # default action: include
        (
            "+*.gz -/data/",
            ["1.gz", "1.txt", "data/1.txt", "data/z/1.txt", "data/2.gz", "f", "data/p/33.gz"],
            ["1.gz", "1.txt", "data/2.gz", "f", "data/p/33.gz"],
        ),
        # an explicit empty exclude makes the default "exclude"
        (
            "+*.gz +/data/ -",
            ["x/y", "x/y/z.gz", "/data/1", "/data/d/2", "abc"],
            ["x/y/z.gz", "/data/1", "/data/d/2"],
        ),
        (
            "-!/data/ +*.gz +/data/backup/ -",
            [
                "data/1",
                "dir/1.gz",
                "data/2",
                "data/3.gz",
                "data/x/4.gz",
                "data/backup/5.gz",
                "data/backup/6/7.gz",
                "data/backup/z/1.txt",
            ],
            [
                "data/3.gz",
                "data/x/4.gz",
                "data/backup/5.gz",
                "data/backup/6/7.gz",
                "data/backup/z/1.txt",
            ],
        ),
        ("-0.* -фexclude/a/ +*.gz -", ["fexclude/b", "фexclude/b.gz"], ["фexclude/b.gz"]),
        # README: first match wins; no match -> included
        ("+*.txt -file.txt", ["file.txt"], ["file.txt"]),
        ("+*.jpeg", ["file.txt"], ["file.txt"]),
        ("+data/ -", ["data/a", "x/data/b", "a", "data"], ["data/a", "x/data/b"]),
        ("-!/data/ +*.gz -", ["data/a.gz", "data/a.txt", "a.gz"], ["data/a.gz"]),
        (
            "+/tmp/data/a/b/c -/tmp/data/ +",
            ["tmp/data/a/b/c", "tmp/data/a/b/d", "tmp/x"],
            ["tmp/data/a/b/c", "tmp/x"],
        ),
    ],
)
def test_matches(spec: str, files: list[str], included: list[str]) -> None:
    f = Filter.from_options([("filter", spec)])
    assert [p for p in files if f.matches(p)] == included


# ---------------------------------------------------------------------------
# directory pruning (check_dir)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "reldir", "included", "match_subdirs"),
    [
        ("+*.gz -/data/ +", "data/", False, False),
        ("-/data/ +*.gz +", "data/", False, True),
        ("+*.gz -/data** +", "datadir/", False, False),
        ("-/data** +*.gz +", "datadir/", False, True),
        ("-*.gz -/data** +", "datadir/", False, True),
        ("-/data** -*.gz -/data** +", "datadir/", False, True),
        ("+1.txt -*.gz -/data** +", "datadir/", False, False),
        ("-1.txt -*.gz +/data** +", "datadir/", True, False),
        ("+/data/ -", "data/", True, False),
        ("+!/data/ -", "somedir/", True, False),
        ("-!/data/ +", "somedir/", False, False),
        ("-/data/a/ +", "data/", True, False),
        ("-/data/a/ +", "data/a/", False, True),
        # README: '-*.tmp -/media/ -/proc/ +*.jpeg' does not traverse /proc and /media
        ("-*.tmp -/media/ -/proc/ +*.jpeg", "proc/", False, True),
        ("-*.tmp -/media/ -/proc/ +*.jpeg", "media/", False, True),
        ("-*.tmp -/media/ -/proc/ +*.jpeg", "home/", True, False),
        ("-", "anything/", False, True),
        ("+x -", "anything/", False, False),
    ],
)
def test_check_and_may_descend(spec: str, reldir: str, included: bool, match_subdirs: bool) -> None:
    f = Filter.from_options([("filter", spec)])
    assert f.check(reldir) == (included, match_subdirs)
    expected_descend = included or not match_subdirs
    assert f.may_descend(reldir) is expected_descend
    assert f.may_descend(reldir.rstrip("/")) is expected_descend


def test_root_is_always_entered() -> None:
    f = Filter.from_options([("filter", "-")])
    assert f.may_descend("")
    assert f.may_descend(".")
    assert not f.may_descend("a")


# A pruned directory must never hide an included file: mtglacier's guarantee.
_NAME = st.sampled_from(["a", "b", "ab", "data", "x.gz", "фото"])
_PATH = st.lists(_NAME, min_size=1, max_size=4).map("/".join)
_PATTERN = st.lists(
    st.sampled_from(["a", "b", "data", "/", "*", "**", "?", ".gz", "!", "x"]), max_size=5
).map("".join)
_RULES = st.lists(st.tuples(st.sampled_from(["include", "exclude"]), _PATTERN), max_size=5)


@settings(max_examples=300, deadline=None)
@given(rules=_RULES, path=_PATH)
def test_pruning_never_hides_an_included_file(rules: list[tuple[str, str]], path: str) -> None:
    f = Filter.from_options(rules)
    parts = path.split("/")
    for depth in range(1, len(parts)):
        reldir = "/".join(parts[:depth])
        if not f.may_descend(reldir):
            assert not f.matches(path), (rules, reldir, path)
