"""`LoopingCall`: call a function every so many seconds, on a fixed grid of times."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Coroutine
from types import CoroutineType
from typing import Any, ParamSpec, cast

from torsion.internet._globalreactor import globalReactor
from torsion.internet.defer import Deferred
from torsion.internet.interfaces import IDelayedCall, IReactorTime
from torsion.python.failure import Failure

__all__ = ["LoopingCall"]

_P = ParamSpec("_P")

# Results of f that make the loop wait (or fail) instead of scheduling the next call at once.
_ASYNC_RESULTS = (Deferred, Failure, CoroutineType)


class LoopingCall:
    """Call ``f(*a, **kw)`` every ``interval`` seconds.

    Calls are due at ``starttime + k * interval``. When the clock falls behind (the process was
    blocked, or ``f`` or its Deferred took longer than an interval), the missed times are
    skipped, never run in a burst: blocked for 3.5 s with an interval of 1, the next calls are
    at 3.5 and 4.0. `withCount` tells ``f`` how many intervals passed.

    If ``f`` returns a Deferred (or a coroutine, run as one), the next call is scheduled only
    once it fires. If ``f`` raises, returns a `Failure` or its Deferred fails, the loop stops and
    the Deferred returned by `start` fails with that error.

    Attributes:
        f: The function called.
        a: Its positional arguments.
        kw: Its keyword arguments.
        running: True from `start` until `stop`, or until ``f`` fails.
        interval: Seconds between calls, once started.
        starttime: The clock time the grid of calls starts from (`start`, or the last `reset`).
        call: The scheduled next call, or None while ``f`` (or its Deferred) is running.
    """

    call: IDelayedCall | None = None
    running: bool = False
    interval: float | None = None
    starttime: float | None = None
    _deferred: Deferred[LoopingCall] | None = None
    _runAtStart: bool = False
    _realLastTime: float | None = None
    _clock: IReactorTime | None = None

    def __init__(self, f: Callable[_P, object], *a: _P.args, **kw: _P.kwargs) -> None:
        self.f: Callable[..., object] = f
        self.a: tuple[Any, ...] = a
        self.kw: dict[str, Any] = kw

    @property
    def clock(self) -> IReactorTime:
        """The clock calls are scheduled on: the global reactor unless set (set it in tests).

        The reactor is imported the first time it is needed, not when the LoopingCall is made.
        """
        clock = self._clock
        if clock is None:
            clock = self._clock = cast(IReactorTime, globalReactor())
        return clock

    @clock.setter
    def clock(self, clock: IReactorTime) -> None:
        self._clock = clock

    @property
    def deferred(self) -> Deferred[LoopingCall] | None:
        """The Deferred of the running loop (deprecated since Twisted 16.0.0: use `start`'s)."""
        warnings.warn(
            "torsion.internet.task.LoopingCall.deferred was deprecated in Twisted 16.0.0;"
            " please use the deferred returned by start() instead",
            DeprecationWarning,
            stacklevel=2,
        )
        return self._deferred

    @classmethod
    def withCount(cls, countCallable: Callable[[int], object]) -> LoopingCall:
        """Make a LoopingCall that calls ``countCallable(count)`` instead of a function.

        ``count`` is how many intervals have passed since the previous call: normally 1, more
        after missed intervals (an animation can then skip that many frames). With an interval
        of 0 it is always 1.
        """

        def countedCall() -> object:
            count = loop._intervalsSinceLastCall()
            return countCallable(count) if count > 0 else None

        # Through a plain callable type: mypy cannot match ``cls(...)`` against the ParamSpec
        # of __init__ inside a classmethod.
        factory: Callable[[Callable[[], object]], LoopingCall] = cls
        loop = factory(countedCall)
        return loop

    def _intervalsSinceLastCall(self) -> int:
        now = self.clock.seconds()
        interval, starttime = self.interval, self.starttime
        assert interval is not None and starttime is not None, "LoopingCall not started"
        if interval == 0:
            self._realLastTime = now
            return 1
        lastTime = self._realLastTime
        if lastTime is None:
            # The first call: count from the start, or one interval before it when the first
            # call is made at once (so that it counts 1).
            lastTime = starttime - interval if self._runAtStart else starttime
        count = int((now - starttime) / interval) - int((lastTime - starttime) / interval)
        if count > 0:
            self._realLastTime = now
        return count

    def start(self, interval: float, now: bool = True) -> Deferred[LoopingCall]:
        """Start calling ``f`` every ``interval`` seconds.

        Args:
            interval: Seconds between calls; 0 means on every reactor iteration.
            now: Make the first call at once (True) or after one interval.

        Returns:
            A Deferred fired with this LoopingCall when `stop` is called, or failed with the
            error of ``f`` if it fails. `running` is already False when it fires.

        Raises:
            ValueError: ``interval`` is negative.
            AssertionError: The loop is already running (Twisted's exception for this).
        """
        if self.running:
            raise AssertionError("Tried to start an already running LoopingCall.")
        if interval < 0:
            raise ValueError("interval must be >= 0")
        self.running = True
        # Keep a local reference: if the first call fails, self._deferred is already cleared.
        deferred: Deferred[LoopingCall] = Deferred()
        self._deferred = deferred
        self.starttime = self.clock.seconds()
        self.interval = interval
        self._runAtStart = now
        if now:
            self()
        else:
            self._scheduleFrom(self.starttime)
        return deferred

    def stop(self) -> None:
        """Stop calling ``f``.

        The Deferred returned by `start` fires now, or, if ``f``'s Deferred is still pending,
        once that fires.

        Raises:
            AssertionError: The loop is not running (Twisted's exception for this).
        """
        if not self.running:
            raise AssertionError("Tried to stop a LoopingCall that was not running.")
        self.running = False
        call = self.call
        if call is not None:
            self.call = None
            call.cancel()
            self._finish()

    def reset(self) -> None:
        """Skip the next call and restart the grid of call times from now.

        Does nothing while ``f``'s Deferred is pending.

        Raises:
            AssertionError: The loop is not running (Twisted's exception for this).
        """
        if not self.running:
            raise AssertionError("Tried to reset a LoopingCall that was not running.")
        call = self.call
        if call is not None:
            self.call = None
            call.cancel()
            self.starttime = self.clock.seconds()
            self._scheduleFrom(self.starttime)

    def __call__(self) -> None:
        """Make one call of ``f`` and schedule the next (the timed call's target)."""
        self.call = None
        try:
            result = self.f(*self.a, **self.kw)
        except BaseException:
            self._failed(Failure())
            return
        if isinstance(result, _ASYNC_RESULTS):
            self._waitFor(result)
        elif self.running:
            self._scheduleFrom(self.clock.seconds())
        else:
            # f called stop() itself.
            self._finish()

    def _waitFor(self, result: Deferred[object] | Failure | Coroutine[Any, Any, object]) -> None:
        if isinstance(result, Failure):
            self._failed(result)
            return
        deferred = result if isinstance(result, Deferred) else Deferred.fromCoroutine(result)
        deferred.addCallbacks(self._resultArrived, self._failed)

    def _resultArrived(self, result: object) -> None:
        if self.running:
            self._scheduleFrom(self.clock.seconds())
        else:
            self._finish()

    def _failed(self, failure: Failure) -> None:
        self.running = False
        deferred, self._deferred = self._deferred, None
        assert deferred is not None
        deferred.errback(failure)

    def _finish(self) -> None:
        deferred, self._deferred = self._deferred, None
        assert deferred is not None
        deferred.callback(self)

    def _scheduleFrom(self, when: float) -> None:
        """Schedule the next call at the first grid time after ``when``."""
        interval, starttime = self.interval, self.starttime
        assert interval is not None and starttime is not None
        if interval == 0:
            delay = 0.0
        else:
            delay = interval - (when - starttime) % interval
            if when + delay == when:
                # ``when`` is on the grid give or take rounding, and the remainder came out
                # just under ``interval``: a delay too small to change ``when`` would call f
                # twice at the same time. The next grid time is a whole interval away.
                delay = interval
        self.call = self.clock.callLater(delay, self)

    def __repr__(self) -> str:
        """Show the interval, the function and its arguments."""
        name = getattr(self.f, "__qualname__", None)
        if not isinstance(name, str):
            name = repr(self.f)
        return f"LoopingCall<{self.interval!r}>({name}, *{self.a!r}, **{self.kw!r})"
