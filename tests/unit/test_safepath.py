"""Tests for aioglacier.safepath: hostile names, symlinks, parent creation, temp names."""

from __future__ import annotations

import contextlib
import os
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from aioglacier.safepath import (
    PLATFORMS,
    TEMP_PREFIX,
    Platform,
    ReservedNameError,
    UnsafePathError,
    WindowsNameError,
    check_name,
    is_temp_name,
    make_parents,
    new_temp_name,
    open_parent,
    restore_name,
    safe_target,
    windows_escaped,
)

DOTS = "the name has a '.' or '..' path component"
CHARS = "the name contains a TAB, CR, LF or NUL character, which the journal cannot hold"
LEFTOVER = TEMP_PREFIX + "0123456789abcdef0123"

#: Refused on every platform, with the same reason.
NEVER = [
    ("../x", DOTS),
    ("..", DOTS),
    ("a/../../b", DOTS),
    ("a/..", DOTS),
    ("./a", DOTS),
    ("a/./b", DOTS),
    (".", DOTS),
    ("/etc/passwd", "the name is absolute (starts with '/')"),
    ("//server/share", "the name is absolute (starts with '/')"),
    ("a//b", "the name has an empty path component"),
    ("a/", "the name has an empty path component"),
    ("", "the name is empty"),
    ("a\x00b", CHARS),
    ("a\nb", CHARS),
    ("a\tb", CHARS),
    ("a\rb", CHARS),
    ("a\udc80b", "the name is not valid Unicode (undecodable bytes?)"),
    ("a\ud800", "the name is not valid Unicode (undecodable bytes?)"),
    ("x" * 256, "the name has a path component longer than 255 bytes"),
    ("d/" + "é" * 128, "the name has a path component longer than 255 bytes"),
    (LEFTOVER, "the name is reserved for aioglacier's partial downloads"),
    ("d/" + LEFTOVER, "the name is reserved for aioglacier's partial downloads"),
]


@pytest.mark.parametrize(("name", "reason"), NEVER)
def test_names_no_platform_can_restore_are_refused(tmp_path: Path, name: str, reason: str) -> None:
    for platform in PLATFORMS:
        if platform == "windows" and "longer than" in reason:
            continue  # Windows counts UTF-16 code units: see test_component_length_limits
        with pytest.raises(UnsafePathError) as info:
            safe_target(tmp_path, name, platform=platform)
        assert str(info.value) == f"unsafe path {name!r}: {reason}"
        assert info.value.relfilename == name
        assert info.value.reason == reason
        assert not isinstance(info.value, WindowsNameError)
        assert isinstance(info.value, ReservedNameError) == ("reserved" in reason)
        assert "\n" not in str(info.value)
        assert isinstance(info.value, ValueError)


def test_exact_message_examples(tmp_path: Path) -> None:
    with pytest.raises(UnsafePathError, match=r"^unsafe path '\.\./x': the name has a '\.' or"):
        safe_target(tmp_path, "../x")
    with pytest.raises(UnsafePathError) as info:
        safe_target(tmp_path, "a\x00b")
    assert str(info.value) == f"unsafe path 'a\\x00b': {CHARS}"


