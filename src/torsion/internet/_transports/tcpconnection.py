"""The transport of a connected TCP socket: `Connection`, and its `Server` and `Client` kinds.

`Connection` is `torsion.internet._transports.connection.SocketConnection` with IPv4/IPv6
addresses and the TCP socket options (`TCPOptions`, shared with the asyncio reactor's TCP
transport). TCP_NODELAY is on from the start (as asyncio does, and unlike Twisted): small writes
leave at once instead of waiting for the peer's acknowledgement; `setTcpNoDelay(False)`
restores Nagle's algorithm.
"""

from __future__ import annotations

import socket
from typing import Any

from torsion.internet._transports.connection import READ_SIZE, SocketConnection
from torsion.internet._transports.stream import ClientMixin, ServerMixin
from torsion.internet.address import IPv4Address, IPv6Address
from torsion.internet.interfaces import IReactorTimeAndFDSet

__all__ = ["READ_SIZE", "Client", "Connection", "Server", "TCPOptions", "makeAddress"]

TCPAddress = IPv4Address | IPv6Address


def makeAddress(sockaddr: tuple[Any, ...]) -> TCPAddress:
    """Return the `IPv4Address` or `IPv6Address` (type ``"TCP"``) of a socket address tuple."""
    if len(sockaddr) == 4:
        return IPv6Address("TCP", sockaddr[0], sockaddr[1])
    return IPv4Address("TCP", sockaddr[0], sockaddr[1])


class TCPOptions:
    """The TCP socket options of Twisted's ``ITCPTransport``, for a transport with a `socket`."""

    socket: socket.socket

    def getTcpNoDelay(self) -> bool:
        """Return whether TCP_NODELAY is on (it is by default)."""
        return bool(self.socket.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

    def setTcpNoDelay(self, enabled: bool) -> None:
        """Turn TCP_NODELAY (no Nagle delay for small writes) on or off."""
        self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, enabled)

    def getTcpKeepAlive(self) -> bool:
        """Return whether SO_KEEPALIVE is on."""
        return bool(self.socket.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE))

    def setTcpKeepAlive(self, enabled: bool) -> None:
        """Turn SO_KEEPALIVE on or off."""
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, enabled)


class Connection(TCPOptions, SocketConnection[TCPAddress]):
    """A connected TCP socket (see `SocketConnection` for how data moves and how it closes)."""

    _makeAddress = staticmethod(makeAddress)

    def __init__(self, skt: socket.socket, protocol: Any, reactor: IReactorTimeAndFDSet) -> None:
        super().__init__(skt, protocol, reactor)
        skt.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class Server(ServerMixin[TCPAddress], Connection):
    """A connection accepted by a listening `torsion.internet.tcp.Port` (see `ServerMixin`)."""


class Client(ClientMixin[TCPAddress], Connection):
    """A connection made by a `torsion.internet.tcp.Connector` (see `ClientMixin`)."""
