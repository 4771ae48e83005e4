"""Addresses of the endpoints of connections (Twisted's ``address`` module).

Each is a frozen dataclass: compared and hashed by value, as Twisted's ``attrs`` classes are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["HostnameAddress", "IPv4Address", "IPv6Address", "UNIXAddress"]


@dataclass(frozen=True, slots=True)
class IPv4Address:
    """An IPv4 socket endpoint.

    Attributes:
        type: ``"TCP"`` or ``"UDP"``.
        host: The dotted-quad address (``"127.0.0.1"``).
        port: The port number.
    """

    type: Literal["TCP", "UDP"]
    host: str
    port: int


@dataclass(frozen=True, slots=True)
class IPv6Address:
    """An IPv6 socket endpoint.

    Attributes:
        type: ``"TCP"`` or ``"UDP"``.
        host: The textual address (``"::1"``), with ``%scope`` for link-local ones.
        port: The port number.
        flowInfo: The IPv6 flow label.
        scopeID: The IPv6 scope id (the interface of a link-local address).
    """

    type: Literal["TCP", "UDP"]
    host: str
    port: int
    flowInfo: int = 0
    scopeID: int | str = 0


@dataclass(frozen=True, slots=True)
class UNIXAddress:
    """A UNIX socket endpoint.

    Attributes:
        name: The socket's path, or None for an unbound socket.
    """

    name: bytes | str | None


@dataclass(frozen=True, slots=True)
class HostnameAddress:
    """A host name and port, as given before resolution (used by endpoints).

    Attributes:
        hostname: The host name, as bytes (as in Twisted).
        port: The port number.
    """

    hostname: bytes
    port: int
