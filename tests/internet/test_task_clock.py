"""Tests for task.Clock and task.deferLater."""

from __future__ import annotations

from typing import Any

import pytest

from torsion.internet.defer import CancelledError, Deferred
from torsion.internet.error import AlreadyCalled, AlreadyCancelled
from torsion.internet.interfaces import IDelayedCall, IReactorTime
from torsion.internet.task import Clock, deferLater
from torsion.python.failure import Failure


def resultOf(d: Deferred[Any]) -> Any:
    """The result ``d`` has fired with (a value or a Failure)."""
    seen: list[Any] = []
    d.addBoth(seen.append)
    assert seen, f"{d!r} has not fired"
    return seen[0]


def test_clock_provides_reactor_time() -> None:
    clock = Clock()
    assert isinstance(clock, IReactorTime)
    assert isinstance(clock.callLater(1, print), IDelayedCall)


def test_time_starts_at_zero_and_advances() -> None:
    clock = Clock()
    assert clock.seconds() == clock.rightNow == 0.0
    clock.advance(1.5)
    clock.pump([0.5, 1.0])
    assert clock.seconds() == 3.0


def test_call_runs_when_due_with_arguments() -> None:
    clock = Clock()
    log: list[Any] = []
    call = clock.callLater(2, lambda *a, **kw: log.append((a, kw)), 1, 2, key="v")
    assert call.getTime() == 2.0
    clock.advance(1.999)
    assert log == []
    clock.advance(0.001)
    assert log == [((1, 2), {"key": "v"})]
    assert call.called and not call.active()


def test_calls_due_at_the_same_time_run_in_scheduling_order() -> None:
    clock = Clock()
    log: list[int] = []
    for i in range(50):
        clock.callLater(1 if i % 2 else 0.5, log.append, i)
    clock.advance(1)
    assert log == list(range(0, 50, 2)) + list(range(1, 50, 2))


def test_calls_scheduled_during_advance_run_in_same_advance_if_due() -> None:
    clock = Clock()
    log: list[str] = []

    def first() -> None:
        # Runs with the clock already at 2.
        log.append("first")
        clock.callLater(0, log.append, "zero")
        clock.callLater(0.5, log.append, "half")

    clock.callLater(1, first)
    clock.callLater(1.2, log.append, "second")
    clock.advance(2)
    assert log == ["first", "second", "zero"]
    assert [call.getTime() for call in clock.getDelayedCalls()] == [2.5]
    clock.advance(0.5)
    assert log == ["first", "second", "zero", "half"]


def test_exception_propagates_and_later_calls_stay_pending() -> None:
    clock = Clock()
    log: list[str] = []

    def boom() -> None:
        raise ZeroDivisionError()

    clock.callLater(1, log.append, "before")
    failing = clock.callLater(2, boom)
    clock.callLater(3, log.append, "after")
    with pytest.raises(ZeroDivisionError):
        clock.advance(5)
    assert log == ["before"]
    assert failing.called
    assert len(clock.calls) == 1
    clock.advance(0)
    assert log == ["before", "after"]


def test_cancel_delay_and_reset_through_clock() -> None:
    clock = Clock()
    log: list[str] = []
    cancelled = clock.callLater(1, log.append, "cancelled")
    delayed = clock.callLater(1, log.append, "delayed")
    reset = clock.callLater(1, log.append, "reset")
    cancelled.cancel()
    delayed.delay(2)
    clock.advance(0.5)
    reset.reset(2)
    assert [call.getTime() for call in clock.calls] == [2.5, 3.0]
    clock.advance(10)
    assert log == ["reset", "delayed"]
    with pytest.raises(AlreadyCancelled):
        cancelled.cancel()
    with pytest.raises(AlreadyCalled):
        delayed.cancel()


def test_calls_and_get_delayed_calls_list_pending_in_due_order() -> None:
    clock = Clock()
    c = clock.callLater(3, print)
    a = clock.callLater(1, print)
    b = clock.callLater(2, print)
    gone = clock.callLater(0.5, print)
    gone.cancel()
    assert clock.calls == [a, b, c]
    assert clock.getDelayedCalls() == [a, b, c]
    clock.advance(1)
    assert clock.calls == [b, c]


def test_reentrant_advance() -> None:
    """A call may advance the clock itself, as in Twisted."""
    clock = Clock()
    log: list[tuple[str, float]] = []

    def outer() -> None:
        log.append(("outer", clock.seconds()))
        clock.advance(1)

    clock.callLater(1, outer)
    clock.callLater(2, lambda: log.append(("inner", clock.seconds())))
    clock.callLater(3, lambda: log.append(("late", clock.seconds())))
    clock.advance(1)
    assert log == [("outer", 1.0), ("inner", 2.0)]


def test_seconds_override_is_used() -> None:
    class OffsetClock(Clock):
        def seconds(self) -> float:
            return self.rightNow + 100

    clock = OffsetClock()
    call = clock.callLater(1, print)
    assert call.getTime() == 101
    call.reset(2)
    assert call.getTime() == 102


def test_advance_with_many_calls_is_in_order() -> None:
    clock = Clock()
    log: list[float] = []
    for i in range(100_000):
        delay = (i * 7919) % 1000 / 10
        clock.callLater(delay, log.append, delay)
    clock.advance(100)
    assert len(log) == 100_000
    assert log == sorted(log)


# -- deferLater ------------------------------------------------------------------------------------


def test_defer_later_fires_with_none_after_delay() -> None:
    clock = Clock()
    d = deferLater(clock, 3)
    clock.advance(2.9)
    assert not d.called
    clock.advance(0.1)
    assert resultOf(d) is None


def test_defer_later_calls_callable() -> None:
    clock = Clock()
    d = deferLater(clock, 1, lambda a, b: a + b, 2, b=3)
    assert not d.called
    clock.advance(1)
    assert resultOf(d) == 5


def test_defer_later_callable_exception_fails_deferred() -> None:
    clock = Clock()

    def boom() -> None:
        raise ValueError("boom")

    d = deferLater(clock, 1, boom)
    clock.advance(1)
    result = resultOf(d)
    assert isinstance(result, Failure) and result.check(ValueError)


def test_defer_later_cancel_cancels_delayed_call() -> None:
    clock = Clock()
    log: list[int] = []
    d = deferLater(clock, 1, log.append, 1)
    d.cancel()
    assert clock.getDelayedCalls() == []
    result = resultOf(d)
    assert isinstance(result, Failure) and result.check(CancelledError)
    clock.advance(5)
    assert log == []


def test_defer_later_cancel_after_firing_is_harmless() -> None:
    clock = Clock()
    d = deferLater(clock, 1, lambda: "done")
    clock.advance(1)
    d.cancel()
    assert resultOf(d) == "done"
