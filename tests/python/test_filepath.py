"""Tests for `torsion.python.filepath.FilePath`: navigation, safety, content, and the disk."""

from __future__ import annotations

import os
import pickle
import stat
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from torsion.python.filepath import (
    RWX,
    FilePath,
    IFilePath,
    InsecurePath,
    LinkError,
    Permissions,
    UnlistableError,
)


@pytest.fixture
def root(tmp_path: Path) -> FilePath[str]:
    """A directory with ``a/b/c`` (file ``c``), ``a/d`` and a file ``top``."""
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "c").write_bytes(b"c-content")
    (tmp_path / "a" / "d").mkdir()
    (tmp_path / "top").write_bytes(b"top-content")
    return FilePath(str(tmp_path))


# -- navigation ----------------------------------------------------------------------------------


def test_relative_paths_are_made_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert FilePath("x").path == str(tmp_path / "x")
    assert FilePath("x").isabs()


def test_child_parent_sibling(root: FilePath[str]) -> None:
    a = root.child("a")
    assert a.path == os.path.join(root.path, "a")
    assert a.parent() == root
    assert a.sibling("top") == root.child("top")
    assert root.descendant(["a", "b", "c"]).getContent() == b"c-content"
    assert a.basename() == "a" and a.dirname() == root.path


def test_the_root_is_its_own_parent() -> None:
    assert FilePath("/").parent() == FilePath("/")
    assert FilePath("/").child("etc").path == "/etc"


def test_parents_go_up_to_the_root(root: FilePath[str]) -> None:
    c = root.descendant(["a", "b", "c"])
    parents = list(c.parents())
    assert parents[:3] == [root.descendant(["a", "b"]), root.child("a"), root]
    assert parents[-1] == FilePath("/")


@pytest.mark.parametrize("name", ["..", "../x", "a/b", "/etc", "a/../b", "a\0b"])
def test_child_refuses_escapes(root: FilePath[str], name: str) -> None:
    with pytest.raises(InsecurePath):
        root.child(name)
    with pytest.raises(InsecurePath):
        root.child(os.fsencode(name))


def test_dot_and_empty_name_this_path_as_in_twisted(root: FilePath[str]) -> None:
    assert root.child(".") == root
    assert root.child("") == root


def test_descendant_refuses_an_escaping_segment(root: FilePath[str]) -> None:
    with pytest.raises(InsecurePath):
        root.descendant(["a", ".."])


@given(st.text(min_size=1, max_size=20))
def test_child_never_escapes_random_text(segment: str) -> None:
    base = FilePath("/srv/base")
    try:
        child = base.child(segment)
    except InsecurePath:
        assert "/" in segment or "\0" in segment or segment == ".."
        return
    assert child == base or child.parent() == base
    assert child.path.startswith("/srv/base")
    if segment not in (".",):
        assert child.basename() == segment


@given(st.binary(min_size=1, max_size=20))
def test_child_never_escapes_random_bytes(segment: bytes) -> None:
    base = FilePath(b"/srv/base")
    try:
        child = base.child(segment)
    except InsecurePath:
        assert b"/" in segment or b"\0" in segment or segment == b".."
        return
    assert child == base or child.parent() == base


@given(st.lists(st.sampled_from(["a", "b", "..", ".", "", "/", "bc", "b/../.."]), max_size=6))
def test_preauthChild_stays_below(parts: list[str]) -> None:
    base = FilePath("/srv/b")
    relative = "/".join(parts)
    try:
        child = base.preauthChild(relative)
    except InsecurePath:
        resolved = os.path.normpath(os.path.join("/srv/b", relative))
        assert resolved != "/srv/b" and not resolved.startswith("/srv/b/")
        return
    assert child == base or child.path.startswith("/srv/b/")


def test_preauthChild_refuses_a_sibling_sharing_a_prefix() -> None:
    # Twisted's prefix test lets "/srv/b" reach "/srv/bc"; this one does not.
    with pytest.raises(InsecurePath):
        FilePath("/srv/b").preauthChild("../bc")
    with pytest.raises(InsecurePath):
        FilePath("/srv/b").preauthChild("/etc/passwd")
    assert FilePath("/srv/b").preauthChild("x/y").path == "/srv/b/x/y"


