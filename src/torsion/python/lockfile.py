"""An inter-process mutex on the filesystem (Twisted's ``twisted.python.lockfile``).

The lock is a *symbolic link* whose target is the owner's PID (``app.lock -> "4242"``), the
on-disk form of Twisted's ``FilesystemLock``, so torsion and Twisted programs respect each
other's locks. Creating a symlink is atomic and fails if the name exists, so two processes never
both take the lock; the PID says whether the owner still lives (``kill(pid, 0)``), so the lock of
a process that died without releasing it is recognised as stale and broken.

The file operations are looked up on this module when used (`symlink`, `readlink`, `rmlink`,
`kill`), as in Twisted, so tests can replace them to provoke the races they guard against.
`kill` may be None (Twisted's value where no process can be signalled): then every owner counts
as alive, so a lock is never broken on a guess.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from os import readlink, symlink
from os import remove as rmlink

__all__ = ["FilesystemLock", "isLocked"]

# Each pass of `FilesystemLock.lock` that fails is a race lost against another process that
# created or broke the lock in between; bounded so that a pathological fight cannot spin.
_ATTEMPTS = 100

_Path = str | bytes

#: Signals a process (``kill(pid, 0)`` asks whether it lives); None where that is impossible.
kill: Callable[[int, int], None] | None = os.kill


def _readOwner(name: _Path) -> str | None:
    """Return the lock's target (its owner's PID, as text), or None if there is no lock.

    Raises:
        OSError: The lock cannot be read (other than it not existing).
    """
    try:
        target = readlink(os.fsencode(name))
    except FileNotFoundError:
        return None
    return os.fsdecode(target)


def _alive(owner: str) -> bool:
    """Return whether the process named by a lock's target lives (a non-PID target: yes)."""
    if kill is None:
        return True  # Cannot ask: never break a lock that may be held.
    try:
        kill(int(owner), 0)
    except ValueError:
        return True  # Not a PID: not a lock of ours to break.
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # Alive, owned by another user.
    return True


class FilesystemLock:
    """A mutex between processes: a symlink to the owner's PID at ``name``.

    Args:
        name: The lock's path (``str`` or ``bytes``).

    Attributes:
        name: The lock's path.
        locked: Whether this object holds the lock.
        clean: After a successful `lock`: False if a stale lock had to be broken first (its
            owner died without releasing it, so what it guarded may be left half-done); None
            before the first successful `lock`.
    """

    clean: bool | None = None
    locked = False

    def __init__(self, name: _Path) -> None:
        self.name = name

    def lock(self) -> bool:
        """Take the lock; return False if a live process (maybe this one) holds it.

        Raises:
            OSError: The lock cannot be created, read or broken (a missing directory,
                permissions).
        """
        clean = True
        for _ in range(_ATTEMPTS):
            try:
                symlink(str(os.getpid()), self.name)
            except FileExistsError:
                owner = _readOwner(self.name)
                if owner is None:
                    continue  # Released meanwhile: race for it again.
                if _alive(owner):
                    return False
                try:
                    rmlink(self.name)
                except FileNotFoundError:
                    continue  # Another process broke it first: race it for the lock.
                clean = False
                continue
            self.locked = True
            self.clean = clean
            return True
        return False

    def unlock(self) -> None:
        """Release the lock.

        Raises:
            OSError: The lock cannot be read (it was removed by someone else).
            ValueError: The lock is not held by this process.
        """
        owner = os.fsdecode(readlink(os.fsencode(self.name)))
        if owner != str(os.getpid()):
            raise ValueError(f"Lock {self.name!r} not owned by this process")
        rmlink(self.name)
        self.locked = False


def isLocked(name: _Path) -> bool:
    """Return whether a live process holds the lock at ``name``.

    Unlike Twisted's, this only reads the lock: taking and releasing it to find out would, for
    that instant, make a process that really wants the lock fail to get it.
    """
    try:
        owner = _readOwner(name)
    except OSError as e:
        # A regular file or directory where the lock should be: someone's, so held.
        return e.errno == errno.EINVAL
    return owner is not None and _alive(owner)
