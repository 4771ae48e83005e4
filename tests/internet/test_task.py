"""The public surface of torsion.internet.task, and differential tests against Twisted's."""

from __future__ import annotations

import random
from typing import Any

import pytest

from torsion.internet import task
from torsion.internet.interfaces import IDelayedCall, IReactorTime

TWISTED_ALL = {
    "LoopingCall",
    "Clock",
    "SchedulerStopped",
    "Cooperator",
    "coiterate",
    "deferLater",
    "react",
}


def test_exports_twisted_names() -> None:
    assert set(task.__all__) >= TWISTED_ALL
    extras = {"cooperate", "CooperativeTask", "TaskDone", "TaskStopped", "TaskFailed"}
    assert extras | {"NotPaused", "SchedulerError", "TaskFinished"} <= set(task.__all__)
    for name in task.__all__:
        assert getattr(task, name).__module__.startswith("torsion.internet.")


def test_all_matches_twisted_where_installed() -> None:
    twistedTask = pytest.importorskip("twisted.internet.task")
    assert set(twistedTask.__all__) <= set(task.__all__)


def test_clock_and_delayed_call_provide_the_interfaces() -> None:
    clock = task.Clock()
    assert isinstance(clock, IReactorTime)
    assert isinstance(clock.callLater(1, print), IDelayedCall)


def _randomClockScript(seed: int, clockClass: Any) -> list[Any]:
    """Run a random sequence of clock operations and return what ran, and when.

    Calls tie often, but moved calls are moved to random times: where a moved call ties with
    another, Twisted's order depends on where it sat before the move (its list is re-sorted
    stably), torsion's on creation order.
    """
    rnd = random.Random(seed)
    clock = clockClass()
    log: list[Any] = []
    calls: list[Any] = []
    for step in range(400):
        action = rnd.random()
        live = [call for call in calls if call.active()]
        if action < 0.45 or not live:
            delay = rnd.choice([0, 0, 0.5, 1, 1, 2, rnd.random() * 3])
            calls.append(clock.callLater(delay, lambda n=step: log.append((n, clock.seconds()))))
        elif action < 0.55:
            rnd.choice(live).cancel()
        elif action < 0.7:
            rnd.choice(live).reset(rnd.random() * 2)
        elif action < 0.8:
            rnd.choice(live).delay(rnd.uniform(-1, 1))
        else:
            clock.advance(rnd.choice([0, 0.5, 1, rnd.random()]))
        log.append(sorted(round(call.getTime(), 9) for call in clock.getDelayedCalls()))
    clock.advance(100)
    return log


@pytest.mark.parametrize("seed", range(5))
def test_clock_matches_twisted(seed: int) -> None:
    twistedTask = pytest.importorskip("twisted.internet.task")
    assert _randomClockScript(seed, task.Clock) == _randomClockScript(seed, twistedTask.Clock)


def _loopingScript(seed: int, module: Any) -> list[Any]:
    """Run a counting LoopingCall through random clock jumps; return counts and call times."""
    rnd = random.Random(seed)
    clock = module.Clock()
    log: list[Any] = []
    loop = module.LoopingCall.withCount(lambda n: log.append((n, clock.seconds())))
    loop.clock = clock
    loop.start(rnd.choice([0.5, 1, 1.5]), now=rnd.random() < 0.5)
    for _ in range(60):
        if rnd.random() < 0.1:
            loop.reset()
        clock.advance(rnd.choice([0.1, 0.5, 1, 2.5, rnd.random() * 4]))
    loop.stop()
    return log


@pytest.mark.parametrize("seed", range(5))
def test_looping_call_matches_twisted(seed: int) -> None:
    twistedTask = pytest.importorskip("twisted.internet.task")
    assert _loopingScript(seed, task) == _loopingScript(seed, twistedTask)
