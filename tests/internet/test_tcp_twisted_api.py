"""The parts of Twisted's TCP API that programs (and Twisted's tests) rely on: what ports,
connectors and transports show of themselves, and their FileDescriptor-style methods."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from tests.internet._tcphelpers import Client, Collecting, Recorder, connectPair, runUntil
from torsion.internet import error, tcp
from torsion.internet._transports.tcpconnection import makeAddress
from torsion.internet.address import IPv6Address
from torsion.internet.protocol import Factory


class FakeSocket:
    """Enough of a socket for `tcp.Port.startListening` to fail on."""

    def __init__(self, bindError: OSError | None = None) -> None:
        self.bindError = bindError
        self.closed = False

    def bind(self, address: Any) -> None:
        if self.bindError is not None:
            raise self.bindError

    def close(self) -> None:
        self.closed = True


def test_port_socket_creation_failure() -> None:
    """createInternetSocket failing is a CannotListenError."""
    port = tcp.Port(0, Factory())

    def fail() -> socket.socket:
        raise OSError("no socket for you")

    port.createInternetSocket = fail  # type: ignore[method-assign]
    with pytest.raises(error.CannotListenError):
        port.startListening()


def test_port_bind_failure_closes_the_socket() -> None:
    """A failed bind is a CannotListenError, and the socket made for it is closed."""
    port = tcp.Port(4321, Factory())
    fake = FakeSocket(OSError("in use"))
    port.createInternetSocket = lambda: fake  # type: ignore[assignment,method-assign,return-value]
    with pytest.raises(error.CannotListenError):
        port.startListening()
    assert fake.closed


def test_port_description_and_restart(reactor: Any) -> None:
    """_realPortNumber and repr name the port while listening only; disconnected follows the
    close; a stopped port can listen again."""
    factory = Collecting()
    port = reactor.listenTCP(0, factory, interface="127.0.0.1")
    number = port.getHost().port
    assert port._realPortNumber == number and str(number) in repr(port)
    assert not port.disconnected
    runUntil(reactor, port.stopListening())
    assert port._realPortNumber is None and str(number) not in repr(port)
    assert port.disconnected and not port.disconnecting
    port.startListening()
    assert port.connected and not port.disconnected
    with socket.create_connection(("127.0.0.1", port.getHost().port)):
        server = runUntil(reactor, factory.first)
        runUntil(reactor, server.made)
    runUntil(reactor, server.lost)
    runUntil(reactor, port.stopListening())


def test_server_and_client_descriptions(reactor: Any) -> None:
    """Server: ``<Protocol #n on port>`` (numbered from 0) and its logstr; client: its
    destination, and a logstr once connected."""
    port, server, client = connectPair(reactor)
    number = port.getHost().port
    assert server.transport.sessionno == 0
    assert repr(server.transport) == f"<Recorder #0 on {number}>"
    assert server.transport.logstr == "Recorder,0,127.0.0.1"
    transport = client.transport
    assert transport.addr == ("127.0.0.1", number)
    assert repr(transport) == f"<{type(transport)} to ('127.0.0.1', {number}) at {id(transport):x}>"
    assert transport.logstr == "Recorder,client"
    transport.loseConnection()
    runUntil(reactor, server.lost)
    runUntil(reactor, client.lost)
    runUntil(reactor, port.stopListening())


def test_connecting_socket_is_made_at_once(reactor: Any) -> None:
    """connectTCP makes the attempt's socket before returning; its logstr says so."""
    factory = Collecting()
    port = reactor.listenTCP(0, factory, interface="127.0.0.1")
    client = Client()
    connector = reactor.connectTCP("127.0.0.1", port.getHost().port, client)
    attempt = connector.transport
    assert attempt.logstr == "Uninitialized"
    assert attempt.socket.family == socket.AF_INET and attempt.fileno() == attempt.socket.fileno()
    protocol = runUntil(reactor, client.first)
    runUntil(reactor, protocol.made)
    server = runUntil(reactor, factory.first)
    connector.disconnect()
    runUntil(reactor, server.lost)
    runUntil(reactor, client.lostConn)
    runUntil(reactor, port.stopListening())


def test_bind_failure_is_reported_on_the_next_pass(reactor: Any) -> None:
    """A bind address in use: connectTCP returns, then clientConnectionFailed(ConnectBindError)."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        client = Client()
        reactor.connectTCP("127.0.0.1", 9, client, bindAddress=taken.getsockname())
        assert client.calls == ["started"]
        reason = runUntil(reactor, client.failed)
    assert reason.check(error.ConnectBindError)


def test_stop_and_start_reading(reactor: Any) -> None:
    """stopReading/startReading are pauseProducing/resumeProducing (FileDescriptor's names)."""
    port, server, client = connectPair(reactor)
    server.transport.stopReading()
    assert server.transport not in reactor.getReaders()
    server.transport.startReading()
    assert server.transport in reactor.getReaders()
    client.transport.loseConnection()
    runUntil(reactor, server.lost)
    runUntil(reactor, client.lost)
    runUntil(reactor, port.stopListening())


class PullProducer:
    """Writes nothing when first asked (at registration), then is done for good."""

    def __init__(self, transport: Any) -> None:
        self.transport = transport
        self.calls: list[str] = []

    def resumeProducing(self) -> None:
        self.calls.append("resume")
        if len(self.calls) > 1:
            self.transport.stopConsuming()

    def stopProducing(self) -> None:
        self.calls.append("stop")


def test_pull_producer_after_a_write_that_went_at_once(reactor: Any) -> None:
    """A pull producer registered after writes that all went out is asked again on the next
    pass (where Twisted would still be sending them), and stopConsuming ends the connection."""
    port, server, client = connectPair(reactor)
    client.transport.write(b"first")
    producer = PullProducer(client.transport)
    client.transport.registerProducer(producer, False)
    assert producer.calls == ["resume"]
    runUntil(reactor, client.lost)
    assert producer.calls == ["resume", "resume"]
    assert client.transport.producer is None
    runUntil(reactor, server.lost)
    assert bytes(server.received) == b"first"
    runUntil(reactor, port.stopListening())


class Resetting(Recorder):
    def dataReceived(self, data: bytes) -> None:
        super().dataReceived(data)
        transport: Any = self.transport
        transport.abortConnection()


def test_send_error_is_not_lost_to_a_later_end(reactor: Any) -> None:
    """A write that meets the peer's reset makes the connection lost, not done (the kernel
    reports the reset once, to the send; reads then see an end of stream)."""
    port, server, client = connectPair(reactor, Resetting)
    client.transport.write(b"trigger")
    runUntil(reactor, server.lost)
    client.transport.write(b"after the reset")
    why = runUntil(reactor, client.lost)
    assert why.check(error.ConnectionLost)
    runUntil(reactor, port.stopListening())


def test_tls_attribute_and_optional_reactor() -> None:
    """Connection(skt, protocol) is allowed (no reactor yet); TLS is False before startTLS."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        with socket.create_connection(listener.getsockname()) as skt:
            connection = tcp.Connection(skt, Recorder())
            assert connection.TLS is False
            assert connection.getTcpNoDelay()


def test_ipv6_addresses_keep_flow_and_scope() -> None:
    """An IPv6 socket address becomes an address with its flow label and scope; a scoped one
    names its interface in the host."""
    assert makeAddress(("::1", 80, 3, 0)) == IPv6Address("TCP", "::1", 80, 3, 0)
    index, name = socket.if_nameindex()[0]
    scoped = makeAddress(("fe80::1", 80, 0, index))
    assert scoped == IPv6Address("TCP", f"fe80::1%{name}", 80, 0, index)
