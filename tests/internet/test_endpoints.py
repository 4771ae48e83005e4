"""TCP endpoints and HostnameEndpoint with real sockets, on every reactor."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from tests.internet._tcphelpers import Echo, Recorder, needsIPv6, runUntil
from torsion.internet import error
from torsion.internet.address import IPv4Address
from torsion.internet.defer import gatherResults
from torsion.internet.endpoints import (
    HostnameEndpoint,
    TCP4ClientEndpoint,
    TCP4ServerEndpoint,
    TCP6ClientEndpoint,
    TCP6ServerEndpoint,
    clientFromString,
    connectProtocol,
    serverFromString,
)
from torsion.internet.interfaces import IStreamClientEndpoint, IStreamServerEndpoint
from torsion.internet.protocol import ClientFactory, Factory


class Watching(ClientFactory):
    """A client factory that records the calls the endpoint must not make."""

    protocol = Recorder

    def __init__(self) -> None:
        self.calls: list[str] = []

    def clientConnectionFailed(self, connector: Any, reason: Any) -> None:
        self.calls.append("failed")

    def clientConnectionLost(self, connector: Any, reason: Any) -> None:
        self.calls.append("lost")


def _roundTrip(reactor: Any, server: Any, makeClient: Any) -> None:
    """Listen with ``server``, connect with ``makeClient(port)``, echo, close everything."""
    port = runUntil(reactor, server.listen(Factory.forProtocol(Echo)))
    factory = Watching()
    client = runUntil(reactor, makeClient(port.getHost().port).connect(factory))
    assert isinstance(client, Recorder) and client.events == ["made"]
    client.expect = 2
    assert client.transport is not None
    client.transport.write(b"hi")
    assert runUntil(reactor, client.enough) == b"hi"
    client.transport.loseConnection()
    runUntil(reactor, client.lost)
    runUntil(reactor, port.stopListening())
    assert factory.calls == []  # The wrapper answered for the user's factory.


def test_tcp4_server_and_client(reactor: Any) -> None:
    """TCP4ServerEndpoint listens; TCP4ClientEndpoint fires with the protocol once made."""
    server = TCP4ServerEndpoint(reactor, 0, interface="127.0.0.1")
    assert isinstance(server, IStreamServerEndpoint)
    client = TCP4ClientEndpoint(reactor, "127.0.0.1", 1)
    assert isinstance(client, IStreamClientEndpoint)
    _roundTrip(reactor, server, lambda p: TCP4ClientEndpoint(reactor, "127.0.0.1", p))


@needsIPv6
def test_tcp6_server_and_client(reactor: Any) -> None:
    """The same over ::1."""
    server = TCP6ServerEndpoint(reactor, 0, interface="::1")
    _roundTrip(reactor, server, lambda p: TCP6ClientEndpoint(reactor, "::1", p))


def test_from_strings(reactor: Any) -> None:
    """serverFromString and clientFromString endpoints work end to end."""
    server = serverFromString(reactor, "tcp:0:interface=127.0.0.1")
    _roundTrip(reactor, server, lambda p: clientFromString(reactor, f"tcp:127.0.0.1:{p}"))


def test_hostname_endpoint_localhost(reactor: Any) -> None:
    """HostnameEndpoint('localhost') finds the IPv4 listener (an IPv6 attempt is refused)."""
    server = TCP4ServerEndpoint(reactor, 0, interface="127.0.0.1")
    _roundTrip(reactor, server, lambda p: HostnameEndpoint(reactor, b"localhost", p))


def test_listen_failure(reactor: Any) -> None:
    """Listening on a port in use fails with CannotListenError."""
    port = runUntil(reactor, TCP4ServerEndpoint(reactor, 0, interface="127.0.0.1").listen(_echo()))
    taken = TCP4ServerEndpoint(reactor, port.getHost().port, interface="127.0.0.1")
    with pytest.raises(error.CannotListenError):
        runUntil(reactor, taken.listen(Factory.forProtocol(Echo)))
    runUntil(reactor, port.stopListening())


def _echo() -> Factory:
    return Factory.forProtocol(Echo)


def _closedPort() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("kind", [TCP4ClientEndpoint, HostnameEndpoint])
def test_connection_refused(reactor: Any, kind: Any) -> None:
    """Connecting to a closed port fails with ConnectionRefusedError; no factory callbacks."""
    factory = Watching()
    with pytest.raises(error.ConnectionRefusedError):
        runUntil(reactor, kind(reactor, "127.0.0.1", _closedPort()).connect(factory))
    assert factory.calls == []


@pytest.mark.parametrize("kind", [TCP4ClientEndpoint, HostnameEndpoint])
def test_dns_failure(reactor: Any, kind: Any) -> None:
    """A name under .invalid (RFC 6761) never resolves: DNSLookupError."""
    with pytest.raises(error.DNSLookupError):
        runUntil(reactor, kind(reactor, "no-such-host.invalid", 80).connect(Watching()))


def test_cancel_while_connecting(reactor: Any) -> None:
    """Cancelling before the connection completes fails with ConnectingCancelledError."""
    port = runUntil(reactor, TCP4ServerEndpoint(reactor, 0, interface="127.0.0.1").listen(_echo()))
    factory = Watching()
    d = TCP4ClientEndpoint(reactor, "127.0.0.1", port.getHost().port).connect(factory)
    d.cancel()
    with pytest.raises(error.ConnectingCancelledError) as info:
        runUntil(reactor, d)
    assert isinstance(info.value.address, IPv4Address)  # the connector's destination
    assert info.value.address.port == port.getHost().port
    assert factory.calls == []
    runUntil(reactor, port.stopListening())


def test_connect_protocol(reactor: Any) -> None:
    """connectProtocol connects one given protocol instance and fires with it."""
    port = runUntil(reactor, TCP4ServerEndpoint(reactor, 0, interface="127.0.0.1").listen(_echo()))
    endpoint = TCP4ClientEndpoint(reactor, "127.0.0.1", port.getHost().port)
    proto = Recorder()
    assert runUntil(reactor, connectProtocol(endpoint, proto)) is proto
    assert proto.events == ["made"]
    assert proto.transport is not None
    proto.transport.loseConnection()
    runUntil(reactor, gatherResults([proto.lost, port.stopListening()]))
