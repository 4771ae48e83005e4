"""`Clock`, a deterministic `IReactorTime` for tests, and `deferLater`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, ParamSpec, TypeVar, overload

from torsion.internet._core.timers import DelayedCall, QueuedCall, TimerQueue
from torsion.internet.defer import Deferred
from torsion.internet.interfaces import IReactorTime

__all__ = ["Clock", "deferLater"]

_P = ParamSpec("_P")
_T = TypeVar("_T")


class Clock:
    """An `IReactorTime` whose time moves only when told to, for testing timed code.

    Time starts at 0 and moves forward with `advance`, which runs every call that has become
    due, in due order; calls due at the same time run in the order they were scheduled. Unlike
    the reactor, `advance` also runs calls that are scheduled while it runs if they are due, and
    an exception raised by a call propagates out of `advance` (the remaining calls stay pending).

    Attributes:
        rightNow: The current time, in seconds.
    """

    rightNow: float = 0.0

    def __init__(self) -> None:
        self._timers = TimerQueue(self.seconds)

    def seconds(self) -> float:
        """Return the current time (`rightNow`)."""
        return self.rightNow

    def callLater(
        self, delay: float, callable: Callable[_P, object], *args: _P.args, **kw: _P.kwargs
    ) -> DelayedCall:
        """Call ``callable(*args, **kw)`` when `advance` reaches ``delay`` seconds from now.

        Returns:
            The scheduled call, which can be cancelled or moved until it runs.
        """
        return QueuedCall(self.seconds() + delay, callable, args, kw, self._timers)

    def getDelayedCalls(self) -> list[DelayedCall]:
        """Return the pending calls in the order they will run (a new list)."""
        return self._timers.pending()

    @property
    def calls(self) -> list[DelayedCall]:
        """The pending calls in the order they will run (a new list).

        Twisted keeps this as a list attribute that it re-sorts on every `callLater`; here it is
        computed on demand from a heap, so modifying the list returned has no effect.
        """
        return self._timers.pending()

    def advance(self, amount: float) -> None:
        """Move time forward by ``amount`` seconds and run the calls that have become due.

        Raises:
            BaseException: Whatever a call raised; the calls after it are not run.
        """
        self.rightNow += amount
        popDue = self._timers.popDue
        while (call := popDue(self.seconds())) is not None:
            call.func(*call.args, **call.kw)

    def pump(self, timings: Iterable[float]) -> None:
        """`advance` by each amount in ``timings`` in turn."""
        for amount in timings:
            self.advance(amount)


@overload
def deferLater(clock: IReactorTime, delay: float, callable: None = None) -> Deferred[None]: ...


@overload
def deferLater(
    clock: IReactorTime,
    delay: float,
    callable: Callable[_P, _T],
    *args: _P.args,
    **kw: _P.kwargs,
) -> Deferred[_T]: ...


def deferLater(
    clock: IReactorTime,
    delay: float,
    callable: Callable[..., Any] | None = None,
    *args: Any,
    **kw: Any,
) -> Deferred[Any]:
    """Return a Deferred that fires after ``delay`` seconds on ``clock``.

    Args:
        clock: The clock to wait on (the reactor, or a `Clock` in tests).
        delay: How many seconds to wait.
        callable: Called with ``*args`` and ``**kw`` once the time has come; its return value
            (or exception) is the Deferred's result. Without it the result is None.
        *args: Positional arguments for ``callable``.
        **kw: Keyword arguments for ``callable``.

    Returns:
        A Deferred of the result. Cancelling it before the time has come cancels the delayed
        call and fails the Deferred with `CancelledError`.
    """

    def cancelCall(_: Deferred[Any]) -> None:
        delayedCall.cancel()

    deferred: Deferred[Any] = Deferred(cancelCall)
    if callable is not None:
        deferred.addCallback(lambda _: callable(*args, **kw))
    delayedCall = clock.callLater(delay, deferred.callback, None)
    return deferred
