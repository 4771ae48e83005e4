"""`Team`: a worker that hands each task to one of a changing set of workers.

Every change to the team's state (who is idle, how many are busy, the backlog) is made by
work given to its *coordinator*, an `IExclusiveWorker`, so it never needs a lock of its own:
`Team.do` asks the coordinator to place the task; a worker that finishes a task asks the
coordinator to take it back. `Team.quit` and `Team.shrink` end idle workers at once and busy
ones when they are next done; the backlog is always worked off first.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from torsion._threads._convenience import Quit
from torsion._threads._ithreads import IExclusiveWorker, IWorker

__all__ = ["Statistics", "Team"]


@dataclass
class Statistics:
    """A snapshot of what a `Team` is doing.

    Attributes:
        idleWorkerCount: Workers waiting for a task.
        busyWorkerCount: Workers running a task.
        backloggedWorkCount: Tasks waiting for a worker, because no more could be made.
    """

    idleWorkerCount: int
    busyWorkerCount: int
    backloggedWorkCount: int


class Team:
    """An `IWorker` whose tasks run on workers it makes with ``createWorker``.

    Args:
        coordinator: Runs the team's bookkeeping, one piece at a time.
        createWorker: Makes a new worker, or returns None when the team may not grow (a
            thread pool's size limit); the task then waits in the backlog.
        logException: Called, inside the ``except`` block, when a task raises.
    """

    def __init__(
        self,
        coordinator: IExclusiveWorker,
        createWorker: Callable[[], IWorker | None],
        logException: Callable[[], None],
    ) -> None:
        self._quit = Quit()
        self._coordinator = coordinator
        self._createWorker = createWorker
        self._logException = logException
        # Read and written only by work running on the coordinator:
        self._idle: set[IWorker] = set()
        self._busyCount = 0
        self._pending: deque[Callable[[], object]] = deque()
        self._toShrink = 0  # busy workers to end when they are next done
        self._quitting = False  # quit() was called: end every worker, then the coordinator

    def statistics(self) -> Statistics:
        """Return how many workers are idle and busy, and how many tasks wait."""
        return Statistics(len(self._idle), self._busyCount, len(self._pending))

    def do(self, task: Callable[[], object]) -> None:
        """Run ``task`` on an idle worker, a new one, or the next one free.

        Raises:
            AlreadyQuit: `quit` was called.
        """
        self._quit.check()
        self._coordinator.do(lambda: self._place(task))

    def grow(self, n: int) -> None:
        """Make ``n`` idle workers (fewer if ``createWorker`` refuses).

        Raises:
            AlreadyQuit: `quit` was called.
        """
        self._quit.check()
        self._coordinator.do(lambda: self._addWorkers(n))

    def shrink(self, n: int | None = None) -> None:
        """End ``n`` workers (None: all): idle ones now, busy ones when they are done.

        Raises:
            AlreadyQuit: `quit` was called.
        """
        self._quit.check()
        self._coordinator.do(lambda: self._endWorkers(n))

    def quit(self) -> None:
        """Refuse further tasks, end every worker once the backlog is done, then the
        coordinator.

        Raises:
            AlreadyQuit: `quit` was called before.
        """
        self._quit.set()
        self._coordinator.do(self._startQuitting)

    def _dropBacklog(self) -> None:
        """Forget the tasks waiting for a worker (torsion's; its test janitor uses it)."""
        self._coordinator.do(self._pending.clear)

    # -- on the coordinator ------------------------------------------------------------------

    def _startQuitting(self) -> None:
        self._quitting = True
        self._endWorkers(None)

    def _addWorkers(self, n: int) -> None:
        for _ in range(n):
            worker = self._createWorker()
            if worker is None:
                return
            self._idleAgain(worker)

    def _endWorkers(self, n: int | None) -> None:
        if n is None:
            n = len(self._idle) + self._busyCount
        for _ in range(n):
            if self._idle:
                self._idle.pop().quit()
            else:
                self._toShrink += 1
        if self._quitting and self._busyCount == 0:
            self._coordinator.quit()

    def _place(self, task: Callable[[], object]) -> None:
        worker = self._idle.pop() if self._idle else self._createWorker()
        if worker is None:
            self._pending.append(task)
            return
        self._busyCount += 1
        worker.do(lambda: self._perform(worker, task))

    def _idleAgain(self, worker: IWorker) -> None:
        """Take ``worker`` back: give it the oldest waiting task, or end it if it must go."""
        self._idle.add(worker)
        if self._pending:
            self._place(self._pending.popleft())
        elif self._quitting:
            self._endWorkers(None)
        elif self._toShrink > 0:
            self._toShrink -= 1
            self._idle.remove(worker)
            worker.quit()

    def _finished(self, worker: IWorker) -> None:
        self._busyCount -= 1
        self._idleAgain(worker)

    # -- on a worker -------------------------------------------------------------------------

    def _perform(self, worker: IWorker, task: Callable[[], object]) -> None:
        try:
            task()
        except BaseException:
            self._logException()
        self._coordinator.do(lambda: self._finished(worker))
