"""`ThreadPool`: worker threads created on demand, up to a maximum (Twisted's API).

Work is queued in a deque under one condition variable. A call finds an idle worker waiting on
the condition, or starts a new thread while the pool is below ``max``; otherwise it waits in the
queue. Work queued before `start` waits until then. `stop` lets the workers finish the queued
work, then joins them, so no pool thread is alive after it returns; a stopped pool can be
started again (the reactor restarts its pool on every ``run``).
"""

from __future__ import annotations

import contextvars
import logging
import threading
from collections import deque
from collections.abc import Callable
from typing import Any, ParamSpec

from torsion.python.failure import Failure

__all__ = ["ThreadPool"]

_log = logging.getLogger(__name__)
_P = ParamSpec("_P")

#: ``onResult(success, resultOrFailure)``, called in the worker thread.
_OnResult = Callable[[bool, Any], object]
_Work = tuple[
    contextvars.Context, _OnResult | None, Callable[..., object], tuple[Any, ...], dict[str, Any]
]


class ThreadPool:
    """A pool of between ``minthreads`` and ``maxthreads`` worker threads.

    Args:
        minthreads: Threads started by `start` and kept while idle.
        maxthreads: Most threads running at once.
        name: Prefix of the threads' names.

    Attributes:
        min: The minimum number of threads.
        max: The maximum number of threads.
        name: The pool's name.
        threads: The worker threads alive now.
        started: True between `start` and `stop`.
        joined: True once `stop` has joined the workers.
    """

    def __init__(self, minthreads: int = 0, maxthreads: int = 10, name: str | None = None) -> None:
        if minthreads < 0 or maxthreads < minthreads:
            raise ValueError(f"bad pool sizes: min={minthreads} max={maxthreads}")
        self.min = minthreads
        self.max = maxthreads
        self.name = name
        self.threads: list[threading.Thread] = []
        self.started = False
        self.joined = False
        self._queue: deque[_Work] = deque()
        self._lock = threading.Condition()
        self._idle = 0
        self._stopping = False
        self._serial = 0

    @property
    def workers(self) -> int:
        """How many worker threads exist."""
        return len(self.threads)

    def start(self) -> None:
        """Start the minimum number of threads, and enough for the queued work."""
        with self._lock:
            self.started, self.joined, self._stopping = True, False, False
            while len(self.threads) < self.min:
                self._startWorker()
            self._growForQueue()

    def stop(self) -> None:
        """Finish the queued work, end every worker and wait until they have ended."""
        with self._lock:
            self._stopping = True
            self.started = False
            self._lock.notify_all()
            threads = list(self.threads)
        for thread in threads:
            thread.join()
        self.joined = True

    def callInThread(self, func: Callable[_P, object], *args: _P.args, **kw: _P.kwargs) -> None:
        """Run ``func(*args, **kw)`` in a worker thread (its exception is logged)."""
        self.callInThreadWithCallback(None, func, *args, **kw)

    def callInThreadWithCallback(
        self,
        onResult: _OnResult | None,
        func: Callable[_P, object],
        *args: _P.args,
        **kw: _P.kwargs,
    ) -> None:
        """Run ``func(*args, **kw)`` in a worker thread, then ``onResult`` there too.

        ``onResult(True, value)`` on success, ``onResult(False, failure)`` if ``func`` raised.
        The call runs in a copy of the caller's `contextvars` context.
        """
        work = (contextvars.copy_context(), onResult, func, args, kw)
        with self._lock:
            self._queue.append(work)
            if self.started:
                self._growForQueue()

    def adjustPoolsize(self, minthreads: int | None = None, maxthreads: int | None = None) -> None:
        """Change the bounds; surplus threads end when they next become idle."""
        minthreads = self.min if minthreads is None else minthreads
        maxthreads = self.max if maxthreads is None else maxthreads
        if minthreads < 0 or maxthreads < minthreads:
            raise ValueError(f"bad pool sizes: min={minthreads} max={maxthreads}")
        with self._lock:
            self.min, self.max = minthreads, maxthreads
            if self.started:
                while len(self.threads) < self.min:
                    self._startWorker()
                self._growForQueue()
            self._lock.notify_all()

    def _growForQueue(self) -> None:
        """Wake or start workers for the queued work (the lock is held)."""
        waiting = len(self._queue)
        if self._idle:
            self._lock.notify(min(waiting, self._idle))
        while waiting > self._idle and len(self.threads) < self.max:
            self._startWorker()
            waiting -= 1

    def _startWorker(self) -> None:
        self._serial += 1
        thread = threading.Thread(
            target=self._work, name=f"{self.name or 'ThreadPool'}-{self._serial}", daemon=True
        )
        self.threads.append(thread)
        thread.start()

    def _work(self) -> None:
        """A worker: take work until the pool stops (and the queue is empty) or shrinks."""
        lock, queue = self._lock, self._queue
        while True:
            with lock:
                while not queue:
                    if self._stopping or len(self.threads) > self.max:
                        self.threads.remove(threading.current_thread())
                        return
                    self._idle += 1
                    lock.wait()
                    self._idle -= 1
                context, onResult, func, args, kw = queue.popleft()
            context.run(_runOne, onResult, func, args, kw)


def _runOne(
    onResult: _OnResult | None,
    func: Callable[..., object],
    args: tuple[Any, ...],
    kw: dict[str, Any],
) -> None:
    try:
        result: object = func(*args, **kw)
        success = True
    except BaseException:
        result = Failure()
        success = False
    if onResult is None:
        if not success:
            assert isinstance(result, Failure)
            _log.error("Unhandled error in thread\n%s", result.getTraceback().rstrip("\n"))
        return
    try:
        onResult(success, result)
    except Exception:
        _log.exception("Unhandled error in thread pool result callback %r", onResult)
