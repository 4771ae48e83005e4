"""`ThreadPool` over a `Team`: sizes, start/stop/restart, results, context, references, pickling.

The deterministic tests replace the team with memory workers through the ``_pool`` hook, as
Twisted's own tests do; the others use real threads and wait on events, with a bound.
"""

from __future__ import annotations

import gc
import pickle
import threading
import weakref
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from tests._subprocess import BOUND
from torsion._threads import IWorker, Team, createMemoryWorker
from torsion._threads._memory import MemoryWorker
from torsion.logger import LogEvent, LogLevel, capturedLogs, formatEvent
from torsion.python import context
from torsion.python.failure import Failure
from torsion.python.threadpool import ThreadPool


class SteppedPool(ThreadPool):
    """A pool whose workers are memory workers: nothing runs until the test steps it."""

    def __init__(self, minthreads: int, maxthreads: int) -> None:
        self.coordinator, self._coordinateOne = createMemoryWorker()
        self.memoryWorkers: list[tuple[MemoryWorker, Callable[[], bool]]] = []
        super().__init__(minthreads, maxthreads)

    def _pool(  # type: ignore[override]  # Twisted's hook is a static method
        self, currentLimit: Callable[[], int], threadFactory: object
    ) -> Team:
        def create() -> IWorker | None:
            stats = team.statistics()
            if stats.busyWorkerCount + stats.idleWorkerCount >= currentLimit():
                return None
            self.memoryWorkers.append(createMemoryWorker())
            return self.memoryWorkers[-1][0]

        def fail() -> None:
            raise AssertionError(Failure().getTraceback())

        team = Team(self.coordinator, create, fail)
        return team

    def settle(self) -> None:
        progress = True
        while progress:
            while self._coordinateOne():
                pass
            progress = any([perform() for _, perform in self.memoryWorkers])


# -- sizes and workers (deterministic) --------------------------------------------------------


def test_twisteds_default_sizes() -> None:
    pool = ThreadPool()
    assert (pool.min, pool.max) == (5, 20)


@pytest.mark.parametrize(("minthreads", "maxthreads"), [(-1, 3), (4, 3)])
def test_bad_sizes_raise(minthreads: int, maxthreads: int) -> None:
    with pytest.raises(ValueError):
        ThreadPool(minthreads, maxthreads)
    with pytest.raises(ValueError):
        ThreadPool(0, 5).adjustPoolsize(minthreads, maxthreads)


def test_work_given_before_start_waits_then_gets_workers() -> None:
    pool = SteppedPool(0, 10)
    ran: list[int] = []
    for i in range(5):
        pool.callInThread(ran.append, i)
    pool.settle()
    assert pool.memoryWorkers == [] and pool._queue.qsize() == 5
    pool.start()
    pool.settle()
    assert len(pool.memoryWorkers) == 5
    assert sorted(ran) == [0, 1, 2, 3, 4]
    assert pool.q.qsize() == 0


def test_start_makes_at_most_max_workers_for_the_backlog() -> None:
    pool = SteppedPool(0, 3)
    for _ in range(10):
        pool.callInThread(lambda: None)
    pool.start()
    pool.settle()
    assert len(pool.memoryWorkers) == 3


def test_start_makes_the_minimum() -> None:
    pool = SteppedPool(2, 5)
    pool.start()
    pool.settle()
    assert pool.workers == 2 and len(pool.waiters) == 2 and pool.working == []


def test_adjust_poolsize_of_a_stopped_pool_only_changes_the_bounds() -> None:
    pool = SteppedPool(0, 5)
    pool.adjustPoolsize(3, 4)
    pool.settle()
    assert (pool.min, pool.max, pool.workers) == (3, 4, 0)


def test_adjust_poolsize_shrinks_and_grows_a_running_pool() -> None:
    pool = SteppedPool(4, 10)
    pool.start()
    pool.settle()
    pool.adjustPoolsize(1, 2)
    pool.settle()
    assert pool.workers == 2
    pool.adjustPoolsize(3, 5)
    pool.settle()
    assert pool.workers == 3


def test_start_and_stop_a_worker() -> None:
    pool = SteppedPool(0, 2)
    pool.start()
    pool.startAWorker()
    pool.settle()
    assert pool.workers == 1
    pool.stopAWorker()
    pool.settle()
    assert pool.workers == 0


# -- real threads -----------------------------------------------------------------------------


def test_results_and_failures_reach_on_result_in_the_worker_thread() -> None:
    pool = ThreadPool(0, 2)
    outcomes: list[tuple[bool, Any, int]] = []
    done = threading.Semaphore(0)

    def onResult(success: bool, result: Any) -> None:
        outcomes.append((success, result, threading.get_ident()))
        done.release()

    pool.callInThreadWithCallback(onResult, lambda: 7)
    pool.callInThreadWithCallback(onResult, int, "not a number")
    pool.start()
    try:
        assert done.acquire(timeout=BOUND) and done.acquire(timeout=BOUND)
    finally:
        pool.stop()
    byKind = {success: result for success, result, _ in outcomes}
    assert byKind[True] == 7
    assert isinstance(byKind[False], Failure) and byKind[False].check(ValueError)
    assert threading.get_ident() not in [ident for _, _, ident in outcomes]


