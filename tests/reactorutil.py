"""Running a reactor in tests: until a Deferred fires, with a bound that only fails hung tests."""

from __future__ import annotations

from typing import Any, TypeVar

import pytest

from torsion.internet._core import ReactorCore
from torsion.internet.defer import Deferred, succeed
from torsion.internet.error import ReactorNotRunning
from torsion.python.failure import Failure

__all__ = ["HANG_BOUND", "runBounded", "runUntilFired", "shutDown"]

_T = TypeVar("_T")

#: Seconds after which a test that is still waiting is failed as hung. No test passes by
#: waiting for it: it is a bound for failure only.
HANG_BOUND = 10.0


def runUntilFired(reactor: ReactorCore, d: Deferred[_T], bound: float = HANG_BOUND) -> _T:
    """Run ``reactor`` until ``d`` fires, stop it (full shutdown), and return ``d``'s result.

    The shutdown disconnects every remaining descriptor and stops the thread pool, as a real
    ``stop()`` does. The reactor can be run again afterwards.

    Raises:
        BaseException: What ``d`` failed with.
        pytest.fail.Exception: ``d`` did not fire (or shutdown did not finish) within ``bound``.
    """
    outcome: list[Any] = []
    hung: list[bool] = []

    def finish(result: object) -> None:
        outcome.append(result)
        _stop(reactor)

    def onHang() -> None:
        hung.append(True)
        _stop(reactor)

    reactor.callWhenRunning(d.addBoth, finish)
    guard = reactor.callLater(bound, onHang)
    reactor.run(installSignalHandlers=False)
    if guard.active():
        guard.cancel()
    if hung or not outcome:
        pytest.fail(f"reactor still waiting after {bound} s (hung test)")
    result = outcome[0]
    if isinstance(result, Failure):
        result.raiseException()
    return result  # type: ignore[no-any-return]


def _stop(reactor: ReactorCore) -> None:
    try:
        reactor.stop()
    except ReactorNotRunning:
        # Already stopping, and shutdown is what hangs: end the loop regardless.
        reactor.crash()


def shutDown(reactor: ReactorCore, bound: float = HANG_BOUND) -> None:
    """Run ``reactor`` just long enough to shut it down (disconnect all, stop the pool)."""
    runUntilFired(reactor, succeed(None), bound)


def runBounded(reactor: ReactorCore, bound: float = HANG_BOUND) -> None:
    """``reactor.run()`` for a test that stops the reactor itself; fail it if it hangs."""
    hung: list[bool] = []

    def onHang() -> None:
        hung.append(True)
        reactor.crash()

    guard = reactor.callLater(bound, onHang)
    reactor.run(installSignalHandlers=False)
    if guard.active():
        guard.cancel()
    if hung:
        pytest.fail(f"reactor still running after {bound} s (hung test)")
