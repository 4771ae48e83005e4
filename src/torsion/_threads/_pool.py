"""`pool`: the `Team` of threads behind `torsion.python.threadpool.ThreadPool`."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Protocol

from torsion._threads._ithreads import IWorker
from torsion._threads._team import Team
from torsion._threads._threadworker import LockWorker, ThreadWorker
from torsion.logger import Logger, LogLevel

__all__ = ["pool"]

_log = Logger(namespace="torsion.python.threadpool")


class ThreadFactory(Protocol):
    """Makes an unstarted thread that will run ``target`` (``threading.Thread`` does)."""

    def __call__(self, *, target: Callable[[], object]) -> threading.Thread:
        """Return the thread."""
        ...


def pool(currentLimit: Callable[[], int], threadFactory: ThreadFactory = threading.Thread) -> Team:
    """Return a `Team` whose workers are threads, at most ``currentLimit()`` at a time.

    Its bookkeeping runs under a lock, in whichever thread gives it work or finishes some.
    An exception a task raises is logged (at ERROR, on ``torsion.python.threadpool``).

    Args:
        currentLimit: Asked each time a worker would be made: how many may exist now. It
            may change (a thread pool's is 0 while the pool is stopped); the team does not
            end workers by itself when it drops (see `Team.shrink`).
        threadFactory: Makes the threads.
    """

    def startThread(target: Callable[[], object]) -> None:
        threadFactory(target=target).start()

    def newWorker() -> IWorker | None:
        stats = team.statistics()
        if stats.busyWorkerCount + stats.idleWorkerCount >= currentLimit():
            return None
        return ThreadWorker(startThread, queue.SimpleQueue())

    team = Team(LockWorker(threading.Lock(), threading.local()), newWorker, _logException)
    return team


def _logException() -> None:
    _log.failure("Unhandled error in a thread pool task", level=LogLevel.error)