def test_segmentsFrom(root: FilePath[str]) -> None:
    c = root.descendant(["a", "b", "c"])
    assert c.segmentsFrom(root) == ["a", "b", "c"]
    with pytest.raises(ValueError):
        c.segmentsFrom(root.child("top"))
    with pytest.raises(ValueError):
        root.segmentsFrom(root)


# -- text and bytes ------------------------------------------------------------------------------


def test_mode_follows_the_argument() -> None:
    textRoot = FilePath("/srv")
    bytesChild = textRoot.child(b"x")
    assert bytesChild.path == b"/srv/x"
    assert bytesChild.child("y").path == "/srv/x/y"
    assert FilePath(b"/srv").sep == b"/" and textRoot.sep == "/"
    assert textRoot.asBytesMode() == FilePath(b"/srv")
    assert FilePath(b"/srv").asTextMode() == textRoot
    assert textRoot.asTextMode() is textRoot


def test_undecodable_bytes_round_trip() -> None:
    path = FilePath(b"/srv/\xff")
    assert path.asTextMode().asBytesMode() == path


# -- comparison, hashing, pickling ---------------------------------------------------------------


def test_equality_ordering_and_hash() -> None:
    a, b = FilePath("/a"), FilePath("/b")
    assert a == FilePath("/a") and a != b
    assert a < b and a <= b and b > a and b >= a
    assert sorted([b, a]) == [a, b]
    assert len({a, FilePath("/a"), b}) == 2
    assert a != "/a"
    assert FilePath("/a") != FilePath(b"/a")
    assert repr(a) == "FilePath('/a')"


def test_pickle_drops_the_stat_cache(root: FilePath[str]) -> None:
    top = root.child("top")
    assert top.exists()
    copy = pickle.loads(pickle.dumps(top))
    assert copy == top and copy._statinfo is None


# -- content ---------------------------------------------------------------------------------------


def test_setContent_replaces_atomically_and_leaves_no_temporary(root: FilePath[str]) -> None:
    top = root.child("top")
    assert top.getsize() == len(b"top-content")
    top.setContent(b"new")
    assert top.getContent() == b"new"
    assert top.getsize() == 3  # The stat cache was refreshed.
    assert sorted(p.basename() for p in root.children()) == ["a", "top"]