def _loggedFailures(events: Sequence[LogEvent]) -> list[tuple[str, LogLevel, type[BaseException]]]:
    """(namespace, level, exception type) of each logged failure."""
    return [
        (e["log_namespace"], e["log_level"], e["log_failure"].type)
        for e in events
        if isinstance(e.get("log_failure"), Failure)
    ]


def test_an_unhandled_error_is_logged() -> None:
    pool = ThreadPool(0, 1)
    pool.callInThread(lambda: 1 / 0)
    with capturedLogs() as events:
        pool.start()
        pool.stop()  # the call has run once stop returns
    assert _loggedFailures(events) == [
        ("torsion.python.threadpool", LogLevel.error, ZeroDivisionError)
    ]
    assert formatEvent(events[-1]) == "Unhandled error in thread"


def test_an_error_in_on_result_is_logged() -> None:
    pool = ThreadPool(0, 1)

    def onResult(success: bool, result: object) -> None:
        raise KeyError("in onResult")

    pool.callInThreadWithCallback(onResult, lambda: None)
    with capturedLogs() as events:
        pool.start()
        pool.stop()
    assert _loggedFailures(events) == [("torsion.python.threadpool", LogLevel.error, KeyError)]


def test_stop_finishes_the_backlog_joins_and_the_pool_restarts() -> None:
    pool = ThreadPool(0, 1, name="restartable")
    ran: list[int] = []
    for i in range(3):
        pool.callInThread(ran.append, i)
    pool.start()
    pool.stop()
    assert ran == [0, 1, 2]
    assert pool.threads == [] and pool.joined and not pool.started
    pool.callInThread(ran.append, 3)  # given to a stopped pool: waits for the next start
    assert pool._queue.qsize() == 1
    pool.start()
    pool.stop()
    assert ran == [0, 1, 2, 3]


def test_threads_are_named_after_the_pool_and_listed_while_alive() -> None:
    pool = ThreadPool(2, 2, name="named")
    pool.start()
    try:
        assert len(pool.threads) == 2
        assert all(t.name.startswith("named-") and t.daemon for t in pool.threads)
    finally:
        pool.stop()
    assert pool.threads == []


def test_thread_factory_is_used() -> None:
    made: list[str] = []

    class CountingPool(ThreadPool):
        def threadFactory(self, **kw: Any) -> threading.Thread:
            made.append(kw["name"])
            return threading.Thread(**kw)

    pool = CountingPool(1, 1, name="counted")
    pool.start()
    pool.stop()
    assert made == ["counted-1"]


def test_calls_see_the_callers_context() -> None:
    pool = ThreadPool(0, 1)
    seen: list[object] = []
    done = threading.Event()

    def onResult(success: bool, result: object) -> None:
        seen.append(context.get("who"))
        done.set()

    context.call({"who": "caller"}, pool.callInThreadWithCallback, onResult, context.get, "who")
    pool.start()
    try:
        assert done.wait(BOUND)
    finally:
        pool.stop()
    assert seen == ["caller"]


def test_the_pool_forgets_the_function_arguments_and_result() -> None:
    class Thing:
        pass

    pool = ThreadPool(0, 1)
    argument = Thing()
    refs: list[weakref.ref[Any]] = [weakref.ref(argument)]
    checked = threading.Event()
    duringOnResult: list[object] = []

    def work(arg: Thing) -> Thing:
        return Thing()

    def onResult(success: bool, value: Thing) -> None:
        refs.append(weakref.ref(value))
        gc.collect()
        duringOnResult.append(refs[0]())  # the argument is gone before onResult runs
        checked.set()

    refs.append(weakref.ref(work))
    pool.callInThreadWithCallback(onResult, work, argument)
    del argument, work
    pool.start()
    try:
        assert checked.wait(BOUND)
    finally:
        pool.stop()
    gc.collect()
    assert duringOnResult == [None]
    assert [ref() for ref in refs] == [None, None, None]


def test_stop_within_gives_up_on_a_busy_worker() -> None:
    pool = ThreadPool(0, 2)
    release = threading.Event()
    started = threading.Event()
    pool.start()

    def hold() -> None:
        started.set()
        release.wait(BOUND)

    pool.callInThread(hold)
    assert started.wait(BOUND)
    busy = pool._stopWithin(0.0)
    assert len(busy) == 1 and not pool.joined
    release.set()
    busy[0].join(BOUND)
    assert pool.threads == []


def test_stop_within_drops_work_not_started() -> None:
    pool = ThreadPool(0, 1)
    ran: list[int] = []
    pool.callInThread(ran.append, 1)
    assert pool._stopWithin(0.0) == []
    pool.start()
    pool.stop()
    assert ran == []


# -- pickling ---------------------------------------------------------------------------------


def test_pickling_keeps_the_sizes_and_name() -> None:
    pool = ThreadPool(7, 20, name="pickled")
    copy = pickle.loads(pickle.dumps(pool))
    assert (copy.min, copy.max, copy.name) == (7, 20, "pickled")
    assert copy.threads == [] and not copy.started
    copy.start()
    try:
        assert len(copy.threads) == 7
    finally:
        copy.stop()
