"""What accepted (and connected) TCP sockets look like on every reactor, from connectionMade on.

Ports accept with the socket's raw ``_accept`` and build the socket object themselves (a
subclass with constant ``family``/``type``), and the asyncio transports leave TCP_NODELAY and
the local address to asyncio and to first use; these tests pin what a protocol sees.
"""

from __future__ import annotations

import socket
from typing import Any

import pytest

from tests.internet._tcphelpers import Client, Collecting, Recorder, needsIPv6, runUntil
from torsion.internet.address import IPv4Address, IPv6Address
from torsion.internet.defer import gatherResults


class Inspecting(Recorder):
    """Records, in connectionMade, what the transport says about its socket."""

    def connectionMade(self) -> None:
        transport = self.transport
        handle = transport.getHandle()  # type: ignore[union-attr]
        self.seen = {
            "noDelay": transport.getTcpNoDelay(),  # type: ignore[union-attr]
            "family": handle.family,
            "type": handle.type,
            "host": transport.getHost(),  # type: ignore[union-attr]
            "peer": transport.getPeer(),  # type: ignore[union-attr]
        }
        super().connectionMade()


@pytest.mark.parametrize(
    "interface, family, addressType",
    [
        ("127.0.0.1", socket.AF_INET, IPv4Address),
        pytest.param("::1", socket.AF_INET6, IPv6Address, marks=needsIPv6),
    ],
)
def test_sockets_seen_in_connection_made(
    reactor: Any, interface: str, family: int, addressType: type
) -> None:
    """Both ends: TCP_NODELAY on, the socket's family and type, both addresses, at once."""
    port, server, client = _pair(reactor, interface)
    for side in (server, client):
        seen = side.seen
        assert seen["noDelay"] is True
        assert seen["family"] == family and isinstance(seen["family"], socket.AddressFamily)
        assert seen["type"] == socket.SOCK_STREAM
        assert isinstance(seen["type"], socket.SocketKind)
        assert isinstance(seen["host"], addressType) and isinstance(seen["peer"], addressType)
    assert server.seen["host"] == client.seen["peer"] == port.getHost()
    assert client.seen["host"] == server.seen["peer"]
    assert isinstance(server.transport.getHandle(), socket.socket)
    client.transport.loseConnection()
    runUntil(reactor, gatherResults([client.lost, server.lost]))
    runUntil(reactor, port.stopListening())


def _pair(reactor: Any, interface: str) -> tuple[Any, Any, Any]:
    """Listen on ``interface``, connect to it; return (port, server protocol, client protocol)."""
    server = Collecting(Inspecting)
    port = reactor.listenTCP(0, server, interface=interface)
    client = Client(Inspecting)
    reactor.connectTCP(interface, port.getHost().port, client)
    serverProto = runUntil(reactor, server.first)
    runUntil(reactor, serverProto.made)
    clientProto = runUntil(reactor, client.first)
    runUntil(reactor, clientProto.made)
    return port, serverProto, clientProto
