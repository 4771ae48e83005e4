"""TCP transports on every reactor: addresses, memory use, callback errors, options, shutdown.

Ordering, large transfers, writeSequence, write types, closing, aborting, half-close and
producers are checked by `torsion.testing.checkStreamTransport` in
tests/testing/test_streamcheck.py.
"""

from __future__ import annotations

import logging
import socket
import tracemalloc
from typing import Any

import pytest

from tests.internet._tcphelpers import (
    Client,
    Collecting,
    Echo,
    Recorder,
    connectPair,
    runUntil,
)
from torsion.internet import error
from torsion.internet.address import IPv4Address
from torsion.internet.defer import Deferred, gatherResults
from torsion.internet.interfaces import ITCPTransport
from torsion.internet.protocol import ServerFactory, connectionDone
from torsion.internet.tcp import _NUMERIC_ONLY
from torsion.python import log
from torsion.python.failure import Failure

MiB = 1024 * 1024


def test_lifecycle_order_and_addresses(reactor: Any) -> None:
    """made -> data -> lost(ConnectionDone) on both sides; addresses mirror each other."""
    port, server, client = connectPair(reactor, Echo)
    assert server.connected == 1 and client.connected is True
    assert isinstance(client.transport, ITCPTransport)
    assert client.transport.getPeer() == server.transport.getHost() == port.getHost()
    assert server.transport.getPeer() == client.transport.getHost() == server.addr
    assert isinstance(port.getHost(), IPv4Address) and port.getHost().host == "127.0.0.1"
    assert port.getHost().type == "TCP"
    client.expect = 5
    client.transport.write(b"hello")
    assert runUntil(reactor, client.enough) == b"hello"
    client.transport.loseConnection()
    reasons = runUntil(reactor, gatherResults([client.lost, server.lost]))
    assert all(r.check(error.ConnectionDone) for r in reasons)
    assert client.events == server.events == ["made", "data", "lost"]
    runUntil(reactor, port.stopListening())


class CrazyFactory(ServerFactory):
    def logPrefix(self) -> str:
        return "Crazy Factory"


def test_port_start_and_close_are_twisteds_legacy_lines(reactor: Any) -> None:
    """As in Twisted, legacy events (its tests read their ``message``) in the port's module."""
    events: list[dict[str, Any]] = []
    log.addObserver(events.append)
    try:
        port = reactor.listenTCP(0, CrazyFactory(), interface="127.0.0.1")
        number = port.getHost().port
        runUntil(reactor, port.stopListening())
    finally:
        log.removeObserver(events.append)
    assert [(e["log_namespace"], e["message"]) for e in events if e["message"]] == [
        ("torsion.internet.tcp", (f"Crazy Factory starting on {number}",)),
        ("torsion.internet.tcp", (f"(TCP Port {number} Closed)",)),
    ]


class Counting(Recorder):
    """Counts the bytes received without keeping them; ``enough`` fires at ``expect``."""

    count = 0

    def dataReceived(self, data: bytes) -> None:
        self.count += len(data)
        if self.count == self.expect:
            self.enough.callback(b"")


@pytest.mark.parametrize("method", ["write", "writeSequence"])
def test_hundred_megabyte_write_is_not_copied(reactor: Any, method: str) -> None:
    """One 100 MB write: the buffer holds the caller's bytes, and memory grows by little more.

    tracemalloc sees every allocation of the Python allocators, bytes objects included: a copy
    of the payload anywhere (joining, slicing bytes, ``bytes(memoryview)``) would add 100 MB to
    the peak. What does grow is the reader's 256 KiB ``recv`` buffers, a few at a time.
    """
    port, server, client = connectPair(reactor, Counting)
    size = 100 * 1000 * 1000
    payload = b"\x5a" * size
    server.expect = size
    wasTracing = tracemalloc.is_tracing()
    if not wasTracing:
        tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        if method == "write":
            client.transport.write(payload)
        else:
            client.transport.writeSequence([payload])
        chunks = client.transport._buffer._chunks
        assert len(chunks) == 1 and memoryview(chunks[0]).obj is payload  # the unsent tail
        runUntil(reactor, server.enough)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        if not wasTracing:
            tracemalloc.stop()
    assert server.count == size and client.transport._buffer.size == 0
    assert peak - before < size // 10, f"memory grew by {peak - before:,} bytes"
    client.transport.loseConnection()
    runUntil(reactor, gatherResults([client.lost, server.lost]))
    runUntil(reactor, port.stopListening())


