"""Paths on the filesystem as objects that only lead downwards (Twisted's ``filepath``).

A `FilePath` is made from a path once (``FilePath("/srv/www")``) and everything else is reached
through it: `FilePath.child` takes one segment and refuses anything that would lead elsewhere
(a separator, ``..``), so a name that came off the network cannot escape the directory.

A path is text or bytes, as given (``FilePath(b"/srv")`` is a bytes path), and the methods that
make a new path take the type of their argument: ``FilePath(b"/srv").child("www")`` is a text
path. `FilePath.setContent` replaces a file atomically: it writes a sibling, then renames it.
"""

from __future__ import annotations

import base64
import contextlib
import errno
import glob
import os
import stat
from collections.abc import Callable, Iterator, Sequence
from typing import IO, Any, AnyStr, cast, overload

from torsion.python._abstractpath import AbstractFilePath, OtherAnyStr, within
from torsion.python._pathparts import (
    RWX,
    FileMode,
    IFilePath,
    InsecurePath,
    LinkError,
    Permissions,
    UnlistableError,
    asFilesystemBytes,
    asFilesystemText,
    coerceToFilesystemEncoding,
)

__all__ = [
    "RWX",
    "AbstractFilePath",
    "FileMode",
    "FilePath",
    "IFilePath",
    "InsecurePath",
    "LinkError",
    "Permissions",
    "UnlistableError",
]

_CREATE_FLAGS = os.O_EXCL | os.O_CREAT | os.O_RDWR


def _secureEnoughString(path: AnyStr) -> AnyStr:
    """Return 16 unguessable filename characters, of the type of ``path``."""
    return coerceToFilesystemEncoding(path, base64.urlsafe_b64encode(os.urandom(16))[:16])


