"""The PID lock of a UNIX socket server (``listenUNIX(..., wantPID=True)``).

The lock is Twisted's ``FilesystemLock``, in the same on-disk form so that torsion and Twisted
programs respect each other's locks: a *symbolic link* named ``<socket path>.lock`` whose
target is the owner's PID (``/run/app.sock.lock -> "4242"``). Creating a symlink is atomic and
fails if the name exists, so two processes can never both take the lock; the PID says whether
the owner still lives (``kill(pid, 0)``), so the lock of a process that died without cleaning
up is recognised as stale and broken.
"""

from __future__ import annotations

import errno
import os

__all__ = ["PIDLock", "isLocked"]


def _ownerAlive(path: bytes) -> bool | None:
    """Return whether the lock at ``path`` is held by a live process (None: no lock there).

    Raises:
        OSError: The lock cannot be read (other than it not existing).
    """
    try:
        target = os.readlink(path)
    except FileNotFoundError:
        return None
    except OSError as e:
        if e.errno == errno.EINVAL:  # A regular file, not a lock: treat it as held.
            return True
        raise
    try:
        pid = int(target)
    except ValueError:
        return True  # Not a PID: not ours to break.
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # Alive, owned by another user.
    return True


class PIDLock:
    """A lock file holding this process's PID; stale locks of dead processes are broken.

    Args:
        path: The lock's path (``b"/run/app.sock.lock"``).

    Attributes:
        path: The lock's path.
        locked: Whether this object holds the lock.
        clean: After a successful `lock`: False if a stale lock had to be broken first (its
            owner died without releasing it, so what it guarded may be left over).
    """

    def __init__(self, path: bytes) -> None:
        self.path = path
        self.locked = False
        self.clean = True

    def lock(self) -> bool:
        """Take the lock; return False if a live process (maybe this one) holds it.

        Raises:
            OSError: The lock cannot be created or read (a missing directory, permissions).
        """
        clean = True
        for _ in range(100):  # Each pass is a lost race with another process; bounded.
            try:
                os.symlink(str(os.getpid()), self.path)
            except FileExistsError:
                alive = _ownerAlive(self.path)
                if alive:
                    return False
                if alive is False:
                    try:
                        os.unlink(self.path)
                    except FileNotFoundError:
                        pass  # Another process broke it first; race it for the lock.
                    clean = False
                continue
            self.locked = True
            self.clean = clean
            return True
        return False

    def unlock(self) -> None:
        """Release the lock if this process holds it (a lock taken over by another is kept)."""
        if not self.locked:
            return
        self.locked = False
        try:
            if os.readlink(self.path) == str(os.getpid()).encode():
                os.unlink(self.path)
        except OSError:
            pass  # Removed by someone else: nothing left to release.


def isLocked(path: bytes) -> bool:
    """Return whether a live process holds the lock at ``path`` (never changes the lock)."""
    try:
        return bool(_ownerAlive(path))
    except OSError:
        return False
