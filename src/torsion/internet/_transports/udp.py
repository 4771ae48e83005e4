"""UDP and multicast ports.

The public module is ``torsion.internet.udp``; its docstring describes the behaviour.
"""

from __future__ import annotations

import errno
import os
import socket
import struct
from typing import Any, cast

from torsion.internet._transports.datagram import DatagramPort
from torsion.internet.address import IPv4Address, IPv6Address
from torsion.internet.defer import Deferred, succeed
from torsion.internet.error import CannotListenError, InvalidAddressError, MulticastJoinError
from torsion.internet.interfaces import IReactorCore, IReactorTimeAndFDSet
from torsion.internet.protocol import AbstractDatagramProtocol
from torsion.python import log

__all__ = ["MulticastPort", "Port"]


def _family(host: str) -> socket.AddressFamily | None:
    """Return the address family of IP literal ``host``, or None if it is not one."""
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.inet_pton(family, host.split("%", 1)[0] if family == socket.AF_INET6 else host)
        except (OSError, ValueError):
            continue
        return family
    return None


class Port(DatagramPort):
    """A UDP socket bound to ``interface``:``port``, delivering datagrams to a protocol.

    Attributes:
        port: The port number asked for (0: any free one).
        interface: The address bound ('' for all IPv4 interfaces; an IPv6 literal such as
            ``"::1"`` or ``"::"`` makes an IPv6 port).
        addressFamily: ``AF_INET`` or ``AF_INET6``.
    """

    def __init__(
        self,
        port: int,
        proto: AbstractDatagramProtocol,
        interface: str = "",
        maxPacketSize: int = 8192,
        reactor: IReactorTimeAndFDSet | None = None,
    ) -> None:
        super().__init__(proto, maxPacketSize, reactor)
        self.port = port
        self.interface = interface
        family = _family(interface) if interface else socket.AF_INET
        if family is None:
            raise InvalidAddressError(interface, "not an IPv4 or IPv6 address")
        self.addressFamily = family
        self._address: IPv4Address | IPv6Address | None = None
        self._adopted: socket.socket | None = None  # Bound already: see the classmethod.

    def _createSocket(self) -> socket.socket:
        return socket.socket(self.addressFamily, socket.SOCK_DGRAM)

    def startListening(self) -> None:
        """Bind the socket, attach the protocol (``startProtocol``) and start reading.

        Raises:
            CannotListenError: Binding failed (the port is in use, say).
        """
        skt, self._adopted = self._adopted, None
        if skt is None:
            skt = self._bind()
        host, port = skt.getsockname()[:2]
        if self.addressFamily == socket.AF_INET6:
            self._address = IPv6Address("UDP", host, port)
        else:
            self._address = IPv4Address("UDP", host, port)
        # A legacy event, as in Twisted, whose tests read its "message".
        log.msg(
            f"{self._protocolPrefix()} starting on {port}", log_namespace="torsion.internet.udp"
        )
        self._start(skt)

    def _bind(self) -> socket.socket:
        skt = self._createSocket()
        try:
            skt.bind((self.interface, self.port))
        except OSError as e:
            skt.close()
            raise CannotListenError(self.interface, self.port, e) from e
        return skt

    @classmethod
    def _fromListeningDescriptor(
        cls,
        reactor: IReactorTimeAndFDSet,
        fd: int,
        addressFamily: int,
        protocol: AbstractDatagramProtocol,
        maxPacketSize: int = 8192,
    ) -> Port:
        """A port (not started yet) on a duplicate of the bound datagram socket ``fd``.

        ``startListening`` then does not bind; the caller keeps its own ``fd``.
        """
        skt = socket.socket(addressFamily, socket.SOCK_DGRAM, 0, os.dup(fd))
        host, number = skt.getsockname()[:2]
        port = cls(number, protocol, host, maxPacketSize, reactor)
        port._adopted = skt
        return port

    def getHost(self) -> IPv4Address | IPv6Address:
        """Return the address bound, with the real port number (also after port 0).

        Raises:
            RuntimeError: The port was never bound.
        """
        if self._address is None:
            raise RuntimeError("the port is not listening")
        return self._address

    @property
    def _realPortNumber(self) -> int | None:
        """The port number bound (the real one after port 0), or None before listening.

        Twisted's private name, which its tests read."""
        return self._address.port if self._address is not None else None

    def _where(self) -> str:
        return str(self._address.port) if self._address is not None else "?"

    def _deliver(self, data: bytes, addr: Any) -> None:
        # IPv6 addresses come as (host, port, flowinfo, scopeid): hand over (host, port).
        self.protocol.datagramReceived(data, addr[:2] if len(addr) > 2 else addr)

    def write(self, datagram: bytes, addr: tuple[str, int] | None = None) -> None:
        """Send one datagram to ``addr``, an ``(IP address, port)`` pair.

        ``addr`` may be omitted (or be the peer) once `connect` was called. A datagram the
        kernel cannot queue now is dropped, as the network might drop it.

        Raises:
            MessageLengthError: Too long to send; the port keeps working.
            InvalidAddressError: ``addr`` is missing, a host name, of the other address family,
                or not the connected peer.
        """
        if self._peer is not None:
            if addr is not None and tuple(addr) != self._peer:
                raise InvalidAddressError(addr, f"the port is connected to {self._peer}")
            self._send(datagram, None)
            return
        if addr is None:
            raise InvalidAddressError(addr, "write() needs an address unless connected")
        self._checkHost(addr[0], "write() only accepts IP addresses, not host names")
        self._send(datagram, addr)

    def writeSequence(self, seq: Any, addr: tuple[str, int] | None = None) -> None:
        """Send the concatenation of the bytes in ``seq`` as one datagram (see `write`)."""
        self.write(b"".join(seq), addr)

    def _checkHost(self, host: str, nameMessage: str) -> None:
        """Raise `InvalidAddressError` unless ``host`` suits this port's address family."""
        family = _family(host)
        if host == "<broadcast>" and self.addressFamily == socket.AF_INET:
            return
        if family is None:
            raise InvalidAddressError(host, nameMessage)
        if family != self.addressFamily:
            kind = "IPv6" if self.addressFamily == socket.AF_INET6 else "IPv4"
            raise InvalidAddressError(host, f"not an address of this {kind} port")

    def connect(self, host: str, port: int) -> None:
        """Exchange datagrams with ``host``:``port`` only: `write` needs no address then, and
        the protocol's ``connectionRefused`` hears of ICMP "port unreachable" reports.

        Raises:
            InvalidAddressError: ``host`` is not an IP address (or of the other family).
            RuntimeError: Already connected (reconnecting is not supported, as in Twisted).
        """
        if self._peer is not None:
            raise RuntimeError("already connected, reconnecting is not currently supported")
        self._checkHost(host, "not an IPv4 or IPv6 address")
        self.getHandle().connect((host, port))
        self._peer = (host, port)

    def setBroadcastAllowed(self, enabled: bool) -> None:
        """Allow or forbid sending to broadcast addresses (SO_BROADCAST; off by default)."""
        self.getHandle().setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, bool(enabled))

    def getBroadcastAllowed(self) -> bool:
        """Return whether this port may send to broadcast addresses."""
        return bool(self.getHandle().getsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST))


