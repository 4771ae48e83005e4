"""Tests for cancelling Deferreds and for `Deferred.addTimeout`."""

from __future__ import annotations

import builtins
import gc
import logging
from collections.abc import Callable
from typing import Any

import pytest

from tests.internet._deferhelpers import (
    UNHANDLED,
    MarkedError,
    assertNoResult,
    failureOf,
    loggedFailure,
    resultOf,
)
from torsion.internet.defer import (
    AlreadyCalledError,
    CancelledError,
    Deferred,
    TimeoutError,
    fail,
    succeed,
)
from torsion.internet.task import Clock
from torsion.python.failure import Failure


class Canceller:
    """Records the Deferreds it was asked to cancel, and optionally fires them."""

    def __init__(self, action: Callable[[Deferred[Any]], None] | None = None) -> None:
        self.cancelled: list[Deferred[Any]] = []
        self.action = action

    def __call__(self, d: Deferred[Any]) -> None:
        self.cancelled.append(d)
        if self.action is not None:
            self.action(d)


# -- cancel ----------------------------------------------------------------------------------


def test_cancelWithoutCanceller() -> None:
    d: Deferred[int] = Deferred()
    d.cancel()
    assert d.called
    assert failureOf(d).check(CancelledError)


def test_lateCallbackAfterCancelIsSwallowedOnce() -> None:
    d: Deferred[int] = Deferred()
    d.cancel()
    d.callback(1)  # the operation finishing after all: ignored
    assert failureOf(d).check(CancelledError)
    with pytest.raises(AlreadyCalledError):
        d.callback(2)


def test_lateErrbackAfterCancelIsSwallowed() -> None:
    d: Deferred[int] = Deferred()
    d.cancel()
    d.errback(MarkedError())
    assert failureOf(d).check(CancelledError)


def test_cancellerIsCalled() -> None:
    canceller = Canceller()
    d: Deferred[int] = Deferred(canceller)
    d.cancel()
    assert canceller.cancelled == [d]
    assert failureOf(d).check(CancelledError)


def test_lateCallbackAfterCancellerIsAnError() -> None:
    """With a canceller, nothing is swallowed: the canceller was supposed to stop the work."""
    d: Deferred[int] = Deferred(Canceller())
    d.cancel()
    with pytest.raises(AlreadyCalledError):
        d.callback(1)
    assert failureOf(d).check(CancelledError)


def test_cancellerFiringWithValue() -> None:
    d: Deferred[str] = Deferred(Canceller(lambda d: d.callback("cancelled nicely")))
    d.cancel()
    assert resultOf(d) == "cancelled nicely"


def test_cancellerFiringWithError() -> None:
    error = MarkedError()
    d: Deferred[str] = Deferred(Canceller(lambda d: d.errback(error)))
    d.cancel()
    assert failureOf(d).value is error


def test_cancellerRaising() -> None:
    def broken(d: Deferred[Any]) -> None:
        raise MarkedError("canceller broke")

    d: Deferred[int] = Deferred(broken)
    with pytest.raises(MarkedError):
        d.cancel()
    assert not d.called


def test_cancelAfterFiringIsANoOp() -> None:
    canceller = Canceller()
    d: Deferred[int] = Deferred(canceller)
    d.callback(5)
    d.cancel()
    assert canceller.cancelled == []
    assert resultOf(d) == 5


def test_cancelAfterFailureIsANoOp() -> None:
    error = MarkedError()
    d = fail(error)
    d.cancel()
    assert failureOf(d).value is error


def test_cancelTwice() -> None:
    canceller = Canceller()
    d: Deferred[int] = Deferred(canceller)
    d.cancel()
    d.cancel()
    assert canceller.cancelled == [d]
    assert failureOf(d).check(CancelledError)


def test_cancelAcceptsAMessage() -> None:
    d: Deferred[int] = Deferred()
    d.cancel("why")
    assert failureOf(d).check(CancelledError)


def test_cancelPausedFiredDeferredIsANoOp() -> None:
    d = succeed(1)
    d.pause()
    d.cancel()
    d.unpause()
    assert resultOf(d) == 1


def test_cancelCallbacksSeeCancelledError() -> None:
    d: Deferred[int] = Deferred()
    seen: list[Failure] = []
    d.addErrback(seen.append)
    d.cancel()
    assert len(seen) == 1
    assert seen[0].check(CancelledError)


def test_cancelOuterCancelsInner() -> None:
    innerCanceller = Canceller()
    inner: Deferred[str] = Deferred(innerCanceller)
    outer = succeed(1).addCallback(lambda _: inner)
    outer.cancel()
    assert innerCanceller.cancelled == [inner]
    assert failureOf(outer).check(CancelledError)
    assert inner.result is None


def test_cancelOuterWhoseInnerCancellerSucceeds() -> None:
    inner: Deferred[str] = Deferred(Canceller(lambda d: d.callback("inner gave up")))
    outer = succeed(1).addCallback(lambda _: inner).addCallback(lambda s: s.upper())
    outer.cancel()
    assert resultOf(outer) == "INNER GAVE UP"


def test_cancelPropagatesThroughSeveralLevels() -> None:
    innermost: Deferred[str] = Deferred()
    middle = succeed(0).addCallback(lambda _: innermost)
    outer = succeed(1).addCallback(lambda _: middle)
    outer.cancel()
    assert innermost.called
    assert failureOf(outer).check(CancelledError)


def test_cancelOuterThenInnerFiresLate() -> None:
    """The inner Deferred had no canceller, so its late result is swallowed."""
    inner: Deferred[str] = Deferred()
    outer = succeed(1).addCallback(lambda _: inner)
    outer.cancel()
    inner.callback("late")
    assert failureOf(outer).check(CancelledError)


