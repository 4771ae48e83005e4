"""`AbstractFilePath`: walking, listing and reading built on a path's few primitives.

Public in ``torsion.python.filepath``.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Iterator, Sequence
from typing import IO, Any, AnyStr, Generic, Self, TypeVar, cast

from torsion.python._pathparts import (
    FileMode,
    LinkError,
    UnlistableError,
    coerceToFilesystemEncoding,
)

__all__ = ["AbstractFilePath", "OtherAnyStr", "within"]

OtherAnyStr = TypeVar("OtherAnyStr", str, bytes)


def within(path: AnyStr, ancestor: AnyStr) -> bool:
    """Return whether ``path`` is ``ancestor`` or below it (both absolute and normalised)."""
    sep = coerceToFilesystemEncoding(path, os.sep)
    return path == ancestor or path.startswith(ancestor.rstrip(sep) + sep)


class AbstractFilePath(Generic[AnyStr]):
    """What any `IFilePath` can do given its few primitives (a base class, not a requirement).

    A subclass sets `path` and implements `child`, `parent`, `basename`, `listdir`, `isdir` and
    `open`; this class builds walking, listing and reading on them.
    """

    path: AnyStr

    def getAccessTime(self) -> float:
        """Return when the file was last accessed (a subclass implements it)."""
        raise NotImplementedError

    def getModificationTime(self) -> float:
        """Return when the file was last modified (a subclass implements it)."""
        raise NotImplementedError

    def getStatusChangeTime(self) -> float:
        """Return when the file's status last changed (a subclass implements it)."""
        raise NotImplementedError

    def open(self, mode: FileMode = "r") -> IO[bytes]:
        """Open the file (a subclass implements it)."""
        raise NotImplementedError

    def isdir(self) -> bool:
        """Return whether this is a directory (a subclass implements it)."""
        raise NotImplementedError

    def basename(self) -> AnyStr:
        """Return the last segment (a subclass implements it)."""
        raise NotImplementedError

    def parent(self) -> AbstractFilePath[AnyStr]:
        """Return the containing directory (a subclass implements it)."""
        raise NotImplementedError

    def listdir(self) -> list[AnyStr]:
        """Return the names of the directory's entries (a subclass implements it)."""
        raise NotImplementedError

    def child(self, path: OtherAnyStr) -> AbstractFilePath[OtherAnyStr]:
        """Return the direct child named ``path`` (a subclass implements it)."""
        raise NotImplementedError

    def getContent(self) -> bytes:
        """Return the whole content of the file."""
        with self.open() as f:
            return f.read()

    def parents(self) -> Iterator[AbstractFilePath[AnyStr]]:
        """Yield each ancestor, from the parent up to the root."""
        path, parent = self, self.parent()
        while path != parent:  # The root is its own parent.
            yield parent
            path, parent = parent, parent.parent()

    def children(self) -> list[Self]:
        """Return a path for each entry of this directory.

        Raises:
            UnlistableError: This is not a directory, or does not exist.
            OSError: Listing failed for a worse reason (permissions, no descriptors left).
        """
        try:
            names = self.listdir()
        except OSError as e:
            if e.errno in (errno.ENOENT, errno.ENOTDIR):
                raise UnlistableError(e) from e
            raise
        # A subclass's child returns its own type, as its children must.
        return [cast(Self, self.child(name)) for name in names]

    def walk(self, descend: Callable[[Self], bool] | None = None) -> Iterator[Self]:
        """Yield this path, then everything below it, depth first (links to directories too).

        Args:
            descend: Called with each directory below this one; its children are walked only
                if it returns True. None walks everything.

        Raises:
            LinkError: A symbolic link leads back up to a directory being walked.
        """
        yield self
        if not self.isdir():
            return
        for child in self.children():
            if descend is not None and not descend(child):
                yield child
                continue
            for below in child.walk(descend):
                if within(os.path.realpath(self.path), os.path.realpath(below.path)):
                    raise LinkError("Cycle in file graph.")
                yield below

    def sibling(self, path: OtherAnyStr) -> AbstractFilePath[OtherAnyStr]:
        """Return the child named ``path`` of this path's parent."""
        return self.parent().child(path)

    def descendant(self, segments: Sequence[OtherAnyStr]) -> AbstractFilePath[OtherAnyStr]:
        """Return the path below this one that ``segments`` name, each a `child` of the last.

        Raises:
            InsecurePath: A segment is not a plain name.
        """
        path: AbstractFilePath[Any] = self
        for segment in segments:
            path = path.child(segment)
        return path

    def segmentsFrom(self, ancestor: Self) -> list[AnyStr]:
        """Return the segments that lead from ``ancestor`` down to this path.

        Raises:
            ValueError: ``ancestor`` is not a strict ancestor of this path.
        """
        segments: list[AnyStr] = []
        path: AbstractFilePath[AnyStr] = self
        parent = path.parent()
        while path != ancestor and parent != path:
            segments.insert(0, path.basename())
            path, parent = parent, parent.parent()
        if path == ancestor and segments:
            return segments
        raise ValueError(f"{ancestor!r} not parent of {self!r}")

    def __hash__(self) -> int:
        return hash((type(self), self.path))

    def getmtime(self) -> int:
        """Return `getModificationTime` in whole seconds (Twisted's older name)."""
        return int(self.getModificationTime())

    def getatime(self) -> int:
        """Return `getAccessTime` in whole seconds (Twisted's older name)."""
        return int(self.getAccessTime())

    def getctime(self) -> int:
        """Return `getStatusChangeTime` in whole seconds (Twisted's older name)."""
        return int(self.getStatusChangeTime())
