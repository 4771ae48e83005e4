"""`ThreadPool`: worker threads created on demand, up to a maximum (Twisted's API).

The pool is a `torsion._threads.Team` of threads (made by `torsion._threads.pool`, or by the
`ThreadPool._pool` hook, which tests replace with in-memory workers). A call goes to an idle
thread, or a new one while the pool has fewer than ``max``, or waits in the team's backlog for
the next thread free. While the pool is stopped the team may make no thread, so work waits.

Each call runs in a copy of the caller's `contextvars` context, so `torsion.python.context`
values (and any other context variable) set by the caller are seen by the call and by its
``onResult``. Once the call is done, the pool keeps no reference to the function, its
arguments or its result.

Differences from Twisted, on purpose: `stop` lets the threads finish the work already given
(the backlog included) before they end, and the pool can be started again after it (the
reactor restarts its pool on every ``run``); work given to a stopped pool waits for the next
`start` instead of being dropped. `threads` lists the threads alive, not every thread ever
made. Bad sizes raise ``ValueError``, not ``AssertionError``.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Callable
from typing import Any, ParamSpec, Protocol, TypedDict, TypeVar

from torsion._threads import Team, pool
from torsion.logger import Logger, LogLevel
from torsion.python.failure import Failure

__all__ = ["ThreadPool"]

_log = Logger(namespace="torsion.python.threadpool")
_P = ParamSpec("_P")
_R = TypeVar("_R")


class _SupportsQsize(Protocol):
    def qsize(self) -> int: ...


class _State(TypedDict):
    min: int
    max: int
    name: str | None


class ThreadPool:
    """A pool of between ``minthreads`` and ``maxthreads`` worker threads.

    Args:
        minthreads: Threads started by `start` and kept while idle.
        maxthreads: Most threads running at once.
        name: Part of the threads' names.

    Attributes:
        min: The minimum number of threads.
        max: The maximum number of threads.
        name: The pool's name.
        threads: The worker threads alive now.
        started: True between `start` and `stop`.
        joined: True once `stop` has joined the workers (until the next `start`).
        threadFactory: Makes the pool's threads: called with ``target`` and ``name``.
    """

    min = 5
    max = 20
    name: str | None = None
    started = False
    joined = False
    threadFactory: Callable[..., threading.Thread] = threading.Thread
    #: Makes the pool's team from a size limit and a thread factory (a hook for tests).
    _pool = staticmethod(pool)

    def __init__(self, minthreads: int = 5, maxthreads: int = 20, name: str | None = None) -> None:
        _checkSizes(minthreads, maxthreads)
        self.min = minthreads
        self.max = maxthreads
        self.name = name
        self.threads: list[threading.Thread] = []
        self._serial = 0
        self._team: Team = self._pool(self._currentLimit, self._newThread)

    def _currentLimit(self) -> int:
        return self.max if self.started else 0

    def _newThread(self, *, target: Callable[[], object]) -> threading.Thread:
        """Make a pool thread (named, a daemon) that leaves `threads` when it ends."""
        self._serial += 1

        def run() -> None:
            try:
                target()
            finally:
                self.threads.remove(threading.current_thread())

        thread = self.threadFactory(target=run, name=f"{self.name or 'ThreadPool'}-{self._serial}")
        thread.daemon = True
        self.threads.append(thread)
        return thread

    @property
    def workers(self) -> int:
        """How many worker threads there are, idle or busy (Twisted's name)."""
        stats = self._team.statistics()
        return stats.idleWorkerCount + stats.busyWorkerCount

    @property
    def working(self) -> list[None]:
        """One None per busy worker (Twisted's legacy shape)."""
        return [None] * self._team.statistics().busyWorkerCount

    @property
    def waiters(self) -> list[None]:
        """One None per idle worker (Twisted's legacy shape)."""
        return [None] * self._team.statistics().idleWorkerCount

    @property
    def _queue(self) -> _SupportsQsize:
        """The work not yet given to a thread, as an object with ``qsize()`` (Twisted's)."""
        return _Backlog(self._team)

    q = _queue

    def start(self) -> None:
        """Start the minimum number of threads, and enough for the work waiting."""
        self.joined = False
        self.started = True
        self.adjustPoolsize()

    def stop(self) -> None:
        """Finish the work given so far, end every worker and wait until they have ended."""
        self.started = False
        self._team.shrink()
        for thread in list(self.threads):
            thread.join()
        self.joined = True

    def _stopWithin(self, timeout: float) -> list[threading.Thread]:
        """Drop the work not started, stop, and wait at most ``timeout`` seconds for the
        threads to end; return those still running (torsion's test janitor uses this)."""
        self._team._dropBacklog()
        self.started = False
        self._team.shrink()
        threads = list(self.threads)
        deadline = time.monotonic() + timeout
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        busy = [thread for thread in threads if thread.is_alive()]
        self.joined = not busy
        return busy

    def startAWorker(self) -> None:
        """Add one worker, if the pool is below its maximum."""
        self._team.grow(1)

    def stopAWorker(self) -> None:
        """End one worker, when it is next idle."""
        self._team.shrink(1)

    def callInThread(self, func: Callable[_P, object], *args: _P.args, **kw: _P.kwargs) -> None:
        """Run ``func(*args, **kw)`` in a worker thread (its exception is logged)."""
        self.callInThreadWithCallback(None, func, *args, **kw)

    def callInThreadWithCallback(
        self,
        onResult: Callable[[bool, Any], object] | None,
        func: Callable[_P, object],
        *args: _P.args,
        **kw: _P.kwargs,
    ) -> None:
        """Run ``func(*args, **kw)`` in a worker thread, then ``onResult`` there too.

        ``onResult(True, value)`` on success, ``onResult(False, failure)`` if ``func`` raised;
        an exception from ``onResult`` is logged. Both run in a copy of the caller's
        `contextvars` context.
        """
        self._team.do(_Call(contextvars.copy_context(), onResult, func, args, kw))

    def adjustPoolsize(self, minthreads: int | None = None, maxthreads: int | None = None) -> None:
        """Change the bounds; a running pool grows to the minimum (and for waiting work) at
        once, and surplus threads end when they are next idle.

        Raises:
            ValueError: ``minthreads`` is negative or above ``maxthreads``.
        """
        minthreads = self.min if minthreads is None else minthreads
        maxthreads = self.max if maxthreads is None else maxthreads
        _checkSizes(minthreads, maxthreads)
        self.min, self.max = minthreads, maxthreads
        if not self.started:
            return
        workers = self.workers
        if workers > self.max:
            self._team.shrink(workers - self.max)
        elif workers < self.min:
            self._team.grow(self.min - workers)
        backlog = self._team.statistics().backloggedWorkCount
        if backlog:
            self._team.grow(backlog)

    def dumpStats(self) -> None:
        """Log (``info`` events) how many workers are idle, busy and alive."""
        _log.info("waiters: {waiters}", waiters=self.waiters)
        _log.info("workers: {workers}", workers=self.working)
        _log.info("total: {total}", total=self.threads)

    def __getstate__(self) -> _State:
        """Pickle the sizes and name only; threads and work are not state."""
        return _State(min=self.min, max=self.max, name=self.name)

    def __setstate__(self, state: _State) -> None:
        """Unpickle as a new, stopped pool of the same sizes."""
        ThreadPool.__init__(self, state["min"], state["max"], state.get("name"))


def _checkSizes(minthreads: int, maxthreads: int) -> None:
    if minthreads < 0 or maxthreads < minthreads:
        raise ValueError(f"bad pool sizes: min={minthreads} max={maxthreads}")


class _Backlog:
    """The ``qsize()`` view of a team's backlog that Twisted's ``ThreadPool.q`` returns."""

    def __init__(self, team: Team) -> None:
        self._team = team

    def qsize(self) -> int:
        """How many calls wait for a thread."""
        return self._team.statistics().backloggedWorkCount


class _Call:
    """One call given to the pool: run once, then it lets go of what it referred to."""

    __slots__ = ("_args", "_context", "_func", "_kw", "_onResult")

    def __init__(
        self,
        context: contextvars.Context,
        onResult: Callable[[bool, Any], object] | None,
        func: Callable[..., object],
        args: tuple[Any, ...],
        kw: dict[str, Any],
    ) -> None:
        self._context: contextvars.Context | None = context
        self._onResult = onResult
        self._func: Callable[..., object] | None = func
        self._args: tuple[Any, ...] = args
        self._kw: dict[str, Any] = kw

    def __call__(self) -> None:
        context, self._context = self._context, None
        assert context is not None  # a team runs each task once
        context.run(self._run)

    def _run(self) -> None:
        try:
            result = self._invoke()
            success = True
        except BaseException:
            result = Failure()
            success = False
        onResult, self._onResult = self._onResult, None
        if onResult is not None:
            onResult(success, result)  # an exception goes to the team, which logs it
        elif not success:
            assert isinstance(result, Failure)
            _log.failure("Unhandled error in thread", result, level=LogLevel.error)

    def _invoke(self) -> object:
        # The function and its arguments are forgotten before it runs, so that only this
        # frame refers to them and nothing does once it returns (not even during onResult).
        func, args, kw = self._func, self._args, self._kw
        self._func, self._args, self._kw = None, (), {}
        assert func is not None
        return func(*args, **kw)
