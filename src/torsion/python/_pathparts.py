"""What `torsion.python.filepath` is made of besides the paths: errors, permissions, encodings.

Public in ``torsion.python.filepath``.
"""

from __future__ import annotations

import stat
import sys
from collections.abc import Iterable
from typing import IO, AnyStr, Literal, Protocol, runtime_checkable

from torsion.internet._interfacemeta import InterfaceMeta

__all__ = [
    "RWX",
    "FileMode",
    "IFilePath",
    "InsecurePath",
    "LinkError",
    "Permissions",
    "UnlistableError",
    "asFilesystemBytes",
    "asFilesystemText",
    "coerceToFilesystemEncoding",
]

#: The modes `FilePath.open` takes; files are always opened in binary.
FileMode = Literal["r", "w", "a", "r+", "w+", "a+"]


class InsecurePath(Exception):
    """A path given to a `FilePath` method would lead outside where that method may go."""


class LinkError(Exception):
    """A symbolic link cannot be followed: it is part of a cycle."""


class UnlistableError(OSError):
    """A directory cannot be listed because it does not exist or is not a directory.

    Distinguishes those from the errors that mean something worse (permissions, no file
    descriptors left), while still being the `OSError` it wraps: same ``errno``, ``filename``.

    Args:
        originalException: The error listing the directory raised.

    Attributes:
        originalException: That error.
    """

    def __init__(self, originalException: OSError) -> None:
        super().__init__(*originalException.args)
        self.__dict__.update(originalException.__dict__)
        self.filename = originalException.filename
        self.originalException = originalException


@runtime_checkable
class IFilePath(Protocol, metaclass=InterfaceMeta):
    """A location of a file-like object in a hierarchy of named children (Twisted's interface).

    A structural type, as torsion's other interfaces: `FilePath` provides it, and so does any
    object with these methods (``isinstance`` checks that they exist). mypy cannot yet match
    `FilePath`'s generic ``child`` (its result's type follows its argument's) against this
    recursive protocol, so it is a run-time check rather than a static one.
    """

    @property
    def sep(self) -> str | bytes:
        """The separator of segments in the path's string form."""
        ...

    def child(self, path: AnyStr) -> IFilePath:
        """Return the direct child named ``path``.

        Raises:
            InsecurePath: ``path`` does not name a direct child.
        """
        ...

    def open(self, mode: FileMode = "r") -> IO[bytes]:
        """Open the file, in binary."""
        ...

    def changed(self) -> None:
        """Forget what is cached of the file's state on disk."""
        ...

    def getsize(self) -> int:
        """Return the file's size in bytes."""
        ...

    def getModificationTime(self) -> float:
        """Return when the file was last modified, in seconds since the epoch."""
        ...

    def getStatusChangeTime(self) -> float:
        """Return when the file's status last changed, in seconds since the epoch."""
        ...

    def getAccessTime(self) -> float:
        """Return when the file was last accessed, in seconds since the epoch."""
        ...

    def exists(self) -> bool:
        """Return whether something exists at the path."""
        ...

    def isdir(self) -> bool:
        """Return whether the path is a directory."""
        ...

    def isfile(self) -> bool:
        """Return whether the path is a regular file."""
        ...

    def children(self) -> Iterable[IFilePath]:
        """Return the directory's children."""
        ...

    def basename(self) -> str | bytes:
        """Return the last segment of the path."""
        ...

    def parent(self) -> IFilePath:
        """Return the directory that contains this path."""
        ...

    def sibling(self, path: AnyStr) -> IFilePath:
        """Return the child named ``path`` of this path's parent."""
        ...


class RWX:
    """The read, write and execute permissions of one class of users (owner, group, other).

    Args:
        readable: Whether reading is allowed.
        writable: Whether writing is allowed.
        executable: Whether executing (or, for a directory, entering) is allowed.
    """

    def __init__(self, readable: bool, writable: bool, executable: bool) -> None:
        self.read = readable
        self.write = writable
        self.execute = executable

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RWX):
            return NotImplemented
        return (self.read, self.write, self.execute) == (other.read, other.write, other.execute)

    __hash__ = None  # type: ignore[assignment]  # Mutable, compared by value: unhashable.

    def __repr__(self) -> str:
        return f"RWX(read={self.read}, write={self.write}, execute={self.execute})"

    def shorthand(self) -> str:
        """Return the permissions as ``ls -l`` shows them (``"rw-"``)."""
        return "".join(
            letter if allowed else "-"
            for letter, allowed in zip("rwx", (self.read, self.write, self.execute), strict=True)
        )


class Permissions:
    """A file's permission bits, as one `RWX` each for its owner, its group and the others.

    Args:
        statModeInt: A mode that includes the permission bits (``st_mode``, or ``0o644``).
    """

    def __init__(self, statModeInt: int) -> None:
        self.user, self.group, self.other = (
            RWX(*(statModeInt & bit != 0 for bit in bits))
            for bits in (
                (stat.S_IRUSR, stat.S_IWUSR, stat.S_IXUSR),
                (stat.S_IRGRP, stat.S_IWGRP, stat.S_IXGRP),
                (stat.S_IROTH, stat.S_IWOTH, stat.S_IXOTH),
            )
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Permissions):
            return NotImplemented
        return (self.user, self.group, self.other) == (other.user, other.group, other.other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"[{self.user} | {self.group} | {self.other}]"

    def shorthand(self) -> str:
        """Return the permissions as ``ls -l`` shows them (``"rwxr-x---"``)."""
        return "".join(part.shorthand() for part in (self.user, self.group, self.other))


def asFilesystemBytes(path: str | bytes, encoding: str | None = None) -> bytes:
    """Return ``path`` as bytes, encoded as the filesystem does unless ``encoding`` is given."""
    if isinstance(path, bytes):
        return path
    return path.encode(encoding or sys.getfilesystemencoding(), "surrogateescape")


def asFilesystemText(path: str | bytes, encoding: str | None = None) -> str:
    """Return ``path`` as text, decoded as the filesystem does unless ``encoding`` is given."""
    if isinstance(path, str):
        return path
    return path.decode(encoding or sys.getfilesystemencoding(), "surrogateescape")


def coerceToFilesystemEncoding(
    path: AnyStr, newpath: str | bytes, encoding: str | None = None
) -> AnyStr:
    """Return ``newpath`` as the type of ``path`` (bytes or text), so that the two can be joined."""
    if isinstance(path, bytes):
        return asFilesystemBytes(newpath, encoding)
    return asFilesystemText(newpath, encoding)