class MulticastPort(Port):
    """A UDP port that can join multicast groups and send to them.

    IPv4 interfaces are given by address (``"127.0.0.1"``); for an IPv6 port, the interface
    of `joinGroup` is a name (``"lo"``) or an index, and `setOutgoingInterface` takes an index,
    as in Twisted.

    Attributes:
        listenMultiple: Whether several sockets may bind the same port (SO_REUSEADDR and,
            where available, SO_REUSEPORT), so several programs on a host hear a group.
    """

    def __init__(
        self,
        port: int,
        proto: AbstractDatagramProtocol,
        interface: str = "",
        maxPacketSize: int = 8192,
        reactor: IReactorTimeAndFDSet | None = None,
        listenMultiple: bool = False,
    ) -> None:
        super().__init__(port, proto, interface, maxPacketSize, reactor)
        self.listenMultiple = listenMultiple

    def _createSocket(self) -> socket.socket:
        skt = super()._createSocket()
        if self.listenMultiple:
            skt.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if hasattr(socket, "SO_REUSEPORT"):
                try:
                    skt.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
                except OSError as e:  # defined but unsupported (old kernels)
                    if e.errno != errno.ENOPROTOOPT:
                        skt.close()
                        raise
        return skt

    @property
    def _v6(self) -> bool:
        return self.addressFamily == socket.AF_INET6

    def _option(self, v4: int, v6: int) -> tuple[int, int]:
        """The (level, option) pair of a multicast socket option for this family."""
        return (socket.IPPROTO_IPV6, v6) if self._v6 else (socket.IPPROTO_IP, v4)

    def getOutgoingInterface(self) -> str | int:
        """Return the address (IPv4) or index (IPv6) multicast datagrams are sent from."""
        level, name = self._option(socket.IP_MULTICAST_IF, socket.IPV6_MULTICAST_IF)
        if self._v6:
            return self.getHandle().getsockopt(level, name)
        return socket.inet_ntoa(self.getHandle().getsockopt(level, name, 4))

    def setOutgoingInterface(self, addr: str | int) -> Deferred[int]:
        """Send multicast datagrams from interface ``addr``: for IPv4 an address or a host
        name (looked up with the reactor's ``resolve``, as in Twisted), for IPv6 an index.

        Returns:
            A Deferred that fires with 1 once set (Twisted's value), or fails if the name
            does not resolve.
        """
        if self._v6:
            return succeed(self._setOutgoingInterface(int(addr)))
        host = str(addr)
        if _family(host) == socket.AF_INET:
            return succeed(self._setOutgoingInterface(self._pack(host)))
        lookup = cast(IReactorCore, self.reactor).resolve(host)
        return lookup.addCallback(lambda address: self._setOutgoingInterface(self._pack(address)))

    def _setOutgoingInterface(self, value: bytes | int) -> int:
        level, name = self._option(socket.IP_MULTICAST_IF, socket.IPV6_MULTICAST_IF)
        self.getHandle().setsockopt(level, name, value)
        return 1

    def getLoopbackMode(self) -> bool:
        """Return whether our own multicast datagrams come back to this host (default: yes)."""
        level, name = self._option(socket.IP_MULTICAST_LOOP, socket.IPV6_MULTICAST_LOOP)
        return bool(self.getHandle().getsockopt(level, name))

    def setLoopbackMode(self, mode: int) -> None:
        """Deliver (true) or do not deliver our own multicast datagrams to this host."""
        level, name = self._option(socket.IP_MULTICAST_LOOP, socket.IPV6_MULTICAST_LOOP)
        self.getHandle().setsockopt(level, name, int(bool(mode)))

    def getTTL(self) -> int:
        """Return the time to live (IPv6: hop limit) of multicast datagrams sent."""
        level, name = self._option(socket.IP_MULTICAST_TTL, socket.IPV6_MULTICAST_HOPS)
        return self.getHandle().getsockopt(level, name)

    def setTTL(self, ttl: int) -> None:
        """Set the time to live (IPv6: hop limit) of multicast datagrams sent (default 1)."""
        level, name = self._option(socket.IP_MULTICAST_TTL, socket.IPV6_MULTICAST_HOPS)
        self.getHandle().setsockopt(level, name, ttl)

    def joinGroup(self, addr: str, interface: str = "") -> Deferred[None]:
        """Join multicast group ``addr`` on ``interface`` ('' : the kernel's choice).

        Returns:
            A Deferred that fires with None once joined, or fails with `MulticastJoinError`
            (for example for an address that is not a multicast group).
        """
        return self._joinOrLeave(addr, interface, join=True)

    def leaveGroup(self, addr: str, interface: str = "") -> Deferred[None]:
        """Leave multicast group ``addr`` on ``interface`` (see `joinGroup`)."""
        return self._joinOrLeave(addr, interface, join=False)

    def _joinOrLeave(self, addr: str, interface: str, join: bool) -> Deferred[None]:
        if self._v6:
            option = socket.IPV6_JOIN_GROUP if join else socket.IPV6_LEAVE_GROUP
        else:
            option = socket.IP_ADD_MEMBERSHIP if join else socket.IP_DROP_MEMBERSHIP
        level = socket.IPPROTO_IPV6 if self._v6 else socket.IPPROTO_IP
        try:
            request = self._pack(addr) + self._packInterface(interface)
            self.getHandle().setsockopt(level, option, request)
        except (OSError, ValueError) as e:
            d: Deferred[None] = Deferred()
            d.errback(MulticastJoinError(addr, interface, e))
            return d
        return succeed(None)

    def _pack(self, address: str) -> bytes:
        """``address`` (an IP literal of this port's family) as the kernel wants it."""
        return socket.inet_pton(self.addressFamily, address)

    def _packInterface(self, interface: str) -> bytes:
        if not self._v6:
            return self._pack(interface or "0.0.0.0")
        if not interface:
            return struct.pack("@I", 0)
        index = int(interface) if interface.isdigit() else socket.if_nametoindex(interface)
        return struct.pack("@I", index)
