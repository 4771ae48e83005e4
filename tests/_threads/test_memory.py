"""`createMemoryWorker`: a worker that queues, stepped by the test."""

from __future__ import annotations

import pytest

from torsion._threads import AlreadyQuit, IExclusiveWorker, IWorker, createMemoryWorker


def test_tasks_wait_until_performed_one_at_a_time_in_order() -> None:
    worker, performOne = createMemoryWorker()
    done: list[int] = []
    worker.do(lambda: done.append(1))
    worker.do(lambda: done.append(2))
    assert done == []
    assert performOne() is True
    assert done == [1]
    assert performOne() is True
    assert performOne() is False
    assert done == [1, 2]


def test_quit_refuses_new_work_but_lets_queued_work_finish() -> None:
    worker, performOne = createMemoryWorker()
    done: list[str] = []
    worker.do(lambda: done.append("queued"))
    worker.quit()
    with pytest.raises(AlreadyQuit):
        worker.do(lambda: done.append("late"))
    with pytest.raises(AlreadyQuit):
        worker.quit()
    assert performOne() is True
    assert performOne() is False
    assert done == ["queued"]


def test_it_provides_the_worker_interfaces() -> None:
    worker, _ = createMemoryWorker()
    assert IWorker.providedBy(worker)
    assert IExclusiveWorker.providedBy(worker)
