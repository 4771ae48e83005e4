"""`GAIResolver`: host names resolved with ``getaddrinfo`` in the reactor's thread pool.

The reactors' `IReactorPluggableNameResolver.nameResolver` (Twisted's class of the same name),
and the lookup `torsion.internet.endpoints.ThreadedAddressResolver` runs for `HostnameEndpoint`.
A leaf: it knows the reactor only through its interfaces, and nothing of endpoints.
"""

from __future__ import annotations

import socket
from collections.abc import Sequence
from typing import Literal

from torsion.internet.address import IPv4Address, IPv6Address
from torsion.internet.error import DNSLookupError
from torsion.internet.interfaces import (
    IAddress,
    IHostResolution,
    IReactorThreads,
    IResolutionReceiver,
)
from torsion.internet.threads import deferToThreadPool
from torsion.python.failure import Failure

__all__ = ["GAIResolver", "getaddrinfoAddresses"]

Address = IPv4Address | IPv6Address

_SOCKET_TYPES = {"TCP": socket.SOCK_STREAM, "UDP": socket.SOCK_DGRAM}


def getaddrinfoAddresses(
    host: str,
    port: int,
    family: int = socket.AF_UNSPEC,
    transportSemantics: str = "TCP",
) -> list[Address]:
    """Resolve ``host`` with the system resolver (blocking: run it in a pool thread).

    Raises:
        DNSLookupError: The name does not resolve.
    """
    try:
        infos = socket.getaddrinfo(host, port, family, _SOCKET_TYPES[transportSemantics])
    except (socket.gaierror, UnicodeError) as e:
        raise DNSLookupError(f"{host}: {e}") from e
    kind: Literal["TCP", "UDP"] = "UDP" if transportSemantics == "UDP" else "TCP"
    addresses: list[Address] = []
    for infoFamily, _, _, _, sockaddr in infos:
        if infoFamily == socket.AF_INET6:
            addresses.append(IPv6Address(kind, str(sockaddr[0]), int(sockaddr[1])))
        elif infoFamily == socket.AF_INET:
            addresses.append(IPv4Address(kind, str(sockaddr[0]), int(sockaddr[1])))
    return addresses


class _Resolution:
    """One lookup in progress (`IHostResolution`)."""

    def __init__(self, name: str, receiver: IResolutionReceiver) -> None:
        self.name = name
        self._receiver: IResolutionReceiver | None = receiver

    def cancel(self) -> None:
        """Complete the lookup now; the thread's answer, when it comes, is dropped."""
        receiver, self._receiver = self._receiver, None
        if receiver is not None:
            receiver.resolutionComplete()

    def _deliver(self, outcome: list[Address] | Failure) -> None:
        receiver, self._receiver = self._receiver, None
        if receiver is None:
            return  # cancelled
        if not isinstance(outcome, Failure):
            for address in outcome:
                receiver.addressResolved(address)
        receiver.resolutionComplete()


def _family(addressTypes: Sequence[type[IAddress]] | None) -> int:
    if addressTypes is None:
        return socket.AF_UNSPEC
    ipv4, ipv6 = IPv4Address in addressTypes, IPv6Address in addressTypes
    if ipv4 and not ipv6:
        return socket.AF_INET
    if ipv6 and not ipv4:
        return socket.AF_INET6
    return socket.AF_UNSPEC


class GAIResolver:
    """An `IHostnameResolver` that runs ``getaddrinfo`` in the reactor's thread pool.

    A name that does not resolve is a lookup that completes with no address.

    Args:
        reactor: Whose thread pool runs the lookups, and which thread hears the results.
    """

    def __init__(self, reactor: IReactorThreads) -> None:
        self._reactor = reactor

    def resolveHostName(
        self,
        resolutionReceiver: IResolutionReceiver,
        hostName: str,
        portNumber: int = 0,
        addressTypes: Sequence[type[IAddress]] | None = None,
        transportSemantics: str = "TCP",
    ) -> IHostResolution:
        """Start looking ``hostName`` up in a pool thread (see `IHostnameResolver`)."""
        resolution = _Resolution(hostName, resolutionReceiver)
        resolutionReceiver.resolutionBegan(resolution)
        lookup = deferToThreadPool(
            self._reactor,
            self._reactor.getThreadPool(),
            getaddrinfoAddresses,
            hostName,
            portNumber,
            _family(addressTypes),
            transportSemantics,
        )
        lookup.addBoth(resolution._deliver)
        return resolution
