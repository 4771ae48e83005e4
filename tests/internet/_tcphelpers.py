"""Shared pieces of the TCP tests: a recording protocol, factories, and running a reactor."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from torsion.internet import protocol
from torsion.internet.defer import Deferred
from torsion.python.failure import Failure
from torsion.testing import runUntilFired

LIMIT = 10.0
"""Seconds after which a test that is still waiting fails (a bound for failure only)."""


def runUntil(reactor: Any, d: Deferred[Any], limit: float = LIMIT) -> Any:
    """Run ``reactor`` until ``d`` fires; return its result or raise its failure.

    `torsion.testing.runUntilFired`: the loop ends with ``crash()`` (no shutdown triggers), so
    connections and ports survive for the next call; the test closes them (the `reactor`
    fixture fails a test that leaves them open).
    """
    return runUntilFired(reactor, d, limit)


class Why:
    """A connectionLost reason as a Deferred result (a Failure would take the errback path)."""

    def __init__(self, reason: Failure) -> None:
        self.failure = reason

    def __getattr__(self, name: str) -> Any:
        return getattr(self.failure, name)


class Recorder(protocol.Protocol):
    """Records its events; ``made`` and ``lost`` fire at connectionMade and connectionLost.

    Attributes:
        events: ``"made"``, ``"data"``, ``"lost"`` (and half-close events) in order.
        received: Everything received.
        reason: The connectionLost reason.
    """

    def __init__(self) -> None:
        self.events: list[str] = []
        self.received = bytearray()
        self.reason: Failure | None = None
        self.made: Deferred[Recorder] = Deferred()
        self.lost: Deferred[Why] = Deferred()
        self.expect = -1
        self.enough: Deferred[bytes] = Deferred()

    def connectionMade(self) -> None:
        self.events.append("made")
        self.made.callback(self)

    def dataReceived(self, data: bytes) -> None:
        if not self.events or self.events[-1] != "data":
            self.events.append("data")
        self.received += data
        if len(self.received) == self.expect:
            self.enough.callback(bytes(self.received))

    def connectionLost(self, reason: Failure = protocol.connectionDone) -> None:
        self.events.append("lost")
        self.reason = reason
        self.lost.callback(Why(reason))


class Echo(Recorder):
    """Echoes everything back."""

    def dataReceived(self, data: bytes) -> None:
        super().dataReceived(data)
        assert self.transport is not None
        self.transport.write(data)


class HalfCloseable(Recorder):
    """A recorder that declares half-close support by having both methods."""

    def readConnectionLost(self) -> None:
        self.events.append("readLost")

    def writeConnectionLost(self) -> None:
        self.events.append("writeLost")


class Collecting(protocol.ServerFactory):
    """A server factory that keeps the protocols it builds and fires when the first is built."""

    def __init__(self, protocolClass: Any = Recorder) -> None:
        self.protocol = protocolClass
        self.built: list[Any] = []
        self.first: Deferred[Any] = Deferred()

    def buildProtocol(self, addr: Any) -> protocol.Protocol | None:
        p = super().buildProtocol(addr)
        assert p is not None
        p.addr = addr  # type: ignore[attr-defined]
        self.built.append(p)
        if len(self.built) == 1:
            self.first.callback(p)
        return p


class Client(protocol.ClientFactory):
    """A client factory recording its callbacks; ``failed``/``lostConn`` fire on them."""

    def __init__(self, protocolClass: Any = Recorder) -> None:
        self.protocol = protocolClass
        self.calls: list[str] = []
        self.built: list[Any] = []
        self.first: Deferred[Any] = Deferred()
        self.failed: Deferred[Why] = Deferred()
        self.lostConn: Deferred[Why] = Deferred()

    def startedConnecting(self, connector: Any) -> None:
        self.calls.append("started")

    def buildProtocol(self, addr: Any) -> protocol.Protocol | None:
        self.calls.append("build")
        p = super().buildProtocol(addr)
        self.built.append(p)
        if len(self.built) == 1:
            self.first.callback(p)
        return p

    def clientConnectionFailed(self, connector: Any, reason: Failure) -> None:
        self.calls.append("failed")
        if not self.failed.called:
            self.failed.callback(Why(reason))

    def clientConnectionLost(self, connector: Any, reason: Failure) -> None:
        self.calls.append("lost")
        if not self.lostConn.called:
            self.lostConn.callback(Why(reason))


def connectPair(
    reactor: Any, serverProtocol: Any = Recorder, clientProtocol: Any = Recorder
) -> tuple[Any, Any, Any]:
    """Listen on 127.0.0.1, connect to it; return (port, server protocol, client protocol)."""
    server = Collecting(serverProtocol)
    port = reactor.listenTCP(0, server, interface="127.0.0.1")
    client = Client(clientProtocol)
    reactor.connectTCP("127.0.0.1", port.getHost().port, client)
    serverProto = runUntil(reactor, server.first)
    runUntil(reactor, serverProto.made)
    clientProto = runUntil(reactor, client.first)
    runUntil(reactor, clientProto.made)
    return port, serverProto, clientProto


def _hasIPv6() -> bool:
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
    except OSError:
        return False
    return True


#: Skips a test on a machine without an IPv6 loopback.
needsIPv6 = pytest.mark.skipif(not _hasIPv6(), reason="no IPv6 loopback (::1) on this machine")
