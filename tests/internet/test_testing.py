"""`torsion.internet.testing`'s transports, protocols and producers, and a protocol tested
with them (the chat service of ``python -m torsion``)."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest

from torsion._chat import MAX_LENGTH, Chat, ChatFactory, Echo
from torsion.internet import testing
from torsion.internet.address import IPv4Address, UNIXAddress
from torsion.internet.defer import Deferred
from torsion.internet.error import ConnectionDone
from torsion.internet.interfaces import (
    IConsumer,
    IPushProducer,
    ITCPTransport,
    ITransport,
)
from torsion.internet.protocol import Factory
from torsion.internet.testing import (
    AccumulatingProtocol,
    FakeDatagramTransport,
    LineSendingProtocol,
    NonStreamingProducer,
    StringIOWithoutClosing,
    StringTransport,
    StringTransportWithDisconnection,
)
from torsion.python.failure import Failure
from torsion.test import proto_helpers

# -- StringTransport --------------------------------------------------------------------------


def test_recordsWrites() -> None:
    transport = StringTransport()
    transport.write(b"he")
    transport.writeSequence([b"ll", b"o"])
    transport.write(bytearray(b" "))  # type: ignore[arg-type]
    transport.write(memoryview(b"world"))  # type: ignore[arg-type]
    assert transport.value() == b"hello world"
    assert transport.io.getvalue() == b"hello world"
    transport.clear()
    assert transport.value() == b""
    transport.write(b"again")
    assert transport.value() == b"again"


@pytest.mark.parametrize("bad", ["text", 1, None])
def test_writeRejectsNonBytes(bad: object) -> None:
    transport = StringTransport()
    with pytest.raises(TypeError, match="bytes"):
        transport.write(bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        transport.writeSequence([b"ok", bad])  # type: ignore[list-item]
    assert transport.value() == b""


def test_loseConnectionOnlySetsDisconnecting() -> None:
    protocol = AccumulatingProtocol()
    transport = StringTransport()
    protocol.makeConnection(transport)
    transport.loseConnection()
    assert transport.disconnecting and not transport.disconnected
    assert transport.connected
    assert not protocol.closed
    # As in Twisted, writes after loseConnection are still recorded, so a test can see them.
    transport.write(b"late")
    assert transport.value() == b"late"


def test_abortConnection() -> None:
    transport = StringTransport()
    transport.abortConnection()
    assert transport.disconnected and transport.disconnecting


def test_defaultAddresses() -> None:
    transport = StringTransport()
    assert transport.getHost() == IPv4Address("TCP", "10.0.0.1", 12345)
    assert transport.getPeer() == IPv4Address("TCP", "192.168.1.1", 54321)


def test_givenAddresses() -> None:
    host, peer = UNIXAddress("/tmp/a"), UNIXAddress("/tmp/b")
    transport = StringTransport(hostAddress=host, peerAddress=peer)
    assert transport.getHost() is host
    assert transport.getPeer() is peer


def test_tcpOptionsAreRecorded() -> None:
    transport = StringTransport()
    assert not transport.getTcpNoDelay() and not transport.getTcpKeepAlive()
    transport.setTcpNoDelay(True)
    transport.setTcpKeepAlive(True)
    assert transport.getTcpNoDelay() and transport.getTcpKeepAlive()
    transport.loseWriteConnection()
    assert transport.writeDisconnected and not transport.disconnecting


def test_providesTheInterfaces() -> None:
    transport = StringTransport()
    for interface in (ITransport, ITCPTransport, IConsumer, IPushProducer):
        assert isinstance(transport, interface)


def test_registerProducer() -> None:
    transport = StringTransport()
    producer = StringTransport()  # any IPushProducer will do
    transport.registerProducer(producer, True)
    assert transport.producer is producer and transport.streaming is True
    with pytest.raises(RuntimeError):
        transport.registerProducer(StringTransport(), False)
    assert transport.producer is producer
    transport.unregisterProducer()
    assert transport.producer is None and transport.streaming is None
    with pytest.raises(RuntimeError):
        transport.unregisterProducer()


def test_pullProducerIsNotDriven() -> None:
    transport = StringTransport()
    producer = NonStreamingProducer(transport)
    transport.registerProducer(producer, False)
    assert transport.streaming is False
    assert transport.value() == b""
    assert producer.counter == 0


def test_producerState() -> None:
    transport = StringTransport()
    assert transport.producerState == "producing"
    transport.pauseProducing()
    assert transport.producerState == "paused"  # type: ignore[comparison-overlap]
    transport.resumeProducing()
    assert transport.producerState == "producing"
    transport.stopProducing()
    assert transport.producerState == "stopped"
    with pytest.raises(RuntimeError, match="stopped"):
        transport.resumeProducing()
    with pytest.raises(RuntimeError, match="stopped"):
        transport.pauseProducing()


def test_producerStateAfterLoseConnection() -> None:
    transport = StringTransport()
    transport.loseConnection()
    with pytest.raises(RuntimeError, match="loseConnection"):
        transport.resumeProducing()
    with pytest.raises(RuntimeError, match="loseConnection"):
        transport.pauseProducing()
    lenient = StringTransport(lenient=True)
    lenient.loseConnection()
    lenient.pauseProducing()
    lenient.resumeProducing()
    assert lenient.producerState == "producing"


# -- StringTransportWithDisconnection --------------------------------------------------------


def test_withDisconnectionDeliversConnectionLostOnce() -> None:
    protocol = AccumulatingProtocol()
    transport = StringTransportWithDisconnection()
    transport.protocol = protocol
    protocol.makeConnection(transport)
    transport.loseConnection()
    assert protocol.closed and not transport.connected and transport.disconnecting
    assert protocol.closedReason is not None
    assert protocol.closedReason.check(ConnectionDone)
    first = protocol.closedReason
    transport.loseConnection()
    transport.abortConnection()
    assert protocol.closedReason is first


def test_withDisconnectionAbort() -> None:
    protocol = AccumulatingProtocol()
    transport = StringTransportWithDisconnection()
    transport.protocol = protocol
    protocol.makeConnection(transport)
    transport.abortConnection()
    assert transport.disconnected and protocol.closed


# -- small protocols and producers -----------------------------------------------------------


def test_accumulatingProtocol() -> None:
    protocol = AccumulatingProtocol()
    closed: list[None] = []
    protocol.closedDeferred = Deferred()
    protocol.closedDeferred.addCallback(closed.append)
    protocol.makeConnection(StringTransport())
    assert protocol.made and not protocol.closed
    protocol.dataReceived(b"ab")
    protocol.dataReceived(b"c")
    assert protocol.data == b"abc"
    reason = Failure(ConnectionDone())
    protocol.connectionLost(reason)
    assert protocol.closed and protocol.closedReason is reason
    assert closed == [None] and protocol.closedDeferred is None


def test_accumulatingProtocolFiresFactoryDeferred() -> None:
    factory = Factory.forProtocol(AccumulatingProtocol)
    made: list[object] = []
    waiting: Deferred[AccumulatingProtocol] = Deferred()
    waiting.addCallback(made.append)
    factory.protocolConnectionMade = waiting  # type: ignore[attr-defined]
    protocol = factory.buildProtocol(IPv4Address("TCP", "127.0.0.1", 1))
    assert protocol is not None
    protocol.makeConnection(StringTransport())
    assert made == [protocol]
    assert factory.protocolConnectionMade is None  # type: ignore[attr-defined]
    # A second connection finds no Deferred and does not fail.
    other = factory.buildProtocol(IPv4Address("TCP", "127.0.0.1", 2))
    assert other is not None
    other.makeConnection(StringTransport())


def test_lineSendingProtocolStart() -> None:
    protocol = LineSendingProtocol([b"one", b"two"])
    transport = StringTransport()
    protocol.makeConnection(transport)
    assert transport.value() == b"one\r\ntwo\r\n"
    protocol.dataReceived(b"ok\r\nfi")
    protocol.dataReceived(b"ne\r\n")
    assert protocol.response == [b"ok", b"fine"]
    protocol.connectionLost(Failure(ConnectionDone()))
    assert protocol.lostConn


def test_lineSendingProtocolWaitsForALine() -> None:
    protocol = LineSendingProtocol([b"one"], start=False)
    transport = StringTransport()
    protocol.makeConnection(transport)
    assert transport.value() == b""
    protocol.dataReceived(b"hello\r\n")
    assert transport.value() == b"one\r\n"
    protocol.dataReceived(b"again\r\n")
    assert transport.value() == b"one\r\n"
    assert protocol.response == [b"hello", b"again"]


def test_nonStreamingProducerWritesTenTimes() -> None:
    transport = StringTransport()
    producer = NonStreamingProducer(transport)
    transport.registerProducer(producer, False)
    done: list[None] = []
    producer.result.addCallback(done.append)
    for _ in range(10):
        producer.resumeProducing()
    assert transport.value() == b"0123456789"
    assert transport.producer is None and done == [None]
    with pytest.raises(RuntimeError):
        producer.resumeProducing()
    with pytest.raises(RuntimeError):
        producer.pauseProducing()


def test_nonStreamingProducerStop() -> None:
    transport = StringTransport()
    producer = NonStreamingProducer(transport)
    done: list[None] = []
    producer.result.addCallback(done.append)
    producer.stopProducing()
    assert producer.stopped and done == [None]
    producer.stopProducing()  # harmless
    with pytest.raises(RuntimeError):
        producer.resumeProducing()


def test_stringIOWithoutClosing() -> None:
    io = StringIOWithoutClosing()
    io.write(b"kept")
    io.close()
    assert not io.closed
    assert io.getvalue() == b"kept"
    assert isinstance(io, BytesIO)


def test_fakeDatagramTransport() -> None:
    transport = FakeDatagramTransport()
    transport.write(b"a")
    transport.write(b"b", ("127.0.0.1", 9))
    assert transport.written == [(b"a", FakeDatagramTransport.noAddr), (b"b", ("127.0.0.1", 9))]


def test_exports() -> None:
    for name in testing.__all__:
        assert getattr(testing, name) is not None
    assert "StringTransport" in testing.__all__
    assert set(proto_helpers.__all__) == set(testing.__all__)


@pytest.mark.parametrize("name", sorted(testing.__all__))
def test_proto_helpers_names_are_deprecated(name: str) -> None:
    with pytest.warns(DeprecationWarning) as caught:
        value = getattr(proto_helpers, name)
    assert value is getattr(testing, name)
    assert str(caught[0].message) == (
        f"torsion.test.proto_helpers.{name} was deprecated in Twisted 19.7.0: "
        f"Please use torsion.internet.testing.{name} instead."
    )
    assert caught[0].filename == __file__


# -- testing a real protocol with StringTransport --------------------------------------------


def connectChat(factory: ChatFactory, port: int) -> tuple[Chat, StringTransport]:
    """Connect a chat client from 192.168.1.1:``port`` to ``factory``; forget its greeting."""
    peer = IPv4Address("TCP", "192.168.1.1", port)
    protocol = factory.buildProtocol(peer)
    assert isinstance(protocol, Chat)
    transport = StringTransportWithDisconnection(peerAddress=peer)
    transport.protocol = protocol
    protocol.makeConnection(transport)
    transport.clear()
    return protocol, transport


def test_echoWithStringTransport() -> None:
    protocol = Echo()
    transport = StringTransport()
    protocol.makeConnection(transport)
    protocol.dataReceived(b"ping")
    assert transport.value() == b"ping"


def test_chatGreetsWithThePeerAddress() -> None:
    protocol = ChatFactory().buildProtocol(IPv4Address("TCP", "192.168.1.1", 54321))
    assert protocol is not None
    transport = StringTransport()
    protocol.makeConnection(transport)
    assert transport.value().startswith(b"* welcome, 192.168.1.1:54321;")


def test_chatBroadcastsToOthers() -> None:
    factory = ChatFactory()
    alice, aliceTransport = connectChat(factory, 1)
    _, bobTransport = connectChat(factory, 2)
    assert aliceTransport.value() == b"* 192.168.1.1:2 joined\n"
    aliceTransport.clear()
    alice.dataReceived(b"/nick alice\r\nhel")
    alice.dataReceived(b"lo\n")
    assert bobTransport.value() == b"* 192.168.1.1:1 is now alice\n<alice> hello\n"
    assert aliceTransport.value() == b"* 192.168.1.1:1 is now alice\n"
    bobTransport.loseConnection()
    assert factory.clients == {alice}
    assert aliceTransport.value().endswith(b"* 192.168.1.1:2 left\n")


def test_chatDropsTooLongLines() -> None:
    factory = ChatFactory()
    protocol, transport = connectChat(factory, 1)
    protocol.dataReceived(b"x" * (MAX_LENGTH + 1))
    assert b"line too long" in transport.value()
    assert transport.disconnecting and not transport.connected
    assert factory.clients == set()


# -- typing: the doubles are accepted where the interfaces are expected ----------------------

TYPED = """\
from torsion.internet.interfaces import (
    IConsumer, IListeningPort, IConnector, IPushProducer, IReactorFDSet, IReactorTCP,
    IReactorTime, ITCPTransport, ITransport,
)
from torsion.internet.protocol import ClientFactory, Factory, Protocol
from torsion.internet.selectreactor import SelectReactor
from torsion.internet.testing import MemoryReactor, MemoryReactorClock, StringTransport
from torsion.test.iosim import FakeTransport

transport: ITransport = StringTransport()
tcp: ITCPTransport = StringTransport()
consumer: IConsumer = StringTransport()
producer: IPushProducer = StringTransport()
fake: ITCPTransport = FakeTransport(Protocol(), isServer=True)
fakeConsumer: IConsumer = FakeTransport(Protocol(), isServer=True)
reactor: IReactorTCP = MemoryReactor()
fdset: IReactorFDSet = MemoryReactor()
clock: IReactorTime = MemoryReactorClock()
port: IListeningPort = MemoryReactor().listenTCP(0, Factory())
connector: IConnector = MemoryReactor().connectTCP("h", 1, ClientFactory())
Protocol().makeConnection(StringTransport())
realTCP: IReactorTCP = SelectReactor()
realFDSet: IReactorFDSet = SelectReactor()
"""


def test_mypyAcceptsTheDoubles(tmp_path: Path) -> None:
    api = pytest.importorskip("mypy.api")
    (tmp_path / "typed.py").write_text(TYPED)
    stdout, stderr, status = api.run(
        [
            "--strict",
            "--no-incremental",
            "--cache-dir",
            str(tmp_path / "cache"),
            str(tmp_path / "typed.py"),
        ]
    )
    assert status == 0, stdout + stderr
