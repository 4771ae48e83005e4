"""A TCP port forwarder with back-pressure (Twisted's ``protocols.portforward``).

``reactor.listenTCP(port, ProxyFactory(host, otherPort))`` forwards every connection to
``host:otherPort``. Memory stays bounded whatever the two sides do:

* A `ProxyServer` stops reading from its client (``pauseProducing``) until the outbound
  connection is up, so nothing is buffered meanwhile.
* Once connected, each transport is registered as the streaming producer of the other. When one
  side reads slowly, its transport's write buffer passes the high-water mark and pauses the
  other transport's reading; it resumes when the buffer drains. The proxy therefore holds at most
  about one high-water mark plus one read per direction.
* When either side closes, the other is closed once what was already written to it is sent.
"""

from __future__ import annotations

from typing import Any, cast

from torsion.internet import protocol
from torsion.internet._globalreactor import globalReactor
from torsion.internet.interfaces import IAddress, IConnector, IReactorTCP
from torsion.internet.protocol import Protocol
from torsion.python.failure import Failure

__all__ = ["Proxy", "ProxyClient", "ProxyClientFactory", "ProxyFactory", "ProxyServer"]


class Proxy(protocol.Protocol):
    """One side of a forwarded connection; what it receives is written to its `peer`.

    Attributes:
        peer: The other side, once both are connected.
        lost: True once this side's connection is closed.
    """

    noisy = True
    peer: Proxy | None = None
    lost = False

    def setPeer(self, peer: Proxy | None) -> None:
        """Set the other side."""
        self.peer = peer

    @property
    def _transport(self) -> Any:
        return self.transport

    def connectionLost(self, reason: Failure = protocol.connectionDone) -> None:
        """Close the other side once what was written to it is sent."""
        self.lost = True
        peer, self.peer = self.peer, None
        if peer is not None and peer.transport is not None:
            peerTransport = peer._transport
            # Our transport was the peer transport's producer; a transport waits for its
            # producer to be unregistered before it finishes closing.
            if getattr(peerTransport, "producer", None) is not None:
                peerTransport.unregisterProducer()
            peerTransport.loseConnection()

    def dataReceived(self, data: bytes) -> None:
        """Forward ``data`` to the other side."""
        if self.peer is not None:
            self.peer._transport.write(data)


class ProxyClient(Proxy):
    """The outbound side: on connecting, wires flow control both ways and lets the server read."""

    def connectionMade(self) -> None:
        """Pair with the server side, register producers both ways, resume the server."""
        server = self.peer
        assert server is not None
        if server.lost:
            # The inbound connection went away while this one was being made.
            self.peer = None
            self._transport.loseConnection()
            return
        server.setPeer(self)
        self._transport.registerProducer(server.transport, True)
        server._transport.registerProducer(self.transport, True)
        server._transport.resumeProducing()


class ProxyClientFactory(protocol.ClientFactory):
    """Builds the one `ProxyClient` of a `ProxyServer`."""

    protocol = ProxyClient
    server: ProxyServer

    def setServer(self, server: ProxyServer) -> None:
        """Set the server side the client will be paired with."""
        self.server = server

    def buildProtocol(self, addr: IAddress) -> Protocol | None:
        """Build the client and give it the server as its peer."""
        built = cast(ProxyClient, super().buildProtocol(addr))
        built.setPeer(self.server)
        return built

    def clientConnectionFailed(self, connector: IConnector, reason: Failure) -> None:
        """The outbound connection failed: close the inbound one."""
        if self.server.transport is not None:
            self.server._transport.loseConnection()


class ProxyServer(Proxy):
    """The inbound side: pauses reading and connects out to ``factory.host:factory.port``.

    Attributes:
        clientProtocolFactory: The factory class for the outbound connection.
        reactor: The reactor to connect with; if None, the factory's, else the global one.
    """

    clientProtocolFactory: type[ProxyClientFactory] = ProxyClientFactory
    reactor: IReactorTCP | None = None

    def connectionMade(self) -> None:
        """Stop reading until the outbound connection is up, and start making it."""
        self._transport.pauseProducing()
        client = self.clientProtocolFactory()
        client.setServer(self)
        factory = cast(ProxyFactory, self.factory)
        if self.reactor is None:
            self.reactor = (
                factory.reactor
                if factory.reactor is not None
                else cast(IReactorTCP, globalReactor())
            )
        self.reactor.connectTCP(factory.host, factory.port, client)


class ProxyFactory(protocol.Factory):
    """Forwards each connection to ``host:port``.

    Args:
        host: Where to connect.
        port: The port there.
        reactor: The reactor for the outbound connections (torsion addition); the global
            reactor if None.
    """

    protocol = ProxyServer

    def __init__(self, host: str, port: int, *, reactor: IReactorTCP | None = None) -> None:
        self.host = host
        self.port = port
        self.reactor = reactor
