"""`torsion.test.iosim`: two protocols connected in memory, and real protocols tested with it."""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest

from torsion._chat import Chat, ChatFactory, Echo
from torsion.internet.address import IPv4Address
from torsion.internet.error import (
    ConnectionAborted,
    ConnectionDone,
    ConnectionLost,
    ConnectionRefusedError,
    UserError,
)
from torsion.internet.interfaces import IConnector, IProtocol
from torsion.internet.protocol import ClientFactory, Factory, Protocol
from torsion.internet.task import Clock
from torsion.internet.testing import (
    AccumulatingProtocol,
    MemoryReactor,
    MemoryReactorClock,
    NonStreamingProducer,
    StringTransport,
)
from torsion.python.failure import Failure
from torsion.test import iosim
from torsion.test.iosim import (
    ConnectionCompleter,
    FakeAddress,
    FakeTransport,
    IOPump,
    connect,
    connectedServerAndClient,
    makeFakeClient,
    makeFakeServer,
)


class Greeter(AccumulatingProtocol):
    """Says hello on connecting."""

    def connectionMade(self) -> None:
        super().connectionMade()
        assert self.transport is not None
        self.transport.write(b"hello")


class Replier(AccumulatingProtocol):
    """Answers each chunk with its length, and closes on b"bye"."""

    def dataReceived(self, data: bytes) -> None:
        super().dataReceived(data)
        assert self.transport is not None
        self.transport.write(b"%d;" % len(data))
        if data.endswith(b"bye"):
            self.transport.loseConnection()


def pair(
    server: type[AccumulatingProtocol] = AccumulatingProtocol,
    client: type[AccumulatingProtocol] = AccumulatingProtocol,
    greet: bool = True,
) -> tuple[AccumulatingProtocol, AccumulatingProtocol, IOPump]:
    return connectedServerAndClient(server, client, greet=greet)


def transportOf(protocol: IProtocol) -> FakeTransport:
    transport = getattr(protocol, "transport", None)
    assert isinstance(transport, FakeTransport)
    return transport


def reason(protocol: AccumulatingProtocol) -> Failure:
    assert protocol.closedReason is not None
    return protocol.closedReason


# -- FakeTransport -----------------------------------------------------------------------------


def test_fakeTransportBasics() -> None:
    protocol = AccumulatingProtocol()
    transport = FakeTransport(protocol, isServer=True)
    assert isinstance(transport.getHost(), FakeAddress)
    assert transport.getHost() is not transport.getPeer()
    assert repr(transport).startswith("FakeTransport<S,")
    assert "AccumulatingProtocol" in repr(transport)
    assert repr(FakeTransport(protocol, False)).startswith("FakeTransport<C,")
    assert transport.logPrefix() == "iosim"
    assert repr(transport.getHost()).startswith("<FakeAddress")
    host, peer = IPv4Address("TCP", "1.1.1.1", 1), IPv4Address("TCP", "2.2.2.2", 2)
    addressed = FakeTransport(protocol, False, host, peer)
    assert addressed.getHost() is host and addressed.getPeer() is peer
    assert makeFakeServer(protocol).isServer and not makeFakeClient(protocol).isServer


def test_fakeTransportBuffersWrites() -> None:
    transport = makeFakeClient(AccumulatingProtocol())
    assert transport.getOutBuffer() is None
    transport.write(b"a")
    transport.writeSequence([b"b", bytearray(b"c")])  # type: ignore[list-item]
    transport.write(b"")
    assert transport.getOutBuffer() == b"abc"
    assert transport.getOutBuffer() is None
    with pytest.raises(TypeError):
        transport.write("text")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        transport.writeSequence([b"ok", "text"])  # type: ignore[list-item]
    assert transport.getOutBuffer() is None


def test_writeAfterLoseConnectionIsDropped() -> None:
    transport = makeFakeClient(AccumulatingProtocol())
    transport.write(b"sent")
    transport.loseConnection()
    transport.write(b"dropped")
    assert transport.getOutBuffer() == b"sent"


def test_tcpOptions() -> None:
    transport = makeFakeClient(AccumulatingProtocol())
    transport.setTcpNoDelay(True)
    transport.setTcpKeepAlive(True)
    transport.loseWriteConnection()
    assert transport.getTcpNoDelay() and transport.getTcpKeepAlive()


# -- IOPump ------------------------------------------------------------------------------------


def test_greetFlushesTheGreeting() -> None:
    client, server, pump = pair(server=Greeter)
    assert client.made and server.made
    assert client.data == b"hello"
    assert pump.client is client and pump.server is server
    assert pump.flush() is False