def test_setContent_leaves_the_old_content_if_writing_fails(
    root: FilePath[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    top = root.child("top")

    def failingFsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", failingFsync)
    with pytest.raises(OSError):
        top.setContent(b"never")
    assert top.getContent() == b"top-content"
    assert sorted(p.basename() for p in root.children()) == ["a", "top"]


def test_setContent_of_a_bytes_path_with_bytes_extension(root: FilePath[str]) -> None:
    path = root.asBytesMode().child(b"new")
    path.setContent(b"x", ext=b".tmp")
    assert path.getContent() == b"x"


def test_temporarySibling_is_unguessable_and_exclusive(root: FilePath[str]) -> None:
    top = root.child("top")
    first, second = top.temporarySibling(".tmp"), top.temporarySibling(".tmp")
    assert first != second and first.parent() == root
    assert first.basename().endswith("top.tmp")
    with first.open("w") as f:
        f.write(b"1")
    with pytest.raises(FileExistsError):
        first.open("w")
    assert top.temporarySibling(b".x").path.endswith(b"top.x")
    assert isinstance(top.temporarySibling().path, str)


def test_open_is_binary_and_alwaysCreate_refuses_append(root: FilePath[str]) -> None:
    new = root.child("new")
    with new.open("w") as f:
        f.write(b"ab")
    with new.open("a") as f:
        f.write(b"c")
    with new.open() as f:
        assert f.read() == b"abc"
    new.requireCreate()
    with pytest.raises(AssertionError):
        new.open("a")


def test_touch_creates_then_updates_times(root: FilePath[str]) -> None:
    new = root.child("touched")
    new.touch()
    assert new.isfile() and new.getsize() == 0
    os.utime(new.path, (1, 1))
    new.changed()
    assert new.getModificationTime() == 1.0
    new.touch()
    assert new.getModificationTime() > 1.0
    assert new.getmtime() == int(new.getModificationTime())


# -- the disk ------------------------------------------------------------------------------------


def test_kinds_and_cached_status(root: FilePath[str]) -> None:
    top, a, missing = root.child("top"), root.child("a"), root.child("missing")
    assert top.isfile() and not top.isdir() and top.exists()
    assert a.isdir() and not a.isfile()
    assert not missing.exists() and not missing.isdir() and not missing.isfile()
    assert not top.isSocket() and not top.isBlockDevice()
    os.remove(top.path)
    assert top.exists()  # Cached until told otherwise...
    top.changed()
    assert not top.exists()
    with pytest.raises(FileNotFoundError):
        missing.getsize()


def test_stat_fields(root: FilePath[str]) -> None:
    top = root.child("top")
    info = os.stat(top.path)
    assert top.getInodeNumber() == info.st_ino
    assert top.getDevice() == info.st_dev
    assert top.getNumberOfHardLinks() == 1
    assert top.getUserID() == os.getuid() and top.getGroupID() == info.st_gid
    assert top.getAccessTime() == info.st_atime
    assert top.getStatusChangeTime() == info.st_ctime


def test_children_and_unlistable(root: FilePath[str]) -> None:
    assert sorted(c.basename() for c in root.child("a").children()) == ["b", "d"]
    with pytest.raises(UnlistableError) as info:
        root.child("top").children()
    assert isinstance(info.value, OSError) and info.value.errno == 20  # ENOTDIR
    with pytest.raises(UnlistableError):
        root.child("missing").children()


def test_walk_and_descend(root: FilePath[str]) -> None:
    walked = sorted(p.segmentsFrom(root) for p in root.walk() if p != root)
    assert walked == [["a"], ["a", "b"], ["a", "b", "c"], ["a", "d"], ["top"]]
    pruned = [p.basename() for p in root.walk(descend=lambda p: p.basename() != "a")]
    assert "b" not in pruned and "a" in pruned


def test_walk_detects_a_link_cycle(root: FilePath[str]) -> None:
    os.symlink(root.path, root.descendant(["a", "d", "loop"]).path)
    with pytest.raises(LinkError):
        list(root.walk())


def test_globChildren(root: FilePath[str]) -> None:
    assert [p.basename() for p in root.globChildren("t*")] == ["top"]
    assert [p.path for p in root.globChildren(b"a")] == [os.fsencode(root.child("a").path)]


def test_siblingExtension_and_search(root: FilePath[str]) -> None:
    base = root.child("top")
    assert base.siblingExtension(".bak").basename() == "top.bak"
    assert base.siblingExtensionSearch(".bak") is None
    assert base.siblingExtensionSearch("") == base
    base.siblingExtension(".bak").touch()
    assert base.siblingExtensionSearch(".gz", ".bak") == base.siblingExtension(".bak")
    assert base.siblingExtensionSearch("*") == base.siblingExtension(".bak")
    assert root.childSearchPreauth("nope", "a/b") == root.descendant(["a", "b"])
    assert root.childSearchPreauth("nope") is None


def test_makedirs_createDirectory_remove(root: FilePath[str]) -> None:
    deep = root.descendant(["x", "y", "z"])
    deep.makedirs()
    assert deep.isdir()
    with pytest.raises(FileExistsError):
        deep.makedirs()
    deep.makedirs(ignoreExistingDirectory=True)
    root.child("top").changed()
    with pytest.raises(FileExistsError):
        root.child("top").makedirs(ignoreExistingDirectory=True)
    deep.child("w").createDirectory()
    root.child("x").remove()
    assert not root.child("x").exists()


def test_remove_does_not_follow_a_link_to_a_directory(root: FilePath[str]) -> None:
    link = root.child("link")
    root.child("a").linkTo(link)
    assert link.islink() and link.isdir()
    link.remove()
    assert not os.path.lexists(link.path)
    assert root.descendant(["a", "b", "c"]).exists()


def test_realpath(root: FilePath[str]) -> None:
    link1, link2 = root.child("l1"), root.child("l2")
    os.symlink(link2.path, link1.path)
    root.child("top").linkTo(link2)
    assert link1.realpath() == root.child("top")
    assert root.child("top").realpath() == root.child("top")
    os.remove(link2.path)
    os.symlink(link1.path, link2.path)
    with pytest.raises(LinkError):
        link1.realpath()


def test_copyTo_files_directories_and_links(root: FilePath[str]) -> None:
    root.child("a").copyTo(root.child("copy"))
    assert root.descendant(["copy", "b", "c"]).getContent() == b"c-content"
    assert root.descendant(["copy", "d"]).isdir()
    root.child("top").copyTo(root.child("copy").child("c2"))
    assert root.descendant(["copy", "c2"]).getContent() == b"top-content"
    link = root.child("link")
    root.child("top").linkTo(link)
    link.copyTo(root.child("linkcopy"), followLinks=False)
    assert os.readlink(root.child("linkcopy").path) == root.child("top").path
    with pytest.raises(OSError):
        root.child("missing").copyTo(root.child("nowhere"))


def test_copyTo_in_chunks(root: FilePath[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(FilePath, "_chunkSize", 3)
    data = bytes(range(256)) * 5
    src = root.child("big")
    src.setContent(data)
    src.copyTo(root.child("big2"))
    assert root.child("big2").getContent() == data


def test_copyTo_refuses_special_files(root: FilePath[str]) -> None:
    fifo = root.child("fifo")
    os.mkfifo(fifo.path)
    with pytest.raises(NotImplementedError):
        fifo.copyTo(root.child("x"))


def test_moveTo_renames_and_across_filesystems_copies(
    root: FilePath[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    top, moved = root.child("top"), root.child("moved")
    assert top.exists()
    top.moveTo(moved)
    assert not top.exists() and moved.getContent() == b"top-content"

    realRename = os.rename
    calls: list[object] = []

    def crossDevice(src: str, dst: str) -> None:
        calls.append(src)
        if len(calls) == 1:
            raise OSError(18, "Invalid cross-device link")  # EXDEV
        realRename(src, dst)

    monkeypatch.setattr(os, "rename", crossDevice)
    root.child("a").moveTo(root.child("a2"))
    assert root.descendant(["a2", "b", "c"]).getContent() == b"c-content"
    assert not root.child("a").exists()
    assert sorted(c.basename() for c in root.children()) == ["a2", "moved"]


def test_permissions(root: FilePath[str]) -> None:
    top = root.child("top")
    top.chmod(0o754)
    perms = top.getPermissions()
    assert perms.shorthand() == "rwxr-xr--"
    assert perms.user == RWX(True, True, True) and perms.other == RWX(True, False, False)
    assert perms == Permissions(stat.S_IFREG | 0o754) and perms != Permissions(0o755)
    assert repr(RWX(True, False, True)) == "RWX(read=True, write=False, execute=True)"
    assert repr(Permissions(0o700)).startswith("[RWX(read=True")


def test_filepath_provides_IFilePath(root: FilePath[str]) -> None:
    assert isinstance(root, IFilePath) and isinstance(root.asBytesMode(), IFilePath)
    assert not isinstance(object(), IFilePath)
    assert IFilePath.providedBy(root) and IFilePath.implementedBy(FilePath)
    assert not IFilePath.providedBy(object())


def test_IFilePath_is_a_zope_interface_too(root: FilePath[str]) -> None:
    verify = pytest.importorskip("zope.interface.verify")
    assert verify.verifyObject(IFilePath, root)


@given(st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\0/"), min_size=1))
def test_the_path_as_bytes_and_text(name: str) -> None:
    path = FilePath("/" + name)
    assert path._asTextPath() == path.path
    assert path._asBytesPath() == os.fsencode(path.path)
    assert path.asBytesMode()._asTextPath() == path.path
    assert path._asBytesPath("utf-16") == path.path.encode("utf-16")


def test_splitext(root: FilePath[str]) -> None:
    assert FilePath("/x/a.tar.gz").splitext() == ("/x/a.tar", ".gz")
