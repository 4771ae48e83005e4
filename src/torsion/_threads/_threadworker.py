"""Workers over threads: `ThreadWorker` (one thread of its own) and `LockWorker` (a lock).

`ThreadWorker` is what a thread pool's threads are. `LockWorker` runs work in whichever thread
asks, one task at a time; a `Team` uses one so that its bookkeeping, touched by the thread
that gives it work and by every worker thread that finishes some, needs no other locking.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from enum import Enum
from typing import Protocol, TypeVar

from torsion._threads._convenience import Quit

__all__ = ["LockWorker", "SimpleLock", "SimpleQueue", "StopThread", "ThreadWorker"]

_T = TypeVar("_T")


class _Stop(Enum):
    Thread = "stop the thread"


#: Put on a `ThreadWorker`'s queue by `ThreadWorker.quit`: its thread ends when it gets there.
StopThread = _Stop.Thread


class SimpleQueue(Protocol[_T]):
    """What a `ThreadWorker` needs of its queue (``queue.SimpleQueue`` has it)."""

    def put(self, item: _T) -> None:
        """Add ``item``."""
        ...

    def get(self) -> _T:
        """Take the oldest item, waiting for one if there is none."""
        ...


class SimpleLock(Protocol):
    """What a `LockWorker` needs of its lock (``threading.Lock`` has it)."""

    def acquire(self) -> bool:
        """Take the lock, waiting while another thread holds it."""
        ...

    def release(self) -> None:
        """Give the lock up."""
        ...


class ThreadWorker:
    """An `IExclusiveWorker` with one thread, which runs its tasks in the order given.

    Args:
        startThread: Called once, at once, with the function the thread runs; it must start
            a thread running it (``lambda f: threading.Thread(target=f).start()``).
        queue: Carries the tasks to the thread.
    """

    def __init__(
        self,
        startThread: Callable[[Callable[[], None]], object],
        queue: SimpleQueue[Callable[[], object] | _Stop],
    ) -> None:
        self._queue = queue
        self._quit = Quit()

        def runTasks() -> None:
            while (task := queue.get()) is not StopThread:
                assert not isinstance(task, _Stop)  # the loop condition
                task()

        startThread(runTasks)

    def do(self, task: Callable[[], object]) -> None:
        """Have the thread run ``task`` after the tasks given before.

        Raises:
            AlreadyQuit: `quit` was called.
        """
        self._quit.check()
        self._queue.put(task)

    def quit(self) -> None:
        """Refuse further tasks; the thread ends once it has run those given before.

        Raises:
            AlreadyQuit: `quit` was called before.
        """
        # The flag first: no task can then be queued behind the stop marker.
        self._quit.set()
        self._queue.put(StopThread)


class LockWorker:
    """An `IExclusiveWorker` that runs tasks in the calling thread, holding ``lock``.

    A task given by a task (in the same thread) is not run inside it, which could break
    the outer task's assumptions, but right after it, still under the lock.

    Args:
        lock: Held while tasks run.
        local: This worker's per-thread storage (it notes there whether the thread is
            running tasks, and which are waiting).
    """

    def __init__(self, lock: SimpleLock, local: threading.local) -> None:
        self._quit = Quit()
        self._lock: SimpleLock | None = lock
        self._local = local

    def do(self, work: Callable[[], object]) -> None:
        """Run ``work`` now, under the lock; or, if called from a task, after that task.

        Raises:
            AlreadyQuit: `quit` was called.
        """
        # Read the lock before checking the flag: a quit in between leaves no lock to take.
        lock = self._lock
        self._quit.check()
        local = self._local
        queued: list[Callable[[], object]] | None = getattr(local, "queued", None)
        if queued is not None:
            queued.append(work)
            return
        assert lock is not None  # only quit() clears it, and it sets the flag first
        local.queued = queued = [work]
        lock.acquire()
        try:
            while queued:
                queued.pop(0)()
        finally:
            lock.release()
            local.queued = None

    def quit(self) -> None:
        """Refuse further tasks and let go of the lock (tasks queued by a task still run).

        Raises:
            AlreadyQuit: `quit` was called before.
        """
        self._quit.set()
        self._lock = None
