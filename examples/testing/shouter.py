"""The protocol the testing examples test: a line-ish "shout back" server with an idle timeout.

``Shouter`` greets the client, answers every chunk of data with the same bytes upper-cased,
and hangs up when the client has been silent for ``idleTimeout`` seconds. It takes its clock
from its factory, so tests can pass a ``task.Clock`` instead of waiting for real time.
"""

from __future__ import annotations

from typing import Any

from torsion.internet import protocol
from torsion.internet.interfaces import IAddress


class Shouter(protocol.Protocol):
    """Greets, shouts back, and disconnects after ``factory.idleTimeout`` silent seconds."""

    factory: ShouterFactory

    def connectionMade(self) -> None:
        assert self.transport is not None
        self.transport.write(b"HELLO\r\n")
        self._idle = self.factory.clock.callLater(self.factory.idleTimeout, self._timedOut)

    def dataReceived(self, data: bytes) -> None:
        self._idle.reset(self.factory.idleTimeout)
        assert self.transport is not None
        self.transport.write(data.upper())

    def connectionLost(self, reason: Any = None) -> None:
        if self._idle.active():
            self._idle.cancel()

    def _timedOut(self) -> None:
        assert self.transport is not None
        self.transport.write(b"BYE\r\n")
        self.transport.loseConnection()


class ShouterFactory(protocol.Factory):
    """Builds `Shouter`s.

    Args:
        clock: Where idle timeouts are scheduled (a reactor, or a ``task.Clock`` in tests).
        idleTimeout: Seconds of silence before the server hangs up.
    """

    protocol = Shouter

    def __init__(self, clock: Any, idleTimeout: float = 60.0) -> None:
        self.clock = clock
        self.idleTimeout = idleTimeout

    def buildProtocol(self, addr: IAddress) -> Shouter:
        built = super().buildProtocol(addr)
        assert isinstance(built, Shouter)
        return built


class Collector(protocol.Protocol):
    """A client that keeps what it receives, and says when the connection is lost."""

    def __init__(self) -> None:
        self.received = b""
        self.lost = False

    def dataReceived(self, data: bytes) -> None:
        self.received += data

    def connectionLost(self, reason: Any = None) -> None:
        self.lost = True
