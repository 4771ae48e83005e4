"""Timed calls on the reactor: ordering, cancellation, errors."""

from __future__ import annotations

import time

import pytest

from torsion.internet._core import loop as _core
from torsion.internet.error import AlreadyCalled, AlreadyCancelled
from torsion.internet.interfaces import IFullReactor, IReactorTime
from torsion.internet.posixbase import PosixReactorBase  # every reactor's base
from torsion.testing import runUntilStopped


def test_providesIReactorTime(reactor: IFullReactor) -> None:
    assert isinstance(reactor, IReactorTime)


def test_secondsIsMonotonic(reactor: IFullReactor) -> None:
    before = time.monotonic()
    now = reactor.seconds()
    assert before <= now <= time.monotonic()


def test_sameTimeRunsInSchedulingOrder(
    reactor: IFullReactor, monkeypatch: pytest.MonkeyPatch
) -> None:
    order: list[int] = []
    when = reactor.seconds()
    with monkeypatch.context() as frozen:  # every call gets exactly the same due time
        frozen.setattr(_core, "_monotonic", lambda: when)
        calls = [reactor.callLater(0, order.append, i) for i in range(100)]
    assert {call.getTime() for call in calls} == {when}
    reactor.callLater(0, reactor.stop)
    runUntilStopped(reactor)
    assert order == list(range(100))


def test_dueOrder(reactor: IFullReactor) -> None:
    order: list[str] = []
    reactor.callLater(0.002, order.append, "late")
    reactor.callLater(0, order.append, "now")
    reactor.callLater(-1, order.append, "past")
    reactor.callLater(0.003, reactor.stop)
    runUntilStopped(reactor)
    assert order == ["past", "now", "late"]


# Watches the poller loop's doIteration; the asyncio reactors run asyncio's loop instead
# (tests/internet/test_asyncio_reactor.py checks the same behaviour there).
@pytest.mark.reactors("select", "poll", "epoll")
def test_callLaterInsideTimedCallWaitsForNextIteration(reactor: PosixReactorBase) -> None:
    """Twisted's order a, c, b: a call scheduled by a timed call waits an I/O pass."""
    order: list[str] = []
    iterations: list[int] = []
    realDoIteration = reactor.doIteration

    def countingDoIteration(timeout: float | None) -> None:
        iterations.append(len(order))
        realDoIteration(timeout)

    reactor.doIteration = countingDoIteration  # type: ignore[method-assign]

    def a() -> None:
        order.append("a")
        reactor.callLater(0, b)

    def b() -> None:
        order.append("b")
        reactor.stop()

    reactor.callLater(0, a)
    reactor.callLater(0, order.append, "c")
    runUntilStopped(reactor)
    assert order == ["a", "c", "b"]
    # An I/O wait happened after a and c ran, before b.
    assert 2 in iterations


def test_cancel(reactor: IFullReactor) -> None:
    ran: list[str] = []
    call = reactor.callLater(0, ran.append, "cancelled")
    assert call.active()
    call.cancel()
    assert not call.active()
    with pytest.raises(AlreadyCancelled):
        call.cancel()
    done = reactor.callLater(0, ran.append, "done")
    reactor.callLater(0, reactor.stop)
    runUntilStopped(reactor)
    assert ran == ["done"]
    with pytest.raises(AlreadyCalled):
        done.cancel()


def test_getDelayedCalls(reactor: IFullReactor) -> None:
    first = reactor.callLater(10, lambda: None)
    second = reactor.callLater(5, lambda: None)
    third = reactor.callLater(20, lambda: None)
    third.cancel()
    assert reactor.getDelayedCalls() == [second, first]
    first.cancel()
    second.cancel()
    assert reactor.getDelayedCalls() == []


def test_delayAndReset(reactor: IFullReactor) -> None:
    order: list[str] = []
    moved = reactor.callLater(3600, order.append, "moved")
    reactor.callLater(0, order.append, "first")
    moved.reset(0)
    reactor.callLater(0, lambda: reactor.callLater(0, reactor.stop))
    runUntilStopped(reactor)
    assert order == ["first", "moved"]


def test_exceptionLoggedAndLoopContinues(
    reactor: IFullReactor, caplog: pytest.LogCaptureFixture
) -> None:
    ran: list[str] = []

    def broken() -> None:
        raise ZeroDivisionError("in timed call")

    reactor.callLater(0, broken)
    reactor.callLater(0, ran.append, "after")
    reactor.callLater(0, lambda: reactor.callLater(0, reactor.stop))
    runUntilStopped(reactor)
    assert ran == ["after"]
    assert "ZeroDivisionError: in timed call" in caplog.text
    assert "Traceback" in caplog.text
    assert any(r.name.startswith("torsion") for r in caplog.records)


def test_manyCancelledCalls(reactor: PosixReactorBase) -> None:
    calls = [reactor.callLater(1000 + i, lambda: None) for i in range(10_000)]
    for call in calls:
        call.cancel()
    assert reactor.getDelayedCalls() == []
    assert reactor.timeout() is None


def test_negativeAndHugeDelays(reactor: PosixReactorBase) -> None:
    """callLater(-1) runs on the next pass, after calls already due; callLater(1e10) is fine."""
    order: list[str] = []
    reactor.callLater(0, order.append, "zero")
    reactor.callLater(-1, order.append, "negative")
    far = reactor.callLater(1e10, order.append, "far")
    assert far.getTime() > reactor.seconds() + 1e9
    reactor.callLater(0, lambda: reactor.callLater(0, reactor.stop))
    runUntilStopped(reactor)
    assert order == ["negative", "zero"]
    assert reactor.getDelayedCalls() == [far]
    far.cancel()
    assert reactor.getDelayedCalls() == [] and reactor.timeout() is None
