"""Running blocking code in threads and getting its results back as Deferreds (Twisted's API)."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable
from typing import Any, ParamSpec, TypeVar, cast

from torsion.internet._globalreactor import globalReactor
from torsion.internet.defer import Deferred, maybeDeferred
from torsion.internet.interfaces import IReactorFromThreads, IReactorInThreads, IReactorThreads
from torsion.python.failure import Failure
from torsion.python.threadpool import ThreadPool

__all__ = [
    "blockingCallFromThread",
    "callMultipleInThread",
    "deferToThread",
    "deferToThreadPool",
]

_P = ParamSpec("_P")
_T = TypeVar("_T")


def deferToThreadPool(
    reactor: IReactorFromThreads,
    threadpool: ThreadPool,
    f: Callable[_P, _T],
    *args: _P.args,
    **kwargs: _P.kwargs,
) -> Deferred[_T]:
    """Run ``f(*args, **kwargs)`` in ``threadpool``; its result arrives in the reactor thread.

    Returns:
        A Deferred that fires, from the reactor thread, with ``f``'s return value or with a
        `Failure` of its exception (with the worker's traceback).
    """
    d: Deferred[_T] = Deferred()

    def onResult(success: bool, result: Any) -> None:
        if success:
            reactor.callFromThread(d.callback, result)
        else:
            reactor.callFromThread(d.errback, result)

    threadpool.callInThreadWithCallback(onResult, f, *args, **kwargs)
    return d


def deferToThread(f: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs) -> Deferred[_T]:
    """`deferToThreadPool` on the global reactor and its thread pool."""
    reactor = cast(IReactorThreads, globalReactor())
    return deferToThreadPool(reactor, reactor.getThreadPool(), f, *args, **kwargs)


def _runMultiple(
    tupleList: Iterable[tuple[Callable[..., object], tuple[Any, ...], dict[str, Any]]],
) -> None:
    for f, args, kwargs in tupleList:
        f(*args, **kwargs)


def callMultipleInThread(
    tupleList: Iterable[tuple[Callable[..., object], tuple[Any, ...], dict[str, Any]]],
) -> None:
    """Run each ``(f, args, kwargs)`` of ``tupleList`` in turn, in one pool thread."""
    cast(IReactorInThreads, globalReactor()).callInThread(_runMultiple, list(tupleList))


def blockingCallFromThread(
    reactor: IReactorFromThreads, f: Callable[_P, Any], *a: _P.args, **kw: _P.kwargs
) -> Any:
    """Run ``f(*a, **kw)`` in the reactor thread and wait, in this thread, for its result.

    If ``f`` returns a Deferred, waits until it fires. Must not be called from the reactor
    thread, which would wait for itself forever.

    Returns:
        The result.

    Raises:
        RuntimeError: Called from the reactor thread.
        BaseException: Whatever ``f`` (or its Deferred) failed with.
    """
    if getattr(reactor, "_ioThread", None) == threading.get_ident():
        raise RuntimeError("blockingCallFromThread must not be called in the reactor thread")
    results: queue.SimpleQueue[object] = queue.SimpleQueue()

    def inReactor() -> None:
        maybeDeferred(f, *a, **kw).addBoth(results.put)

    reactor.callFromThread(inReactor)
    result = results.get()
    if isinstance(result, Failure):
        result.raiseException()
    return result
