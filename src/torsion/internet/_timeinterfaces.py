"""The time interfaces, `IDelayedCall` and `IReactorTime` (public in `torsion.internet.interfaces`).

The lowest of the interfaces: the Deferred takes an `IReactorTime` (``addTimeout``), and so sits
below the rest of ``interfaces``, which speaks of Deferreds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ParamSpec, Protocol, runtime_checkable

__all__ = ["IDelayedCall", "IReactorTime"]

_P = ParamSpec("_P")


@runtime_checkable
class IDelayedCall(Protocol):
    """A call scheduled to run later, which can still be cancelled or moved.

    Once the call has run or been cancelled it is inactive, and `cancel`, `delay` and `reset`
    raise `torsion.internet.error.AlreadyCalled` or `torsion.internet.error.AlreadyCancelled`.
    """

    def getTime(self) -> float:
        """Return the time at which the call is due, on its clock's `IReactorTime.seconds` scale."""
        ...

    def cancel(self) -> None:
        """Unschedule the call so it never runs.

        Raises:
            AlreadyCalled: The call has already run.
            AlreadyCancelled: The call was already cancelled.
        """
        ...

    def delay(self, secondsLater: float) -> None:
        """Move the call ``secondsLater`` seconds after the time it is currently due.

        A negative value moves it earlier.

        Raises:
            AlreadyCalled: The call has already run.
            AlreadyCancelled: The call was already cancelled.
        """
        ...

    def reset(self, secondsFromNow: float) -> None:
        """Make the call due ``secondsFromNow`` seconds after the clock's current time.

        The same as cancelling it and scheduling it again, except that it is the same object.

        Raises:
            AlreadyCalled: The call has already run.
            AlreadyCancelled: The call was already cancelled.
        """
        ...

    def active(self) -> bool:
        """Return True until the call has run or been cancelled."""
        ...


@runtime_checkable
class IReactorTime(Protocol):
    """A clock that can run calls later: the reactor, or `torsion.internet.task.Clock` in tests.

    Code that takes an `IReactorTime` instead of using the global reactor can be tested without
    waiting for real time to pass.
    """

    def seconds(self) -> float:
        """Return the current time in seconds (the scale `callLater` and `getTime` use)."""
        ...

    def callLater(
        self, delay: float, callable: Callable[_P, object], *args: _P.args, **kwargs: _P.kwargs
    ) -> IDelayedCall:
        """Call ``callable(*args, **kwargs)`` once ``delay`` seconds have passed.

        Args:
            delay: Seconds from now; 0 means as soon as possible, but never from inside
                this call.
            callable: What to call; its return value is ignored.
            *args: Positional arguments for ``callable``.
            **kwargs: Keyword arguments for ``callable``.

        Returns:
            The scheduled call, which can be cancelled or moved until it runs.
        """
        ...

    def getDelayedCalls(self) -> Sequence[IDelayedCall]:
        """Return the calls that are scheduled and have neither run nor been cancelled."""
        ...


# -- transports, protocols, producers and consumers -------------------------------------------
