"""Taking over sockets made elsewhere (Twisted's ``IReactorSocket``): the reactor's side.

A program can hand the reactor a socket it inherited, received over a UNIX socket or made
itself: a listening stream socket (`adoptStreamPort`), a connected one
(`adoptStreamConnection`), or a bound datagram socket (`adoptDatagramPort`). The reactor works
on a duplicate of the descriptor, so the caller keeps (and should close) its own. TCP (IPv4,
IPv6) and UNIX stream sockets, and UDP datagram sockets, can be adopted.
"""

from __future__ import annotations

import os
import socket
from typing import Any

from torsion.internet._transports import udp, unix
from torsion.internet._transports.tcp import Port, streamSocket
from torsion.internet._transports.tcpconnection import makeAddress
from torsion.internet._transports.unixconnection import Server as UNIXServer
from torsion.internet._transports.unixconnection import unixAddress
from torsion.internet.error import UnsupportedAddressFamily
from torsion.internet.interfaces import IReactorTimeAndFDSet
from torsion.internet.protocol import AbstractDatagramProtocol, Factory

__all__ = ["adoptDatagramPort", "adoptStreamConnection", "adoptStreamPort"]

_IP = (socket.AF_INET, socket.AF_INET6)


def adoptStreamPort(
    reactor: IReactorTimeAndFDSet,
    fileDescriptor: int,
    addressFamily: int,
    factory: Factory,
    tcpPortType: type[Port] = Port,
) -> Port | unix.Port:
    """Accept connections for ``factory`` on the listening socket ``fileDescriptor``.

    Args:
        tcpPortType: The TCP port class (the reactor's own, whose connections it runs).

    Raises:
        UnsupportedAddressFamily: Not ``AF_INET``, ``AF_INET6`` or ``AF_UNIX``.
    """
    port: Port | unix.Port
    if addressFamily in _IP:
        port = tcpPortType._fromListeningDescriptor(reactor, fileDescriptor, addressFamily, factory)
    elif addressFamily == socket.AF_UNIX:
        port = unix.Port._fromListeningDescriptor(reactor, fileDescriptor, factory)
    else:
        raise UnsupportedAddressFamily(addressFamily)
    port.startListening()
    return port


def adoptStreamConnection(
    reactor: IReactorTimeAndFDSet,
    fileDescriptor: int,
    addressFamily: int,
    factory: Factory,
    tcpServerType: Any,
) -> Any:
    """Run a protocol of ``factory`` on the connected socket ``fileDescriptor``.

    The connection is a server-side transport with no listening port (``server`` is None,
    ``sessionno`` 0). The factory is asked for a protocol for the peer's address; if it
    returns None, the duplicate is closed at once.

    Args:
        tcpServerType: The TCP server transport class (the reactor's own).

    Returns:
        The transport, or None if the factory refused the connection.

    Raises:
        UnsupportedAddressFamily: Not ``AF_INET``, ``AF_INET6`` or ``AF_UNIX``.
    """
    if addressFamily in _IP:
        skt = streamSocket(addressFamily, os.dup(fileDescriptor))
        peer: Any = makeAddress(skt.getpeername())
        transportType = tcpServerType
    elif addressFamily == socket.AF_UNIX:
        skt = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM, 0, os.dup(fileDescriptor))
        peer = unixAddress(skt.getpeername())
        transportType = UNIXServer
    else:
        raise UnsupportedAddressFamily(addressFamily)
    skt.setblocking(False)
    try:
        protocol = factory.buildProtocol(peer)
    except BaseException:
        skt.close()
        raise
    if protocol is None:
        skt.close()
        return None
    transport = transportType(skt, protocol, peer, None, 0, reactor)
    transport._start()
    return transport


def adoptDatagramPort(
    reactor: IReactorTimeAndFDSet,
    fileDescriptor: int,
    addressFamily: int,
    protocol: AbstractDatagramProtocol,
    maxPacketSize: int = 8192,
) -> udp.Port:
    """Deliver to ``protocol`` the datagrams of the bound UDP socket ``fileDescriptor``.

    Raises:
        UnsupportedAddressFamily: Not ``AF_INET`` or ``AF_INET6``.
    """
    if addressFamily not in _IP:
        raise UnsupportedAddressFamily(addressFamily)
    port = udp.Port._fromListeningDescriptor(
        reactor, fileDescriptor, addressFamily, protocol, maxPacketSize
    )
    port.startListening()
    return port
