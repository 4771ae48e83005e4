"""Thread helpers from Twisted: which thread is the I/O thread, and synchronized methods.

Python always has threads now, so Twisted's switches for platforms without them are gone:
`threaded` is always true and `init` has nothing to do.
"""

from __future__ import annotations

import _thread
import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["XLock", "getThreadID", "isInIOThread", "registerAsIOThread"]

_T = TypeVar("_T")

threaded = True
"""Whether threads are in use: always, on every Python torsion runs on."""

ioThread: int | None = None
"""The ident of the thread that called `registerAsIOThread` last, or None."""


class XLock(_thread.RLock):  # type: ignore[misc]  # typeshed says final; CPython allows it
    """A reentrant lock that survives pickling: it unpickles as a new, unlocked lock."""

    def __reduce__(self) -> tuple[Callable[[], XLock], tuple[()]]:
        return (unpickle_lock, ())


def unpickle_lock() -> XLock:
    """Return a new `XLock`: what a pickled one turns into."""
    return XLock()


unpickle_lock.__safe_for_unpickling__ = True  # type: ignore[attr-defined]

# Guards the creation of each synchronized object's own lock.
_synchLockCreator = XLock()


def _sync(function: Callable[..., _T]) -> Callable[..., _T]:
    """`function`, run holding a lock of its instance's, made on the instance's first call."""

    @functools.wraps(function)
    def sync(self: Any, *args: Any, **kwargs: Any) -> _T:
        lock = self.__dict__.get("_threadable_lock")
        if lock is None:
            with _synchLockCreator:
                lock = self.__dict__.setdefault("_threadable_lock", XLock())
        with lock:
            return function(self, *args, **kwargs)

    return sync


def synchronize(*klasses: type[Any]) -> None:
    """Make the methods each class lists in its ``synchronized`` attribute hold a lock.

    Each instance has one reentrant lock, shared by all its synchronized methods, so at most one
    thread at a time runs any of them on that instance.
    """
    for klass in klasses:
        for methodName in klass.synchronized:
            setattr(klass, methodName, _sync(klass.__dict__[methodName]))


def init(with_threads: bool = True) -> None:
    """Twisted's switch to turn threading on: it is always on, so only turning it off fails.

    Raises:
        RuntimeError: `with_threads` is false.
    """
    if not with_threads:
        raise RuntimeError("Cannot uninitialize threads")


def getThreadID() -> int:
    """Return the running thread's ident."""
    return threading.get_ident()


def registerAsIOThread() -> None:
    """Mark the running thread as the one that runs the event loop."""
    global ioThread
    ioThread = getThreadID()


def isInIOThread() -> bool:
    """Whether the running thread is the one `registerAsIOThread` marked."""
    return ioThread == getThreadID()
