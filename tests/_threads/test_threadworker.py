"""`ThreadWorker` (a thread of its own) and `LockWorker` (tasks under a lock, here)."""

from __future__ import annotations

import gc
import queue
import threading
import weakref
from collections.abc import Callable

import pytest

from tests._subprocess import BOUND
from torsion._threads import AlreadyQuit, LockWorker, ThreadWorker
from torsion._threads._threadworker import StopThread

# -- ThreadWorker -----------------------------------------------------------------------------


def test_thread_worker_starts_its_thread_at_once_and_runs_tasks_in_order() -> None:
    targets: list[Callable[[], None]] = []
    tasks: queue.SimpleQueue[object] = queue.SimpleQueue()
    worker = ThreadWorker(targets.append, tasks)  # type: ignore[arg-type]
    assert len(targets) == 1
    done: list[int] = []
    worker.do(lambda: done.append(1))
    worker.do(lambda: done.append(2))
    worker.quit()
    targets[0]()  # the thread's body, run here: it ends at the stop marker
    assert done == [1, 2]


def test_thread_worker_quit_refuses_work_and_a_second_quit() -> None:
    tasks: queue.SimpleQueue[object] = queue.SimpleQueue()
    worker = ThreadWorker(lambda target: None, tasks)  # type: ignore[arg-type]
    worker.quit()
    assert tasks.get_nowait() is StopThread
    with pytest.raises(AlreadyQuit):
        worker.do(lambda: None)
    with pytest.raises(AlreadyQuit):
        worker.quit()


def test_thread_worker_on_a_real_thread() -> None:
    threads: list[threading.Thread] = []

    def startThread(target: Callable[[], None]) -> None:
        thread = threading.Thread(target=target)
        threads.append(thread)
        thread.start()

    worker = ThreadWorker(startThread, queue.SimpleQueue())
    ran = threading.Event()
    where: list[int] = []

    def task() -> None:
        where.append(threading.get_ident())
        ran.set()

    worker.do(task)
    assert ran.wait(BOUND)
    worker.quit()
    threads[0].join(BOUND)
    assert not threads[0].is_alive()
    assert where == [threads[0].ident]


# -- LockWorker -------------------------------------------------------------------------------


class RecordingLock:
    """A lock that fails a test instead of deadlocking, and tells whether it is held."""

    def __init__(self) -> None:
        self.held = False

    def acquire(self) -> bool:
        assert not self.held, "acquired twice: a real lock would deadlock"
        self.held = True
        return True

    def release(self) -> None:
        assert self.held, "released while not held"
        self.held = False


def test_lock_worker_runs_the_task_now_holding_the_lock() -> None:
    lock = RecordingLock()
    worker = LockWorker(lock, threading.local())
    seen: list[bool] = []
    worker.do(lambda: seen.append(lock.held))
    assert seen == [True]
    assert not lock.held


def test_lock_worker_runs_a_task_given_by_a_task_after_it() -> None:
    lock = RecordingLock()
    worker = LockWorker(lock, threading.local())
    order: list[str] = []

    def outer() -> None:
        order.append("outer starts")
        worker.do(lambda: order.append("inner"))
        order.append("outer ends")

    worker.do(outer)
    assert order == ["outer starts", "outer ends", "inner"]
    assert not lock.held


def test_lock_worker_releases_the_lock_when_a_task_raises() -> None:
    lock = RecordingLock()
    worker = LockWorker(lock, threading.local())
    with pytest.raises(ZeroDivisionError):
        worker.do(lambda: 1 / 0)
    assert not lock.held
    worker.do(lambda: None)  # usable again


def test_lock_worker_quit_lets_go_of_the_lock() -> None:
    lock = RecordingLock()
    ref = weakref.ref(lock)
    worker = LockWorker(lock, threading.local())
    del lock
    worker.quit()
    gc.collect()
    assert ref() is None
    with pytest.raises(AlreadyQuit):
        worker.do(lambda: None)
    with pytest.raises(AlreadyQuit):
        worker.quit()


def test_lock_worker_quit_inside_a_task_still_finishes_the_queued_tasks() -> None:
    lock = RecordingLock()
    worker = LockWorker(lock, threading.local())
    order: list[str] = []

    def first() -> None:
        worker.do(lambda: order.append("second"))
        worker.quit()
        order.append("first")

    worker.do(first)
    assert order == ["first", "second"]
    assert not lock.held


def test_lock_worker_serializes_threads() -> None:
    worker = LockWorker(threading.Lock(), threading.local())
    inside = [0]
    most = [0]

    def task() -> None:
        inside[0] += 1
        most[0] = max(most[0], inside[0])
        inside[0] -= 1

    def hammer() -> None:
        for _ in range(2000):
            worker.do(task)

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(BOUND)
    assert most[0] == 1
