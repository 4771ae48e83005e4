"""`pool`: a team of real threads under a changing limit."""

from __future__ import annotations

import threading
from collections.abc import Callable

from tests._subprocess import BOUND
from torsion._threads import pool
from torsion.logger import LogLevel, capturedLogs, formatEvent


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


def test_pool_logs_a_task_exception() -> None:
    team = pool(lambda: 1)
    ran = threading.Event()

    def boom() -> None:
        ran.set()
        raise ValueError("boom")

    with capturedLogs() as events:
        team.do(boom)
        assert ran.wait(BOUND)
        finished = threading.Event()
        team.do(finished.set)  # runs after boom on the only thread: boom has been logged by then
        assert finished.wait(BOUND)
        team.quit()
    logged = [e for e in events if e["log_namespace"] == "torsion.python.threadpool"]
    assert len(logged) == 1
    assert logged[0]["log_level"] is LogLevel.error
    assert logged[0]["log_failure"].check(ValueError)
    assert formatEvent(logged[0]) == "Unhandled error in a thread pool task"
