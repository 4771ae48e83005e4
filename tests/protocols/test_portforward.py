"""torsion.protocols.portforward: pairing in memory, then end to end with back-pressure."""

from __future__ import annotations

from typing import Any

import pytest

from tests.internet._tcphelpers import Client, Collecting, Echo, Recorder, runUntil
from torsion.internet import error
from torsion.internet._transports.buffer import HIGH_WATER
from torsion.internet.address import IPv4Address
from torsion.internet.defer import Deferred, gatherResults
from torsion.internet.testing import MemoryReactorClock, StringTransportWithDisconnection
from torsion.protocols import portforward
from torsion.python.failure import Failure

MiB = 1024 * 1024
READ_SIZE = 256 * 1024  # one recv of a torsion TCP transport


def inMemory() -> tuple[MemoryReactorClock, Any, StringTransportWithDisconnection]:
    """A ProxyServer connected to a StringTransport, its outbound connection requested."""
    reactor = MemoryReactorClock()
    factory = portforward.ProxyFactory("upstream.example", 7, reactor=reactor)
    server = factory.buildProtocol(IPv4Address("TCP", "10.0.0.1", 5555))
    assert server is not None
    transport = StringTransportWithDisconnection()
    transport.protocol = server
    server.makeConnection(transport)
    return reactor, server, transport


def connectClient(reactor: MemoryReactorClock) -> tuple[Any, StringTransportWithDisconnection]:
    host, port, clientFactory, _, _ = reactor.tcpClients[-1]
    assert (host, port) == ("upstream.example", 7)
    client = clientFactory.buildProtocol(IPv4Address("TCP", "10.0.0.2", 7))
    assert client is not None
    transport = StringTransportWithDisconnection()
    transport.protocol = client
    client.makeConnection(transport)
    return client, transport


def test_server_waits_then_pairs_producers() -> None:
    """Nothing is read until the outbound connection is up; then each produces for the other."""
    reactor, server, serverTransport = inMemory()
    assert serverTransport.producerState == "paused"
    client, clientTransport = connectClient(reactor)
    # mypy keeps the narrowing of producerState from the assert above across connectClient.
    assert serverTransport.producerState == "producing"  # type: ignore[comparison-overlap]
    assert clientTransport.producer is serverTransport and clientTransport.streaming
    assert serverTransport.producer is clientTransport and serverTransport.streaming
    server.dataReceived(b"request")
    client.dataReceived(b"reply")
    assert clientTransport.value() == b"request" and serverTransport.value() == b"reply"


def test_either_side_closing_closes_the_other() -> None:
    reactor, server, serverTransport = inMemory()
    client, clientTransport = connectClient(reactor)
    clientTransport.loseConnection()
    assert serverTransport.disconnecting and serverTransport.producer is None
    assert client.peer is None and server.peer is None


def test_outbound_failure_closes_inbound() -> None:
    reactor, server, serverTransport = inMemory()
    _, _, clientFactory, _, _ = reactor.tcpClients[0]
    clientFactory.clientConnectionFailed(
        reactor.connectors[0], Failure(error.ConnectionRefusedError())
    )
    assert serverTransport.disconnecting and server.lost


def test_inbound_gone_before_outbound_connects() -> None:
    """The outbound connection made after the inbound one closed is closed, not paired."""
    reactor, _server, serverTransport = inMemory()
    serverTransport.loseConnection()
    _client, clientTransport = connectClient(reactor)
    assert clientTransport.disconnecting and clientTransport.producer is None


# -- end to end, every reactor ------------------------------------------------------------------


class Measured(Collecting):
    """Keeps the proxy's protocols and the largest buffer seen on either proxy transport."""

    def __init__(self, host: str, port: int, reactor: Any) -> None:
        super().__init__()
        self.proxy = portforward.ProxyFactory(host, port, reactor=reactor)
        self.maxBuffered = 0
        self.backPressure: Deferred[None] = Deferred()
        measured = self

        class Server(portforward.ProxyServer):
            def dataReceived(self, data: bytes) -> None:
                super().dataReceived(data)
                measured.measure(self)

        class ClientSide(portforward.ProxyClient):
            def dataReceived(self, data: bytes) -> None:
                super().dataReceived(data)
                measured.measure(self)

        class Factory(portforward.ProxyClientFactory):
            protocol = ClientSide

        Server.clientProtocolFactory = Factory
        self.proxy.protocol = Server

    def buildProtocol(self, addr: Any) -> Any:
        p = self.proxy.buildProtocol(addr)
        self.built.append(p)
        return p

    def measure(self, side: Any) -> None:
        """After forwarding: record the peer transport's buffer; note when reading paused."""
        if side.peer is None:
            return
        out = side.peer.transport
        self.maxBuffered = max(self.maxBuffered, out._buffer.size)
        if out.producerPaused and not self.backPressure.called:
            self.backPressure.callback(None)


