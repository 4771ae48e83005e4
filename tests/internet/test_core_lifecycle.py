"""The reactor's life: run, stop, crash, restart, system event triggers, callWhenRunning."""

from __future__ import annotations

import pytest

from torsion.internet.defer import Deferred
from torsion.internet.error import ReactorAlreadyRunning, ReactorNotRunning
from torsion.internet.interfaces import IFullReactor
from torsion.python import threadable
from torsion.testing import runUntilFired, runUntilStopped


def test_stopBeforeRun(reactor: IFullReactor) -> None:
    with pytest.raises(ReactorNotRunning):
        reactor.stop()


def test_runAndStop(reactor: IFullReactor) -> None:
    seen: list[bool] = []
    reactor.callWhenRunning(lambda: seen.append(reactor.running))
    reactor.callWhenRunning(reactor.stop)
    assert not reactor.running
    runUntilStopped(reactor)
    assert seen == [True]
    assert not reactor.running


def test_stopTwice(reactor: IFullReactor) -> None:
    errors: list[type[BaseException]] = []

    def stopTwice() -> None:
        reactor.stop()
        try:
            reactor.stop()
        except ReactorNotRunning as e:
            errors.append(type(e))

    reactor.callWhenRunning(stopTwice)
    runUntilStopped(reactor)
    assert errors == [ReactorNotRunning]


def test_nestedRun(reactor: IFullReactor) -> None:
    errors: list[type[BaseException]] = []

    def nested() -> None:
        try:
            reactor.run(installSignalHandlers=False)
        except ReactorAlreadyRunning as e:
            errors.append(type(e))
        reactor.stop()

    reactor.callWhenRunning(nested)
    runUntilStopped(reactor)
    assert errors == [ReactorAlreadyRunning]


def test_callWhenRunningWhileRunningIsSynchronous(reactor: IFullReactor) -> None:
    order: list[str] = []

    def outer() -> None:
        assert reactor.callWhenRunning(order.append, "inner") is None
        order.append("after")
        reactor.stop()

    reactor.callWhenRunning(outer)
    runUntilStopped(reactor)
    assert order == ["inner", "after"]


def test_restart(reactor: IFullReactor) -> None:
    """A stopped reactor runs again like the first time, firing startup triggers again."""
    events: list[str] = []
    reactor.addSystemEventTrigger("before", "startup", events.append, "before startup")
    reactor.addSystemEventTrigger("during", "startup", events.append, "during startup")
    reactor.addSystemEventTrigger("after", "shutdown", events.append, "after shutdown")
    for run in ("first", "second"):
        reactor.callWhenRunning(events.append, run)
        reactor.callWhenRunning(lambda: reactor.callLater(0, reactor.stop))
        runUntilStopped(reactor)
    assert events == [
        "before startup",
        "during startup",
        "first",
        "after shutdown",
        "before startup",
        "during startup",
        "second",
        "after shutdown",
    ]


def test_triggersOrder(reactor: IFullReactor) -> None:
    """Shutdown runs before, during, after, and none of it inside stop()."""
    events: list[str] = []
    for phase in ("after", "during", "before"):
        reactor.addSystemEventTrigger(phase, "shutdown", events.append, phase)

    def stop() -> None:
        reactor.stop()
        events.append("stop returned")

    reactor.callWhenRunning(stop)
    runUntilStopped(reactor)
    assert events == ["stop returned", "before", "during", "after"]


def test_beforeShutdownDeferredDelaysDuring(reactor: IFullReactor) -> None:
    events: list[str] = []
    waiting: Deferred[None] = Deferred()

    def before() -> Deferred[None]:
        events.append("before")
        reactor.callLater(0, release)
        return waiting

    def release() -> None:
        events.append("released")
        assert reactor.running  # still running while shutdown waits
        waiting.callback(None)

    reactor.addSystemEventTrigger("before", "shutdown", before)
    reactor.addSystemEventTrigger("during", "shutdown", events.append, "during")
    reactor.callWhenRunning(reactor.stop)
    runUntilStopped(reactor)
    assert events == ["before", "released", "during"]


def test_removeTrigger(reactor: IFullReactor) -> None:
    events: list[str] = []
    tid = reactor.addSystemEventTrigger("during", "shutdown", events.append, "removed")
    reactor.addSystemEventTrigger("during", "shutdown", events.append, "kept")
    reactor.removeSystemEventTrigger(tid)
    with pytest.raises(ValueError):
        reactor.removeSystemEventTrigger(tid)
    with pytest.raises(KeyError):
        reactor.addSystemEventTrigger("sometime", "shutdown", events.append, "x")
    reactor.callWhenRunning(reactor.stop)
    runUntilStopped(reactor)
    assert events == ["kept"]


def test_fireSystemEventCustom(reactor: IFullReactor) -> None:
    events: list[str] = []
    reactor.addSystemEventTrigger("after", "persist", events.append, "after")
    reactor.addSystemEventTrigger("before", "persist", events.append, "before")
    reactor.fireSystemEvent("persist")
    assert events == ["before", "after"]


def test_triggerExceptionLogged(reactor: IFullReactor, caplog: pytest.LogCaptureFixture) -> None:
    events: list[str] = []

    def broken() -> None:
        raise ZeroDivisionError("trigger")

    reactor.addSystemEventTrigger("during", "shutdown", broken)
    reactor.addSystemEventTrigger("during", "shutdown", events.append, "next")
    reactor.callWhenRunning(reactor.stop)
    runUntilStopped(reactor)
    assert events == ["next"]
    assert "ZeroDivisionError: trigger" in caplog.text


def test_crashSkipsShutdownTriggers(reactor: IFullReactor) -> None:
    events: list[str] = []
    reactor.addSystemEventTrigger("before", "shutdown", events.append, "shutdown")
    reactor.callWhenRunning(reactor.crash)
    runUntilStopped(reactor)
    assert events == []
    assert not reactor.running
    with pytest.raises(ReactorNotRunning):
        reactor.stop()
    # And it can run again; stop() then fires shutdown.
    reactor.callWhenRunning(reactor.stop)
    runUntilStopped(reactor)
    assert events == ["shutdown"]


def test_iterate(reactor: IFullReactor) -> None:
    calls: list[int] = []
    reactor.callLater(0, calls.append, 1)
    reactor.iterate()
    assert calls == [1]


def test_runUntilFiredHelper(reactor: IFullReactor) -> None:
    d: Deferred[int] = Deferred()
    reactor.callLater(0, d.callback, 7)
    assert runUntilFired(reactor, d) == 7
    failing: Deferred[int] = Deferred()
    reactor.callLater(0, failing.errback, KeyError("k"))
    with pytest.raises(KeyError):
        runUntilFired(reactor, failing)


def test_running_marks_the_io_thread(reactor: IFullReactor) -> None:
    """As in Twisted, threadable.isInIOThread() is true in the thread that runs the reactor."""
    seen: list[bool] = []
    reactor.callWhenRunning(lambda: seen.append(threadable.isInIOThread()))
    reactor.callWhenRunning(reactor.stop)
    reactor.run(installSignalHandlers=False)
    assert seen == [True]
