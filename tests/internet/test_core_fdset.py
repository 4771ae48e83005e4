"""Custom descriptors (IReactorFDSet) and name resolution."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from torsion.internet.defer import Deferred
from torsion.internet.error import ConnectionDone, ConnectionLost, DNSLookupError
from torsion.internet.interfaces import IFullReactor
from torsion.python.failure import Failure
from torsion.testing import runUntilFired, runUntilStopped


class Descriptor:
    """A reader/writer over one end of a socket pair that records what happens to it."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.reads: list[bytes] = []
        self.writes = 0
        self.lost: list[Failure] = []
        self.readResult: object = None
        self.onRead: list[Deferred[bytes]] = []
        # Fires with the descriptor itself: a Failure as a result would mean an error.
        self.onLost: Deferred[Descriptor] = Deferred()

    def fileno(self) -> int:
        return self.sock.fileno()

    def doRead(self) -> object:
        data = self.sock.recv(4096)
        self.reads.append(data)
        if self.onRead:
            self.onRead.pop(0).callback(data)
        if not data:
            return ConnectionDone()
        if isinstance(self.readResult, Exception) and not isinstance(
            self.readResult, ConnectionLost
        ):
            raise self.readResult
        return self.readResult

    def doWrite(self) -> object:
        self.writes += 1
        return None

    def connectionLost(self, reason: Failure) -> None:
        self.lost.append(reason)
        self.onLost.callback(self)

    def logPrefix(self) -> str:
        return "TestDescriptor"


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    a, b = socket.socketpair()
    a.setblocking(False)
    b.setblocking(False)
    yield a, b
    a.close()
    b.close()


def test_doReadCalled(reactor: IFullReactor, pair: tuple[socket.socket, socket.socket]) -> None:
    a, b = pair
    descriptor = Descriptor(a)
    reactor.addReader(descriptor)
    assert reactor.getReaders() == [descriptor]
    got: Deferred[bytes] = Deferred()
    descriptor.onRead.append(got)
    reactor.callWhenRunning(b.send, b"hello")
    assert runUntilFired(reactor, got, shutdown=True) == b"hello"
    # runUntilFired shut the reactor down: the descriptor was disconnected like Twisted's.
    assert reactor.getReaders() == []
    assert descriptor.lost[0].check(ConnectionLost)


def test_returnedReasonDisconnects(
    reactor: IFullReactor, pair: tuple[socket.socket, socket.socket]
) -> None:
    a, b = pair
    descriptor = Descriptor(a)
    reactor.addReader(descriptor)
    reactor.addWriter(descriptor)
    b.close()  # EOF: doRead returns ConnectionDone
    reason = runUntilFired(reactor, descriptor.onLost).lost[0]
    assert reason.check(ConnectionDone)
    assert len(descriptor.lost) == 1
    assert reactor.getReaders() == [] and reactor.getWriters() == []


def test_raisingDisconnectsWithThatException(
    reactor: IFullReactor,
    pair: tuple[socket.socket, socket.socket],
    caplog: pytest.LogCaptureFixture,
) -> None:
    a, b = pair
    descriptor = Descriptor(a)
    descriptor.readResult = ZeroDivisionError("doRead broke")
    reactor.addReader(descriptor)
    b.send(b"x")
    reason = runUntilFired(reactor, descriptor.onLost).lost[0]
    assert reason.check(ZeroDivisionError)
    assert "doRead broke" in caplog.text


def test_doWriteCalled(reactor: IFullReactor, pair: tuple[socket.socket, socket.socket]) -> None:
    a, _ = pair
    descriptor = Descriptor(a)
    reactor.addWriter(descriptor)
    reactor.addWriter(descriptor)  # twice is once
    assert reactor.getWriters() == [descriptor]

    def check() -> None:
        if descriptor.writes:
            reactor.removeWriter(descriptor)
            reactor.stop()
        else:
            reactor.callLater(0, check)

    reactor.callWhenRunning(check)
    runUntilStopped(reactor)
    assert descriptor.writes >= 1
    assert descriptor.lost == []


def test_removeReaderStopsDoRead(
    reactor: IFullReactor, pair: tuple[socket.socket, socket.socket]
) -> None:
    a, b = pair
    descriptor = Descriptor(a)
    reactor.addReader(descriptor)
    reactor.removeReader(descriptor)
    reactor.removeReader(descriptor)  # not registered: nothing happens
    b.send(b"ignored")
    reactor.iterate(0)
    assert descriptor.reads == []


def test_removeAll(reactor: IFullReactor, pair: tuple[socket.socket, socket.socket]) -> None:
    a, b = pair
    first, second = Descriptor(a), Descriptor(b)
    reactor.addReader(first)
    reactor.addWriter(first)
    reactor.addWriter(second)
    removed = reactor.removeAll()
    assert sorted(map(id, removed)) == sorted(map(id, [first, second]))
    assert reactor.getReaders() == [] and reactor.getWriters() == []
    assert first.lost == [] and second.lost == []


def test_shutdownDisconnectsEveryDescriptor(
    reactor: IFullReactor, pair: tuple[socket.socket, socket.socket]
) -> None:
    a, b = pair
    descriptors = [Descriptor(a), Descriptor(b)]
    for descriptor in descriptors:
        reactor.addReader(descriptor)
    descriptors[0].connectionLost = _raising  # type: ignore[method-assign]
    reactor.callWhenRunning(reactor.stop)
    runUntilStopped(reactor)
    assert descriptors[1].lost[0].check(ConnectionLost)


def _raising(reason: Failure) -> None:
    raise RuntimeError("bad connectionLost")


def test_resolveLocalhost(reactor: IFullReactor) -> None:
    assert runUntilFired(reactor, reactor.resolve("localhost")) == "127.0.0.1"


def test_resolveAddressLiteral(reactor: IFullReactor) -> None:
    assert runUntilFired(reactor, reactor.resolve("10.1.2.3")) == "10.1.2.3"


def test_resolveFailure(reactor: IFullReactor) -> None:
    with pytest.raises(DNSLookupError):
        runUntilFired(reactor, reactor.resolve("no-such-host.invalid"))
