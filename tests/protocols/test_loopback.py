"""torsion.protocols.loopback: two protocols joined in memory (on a Clock) and over TCP."""

from __future__ import annotations

import os
from typing import Any

from tests.internet._tcphelpers import runUntil
from torsion.internet import error
from torsion.internet.protocol import Protocol
from torsion.internet.task import Clock
from torsion.internet.testing import AccumulatingProtocol
from torsion.protocols import loopback


class Echo(AccumulatingProtocol):
    def dataReceived(self, data: bytes) -> None:
        super().dataReceived(data)
        assert self.transport is not None
        self.transport.write(data)


class Asker(AccumulatingProtocol):
    """Sends three chunks; closes once they all came back."""

    def connectionMade(self) -> None:
        super().connectionMade()
        assert self.transport is not None
        for chunk in (b"one ", b"two ", b"three"):
            self.transport.write(chunk)

    def dataReceived(self, data: bytes) -> None:
        super().dataReceived(data)
        self.chunks = [*getattr(self, "chunks", []), data]
        if self.data == b"one two three":
            assert self.transport is not None
            self.transport.loseConnection()


def test_loopback_async_identity() -> None:
    server, client = Echo(), Asker()
    done = loopback.loopbackAsync(server, client, clock=Clock())
    assert done.called
    assert server.data == client.data == b"one two three"
    assert client.chunks == [b"one ", b"two ", b"three"]
    assert server.closed and client.closed
    assert server.closedReason is not None and server.closedReason.check(error.ConnectionDone)


def test_loopback_async_collapsing() -> None:
    server, client = Echo(), Asker()
    done = loopback.loopbackAsync(server, client, loopback.collapsingPumpPolicy, clock=Clock())
    assert done.called and client.chunks == [b"one two three"]


class Later(Protocol):
    """Writes nothing until told to, then closes."""

    def later(self) -> None:
        assert self.transport is not None
        self.transport.write(b"late")
        self.transport.loseConnection()


def test_loopback_async_waits_for_writes_on_the_clock() -> None:
    """With both queues empty the pump waits; a later write resumes it from callLater(0)."""
    clock = Clock()
    server, client = Later(), AccumulatingProtocol()
    done = loopback.loopbackAsync(server, client, clock=clock)
    assert not done.called
    server.later()
    assert client.data == b""  # never delivered from inside write()
    clock.advance(0)
    assert done.called and client.data == b"late" and client.closed


def test_loopback_tcp(reactor: Any) -> None:
    server, client = Echo(), Asker()
    runUntil(reactor, loopback.loopbackTCP(server, client, reactor=reactor))
    assert server.data == client.data == b"one two three"
    assert server.closed and client.closed


class EchoWhere(Echo):
    """An `Echo` that remembers the socket path it was reached at."""

    path = ""

    def connectionMade(self) -> None:
        assert self.transport is not None
        self.path = self.transport.getHost().name  # type: ignore[attr-defined]  # a UNIXAddress
        super().connectionMade()


def test_loopback_unix_removes_its_socket_directory(reactor: Any) -> None:
    server, client = EchoWhere(), Asker()
    runUntil(reactor, loopback.loopbackUNIX(server, client, reactor=reactor))
    assert server.data == client.data == b"one two three"
    assert server.closed and client.closed
    assert server.path and not os.path.exists(os.path.dirname(server.path))
