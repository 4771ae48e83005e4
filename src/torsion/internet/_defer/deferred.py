"""The `Deferred` class: a result that arrives later, with a chain of callbacks to process it.

The callback loop is iterative. When a callback returns a Deferred that has no result yet, the
outer Deferred pauses and leaves a *continuation* marker in the inner one's callback list; when
the inner one fires, its loop meets the marker and carries on with the outer Deferred in the
same loop (an explicit stack, ``chain``) instead of calling into it. So chains of any length
never grow the Python stack.
"""

from __future__ import annotations

import traceback
import warnings
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any, ClassVar, Concatenate, Generic, ParamSpec, TypeVar, overload

from torsion.internet._defer.waiter import Waiter
from torsion.logger import Logger
from torsion.python.failure import Failure

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Coroutine

    from torsion.internet._baseinterfaces import IReactorTime

__all__ = [
    "AlreadyCalledError",
    "CancelledError",
    "Deferred",
    "NotACoroutineError",
    "TimeoutError",
    "getDebugging",
    "setDebugging",
]

_T = TypeVar("_T")
_S = TypeVar("_S")
_P = ParamSpec("_P")

_log = Logger(namespace="torsion")


class AlreadyCalledError(Exception):
    """`callback` or `errback` was called on a Deferred that already has a result.

    As in Twisted, its only argument is the debug report of where the Deferred was created
    and first fired, and it has none when debugging (`setDebugging`) is off.
    """

    def __str__(self) -> str:
        if self.args:
            return super().__str__()
        return "Deferred already has a result (use setDebugging(True) to see where)"


class CancelledError(Exception):
    """The Deferred was cancelled before it had a result."""


class TimeoutError(Exception):  # Twisted's name; not the builtin.
    """The Deferred did not fire within the time given to `Deferred.addTimeout`."""


class NotACoroutineError(TypeError):
    """`ensureDeferred` or `Deferred.fromCoroutine` was given something that is not one."""


class _Continue:
    """Marker in a callback list: hand the current result to the Deferred waiting on this one."""


_CONTINUE: Any = _Continue()


class _FailureReporter:
    """Logs a Failure nobody handled, when the Deferred holding it is garbage-collected.

    Only Deferreds whose chain ended in a Failure get one, so the common path pays nothing.
    """

    __slots__ = ("creator", "failResult", "invoker")

    def __init__(self) -> None:
        self.failResult: Failure | None = None
        self.creator: list[str] | None = None
        self.invoker: list[str] | None = None

    def __del__(self) -> None:
        failure = self.failResult
        if failure is None:
            return
        parts: list[str] = []
        if self.creator:
            parts += ["(debug: Deferred created at)\n", *self.creator]
        if self.invoker:
            parts += ["(debug: Deferred fired at)\n", *self.invoker]
        if parts:
            debugInfo = "".join(parts).rstrip("\n")
            _log.failure("Unhandled error in Deferred:\n{debugInfo}", failure, debugInfo=debugInfo)
        else:
            _log.failure("Unhandled error in Deferred:", failure)


def _stackHere() -> list[str]:
    """The caller's caller's stack, formatted, for debug-mode reports."""
    return traceback.format_stack()[:-2]


def _taggedStack(tag: str, title: str, stack: list[str]) -> str:
    """``title`` and then ``stack``, every line prefixed with `` tag:`` (Twisted's layout)."""
    prefix = f"\n {tag}:"
    return f" {tag}: {title}{prefix}" + "".join(stack).rstrip().replace("\n", prefix) + "\n"


# Twisted 25.5.0 made the callback list private; the attribute stays, with this warning.
_CALLBACKS_DEPRECATED = "torsion.internet.defer.Deferred.callbacks was deprecated in Twisted 25.5.0"


def _returnTimeoutFromCancel(value: object, timeout: float) -> object:
    """Turn the CancelledError caused by a timeout into a TimeoutError; pass anything else."""
    if isinstance(value, Failure):
        value.trap(CancelledError)
        raise TimeoutError(timeout, "Deferred")
    return value


