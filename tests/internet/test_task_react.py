"""Tests for task.react, on a small fake reactor."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from torsion.internet.defer import Deferred, succeed
from torsion.internet.error import ReactorNotRunning
from torsion.internet.task import Clock, deferLater, react


class FakeReactor(Clock):
    """Just enough of a reactor for `react`: startup and shutdown triggers, run and stop.

    An `IReactorCore` (and, through `Clock`, an `IReactorTime`); the members react does not
    use raise NotImplementedError.
    """

    def __init__(self) -> None:
        super().__init__()
        self.running = False
        self.stopping = False
        self.stopCalls = 0
        self.whenRunning: list[tuple[Callable[..., object], tuple[Any, ...]]] = []
        self.beforeShutdown: list[tuple[Callable[..., object], tuple[Any, ...]]] = []

    def callWhenRunning(self, callable: Callable[..., object], *args: Any, **kw: Any) -> None:
        assert not kw
        if self.running:
            callable(*args)
        else:
            self.whenRunning.append((callable, args))

    def addSystemEventTrigger(
        self, phase: str, eventType: str, callable: Callable[..., object], *args: Any, **kw: Any
    ) -> None:
        assert (phase, eventType) == ("before", "shutdown") and not kw
        self.beforeShutdown.append((callable, args))

    def stop(self) -> None:
        if not self.running or self.stopping:
            raise ReactorNotRunning()
        self.stopCalls += 1
        self.stopping = True

    def run(self) -> None:
        self.running = True
        for f, args in self.whenRunning:
            f(*args)
        # Stand-in for the event loop: let time pass until stopped.
        while not self.stopping:
            assert self.getDelayedCalls(), "the reactor would run forever"
            self.advance(1)
        for f, args in self.beforeShutdown:
            f(*args)
        self.running = False

    # The rest of IReactorCore, which react does not use.

    def resolve(self, name: str, timeout: Sequence[int] = (1, 3, 11, 45)) -> Deferred[str]:
        raise NotImplementedError("not used by react")

    def crash(self) -> None:
        raise NotImplementedError("not used by react")

    def iterate(self, delay: float = 0) -> None:
        raise NotImplementedError("not used by react")

    def fireSystemEvent(self, eventType: str) -> None:
        raise NotImplementedError("not used by react")

    def removeSystemEventTrigger(self, triggerID: Any) -> None:
        raise NotImplementedError("not used by react")


def exitCode(main: Callable[..., Any], *argv: object, reactor: FakeReactor) -> object:
    with pytest.raises(SystemExit) as info:
        react(main, argv, reactor)
    assert not reactor.running
    return info.value.code


def test_deferred_success_exits_zero() -> None:
    reactor = FakeReactor()

    def main(r: FakeReactor) -> Deferred[str]:
        assert r is reactor
        return deferLater(r, 3, lambda: "done")

    assert exitCode(main, reactor=reactor) == 0
    assert reactor.seconds() == 3
    assert reactor.stopCalls == 1


def test_already_fired_deferred_stops_once_running() -> None:
    reactor = FakeReactor()
    assert exitCode(lambda r: succeed(None), reactor=reactor) == 0
    assert reactor.stopCalls == 1
    assert reactor.seconds() == 0


def test_coroutine_main_and_argv() -> None:
    reactor = FakeReactor()
    seen: list[object] = []

    async def main(r: FakeReactor, name: str, count: int) -> None:
        seen.extend([name, count])
        await deferLater(r, 2)
        seen.append(r.seconds())

    assert exitCode(main, "alice", 2, reactor=reactor) == 0
    assert seen == ["alice", 2, 2]


def test_failure_exits_one_and_logs(caplog: pytest.LogCaptureFixture) -> None:
    reactor = FakeReactor()

    async def main(r: FakeReactor) -> None:
        await deferLater(r, 1)
        raise ValueError("broken main")

    with caplog.at_level(logging.ERROR, logger="torsion"):
        assert exitCode(main, reactor=reactor) == 1
    [record] = [r for r in caplog.records if r.name == "torsion"]
    assert record.levelno == logging.ERROR
    assert record.getMessage() == "main function encountered error"
    assert record.exc_info is not None and isinstance(record.exc_info[1], ValueError)
    assert "ValueError: broken main" in caplog.text


@pytest.mark.parametrize("code", [0, 3, "goodbye", None])
def test_system_exit_code_is_honoured(code: object, caplog: pytest.LogCaptureFixture) -> None:
    reactor = FakeReactor()

    async def main(r: FakeReactor) -> None:
        await deferLater(r, 1)
        raise SystemExit(code)

    assert exitCode(main, reactor=reactor) == code
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_main_finishing_during_shutdown_does_not_stop_again() -> None:
    """Another part of the program stops the reactor; main ends because of it."""
    reactor = FakeReactor()
    d: Deferred[None] = Deferred()

    def main(r: FakeReactor) -> Deferred[None]:
        r.callLater(1, r.stop)
        r.addSystemEventTrigger("before", "shutdown", d.errback, RuntimeError("shut down"))
        return d

    assert exitCode(main, reactor=reactor) == 1
    assert reactor.stopCalls == 1


def test_main_finishing_while_already_stopping() -> None:
    """The reactor is stopping but its shutdown triggers have not run: stop() is refused."""
    reactor = FakeReactor()
    d: Deferred[None] = Deferred()

    def stopThenFinish() -> None:
        reactor.stop()
        d.callback(None)

    def main(r: FakeReactor) -> Deferred[None]:
        r.callLater(1, stopThenFinish)
        return d

    assert exitCode(main, reactor=reactor) == 0
    assert reactor.stopCalls == 1


def test_synchronous_exception_from_main_propagates() -> None:
    reactor = FakeReactor()

    def main(r: FakeReactor) -> Deferred[None]:
        raise KeyError("early")

    with pytest.raises(KeyError):
        react(main, (), reactor)
    assert not reactor.running and reactor.stopCalls == 0


def test_default_reactor_is_imported_lazily(monkeypatch: pytest.MonkeyPatch) -> None:
    reactor = FakeReactor()
    monkeypatch.setitem(sys.modules, "torsion.internet.reactor", reactor)
    with pytest.raises(SystemExit) as info:
        react(lambda r: deferLater(r, 1))
    assert info.value.code == 0
    assert reactor.stopCalls == 1
