"""The transport of a connected TCP socket: `Connection`, and its `Server` and `Client` kinds.

`Connection` is `torsion.internet._transports.connection.SocketConnection` with IPv4/IPv6
addresses and the TCP socket options (`TCPOptions`, shared with the asyncio reactor's TCP
transport). TCP_NODELAY is on from the start (as asyncio does, and unlike Twisted): small writes
leave at once instead of waiting for the peer's acknowledgement; `setTcpNoDelay(False)`
restores Nagle's algorithm.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any, cast

from torsion.internet._literals import isIPv6Literal
from torsion.internet._transports.binding import resolveIPv6
from torsion.internet._transports.connection import READ_SIZE, SocketConnection
from torsion.internet._transports.stream import ClientMixin, ServerMixin
from torsion.internet.address import IPv4Address, IPv6Address
from torsion.internet.interfaces import IReactorTimeAndFDSet

__all__ = [
    "READ_SIZE",
    "Client",
    "ClientAddress",
    "Connection",
    "Server",
    "ServerDescription",
    "TCPOptions",
    "makeAddress",
]

TCPAddress = IPv4Address | IPv6Address


def makeAddress(sockaddr: tuple[Any, ...]) -> TCPAddress:
    """Return the `IPv4Address` or `IPv6Address` (type ``"TCP"``) of a socket address tuple.

    An IPv6 address keeps its flow label and scope; a link-local one names its scope's
    interface in the host too (``fe80::1%eth0``), as Twisted's addresses do.
    """
    if len(sockaddr) == 4:
        host, port, flowInfo, scopeID = sockaddr
        if scopeID and "%" not in host:
            host = socket.getnameinfo(sockaddr, _NUMERIC)[0]
        return IPv6Address("TCP", host, port, flowInfo, scopeID)
    return IPv4Address("TCP", sockaddr[0], sockaddr[1])


_NUMERIC = socket.NI_NUMERICHOST | socket.NI_NUMERICSERV


class ClientAddress:
    """The destination a TCP client transport was asked for, as Twisted's shows it."""

    connector: Any
    protocol: Any

    @property
    def addr(self) -> tuple[Any, ...]:
        """``(host, port)`` as given to ``connectTCP`` (an IPv6 literal: its socket address)."""
        host, port = self.connector.host, self.connector.port
        return resolveIPv6(host, port) if isIPv6Literal(host) else (host, port)

    def __repr__(self) -> str:
        return f"<{self.__class__} to {self.addr} at {id(self):x}>"

    @property
    def logstr(self) -> str:
        """``ProtocolClass,client``: how log lines about the connection start."""
        return f"{type(self.protocol).__name__},client"


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

    def __init__(
        self, skt: socket.socket, protocol: Any, reactor: IReactorTimeAndFDSet | None = None
    ) -> None:
        # None (the default of Twisted's signature) is kept as it is, not replaced by the
        # global reactor: the connection fails on first use without a reactor.
        super().__init__(skt, protocol, cast(IReactorTimeAndFDSet, reactor))
        skt.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class ServerDescription:
    """How Twisted's accepted TCP connections describe themselves: `__repr__` and `logstr`."""

    protocol: Any
    server: Any
    sessionno: int
    _peer: TCPAddress
    getHost: Callable[[], TCPAddress]  # The transport's.

    def __repr__(self) -> str:
        """``<ProtocolClass #sessionno on localPort>``."""
        return f"<{type(self.protocol).__name__} #{self.sessionno} on {self._localPort()}>"

    def _localPort(self) -> int | None:
        if self.server is not None:
            return getattr(self.server, "_realPortNumber", None)
        try:  # Adopted: no port to ask.
            return int(self.getHost().port)
        except OSError:
            return None

    @property
    def logstr(self) -> str:
        """``ProtocolClass,sessionno,peerHost``: how log lines about the connection start."""
        return f"{type(self.protocol).__name__},{self.sessionno},{self._peer.host}"


class Server(ServerDescription, ServerMixin[TCPAddress], Connection):
    """A connection accepted by a listening `torsion.internet.tcp.Port` (see `ServerMixin`)."""


class Client(ClientAddress, ClientMixin[TCPAddress], Connection):
    """A connection made by a `torsion.internet.tcp.Connector` (see `ClientMixin`)."""
