"""Running a reactor in a test: until a Deferred fires, or until the test stops it.

Both helpers take a timeout that only fails a hung test (nothing should pass by waiting for it):
tests never sleep, they run the reactor until the thing they wait for has happened.
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

from torsion.internet.defer import Deferred, TimeoutError, ensureDeferred
from torsion.internet.error import ReactorNotRunning
from torsion.python.failure import Failure

if TYPE_CHECKING:
    from torsion.internet.interfaces import IFullReactor

__all__ = [
    "DEFAULT_TIMEOUT",
    "getDefaultTimeout",
    "runUntilFired",
    "runUntilStopped",
    "setDefaultTimeout",
]

_T = TypeVar("_T")

#: Seconds a test may wait on the reactor before it fails as hung (Twisted trial's default).
DEFAULT_TIMEOUT = 120.0

_defaultTimeout = DEFAULT_TIMEOUT


def getDefaultTimeout() -> float:
    """The timeout used when none is given (`DEFAULT_TIMEOUT` unless `setDefaultTimeout`)."""
    return _defaultTimeout


def setDefaultTimeout(seconds: float) -> None:
    """Change the default timeout (the pytest plugin sets it from ``torsion_timeout``).

    Raises:
        ValueError: ``seconds`` is not positive.
    """
    global _defaultTimeout
    if not seconds > 0:
        raise ValueError(f"the timeout must be positive, not {seconds!r}")
    _defaultTimeout = float(seconds)


class _Waiter:
    """Runs the loop until a Deferred has a result, then ends it by crash or full stop."""

    def __init__(self, reactor: IFullReactor, shutdown: bool) -> None:
        self.reactor = reactor
        self.shutdown = shutdown
        self.outcome: list[object] = []
        self.looping = False

    def finish(self, result: object) -> None:
        if not self.outcome:
            self.outcome.append(result)
            if self.looping:
                self.end()

    def started(self) -> None:
        self.looping = True
        if self.outcome:
            self.end()

    def end(self) -> None:
        if not self.shutdown:
            self.reactor.crash()
            return
        try:
            self.reactor.stop()
        except ReactorNotRunning:
            # Already stopping, and it is the shutdown that hangs: end the loop regardless.
            self.reactor.crash()

    def timedOut(self, d: Deferred[Any], message: str) -> None:
        if self.outcome:  # fired, but the shutdown that followed hangs
            self.reactor.crash()
        elif not d.called:
            # As trial does: the test's own errbacks see the timeout.
            d.errback(Failure(TimeoutError(message)))
        else:  # fired into a callback that waits on something else
            self.finish(Failure(TimeoutError(message)))
            self.reactor.crash()


def runUntilFired(
    reactor: IFullReactor,
    d: Deferred[_T] | Coroutine[Any, Any, _T],
    timeout: float | None = None,
    *,
    shutdown: bool = False,
    what: str = "Deferred",
) -> _T:
    """Run ``reactor`` until ``d`` fires; return its result or raise what it failed with.

    The loop ends with ``crash()`` by default, as trial's does: connections and ports stay
    open, so the test can carry on (and must close them; the dirty-reactor check says what
    it forgot). With ``shutdown=True`` it ends with a full ``stop()`` instead: the shutdown
    triggers run, every descriptor is disconnected and the thread pool stops. The reactor can
    run again afterwards either way (torsion's reactors are restartable).

    Args:
        reactor: A reactor that is not running.
        d: The Deferred (or coroutine, which is wrapped with ``ensureDeferred``) to wait for.
        timeout: Seconds before the wait fails as hung (default: `getDefaultTimeout`).
        shutdown: End with a full ``stop()`` rather than ``crash()``.
        what: How a timeout message names ``d``.

    Raises:
        torsion.internet.defer.TimeoutError: ``d`` did not fire within ``timeout``; ``d`` is
            errbacked with it first if it had no result yet, as trial does.
        RuntimeError: Something else stopped the reactor before ``d`` fired.
        BaseException: Whatever ``d`` failed with.
    """
    __tracebackhide__ = True
    deferred = ensureDeferred(d)
    waiter = _Waiter(reactor, shutdown)
    deferred.addBoth(waiter.finish)
    if not (waiter.outcome and not shutdown):
        seconds = getDefaultTimeout() if timeout is None else timeout
        message = f"{what} still running after {seconds:g} s"
        guard = reactor.callLater(seconds, waiter.timedOut, deferred, message)
        reactor.callWhenRunning(waiter.started)
        try:
            reactor.run(installSignalHandlers=False)
        finally:
            if guard.active():
                guard.cancel()
    if not waiter.outcome:
        raise RuntimeError(f"the reactor stopped before the {what} fired")
    result = waiter.outcome[0]
    if isinstance(result, Failure):
        raise result.value.with_traceback(result.tb)
    return result  # type: ignore[return-value]


def runUntilStopped(reactor: IFullReactor, timeout: float | None = None) -> None:
    """``reactor.run()`` for a test that stops (or crashes) the reactor itself.

    Raises:
        torsion.internet.defer.TimeoutError: Still running after ``timeout`` seconds (default:
            `getDefaultTimeout`); the loop is crashed.
    """
    seconds = getDefaultTimeout() if timeout is None else timeout
    hung: list[bool] = []

    def onHang() -> None:
        hung.append(True)
        reactor.crash()

    guard = reactor.callLater(seconds, onHang)
    try:
        reactor.run(installSignalHandlers=False)
    finally:
        if guard.active():
            guard.cancel()
    if hung:
        raise TimeoutError(f"reactor still running after {seconds:g} s")
