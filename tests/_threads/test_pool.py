"""`pool`: a team of real threads under a changing limit."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from tests._subprocess import BOUND
from torsion._threads import pool


def test_pool_runs_tasks_on_at_most_limit_threads() -> None:
    made: list[threading.Thread] = []

    def factory(*, target: Callable[[], object]) -> threading.Thread:
        thread = threading.Thread(target=target, daemon=True)
        made.append(thread)
        return thread

    limit = [2]
    team = pool(lambda: limit[0], factory)
    release = threading.Event()
    started = threading.Semaphore(0)
    done = threading.Semaphore(0)

    def task() -> None:
        started.release()
        release.wait(BOUND)
        done.release()

    for _ in range(4):
        team.do(task)
    assert started.acquire(timeout=BOUND) and started.acquire(timeout=BOUND)
    assert len(made) == 2
    assert team.statistics().backloggedWorkCount == 2
    release.set()
    for _ in range(4):
        assert done.acquire(timeout=BOUND)
    team.quit()
    for thread in made:
        thread.join(BOUND)
        assert not thread.is_alive()


def test_pool_logs_a_task_exception(caplog: pytest.LogCaptureFixture) -> None:
    team = pool(lambda: 1)
    ran = threading.Event()

    def boom() -> None:
        ran.set()
        raise ValueError("boom")

    team.do(boom)
    assert ran.wait(BOUND)
    finished = threading.Event()
    team.do(finished.set)  # runs after boom on the only thread: boom has been logged by then
    assert finished.wait(BOUND)
    team.quit()
    records = [r for r in caplog.records if r.name == "torsion.python.threadpool"]
    assert len(records) == 1
    assert records[0].__dict__["log_failure"].check(ValueError)
