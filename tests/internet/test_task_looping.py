"""Tests for task.LoopingCall."""

from __future__ import annotations

import itertools
import sys
from collections.abc import Callable
from typing import Any

import pytest

from torsion.internet.defer import Deferred, fail
from torsion.internet.task import Clock, LoopingCall
from torsion.python.failure import Failure


def resultOf(d: Deferred[Any]) -> Any:
    """The result ``d`` has fired with (a value or a Failure, then handled)."""
    seen: list[Any] = []
    d.addBoth(seen.append)
    assert seen, f"{d!r} has not fired"
    return seen[0]


def looping(f: Callable[..., object], *args: Any, **kw: Any) -> tuple[LoopingCall, Clock]:
    loop = LoopingCall(f, *args, **kw)
    loop.clock = clock = Clock()
    return loop, clock


class Recorder:
    """A function for the loop that records the clock time of each call."""

    def __init__(self) -> None:
        self.clock = Clock()
        self.times: list[float] = []

    def __call__(self) -> None:
        self.times.append(self.clock.seconds())

    def loop(self) -> LoopingCall:
        loop = LoopingCall(self)
        loop.clock = self.clock
        return loop


# -- the basic cycle -------------------------------------------------------------------------------


def test_calls_now_then_every_interval() -> None:
    rec = Recorder()
    loop = rec.loop()
    d = loop.start(2)
    assert loop.running and loop.interval == 2 and loop.starttime == 0
    rec.clock.pump([1, 1, 1, 1, 2])
    assert rec.times == [0, 2, 4, 6]
    assert not d.called


def test_now_false_waits_one_interval() -> None:
    rec = Recorder()
    rec.loop().start(2, now=False)
    assert rec.times == []
    rec.clock.pump([1.5, 0.5, 2])
    assert rec.times == [2, 4]


def test_arguments_are_passed() -> None:
    log: list[Any] = []
    loop, clock = looping(lambda *a, **kw: log.append((a, kw)), 1, k=2)
    assert (loop.a, loop.kw) == ((1,), {"k": 2})
    loop.start(1)
    clock.advance(1)
    assert log == [((1,), {"k": 2})] * 2


def test_stop_fires_start_deferred_with_the_loop() -> None:
    rec = Recorder()
    loop = rec.loop()
    d = loop.start(1)
    rec.clock.advance(1)
    running: list[bool] = []

    def seeRunning(result: LoopingCall) -> LoopingCall:
        running.append(result.running)
        return result

    d.addCallback(seeRunning)
    loop.stop()
    assert resultOf(d) is loop
    assert running == [False]
    assert rec.clock.getDelayedCalls() == []
    rec.clock.advance(10)
    assert rec.times == [0, 1]


def test_stop_inside_f_fires_after_f_returns() -> None:
    loop, clock = looping(lambda: loop.stop())
    d = loop.start(1)
    assert resultOf(d) is loop
    assert not loop.running and clock.getDelayedCalls() == []


def test_restart_after_stop() -> None:
    rec = Recorder()
    loop = rec.loop()
    loop.start(1)
    loop.stop()
    rec.clock.advance(0.5)
    loop.start(1)
    rec.clock.advance(1)
    assert rec.times == [0, 0.5, 1.5]


def test_state_errors() -> None:
    loop, _ = looping(lambda: None)
    with pytest.raises(ValueError):
        loop.start(-1)
    assert not loop.running
    with pytest.raises(AssertionError):
        loop.stop()
    with pytest.raises(AssertionError):
        loop.reset()
    loop.start(1)
    with pytest.raises(AssertionError):
        loop.start(1)


def test_repr() -> None:
    def tick(a: int, b: str = "") -> None:
        pass

    loop = LoopingCall(tick, 1, b="x")
    assert repr(loop) == "LoopingCall<None>(test_repr.<locals>.tick, *(1,), **{'b': 'x'})"


# -- grid and skipped beats ------------------------------------------------------------------------


def test_missed_intervals_are_skipped_and_grid_kept() -> None:
    rec = Recorder()
    rec.loop().start(1)
    rec.clock.advance(3.5)
    rec.clock.advance(0.5)
    rec.clock.advance(1)
    assert rec.times == [0, 3.5, 4.0, 5.0]