class Bulk(Recorder):
    """Upstream: sends ``payload`` at once on connect."""

    payload = b""

    def connectionMade(self) -> None:
        super().connectionMade()
        self.transport.write(self.payload)  # type: ignore[union-attr]


class Stalled(Recorder):
    """A client that stops reading as soon as it connects."""

    def connectionMade(self) -> None:
        super().connectionMade()
        self.transport.pauseProducing()  # type: ignore[union-attr]


def listen(reactor: Any, upstreamProtocol: Any) -> tuple[Any, Any, Collecting, Measured]:
    upstream = Collecting(upstreamProtocol)
    upstreamPort = reactor.listenTCP(0, upstream, interface="127.0.0.1")
    proxy = Measured("127.0.0.1", upstreamPort.getHost().port, reactor)
    proxyPort = reactor.listenTCP(0, proxy, interface="127.0.0.1")
    return upstreamPort, proxyPort, upstream, proxy


def test_round_trip_through_proxy(reactor: Any) -> None:
    upstreamPort, proxyPort, upstream, proxy = listen(reactor, Echo)
    client = Client()
    reactor.connectTCP("127.0.0.1", proxyPort.getHost().port, client)
    clientProto = runUntil(reactor, client.first)
    runUntil(reactor, clientProto.made)
    payload = bytes(range(256)) * 4096  # 1 MiB
    clientProto.expect = len(payload)
    clientProto.transport.write(payload)
    assert runUntil(reactor, clientProto.enough) == payload
    assert proxy.maxBuffered <= HIGH_WATER + READ_SIZE
    clientProto.transport.loseConnection()
    upstreamProto = upstream.built[0]
    runUntil(reactor, gatherResults([clientProto.lost, upstreamProto.lost]))
    assert upstreamProto.reason.check(error.ConnectionDone)
    runUntil(reactor, gatherResults([upstreamPort.stopListening(), proxyPort.stopListening()]))


@pytest.mark.parametrize("size", [32 * MiB])
def test_slow_reader_bounds_proxy_memory(reactor: Any, size: int) -> None:
    """A client that stops reading: the proxy stops reading upstream; its buffers stay bounded.

    The upstream sends 32 MiB at once, more than the kernel buffers on both hops can hold, so
    the proxy's buffer towards the client must pass the high-water mark; that pauses its reading
    from upstream, and the rest waits in the upstream's own buffer.
    """
    Bulk.payload = bytes(range(256)) * (size // 256)
    upstreamPort, proxyPort, upstream, proxy = listen(reactor, Bulk)
    client = Client(Stalled)
    reactor.connectTCP("127.0.0.1", proxyPort.getHost().port, client)
    clientProto = runUntil(reactor, client.first)
    runUntil(reactor, proxy.backPressure)
    server = proxy.built[0]
    assert server.peer.transport._paused  # the proxy no longer reads from upstream
    assert proxy.maxBuffered <= HIGH_WATER + READ_SIZE
    upstreamProto = upstream.built[0]
    assert upstreamProto.transport._buffer.size > 8 * MiB  # the sender keeps the rest
    clientProto.expect = size
    clientProto.transport.resumeProducing()
    assert runUntil(reactor, clientProto.enough) == Bulk.payload
    assert proxy.maxBuffered <= HIGH_WATER + READ_SIZE
    upstreamProto.transport.loseConnection()
    runUntil(reactor, gatherResults([clientProto.lost, upstreamProto.lost]))
    runUntil(reactor, gatherResults([upstreamPort.stopListening(), proxyPort.stopListening()]))
    Bulk.payload = b""
