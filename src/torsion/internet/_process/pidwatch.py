"""Noticing that a child process exited, and reaping it: `watchChild`.

On Linux 5.3+ each child gets a *pidfd* (``os.pidfd_open``), a descriptor that becomes readable
when the child exits; it is watched like any other reader, so an exit is noticed in the same
loop pass as I/O, with no signal handler and no polling, and a burst of exits is just a burst
of readable descriptors. The child is then reaped with ``waitpid(pid, WNOHANG)`` on its own pid,
never ``waitpid(-1)``, so children started by other code are left alone. A pid cannot be reused
before it is reaped, so between spawning and reaping the pid (and the pidfd) are unambiguous.

Elsewhere (macOS, the BSDs, older Linux) a SIGCHLD handler queues, through the reactor's
thread-safe ``callFromThread``, one pass that tries ``waitpid(pid, WNOHANG)`` on each of that
reactor's children. That handler can only be installed from the main thread, and Python runs it
only while the main thread runs Python code (a reactor running there always does).

If the reactor stops watching a child that has not exited (its shutdown disconnects every
descriptor), a daemon thread waits for it with a blocking ``waitpid`` and hands the exit back
through ``callFromThread``: no child is left a zombie.
"""

from __future__ import annotations

import errno
import os
import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

from torsion.internet.interfaces import IReactorFDSet, IReactorFromThreads, IReactorProcessSupport
from torsion.logger import Logger
from torsion.python.failure import Failure

__all__ = ["watchChild"]

_log = Logger(namespace="torsion.internet.process")

#: Called with the wait status, or None when someone else reaped the child first.
OnExit = Callable[[int | None], None]

_usePidfd = hasattr(os, "pidfd_open")


def watchChild(reactor: IReactorProcessSupport, pid: int, onExit: OnExit) -> None:
    """Call ``onExit(status)`` in ``reactor``'s thread once child ``pid`` has exited and been
    reaped.

    Raises:
        RuntimeError: There is no pidfd and this is not the main thread, so SIGCHLD cannot
            be caught.
    """
    global _usePidfd
    if _usePidfd:
        try:
            fd = os.pidfd_open(pid)
        except OSError as e:
            if e.errno not in (errno.ENOSYS, errno.EPERM):  # EPERM: a seccomp filter.
                raise
            _usePidfd = False
        else:
            reactor.addReader(_PidfdWatcher(reactor, fd, pid, onExit))
            return
    _sigchld.add(reactor, pid, onExit)


def _reap(pid: int) -> tuple[bool, int | None]:
    """Try to reap ``pid`` without blocking: (whether it is gone, its status if known)."""
    try:
        done, status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        _log.warn("child process {pid} was reaped by someone else; its status is lost", pid=pid)
        return True, None
    return done == pid, status


class _PidfdWatcher:
    """A reader on a child's pidfd: readable once the child has exited."""

    def __init__(self, reactor: IReactorFDSet, fd: int, pid: int, onExit: OnExit) -> None:
        self.reactor = reactor
        self.fd = fd
        self.pid = pid
        self.onExit: OnExit | None = onExit

    def fileno(self) -> int:
        """Return the pidfd."""
        return self.fd

    def logPrefix(self) -> str:
        """Name it in log lines."""
        return f"pidfd of child {self.pid}"

    def doRead(self) -> None:
        """The child exited: reap it, stop watching, and report the status."""
        done, status = _reap(self.pid)
        if done:
            self._finish()(status)

    def doWrite(self) -> None:
        """Never called: not watched for writing."""

    def connectionLost(self, reason: Failure) -> None:
        """The reactor stopped watching (shutdown): reap in a thread so nothing is left."""
        if self.onExit is None:
            return
        done, status = _reap(self.pid)
        onExit = self._finish()
        if done:
            onExit(status)
            return
        threading.Thread(
            target=_waitInThread,
            args=(self.reactor, self.pid, onExit),
            name=f"torsion-reap-{self.pid}",
            daemon=True,
        ).start()

    def _finish(self) -> OnExit:
        onExit, self.onExit = self.onExit, None
        assert onExit is not None
        self.reactor.removeReader(self)
        os.close(self.fd)
        return onExit


def _waitInThread(reactor: IReactorFromThreads, pid: int, onExit: OnExit) -> None:
    try:
        _, status = os.waitpid(pid, 0)
    except ChildProcessError:
        reactor.callFromThread(onExit, None)
    else:
        reactor.callFromThread(onExit, status)


class _SigchldReaper:
    """Reaps the children of every reactor on SIGCHLD, where there is no pidfd."""

    def __init__(self) -> None:
        self._children: dict[int, tuple[Any, OnExit]] = {}
        self._previous: Any = None
        self._installed = False

    def add(self, reactor: IReactorProcessSupport, pid: int, onExit: OnExit) -> None:
        if not self._installed:
            if threading.current_thread() is not threading.main_thread():
                raise RuntimeError(
                    "without pidfd (Linux 5.3+), child processes need a SIGCHLD handler, "
                    "which only the main thread can install: spawn the first one from there"
                )
            self._previous = signal.signal(signal.SIGCHLD, self._handle)
            self._installed = True
        self._children[pid] = (reactor, onExit)
        # The child may have exited before it was registered: its SIGCHLD found nothing.
        reactor.callLater(0, self.reapFor, reactor)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        # In a signal handler: only queue work (callFromThread appends and wakes the loop).
        reactors = {id(r): r for r, _ in list(self._children.values())}
        for reactor in reactors.values():
            reactor.callFromThread(self.reapFor, reactor)
        if callable(self._previous):
            self._previous(signum, frame)

    def reapFor(self, reactor: object) -> None:  # only compared by identity
        """Reap whichever of ``reactor``'s children have exited and report them."""
        for pid, (owner, onExit) in list(self._children.items()):
            if owner is reactor:
                done, status = _reap(pid)
                if done:
                    del self._children[pid]
                    onExit(status)
        if (
            self._installed
            and not self._children
            and threading.current_thread() is threading.main_thread()
        ):
            signal.signal(signal.SIGCHLD, self._previous or signal.SIG_DFL)
            self._installed = False


_sigchld = _SigchldReaper()
