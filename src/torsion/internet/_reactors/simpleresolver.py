"""The IPv4-only resolver API (Twisted's ``IResolverSimple``) and its bridges to the full one.

* `ThreadedResolver`: the reactors' default ``resolver``: one IPv4 address of a name, looked up
  in the reactor's thread pool, bounded by the sum of the timeouts.
* `ComplexResolverSimplifier` answers ``getHostByName`` with an `IHostnameResolver`;
  `SimpleResolverComplexifier` answers ``resolveHostName`` with an `IResolverSimple`. With them
  the reactor's ``resolver`` and ``nameResolver`` always agree, whichever was installed last.
* `FirstOneWins`, `HostResolution`: the pieces those bridges are made of (Twisted's names;
  public in ``torsion.internet._resolver``, Twisted's module path).
"""

from __future__ import annotations

import socket
from collections.abc import Sequence

from torsion.internet.address import IPv4Address, IPv6Address
from torsion.internet.defer import Deferred
from torsion.internet.error import DNSLookupError
from torsion.internet.interfaces import (
    IAddress,
    IHostnameResolver,
    IHostResolution,
    IReactorTimeAndThreads,
    IResolutionReceiver,
    IResolverSimple,
)
from torsion.internet.threads import deferToThreadPool
from torsion.logger import Logger, LogLevel
from torsion.python.failure import Failure

__all__ = [
    "ComplexResolverSimplifier",
    "FirstOneWins",
    "HostResolution",
    "SimpleResolverComplexifier",
    "ThreadedResolver",
]

_log = Logger(namespace="torsion.internet.base")


class ThreadedResolver:
    """An `IResolverSimple` that runs ``getaddrinfo`` for IPv4 in the reactor's thread pool.

    Args:
        reactor: Whose thread pool runs the lookups and whose clock bounds them.
    """

    def __init__(self, reactor: IReactorTimeAndThreads) -> None:
        self.reactor = reactor

    def getHostByName(self, name: str, timeout: Sequence[int] = (1, 3, 11, 45)) -> Deferred[str]:
        """Fire with one IPv4 address of ``name``, or fail with `DNSLookupError`.

        The lookup fails once the sum of ``timeout`` seconds has passed (a thread cannot be
        interrupted: its late answer is dropped).
        """
        reactor = self.reactor
        lookup = deferToThreadPool(reactor, reactor.getThreadPool(), _lookupIPv4, name)
        result: Deferred[str] = Deferred()
        timer = reactor.callLater(sum(timeout) if timeout else 60, _timedOut, result, name)

        def done(outcome: str | Failure) -> None:
            if not timer.active():
                return  # Timed out already.
            timer.cancel()
            if isinstance(outcome, Failure):
                result.errback(outcome)
            else:
                result.callback(outcome)

        lookup.addBoth(done)
        return result


class HostResolution:
    """A lookup in progress that cannot be cancelled (`IHostResolution`).

    Args:
        name: The name being looked up.
    """

    def __init__(self, name: str) -> None:
        self.name = name

    def cancel(self) -> None:
        """Refuse: the simple resolver API has no way to stop a lookup.

        Raises:
            NotImplementedError: Always (as in Twisted).
        """
        raise NotImplementedError("cannot cancel a lookup of the simple resolver API")


class SimpleResolverComplexifier:
    """An `IHostnameResolver` answering with an `IResolverSimple` (so: IPv4 only).

    Args:
        simpleResolver: Asked ``getHostByName`` for each lookup.
    """

    def __init__(self, simpleResolver: IResolverSimple) -> None:
        self._simpleResolver = simpleResolver

    def resolveHostName(
        self,
        resolutionReceiver: IResolutionReceiver,
        hostName: str,
        portNumber: int = 0,
        addressTypes: Sequence[type[IAddress]] | None = None,
        transportSemantics: str = "TCP",
    ) -> IHostResolution:
        """Look ``hostName`` up; the receiver gets at most one `IPv4Address`.

        The simple resolver is asked for the name in ASCII: an internationalized name goes as
        its IDNA form (``"xn--..."``), as in Twisted.
        """
        resolution = HostResolution(hostName)
        resolutionReceiver.resolutionBegan(resolution)
        udp = transportSemantics == "UDP"

        def resolved(address: str) -> None:
            host = IPv4Address("UDP" if udp else "TCP", address, portNumber)
            resolutionReceiver.addressResolved(host)

        def failed(reason: Failure) -> None:
            if not reason.check(DNSLookupError):  # Not "no such name": worth a log line.
                _log.failure(
                    "while looking up {name} with {resolver}",
                    reason,
                    LogLevel.error,
                    name=hostName,
                    resolver=self._simpleResolver,
                )

        lookup = self._simpleResolver.getHostByName(_asciiName(hostName))
        lookup.addCallbacks(resolved, failed)
        lookup.addBoth(lambda _: resolutionReceiver.resolutionComplete())
        return resolution


class FirstOneWins:
    """An `IResolutionReceiver` that fires a Deferred with the first IPv4 address it hears of.

    Args:
        deferred: Fired with the address's host, or failed with `DNSLookupError` if the
            lookup completes without one.
    """

    def __init__(self, deferred: Deferred[str]) -> None:
        self._deferred = deferred
        self._resolved = False
        self._resolution: IHostResolution | None = None

    def resolutionBegan(self, resolution: IHostResolution) -> None:
        """Remember the lookup (its name names the failure)."""
        self._resolution = resolution

    def addressResolved(self, address: IAddress) -> None:
        """Fire with the first address; ignore the rest."""
        if self._resolved or not isinstance(address, IPv4Address | IPv6Address):
            return
        self._resolved = True
        self._deferred.callback(address.host)

    def resolutionComplete(self) -> None:
        """Fail with `DNSLookupError` if no address came."""
        if not self._resolved:
            name = self._resolution.name if self._resolution is not None else ""
            self._deferred.errback(DNSLookupError(name))


class ComplexResolverSimplifier:
    """An `IResolverSimple` answering with an `IHostnameResolver` (its first IPv4 address).

    Args:
        nameResolver: Asked ``resolveHostName`` for IPv4 addresses.
    """

    def __init__(self, nameResolver: IHostnameResolver) -> None:
        self._nameResolver = nameResolver

    def getHostByName(self, name: str, timeouts: Sequence[int] = ()) -> Deferred[str]:
        """Fire with the first IPv4 address of ``name``, or fail with `DNSLookupError`."""
        result: Deferred[str] = Deferred()
        self._nameResolver.resolveHostName(FirstOneWins(result), name, 0, [IPv4Address])
        return result


def _asciiName(name: str) -> str:
    """``name`` in ASCII: itself if it is, else its IDNA encoding (as is, if it has none)."""
    if name.isascii():
        return name
    try:
        return name.encode("idna").decode("ascii")
    except UnicodeError:  # Not a valid internationalized name: let the lookup fail on it.
        return name


def _lookupIPv4(name: str) -> str:
    """Blocking: an IPv4 address of ``name`` (in a pool thread; ``socket.gethostbyname``, as
    Twisted's ThreadedResolver, looked up at each call so that tests can replace it)."""
    try:
        return socket.gethostbyname(name)
    except OSError as e:
        raise DNSLookupError(f"address {name!r} not found: {e}") from e


def _timedOut(result: Deferred[str], name: str) -> None:
    result.errback(DNSLookupError(f"address {name!r} not found: timeout error"))