def test_withoutGreetNothingMoves() -> None:
    client, _, pump = pair(server=Greeter, greet=False)
    assert client.data == b""
    assert pump.pump() is True
    assert client.data == b"hello"
    assert pump.pump() is False


def test_pumpMovesOneHopInEachDirection() -> None:
    client, server, pump = pair(server=Replier)
    assert client.transport is not None
    client.transport.write(b"abc")
    assert pump.pump() is True
    assert server.data == b"abc"
    assert client.data == b""  # the reply, written during the pump, waits for the next one
    assert pump.pump() is True
    assert client.data == b"3;"
    assert pump.pump() is False


def test_bothDirectionsInOnePump() -> None:
    client, server, pump = pair()
    assert client.transport is not None and server.transport is not None
    client.transport.write(b"to server")
    server.transport.write(b"to client")
    assert pump.pump() is True
    assert (server.data, client.data) == (b"to server", b"to client")


def test_flushRunsTheConversation() -> None:
    client, server, pump = pair(server=Replier)
    assert client.transport is not None
    client.transport.write(b"one")
    client.transport.write(b"two")
    assert pump.flush() is True
    assert server.data == b"onetwo"  # both writes arrive in one chunk
    assert client.data == b"6;"


def test_flushIsBounded() -> None:
    client, _, pump = connectedServerAndClient(Echo, Echo, greet=False)
    assert client.transport is not None
    client.transport.write(b"forever")
    with pytest.raises(AssertionError, match="still moving"):
        pump.flush()


def test_debugPrints(capsys: pytest.CaptureFixture[str]) -> None:
    client, _, pump = connectedServerAndClient(
        Replier, AccumulatingProtocol, debug=True, greet=False
    )
    assert client.transport is not None
    client.transport.write(b"bye")
    pump.flush()
    out = capsys.readouterr().out
    assert "-- GLUG --" in out
    assert "C: b'bye'" in out and "S: b'3;'" in out
    assert "* C" in out and "* S" in out


def test_pumpRunsDueClockCalls() -> None:
    clock = Clock()
    client, _, pump = connectedServerAndClient(
        AccumulatingProtocol, AccumulatingProtocol, clock=clock
    )
    assert pump.clock is clock
    assert client.transport is not None
    transport = client.transport
    clock.callLater(0, transport.write, b"soon")
    clock.callLater(1, transport.write, b"later")
    pump.flush()
    _, server, _ = pump.client, pump.server, None
    assert isinstance(server, AccumulatingProtocol) and server.data == b"soon"
    clock.advance(1)
    pump.flush()
    assert server.data == b"soonlater"
    clock.callLater(0, transport.write, b"held")
    pump.pump(advanceClock=False)
    assert server.data == b"soonlater"


def test_defaultClock() -> None:
    _, _, pump = pair()
    assert isinstance(pump.clock, Clock)


# -- closing -----------------------------------------------------------------------------------


def test_loseConnectionDeliversConnectionLostOnceToEach() -> None:
    client, server, pump = pair(server=Replier)
    assert client.transport is not None
    client.transport.write(b"bye")
    pump.flush()
    assert client.data == b"3;"  # written before loseConnection: delivered first
    assert server.closed and client.closed
    assert reason(server).check(ConnectionDone) and reason(client).check(ConnectionDone)
    first = (server.closedReason, client.closedReason)
    server.transport.loseConnection()  # type: ignore[union-attr]
    client.transport.loseConnection()
    assert pump.flush() is False
    assert (server.closedReason, client.closedReason) == first
    assert not transportOf(client).connected and not transportOf(server).connected


def test_closeReachesThePeerFirst() -> None:
    client, server, pump = pair()
    assert client.transport is not None
    client.transport.loseConnection()
    assert pump.pump() is True
    assert server.closed and not client.closed
    assert pump.pump() is True
    assert client.closed
    assert pump.pump() is False


def test_peerWritesAfterCloseAreDropped() -> None:
    client, server, pump = pair()
    assert client.transport is not None and server.transport is not None
    client.transport.loseConnection()
    pump.pump()  # the server hears of the close
    server.transport.write(b"too late")
    pump.flush()
    assert client.data == b"" and client.closed