def test_slow_f_keeps_grid() -> None:
    """An f that takes time (advances the clock itself) does not shift later calls."""
    clock = Clock()
    times: list[float] = []

    def slow() -> None:
        times.append(clock.seconds())
        clock.rightNow += 0.3

    loop = LoopingCall(slow)
    loop.clock = clock
    loop.start(1)
    due = [clock.calls[0].getTime()]
    for _ in range(3):
        clock.advance(0.7)
        due.append(clock.calls[0].getTime())
    assert times == pytest.approx([0, 1.0, 2.0, 3.0])
    assert due == pytest.approx([1, 2, 3, 4])


def test_grid_holds_at_large_clock_values() -> None:
    """Rounding never schedules two calls for one grid time."""
    clock = Clock()
    clock.rightNow = 1e9
    times: list[float] = []
    loop = LoopingCall(lambda: times.append(clock.seconds()))
    loop.clock = clock
    loop.start(0.1)
    for _ in range(200):
        clock.advance(0.1)
    assert len(times) == len(set(times))
    assert all(later > earlier for earlier, later in itertools.pairwise(times))


def test_with_count_reports_skipped_intervals() -> None:
    counts: list[int] = []
    loop = LoopingCall.withCount(counts.append)
    loop.clock = clock = Clock()
    loop.start(1)
    clock.pump([1, 3.2, 0.8, 1])
    assert counts == [1, 1, 3, 1, 1]


def test_with_count_not_now() -> None:
    counts: list[int] = []
    loop = LoopingCall.withCount(counts.append)
    loop.clock = clock = Clock()
    loop.start(1, now=False)
    clock.pump([1, 2.5, 0.5])
    assert counts == [1, 2, 1]


def test_with_count_while_deferred_pending() -> None:
    counts: list[int] = []
    waits: list[Deferred[None]] = []

    def f(count: int) -> Deferred[None]:
        counts.append(count)
        waits.append(Deferred())
        return waits[-1]

    loop = LoopingCall.withCount(f)
    loop.clock = clock = Clock()
    loop.start(1)
    clock.advance(2.5)
    waits[-1].callback(None)
    assert [call.getTime() for call in clock.getDelayedCalls()] == [3.0]
    clock.advance(0.5)
    assert counts == [1, 3]


def test_with_count_interval_zero_counts_one() -> None:
    counts: list[int] = []

    def f(count: int) -> None:
        counts.append(count)
        if len(counts) == 3:
            loop.stop()

    loop = LoopingCall.withCount(f)
    loop.clock = clock = Clock()
    loop.start(0)
    clock.advance(5)
    assert counts == [1, 1, 1]


# -- interval 0 ------------------------------------------------------------------------------------


def test_interval_zero_runs_once_per_iteration() -> None:
    """With interval 0 every call is scheduled with delay 0: once per reactor iteration.

    (A Clock runs calls made during `advance` in the same advance, so here they all run in one.)
    """
    delays: list[float] = []
    count = 0

    def f() -> None:
        nonlocal count
        count += 1
        if count == 5:
            loop.stop()

    class Recording(Clock):
        def callLater(
            self, delay: float, callable: Callable[..., object], *args: Any, **kw: Any
        ) -> Any:
            delays.append(delay)
            return super().callLater(delay, callable, *args, **kw)

    clock = Recording()
    loop = LoopingCall(f)
    loop.clock = clock
    d = loop.start(0)
    assert count == 1
    clock.advance(0)
    assert resultOf(d) is loop
    assert count == 5
    assert delays == [0, 0, 0, 0]


# -- failures --------------------------------------------------------------------------------------


def test_exception_stops_loop_and_fails_start_deferred() -> None:
    calls = 0

    def f() -> None:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise ZeroDivisionError("third")

    loop, clock = looping(f)
    d = loop.start(1)
    clock.pump([1, 1, 1, 1])
    assert calls == 3
    assert not loop.running
    result = resultOf(d)
    assert isinstance(result, Failure) and result.check(ZeroDivisionError)
    assert clock.getDelayedCalls() == []


def test_exception_on_first_call_fails_at_once() -> None:
    loop, clock = looping(lambda: 1 / 0)
    d = loop.start(1)
    assert not loop.running
    result = resultOf(d)
    assert isinstance(result, Failure) and result.check(ZeroDivisionError)
    assert clock.getDelayedCalls() == []


def test_returned_failure_stops_loop() -> None:
    loop, _ = looping(lambda: Failure(KeyError("k")))
    result = resultOf(loop.start(1))
    assert isinstance(result, Failure) and result.check(KeyError)
    assert not loop.running


