"""`torsion.internet.testing`'s fake reactors and `waitUntilAllDisconnected`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from torsion.internet.address import IPv4Address, IPv6Address, UNIXAddress
from torsion.internet.defer import CancelledError, Deferred
from torsion.internet.error import CannotListenError, ConnectionRefusedError
from torsion.internet.interfaces import (
    IConnector,
    IListeningPort,
    IReactorFDSet,
    IReactorTCP,
    IReactorTime,
)
from torsion.internet.protocol import ClientCreator, ClientFactory, Factory, Protocol
from torsion.internet.task import Clock
from torsion.internet.testing import (
    MemoryReactor,
    MemoryReactorClock,
    RaisingMemoryReactor,
    StringTransport,
    waitUntilAllDisconnected,
)
from torsion.python.failure import Failure


class RecordingClientFactory(ClientFactory):
    def __init__(self) -> None:
        self.started: list[IConnector] = []

    def startedConnecting(self, connector: IConnector) -> None:
        self.started.append(connector)


class Descriptor:
    """A reader and writer that is never called."""

    def fileno(self) -> int:
        return -1

    def logPrefix(self) -> str:
        return "Descriptor"

    def connectionLost(self, reason: Failure) -> None:
        raise AssertionError("not called")

    def doRead(self) -> None:
        raise AssertionError("not called")

    def doWrite(self) -> None:
        raise AssertionError("not called")


def test_providesTheInterfaces() -> None:
    reactor = MemoryReactorClock()
    for interface in (IReactorTCP, IReactorFDSet, IReactorTime):
        assert isinstance(reactor, interface)


def test_listenTCP() -> None:
    reactor = MemoryReactor()
    factory = Factory.forProtocol(Protocol)
    port = reactor.listenTCP(1234, factory)
    assert reactor.tcpServers == [(1234, factory, 50, "")]
    assert isinstance(port, IListeningPort)
    assert port.getHost() == IPv4Address("TCP", "0.0.0.0", 1234)
    port6 = reactor.listenTCP(80, factory, 5, "::1")
    assert port6.getHost() == IPv6Address("TCP", "::1", 80)
    assert reactor.tcpServers[1] == (80, factory, 5, "::1")
    stopped: list[None] = []
    port.stopListening().addCallback(stopped.append)
    assert stopped == [None] and not port.listening
    port.startListening()


def test_connectTCP() -> None:
    reactor = MemoryReactor()
    factory = RecordingClientFactory()
    connector = reactor.connectTCP("example.com", 80, factory, 5, ("0.0.0.0", 0))
    assert reactor.tcpClients == [("example.com", 80, factory, 5, ("0.0.0.0", 0))]
    assert reactor.connectors == [connector]
    assert factory.started == [connector]
    assert connector.getDestination() == IPv4Address("TCP", "example.com", 80)
    connector6 = reactor.connectTCP("::1", 80, factory)
    assert connector6.getDestination() == IPv6Address("TCP", "::1", 80)
    assert reactor.tcpClients[1] == ("::1", 80, factory, 30, None)


def test_connectorRecordsWhatItIsTold() -> None:
    connector = MemoryReactor().connectTCP("h", 1, ClientFactory())
    assert not connector.stoppedConnecting and not connector.disconnected
    connector.stopConnecting()
    connector.disconnect()
    connector.connect()
    assert connector.stoppedConnecting and connector.disconnected
    assert connector._disconnected  # Twisted's name
    assert connector.connectAttempts == 1


def test_sslUnixUdp() -> None:
    reactor = MemoryReactor()
    server, client = Factory(), RecordingClientFactory()
    context = object()
    assert reactor.listenSSL(443, server, context).getHost() == IPv4Address("TCP", "0.0.0.0", 443)
    sslConnector = reactor.connectSSL("h", 443, client, context)
    assert reactor.sslServers == [(443, server, context, 50, "")]
    assert reactor.sslClients == [("h", 443, client, context, 30, None)]
    assert reactor.listenUNIX("/s", server).getHost() == UNIXAddress("/s")
    unixConnector = reactor.connectUNIX("/s", client, timeout=3)
    assert reactor.unixServers == [("/s", server, 50, 0o666, False)]
    assert reactor.unixClients == [("/s", client, 3, False)]
    assert unixConnector.getDestination() == UNIXAddress("/s")
    protocol = object()
    assert reactor.listenUDP(53, protocol).getHost() == IPv4Address("UDP", "0.0.0.0", 53)
    assert reactor.listenUDP(53, protocol, "::").getHost() == IPv6Address("UDP", "::", 53)
    assert reactor.udpServers == [(53, protocol, "", 8192), (53, protocol, "::", 8192)]
    assert client.started == [sslConnector, unixConnector]
    assert reactor.connectors == [sslConnector, unixConnector]


def test_runCallsHooksThenStops() -> None:
    reactor = MemoryReactor()
    calls: list[Any] = []
    reactor.callWhenRunning(calls.append, 1)
    assert calls == [] and len(reactor.whenRunningHooks) == 1
    assert not reactor.hasRun and not reactor.running
    reactor.run()
    assert calls == [1]
    assert reactor.hasRun and reactor.hasStopped and not reactor.running
    reactor.callWhenRunning(calls.append, 2)  # after run: called at once
    assert calls == [1, 2]


def test_runWhileRunningFails() -> None:
    reactor = MemoryReactor()
    reactor.callWhenRunning(lambda: reactor.run())
    with pytest.raises(AssertionError):
        reactor.run()


def test_stopCrashInstall() -> None:
    reactor = MemoryReactor()
    reactor.install()
    reactor.crash()
    assert reactor.hasInstalled and reactor.hasCrashed and not reactor.running
    reactor.stop()
    assert reactor.hasStopped
    with pytest.raises(NotImplementedError):
        reactor.iterate()
    with pytest.raises(NotImplementedError):
        reactor.fireSystemEvent("shutdown")


def test_systemEventTriggers() -> None:
    reactor = MemoryReactor()

    def f(*args: object, **kw: object) -> None:
        pass

    first = reactor.addSystemEventTrigger("before", "shutdown", f, 1, key=2)
    reactor.addSystemEventTrigger("before", "shutdown", f)
    reactor.addSystemEventTrigger("after", "startup", f)
    assert reactor.triggers == {
        "before": {"shutdown": [(f, (1,), {"key": 2}), (f, (), {})]},
        "after": {"startup": [(f, (), {})]},
    }
    reactor.removeSystemEventTrigger(first)
    assert reactor.triggers["before"]["shutdown"] == [(f, (), {})]
    with pytest.raises(ValueError):
        reactor.removeSystemEventTrigger(first)


def test_fdSet() -> None:
    reactor = MemoryReactor()
    reader, writer, both = Descriptor(), Descriptor(), Descriptor()
    reactor.addReader(reader)
    reactor.addReader(both)
    reactor.addWriter(writer)
    reactor.addWriter(both)
    assert set(reactor.getReaders()) == {reader, both}
    assert set(reactor.getWriters()) == {writer, both}
    reactor.removeReader(reader)
    reactor.removeReader(reader)  # not an error
    reactor.removeWriter(writer)
    assert reactor.getReaders() == [both] and reactor.getWriters() == [both]
    reactor.addReader(reader)
    removed = reactor.removeAll()
    assert sorted(map(id, removed)) == sorted(map(id, [reader, both]))
    assert reactor.getReaders() == [] and reactor.getWriters() == []


def test_resolve() -> None:
    reactor = MemoryReactor()
    results: list[str] = []
    reactor.resolve("10.1.2.3").addCallback(results.append)
    reactor.resolve("example.com").addCallback(results.append)
    assert results == ["10.1.2.3", "127.0.0.1"]


def test_memoryReactorClock() -> None:
    reactor = MemoryReactorClock()
    calls: list[float] = []
    reactor.callLater(2, lambda: calls.append(reactor.seconds()))
    assert len(reactor.getDelayedCalls()) == 1
    reactor.advance(1)
    assert calls == []
    reactor.advance(1)
    assert calls == [2.0] and reactor.getDelayedCalls() == []
    reactor.listenTCP(1, Factory())
    assert len(reactor.tcpServers) == 1


def test_clientCreatorAgainstMemoryReactorClock() -> None:
    """`ClientCreator` asks the reactor to connect; the test plays the connection."""
    reactor = MemoryReactorClock()
    result = ClientCreator(reactor, Protocol).connectTCP("example.com", 80)
    host, port, factory, timeout, _ = reactor.tcpClients[0]
    assert (host, port, timeout) == ("example.com", 80, 30)
    protocol = factory.buildProtocol(IPv4Address("TCP", "1.2.3.4", 80))
    assert protocol is not None
    protocol.makeConnection(StringTransport())
    fired: list[object] = []
    result.addCallback(fired.append)
    reactor.advance(0)
    assert fired == [protocol]


def test_raisingMemoryReactor() -> None:
    listenError, connectError = CannotListenError("", 1, OSError()), ConnectionRefusedError()
    reactor = RaisingMemoryReactor(listenError, connectError)
    factory, clientFactory = Factory(), ClientFactory()
    listens: list[Callable[[], object]] = [
        lambda: reactor.listenTCP(1, factory),
        lambda: reactor.listenSSL(1, factory, object()),
        lambda: reactor.listenUNIX("/s", factory),
        lambda: reactor.listenUDP(1, object()),
    ]
    for listen in listens:
        with pytest.raises(CannotListenError) as info:
            listen()
        assert info.value is listenError
    connects: list[Callable[[], object]] = [
        lambda: reactor.connectTCP("h", 1, clientFactory),
        lambda: reactor.connectSSL("h", 1, clientFactory, object()),
        lambda: reactor.connectUNIX("/s", clientFactory),
    ]
    for connect in connects:
        with pytest.raises(ConnectionRefusedError):
            connect()


def test_raisingMemoryReactorWithoutException() -> None:
    with pytest.raises(TypeError):
        RaisingMemoryReactor().listenTCP(1, Factory())


# -- waitUntilAllDisconnected -------------------------------------------------------------------


def connectedProtocols(count: int) -> list[Protocol]:
    protocols = []
    for _ in range(count):
        protocol = Protocol()
        protocol.makeConnection(StringTransport())
        protocols.append(protocol)
    return protocols


def test_waitUntilAllDisconnected() -> None:
    clock = Clock()
    protocols = connectedProtocols(2)
    done: list[None] = []
    waitUntilAllDisconnected(clock, protocols).addCallback(done.append)
    assert done == [] and len(clock.getDelayedCalls()) == 1
    protocols[0].transport.connected = False  # type: ignore[union-attr]
    clock.advance(0.01)
    assert done == []
    protocols[1].transport.connected = False  # type: ignore[union-attr]
    clock.advance(0.01)
    assert done == [None] and clock.getDelayedCalls() == []


def test_waitUntilAllDisconnectedAlreadyDone() -> None:
    clock = Clock()
    protocols = [*connectedProtocols(1), Protocol()]  # the second has no transport
    protocols[0].transport.connected = False  # type: ignore[union-attr]
    done: list[None] = []
    waitUntilAllDisconnected(clock, protocols).addCallback(done.append)
    assert done == [None] and clock.getDelayedCalls() == []


def test_waitUntilAllDisconnectedCancel() -> None:
    clock = Clock()
    result = waitUntilAllDisconnected(clock, connectedProtocols(1))
    failures: list[Failure] = []
    result.addErrback(failures.append)
    result.cancel()
    assert failures[0].check(CancelledError)
    assert clock.getDelayedCalls() == []


def test_waitUntilAllDisconnectedIsADeferred() -> None:
    assert isinstance(waitUntilAllDisconnected(Clock(), []), Deferred)
