"""The dirty-reactor check: what a test left behind in a reactor, reported and cleaned up.

A test must leave its reactor as it found it: no pending timed calls, no listening ports,
connections or other registered descriptors, and no work still running in the reactor's thread
pool. Twisted's trial checks the same things; unlike trial, the leftovers are also *closed*
(``connectionLost`` is called, sockets are closed) rather than only unregistered, so they cannot
surface later as a ``ResourceWarning`` in an unrelated test.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, cast

from torsion.internet.error import ConnectionAborted
from torsion.logger import Logger, LogLevel
from torsion.python.failure import Failure

if TYPE_CHECKING:
    from torsion.internet.interfaces import IFullReactor
    from torsion.python.threadpool import ThreadPool

    class _PoolOwner(Protocol):
        """torsion's reactors keep their pool, created on first use, in ``_threadpool``."""

        _threadpool: ThreadPool | None


__all__ = ["DirtyReactorAggregateError", "assertReactorClean", "cleanReactor"]

_log = Logger(namespace="torsion.testing")

#: How many zero-timeout passes to let short-lived work (``callLater(0)``, a close already in
#: flight) finish before anything counts as left over; Twisted's trial makes two.
_FLUSH_PASSES = 2

#: Seconds pool workers get to end once told to stop (a bound for failure only).
THREAD_GRACE = 2.0


class DirtyReactorAggregateError(Exception):
    """A test left things in the reactor; each list says what (Twisted's name).

    Args:
        delayedCalls: Descriptions of the timed calls that were still pending.
        selectables: Descriptions of the ports, connections and other descriptors still
            registered.
        threads: Descriptions of thread-pool work still running or queued.
    """

    def __init__(
        self,
        delayedCalls: list[str],
        selectables: list[str] | None = None,
        threads: list[str] | None = None,
    ) -> None:
        super().__init__(delayedCalls, selectables, threads)
        self.delayedCalls = delayedCalls
        self.selectables = selectables or []
        self.threads = threads or []

    def __str__(self) -> str:
        lines = ["Reactor was unclean (the test left these behind; they are cleaned up now)."]
        if self.delayedCalls:
            lines.append(
                "DelayedCalls: (set torsion.internet._core.timers.DelayedCall.debug = True to"
                " see where each was scheduled)"
            )
            lines += [f"  {call}" for call in self.delayedCalls]
        if self.selectables:
            lines.append("Selectables (ports, connections, readers/writers):")
            lines += [f"  {selectable}" for selectable in self.selectables]
        if self.threads:
            lines.append("Threads:")
            lines += [f"  {thread}" for thread in self.threads]
        return "\n".join(lines)


def cleanReactor(reactor: IFullReactor) -> DirtyReactorAggregateError | None:
    """Clean up after a test: report, then cancel, close or stop whatever it left.

    Due calls run first (two passes, as trial does), so work that was about to finish is not
    reported. The reactor must not be running; it can run again afterwards.

    Returns:
        The error describing the leftovers, or None if the reactor was clean.
    """
    if reactor.running:
        reactor.crash()
    for _ in range(_FLUSH_PASSES):
        reactor.iterate(0)
    calls = _cancelPending(reactor)
    selectables = _closeDescriptors(reactor)
    # Closing a connection may schedule more calls (a reconnecting factory's retry, a close
    # notification): they are consequences of the cleanup, not the test's leftovers.
    _cancelPending(reactor)
    threads = _stopThreadPool(reactor)
    if calls or selectables or threads:
        return DirtyReactorAggregateError(calls, selectables, threads)
    return None


def assertReactorClean(reactor: IFullReactor) -> None:
    """`cleanReactor`, raising the error if there was anything to clean.

    Raises:
        DirtyReactorAggregateError: The test left something behind.
    """
    error = cleanReactor(reactor)
    if error is not None:
        raise error


def _cancelPending(reactor: IFullReactor) -> list[str]:
    described = []
    for call in reactor.getDelayedCalls():
        if call.active():
            described.append(repr(call))
            call.cancel()
    return described


def _closeDescriptors(reactor: IFullReactor) -> list[str]:
    described = []
    for descriptor in reactor.removeAll():
        described.append(_describe(descriptor))
        try:
            descriptor.connectionLost(Failure(ConnectionAborted("left open by a test")))
        except Exception:
            _log.failure(
                "error closing leftover {descriptor!r}", level=LogLevel.debug, descriptor=descriptor
            )
    return described


def _describe(descriptor: Any) -> str:
    """A readable description: its repr if it has one, else its class, log prefix and ends."""
    if getattr(type(descriptor), "__repr__", None) is not object.__repr__:
        return repr(descriptor)
    parts = [type(descriptor).__qualname__]
    for method in ("logPrefix", "getHost", "getPeer"):
        try:
            parts.append(f"{method}={getattr(descriptor, method)()}")
        except Exception:
            pass
    return " ".join(parts)


def _stopThreadPool(reactor: IFullReactor) -> list[str]:
    """Stop the reactor's pool (the next run restarts it); describe work left in it.

    Idle workers are not a leak (the reactor keeps them for the next call). Neither is a
    worker that has just handed its result back and is on its way to idle, which is why the
    workers get a moment (`THREAD_GRACE`, a bound on joining, not a sleep) to end. Work
    queued but never started is dropped; a worker still busy after the grace is reported
    and abandoned (it ends when its work does) rather than joined, which could block forever.
    """
    owner = cast("_PoolOwner", reactor)
    pool = owner._threadpool
    if pool is None:
        return []
    queued = pool._queue.qsize()
    if not (pool.threads or queued):
        return []
    busy = [thread.name for thread in pool._stopWithin(THREAD_GRACE)]
    described = [f"reactor thread pool: {queued} queued call(s), never started"] if queued else []
    if busy:
        owner._threadpool = None
        described.append(f"reactor thread pool: still running in {', '.join(busy)}")
    return described
