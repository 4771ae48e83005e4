"""Workers: the building blocks of `torsion.python.threadpool` (Twisted's ``twisted._threads``).

A *worker* (`IWorker`) is anything with ``do(task)`` and ``quit()``: it runs the tasks it is
given somewhere, some time. The pieces:

* `ThreadWorker`: one thread, running its tasks in order.
* `LockWorker`: runs each task at once, in the calling thread, holding a lock; a task given
  while one runs waits for it. It serializes the bookkeeping of a `Team`.
* `Team`: a worker made of workers: each task goes to an idle worker, or a new one, or waits
  in a backlog until one is free. `pool` makes the team of threads a thread pool is.
* `createMemoryWorker`: a worker that only queues, and a function that runs one queued task,
  so tests can step through concurrent code deterministically.

`AlreadyQuit` is raised by a worker told to do anything after ``quit()``.
"""

from __future__ import annotations

from torsion._threads._ithreads import AlreadyQuit, IExclusiveWorker, IWorker
from torsion._threads._memory import createMemoryWorker
from torsion._threads._pool import pool
from torsion._threads._team import Team
from torsion._threads._threadworker import LockWorker, ThreadWorker

__all__ = [
    "AlreadyQuit",
    "IExclusiveWorker",
    "IWorker",
    "LockWorker",
    "Team",
    "ThreadWorker",
    "createMemoryWorker",
    "pool",
]
