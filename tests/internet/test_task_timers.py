"""Tests for DelayedCall and TimerQueue (the heap behind Clock and the reactor's timers)."""

from __future__ import annotations

import gc
import random
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from torsion.internet._core import timers as _timers
from torsion.internet._core.timers import DelayedCall, QueuedCall, TimerQueue
from torsion.internet.error import AlreadyCalled, AlreadyCancelled, ReactorNotRunning


class FakeTime:
    """A settable time source for a TimerQueue."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def schedule(queue: TimerQueue, time: float, log: list[Any], name: object) -> QueuedCall:
    """Schedule a call at ``time`` that appends ``name`` to ``log``."""
    return QueuedCall(time, log.append, (name,), {}, queue)


def runDue(queue: TimerQueue, now: float, before: float | None = None) -> None:
    """Run every call due at ``now`` (scheduled before ``before``, if given)."""
    while True:
        call = queue.popDue(now) if before is None else queue.popDue(now, before)
        if call is None:
            return
        call.func(*call.args, **call.kw)


@pytest.fixture
def clock() -> FakeTime:
    return FakeTime()


@pytest.fixture
def queue(clock: FakeTime) -> TimerQueue:
    return TimerQueue(clock)


# -- errors ----------------------------------------------------------------------------------------


def test_errors_are_value_errors_with_twisted_messages() -> None:
    assert issubclass(AlreadyCalled, ValueError)
    assert issubclass(AlreadyCancelled, ValueError)
    assert issubclass(ReactorNotRunning, RuntimeError)
    assert str(AlreadyCalled()) == "Tried to cancel an already-called event."
    assert str(AlreadyCancelled("x", "y")) == "Tried to cancel an already-cancelled event: x y."


# -- DelayedCall -----------------------------------------------------------------------------------


def test_new_call_is_pending(queue: TimerQueue) -> None:
    log: list[Any] = []
    call = QueuedCall(5.0, log.append, ("a",), {}, queue)
    assert call.active()
    assert call.getTime() == call.time == 5.0
    assert (call.called, call.cancelled) == (False, False)
    assert (call.func, call.args, call.kw) == (log.append, ("a",), {})
    assert len(queue) == 1
    assert queue.pending() == [call]


def test_run_marks_called(queue: TimerQueue) -> None:
    log: list[Any] = []
    call = schedule(queue, 1.0, log, "a")
    runDue(queue, 1.0)
    assert log == ["a"]
    assert call.called and not call.cancelled and not call.active()
    assert len(queue) == 0


def test_cancel_forgets_call(queue: TimerQueue) -> None:
    log: list[Any] = []
    call = schedule(queue, 1.0, log, "a")
    call.cancel()
    assert call.cancelled and not call.called and not call.active()
    # Twisted drops the function and its arguments so they can be freed at once.
    assert not hasattr(call, "func") and not hasattr(call, "args") and not hasattr(call, "kw")
    assert len(queue) == 0 and queue.pending() == []
    runDue(queue, 10.0)
    assert log == []


def test_cancel_twice_raises_already_cancelled(queue: TimerQueue) -> None:
    call = schedule(queue, 1.0, [], "a")
    call.cancel()
    with pytest.raises(AlreadyCancelled):
        call.cancel()


def test_cancel_after_call_raises_already_called(queue: TimerQueue) -> None:
    call = schedule(queue, 1.0, [], "a")
    runDue(queue, 1.0)
    with pytest.raises(AlreadyCalled):
        call.cancel()


@pytest.mark.parametrize("move", ["delay", "reset"])
def test_moving_inactive_call_raises(queue: TimerQueue, move: str) -> None:
    cancelled = schedule(queue, 1.0, [], "a")
    cancelled.cancel()
    called = schedule(queue, 1.0, [], "b")
    runDue(queue, 1.0)
    with pytest.raises(AlreadyCancelled):
        getattr(cancelled, move)(1.0)
    with pytest.raises(AlreadyCalled):
        getattr(called, move)(1.0)


def test_delay_is_relative_to_due_time(queue: TimerQueue, clock: FakeTime) -> None:
    log: list[Any] = []
    call = schedule(queue, 5.0, log, "a")
    clock.now = 2.0
    call.delay(3.0)
    assert call.getTime() == 8.0
    runDue(queue, 7.9)
    assert log == []
    runDue(queue, 8.0)
    assert log == ["a"]


def test_negative_delay_moves_earlier(queue: TimerQueue) -> None:
    log: list[Any] = []
    call = schedule(queue, 5.0, log, "a")
    call.delay(-4.0)
    assert call.getTime() == 1.0
    runDue(queue, 1.0)
    assert log == ["a"]


def test_reset_is_relative_to_now(queue: TimerQueue, clock: FakeTime) -> None:
    log: list[Any] = []
    call = schedule(queue, 5.0, log, "a")
    clock.now = 3.0
    call.reset(10.0)
    assert call.getTime() == 13.0
    runDue(queue, 12.0)
    assert log == []
    call.reset(0.5)
    assert call.getTime() == 3.5
    runDue(queue, 3.5)
    assert log == ["a"]
    assert len(queue) == 0


def test_moved_call_runs_once(queue: TimerQueue) -> None:
    """Old heap entries of a moved call never run it a second time."""
    log: list[Any] = []
    call = schedule(queue, 5.0, log, "a")
    call.delay(-2.0)  # 3: a new entry
    call.delay(2.0)  # 5: same time as the first, now stale, entry
    call.delay(-4.0)  # 1
    call.delay(9.0)  # 10
    runDue(queue, 100.0)
    assert log == ["a"]
    assert len(queue) == 0
    assert queue.nextTime() is None


def test_repr_shows_call_and_state(queue: TimerQueue, clock: FakeTime) -> None:
    def target(*args: object, **kw: object) -> None:
        pass

    clock.now = 1.0
    call = QueuedCall(3.5, target, (1, "x"), {"k": None}, queue)
    text = repr(call)
    assert text.startswith("<DelayedCall 0x")
    assert "[2.5s] called=0 cancelled=0" in text  # Twisted's 0/1
    assert "target(1, 'x', k=None)>" in text
    call.cancel()
    assert repr(call).endswith("called=0 cancelled=1>")


def test_repr_survives_broken_argument_repr(queue: TimerQueue) -> None:
    class Broken:
        def __repr__(self) -> str:
            raise RuntimeError("no")

    call = QueuedCall(1.0, print, (Broken(),), {}, queue)
    assert "with broken repr" in repr(call)


def test_debug_records_creator(queue: TimerQueue, monkeypatch: pytest.MonkeyPatch) -> None:
    plain = schedule(queue, 1.0, [], "a")
    assert plain.creator is None
    monkeypatch.setattr(DelayedCall, "debug", True)
    traced = schedule(queue, 1.0, [], "b")
    assert traced.creator is not None
    assert any("test_debug_records_creator" in line for line in traced.creator)
    assert "traceback at creation" in repr(traced)


def test_calls_sort_by_due_time(queue: TimerQueue) -> None:
    late = schedule(queue, 2.0, [], "late")
    early = schedule(queue, 1.0, [], "early")
    assert sorted([late, early]) == [early, late]
    assert early <= late and early < late and not late < early


def test_queued_calls_are_delayed_calls_with_no_pending_delay(
    queue: TimerQueue, clock: FakeTime
) -> None:
    call = schedule(queue, 1.0, [], "a")
    assert isinstance(call, DelayedCall)
    call.delay(2.0)
    assert (call.time, call.getTime(), call.delayed_time) == (3.0, 3.0, 0.0)
    call.activate_delay()  # nothing to fold in
    assert call.time == 3.0
    assert call.seconds is clock


# -- DelayedCall made with Twisted's constructor ---------------------------------------------------


class OwnClock:
    """A clock of one's own, as code that builds DelayedCalls itself has: it hears of calls
    cancelled and moved earlier."""

    def __init__(self) -> None:
        self.now = 0.0
        self.cancelled: list[DelayedCall] = []
        self.moved: list[DelayedCall] = []

    def call(self, time: float, *args: object, **kw: object) -> DelayedCall:
        return DelayedCall(
            time, print, args, kw, self.cancelled.append, self.moved.append, lambda: self.now
        )


def test_standalone_call_starts_pending() -> None:
    own = OwnClock()
    call = own.call(5.0, 1, k=2)
    assert call.active() and not call.called and not call.cancelled
    assert (call.time, call.getTime(), call.delayed_time) == (5.0, 5.0, 0.0)
    assert (call.func, call.args, call.kw) == (print, (1,), {"k": 2})
    assert call.seconds() == 0.0


def test_standalone_cancel_tells_the_clock_and_drops_the_function() -> None:
    own = OwnClock()
    call = own.call(5.0)
    call.cancel()
    assert own.cancelled == [call] and call.cancelled and not call.active()
    assert not hasattr(call, "func")
    with pytest.raises(AlreadyCancelled):
        call.cancel()
    with pytest.raises(AlreadyCancelled):
        call.reset(1.0)
    with pytest.raises(AlreadyCancelled):
        call.delay(1.0)


def test_standalone_call_run_by_its_clock_refuses_changes() -> None:
    call = OwnClock().call(5.0)
    call.called = True  # what the clock does when it runs it
    assert not call.active()
    with pytest.raises(AlreadyCalled):
        call.cancel()
    with pytest.raises(AlreadyCalled):
        call.delay(1.0)


def test_standalone_later_moves_are_recorded_not_announced() -> None:
    own = OwnClock()
    call = own.call(5.0)
    call.delay(2.0)
    own.now = 1.0
    call.reset(10.0)  # due at 11: later still
    assert (call.time, call.delayed_time, call.getTime()) == (5.0, 6.0, 11.0)
    assert own.moved == []
    call.activate_delay()
    assert (call.time, call.delayed_time) == (11.0, 0.0)


def test_standalone_earlier_moves_change_time_and_tell_the_clock() -> None:
    own = OwnClock()
    call = own.call(5.0)
    call.reset(2.0)
    assert (call.time, call.delayed_time) == (2.0, 0.0)
    call.delay(-1.0)
    assert (call.time, call.delayed_time) == (1.0, 0.0)
    assert own.moved == [call, call]


def nothing() -> None:
    """A module-level target, so that its name in a repr is plain."""


def test_standalone_repr_matches_twisteds() -> None:
    own = OwnClock()
    own.now = 1.5
    call = DelayedCall(
        12, nothing, (3,), {"A": 5}, own.cancelled.append, own.moved.append, lambda: own.now
    )
    assert str(call) == f"<DelayedCall 0x{id(call):x} [10.5s] called=0 cancelled=0 nothing(3, A=5)>"
    assert repr(call) == str(call)


def test_standalone_call_default_clock_is_the_wall_clock() -> None:
    call = DelayedCall(0.0, print, (), {}, lambda c: None, lambda c: None)
    assert "[-" in repr(call)  # due at the epoch: long ago


def test_debug_switch_is_read_and_set_on_the_class(monkeypatch: pytest.MonkeyPatch) -> None:
    assert DelayedCall.debug is False
    monkeypatch.setattr(DelayedCall, "debug", True)
    assert DelayedCall.debug is True and QueuedCall.debug is True
    traced = OwnClock().call(1.0)
    assert traced.debug and traced.creator is not None
    monkeypatch.undo()
    assert DelayedCall.debug is False
    assert not OwnClock().call(1.0).debug


def test_setting_debug_on_a_call_is_accepted_and_changes_nothing(queue: TimerQueue) -> None:
    call = schedule(queue, 1.0, [], "a")
    call.debug = True  # type: ignore[misc]  # as Twisted's code does; too late to record
    assert call.creator is None and call.debug is False
    assert "traceback at creation" not in repr(call)


# -- TimerQueue ordering ---------------------------------------------------------------------------


def test_due_order_then_creation_order(queue: TimerQueue) -> None:
    log: list[Any] = []
    for name, time in [("c", 3.0), ("a1", 1.0), ("b", 2.0), ("a2", 1.0), ("a3", 1.0)]:
        schedule(queue, time, log, name)
    assert [call.args[0] for call in queue.pending()] == ["a1", "a2", "a3", "b", "c"]
    runDue(queue, 10.0)
    assert log == ["a1", "a2", "a3", "b", "c"]


def test_moved_call_keeps_creation_rank_among_equal_times(queue: TimerQueue) -> None:
    """Ties go by creation order, not by the last move (Twisted's Clock agrees here)."""
    log: list[Any] = []
    first = schedule(queue, 5.0, log, "first")
    schedule(queue, 10.0, log, "second")
    first.delay(5.0)
    later = schedule(queue, 20.0, log, "third")
    later.reset(10.0)
    runDue(queue, 10.0)
    assert log == ["first", "second", "third"]


def test_pop_due_leaves_future_calls(queue: TimerQueue) -> None:
    log: list[Any] = []
    schedule(queue, 1.0, log, "a")
    schedule(queue, 2.0, log, "b")
    runDue(queue, 1.5)
    assert log == ["a"]
    assert queue.nextTime() == 2.0
    assert len(queue) == 1


def test_next_time_sees_through_stale_and_moved_entries(queue: TimerQueue) -> None:
    assert queue.nextTime() is None
    cancelled = schedule(queue, 1.0, [], "a")
    moved = schedule(queue, 2.0, [], "b")
    schedule(queue, 4.0, [], "c")
    cancelled.cancel()
    moved.delay(3.0)
    assert queue.nextTime() == 4.0
    moved.reset(0.5)
    assert queue.nextTime() == 0.5


def test_before_leaves_calls_scheduled_during_the_pass(queue: TimerQueue, clock: FakeTime) -> None:
    """How a reactor defers calls made by timed calls to its next iteration."""
    log: list[Any] = []
    clock.now = 1.0

    def first() -> None:
        log.append("first")
        schedule(queue, clock.now, log, "new")  # due at once, but made during the pass
        old.reset(0.0)  # an old call moved earlier still runs in this pass

    QueuedCall(1.0, first, (), {}, queue)
    schedule(queue, 1.0, log, "second")
    old = schedule(queue, 9.0, log, "old")
    runDue(queue, 1.0, before=queue.sequence)
    assert log == ["first", "second", "old"]
    runDue(queue, 1.0, before=queue.sequence)
    assert log == ["first", "second", "old", "new"]


def test_matches_a_sorted_list_model(queue: TimerQueue, clock: FakeTime) -> None:
    """Random schedules, moves and cancels run in the same order as Twisted's sorted list."""
    rnd = random.Random(1234)
    log: list[Any] = []
    model: dict[int, tuple[float, int]] = {}  # name -> (due time, creation rank)
    calls: dict[int, QueuedCall] = {}
    expected: list[int] = []
    for step in range(3000):
        action = rnd.random()
        if action < 0.4 or not calls:
            time = clock.now + rnd.choice([0.0, 0.5, 1.0, rnd.random() * 5])
            calls[step] = schedule(queue, time, log, step)
            model[step] = (time, step)
        elif action < 0.55:
            name = rnd.choice(list(calls))
            calls.pop(name).cancel()
            del model[name]
        elif action < 0.75:
            name = rnd.choice(list(calls))
            calls[name].reset(rnd.choice([0.0, 1.0, rnd.random() * 5]))
            model[name] = (calls[name].getTime(), model[name][1])
        elif action < 0.85:
            name = rnd.choice(list(calls))
            calls[name].delay(rnd.uniform(-1.0, 3.0))
            model[name] = (calls[name].getTime(), model[name][1])
        else:
            clock.now += rnd.random()
            due = sorted((key for key in model.items() if key[1][0] <= clock.now), key=_rank)
            for name, _ in due:
                del model[name]
                del calls[name]
                expected.append(name)
            runDue(queue, clock.now)
            assert log == expected
        assert len(queue) == len(model)
    assert [call.args[0] for call in queue.pending()] == [
        name for name, _ in sorted(model.items(), key=_rank)
    ]


def test_in_order_calls_and_out_of_order_calls_interleave(queue: TimerQueue) -> None:
    """Calls filed in due order skip the heap; merged with the others they keep the order."""
    log: list[Any] = []
    for time in (1.0, 2.0, 2.0, 3.0, 5.0):  # in order: appended to the run
        schedule(queue, time, log, ("run", time))
    assert (len(queue._run), len(queue._heap)) == (5, 0)
    for time in (4.0, 2.0, 0.5, 4.5):  # earlier than the run's last entry: on the heap
        schedule(queue, time, log, ("heap", time))
    assert (len(queue._run), len(queue._heap)) == (5, 4)
    late = schedule(queue, 0.1, log, "moved later")
    late.reset(2.5)
    early = schedule(queue, 6.0, log, "moved earlier")
    early.delay(-5.5)
    runDue(queue, 2.0, before=queue.sequence)
    assert log == [
        ("heap", 0.5),
        "moved earlier",
        ("run", 1.0),
        ("run", 2.0),
        ("run", 2.0),
        ("heap", 2.0),
    ]
    del log[:]
    runDue(queue, 10.0)
    assert log == ["moved later", ("run", 3.0), ("heap", 4.0), ("heap", 4.5), ("run", 5.0)]
    assert entries(queue) == len(queue) == 0


def test_mostly_in_order_schedules_match_the_model(queue: TimerQueue, clock: FakeTime) -> None:
    """Timeouts of one length arrive in due order; a few odd ones and cancels interleave."""
    rnd = random.Random(99)
    log: list[Any] = []
    model: dict[int, tuple[float, int]] = {}
    calls: dict[int, QueuedCall] = {}
    expected: list[int] = []
    for step in range(5000):
        action = rnd.random()
        if action < 0.6 or not calls:
            time = clock.now + (30.0 if action < 0.5 else rnd.random() * 40)
            calls[step] = schedule(queue, time, log, step)
            model[step] = (time, step)
        elif action < 0.75:
            name = rnd.choice(list(calls))
            calls.pop(name).cancel()
            del model[name]
        elif action < 0.8:
            name = rnd.choice(list(calls))
            calls[name].reset(30.0)
            model[name] = (calls[name].getTime(), model[name][1])
        else:
            clock.now += rnd.random() * 3
            due = sorted((key for key in model.items() if key[1][0] <= clock.now), key=_rank)
            for name, _ in due:
                del model[name]
                del calls[name]
                expected.append(name)
            runDue(queue, clock.now, before=queue.sequence)
            assert log == expected
        assert len(queue) == len(model)
        nextDue = min((time for time, _ in model.values()), default=None)
        assert queue.nextTime() == nextDue
    assert len(queue._run) > len(queue._heap) > 0


def _rank(item: tuple[int, tuple[float, int]]) -> tuple[float, int]:
    return item[1]


# -- lazy cancellation -----------------------------------------------------------------------------


class CountingQueue(TimerQueue):
    """A TimerQueue that counts the heap entries its compactions go through."""

    __slots__ = ("compactedEntries", "compactions")

    def __init__(self) -> None:
        super().__init__(lambda: 0.0)
        self.compactions = 0
        self.compactedEntries = 0

    def _compact(self) -> None:
        self.compactions += 1
        self.compactedEntries += entries(self)
        super()._compact()


def entries(queue: TimerQueue) -> int:
    """How many entries (live or stale) the queue holds in its heap and its in-order run."""
    return len(queue._heap) + len(queue._run)


@contextmanager
def garbageCollectionOff() -> Iterator[None]:
    """Creating a million objects triggers repeated full collections: slow, and beside the point."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def test_million_pending_calls_cancel_cheaply() -> None:
    """Cancelling never searches the heap, and compaction work stays linear overall."""
    queue = CountingQueue()
    total = 1_000_000
    with garbageCollectionOff():
        calls = [QueuedCall(float(i % 1000), print, (), {}, queue) for i in range(total)]
    keep = calls[::1000]
    # The first cancellations leave stale entries behind and touch nothing else.
    for call in calls[1:1000]:
        call.cancel()
    assert entries(queue) == total and queue.compactions == 0
    for index, call in enumerate(calls[1000:], 1000):
        if index % 1000:
            call.cancel()
    assert len(queue) == len(keep)
    # Each compaction halves the heap at least, so all of them together touch fewer than
    # 2n entries, and they keep the heap small (stale entries never outnumber live ones by
    # more than the minimum before compacting).
    assert queue.compactions <= 20
    assert queue.compactedEntries < 2 * total
    assert entries(queue) <= 2 * len(keep) + 2 * _timers._COMPACT_MIN_STALE
    assert queue.pending() == sorted(keep, key=lambda call: call.time)


def test_repeated_moves_earlier_are_compacted(queue: TimerQueue) -> None:
    call = schedule(queue, 1e9, [], "a")
    for step in range(10_000):
        call.reset(1e8 - step)
    assert len(queue) == 1
    assert entries(queue) <= 2 + 2 * _timers._COMPACT_MIN_STALE


def test_moves_later_cost_no_heap_entries(queue: TimerQueue, clock: FakeTime) -> None:
    """Re-arming a timeout on every packet must not grow the heap."""
    call = schedule(queue, 10.0, [], "a")
    for step in range(1000):
        clock.now = step / 100
        call.reset(10.0)
    assert entries(queue) == 1
    assert queue.nextTime() == pytest.approx(19.99)
    assert entries(queue) == 1


def test_compaction_during_a_pass_keeps_running_calls(queue: TimerQueue) -> None:
    """A call that cancels many others (compacting the heap) while the queue is being run."""
    log: list[Any] = []
    victims = [schedule(queue, 2.0, log, "victim") for _ in range(500)]

    def massacre() -> None:
        for victim in victims:
            victim.cancel()

    QueuedCall(1.0, massacre, (), {}, queue)
    schedule(queue, 1.0, log, "after")
    schedule(queue, 3.0, log, "last")
    runDue(queue, 5.0)
    assert log == ["after", "last"]
