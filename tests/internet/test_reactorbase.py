"""`ReactorBase` on its own (Twisted's ``ReactorBase()``): a loop over select with resolvers,
the waker hook, and the signal handler methods."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from types import FrameType
from typing import cast

import pytest

from torsion.internet.base import ReactorBase
from torsion.internet.interfaces import IFullReactor
from torsion.internet.posixbase import PosixReactorBase
from torsion.testing import runUntilStopped


class WithoutWaker(ReactorBase):
    """What Twisted's tests make: a ReactorBase that opens no descriptor."""

    def installWaker(self) -> None:
        pass


def run(reactor: ReactorBase) -> None:
    """Run until the test stops it (bounded: runUntilStopped only needs the core's methods)."""
    runUntilStopped(cast(IFullReactor, reactor))


@pytest.fixture
def base() -> Iterator[ReactorBase]:
    reactor = ReactorBase()
    yield reactor
    reactor.close()


def test_every_reactor_is_a_reactor_base() -> None:
    assert issubclass(PosixReactorBase, ReactorBase)


def test_a_bare_reactor_base_runs_timed_calls_and_thread_calls(base: ReactorBase) -> None:
    seen: list[str] = []
    base.callLater(0, seen.append, "timed")
    base.callFromThread(seen.append, "from thread")
    base.callLater(0, base.stop)
    run(base)
    assert sorted(seen) == ["from thread", "timed"]


def test_the_waker_is_internal(base: ReactorBase) -> None:
    assert base.getReaders() == [] and base._internal
    assert base.removeAll() == []


def test_overriding_install_waker_leaves_no_descriptor() -> None:
    reactor = WithoutWaker()
    try:
        assert reactor._internal == set() and reactor._readers == {}
        reactor.wakeUp()  # nothing to wake with: a no-op
        done: list[str] = []
        reactor.callFromThread(done.append, "queued")
        reactor.iterate()
        assert done == ["queued"]
    finally:
        reactor.close()


@pytest.mark.parametrize(
    ("method", "signum"),
    [("sigInt", signal.SIGINT), ("sigTerm", signal.SIGTERM), ("sigBreak", signal.SIGINT)],
)
def test_signal_methods_record_the_signal_and_stop(
    base: ReactorBase, method: str, signum: int
) -> None:
    assert base._exitSignal is None
    base.callWhenRunning(getattr(base, method), signum, None)
    run(base)
    assert base._exitSignal == signum


def test_a_signal_while_not_running_is_recorded_and_harmless() -> None:
    reactor = WithoutWaker()
    try:
        reactor.sigTerm(signal.SIGTERM)
        assert reactor._exitSignal == signal.SIGTERM
        reactor.iterate()  # the queued stop finds nothing to stop
    finally:
        reactor.close()


class Listening(WithoutWaker):
    """Records which handler method each signal reached."""

    def __init__(self) -> None:
        super().__init__()
        self.heard: list[tuple[str, int]] = []

    def sigInt(self, number: int, frame: FrameType | None = None) -> None:
        self.heard.append(("int", number))

    def sigTerm(self, number: int, frame: FrameType | None = None) -> None:
        self.heard.append(("term", number))

    def sigBreak(self, number: int, frame: FrameType | None = None) -> None:
        self.heard.append(("break", number))


def test_the_received_signal_goes_to_its_method() -> None:
    reactor = Listening()
    try:
        reactor._signalReceived(signal.SIGINT)
        reactor._signalReceived(signal.SIGTERM)
        reactor._signalReceived(signal.SIGHUP)  # not one the reactor installs: SIGBREAK's turn
    finally:
        reactor.close()
    assert reactor.heard == [
        ("int", signal.SIGINT),
        ("term", signal.SIGTERM),
        ("break", signal.SIGHUP),
    ]
