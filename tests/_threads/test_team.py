"""`Team`: tasks spread over workers it makes, stepped deterministically with memory workers."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from torsion._threads import AlreadyQuit, IWorker, Team, createMemoryWorker
from torsion._threads._memory import MemoryWorker
from torsion.python.failure import Failure


class Crew:
    """A team over memory workers, with a switch to refuse new workers."""

    def __init__(self) -> None:
        self.coordinator, self._coordinateOne = createMemoryWorker()
        self.workers: list[MemoryWorker] = []
        self.performers: list[Callable[[], bool]] = []
        self.quit: list[MemoryWorker] = []
        self.failures: list[Failure] = []
        self.limit: int | None = None
        self.team = Team(self.coordinator, self._create, lambda: self.failures.append(Failure()))

    def _create(self) -> IWorker | None:
        if self.limit is not None and len(self.workers) - len(self.quit) >= self.limit:
            return None
        worker, performer = createMemoryWorker()
        realQuit = worker.quit

        def recordQuit() -> None:
            realQuit()
            self.quit.append(worker)

        worker.quit = recordQuit  # type: ignore[method-assign]
        self.workers.append(worker)
        self.performers.append(performer)
        return worker

    def coordinate(self) -> None:
        while self._coordinateOne():
            pass

    def settle(self) -> None:
        """Run everything there is to run, coordination and tasks, until nothing is left."""
        progress = True
        while progress:
            self.coordinate()
            progress = any([performer() for performer in self.performers])


def test_a_task_runs_on_a_new_worker_which_is_then_idle() -> None:
    crew = Crew()
    ran: list[str] = []
    crew.team.do(lambda: ran.append("task"))
    crew.coordinate()
    stats = crew.team.statistics()
    assert (stats.idleWorkerCount, stats.busyWorkerCount, stats.backloggedWorkCount) == (0, 1, 0)
    crew.settle()
    assert ran == ["task"]
    stats = crew.team.statistics()
    assert (stats.idleWorkerCount, stats.busyWorkerCount) == (1, 0)


def test_an_idle_worker_is_reused() -> None:
    crew = Crew()
    for _ in range(3):
        crew.team.do(lambda: None)
        crew.settle()
    assert len(crew.workers) == 1


def test_grow_makes_idle_workers_up_to_the_limit() -> None:
    crew = Crew()
    crew.limit = 3
    crew.team.grow(5)
    crew.settle()
    assert len(crew.workers) == 3
    assert crew.team.statistics().idleWorkerCount == 3


def test_work_beyond_the_limit_waits_in_the_backlog_then_runs() -> None:
    crew = Crew()
    crew.limit = 2
    ran: list[int] = []
    for i in range(5):
        crew.team.do(lambda i=i: ran.append(i))  # type: ignore[misc]
    crew.coordinate()
    assert crew.team.statistics().backloggedWorkCount == 3
    crew.settle()
    assert sorted(ran) == [0, 1, 2, 3, 4]
    assert crew.team.statistics().backloggedWorkCount == 0
    assert len(crew.workers) == 2


def test_shrink_ends_idle_workers_now_and_busy_ones_when_done() -> None:
    crew = Crew()
    crew.team.grow(2)
    crew.coordinate()
    crew.team.do(lambda: None)  # one of them busy
    crew.coordinate()
    crew.team.shrink()
    crew.coordinate()
    assert len(crew.quit) == 1
    crew.settle()
    assert len(crew.quit) == 2
    stats = crew.team.statistics()
    assert (stats.idleWorkerCount, stats.busyWorkerCount) == (0, 0)


def test_shrink_by_n() -> None:
    crew = Crew()
    crew.team.grow(4)
    crew.settle()
    crew.team.shrink(3)
    crew.settle()
    assert len(crew.quit) == 3


def test_an_exception_in_a_task_is_logged_and_the_worker_carries_on() -> None:
    crew = Crew()
    crew.team.do(lambda: 1 / 0)
    ran: list[str] = []
    crew.team.do(lambda: ran.append("after"))
    crew.settle()
    assert [f.type for f in crew.failures] == [ZeroDivisionError]
    assert ran == ["after"]


def test_quit_finishes_the_backlog_then_ends_workers_and_coordinator() -> None:
    crew = Crew()
    crew.limit = 1
    ran: list[int] = []
    for i in range(3):
        crew.team.do(lambda i=i: ran.append(i))  # type: ignore[misc]
    crew.coordinate()
    crew.team.quit()
    with pytest.raises(AlreadyQuit):
        crew.team.do(lambda: None)
    with pytest.raises(AlreadyQuit):
        crew.team.quit()
    with pytest.raises(AlreadyQuit):
        crew.team.grow(1)
    with pytest.raises(AlreadyQuit):
        crew.team.shrink()
    crew.settle()
    assert ran == [0, 1, 2]
    assert crew.quit == crew.workers
    with pytest.raises(AlreadyQuit):
        crew.coordinator.quit()  # the team quit it


def test_drop_backlog_forgets_waiting_work() -> None:
    crew = Crew()
    crew.limit = 0
    crew.team.do(lambda: None)
    crew.coordinate()
    assert crew.team.statistics().backloggedWorkCount == 1
    crew.team._dropBacklog()
    crew.coordinate()
    assert crew.team.statistics().backloggedWorkCount == 0