#: Legal POSIX names: backed up and restored on POSIX; the reason Windows refuses them, if any.
POSIX_NAMES = [
    ("a", None),
    ("a/b/c.txt", None),
    ("é/ü 日本.txt", None),
    ("with space/and more spaces", None),
    (" leading space", None),
    (".hidden", None),
    ("..foo", None),
    ("icon", None),
    ("console.txt", None),
    ("CON1", None),
    ("COMX", None),
    ("LPT10", None),
    ("a\x7fb", None),
    ("a\x85b", None),
    ("rtl\u202eoverride", None),
    ("zero\u200bwidth", None),
    ("private\ue000use", None),
    ("unassigned\U000e0080", None),
    ("nonchar\uffff", None),
    ("x" * 255, None),
    ("é" * 127, None),
    ("d/" + "日" * 85, None),
    (".x.aioglacier-part", None),
    (TEMP_PREFIX + "notours", None),
    (
        "trailing dot.",
        "path component 'trailing dot.' ends with a dot or a space, which Windows drops",
    ),
    ("d/sp ", "path component 'sp ' ends with a dot or a space, which Windows drops"),
    ("...", "path component '...' ends with a dot or a space, which Windows drops"),
    ("a:b", "the name contains ':', which Windows does not allow in file names"),
    ("C:x", "the name contains ':', which Windows does not allow in file names"),
    ("what?", "the name contains '?', which Windows does not allow in file names"),
    ("a<b", "the name contains '<', which Windows does not allow in file names"),
    ("a>b", "the name contains '>', which Windows does not allow in file names"),
    ("a|b", "the name contains '|', which Windows does not allow in file names"),
    ('a"b', "the name contains '\"', which Windows does not allow in file names"),
    ("a*b", "the name contains '*', which Windows does not allow in file names"),
    ("a\\..\\b", "the name contains a backslash, a separator on Windows"),
    ("C:\\Windows\\x", "the name contains ':', which Windows does not allow in file names"),
    (
        "esc\x1b[1m",
        "the name contains control character U+001B, which Windows does not allow in file names",
    ),
    (
        "bell\x07",
        "the name contains control character U+0007, which Windows does not allow in file names",
    ),
    ("CON", "'CON' is a Windows device name"),
    ("con.txt", "'con.txt' is a Windows device name"),
    ("con.h", "'con.h' is a Windows device name"),
    ("dir/Nul", "'Nul' is a Windows device name"),
    ("nul.txt", "'nul.txt' is a Windows device name"),
    ("drivers/aux.c", "'aux.c' is a Windows device name"),
    ("aux .c", "'aux .c' is a Windows device name"),
    ("PRN.tar.gz", "'PRN.tar.gz' is a Windows device name"),
    ("com1", "'com1' is a Windows device name"),
    ("x/LPT9.log", "'LPT9.log' is a Windows device name"),
    ("COM0", "'COM0' is a Windows device name"),
    ("com¹.txt", "'com¹.txt' is a Windows device name"),
    ("lpt³", "'lpt³' is a Windows device name"),
    ("conout$", "'conout$' is a Windows device name"),
    ("CONIN$.x", "'CONIN$.x' is a Windows device name"),
]


@pytest.mark.parametrize(("name", "windows_reason"), POSIX_NAMES)
def test_legal_posix_names_restore_on_posix(
    tmp_path: Path, name: str, windows_reason: str | None
) -> None:
    target = safe_target(tmp_path, name, platform="posix")
    assert target == tmp_path.joinpath(*name.split("/"))
    assert check_name(name, platform="posix") == tuple(name.split("/"))
    assert restore_name(name, platform="posix", escape_windows_names=True) == name
    if windows_reason is None:
        assert check_name(name, platform="windows") == tuple(name.split("/"))
        assert restore_name(name, platform="windows", escape_windows_names=True) == name
        return
    with pytest.raises(WindowsNameError) as info:
        safe_target(tmp_path, name, platform="windows")
    assert info.value.reason == windows_reason
    with pytest.raises(WindowsNameError):
        restore_name(name, platform="windows")


def test_component_length_limits() -> None:
    # POSIX counts bytes of UTF-8, Windows UTF-16 code units.
    for name in ("é" * 128, "😀" * 64, "日" * 86):
        with pytest.raises(UnsafePathError, match=r"longer than 255 bytes$"):
            check_name(name, platform="posix")
        assert check_name(name, platform="windows") == (name,)
    assert check_name("😀" * 127 + "x", platform="windows") == ("😀" * 127 + "x",)
    for name in ("x" * 256, "😀" * 128, "é" * 256):
        with pytest.raises(UnsafePathError, match=r"longer than 255 UTF-16 code units$"):
            check_name(name, platform="windows")
    assert check_name("x" * 255, platform="windows") == ("x" * 255,)


def test_default_platform_is_this_system() -> None:
    expected: Platform = "windows" if os.name == "nt" else "posix"
    with pytest.raises(WindowsNameError) if expected == "windows" else contextlib.nullcontext():
        check_name("aux.c")


