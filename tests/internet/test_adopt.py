"""IReactorSocket: the reactors take over listening, connected and datagram sockets."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any

import pytest

from tests.internet._tcphelpers import Collecting, Recorder, needsIPv6, runUntil
from torsion.internet import error
from torsion.internet.address import IPv4Address, IPv6Address, UNIXAddress
from torsion.internet.interfaces import IReactorSocket
from torsion.internet.protocol import DatagramProtocol, Factory


def _listening(family: int, address: Any) -> socket.socket:
    skt = socket.socket(family, socket.SOCK_STREAM)
    skt.bind(address)
    skt.listen(5)
    skt.setblocking(False)
    return skt


def test_reactors_provide_the_interface(reactor: Any) -> None:
    """Every reactor is an IReactorSocket."""
    assert IReactorSocket.providedBy(reactor)


@pytest.mark.parametrize(
    ("family", "address", "addressType"),
    [
        (socket.AF_INET, ("127.0.0.1", 0), IPv4Address),
        pytest.param(socket.AF_INET6, ("::1", 0), IPv6Address, marks=needsIPv6),
    ],
)
def test_adopt_stream_port(reactor: Any, family: int, address: Any, addressType: type) -> None:
    """A listening TCP socket accepts for the factory; the caller's descriptor stays its own."""
    mine = _listening(family, address)
    factory = Collecting()
    port = reactor.adoptStreamPort(mine.fileno(), family, factory)
    number = mine.getsockname()[1]
    mine.close()  # The reactor has a duplicate.
    assert port.getHost() == addressType("TCP", address[0], number)
    with socket.create_connection((address[0], number)) as client:
        server = runUntil(reactor, factory.first)
        runUntil(reactor, server.made)
        client.sendall(b"hi")
        server.expect = 2
        assert runUntil(reactor, server.enough) == b"hi"
    runUntil(reactor, server.lost)
    runUntil(reactor, port.stopListening())


def test_adopt_unix_stream_port(reactor: Any, tmp_path: Path) -> None:
    """A listening UNIX socket too; closing the port leaves its file alone (not the port's)."""
    path = str(tmp_path / "s")
    mine = _listening(socket.AF_UNIX, path)
    factory = Collecting()
    port = reactor.adoptStreamPort(mine.fileno(), socket.AF_UNIX, factory)
    mine.close()
    assert port.getHost() == UNIXAddress(path)
    with socket.socket(socket.AF_UNIX) as client:
        client.connect(path)
        server = runUntil(reactor, factory.first)
        runUntil(reactor, server.made)
    runUntil(reactor, server.lost)
    runUntil(reactor, port.stopListening())
    assert os.path.exists(path)


def test_adopt_stream_connection(reactor: Any) -> None:
    """A connected socket gets a protocol for its peer and a server transport with no port."""
    listener = _listening(socket.AF_INET, ("127.0.0.1", 0))
    with listener, socket.create_connection(listener.getsockname()) as client:
        accepted, _ = listener.accept()
        with accepted:
            accepted.setblocking(False)
            factory = Collecting()
            transport = reactor.adoptStreamConnection(accepted.fileno(), socket.AF_INET, factory)
        [server] = factory.built
        assert server.transport is transport
        assert server.addr == IPv4Address("TCP", *client.getsockname())
        assert transport.server is None and transport.sessionno == 0
        local = listener.getsockname()[1]
        assert repr(transport) == f"<Recorder #0 on {local}>"
        transport.write(b"from the reactor")
        reactor.iterate(0)
        client.settimeout(5)
        assert client.recv(100) == b"from the reactor"
        transport.loseConnection()
        runUntil(reactor, server.lost)


def test_adopt_stream_connection_refused_by_the_factory(reactor: Any) -> None:
    """A factory returning None: the duplicate is closed, nothing is registered."""

    class Refusing(Factory):
        def buildProtocol(self, addr: Any) -> None:
            return None

    left, right = socket.socketpair()
    with left, right:
        left.setblocking(False)
        assert reactor.adoptStreamConnection(left.fileno(), socket.AF_UNIX, Refusing()) is None
        assert not reactor.getReaders()
        right.settimeout(5)
        assert left.fileno() != -1  # Ours is still open.


def test_adopt_unix_stream_connection(reactor: Any) -> None:
    """A connected UNIX socket (one end of a socketpair) runs a protocol too."""
    left, right = socket.socketpair()
    with left, right:
        left.setblocking(False)
        factory = Factory.forProtocol(Recorder)
        transport = reactor.adoptStreamConnection(left.fileno(), socket.AF_UNIX, factory)
        protocol = transport.protocol
        right.sendall(b"x")
        protocol.expect = 1
        assert runUntil(reactor, protocol.enough) == b"x"
        transport.loseConnection()
        runUntil(reactor, protocol.lost)


def test_adopt_datagram_port(reactor: Any) -> None:
    """A bound UDP socket delivers its datagrams to the protocol."""
    received: list[Any] = []

    class Keeping(DatagramProtocol):
        def datagramReceived(self, datagram: bytes, addr: Any) -> None:
            received.append((datagram, addr))

    mine = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    mine.bind(("127.0.0.1", 0))
    mine.setblocking(False)
    port = reactor.adoptDatagramPort(mine.fileno(), socket.AF_INET, Keeping())
    number = mine.getsockname()[1]
    mine.close()
    assert port.getHost() == IPv4Address("UDP", "127.0.0.1", number)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        sender.sendto(b"datagram", ("127.0.0.1", number))
        while not received:
            reactor.iterate(0.1)
        assert received == [(b"datagram", ("127.0.0.1", sender.getsockname()[1]))]
    runUntil(reactor, port.stopListening())


@pytest.mark.parametrize("method", ["adoptStreamPort", "adoptStreamConnection"])
def test_unsupported_stream_family(reactor: Any, method: str) -> None:
    """Families other than IPv4, IPv6 and UNIX are refused before anything is done."""
    with pytest.raises(error.UnsupportedAddressFamily):
        getattr(reactor, method)(0, socket.AF_APPLETALK, Factory())


def test_unsupported_datagram_family(reactor: Any) -> None:
    """UNIX datagram sockets cannot be adopted."""
    with pytest.raises(error.UnsupportedAddressFamily):
        reactor.adoptDatagramPort(0, socket.AF_UNIX, DatagramProtocol())