def test_abortConnection() -> None:
    client, server, pump = pair()
    assert client.transport is not None and server.transport is not None
    client.transport.write(b"unsent")
    server.transport.write(b"undelivered")
    transportOf(client).abortConnection()
    client.transport.write(b"after abort")
    pump.flush()
    assert server.data == b"" and client.data == b""
    assert reason(client).check(ConnectionAborted)
    assert reason(server).check(ConnectionLost)
    assert not reason(server).check(ConnectionAborted)
    transportOf(client).abortConnection()  # a second abort changes nothing
    assert pump.flush() is False


def test_abortWhilePaused() -> None:
    client, server, pump = pair()
    transportOf(client).pauseProducing()
    transportOf(client).abortConnection()
    pump.flush()
    assert reason(client).check(ConnectionAborted) and reason(server).check(ConnectionLost)


def test_abortAfterLoseConnection() -> None:
    client, server, pump = pair()
    transportOf(server).loseConnection()
    transportOf(client).abortConnection()
    pump.flush()
    assert reason(client).check(ConnectionAborted)
    assert reason(server).check(ConnectionDone)


# -- producers ---------------------------------------------------------------------------------


def test_pullProducerIsDrivenByThePump() -> None:
    client, server, pump = pair()
    transport = transportOf(client)
    producer = NonStreamingProducer(transport)
    transport.registerProducer(producer, False)
    assert producer.counter == 1  # asked once on registration
    pump.flush()
    assert server.data == b"0123456789"
    assert transport.producer is None


def test_secondProducerIsRefused() -> None:
    client, _, _ = pair()
    transport = transportOf(client)
    transport.registerProducer(StringTransport(), True)
    with pytest.raises(RuntimeError):
        transport.registerProducer(StringTransport(), True)
    transport.unregisterProducer()
    transport.registerProducer(StringTransport(), True)


def test_producerIsStoppedOnDisconnect() -> None:
    client, _, pump = pair()
    transport = transportOf(client)
    producer = StringTransport()
    transport.registerProducer(producer, True)
    transport.loseConnection()
    pump.flush()
    assert producer.producerState == "stopped" and transport.producer is None
    late = StringTransport()
    transport.registerProducer(late, True)  # on a closed connection: stopped at once
    assert late.producerState == "stopped" and transport.producer is None


def test_stopConsumingAndStopProducing() -> None:
    client, server, pump = pair()
    transport = transportOf(client)
    transport.registerProducer(StringTransport(), True)
    transport.stopConsuming()
    assert transport.producer is None and transport.disconnecting
    transportOf(server).stopProducing()
    pump.flush()
    assert client.closed and server.closed


def test_pauseProducingHoldsIncomingBytes() -> None:
    client, server, pump = pair()
    assert server.transport is not None
    transportOf(client).pauseProducing()
    server.transport.write(b"held")
    server.transport.loseConnection()
    assert pump.flush() is False
    assert client.data == b"" and not client.closed
    transportOf(client).resumeProducing()
    pump.flush()
    assert client.data == b"held" and client.closed and server.closed


# -- connect, ConnectionCompleter --------------------------------------------------------------


def test_connectCallsMakeConnectionServerFirst() -> None:
    order: list[str] = []

    class Noting(Protocol):
        def __init__(self, name: str) -> None:
            self.name = name

        def connectionMade(self) -> None:
            order.append(self.name)

    server, client = Noting("server"), Noting("client")
    pump = connect(server, makeFakeServer(server), client, makeFakeClient(client))
    assert order == ["server", "client"]
    assert pump.server is server and pump.client is client


class RecordingClientFactory(ClientFactory):
    protocol = AccumulatingProtocol

    def __init__(self) -> None:
        self.failed: list[tuple[IConnector, Failure]] = []

    def clientConnectionFailed(self, connector: IConnector, reason: Failure) -> None:
        self.failed.append((connector, reason))


def test_connectionCompleterSucceeds() -> None:
    reactor = MemoryReactorClock()
    reactor.listenTCP(4321, Factory.forProtocol(Greeter))
    clientFactory = RecordingClientFactory()
    reactor.connectTCP("10.0.0.2", 4321, clientFactory)
    reactor.connectTCP("10.0.0.2", 9999, clientFactory)  # nobody listens there
    completer = ConnectionCompleter(reactor)
    pump = completer.succeedOnce()
    assert pump is not None and pump.clock is reactor
    client = pump.client
    assert isinstance(client, AccumulatingProtocol) and client.data == b"hello"
    assert client.factory is clientFactory
    assert transportOf(client).getPeer() == IPv4Address("TCP", "10.0.0.2", 4321)
    assert transportOf(pump.server).getPeer() == transportOf(client).getHost()
    assert [c[1] for c in reactor.tcpClients] == [9999] and len(reactor.connectors) == 1
    assert completer.succeedOnce() is None