@pytest.mark.parametrize(
    ("name", "escaped"),
    [
        ("aux.c", "%61ux.c"),
        ("drivers/aux.c", "drivers/%61ux.c"),
        ("CON", "%43ON"),
        ("con ", "con%20"),
        ("con .txt", "%63on .txt"),
        ("nul.txt", "%6Eul.txt"),
        ("prn.tar.gz", "%70rn.tar.gz"),
        ("com¹", "%63om¹"),
        ("a:b.", "a%3Ab%2E"),
        ("100%:x", "100%25%3Ax"),
        ("100%/a:b", "100%/a%3Ab"),
        ("a\\b", "a%5Cb"),
        ("esc\x1b[1m", "esc%1B[1m"),
        ('q?<>|*"', "q%3F%3C%3E%7C%2A%22"),
        ("dots..", "dots.%2E"),
        ("ok/fine.txt", "ok/fine.txt"),
    ],
)
def test_windows_escape(name: str, escaped: str) -> None:
    assert windows_escaped(name) == escaped
    assert restore_name(name, platform="windows", escape_windows_names=True) == escaped
    assert check_name(escaped, platform="windows") == tuple(escaped.split("/"))


def test_windows_escape_cannot_mend_every_name() -> None:
    with pytest.raises(UnsafePathError) as info:
        restore_name("a\tb", platform="windows", escape_windows_names=True)
    assert info.value.reason == CHARS
    with pytest.raises(ReservedNameError):
        windows_escaped(LEFTOVER)
    with pytest.raises(UnsafePathError) as info:
        windows_escaped(":" * 100)
    assert info.value.reason == (
        f"escaped for Windows as {'%3A' * 100!r}: the name has a path component longer than "
        "255 UTF-16 code units"
    )


_ALL_CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters="/")


@given(st.lists(st.text(_ALL_CHARS, min_size=1, max_size=12), min_size=1, max_size=3))
def test_windows_escape_is_safe_and_decodes_back(parts: list[str]) -> None:
    name = "/".join(parts)
    try:
        check_name(name, platform="windows")
    except WindowsNameError:
        pass
    except UnsafePathError:
        with pytest.raises(UnsafePathError):
            windows_escaped(name)
        return
    escaped = windows_escaped(name)
    assert check_name(escaped, platform="windows")
    for part, done in zip(parts, escaped.split("/"), strict=True):
        assert done == part or urllib.parse.unquote(done, errors="strict") == part


@given(
    st.lists(
        st.text(
            st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters='/\\<>:"|?*'),
            min_size=1,
            max_size=20,
        ).filter(lambda s: s not in (".", "..") and s[-1] not in ". "),
        min_size=1,
        max_size=4,
    )
)
def test_check_name_accepts_plain_components(parts: list[str]) -> None:
    from aioglacier.safepath import _DEVICE_NAMES  # the one rule a random part may hit

    name = "/".join(parts)
    assert check_name(name, platform="posix") == tuple(parts)
    if any(p.split(".", 1)[0].rstrip(" ").upper() in _DEVICE_NAMES for p in parts):
        with pytest.raises(WindowsNameError):
            check_name(name, platform="windows")
    else:
        assert check_name(name, platform="windows") == tuple(parts)


# ---------------------------------------------------------------------------------------------
# Symlinks


@pytest.fixture
def trees(tmp_path: Path) -> tuple[Path, Path]:
    base = tmp_path / "base"
    outside = tmp_path / "outside"
    base.mkdir()
    outside.mkdir()
    (outside / "secret").write_text("secret")
    return base, outside


def test_symlinked_parent_refused(trees: tuple[Path, Path]) -> None:
    base, outside = trees
    (base / "link").symlink_to(outside)
    with pytest.raises(UnsafePathError) as info:
        safe_target(base, "link/x")
    assert str(info.value) == "unsafe path 'link/x': directory 'link' is a symlink"


def test_deep_symlinked_parent_refused(trees: tuple[Path, Path]) -> None:
    base, outside = trees
    (base / "a" / "b").mkdir(parents=True)
    (base / "a" / "b" / "up").symlink_to(outside)
    with pytest.raises(UnsafePathError) as info:
        safe_target(base, "a/b/up/new/file")
    assert str(info.value) == "unsafe path 'a/b/up/new/file': directory 'a/b/up' is a symlink"


