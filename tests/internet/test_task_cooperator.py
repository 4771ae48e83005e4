"""Tests for task.Cooperator, CooperativeTask, cooperate and coiterate."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from torsion.internet import task
from torsion.internet._task import cooperator as _cooperator
from torsion.internet.defer import Deferred
from torsion.internet.interfaces import IDelayedCall
from torsion.internet.task import (
    Clock,
    CooperativeTask,
    Cooperator,
    NotPaused,
    SchedulerStopped,
    TaskDone,
    TaskFailed,
    TaskFinished,
    TaskStopped,
)
from torsion.python.failure import Failure


def resultOf(d: Deferred[Any]) -> Any:
    """The result ``d`` has fired with (a value or a Failure, then handled)."""
    seen: list[Any] = []
    d.addBoth(seen.append)
    assert seen, f"{d!r} has not fired"
    return seen[0]


class Ticks:
    """A scheduler and slice policy for tests: ``steps`` work units per tick, run by `tick()`."""

    def __init__(self, steps: int = 1) -> None:
        self.steps = steps
        self.clock = Clock()
        self.scheduled = 0

    def schedule(self, tick: Callable[[], None]) -> IDelayedCall:
        self.scheduled += 1
        # One second ahead: a tick scheduled by a tick waits for the next `tick()`.
        return self.clock.callLater(1, tick)

    def predicate(self) -> Callable[[], bool]:
        remaining = self.steps

        def timeUp() -> bool:
            nonlocal remaining
            remaining -= 1
            return remaining <= 0

        return timeUp

    def cooperator(self, started: bool = True) -> Cooperator:
        return Cooperator(self.predicate, self.schedule, started)

    def tick(self) -> None:
        self.clock.advance(1)

    def pending(self) -> int:
        return len(self.clock.getDelayedCalls())


def counter(log: list[Any], name: str, count: int) -> Iterator[None]:
    for i in range(count):
        log.append((name, i))
        yield None


# -- round robin and slices ------------------------------------------------------------------------


def test_tasks_share_ticks_round_robin() -> None:
    ticks = Ticks(steps=3)
    coop = ticks.cooperator()
    log: list[Any] = []
    coop.cooperate(counter(log, "a", 3))
    coop.cooperate(counter(log, "b", 2))
    assert log == []  # nothing runs before the scheduler calls the tick
    ticks.tick()
    assert log == [("a", 0), ("b", 0), ("a", 1)]
    ticks.tick()
    # The third step finds b exhausted: ending a task is a step too.
    assert log[3:] == [("b", 1), ("a", 2)]
    assert ticks.pending() == 1
    ticks.tick()
    assert len(log) == 5
    assert ticks.pending() == 0


def test_round_robin_continues_after_removal() -> None:
    """Removing a task mid-round neither skips nor repeats the others."""
    ticks = Ticks(steps=1)
    coop = ticks.cooperator()
    log: list[Any] = []
    coop.cooperate(counter(log, "a", 1))
    coop.cooperate(counter(log, "b", 3))
    coop.cooperate(counter(log, "c", 3))
    for _ in range(8):
        ticks.tick()
    assert [name for name, _ in log] == ["a", "b", "c", "b", "c", "b", "c"]


def test_one_tick_scheduled_at_a_time() -> None:
    ticks = Ticks(steps=100)
    coop = ticks.cooperator()
    log: list[Any] = []
    for name in "abc":
        coop.cooperate(counter(log, name, 2))
    assert ticks.scheduled == 1
    ticks.tick()
    assert len(log) == 6
    assert ticks.pending() == 0


def test_default_time_slice_ends_tick(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [0.0]
    monkeypatch.setattr(_cooperator, "time", SimpleNamespace(monotonic=lambda: now[0]))
    ticks = Ticks()
    coop = Cooperator(scheduler=ticks.schedule)
    steps = 0

    def work() -> Iterator[None]:
        nonlocal steps
        while True:
            steps += 1
            now[0] += 0.004
            yield None

    coop.cooperate(work())
    ticks.tick()
    assert steps == 3  # 12 ms: the 10 ms slice ran out after the third step
    coop.stop()


# -- whenDone and coiterate ------------------------------------------------------------------------


def test_when_done_fires_with_iterator() -> None:
    ticks = Ticks(steps=10)
    coop = ticks.cooperator()
    iterator = counter([], "a", 2)
    t = coop.cooperate(iterator)
    early = t.whenDone()
    ticks.tick()
    assert resultOf(early) is iterator
    assert resultOf(t.whenDone()) is iterator  # after the end: at once
    with pytest.raises(TaskDone):
        t.stop()
    with pytest.raises(TaskDone):
        t.pause()


def test_failing_iterator_fails_when_done() -> None:
    ticks = Ticks(steps=10)
    coop = ticks.cooperator()

    def broken() -> Iterator[None]:
        yield None
        raise ZeroDivisionError()

    t = coop.cooperate(broken())
    d = t.whenDone()
    ticks.tick()
    result = resultOf(d)
    assert isinstance(result, Failure) and result.check(ZeroDivisionError)
    with pytest.raises(TaskFailed):
        t.stop()


def test_coiterate() -> None:
    ticks = Ticks(steps=10)
    coop = ticks.cooperator()
    iterator = counter([], "a", 2)
    d = coop.coiterate(iterator)
    ticks.tick()
    assert resultOf(d) is iterator


def test_coiterate_fires_given_deferred() -> None:
    ticks = Ticks(steps=10)
    coop = ticks.cooperator()
    done: Deferred[Iterator[None]] = Deferred()
    iterator = counter([], "a", 1)
    assert coop.coiterate(iterator, done) is done
    ticks.tick()
    assert resultOf(done) is iterator


# -- pause, resume, stop ---------------------------------------------------------------------------


def test_pause_and_resume() -> None:
    ticks = Ticks(steps=10)
    coop = ticks.cooperator()
    log: list[Any] = []
    t = coop.cooperate(counter(log, "a", 3))
    t.pause()
    t.pause()
    assert ticks.pending() == 0  # no work left: the tick is cancelled
    ticks.tick()
    assert log == []
    t.resume()
    ticks.tick()
    assert log == []
    t.resume()
    ticks.tick()
    assert len(log) == 3
    with pytest.raises(NotPaused):
        t.resume()


def test_resume_when_not_paused_raises() -> None:
    coop = Ticks().cooperator()
    t = coop.cooperate(counter([], "a", 1))
    with pytest.raises(NotPaused):
        t.resume()


def test_stop_task() -> None:
    ticks = Ticks(steps=1)
    coop = ticks.cooperator()
    log: list[Any] = []
    t = coop.cooperate(counter(log, "a", 5))
    d = t.whenDone()
    ticks.tick()
    t.stop()
    result = resultOf(d)
    assert isinstance(result, Failure) and result.check(TaskStopped)
    ticks.tick()
    assert log == [("a", 0)]
    with pytest.raises(TaskStopped):
        t.stop()
    with pytest.raises(TaskFinished):
        t.pause()


def test_stop_paused_task() -> None:
    ticks = Ticks()
    coop = ticks.cooperator()
    t = coop.cooperate(counter([], "a", 5))
    t.pause()
    t.stop()
    assert isinstance(resultOf(t.whenDone()), Failure)
    t.resume()  # undoing the pause of a finished task does not run it again
    ticks.tick()
    assert ticks.pending() == 0


def test_task_may_stop_itself() -> None:
    ticks = Ticks(steps=10)
    coop = ticks.cooperator()
    holder: list[CooperativeTask[Any]] = []

    def selfStopping() -> Iterator[Deferred[None] | None]:
        yield None
        holder[0].stop()
        yield Deferred()  # ignored: the task has ended

    holder.append(coop.cooperate(selfStopping()))
    d = holder[0].whenDone()
    ticks.tick()
    result = resultOf(d)
    assert isinstance(result, Failure) and result.check(TaskStopped)
    assert ticks.pending() == 0


# -- yielded Deferreds -----------------------------------------------------------------------------


def test_yielded_deferred_pauses_task_until_it_fires() -> None:
    ticks = Ticks(steps=10)
    coop = ticks.cooperator()
    gate: Deferred[None] = Deferred()
    log: list[Any] = []

    def waiter() -> Iterator[Deferred[None] | None]:
        log.append("before")
        yield gate
        log.append("after")

    coop.cooperate(waiter())
    coop.cooperate(counter(log, "other", 2))
    ticks.tick()
    assert log == ["before", ("other", 0), ("other", 1)]
    ticks.tick()
    assert "after" not in log
    gate.callback(None)
    ticks.tick()
    assert log[-1] == "after"


def test_yielded_deferred_failure_fails_task() -> None:
    ticks = Ticks(steps=10)
    coop = ticks.cooperator()
    gate: Deferred[None] = Deferred()

    def waiter() -> Iterator[Deferred[None]]:
        yield gate

    t = coop.cooperate(waiter())
    ticks.tick()
    gate.errback(KeyError("k"))
    result = resultOf(t.whenDone())
    assert isinstance(result, Failure) and result.check(KeyError)
    with pytest.raises(TaskFailed):
        t.pause()


def test_yielded_deferred_failure_after_stop_stays_with_deferred() -> None:
    ticks = Ticks(steps=10)
    coop = ticks.cooperator()
    gate: Deferred[None] = Deferred()

    def waiter() -> Iterator[Deferred[None]]:
        yield gate

    t = coop.cooperate(waiter())
    ticks.tick()
    t.stop()
    gate.errback(KeyError("k"))
    result = resultOf(gate)
    assert isinstance(result, Failure) and result.check(KeyError)


# -- starting and stopping the cooperator ----------------------------------------------------------


def test_not_started_waits_for_start() -> None:
    ticks = Ticks(steps=10)
    coop = ticks.cooperator(started=False)
    assert not coop.running
    log: list[Any] = []
    coop.cooperate(counter(log, "a", 1))
    assert ticks.scheduled == 0
    coop.start()
    assert coop.running
    ticks.tick()
    assert log == [("a", 0)]


def test_stop_fails_every_task_and_later_ones() -> None:
    ticks = Ticks(steps=1)
    coop = ticks.cooperator()
    tasks = [coop.cooperate(counter([], name, 5)) for name in "abcd"]
    done = [t.whenDone() for t in tasks]
    coop.stop()
    assert not coop.running
    assert ticks.pending() == 0
    for d in done:
        result = resultOf(d)
        assert isinstance(result, Failure) and result.check(SchedulerStopped)
    late = coop.coiterate(counter([], "late", 1))
    result = resultOf(late)
    assert isinstance(result, Failure) and result.check(SchedulerStopped)


def test_stop_fails_paused_task_when_resumed() -> None:
    coop = Ticks().cooperator()
    t = coop.cooperate(counter([], "a", 5))
    t.pause()
    d = t.whenDone()
    coop.stop()
    assert not d.called
    t.resume()
    result = resultOf(d)
    assert isinstance(result, Failure) and result.check(SchedulerStopped)


def test_restart_after_stop() -> None:
    ticks = Ticks(steps=10)
    coop = ticks.cooperator()
    coop.stop()
    coop.start()
    log: list[Any] = []
    coop.cooperate(counter(log, "a", 1))
    ticks.tick()
    assert log == [("a", 0)]


def test_stop_from_inside_a_step() -> None:
    ticks = Ticks(steps=10)
    coop = ticks.cooperator()
    log: list[Any] = []

    def stopper() -> Iterator[None]:
        coop.stop()
        yield None

    coop.cooperate(stopper())
    other = coop.cooperate(counter(log, "b", 5))
    ticks.tick()
    assert log == []
    assert isinstance(resultOf(other.whenDone()), Failure)


# -- the global cooperator -------------------------------------------------------------------------


def test_global_cooperator_uses_global_reactor(monkeypatch: pytest.MonkeyPatch) -> None:
    fakeReactor = Clock()
    monkeypatch.setitem(sys.modules, "torsion.internet.reactor", fakeReactor)
    log: list[Any] = []
    iterator = counter(log, "a", 2)
    d = task.coiterate(iterator)
    t = task.cooperate(counter(log, "b", 1))
    fakeReactor.advance(1)
    assert resultOf(d) is iterator
    assert resultOf(t.whenDone()) is not None
    assert sorted(log) == [("a", 0), ("a", 1), ("b", 0)]


def test_global_cooperator_is_importable_from_task(monkeypatch: pytest.MonkeyPatch) -> None:
    """As in Twisted, ``task._theCooperator`` is the Cooperator behind ``task.cooperate``."""
    fakeReactor = Clock()
    monkeypatch.setitem(sys.modules, "torsion.internet.reactor", fakeReactor)
    cooperativeTask = task.cooperate(iter([None]))
    assert task._theCooperator is _cooperator._theCooperator
    assert cooperativeTask in task._theCooperator._tasks
    fakeReactor.advance(1)
    assert cooperativeTask not in task._theCooperator._tasks
