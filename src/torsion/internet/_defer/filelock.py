"""A filesystem lock that a Deferred can wait for (public in ``torsion.internet.defer``).

The lock cannot tell anyone when its owner releases it (it is a symlink in another process's
hands), so waiting for it means polling: `DeferredFilesystemLock.deferUntilLocked` tries every
`DeferredFilesystemLock._interval` seconds on a clock, and can give up after a timeout.
"""

from __future__ import annotations

from typing import cast

from torsion.internet._baseinterfaces import IDelayedCall, IReactorTime
from torsion.internet._defer.deferred import CancelledError, Deferred, TimeoutError
from torsion.internet._defer.shortcuts import fail
from torsion.internet._globalreactor import globalReactor
from torsion.python.failure import Failure
from torsion.python.lockfile import FilesystemLock

__all__ = ["AlreadyTryingToLockError", "DeferredFilesystemLock"]


class AlreadyTryingToLockError(Exception):
    """`DeferredFilesystemLock.deferUntilLocked` was called while an earlier call still waits."""


class DeferredFilesystemLock(FilesystemLock):
    """A `FilesystemLock` whose `deferUntilLocked` returns a Deferred fired once it is taken.

    Args:
        name: The lock's path.
        scheduler: The clock that times the retries and the timeout; the global reactor (looked
            up now, not when this module is imported) if None.

    Attributes:
        _interval: Seconds between two attempts to take the lock (Twisted's name; tests and
            impatient programs set it).
        _scheduler: The clock in use.
    """

    _interval: float = 1
    _tryLockCall: IDelayedCall | None = None
    _timeoutCall: IDelayedCall | None = None

    def __init__(self, name: str | bytes, scheduler: IReactorTime | None = None) -> None:
        super().__init__(name)
        self._scheduler = cast(IReactorTime, globalReactor()) if scheduler is None else scheduler

    def deferUntilLocked(self, timeout: float | None = None) -> Deferred[None]:
        """Take the lock now or as soon as a retry succeeds.

        Not for concurrent use: one wait at a time per lock object. Cancelling the Deferred
        stops the retries after one last attempt (so it may still fire with the lock).

        Args:
            timeout: Seconds after which to give up, or None to wait as long as it takes.

        Returns:
            A Deferred that fires with None once this object holds the lock, or fails with
            `TimeoutError` after ``timeout``, `CancelledError` if cancelled, or
            `AlreadyTryingToLockError` at once if another wait is in progress.
        """
        if self._tryLockCall is not None:
            return fail(AlreadyTryingToLockError("deferUntilLocked isn't safe for concurrent use."))
        d: Deferred[None] = Deferred(lambda _: self._stopWaiting(d, Failure(CancelledError())))
        self._tryLock(d, timeout)
        return d

    def _tryLock(self, d: Deferred[None], timeout: float | None) -> None:
        """One attempt: fire ``d`` if it takes the lock, else schedule the next attempt."""
        self._tryLockCall = None
        if self.lock():
            if self._timeoutCall is not None:
                self._timeoutCall.cancel()
                self._timeoutCall = None
            d.callback(None)
            return
        if timeout is not None and self._timeoutCall is None:
            reason = Failure(
                TimeoutError(f"Timed out acquiring lock: {self.name!r} after {timeout:f}s")
            )
            self._timeoutCall = self._scheduler.callLater(timeout, self._stopWaiting, d, reason)
        self._tryLockCall = self._scheduler.callLater(self._interval, self._tryLock, d, timeout)

    def _stopWaiting(self, d: Deferred[None], reason: Failure) -> None:
        """End a wait (timed out or cancelled): a last attempt, else fail ``d`` with ``reason``."""
        if self._tryLockCall is not None:
            self._tryLockCall.cancel()
            self._tryLockCall = None
        if self._timeoutCall is not None and self._timeoutCall.active():
            self._timeoutCall.cancel()
        self._timeoutCall = None
        if self.lock():
            d.callback(None)
        else:
            d.errback(reason)