def test_symlink_to_a_directory_inside_is_refused_too(trees: tuple[Path, Path]) -> None:
    base, _ = trees
    (base / "real").mkdir()
    (base / "alias").symlink_to("real")
    with pytest.raises(UnsafePathError, match="directory 'alias' is a symlink"):
        safe_target(base, "alias/f")


def test_final_symlink_refused(trees: tuple[Path, Path]) -> None:
    base, outside = trees
    (base / "f").symlink_to(outside / "secret")
    with pytest.raises(UnsafePathError) as info:
        safe_target(base, "f")
    assert str(info.value) == "unsafe path 'f': the file is a symlink"


def test_dangling_final_symlink_refused(trees: tuple[Path, Path]) -> None:
    base, outside = trees
    (base / "d").mkdir()
    (base / "d" / "f").symlink_to(outside / "not-there")
    with pytest.raises(UnsafePathError, match=r"^unsafe path 'd/f': the file is a symlink$"):
        safe_target(base, "d/f")


def test_allow_symlinks_for_reading(trees: tuple[Path, Path]) -> None:
    base, outside = trees
    (base / "link").symlink_to(outside)
    assert safe_target(base, "link/secret", allow_symlinks=True) == base / "link" / "secret"
    with pytest.raises(UnsafePathError, match=r"'\.\.' path component"):
        safe_target(base, "../outside/secret", allow_symlinks=True)


def test_base_dir_may_be_a_symlink(trees: tuple[Path, Path], tmp_path: Path) -> None:
    base, _ = trees
    alias = tmp_path / "alias"
    alias.symlink_to(base)
    assert safe_target(alias, "a/b") == alias / "a" / "b"


def test_missing_parents_and_file_in_the_way(trees: tuple[Path, Path]) -> None:
    base, _ = trees
    assert safe_target(base, "new/dir/file") == base / "new" / "dir" / "file"
    (base / "plain").write_text("x")
    assert safe_target(base, "plain/below") == base / "plain" / "below"
    (base / "existing").write_text("x")
    assert safe_target(base, "existing") == base / "existing"


# ---------------------------------------------------------------------------------------------
# make_parents


def test_make_parents_creates_each_level(trees: tuple[Path, Path]) -> None:
    base, _ = trees
    target = safe_target(base, "a/b/c/file")
    make_parents(base, target)
    assert (base / "a" / "b" / "c").is_dir()
    assert not target.exists()
    make_parents(base, target)  # idempotent
    make_parents(base, base / "top-level-file")  # nothing to create


def test_make_parents_refuses_symlinked_parent(trees: tuple[Path, Path]) -> None:
    base, outside = trees
    (base / "a").mkdir()
    target = safe_target(base, "a/b/c/file")
    # Someone swaps a symlink in after the check.
    (base / "a" / "b").symlink_to(outside)
    with pytest.raises(UnsafePathError) as info:
        make_parents(base, target)
    assert str(info.value) == "unsafe path 'a/b/c/file': directory 'a/b' is a symlink"
    assert sorted(os.listdir(outside)) == ["secret"]


def test_make_parents_refuses_dangling_symlink(trees: tuple[Path, Path]) -> None:
    base, outside = trees
    (base / "a").symlink_to(outside / "would-be-created")
    with pytest.raises(UnsafePathError, match="directory 'a' is a symlink"):
        make_parents(base, base / "a" / "x" / "f")
    assert not (outside / "would-be-created").exists()


def test_make_parents_file_in_the_way(trees: tuple[Path, Path]) -> None:
    base, _ = trees
    (base / "a").write_text("x")
    with pytest.raises(NotADirectoryError) as info:
        make_parents(base, base / "a" / "b" / "f")
    assert info.value.filename == str(base / "a")


