"""Host names to addresses for the endpoints: `IAddressResolver` and its threaded default.

A leaf of the endpoints: the TCP endpoints and `HostnameEndpoint` both use it, and it uses
neither.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from torsion.internet._reactors.resolver import getaddrinfoAddresses
from torsion.internet.address import IPv4Address, IPv6Address
from torsion.internet.defer import Deferred
from torsion.internet.error import DNSLookupError
from torsion.internet.interfaces import IReactorThreads
from torsion.internet.threads import deferToThreadPool
from torsion.python.failure import Failure

__all__ = ["Address", "IAddressResolver", "ThreadedAddressResolver", "firstIPv6"]

Address = IPv4Address | IPv6Address


class IAddressResolver(Protocol):
    """Turns a host name into the addresses to try (the pluggable part of `HostnameEndpoint`)."""

    def resolveHostName(self, host: str, port: int) -> Deferred[Sequence[Address]]:
        """Look up ``host``; fire with its TCP addresses (with ``port``) in preference order.

        An empty result, or a failure with `DNSLookupError`, means the name does not resolve.
        Cancelling the Deferred abandons the lookup.
        """
        ...


def _getaddrinfo(host: str, port: int) -> list[Address]:
    """Resolve ``host`` with the system resolver (blocking: runs in a pool thread)."""
    return getaddrinfoAddresses(host, port)


class ThreadedAddressResolver:
    """Resolves with ``getaddrinfo`` in the reactor's thread pool (the default resolver).

    Args:
        reactor: Whose thread pool runs the lookups.
    """

    def __init__(self, reactor: IReactorThreads) -> None:
        self._reactor = reactor

    def resolveHostName(self, host: str, port: int) -> Deferred[Sequence[Address]]:
        """Look ``host`` up in a pool thread (see `IAddressResolver`)."""
        result: Deferred[Sequence[Address]] = Deferred()
        lookup = deferToThreadPool(
            self._reactor, self._reactor.getThreadPool(), _getaddrinfo, host, port
        )

        def deliver(outcome: list[Address] | Failure) -> None:
            if result.called:
                return  # Cancelled: the thread cannot be interrupted, its answer is dropped.
            if isinstance(outcome, Failure):
                result.errback(outcome)
            else:
                result.callback(outcome)

        lookup.addBoth(deliver)
        return result


def firstIPv6(addresses: Sequence[Address], host: str) -> IPv6Address:
    """Return the first IPv6 address of a lookup of ``host``.

    Raises:
        DNSLookupError: There is none.
    """
    for address in addresses:
        if isinstance(address, IPv6Address):
            return address
    raise DNSLookupError(f"no IPv6 address for {host}")
