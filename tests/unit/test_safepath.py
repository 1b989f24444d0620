"""Tests for aioglacier.safepath: hostile names, symlinks, parent creation, temp names."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aioglacier.safepath import (
    MAX_COMPONENT_BYTES,
    TEMP_SUFFIX,
    UnsafePathError,
    check_name,
    is_temp_name,
    make_parents,
    safe_target,
    temp_name_for,
)

HOSTILE = [
    ("../x", "'..' path component"),
    ("..", "'..' path component"),
    ("/etc/passwd", "absolute path"),
    ("//server/share", "absolute path"),
    ("a/../../b", "'..' path component"),
    ("a/..", "'..' path component"),
    ("a//b", "empty path component"),
    ("a/", "empty path component"),
    ("./a", "'.' path component"),
    ("a/./b", "'.' path component"),
    (".", "'.' path component"),
    ("", "empty name"),
    ("CON", "Windows device name 'CON'"),
    ("con.txt", "Windows device name 'con.txt'"),
    ("dir/Nul", "Windows device name 'Nul'"),
    ("aux .c", "Windows device name 'aux .c'"),
    ("PRN.tar.gz", "Windows device name 'PRN.tar.gz'"),
    ("com1", "Windows device name 'com1'"),
    ("x/LPT9.log", "Windows device name 'LPT9.log'"),
    ("COM0", "Windows device name 'COM0'"),
    ("com¹.txt", "Windows device name 'com¹.txt'"),
    ("conout$", "Windows device name 'conout$'"),
    ("a\\..\\b", "backslash in name"),
    ("C:\\Windows\\x", "backslash in name"),
    ("a\x00b", "control character U+0000 in name"),
    ("a\nb", "control character U+000A in name"),
    ("a\tb", "control character U+0009 in name"),
    ("a\x7fb", "control character U+007F in name"),
    ("a\x85b", "control character U+0085 in name"),
    ("a\udc80b", "unpaired surrogate U+DC80 in name"),
    ("x" * 256, "path component longer than 255 bytes"),
    ("d/" + "é" * 128, "path component longer than 255 bytes"),
]


@pytest.mark.parametrize(("name", "reason"), HOSTILE)
def test_hostile_names_refused(tmp_path: Path, name: str, reason: str) -> None:
    with pytest.raises(UnsafePathError) as info:
        safe_target(tmp_path, name, windows=False)
    assert str(info.value) == f"unsafe path {name!r}: {reason}"
    assert info.value.relfilename == name
    assert info.value.reason == reason
    assert "\n" not in str(info.value)
    assert isinstance(info.value, ValueError)


def test_exact_message_examples(tmp_path: Path) -> None:
    with pytest.raises(UnsafePathError, match=r"^unsafe path '\.\./x': '\.\.' path component$"):
        safe_target(tmp_path, "../x")
    with pytest.raises(UnsafePathError) as info:
        safe_target(tmp_path, "a\x00b")
    assert str(info.value) == "unsafe path 'a\\x00b': control character U+0000 in name"


GOOD = [
    "a",
    "a/b/c.txt",
    "é/ü 日本.txt",
    "with space/and more spaces",
    " leading space",
    "trailing dot.",
    "trailing space ",
    "a:b",
    "what?",
    ".hidden",
    "...",
    "..foo",
    "icon",
    "console.txt",
    "CON1",
    "COMX",
    "LPT10",
    "x" * 255,
    "é" * 127,
    "d/" + "日" * 85,
]


@pytest.mark.parametrize("name", GOOD)
def test_good_names_accepted(tmp_path: Path, name: str) -> None:
    target = safe_target(tmp_path, name, windows=False)
    assert target == tmp_path.joinpath(*name.split("/"))
    assert check_name(name, windows=False) == tuple(name.split("/"))


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("trailing dot.", "path component 'trailing dot.' ends with a dot or a space"),
        ("d/trailing space ", "path component 'trailing space ' ends with a dot or a space"),
        ("...", "path component '...' ends with a dot or a space"),
        ("a:b", "character ':' is not allowed in Windows file names"),
        ("C:x", "character ':' is not allowed in Windows file names"),
        ("what?", "character '?' is not allowed in Windows file names"),
        ("a<b", "character '<' is not allowed in Windows file names"),
        ("a|b", "character '|' is not allowed in Windows file names"),
        ('a"b', "character '\"' is not allowed in Windows file names"),
        ("a*b", "character '*' is not allowed in Windows file names"),
    ],
)
def test_windows_rules(tmp_path: Path, name: str, reason: str) -> None:
    with pytest.raises(UnsafePathError) as info:
        safe_target(tmp_path, name, windows=True)
    assert info.value.reason == reason
    safe_target(tmp_path, name, windows=False)  # ordinary names on POSIX


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
    if any(p.split(".", 1)[0].rstrip(" ").upper() in _DEVICE_NAMES for p in parts):
        with pytest.raises(UnsafePathError):
            check_name(name, windows=True)
    else:
        assert check_name(name, windows=True) == tuple(parts)


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
# temp_name_for


def test_temp_name_simple() -> None:
    assert temp_name_for(Path("/d/file.txt")) == Path("/d/.file.txt.aioglacier-part")
    assert temp_name_for(Path("rel/é x")) == Path("rel/.é x.aioglacier-part")
    assert is_temp_name(".file.txt.aioglacier-part")
    assert not is_temp_name("file.txt")
    assert not is_temp_name(".aioglacier-part")
    assert not is_temp_name("file.aioglacier-part")


def test_temp_name_long_names_stay_unique_and_short() -> None:
    a = "é" * 120 + "a"
    b = "é" * 120 + "b"
    ta, tb = temp_name_for(Path("/d") / a), temp_name_for(Path("/d") / b)
    assert ta != tb
    for t in (ta, tb):
        assert t.parent == Path("/d")
        assert len(t.name.encode()) <= MAX_COMPONENT_BYTES
        assert t.name.startswith(".é")
        assert t.name.endswith(TEMP_SUFFIX)
        assert is_temp_name(t.name)
    assert temp_name_for(Path("/d") / a) == ta  # deterministic: a later run finds it
    edge = "x" * (MAX_COMPONENT_BYTES - len(TEMP_SUFFIX) - 1)
    assert temp_name_for(Path(edge)).name == f".{edge}{TEMP_SUFFIX}"
    assert "~" in temp_name_for(Path(edge + "x")).name


def test_temp_name_needs_a_name() -> None:
    with pytest.raises(ValueError, match="no file name"):
        temp_name_for(Path("/"))
