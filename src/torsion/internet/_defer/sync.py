"""Coordination between Deferred-based tasks: `DeferredLock`, `DeferredSemaphore`, `DeferredQueue`.

Nothing here blocks: acquiring, or getting from an empty queue, returns a Deferred that fires
when the lock, token or item is available. Waiters are served first come, first served, and
cancelling a waiter's Deferred takes it out of the line.

Waiters and queued items live in deques (Twisted uses lists) so that serving the oldest one
costs O(1) however long the line is.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Coroutine
from types import TracebackType
from typing import Any, Generic, Literal, ParamSpec, Self, TypeVar, overload

from torsion.internet._defer.deferred import Deferred
from torsion.internet._defer.shortcuts import maybeDeferred, succeed

__all__ = [
    "DeferredLock",
    "DeferredQueue",
    "DeferredSemaphore",
    "QueueOverflow",
    "QueueUnderflow",
]

_T = TypeVar("_T")
_P = ParamSpec("_P")


class _ConcurrencyPrimitive(ABC):
    """What `DeferredLock` and `DeferredSemaphore` share: a FIFO line of waiting acquirers.

    Subclasses say only how one unit (the lock, a token) is taken and given back.

    Attributes:
        waiting: The Deferreds of pending `acquire` calls, oldest first.
    """

    def __init__(self) -> None:
        self.waiting: deque[Deferred[Self]] = deque()

    @abstractmethod
    def _take(self) -> bool:
        """Take one unit if one is free; return whether it was taken."""

    @abstractmethod
    def _giveBack(self) -> None:
        """Return one unit.

        Raises:
            AssertionError: Nothing was taken, so there is nothing to give back.
        """

    def acquire(self) -> Deferred[Self]:
        """Acquire one unit.

        Returns:
            A Deferred that fires with this object once acquired: at once if a unit is free,
            otherwise after the waiters ahead of it. Cancelling it while it waits gives up
            the place in line.
        """
        acquired: Deferred[Self] = Deferred(canceller=self._cancelAcquire)
        if self._take():
            acquired.callback(self)
        else:
            self.waiting.append(acquired)
        return acquired

    def release(self: Self) -> None:
        """Release one unit, handing it straight to the oldest waiter if there is one.

        Raises:
            AssertionError: Released more often than acquired.
        """
        self._giveBack()
        if self.waiting and self._take():
            self.waiting.popleft().callback(self)

    def _cancelAcquire(self, acquired: Deferred[Self]) -> None:
        # A canceller runs only for an unfired Deferred, and a waiter is fired only after
        # leaving the line, so ``acquired`` is still in it.
        self.waiting.remove(acquired)

    @overload
    def run(
        self, f: Callable[_P, Deferred[_T]], /, *args: _P.args, **kwargs: _P.kwargs
    ) -> Deferred[_T]: ...

    @overload
    def run(
        self,
        f: Callable[_P, Coroutine[Deferred[Any], Any, _T]],
        /,
        *args: _P.args,
        **kwargs: _P.kwargs,
    ) -> Deferred[_T]: ...

    @overload
    def run(self, f: Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs) -> Deferred[_T]: ...

    def run(self, f: Callable[_P, Any], /, *args: _P.args, **kwargs: _P.kwargs) -> Deferred[Any]:
        """Acquire, call ``f(*args, **kwargs)``, release once its result is final.

        ``f`` may return a plain value, a Deferred or a coroutine; the unit is held until the
        Deferred or coroutine finishes, and released whether it succeeds or fails.

        Returns:
            A Deferred firing with ``f``'s result or failure.
        """

        def callWhileHeld(_: Self) -> Deferred[Any]:
            # Called through a closure so that ``f``'s own keyword arguments may include ``f``.
            return maybeDeferred(lambda: f(*args, **kwargs)).addBoth(self._releaseAndReturn)

        return self.acquire().addCallback(callWhileHeld)

    def _releaseAndReturn(self, result: _T) -> _T:
        self.release()
        return result

    def __aenter__(self) -> Deferred[Self]:
        """Acquire, for ``async with``; awaiting the Deferred waits for the unit."""
        return self.acquire()

    def __aexit__(
        self,
        excType: type[BaseException] | None,
        excValue: BaseException | None,
        traceback: TracebackType | None,
        /,
    ) -> Deferred[Literal[False]]:
        """Release, for ``async with``; an exception from the block propagates."""
        self.release()
        return succeed(False)


class DeferredLock(_ConcurrencyPrimitive):
    """A mutual-exclusion lock for Deferred-based code.

    Attributes:
        locked: True while someone holds the lock. Read it for a "would block" test; never
            set it.
    """

    locked = False

    def _take(self) -> bool:
        if self.locked:
            return False
        self.locked = True
        return True

    def _giveBack(self) -> None:
        # Raised explicitly rather than asserted so that ``python -O`` keeps the check.
        if not self.locked:
            raise AssertionError("Tried to release an unlocked lock")
        self.locked = False


class DeferredSemaphore(_ConcurrencyPrimitive):
    """A counting semaphore for Deferred-based code: at most ``limit`` holders at once.

    Attributes:
        limit: How many holders are allowed at once.
        tokens: How many more could acquire right now (``limit`` minus current holders).
    """

    def __init__(self, tokens: int) -> None:
        """Create a semaphore with ``tokens`` free tokens.

        Raises:
            ValueError: ``tokens`` is less than 1.
        """
        super().__init__()
        if tokens < 1:
            raise ValueError("DeferredSemaphore requires tokens >= 1")
        self.tokens = tokens
        self.limit = tokens

    def _take(self) -> bool:
        if not self.tokens:
            return False
        self.tokens -= 1
        return True

    def _giveBack(self) -> None:
        if self.tokens >= self.limit:
            raise AssertionError("Someone released me too many times: too many tokens!")
        self.tokens += 1


class QueueOverflow(Exception):
    """`DeferredQueue.put` found the queue full."""


class QueueUnderflow(Exception):
    """`DeferredQueue.get` found too many getters already waiting."""


class DeferredQueue(Generic[_T]):
    """A FIFO queue whose `get` returns a Deferred that fires once an item is there.

    Attributes:
        size: The most items it holds before `put` raises `QueueOverflow`; None for no limit.
        backlog: The most getters that may wait before `get` raises `QueueUnderflow`; None
            for no limit.
        pending: The items put but not yet got, oldest first.
        waiting: The Deferreds of waiting `get` calls, oldest first.
    """

    def __init__(self, size: int | None = None, backlog: int | None = None) -> None:
        self.waiting: deque[Deferred[_T]] = deque()
        self.pending: deque[_T] = deque()
        self.size = size
        self.backlog = backlog

    def put(self, obj: _T) -> None:
        """Give ``obj`` to the oldest waiting getter, or queue it if nobody waits.

        Raises:
            QueueOverflow: Nobody waits and ``size`` items are already queued.
        """
        if self.waiting:
            self.waiting.popleft().callback(obj)
        elif self.size is None or len(self.pending) < self.size:
            self.pending.append(obj)
        else:
            raise QueueOverflow()

    def get(self) -> Deferred[_T]:
        """Take the oldest item.

        Returns:
            A Deferred that fires with it: already fired if an item is queued, otherwise
            when one is put. Cancelling it while it waits gives up the place in line.

        Raises:
            QueueUnderflow: The queue is empty and ``backlog`` getters already wait.
        """
        if self.pending:
            return succeed(self.pending.popleft())
        if self.backlog is not None and len(self.waiting) >= self.backlog:
            raise QueueUnderflow()
        got: Deferred[_T] = Deferred(canceller=self._cancelGet)
        self.waiting.append(got)
        return got

    def _cancelGet(self, got: Deferred[_T]) -> None:
        # Runs only while ``got`` is unfired, that is, still in line (see _cancelAcquire).
        self.waiting.remove(got)