# -- Deferred-returning functions ------------------------------------------------------------------


class DeferringF:
    """A function for the loop that returns a new, unfired Deferred each time."""

    def __init__(self) -> None:
        self.clock = Clock()
        self.waits: list[Deferred[None]] = []
        self.times: list[float] = []

    def __call__(self) -> Deferred[None]:
        self.times.append(self.clock.seconds())
        self.waits.append(Deferred())
        return self.waits[-1]

    def loop(self) -> LoopingCall:
        loop = LoopingCall(self)
        loop.clock = self.clock
        return loop


def test_next_call_waits_for_deferred() -> None:
    f = DeferringF()
    f.loop().start(1)
    f.clock.advance(5)
    assert f.times == [0]
    assert f.clock.getDelayedCalls() == []
    f.waits[0].callback(None)  # at 5: next grid time is 6
    f.clock.advance(1)
    assert f.times == [0, 6]


def test_failed_deferred_stops_loop() -> None:
    f = DeferringF()
    loop = f.loop()
    d = loop.start(1)
    f.waits[0].errback(RuntimeError("later"))
    assert not loop.running
    result = resultOf(d)
    assert isinstance(result, Failure) and result.check(RuntimeError)


def test_already_failed_deferred_stops_loop() -> None:
    loop, _ = looping(lambda: fail(RuntimeError("now")))
    result = resultOf(loop.start(1))
    assert isinstance(result, Failure) and result.check(RuntimeError)


def test_stop_while_deferred_pending_fires_when_it_fires() -> None:
    f = DeferringF()
    loop = f.loop()
    d = loop.start(1)
    loop.stop()
    assert not d.called
    f.waits[0].callback(None)
    assert resultOf(d) is loop
    f.clock.advance(10)
    assert f.times == [0]


def test_stop_while_deferred_pending_then_failure() -> None:
    f = DeferringF()
    loop = f.loop()
    d = loop.start(1)
    loop.stop()
    f.waits[0].errback(ValueError("late"))
    result = resultOf(d)
    assert isinstance(result, Failure) and result.check(ValueError)


def test_coroutine_function_is_awaited() -> None:
    clock = Clock()
    gate: Deferred[str] = Deferred()
    log: list[str] = []

    async def f() -> None:
        log.append(await gate)

    loop = LoopingCall(f)
    loop.clock = clock
    loop.start(1)
    clock.advance(3)
    assert log == [] and clock.getDelayedCalls() == []
    gate.callback("opened")
    assert log == ["opened"]
    assert [call.getTime() for call in clock.getDelayedCalls()] == [4.0]


# -- reset -----------------------------------------------------------------------------------------


def test_reset_restarts_grid_from_now() -> None:
    rec = Recorder()
    loop = rec.loop()
    loop.start(2)
    rec.clock.advance(1.5)
    loop.reset()
    assert loop.starttime == 1.5
    rec.clock.advance(0.5)
    assert rec.times == [0]
    rec.clock.pump([1.5, 2])
    assert rec.times == [0, 3.5, 5.5]


def test_reset_while_deferred_pending_does_nothing() -> None:
    f = DeferringF()
    loop = f.loop()
    loop.start(1)
    f.clock.advance(0.5)
    loop.reset()
    assert loop.starttime == 0
    f.waits[0].callback(None)
    f.clock.advance(0.5)
    assert f.times == [0, 1]


# -- the default clock -----------------------------------------------------------------------------


def test_default_clock_is_global_reactor_imported_lazily(monkeypatch: pytest.MonkeyPatch) -> None:
    fakeReactor = Clock()
    monkeypatch.setitem(sys.modules, "torsion.internet.reactor", fakeReactor)
    log: list[float] = []
    loop = LoopingCall(lambda: log.append(fakeReactor.seconds()))
    loop.start(1)
    fakeReactor.advance(1)
    assert loop.clock is fakeReactor
    assert log == [0, 1]


def test_deferredAttributeIsDeprecated() -> None:
    loop, _ = looping(lambda: None)
    with pytest.warns(DeprecationWarning, match="use the deferred returned by start") as info:
        assert loop.deferred is None
    assert info[0].filename == __file__
    started = loop.start(1)
    with pytest.warns(DeprecationWarning):
        assert loop.deferred is started
    loop.stop()
