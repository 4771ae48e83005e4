"""Where a TCP socket binds, and IPv6 literals as socket addresses.

`makeBinding` describes a local address with its socket options (``SO_REUSEADDR``,
``SO_REUSEPORT``): ``listenTCP`` takes one in place of a port number, ``connectTCP`` in place
of a ``(host, port)`` bind address. `resolveIPv6` turns an IPv6 literal into the 4-tuple
``connect`` and ``bind`` need, with the scope of a link-local address (``fe80::1%eth0``)
as its number.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import Any, NewType

from torsion.internet._literals import isIPv6Literal

__all__ = [
    "NUMERIC_ONLY",
    "Binding",
    "_Binding",
    "applyReuse",
    "bindLocal",
    "connectAddress",
    "listenBinding",
    "makeBinding",
    "resolveIPv6",
    "socketAddress",
]

NUMERIC_ONLY = socket.AI_NUMERICHOST | socket.AI_NUMERICSERV
"""``getaddrinfo`` flags that accept a numeric host and port only: never a DNS or services
lookup, so resolving cannot block."""


@dataclass(frozen=True)
class _Binding:
    """A local address and how to bind it (made by `makeBinding`; its fields are private).

    ``_address`` None or ``""`` means every IPv4 interface.
    """

    _address: str | None = None
    _port: int = 0
    _reuseAddress: bool = False
    _reusePort: bool = False


Binding = NewType("Binding", _Binding)
"""What `makeBinding` returns: the type to annotate with."""


def makeBinding(
    interface: str = "", port: int = 0, reuseAddress: bool = False, reusePort: bool = False
) -> Binding:
    """Describe a local address to bind: ``interface`` and ``port``, and the socket options.

    Args:
        interface: An IPv4 or IPv6 literal; ``""`` is every IPv4 interface.
        port: The port number (0: any free one).
        reuseAddress: Set ``SO_REUSEADDR`` (bind although a closed connection lingers).
        reusePort: Set ``SO_REUSEPORT`` (several sockets share the port; POSIX only).
    """
    return Binding(_Binding(interface, port, reuseAddress, reusePort))


def listenBinding(port: int | _Binding, interface: str) -> _Binding:
    """The binding of a listening port given a port number or a `makeBinding`.

    A port number binds ``interface`` with ``SO_REUSEADDR`` (a restarted server can listen
    again while connections of the old one linger).

    Raises:
        ValueError: A binding and an ``interface`` other than ``""`` and its own were given.
    """
    if not isinstance(port, _Binding):
        return _Binding(interface, port, _reuseAddress=True)
    if interface and port._address != interface:
        raise ValueError(
            f"Inconsistent interface vs Binding specifiers: {interface!r}, {port._address!r}"
        )
    return port


def bindLocal(skt: socket.socket, bindAddress: _Binding | tuple[str, int]) -> None:
    """Bind the not yet connected ``skt`` to ``bindAddress`` (a binding or a ``(host, port)``).

    A ``(host, port)`` sets no socket option (Twisted's ``connectTCP`` never did).

    Raises:
        OSError: Setting an option or binding failed.
    """
    binding = bindAddress if isinstance(bindAddress, _Binding) else _Binding(*bindAddress)
    applyReuse(skt, binding)
    skt.bind(socketAddress(binding._address or "", binding._port))


def socketAddress(host: str, port: int) -> tuple[Any, ...]:
    """The address ``bind`` takes for IP literal ``host`` (``""``: every IPv4 interface).

    Raises:
        socket.gaierror: An IPv6 ``host`` with a scope naming no interface.
    """
    if isIPv6Literal(host):
        return resolveIPv6(host, port)
    return (host, port)


def connectAddress(host: str, port: int) -> tuple[Any, ...]:
    """The address ``connect`` takes for IP literal ``host``.

    An IPv6 one is `resolveIPv6`'s, its host written back in the canonical form that
    ``getnameinfo`` gives (with the scope's interface name), as the peer's address will be.

    Raises:
        socket.gaierror: The scope names no interface, or ``port`` is negative.
    """
    if not isIPv6Literal(host):
        return (host, port)
    address = resolveIPv6(host, port)
    name = socket.getnameinfo(address, socket.NI_NUMERICHOST | socket.NI_NUMERICSERV)[0]
    return (name, *address[1:])


def applyReuse(skt: socket.socket, binding: _Binding) -> None:
    """Set on ``skt`` the ``SO_REUSEADDR`` and ``SO_REUSEPORT`` that ``binding`` asks for."""
    if binding._reuseAddress:
        skt.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if binding._reusePort:
        skt.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)


def resolveIPv6(ip: str, port: int | str) -> tuple[Any, ...]:
    """The socket address ``(host, port, flowinfo, scope_id)`` of IPv6 literal ``ip``.

    ``port`` is kept as given, even outside 0-65535, so that an error about it names the
    number asked for (``getaddrinfo`` would wrap it, or refuse a negative one).

    Raises:
        socket.gaierror: ``ip`` or ``port`` is not numeric (``EAI_NONAME``): nothing is looked
            up.
    """
    asked = 1 if isinstance(port, int) else port
    resolved: tuple[Any, ...] = socket.getaddrinfo(ip, asked, 0, 0, 0, NUMERIC_ONLY)[0][4]
    return (resolved[0], port, resolved[2], resolved[3])