def test_make_parents_outside_base(trees: tuple[Path, Path]) -> None:
    base, outside = trees
    with pytest.raises(UnsafePathError) as info:
        make_parents(base, outside / "x" / "y")
    assert str(info.value) == (
        f"unsafe path {str(outside / 'x' / 'y')!r}: not under the target directory {str(base)!r}"
    )
    with pytest.raises(UnsafePathError, match="is the target directory itself"):
        make_parents(base, base)
    with pytest.raises(UnsafePathError, match=r"'\.\.' path component"):
        make_parents(base, base / ".." / "outside" / "x" / "y")
    assert not (outside / "x").exists()


# ---------------------------------------------------------------------------------------------
# open_parent


def test_open_parent_returns_the_directory_of_the_file(trees: tuple[Path, Path]) -> None:
    base, _ = trees
    for rel, parent in (("top", base), ("a/b/file", base / "a" / "b")):
        fd = open_parent(base, base.joinpath(*rel.split("/")))
        try:
            assert os.path.samestat(os.fstat(fd), os.stat(parent))
        finally:
            os.close(fd)


def test_open_parent_refuses_symlinked_parent(trees: tuple[Path, Path]) -> None:
    base, outside = trees
    (base / "a").symlink_to(outside)
    with pytest.raises(UnsafePathError, match="directory 'a' is a symlink"):
        open_parent(base, base / "a" / "f")


# ---------------------------------------------------------------------------------------------
# temporary names


def test_temp_names_are_fresh_and_recognised() -> None:
    names = {new_temp_name() for _ in range(100)}
    assert len(names) == 100
    for name in names:
        assert is_temp_name(name)
        assert len(name) == len(TEMP_PREFIX) + 20
        with pytest.raises(ReservedNameError):
            check_name(name)
        with pytest.raises(ReservedNameError):
            check_name(f"d/{name}")
        assert check_name(f"{name}/below") == (name, "below")  # a directory is not ours
    assert is_temp_name(TEMP_PREFIX + "0" * 20)
    for other in (
        ".x.aioglacier-part",
        TEMP_PREFIX + "0" * 19,
        TEMP_PREFIX + "0" * 21,
        TEMP_PREFIX + "A" * 20,
        TEMP_PREFIX + "0" * 20 + ".txt",
        "x" + TEMP_PREFIX + "0" * 20,
    ):
        assert not is_temp_name(other)
        check_name(other)


# ---------------------------------------------------------------------------------------------
# The fast path of check_name (plain printable ASCII names) against the general rules


def _verdict(check: Any, name: str) -> tuple[str, ...] | tuple[type, str]:
    try:
        return tuple(check(name))
    except UnsafePathError as exc:
        return (type(exc), exc.reason)


def _slow_posix(name: str) -> tuple[str, ...]:
    from aioglacier.safepath import _check_name_rules

    return _check_name_rules(name, "posix")


# Names near every edge of the fast path: ASCII with dots, slashes, spaces, controls, DEL, the
# partial-download prefix, long components; and any text at all.
_EDGY = st.lists(
    st.sampled_from([*"ab./ \t\x00\x7f~-_é", TEMP_PREFIX, "0123456789abcdef0123", "x" * 200])
).map("".join)


@given(st.one_of(_EDGY, st.text(), st.text(st.characters(max_codepoint=0x7F))))
@example("a" * 255)
@example("a" * 256)
@example("d/" + "a" * 256)
@example("a" * 300 + "/" + "b" * 10)
@example(LEFTOVER)
@example("d/" + LEFTOVER)
@example(".hidden/x")
@example("x/.")
@example("")
@example("/")
def test_check_name_fast_path_agrees_with_the_rules(name: str) -> None:
    """check_name answers plain ASCII names on a fast path: for every name, the answer (the
    components, or the exception's type and reason) is the one of the general rules."""
    assert _verdict(lambda n: check_name(n, platform="posix"), name) == _verdict(_slow_posix, name)


def test_check_name_fast_path_is_taken_for_plain_names() -> None:
    from aioglacier.safepath import _plain_posix_parts

    assert _plain_posix_parts("Holiday trip/IMG_0001.jpg") == ("Holiday trip", "IMG_0001.jpg")
    for name in ("снимок", ".x", "a/.b", "a\x7f", "a\tb", "a//b", "/a", "a/", "", "d/" + LEFTOVER):
        assert _plain_posix_parts(name) is None