def test_connectionCompleterWithoutAClock() -> None:
    reactor = MemoryReactor()
    reactor.listenTCP(1, Factory.forProtocol(AccumulatingProtocol))
    reactor.connectTCP("h", 1, RecordingClientFactory())
    pump = ConnectionCompleter(reactor).succeedOnce(greet=False)
    assert pump is not None and isinstance(pump.clock, Clock)
    assert pump.clock is not reactor  # type: ignore[comparison-overlap]


def test_connectionCompleterRefusedProtocol() -> None:
    class Refusing(Factory):
        def buildProtocol(self, addr: Any) -> None:
            return None

    reactor = MemoryReactor()
    reactor.listenTCP(1, Refusing())
    reactor.connectTCP("h", 1, RecordingClientFactory())
    with pytest.raises(RuntimeError):
        ConnectionCompleter(reactor).succeedOnce()


def test_connectionCompleterFails() -> None:
    reactor = MemoryReactor()
    factory = RecordingClientFactory()
    connector = reactor.connectTCP("h", 1, factory)
    ConnectionCompleter(reactor).failOnce()
    [(failedConnector, why)] = factory.failed
    assert failedConnector is connector and why.check(ConnectionRefusedError)
    assert reactor.tcpClients == [] and reactor.connectors == []
    reactor.connectTCP("h", 1, factory)
    ConnectionCompleter(reactor).failOnce(Failure(UserError()))
    assert factory.failed[1][1].check(UserError)
    with pytest.raises(IndexError):
        ConnectionCompleter(reactor).failOnce()


def test_exports() -> None:
    assert set(iosim.__all__) <= set(dir(iosim))


# -- testing real protocols with iosim ---------------------------------------------------------


def test_echoRoundTrip() -> None:
    client, _, pump = connectedServerAndClient(Echo, AccumulatingProtocol)
    assert client.transport is not None
    client.transport.write(b"ping")
    pump.flush()
    assert client.data == b"ping"


def chatServer(factory: ChatFactory, port: int) -> Chat:
    protocol = factory.buildProtocol(IPv4Address("TCP", "127.0.0.1", port))
    assert isinstance(protocol, Chat)
    return protocol


def flushAll(pumps: list[IOPump]) -> None:
    """Flush several connections to one server until none of them moves anything."""
    while any([pump.flush() for pump in pumps]):
        pass


def test_chatThroughIosim() -> None:
    """Two chat clients through ``connectedServerAndClient`` with IPv4 addresses (the chat
    greets each client with its ``host:port``)."""
    factory = ChatFactory()
    pumps: list[IOPump] = []
    clients: list[AccumulatingProtocol] = []
    for port in (1001, 1002):
        host = IPv4Address("TCP", "127.0.0.1", 8000)
        peer = IPv4Address("TCP", "127.0.0.1", port)
        client, _, pump = connectedServerAndClient(
            partial(chatServer, factory, port),
            AccumulatingProtocol,
            serverTransportFactory=partial(
                FakeTransport, isServer=True, hostAddress=host, peerAddress=peer
            ),
        )
        clients.append(client)
        pumps.append(pump)
    alice, bob = clients
    assert alice.data.startswith(b"* welcome, 127.0.0.1:1001;")
    pumps[0].flush()
    assert alice.data.endswith(b"* 127.0.0.1:1002 joined\n")
    assert bob.transport is not None
    bob.transport.write(b"/nick bob\nhi all\n")
    flushAll(pumps)
    assert alice.data.endswith(b"* 127.0.0.1:1002 is now bob\n<bob> hi all\n")
    bob.transport.loseConnection()
    flushAll(pumps)
    assert bob.closed and alice.data.endswith(b"* bob left\n")
    assert len(factory.clients) == 1


def test_chatThroughMemoryReactor() -> None:
    """The whole path a program takes: listenTCP, connectTCP, then the test completes the
    connection and pumps it."""
    reactor = MemoryReactorClock()
    reactor.listenTCP(8000, ChatFactory())
    reactor.connectTCP("127.0.0.1", 8000, RecordingClientFactory())
    pump = ConnectionCompleter(reactor).succeedOnce()
    assert pump is not None
    client = pump.client
    assert isinstance(client, AccumulatingProtocol)
    assert client.data.startswith(b"* welcome, 127.0.0.1:49")
