"""`Cooperator`: run many iterators a step at a time, in turn, without blocking the reactor.

Each task is an iterator; each ``next()`` is one unit of work. A tick of the cooperator runs one
step of each task in turn (round robin, resuming where the previous tick stopped) until its
time slice is used up, then schedules the next tick. A task that yields a Deferred sits out
until it fires.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar, cast

from torsion.internet._globalreactor import globalReactor
from torsion.internet.defer import Deferred
from torsion.internet.interfaces import IDelayedCall, IReactorTime
from torsion.python.failure import Failure

__all__ = [
    "CooperativeTask",
    "Cooperator",
    "NotPaused",
    "SchedulerError",
    "SchedulerStopped",
    "TaskDone",
    "TaskFailed",
    "TaskFinished",
    "TaskStopped",
    "coiterate",
    "cooperate",
]

_IteratorT = TypeVar("_IteratorT", bound=Iterator[object])


class SchedulerError(Exception):
    """A cooperator or one of its tasks was in the wrong state for the operation."""


class SchedulerStopped(SchedulerError):
    """The cooperator was stopped before (or while) the task ran."""


class TaskFinished(SchedulerError):
    """The task has ended (completed, stopped or failed) and cannot be changed any more."""


class TaskDone(TaskFinished):
    """The task has already run to completion."""


class TaskStopped(TaskFinished):
    """The task was stopped with `CooperativeTask.stop`."""


class TaskFailed(TaskFinished):
    """The task ended because its iterator raised an exception."""


class NotPaused(SchedulerError):
    """`CooperativeTask.resume` was called on a task that is not paused."""


class _Timer:
    """The default time slice: a predicate that turns True 10 ms after it is made."""

    MAX_SLICE = 0.01

    def __init__(self) -> None:
        self.end = time.monotonic() + self.MAX_SLICE

    def __call__(self) -> bool:
        return time.monotonic() >= self.end


# The delay between ticks: as soon as possible, but after the reactor has polled for I/O.
_EPSILON = 0.00000001


def _defaultScheduler(tick: Callable[[], None]) -> IDelayedCall:
    return cast(IReactorTime, globalReactor()).callLater(_EPSILON, tick)


class CooperativeTask(Generic[_IteratorT]):
    """A task in a `Cooperator`, made by `Cooperator.cooperate`: can be paused and stopped.

    Generic in the iterator's type, which is also the type of its result (`whenDone`).
    """

    def __init__(self, iterator: _IteratorT, cooperator: Cooperator) -> None:
        """Add ``iterator`` to ``cooperator``; use `Cooperator.cooperate` instead."""
        self._iterator = iterator
        self._cooperator = cooperator
        self._deferreds: list[Deferred[_IteratorT]] = []
        self._pauseCount = 0
        # Once the task has ended: the error to raise on further operations, and the result
        # given to whenDone() Deferreds.
        self._completionState: SchedulerError | None = None
        self._completionResult: _IteratorT | Failure | None = None
        cooperator._addTask(self)

    def whenDone(self) -> Deferred[_IteratorT]:
        """Return a Deferred of the task's end.

        It fires with the iterator once exhausted, fails with the exception the iterator
        raised, or fails with `TaskStopped` or `SchedulerStopped` if the task or its cooperator
        was stopped. Each call returns a new Deferred.
        """
        deferred: Deferred[_IteratorT] = Deferred()
        if self._completionState is None:
            self._deferreds.append(deferred)
        else:
            result = self._completionResult
            assert result is not None
            deferred.callback(result)
        return deferred

    def pause(self) -> None:
        """Stop running the task until `resume` has been called as many times as `pause`.

        Raises:
            TaskFinished: The task has ended (the subclass says how).
        """
        self._checkFinish()
        self._pauseCount += 1
        if self._pauseCount == 1:
            self._cooperator._removeTask(self)

    def resume(self) -> None:
        """Undo one `pause`; the task runs again when none remain.

        Raises:
            NotPaused: The task is not paused.
        """
        if self._pauseCount == 0:
            raise NotPaused()
        self._pauseCount -= 1
        if self._pauseCount == 0 and self._completionState is None:
            self._cooperator._addTask(self)

    def stop(self) -> None:
        """End the task now: its `whenDone` Deferreds fail with `TaskStopped`.

        Raises:
            TaskFinished: The task has already ended (the subclass says how).
        """
        self._checkFinish()
        self._finish(TaskStopped(), Failure(TaskStopped()))

    def _checkFinish(self) -> None:
        if self._completionState is not None:
            raise self._completionState

    def _finish(self, state: SchedulerError, result: _IteratorT | Failure) -> None:
        """Take the task out of the cooperator (a paused one is not in it) and `_complete` it."""
        if not self._pauseCount:
            self._cooperator._removeTask(self)
        self._complete(state, result)

    def _complete(self, state: SchedulerError, result: _IteratorT | Failure) -> None:
        """Record the task's end and fire its Deferreds.

        The task is no longer in the cooperator by now, so callbacks see a consistent
        cooperator (they may add tasks, or stop it).
        """
        self._completionState = state
        self._completionResult = result
        for deferred in self._deferreds:
            deferred.callback(result)

    def _oneWorkUnit(self) -> None:
        """Run one step of the iterator; end the task or pause it as the step requires."""
        try:
            result = next(self._iterator)
        except StopIteration:
            if self._completionState is None:
                self._finish(TaskDone(), self._iterator)
            return
        except BaseException:
            if self._completionState is None:
                self._finish(TaskFailed(), Failure())
            return
        # The step may have stopped its own task (then its outcome is ignored).
        if isinstance(result, Deferred) and self._completionState is None:
            self.pause()
            result.addCallbacks(self._waitedFor, self._waitFailed)

    def _waitedFor(self, result: object) -> None:
        self.resume()

    def _waitFailed(self, failure: Failure) -> Failure | None:
        if self._completionState is not None:
            # Stopped while waiting: the failure is nobody's to handle here, so leave it on
            # the Deferred the task yielded.
            return failure
        self._finish(TaskFailed(), failure)
        return None


class Cooperator:
    """Runs iterators as cooperative tasks, sharing time between them.

    Args:
        terminationPredicateFactory: Called at the start of each tick; the predicate it returns
            is asked after each step whether the tick should end. The default ends a tick after
            10 ms.
        scheduler: Called with the tick function to run it later, returning the delayed call.
            The default uses the global reactor's ``callLater`` (imported when first needed).
        started: Whether to run tasks as soon as they are added, or wait for `start`.
    """

    def __init__(
        self,
        terminationPredicateFactory: Callable[[], Callable[[], bool]] = _Timer,
        scheduler: Callable[[Callable[[], None]], IDelayedCall] = _defaultScheduler,
        started: bool = True,
    ) -> None:
        self._tasks: list[CooperativeTask[Any]] = []
        # Index in _tasks of the task to step next, so each tick carries on the round robin.
        self._cursor = 0
        self._terminationPredicateFactory = terminationPredicateFactory
        self._scheduler = scheduler
        self._delayedCall: IDelayedCall | None = None
        self._stopped = False
        self._started = started
        self._mustScheduleOnStart = False

    @property
    def running(self) -> bool:
        """True once started and until stopped."""
        return self._started and not self._stopped

    def cooperate(self, iterator: _IteratorT) -> CooperativeTask[_IteratorT]:
        """Add ``iterator`` as a task: ``next()`` is called on it a step at a time, in turn.

        Returns:
            The task, to pause, resume, stop or wait for.
        """
        return CooperativeTask(iterator, self)

    def coiterate(
        self, iterator: _IteratorT, doneDeferred: Deferred[_IteratorT] | None = None
    ) -> Deferred[_IteratorT]:
        """Add ``iterator`` as a task, returning only a Deferred of its end (see `whenDone`).

        Args:
            iterator: The task's iterator.
            doneDeferred: The Deferred to fire at the end; by default a new one.
        """
        if doneDeferred is None:
            doneDeferred = Deferred()
        CooperativeTask(iterator, self).whenDone().chainDeferred(doneDeferred)
        return doneDeferred

    def start(self) -> None:
        """Start running tasks (for a cooperator made with ``started=False``, or stopped)."""
        self._stopped = False
        self._started = True
        if self._mustScheduleOnStart:
            self._mustScheduleOnStart = False
            self._reschedule()

    def stop(self) -> None:
        """Stop running tasks: every running task fails with `SchedulerStopped`.

        Paused tasks fail with it when resumed, as do tasks added until `start` is called again.
        """
        self._stopped = True
        tasks = self._tasks[:]
        self._tasks.clear()
        self._cursor = 0
        if self._delayedCall is not None:
            self._delayedCall.cancel()
            self._delayedCall = None
        for task in tasks:
            task._complete(SchedulerStopped(), Failure(SchedulerStopped()))

    def _addTask(self, task: CooperativeTask[Any]) -> None:
        if self._stopped:
            task._complete(SchedulerStopped(), Failure(SchedulerStopped()))
            return
        self._tasks.append(task)
        self._reschedule()

    def _removeTask(self, task: CooperativeTask[Any]) -> None:
        index = self._tasks.index(task)
        del self._tasks[index]
        if index < self._cursor:
            self._cursor -= 1
        if not self._tasks and self._delayedCall is not None:
            self._delayedCall.cancel()
            self._delayedCall = None

    def _tick(self) -> None:
        """Step the tasks in turn until the time slice is over or no task is left."""
        self._delayedCall = None
        timeUp = self._terminationPredicateFactory()
        # Re-read self._tasks on every step: any step may add, remove or stop tasks.
        while self._tasks:
            if self._cursor >= len(self._tasks):
                self._cursor = 0
            task = self._tasks[self._cursor]
            self._cursor += 1
            task._oneWorkUnit()
            if timeUp():
                break
        self._reschedule()

    def _reschedule(self) -> None:
        if not self._started:
            self._mustScheduleOnStart = True
            return
        if self._delayedCall is None and self._tasks:
            self._delayedCall = self._scheduler(self._tick)


_theCooperator = Cooperator()


def coiterate(iterator: _IteratorT) -> Deferred[_IteratorT]:
    """`Cooperator.coiterate` on the global cooperator, which runs on the global reactor."""
    return _theCooperator.coiterate(iterator)


def cooperate(iterator: _IteratorT) -> CooperativeTask[_IteratorT]:
    """`Cooperator.cooperate` on the global cooperator, which runs on the global reactor."""
    return _theCooperator.cooperate(iterator)