class Exploding(Recorder):
    where = ""

    def connectionMade(self) -> None:
        super().connectionMade()
        if self.where == "connectionMade":
            raise ZeroDivisionError("made")

    def dataReceived(self, data: bytes) -> None:
        super().dataReceived(data)
        if self.where == "dataReceived":
            raise ZeroDivisionError("data")
        assert self.transport is not None
        self.transport.write(data)

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        super().connectionLost(reason)
        if self.where == "connectionLost":
            raise ZeroDivisionError("lost")


@pytest.mark.parametrize("where", ["connectionMade", "dataReceived", "connectionLost"])
def test_exception_in_protocol_callback(
    reactor: Any, where: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The exception is logged once and closes that connection; the port keeps serving."""
    factory = Collecting(type("Boom", (Exploding,), {"where": where}))
    port = reactor.listenTCP(0, factory, interface="127.0.0.1")
    address = port.getHost()
    bad = Client()
    reactor.connectTCP("127.0.0.1", address.port, bad)
    badClient = runUntil(reactor, bad.first)
    runUntil(reactor, badClient.made)
    badClient.transport.write(b"ping")
    if where == "connectionLost":
        badClient.transport.loseConnection()
    serverReason = runUntil(reactor, factory.built[0].lost)
    runUntil(reactor, badClient.lost)
    if where != "connectionLost":
        assert serverReason.check(ZeroDivisionError)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR and r.exc_info]
    assert len(errors) == 1 and errors[0].exc_info[0] is ZeroDivisionError  # type: ignore[index]
    # The port still accepts, and a healthy connection echoes.
    factory.protocol = Exploding
    good = Client()
    reactor.connectTCP("127.0.0.1", address.port, good)
    goodClient = runUntil(reactor, good.first)
    runUntil(reactor, goodClient.made)
    goodClient.expect = 4
    goodClient.transport.write(b"pong")
    assert runUntil(reactor, goodClient.enough) == b"pong"
    goodClient.transport.loseConnection()
    runUntil(reactor, goodClient.lost)
    runUntil(reactor, port.stopListening())


class Refusing(Collecting):
    def buildProtocol(self, addr: Any) -> Any:
        self.built.append(None)
        return None


def test_build_protocol_returning_none(reactor: Any) -> None:
    """The accepted connection is closed (the client sees ConnectionDone); the port serves on."""
    factory = Refusing()
    port = reactor.listenTCP(0, factory, interface="127.0.0.1")
    for _ in range(2):
        client = Client()
        reactor.connectTCP("127.0.0.1", port.getHost().port, client)
        proto = runUntil(reactor, client.first)
        assert runUntil(reactor, proto.lost).check(error.ConnectionDone)
        assert client.calls == ["started", "build", "lost"]
    assert factory.built == [None, None]
    runUntil(reactor, port.stopListening())


def test_client_build_protocol_returning_none(reactor: Any) -> None:
    """A client factory refusing the connection closes it: clientConnectionLost follows."""
    port = reactor.listenTCP(0, Collecting(), interface="127.0.0.1")

    class NoThanks(Client):
        def buildProtocol(self, addr: Any) -> Any:
            self.calls.append("build")
            return None

    client = NoThanks()
    reactor.connectTCP("127.0.0.1", port.getHost().port, client)
    assert runUntil(reactor, client.lostConn).check(error.ConnectionDone)
    assert client.calls == ["started", "build", "lost"]
    runUntil(reactor, port.stopListening())


def test_socket_options(reactor: Any) -> None:
    """TCP_NODELAY is on by default; both options can be switched."""
    port, server, client = connectPair(reactor)
    transport = client.transport
    assert transport.getTcpNoDelay() is True
    transport.setTcpNoDelay(False)
    assert transport.getTcpNoDelay() is False
    assert transport.getTcpKeepAlive() is False
    transport.setTcpKeepAlive(True)
    assert transport.getTcpKeepAlive() is True
    assert transport.getHandle().fileno() == transport.fileno()
    transport.loseConnection()
    runUntil(reactor, gatherResults([client.lost, server.lost]))
    runUntil(reactor, port.stopListening())


def test_pause_reading_keeps_data_and_close(reactor: Any) -> None:
    """No dataReceived while paused; after resume all data, then the close sent meanwhile."""
    port, server, client = connectPair(reactor)
    for _ in range(10):
        server.transport.pauseProducing()
    payload = b"p" * 100 * 1024
    client.transport.write(payload)
    client.transport.loseConnection()
    runUntil(reactor, client.lost)  # The client has sent everything and closed.
    assert server.events == ["made"]
    for _ in range(10):
        server.transport.resumeProducing()
    assert runUntil(reactor, server.lost).check(error.ConnectionDone)
    assert bytes(server.received) == payload
    server.transport.resumeProducing()  # After the close: no new reader.
    assert server.transport not in reactor.getReaders()
    runUntil(reactor, port.stopListening())


def test_connection_lost_once_at_shutdown(reactor: Any) -> None:
    """A reactor stop disconnects open connections once, with ConnectionLost."""
    port, server, client = connectPair(reactor)
    done: Deferred[None] = Deferred()
    reactor.callLater(0, reactor.stop)
    reactor.addSystemEventTrigger("after", "shutdown", done.callback, None)
    reactor.run(installSignalHandlers=False)
    assert done.called
    assert server.events == client.events == ["made", "lost"]
    assert server.reason.check(error.ConnectionLost)
    assert not port.connected


class RaisingOnLost(Recorder):
    def connectionLost(self, reason: Failure = connectionDone) -> None:
        super().connectionLost(reason)
        raise ZeroDivisionError("lost")


def test_bad_connection_lost_does_not_block_shutdown(
    reactor: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """10 connections, 3 of whose connectionLost raise: stop() still reaches all 10."""
    factory = Collecting()
    port = reactor.listenTCP(0, factory, interface="127.0.0.1")
    clients = []
    for i in range(10):
        factory.protocol = RaisingOnLost if i % 3 == 0 and i else Recorder
        client = Client()
        reactor.connectTCP("127.0.0.1", port.getHost().port, client)
        clients.append(runUntil(reactor, client.first))
    runUntil(reactor, gatherResults([proto.made for proto in factory.built]))
    assert len(factory.built) == 10
    reactor.callLater(0, reactor.stop)
    reactor.run(installSignalHandlers=False)
    assert all(proto.events[-1] == "lost" for proto in factory.built + clients)
    assert all(proto.reason.check(error.ConnectionLost) for proto in factory.built)
    errors = [r for r in caplog.records if r.exc_info and r.exc_info[0] is ZeroDivisionError]
    assert len(errors) == 3
    assert not port.connected and not reactor.getReaders() and not reactor.getWriters()


def test_numeric_only_flags_resolve_literals_and_refuse_names() -> None:
    """``tcp._NUMERIC_ONLY``: Twisted's getaddrinfo flags that never ask DNS or services."""
    [(_, _, _, _, sockaddr)] = socket.getaddrinfo(
        "::1", 80, socket.AF_INET6, socket.SOCK_STREAM, 0, _NUMERIC_ONLY
    )
    assert sockaddr[:2] == ("::1", 80)
    with pytest.raises(socket.gaierror):
        socket.getaddrinfo("localhost", 80, 0, 0, 0, _NUMERIC_ONLY)
    with pytest.raises(socket.gaierror):
        socket.getaddrinfo("127.0.0.1", "http", 0, 0, 0, _NUMERIC_ONLY)