class FilePath(AbstractFilePath[AnyStr]):
    """A path on the filesystem, from which only downward access is offered.

    Args:
        path: The path; a relative one is made absolute (against the current directory).
        alwaysCreate: If True, `open` creates the file and fails if it already exists.

    Attributes:
        path: The absolute path, text or bytes as given.
        alwaysCreate: Whether `open` only creates.
    """

    _statinfo: os.stat_result | None = None

    #: How much `copyTo` reads and writes at a time.
    _chunkSize = 2**16

    def __init__(self, path: AnyStr, alwaysCreate: bool = False) -> None:
        self.path = os.path.abspath(path)
        self.alwaysCreate = alwaysCreate

    def clonePath(self, path: OtherAnyStr, alwaysCreate: bool = False) -> FilePath[OtherAnyStr]:
        """Return a `FilePath` of ``path`` (the constructor, for subclasses to override)."""
        return FilePath(path, alwaysCreate)

    def __getstate__(self) -> dict[str, Any]:
        """Pickle everything but the cached ``stat`` result, which would be stale."""
        state = self.__dict__.copy()
        state.pop("_statinfo", None)
        return state

    def __repr__(self) -> str:
        return f"FilePath({self.path!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FilePath):
            return NotImplemented
        return bool(self.path == other.path)

    def __lt__(self, other: FilePath[AnyStr]) -> bool:
        if not isinstance(other, FilePath):
            return NotImplemented
        return self.path < other.path

    def __le__(self, other: FilePath[AnyStr]) -> bool:
        if not isinstance(other, FilePath):
            return NotImplemented
        return self.path <= other.path

    def __gt__(self, other: FilePath[AnyStr]) -> bool:
        if not isinstance(other, FilePath):
            return NotImplemented
        return self.path > other.path

    def __ge__(self, other: FilePath[AnyStr]) -> bool:
        if not isinstance(other, FilePath):
            return NotImplemented
        return self.path >= other.path

    __hash__ = AbstractFilePath.__hash__

    @property
    def sep(self) -> AnyStr:
        """The filesystem's separator, of this path's type."""
        return coerceToFilesystemEncoding(self.path, os.sep)

    # Text and bytes.

    def _asBytesPath(self, encoding: str | None = None) -> bytes:
        """Return `path` as bytes (``encoding``: the filesystem's if None)."""
        return asFilesystemBytes(self.path, encoding)

    def _asTextPath(self, encoding: str | None = None) -> str:
        """Return `path` as text (``encoding``: the filesystem's if None)."""
        return asFilesystemText(self.path, encoding)

    def asBytesMode(self, encoding: str | None = None) -> FilePath[bytes]:
        """Return this path as a bytes path (``encoding``: the filesystem's if None)."""
        if isinstance(self.path, bytes):
            return self
        return self.clonePath(self._asBytesPath(encoding))

    def asTextMode(self, encoding: str | None = None) -> FilePath[str]:
        """Return this path as a text path (``encoding``: the filesystem's if None)."""
        if isinstance(self.path, str):
            return self
        return self.clonePath(self._asTextPath(encoding))

    def _getPathAsSameTypeAs(self, pattern: OtherAnyStr) -> OtherAnyStr:
        """Return `path` as the type of ``pattern``."""
        return coerceToFilesystemEncoding(pattern, self.path)

    # Going down, and sideways.

    def child(self, path: OtherAnyStr) -> FilePath[OtherAnyStr]:
        """Return the direct child named ``path``, of ``path``'s type.

        ``""`` and ``"."`` name this path itself, as in Twisted.

        Raises:
            InsecurePath: ``path`` contains a separator or a NUL, or is ``..``.
        """
        sep = coerceToFilesystemEncoding(path, os.sep)
        if sep in path:
            raise InsecurePath(f"{path!r} contains one or more directory separators")
        if coerceToFilesystemEncoding(path, "\0") in path:
            raise InsecurePath(f"{path!r} contains a NUL byte")
        if path == coerceToFilesystemEncoding(path, os.pardir):
            raise InsecurePath(f"{path!r} is the parent directory")
        ourPath = self._getPathAsSameTypeAs(path)
        newpath = os.path.abspath(os.path.join(ourPath, path))
        if newpath != ourPath and os.path.dirname(newpath) != ourPath:
            raise InsecurePath(f"{newpath!r} is not a child of {ourPath!r}")
        return self.clonePath(newpath)

    def preauthChild(self, path: OtherAnyStr) -> FilePath[OtherAnyStr]:
        """Return the path below this one that the relative ``path`` names (it may have slashes).

        For paths that come from a trusted source (a configuration file); the result is
        still checked to be this path or below it.

        Raises:
            InsecurePath: ``path`` leads outside this path (``..``, an absolute path).
        """
        ourPath = self._getPathAsSameTypeAs(path)
        newpath = os.path.abspath(os.path.join(ourPath, os.path.normpath(path)))
        if not within(newpath, ourPath):
            raise InsecurePath(f"{newpath!r} is not a child of {ourPath!r}")
        return self.clonePath(newpath)

    def childSearchPreauth(self, *paths: OtherAnyStr) -> FilePath[OtherAnyStr] | None:
        """Return the first of the trusted relative ``paths`` below this one that exists."""
        for child in paths:
            candidate = os.path.join(self._getPathAsSameTypeAs(child), child)
            if os.path.exists(candidate):
                return self.clonePath(candidate)
        return None

    def siblingExtensionSearch(self, *exts: OtherAnyStr) -> FilePath[OtherAnyStr] | None:
        """Return the first existing path of this name plus one of ``exts``.

        An empty extension means this path itself; ``"*"`` means any name that starts with
        this one and a dot.
        """
        for ext in exts:
            ours = self._getPathAsSameTypeAs(ext)
            if not ext and self.exists():
                return self.clonePath(ours)
            if ext == coerceToFilesystemEncoding(ext, "*"):
                prefix = os.path.basename(ours) + coerceToFilesystemEncoding(ext, ".")
                directory = os.path.dirname(ours)
                for name in os.listdir(directory):
                    if name.startswith(prefix):
                        return self.clonePath(os.path.join(directory, name))
            if os.path.exists(ours + ext):
                return self.clonePath(ours + ext)
        return None

    def siblingExtension(self, ext: OtherAnyStr) -> FilePath[OtherAnyStr]:
        """Return the path of this name plus ``ext`` (``".bak"``)."""
        return self.clonePath(self._getPathAsSameTypeAs(ext) + ext)

    def sibling(self, path: OtherAnyStr) -> FilePath[OtherAnyStr]:
        """Return the child named ``path`` of this path's parent.

        Raises:
            InsecurePath: ``path`` is not a plain name.
        """
        return self.parent().child(path)

    def descendant(self, segments: Sequence[OtherAnyStr]) -> FilePath[OtherAnyStr]:
        """Return the path below this one that ``segments`` name, each a `child` of the last.

        Raises:
            InsecurePath: A segment is not a plain name.
        """
        return cast(FilePath[OtherAnyStr], super().descendant(segments))

    def parent(self) -> FilePath[AnyStr]:
        """Return the directory that contains this path (the root's parent is the root)."""
        return self.clonePath(self.dirname())

    def parents(self) -> Iterator[FilePath[AnyStr]]:
        """Yield each ancestor, from the parent up to the root."""
        return cast(Iterator[FilePath[AnyStr]], super().parents())

    def globChildren(self, pattern: OtherAnyStr) -> list[FilePath[OtherAnyStr]]:
        """Return the children whose names match the glob ``pattern``, of its type."""
        ours = self._getPathAsSameTypeAs(pattern)
        return [self.clonePath(p) for p in glob.glob(os.path.join(ours, pattern))]

    def realpath(self) -> FilePath[AnyStr]:
        """Return the path a symbolic link finally leads to (this path if it is not a link).

        Raises:
            LinkError: The link is part of a cycle.
        """
        if not self.islink():
            return self
        result = os.path.realpath(self.path)
        if result == self.path or os.path.islink(result):
            raise LinkError("Cyclical link - will loop forever")
        return self.clonePath(result)

    def linkTo(self, linkFilePath: FilePath[AnyStr]) -> None:
        """Make a symbolic link at ``linkFilePath`` that points to this path.

        Raises:
            OSError: ``linkFilePath`` exists, or its directory does not.
        """
        os.symlink(self.path, linkFilePath.path)

    # Names.

    def basename(self) -> AnyStr:
        """Return the last segment of the path."""
        return os.path.basename(self.path)

    def dirname(self) -> AnyStr:
        """Return everything but the last segment of the path."""
        return os.path.dirname(self.path)

    def splitext(self) -> tuple[AnyStr, AnyStr]:
        """Return ``(root, ext)`` with ``root + ext == path`` (as `os.path.splitext`)."""
        return os.path.splitext(self.path)

    def isabs(self) -> bool:
        """Return True: a `FilePath` is always absolute."""
        return os.path.isabs(self.path)

    def listdir(self) -> list[AnyStr]:
        """Return the names of the directory's entries.

        Raises:
            OSError: It cannot be listed.
        """
        return os.listdir(self.path)

    # What is on disk: stat, cached until `changed` or `restat`.

    def restat(self, reraise: bool = True) -> None:
        """Read the file's status again (after it may have changed on disk).

        Args:
            reraise: Whether to raise when it cannot be read; if False, the path then counts
                as not existing.

        Raises:
            OSError: ``stat`` failed and ``reraise`` is True.
        """
        try:
            self._statinfo = os.stat(self.path)
        except OSError:
            self._statinfo = None
            if reraise:
                raise

    def changed(self) -> None:
        """Forget the cached status, so the next question reads it from disk again."""
        self._statinfo = None

    def _stat(self) -> os.stat_result:
        """Return the cached status, reading it if needed.

        Raises:
            OSError: The file's status cannot be read (it does not exist).
        """
        if self._statinfo is None:
            self.restat()
        assert self._statinfo is not None
        return self._statinfo

    def _statOrNone(self) -> os.stat_result | None:
        """Return the cached status, reading it if needed; None if the path does not exist."""
        if self._statinfo is None:
            self.restat(False)
        return self._statinfo

    def getsize(self) -> int:
        """Return the file's size in bytes."""
        return self._stat().st_size

    def getModificationTime(self) -> float:
        """Return when the file was last modified, in seconds since the epoch."""
        return float(self._stat().st_mtime)

    def getStatusChangeTime(self) -> float:
        """Return when the file's status last changed, in seconds since the epoch."""
        return float(self._stat().st_ctime)

    def getAccessTime(self) -> float:
        """Return when the file was last accessed, in seconds since the epoch."""
        return float(self._stat().st_atime)

    def getInodeNumber(self) -> int:
        """Return the file's inode number (unique on its device)."""
        return self._stat().st_ino

    def getDevice(self) -> int:
        """Return the device the file is on."""
        return self._stat().st_dev

    def getNumberOfHardLinks(self) -> int:
        """Return how many directory entries name the file."""
        return self._stat().st_nlink

    def getUserID(self) -> int:
        """Return the user ID of the file's owner."""
        return self._stat().st_uid

    def getGroupID(self) -> int:
        """Return the file's group ID."""
        return self._stat().st_gid

    def getPermissions(self) -> Permissions:
        """Return the file's permission bits."""
        return Permissions(stat.S_IMODE(self._stat().st_mode))

    def exists(self) -> bool:
        """Return whether something exists at the path (a broken link does not)."""
        return self._statOrNone() is not None

    def _isKind(self, test: Callable[[int], bool]) -> bool:
        """Return whether the path exists and its mode passes ``test`` (``stat.S_ISDIR``)."""
        info = self._statOrNone()
        return info is not None and bool(test(info.st_mode))

    def isdir(self) -> bool:
        """Return whether the path is a directory (or a link to one)."""
        return self._isKind(stat.S_ISDIR)

    def isfile(self) -> bool:
        """Return whether the path is a regular file (or a link to one)."""
        return self._isKind(stat.S_ISREG)

    def isBlockDevice(self) -> bool:
        """Return whether the path is a block device."""
        return self._isKind(stat.S_ISBLK)

    def isSocket(self) -> bool:
        """Return whether the path is a UNIX socket."""
        return self._isKind(stat.S_ISSOCK)

    def islink(self) -> bool:
        """Return whether the path itself is a symbolic link (not cached: `stat` follows links)."""
        return os.path.islink(self.path)

    def chmod(self, mode: int) -> None:
        """Set the file's permission bits (``0o644``)."""
        os.chmod(self.path, mode)
        self.changed()

    # Reading, writing, creating, removing.

    def open(self, mode: FileMode = "r") -> IO[bytes]:
        """Open the file, always in binary; with `alwaysCreate`, only by creating it.

        Raises:
            AssertionError: ``mode`` appends, and `alwaysCreate` is set.
            OSError: It cannot be opened (or, with `alwaysCreate`, it already exists).
        """
        if self.alwaysCreate:
            if "a" in mode:
                raise AssertionError("Appending not supported when alwaysCreate == True")
            return self.create()
        return cast(IO[bytes], open(self.path, mode.replace("b", "") + "b"))

    def requireCreate(self, val: bool = True) -> None:
        """Set `alwaysCreate`: whether `open` must create the file."""
        self.alwaysCreate = val

    def create(self) -> IO[bytes]:
        """Create the file and open it for reading and writing.

        Raises:
            FileExistsError: It already exists (creation is exclusive).
        """
        return os.fdopen(os.open(self.path, _CREATE_FLAGS), "w+b")

    def setContent(self, content: bytes, ext: str | bytes = ".new") -> None:
        """Replace the file's content, so that readers see the old or the new, never a mix.

        The content goes to a new sibling (named with ``ext`` at the end, so leftovers of a
        crash can be found), is flushed to the disk, then renamed over this path: a rename
        within a directory is atomic.
        """
        sibling = self.temporarySibling(ext)
        try:
            with sibling.open("w") as f:
                f.write(content)
                f.flush()
                os.fsync(f.fileno())
            os.replace(sibling.path, self.asBytesMode().path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(sibling.path)
            raise
        self.changed()

    @overload
    def temporarySibling(self) -> FilePath[AnyStr]: ...

    @overload
    def temporarySibling(self, extension: OtherAnyStr) -> FilePath[OtherAnyStr]: ...

    def temporarySibling(self, extension: OtherAnyStr | None = None) -> FilePath[Any]:
        """Return an unguessable sibling, set to `alwaysCreate`, for a file to write then move.

        Args:
            extension: Appended to the name (include the dot: ``".tmp"``); its type is the
                result's. None: nothing appended, this path's type.
        """
        if extension is None:
            return self._temporarySibling(self.path[:0])
        return self._temporarySibling(extension)

    def _temporarySibling(self, ext: OtherAnyStr) -> FilePath[OtherAnyStr]:
        """Return `temporarySibling` of the type of ``ext``."""
        ours = self._getPathAsSameTypeAs(ext)
        name = _secureEnoughString(ours) + os.path.basename(ours) + ext
        sibling = self.clonePath(os.path.dirname(ours)).child(name)
        sibling.requireCreate()
        return sibling

    def touch(self) -> None:
        """Set the file's access and modification times to now, creating it if needed."""
        with contextlib.suppress(OSError):
            self.open("a").close()
        os.utime(self.path, None)
        self.changed()

    def createDirectory(self) -> None:
        """Create this directory (its parent must exist; see `makedirs`)."""
        os.mkdir(self.path)
        self.changed()

    def makedirs(self, ignoreExistingDirectory: bool = False) -> None:
        """Create this directory and any missing parents.

        Raises:
            FileExistsError: It exists, unless ``ignoreExistingDirectory`` and it is a
                directory.
        """
        try:
            os.makedirs(self.path)
        except FileExistsError:
            self.changed()
            if not (ignoreExistingDirectory and self.isdir()):
                raise
        self.changed()

    def remove(self) -> None:
        """Remove the file, or the directory and everything in it (links are not followed)."""
        if self.isdir() and not self.islink():
            for child in self.children():
                child.remove()
            os.rmdir(self.path)
        else:
            os.remove(self.path)
        self.changed()

    def copyTo(self, destination: FilePath[Any], followLinks: bool = True) -> None:
        """Copy this file, or this directory's content recursively, to ``destination``.

        Permissions and ownership are not copied. A missing destination directory is created;
        an existing destination file is overwritten.

        Args:
            destination: Where to copy to.
            followLinks: True copies what links point to; False copies a link as a link
                (with the same target, so a relative one may now point elsewhere).

        Raises:
            OSError: This path does not exist, or the destination is of the other kind.
            NotImplementedError: This is neither a file nor a directory (a FIFO, a device).
        """
        if self.islink() and not followLinks:
            os.symlink(os.readlink(self.path), destination.path)
            return
        if self.isdir():
            if not destination.exists():
                destination.createDirectory()
            for child in self.children():
                child.copyTo(destination.child(child.basename()), followLinks)
        elif self.isfile():
            with destination.open("w") as writer, self.open() as reader:
                while chunk := reader.read(self._chunkSize):
                    writer.write(chunk)
            destination.changed()
        elif not self.exists():
            raise OSError(errno.ENOENT, "No such file or directory", self.path)
        else:
            raise NotImplementedError("Only copying of files and directories supported")

    def moveTo(self, destination: FilePath[Any], followLinks: bool = True) -> None:
        """Rename this path to ``destination``; across filesystems, copy then remove.

        An existing empty destination directory is replaced; a non-empty one, or a file in
        the way of a directory, is an error.

        Args:
            destination: The new path.
            followLinks: When copying across filesystems, as for `copyTo`.

        Raises:
            OSError: The rename, or the copy, failed.
        """
        try:
            os.rename(self._getPathAsSameTypeAs(destination.path), destination.path)
        except OSError as e:
            if e.errno != errno.EXDEV:
                raise
            # Another filesystem: copy to a hidden sibling, then rename it into place, so the
            # destination appears whole; then clear this path out of the way the same way.
            copy = destination.temporarySibling()
            self.copyTo(copy, followLinks)
            copy.moveTo(destination, followLinks)
            leftover = self.temporarySibling()
            self.moveTo(leftover, followLinks)
            leftover.remove()
        self.changed()
        destination.changed()
