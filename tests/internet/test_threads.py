"""Threads: callFromThread, the reactor's pool, deferToThread and blockingCallFromThread."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from tests._subprocess import BOUND as HANG_BOUND
from torsion.internet import threads
from torsion.internet.defer import Deferred, gatherResults
from torsion.internet.interfaces import IFullReactor
from torsion.internet.posixbase import PosixReactorBase  # every reactor's base
from torsion.python.threadpool import ThreadPool
from torsion.testing import runUntilFired


def _poolThreads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("torsion-reactor")]


# Watches the poller loop's doIteration; the asyncio reactors run asyncio's loop instead
# (tests/internet/test_asyncio_reactor.py checks the same behaviour there).
@pytest.mark.reactors("select", "poll", "epoll")
def test_callFromThreadWakesBlockedLoop(reactor: PosixReactorBase) -> None:
    """The loop waits with no timer due for HANG_BOUND seconds; only the waker can end it."""
    started = threading.Event()
    result: Deferred[int] = Deferred()
    timeouts: list[float | None] = []
    realDoIteration = reactor.doIteration

    def recordingDoIteration(timeout: float | None) -> None:
        timeouts.append(timeout)
        realDoIteration(timeout)

    reactor.doIteration = recordingDoIteration  # type: ignore[method-assign]

    def worker() -> None:
        if started.wait(HANG_BOUND):
            reactor.callFromThread(result.callback, threading.get_ident())

    thread = threading.Thread(target=worker)
    thread.start()
    reactor.callWhenRunning(started.set)
    try:
        assert runUntilFired(reactor, result) == thread.ident
    finally:
        thread.join()
    assert any(t is not None and t > HANG_BOUND / 2 for t in timeouts)


def test_callFromThreadVolumeKeepsPerThreadOrder(reactor: IFullReactor) -> None:
    perThread = 20_000
    seen: dict[int, list[int]] = {0: [], 1: [], 2: [], 3: []}
    done: Deferred[None] = Deferred()
    finished = []

    def record(tid: int, i: int) -> None:
        assert threading.current_thread() is threading.main_thread()
        seen[tid].append(i)
        if i == perThread - 1:
            finished.append(tid)
            if len(finished) == len(seen):
                done.callback(None)

    def worker(tid: int) -> None:
        for i in range(perThread):
            reactor.callFromThread(record, tid, i)

    workers = [threading.Thread(target=worker, args=(tid,)) for tid in seen]
    for w in workers:
        w.start()
    try:
        runUntilFired(reactor, done)
    finally:
        for w in workers:
            w.join()
    assert all(calls == list(range(perThread)) for calls in seen.values())


def test_callFromThreadExceptionLogged(
    reactor: IFullReactor, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> None:
        raise ZeroDivisionError("from thread")

    done: Deferred[str] = Deferred()
    reactor.callFromThread(broken)
    reactor.callFromThread(done.callback, "still running")
    assert runUntilFired(reactor, done) == "still running"
    assert "ZeroDivisionError: from thread" in caplog.text


def test_deferToThreadPool(reactor: IFullReactor) -> None:
    d = threads.deferToThreadPool(reactor, reactor.getThreadPool(), threading.get_ident)
    assert runUntilFired(reactor, d) != threading.get_ident()


def test_deferToThreadFailure(reactor: IFullReactor, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(threads, "globalReactor", lambda: reactor)

    def lookup() -> None:
        raise KeyError("missing")

    with pytest.raises(KeyError) as info:
        runUntilFired(reactor, threads.deferToThread(lookup))
    # The worker's traceback came along.
    assert any(entry.name == "lookup" for entry in info.traceback)


def test_deferToThreadResult(reactor: IFullReactor, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(threads, "globalReactor", lambda: reactor)
    assert runUntilFired(reactor, threads.deferToThread(sum, [1, 2, 3])) == 6


def test_callInThreadAndCallMultipleInThread(
    reactor: IFullReactor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(threads, "globalReactor", lambda: reactor)
    done: Deferred[list[str]] = Deferred()
    order: list[str] = []

    def finish() -> None:
        reactor.callFromThread(done.callback, order)

    threads.callMultipleInThread(
        [(order.append, ("one",), {}), (order.append, ("two",), {}), (finish, (), {})]
    )
    assert runUntilFired(reactor, done) == ["one", "two"]


def test_blockingCallFromThread(reactor: IFullReactor) -> None:
    def later() -> Deferred[str]:
        d: Deferred[str] = Deferred()
        reactor.callLater(0, d.callback, "later")
        return d

    def raising() -> None:
        raise ValueError("in reactor")

    def worker() -> list[object]:
        results: list[object] = [
            threads.blockingCallFromThread(reactor, lambda: threading.get_ident()),
            threads.blockingCallFromThread(reactor, later),
        ]
        try:
            threads.blockingCallFromThread(reactor, raising)
        except ValueError as e:
            results.append(str(e))
        return results

    d = threads.deferToThreadPool(reactor, reactor.getThreadPool(), worker)
    assert runUntilFired(reactor, d) == [threading.get_ident(), "later", "in reactor"]


def test_blockingCallFromReactorThreadRaises(reactor: IFullReactor) -> None:
    outcome: Deferred[str] = Deferred()

    def inReactor() -> None:
        try:
            threads.blockingCallFromThread(reactor, lambda: None)
        except RuntimeError as e:
            outcome.callback(str(e))

    reactor.callWhenRunning(inReactor)
    assert "reactor thread" in runUntilFired(reactor, outcome)


def test_suggestThreadPoolSizeCapsConcurrency(reactor: IFullReactor) -> None:
    reactor.suggestThreadPoolSize(3)
    lock = threading.Lock()
    active = [0]
    peak = [0]
    release = threading.Event()

    def job() -> None:
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
            if active[0] == 3:
                reactor.callFromThread(release.set)
        release.wait(HANG_BOUND)
        with lock:
            active[0] -= 1

    pool = reactor.getThreadPool()
    jobs = [threads.deferToThreadPool(reactor, pool, job) for _ in range(10)]
    runUntilFired(reactor, gatherResults(jobs))
    assert release.is_set()
    assert peak[0] == 3


def test_noPoolThreadAliveAfterRun(reactor: IFullReactor) -> None:
    started = threading.Event()
    jobs = [
        threads.deferToThreadPool(reactor, reactor.getThreadPool(), started.wait, HANG_BOUND)
        for _ in range(4)
    ]
    reactor.callWhenRunning(started.set)
    runUntilFired(reactor, gatherResults(jobs), shutdown=True)
    assert _poolThreads() == []
    assert reactor.getThreadPool().threads == []
    # The pool starts again with the next run.
    again = threads.deferToThreadPool(reactor, reactor.getThreadPool(), lambda: "again")
    assert runUntilFired(reactor, again, shutdown=True) == "again"
    assert _poolThreads() == []


def test_threadPoolQueuesUntilStarted() -> None:
    pool = ThreadPool(0, 2, name="torsion-test")
    results: list[tuple[bool, object]] = []
    done = threading.Event()

    def onResult(success: bool, result: object) -> None:
        results.append((success, result))
        done.set()

    pool.callInThreadWithCallback(onResult, lambda: 5)
    assert pool.threads == [] and results == []
    pool.start()
    try:
        assert done.wait(HANG_BOUND)
    finally:
        pool.stop()
    assert results == [(True, 5)]
    assert pool.threads == [] and pool.joined


def test_threadPoolFailureAndAdjust() -> None:
    pool = ThreadPool(1, 1)
    with pytest.raises(ValueError):
        pool.adjustPoolsize(maxthreads=0, minthreads=1)
    with pytest.raises(ValueError):
        ThreadPool(3, 2)
    outcome: list[tuple[bool, Any]] = []
    pool.start()
    assert pool.workers == 1
    pool.callInThreadWithCallback(lambda ok, r: outcome.append((ok, r)), int, "x")
    pool.stop()  # finishes the queued work first
    assert len(outcome) == 1
    ok, failure = outcome[0]
    assert ok is False and failure.check(ValueError)