class Deferred(Generic[_T]):
    """A result that is not available yet, plus the callbacks that will process it.

    Callbacks and errbacks are added in pairs; when the Deferred fires, each pair sees the
    previous one's outcome: a value goes to the callback, a `Failure` to the errback. A callback
    that raises (or returns a Failure) switches the chain to errbacks; an errback that returns a
    value switches it back. A callback that returns another Deferred suspends the chain until
    that one fires, then continues with its result.

    Args:
        canceller: Called with this Deferred by `cancel` to abort the work producing the result.
            If it does not fire the Deferred, `cancel` errbacks it with `CancelledError`.

    Attributes:
        called: True once `callback` or `errback` was called.
        paused: How many times the chain is paused; no callbacks run while it is non-zero.
        result: The current result (only once `called`).
    """

    # Slots make creation and the loop's attribute accesses cheaper; __dict__ stays so that
    # programs may still hang their own attributes on a Deferred, as they can in Twisted.
    __slots__ = (
        "__dict__",
        "__weakref__",
        "_callbacks",
        "_canceller",
        "_chainedTo",
        "_reporter",
        "_runningCallbacks",
        "called",
        "paused",
        "result",
    )

    debug: ClassVar[bool] = False
    result: Any
    # Rarely set, so class-level defaults (in the instance __dict__ once set) keep creation
    # cheap: a Deferred is created for nearly every asynchronous operation.
    _suppressAlreadyCalled: bool = False

    def __init__(self, canceller: Callable[[Deferred[Any]], None] | None = None) -> None:
        # Each entry: (callback, args, kwargs, errback, args, kwargs). A None function passes
        # the result through; None args mean "call with the result alone" (the fast path).
        self._callbacks: list[tuple[Any, ...]] = []
        self.called = False
        self.paused = 0
        self._canceller = canceller
        self._runningCallbacks = False
        self._reporter: _FailureReporter | None = None
        self._chainedTo: Deferred[Any] | None = None
        if Deferred.debug:
            self._getReporter().creator = _stackHere()

    @property
    def callbacks(self) -> list[tuple[Any, ...]]:
        """The pending callback pairs: internal state (deprecated, as in Twisted 25.5.0)."""
        warnings.warn(_CALLBACKS_DEPRECATED, DeprecationWarning, stacklevel=2)
        return self._callbacks

    # -- adding callbacks ----------------------------------------------------------------------

    def addCallbacks(
        self,
        callback: Callable[..., Any],
        errback: Callable[..., Any] | None = None,
        callbackArgs: tuple[Any, ...] = (),
        callbackKeywords: dict[str, Any] | None = None,
        errbackArgs: tuple[Any, ...] = (),
        errbackKeywords: dict[str, Any] | None = None,
    ) -> Deferred[Any]:
        """Add a callback and an errback as one pair; neither sees errors raised by the other.

        Returns this Deferred, so calls can be chained.
        """
        self._callbacks.append(
            (
                callback,
                callbackArgs if (callbackArgs or callbackKeywords) else None,
                callbackKeywords or {},
                errback,
                errbackArgs if (errbackArgs or errbackKeywords) else None,
                errbackKeywords or {},
            )
        )
        if self.called:
            self._runCallbacks()
        return self

    @overload
    def addCallback(
        self,
        callback: Callable[Concatenate[_T, _P], Deferred[_S]],
        *args: _P.args,
        **kwargs: _P.kwargs,
    ) -> Deferred[_S]: ...

    @overload
    def addCallback(
        self,
        callback: Callable[Concatenate[_T, _P], Failure | _S | Deferred[_S]],
        *args: _P.args,
        **kwargs: _P.kwargs,
    ) -> Deferred[_S]: ...

    def addCallback(self, callback: Any, *args: Any, **kwargs: Any) -> Deferred[Any]:
        """Add a callback for a successful result; failures pass by it unchanged."""
        self._callbacks.append(
            (callback, args if (args or kwargs) else None, kwargs, None, None, None)
        )
        if self.called:
            self._runCallbacks()
        return self

    @overload
    def addErrback(
        self,
        errback: Callable[Concatenate[Failure, _P], Deferred[_S]],
        *args: _P.args,
        **kwargs: _P.kwargs,
    ) -> Deferred[_T | _S]: ...

    @overload
    def addErrback(
        self,
        errback: Callable[Concatenate[Failure, _P], Failure | _S | Deferred[_S]],
        *args: _P.args,
        **kwargs: _P.kwargs,
    ) -> Deferred[_T | _S]: ...

    def addErrback(self, errback: Any, *args: Any, **kwargs: Any) -> Deferred[Any]:
        """Add an errback for a failure; successful results pass by it unchanged."""
        self._callbacks.append(
            (None, None, None, errback, args if (args or kwargs) else None, kwargs)
        )
        if self.called:
            self._runCallbacks()
        return self

    @overload
    def addBoth(
        self,
        callback: Callable[Concatenate[_T | Failure, _P], Deferred[_S]],
        *args: _P.args,
        **kwargs: _P.kwargs,
    ) -> Deferred[_S]: ...

    @overload
    def addBoth(
        self,
        callback: Callable[Concatenate[_T | Failure, _P], Failure | _S | Deferred[_S]],
        *args: _P.args,
        **kwargs: _P.kwargs,
    ) -> Deferred[_S]: ...

    def addBoth(self, callback: Any, *args: Any, **kwargs: Any) -> Deferred[Any]:
        """Add one function as both callback and errback: it sees whatever the result is."""
        extra = args if (args or kwargs) else None
        self._callbacks.append((callback, extra, kwargs, callback, extra, kwargs))
        if self.called:
            self._runCallbacks()
        return self

    def chainDeferred(self, d: Deferred[_T]) -> Deferred[None]:
        """Fire ``d`` with this Deferred's result; this Deferred's result becomes None.

        Until then ``d`` records that it waits on this one (its repr says so).
        """
        d._chainedTo = self
        return self.addBoth(d._fireChained)

    def _fireChained(self, result: _T | Failure) -> None:
        """Fire with the result of the Deferred this one was chained to (`chainDeferred`)."""
        self._chainedTo = None
        self.callback(result)

    def addTimeout(
        self,
        timeout: float,
        clock: IReactorTime,
        onTimeoutCancel: Callable[[Any, float], Any] | None = None,
    ) -> Deferred[_T]:
        """Cancel this Deferred if it has not fired after ``timeout`` seconds on ``clock``.

        The CancelledError caused by the timeout becomes `TimeoutError`, unless
        ``onTimeoutCancel(result, timeout)`` is given: then its return value is the result.
        """
        timedOut = False

        def timeItOut() -> None:
            nonlocal timedOut
            timedOut = True
            self.cancel()

        delayedCall = clock.callLater(timeout, timeItOut)

        def convertCancelled(result: object) -> object:
            if timedOut:
                return (onTimeoutCancel or _returnTimeoutFromCancel)(result, timeout)
            return result

        def cancelTimeout(result: object) -> object:
            if delayedCall.active():
                delayedCall.cancel()
            return result

        self.addBoth(convertCancelled).addBoth(cancelTimeout)
        return self

    # -- firing --------------------------------------------------------------------------------

    def callback(self, result: _T | Failure) -> None:
        """Give this Deferred its result and run the callbacks.

        Raises:
            AlreadyCalledError: It already has a result.
        """
        if self.called:
            self._calledAgain()
            return
        if self.debug:
            self._getReporter().invoker = _stackHere()
        self.called = True
        # It can no longer be called, and it may well refer to this Deferred: drop the cycle.
        self._canceller = None
        self.result = result
        if self._callbacks or self.paused or isinstance(result, Failure):
            self._runCallbacks()

    def errback(self, fail: Failure | BaseException | None = None) -> None:
        """Fail this Deferred and run the errbacks.

        Args:
            fail: A Failure or an exception. With none, the exception being handled is used
                (`NoCurrentExceptionError` outside an ``except`` block). Anything else is
                wrapped in an `Exception` carrying its text.

        Raises:
            AlreadyCalledError: It already has a result.
        """
        if not isinstance(fail, Failure):
            fail = Failure(fail, captureVars=self.debug)
        if self.called:
            self._calledAgain()
            return
        if self.debug:
            self._getReporter().invoker = _stackHere()
        self.called = True
        self._canceller = None
        self.result = fail
        self._runCallbacks()

    def _calledAgain(self) -> None:
        if self._suppressAlreadyCalled:
            # The first result after a cancel without canceller is expected and dropped.
            self._suppressAlreadyCalled = False
            return
        reporter = self._reporter
        if reporter is None or not (reporter.creator or reporter.invoker):
            raise AlreadyCalledError()
        report = "\n"
        if reporter.creator:
            report += _taggedStack("C", "Deferred was created:", reporter.creator)
        if reporter.invoker:
            report += _taggedStack("I", "First Invoker was:", reporter.invoker)
        raise AlreadyCalledError(report)

    def pause(self) -> None:
        """Stop running callbacks until a matching `unpause`."""
        self.paused += 1

    def unpause(self) -> None:
        """Undo one `pause`; when none remain, run the callbacks that are due."""
        self.paused -= 1
        if self.paused:
            return
        if self.called:
            self._runCallbacks()

    def cancel(self, msg: object = None) -> None:
        """Ask for the work behind this Deferred to stop.

        Unfired: the canceller runs, and unless it fired the Deferred, the Deferred fails with
        `CancelledError`. Waiting on a Deferred returned by a callback: that one is cancelled.
        Already fired: nothing happens. (``msg`` exists so an asyncio Task can cancel what it
        awaits; it is ignored.)
        """
        if not self.called:
            canceller = self._canceller
            if canceller is not None:
                canceller(self)
            else:
                self._suppressAlreadyCalled = True
            if not self.called:
                self.errback(Failure(CancelledError()))
        elif isinstance(self.result, Deferred):
            self.result.cancel()

    # -- the callback loop ---------------------------------------------------------------------

    def _runCallbacks(self) -> None:
        # The hottest code in torsion: one function, no helper calls on the common path.
        if self._runningCallbacks:
            # Called from inside one of our own callbacks: the loop already running will reach
            # whatever was just added.
            return
        current: Deferred[Any] = self
        # Deferreds whose loops were interrupted to resume one waiting on them (created only
        # when that happens); each carries on once the one it resumed is done.
        interrupted: list[Deferred[Any]] | None = None
        while True:
            if current.paused:
                # Waiting on another Deferred (or paused by the user): whatever is further up
                # the chain has to wait too.
                return
            callbacks = current._callbacks
            resumed: Deferred[Any] | None = None
            index = 0
            current._runningCallbacks = True
            try:
                # Callbacks may append to the list while it runs; an index sees them.
                while index < len(callbacks):
                    item = callbacks[index]
                    index += 1
                    result = current.result
                    if isinstance(result, Failure):
                        function, args, kwargs = item[3], item[4], item[5]
                    else:
                        function, args, kwargs = item[0], item[1], item[2]
                    if function is None:
                        continue
                    if function is _CONTINUE:
                        # Hand the result to the Deferred that chained onto this one.
                        resumed = args
                        resumed.result = result
                        resumed._chainedTo = None
                        resumed.paused -= 1
                        current.result = None
                        if current._reporter is not None:
                            current._reporter.failResult = None
                        break
                    try:
                        if args is None:
                            result = function(result)
                        else:
                            result = function(result, *args, **kwargs)
                    except BaseException:
                        result = Failure(captureVars=current.debug)
                    if isinstance(result, Deferred):
                        if (result.called and not result.paused) or result is current:
                            current._takeResultOf(result)
                        else:
                            # No result yet: pause until it has one, and have it hand its
                            # result over (the continuation marker) when it does.
                            current.result = result
                            current.paused += 1
                            current._chainedTo = result
                            result._callbacks.append(
                                (_CONTINUE, current, None, _CONTINUE, current, None)
                            )
                            break
                    else:
                        current.result = result
            finally:
                current._runningCallbacks = False
                if index == len(callbacks):
                    callbacks.clear()
                else:
                    del callbacks[:index]
            if resumed is not None:
                if interrupted is None:
                    interrupted = []
                interrupted.append(current)
                current = resumed
                continue
            result = current.result
            if isinstance(result, Failure):
                result.cleanFailure()
                current._getReporter().failResult = result
            elif current._reporter is not None:
                current._reporter.failResult = None
            if not interrupted:
                return
            current = interrupted.pop()

    def _takeResultOf(self, inner: Deferred[Any]) -> None:
        """A callback returned ``inner``, which has its result: take it, leaving None behind.

        (As Twisted does.) A callback returning its own Deferred would wait on itself forever,
        which Twisted only warns about: here it is an error.
        """
        if inner is self:
            self.result = Failure(TypeError("a callback returned the Deferred it was added to"))
            return
        self.result = inner.result
        inner.result = None
        if inner._reporter is not None:
            inner._reporter.failResult = None

    def _getReporter(self) -> _FailureReporter:
        reporter = self._reporter
        if reporter is None:
            reporter = self._reporter = _FailureReporter()
        return reporter

    # -- coroutines and asyncio -----------------------------------------------------------------

    def __await__(self) -> Generator[Any, None, _T]:
        """Let a coroutine ``await`` this Deferred (under `ensureDeferred` or an asyncio Task).

        A result that is already there is returned without suspending the coroutine.
        """
        if self.called and not self.paused:
            result = self.result
            if isinstance(result, Failure):
                # Handed to the coroutine, which now owns the error: it is not lost.
                if self._reporter is not None:
                    self._reporter.failResult = None
                result.raiseException()
            return result  # type: ignore[no-any-return]
        waiter = Waiter(self)
        yield waiter
        result = waiter.take()
        if isinstance(result, Failure):
            result.raiseException()
        return result  # type: ignore[no-any-return]

    __iter__ = __await__

    @classmethod
    def fromCoroutine(cls, coro: Coroutine[Any, Any, _S] | Generator[Any, Any, _S]) -> Deferred[_S]:
        """Run ``coro`` until it first waits, and return a Deferred of its final result.

        Cancelling the Deferred cancels what the coroutine is awaiting at that moment.

        Raises:
            NotACoroutineError: ``coro`` is not a coroutine or a generator.
        """
        from torsion.internet._defer.coroutines import driveCoroutine

        return driveCoroutine(coro)

    @classmethod
    def fromFuture(cls, future: asyncio.Future[_S]) -> Deferred[_S]:
        """A Deferred mirroring an asyncio Future; cancelling either cancels the other.

        Cancelling the Deferred cancels the Future and then waits for its outcome (a Task may
        catch the cancellation and still return a value). A cancelled Future gives a failure
        of `asyncio.CancelledError`, as in Twisted.
        """
        # Twisted's design: the canceller fires the Deferred with a marker, which the first
        # callback swaps for a fresh Deferred that the Future's eventual outcome fires.
        futureCancel = object()
        actual: Deferred[Any]

        def adapt(future: asyncio.Future[_S]) -> None:
            try:
                extracted: object = future.result()
            except BaseException:
                extracted = Failure()
            actual.callback(extracted)

        def cancel(reself: Deferred[Any]) -> None:
            future.cancel()
            reself.callback(futureCancel)

        def uncancel(result: object) -> object:
            nonlocal actual
            if result is futureCancel:
                actual = Deferred()
                return actual
            return result

        d: Deferred[_S] = Deferred(cancel)
        actual = d
        d.addCallback(uncancel)
        future.add_done_callback(adapt)
        return d

    def asFuture(self, loop: asyncio.AbstractEventLoop) -> asyncio.Future[_T]:
        """An asyncio Future mirroring this Deferred; cancelling the Future cancels it.

        The Future takes over the result: this Deferred's result becomes None.
        """
        future: asyncio.Future[_T] = loop.create_future()

        def adapt(result: _T | Failure) -> None:
            if future.done():
                return
            if isinstance(result, Failure):
                future.set_exception(result.value)
            else:
                future.set_result(result)

        def cancelled(future: asyncio.Future[_T]) -> None:
            if future.cancelled():
                self.cancel()

        future.add_done_callback(cancelled)
        self.addBoth(adapt)
        return future

    def __repr__(self) -> str:
        name = type(self).__name__
        if self._chainedTo is not None:
            state = f" waiting on {type(self._chainedTo).__name__} at 0x{id(self._chainedTo):x}"
        elif self.called:
            state = f" current result: {self.result!r}"
        else:
            state = ""
        return f"<{name} at 0x{id(self):x}{state}>"

    __str__ = __repr__


def setDebugging(on: bool) -> None:
    """Record where Deferreds are created and fired, for error reports (slow; for debugging)."""
    Deferred.debug = bool(on)


def getDebugging() -> bool:
    """Whether `setDebugging` is on."""
    return Deferred.debug