def test_cancelChainDeferredTarget() -> None:
    source: Deferred[int] = Deferred()
    target: Deferred[int] = Deferred()
    source.chainDeferred(target)
    target.cancel()
    source.callback(1)  # passed on to target, where it is swallowed once
    assert failureOf(target).check(CancelledError)
    assert source.result is None


def test_unhandledCancellationIsLogged(caplog: pytest.LogCaptureFixture) -> None:
    d: Deferred[int] = Deferred()
    d.cancel()
    failure = d.result
    del d
    gc.collect()
    records = [r for r in caplog.records if loggedFailure(r) is failure]
    assert len(records) == 1
    assert records[0].levelno == logging.CRITICAL
    assert records[0].getMessage().startswith(UNHANDLED)


# -- addTimeout ------------------------------------------------------------------------------


def test_timeout() -> None:
    clock = Clock()
    canceller = Canceller()
    d: Deferred[int] = Deferred(canceller)
    assert d.addTimeout(1, clock) is d
    clock.advance(0.5)
    assertNoResult(d)
    clock.advance(0.5)
    assert canceller.cancelled == [d]
    f = failureOf(d)
    assert f.type is TimeoutError
    assert f.value.args == (1, "Deferred")
    # Deliberately compares distinct classes: torsion's TimeoutError is not the builtin one.
    assert TimeoutError is not builtins.TimeoutError  # type: ignore[comparison-overlap]
    assert not f.check(CancelledError)


def test_timeoutLateCallbackSwallowed() -> None:
    clock = Clock()
    d: Deferred[int] = Deferred()
    d.addTimeout(1, clock)
    clock.advance(1)
    d.callback(1)
    assert failureOf(d).check(TimeoutError)


def test_timeoutCallbacksAddedBeforeSeeCancelledError() -> None:
    clock = Clock()
    d: Deferred[int] = Deferred()
    before: list[Failure] = []

    def record(f: Failure) -> Failure:
        before.append(f)
        return f

    d.addErrback(record)
    d.addTimeout(1, clock)
    clock.advance(1)
    assert before[0].check(CancelledError)
    assert failureOf(d).check(TimeoutError)


def test_firedBeforeTimeout() -> None:
    clock = Clock()
    d: Deferred[int] = Deferred()
    d.addTimeout(1, clock)
    assert len(clock.getDelayedCalls()) == 1
    d.callback(7)
    assert clock.getDelayedCalls() == []
    clock.advance(2)
    assert resultOf(d) == 7


def test_failedBeforeTimeout() -> None:
    clock = Clock()
    d: Deferred[int] = Deferred()
    d.addTimeout(1, clock)
    error = MarkedError()
    d.errback(error)
    assert clock.getDelayedCalls() == []
    assert failureOf(d).value is error


def test_alreadyFiredBeforeAddTimeout() -> None:
    clock = Clock()
    d = succeed(3).addTimeout(1, clock)
    assert clock.getDelayedCalls() == []
    assert resultOf(d) == 3


def test_cancelBeforeTimeout() -> None:
    clock = Clock()
    d: Deferred[int] = Deferred()
    d.addTimeout(1, clock)
    d.cancel()
    assert clock.getDelayedCalls() == []
    f = failureOf(d)
    assert f.check(CancelledError)
    assert not f.check(TimeoutError)
    clock.advance(2)
    d.callback(1)  # swallowed, no AlreadyCalledError


def test_timeoutCancellerSucceeds() -> None:
    clock = Clock()
    d: Deferred[str] = Deferred(Canceller(lambda d: d.callback("partial")))
    d.addTimeout(1, clock)
    clock.advance(1)
    assert resultOf(d) == "partial"


def test_timeoutCancellerFailsDifferently() -> None:
    clock = Clock()
    error = MarkedError()
    d: Deferred[str] = Deferred(Canceller(lambda d: d.errback(error)))
    d.addTimeout(1, clock)
    clock.advance(1)
    assert failureOf(d).value is error


def test_onTimeoutCancel() -> None:
    clock = Clock()
    calls: list[tuple[object, float]] = []

    def onTimeoutCancel(result: object, timeout: float) -> str:
        calls.append((result, timeout))
        return "timed out, replaced"

    d: Deferred[str] = Deferred()
    d.addTimeout(2.5, clock, onTimeoutCancel)
    clock.advance(2.5)
    assert resultOf(d) == "timed out, replaced"
    assert len(calls) == 1
    result, timeout = calls[0]
    assert isinstance(result, Failure)
    assert result.check(CancelledError)
    assert timeout == 2.5


def test_onTimeoutCancelNotCalledWhenInTime() -> None:
    clock = Clock()
    calls: list[object] = []
    d: Deferred[str] = Deferred()
    d.addTimeout(1, clock, lambda result, timeout: calls.append(result))
    d.callback("in time")
    clock.advance(1)
    assert calls == []
    assert resultOf(d) == "in time"


def test_timeoutCancelsTheInnerDeferred() -> None:
    clock = Clock()
    innerCanceller = Canceller()
    inner: Deferred[str] = Deferred(innerCanceller)
    outer = succeed(1).addCallback(lambda _: inner)
    outer.addTimeout(1, clock)
    clock.advance(1)
    assert innerCanceller.cancelled == [inner]
    assert failureOf(outer).check(TimeoutError)


def test_twoTimeouts() -> None:
    clock = Clock()
    d: Deferred[int] = Deferred()
    d.addTimeout(5, clock)
    d.addTimeout(1, clock)
    clock.advance(1)
    assert clock.getDelayedCalls() == []
    assert failureOf(d).check(TimeoutError)
