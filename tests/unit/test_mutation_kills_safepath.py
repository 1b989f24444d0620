"""aioglacier.safepath: the behaviours mutation testing (mutation/run.py safepath) found
unasserted: exact errors of the length and escape rules, device names with look-alike
endings, the fast path of check_name, the descriptor-relative parent creation's error paths,
and the lstat fallback of make_parents (the Windows path, run here on POSIX, where it works too).
"""

from __future__ import annotations

import errno
import os
import resource
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from aioglacier import safepath
from aioglacier.safepath import (
    UnsafePathError,
    check_name,
    make_parents,
    open_parent,
    this_platform,
    windows_escaped,
)


def test_this_platform_follows_os_name(monkeypatch: pytest.MonkeyPatch) -> None:
    with monkeypatch.context() as m:
        m.setattr(safepath.os, "name", "nt")
        assert this_platform() == "windows"
    with monkeypatch.context() as m:
        m.setattr(safepath.os, "name", "posix")
        assert this_platform() == "posix"


def test_too_long_for_windows_names_the_file() -> None:
    name = "d/" + "x" * 256
    with pytest.raises(UnsafePathError) as info:
        check_name(name, platform="windows")
    assert info.value.relfilename == name
    assert str(info.value) == (
        f"unsafe path {name!r}: the name has a path component longer than 255 UTF-16 code units"
    )


def test_windows_escape_uses_the_windows_length_rule() -> None:
    # 600 bytes of UTF-8 (too long on POSIX) but 200 UTF-16 code units (fine on Windows).
    assert windows_escaped("€" * 200) == "€" * 200
    assert windows_escaped("d/" + "€" * 200 + ":") == "d/" + "€" * 200 + "%3A"


def test_escape_that_cannot_fit_names_the_original_file() -> None:
    name = "dir/" + ":" * 100
    with pytest.raises(UnsafePathError) as info:
        windows_escaped(name)
    assert info.value.relfilename == name
    assert str(info.value).startswith(f"unsafe path {name!r}: escaped for Windows as ")


@pytest.mark.parametrize("name", ["CON\u00a0.txt", "CONX.txt", "AUX\u3000"])
def test_names_only_resembling_device_names_pass_on_windows(name: str) -> None:
    assert check_name(name, platform="windows") == (name,)


@pytest.mark.parametrize("platform", [None, "posix"])
def test_plain_names_take_the_fast_path(
    monkeypatch: pytest.MonkeyPatch, platform: safepath.Platform | None
) -> None:
    """A plain printable ASCII name is answered without the general rules (the walk of a
    large tree checks every name)."""
    if this_platform() != "posix":  # pragma: no cover - Windows
        pytest.skip("the fast path is POSIX's")

    def general_rules(relfilename: str, platform: safepath.Platform) -> tuple[str, ...]:
        raise AssertionError(f"general rules used for {relfilename!r}")

    monkeypatch.setattr(safepath, "_check_name_rules", general_rules)
    for name in (
        "Holiday trip/IMG_0001.jpg",
        "Xray/abc",
        "a" * 200 + "/" + "b" * 200,
        "a" * 255 + "/b",
    ):
        assert check_name(name, platform=platform) == tuple(name.split("/"))


# ---------------------------------------------------------------------------------------------
# open_parent / make_parents


@pytest.fixture
def base(tmp_path: Path) -> Path:
    path = tmp_path / "base"
    path.mkdir()
    (tmp_path / "outside").mkdir()
    return path


def test_the_target_directory_itself_is_refused_with_its_reason(base: Path) -> None:
    with pytest.raises(UnsafePathError) as info:
        make_parents(base, base)
    assert str(info.value) == f"unsafe path {str(base)!r}: is the target directory itself"
    assert info.value.relfilename == str(base)


def test_a_file_in_the_way_is_not_a_directory_error(base: Path) -> None:
    (base / "a").write_text("x")
    with pytest.raises(NotADirectoryError) as info:
        open_parent(base, base / "a" / "b" / "f")
    assert info.value.errno == errno.ENOTDIR
    assert info.value.strerror == os.strerror(errno.ENOTDIR)
    assert info.value.filename == str(base / "a")
    assert (base / "a").read_text() == "x"


def test_a_target_directory_that_is_a_file_is_refused(base: Path) -> None:
    plain = base / "plain"
    plain.write_text("x")
    with pytest.raises(NotADirectoryError):
        open_parent(plain, plain / "f")


def _is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


@pytest.fixture
def one_free_descriptor() -> Iterator[None]:
    """Lower this process's descriptor limit so that exactly one more can be opened."""
    if not os.path.isdir("/proc/self/fd"):  # pragma: no cover - not Linux
        pytest.skip("needs /proc/self/fd")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    used = {int(fd) for fd in os.listdir("/proc/self/fd")}
    used = {fd for fd in used if _is_open(fd)}  # not the one that listed the directory
    limit = 0
    while limit - len({fd for fd in used if fd < limit}) < 1:
        limit += 1
    resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_an_error_opening_a_created_directory_is_raised_as_it_is(
    base: Path, one_free_descriptor: None
) -> None:
    # The base directory takes the last free descriptor; opening "a" then fails with EMFILE,
    # which is not a file in the way.
    with pytest.raises(OSError, match="Too many open files") as info:
        open_parent(base, base / "a" / "f")
    assert info.value.errno == errno.EMFILE
    assert not isinstance(info.value, NotADirectoryError)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux has dir_fd")
def test_make_parents_uses_descriptors_where_the_system_has_them() -> None:
    assert safepath._dir_fd_supported() is True


@pytest.fixture
def lstat_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    """make_parents as on a system without dir_fd (Windows): lstat after each mkdir."""
    monkeypatch.setattr(safepath, "_dir_fd_supported", lambda: False)


def test_fallback_creates_each_level(base: Path, lstat_fallback: None) -> None:
    target = base / "a" / "b" / "c" / "file"
    make_parents(base, target)
    assert (base / "a" / "b" / "c").is_dir()
    assert not target.exists()
    make_parents(base, target)  # idempotent
    make_parents(base, base / "top-level-file")
    assert sorted(os.listdir(base)) == ["a"]


def test_fallback_refuses_a_symlinked_parent(base: Path, lstat_fallback: None) -> None:
    outside = base.parent / "outside"
    (base / "a").mkdir()
    (base / "a" / "b").symlink_to(outside)
    with pytest.raises(UnsafePathError) as info:
        make_parents(base, base / "a" / "b" / "c" / "file")
    assert str(info.value) == "unsafe path 'a/b/c/file': directory 'a/b' is a symlink"
    assert os.listdir(outside) == []


def test_fallback_file_in_the_way(base: Path, lstat_fallback: None) -> None:
    (base / "a").mkdir()
    (base / "a" / "b").write_text("x")
    with pytest.raises(NotADirectoryError) as info:
        make_parents(base, base / "a" / "b" / "c" / "f")
    assert info.value.errno == errno.ENOTDIR
    assert info.value.strerror == os.strerror(errno.ENOTDIR)
    assert info.value.filename == str(base / "a" / "b")


def test_fallback_refuses_names_outside(base: Path, lstat_fallback: None) -> None:
    with pytest.raises(UnsafePathError, match="is the target directory itself"):
        make_parents(base, base)
    with pytest.raises(UnsafePathError, match="not under the target directory"):
        make_parents(base, base.parent / "outside" / "x" / "y")
    assert os.listdir(base.parent / "outside") == []
