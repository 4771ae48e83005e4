"""`HostnameEndpoint`: resolve a name, then race staggered connection attempts (RFC 8305).

The name is resolved by an `IAddressResolver`; the default, `ThreadedAddressResolver`, runs
``getaddrinfo`` in the reactor's thread pool, so the loop never blocks on DNS. Tests (and
programs with their own DNS) pass another resolver as ``HostnameEndpoint(...,
resolver=...)``.

The addresses are interleaved by family, starting with the family of the first one
(IPv6, IPv4, IPv6, ...), and one attempt starts every ``attemptDelay`` seconds. Unlike
Twisted (its issue #9345), an attempt that fails starts the next one at once instead of
leaving the remaining time of the delay unused.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from itertools import zip_longest
from typing import Any, cast, overload

from torsion.internet._endpoints.resolver import (
    Address,
    IAddressResolver,
    ThreadedAddressResolver,
)
from torsion.internet._endpoints.tcp import (
    TCP4ClientEndpoint,
    TCP6ClientEndpoint,
)
from torsion.internet._literals import isIPv4Literal, isIPv6Literal
from torsion.internet.address import HostnameAddress, IPv4Address, IPv6Address
from torsion.internet.defer import Deferred, fail
from torsion.internet.error import ConnectingCancelledError, DNSLookupError
from torsion.internet.interfaces import (
    IDelayedCall,
    IReactorTCPAndTime,
    IReactorTCPTimeAndThreads,
    IReactorThreads,
)
from torsion.internet.protocol import Factory
from torsion.python.failure import Failure

__all__ = ["HostnameEndpoint", "interleave"]


def interleave(addresses: Sequence[Address]) -> list[Address]:
    """Drop duplicates and alternate families, starting with the first address's (RFC 8305)."""
    unique = list(dict.fromkeys(addresses))
    if not unique:
        return []
    first = type(unique[0])
    primary = [a for a in unique if type(a) is first]
    secondary = [a for a in unique if type(a) is not first]
    return [a for pair in zip_longest(primary, secondary) for a in pair if a is not None]


class HostnameEndpoint:
    """Connects to a host name, trying its IPv6 and IPv4 addresses with happy eyeballs.

    Args:
        reactor: A reactor with ``connectTCP`` and ``callLater``, and a thread pool when there
            is no ``resolver`` (the default resolver runs in it).
        host: The host name (or an address literal, which is not resolved); bytes are
            decoded as ASCII/IDNA.
        port: The port number.
        timeout: Seconds each attempt may take before failing with `TimeoutError`.
        bindAddress: The local ``(host, port)`` each attempt binds first, or None.
        attemptDelay: Seconds between the starts of two attempts (default 0.3).
        resolver: An `IAddressResolver` (default: `ThreadedAddressResolver`).
    """

    _DEFAULT_ATTEMPT_DELAY = 0.3

    @overload
    def __init__(
        self,
        reactor: IReactorTCPTimeAndThreads,
        host: str | bytes,
        port: int,
        timeout: float = 30,
        bindAddress: tuple[str, int] | None = None,
        attemptDelay: float | None = None,
        *,
        resolver: None = None,
    ) -> None: ...

    @overload
    def __init__(
        self,
        reactor: IReactorTCPAndTime,
        host: str | bytes,
        port: int,
        timeout: float = 30,
        bindAddress: tuple[str, int] | None = None,
        attemptDelay: float | None = None,
        *,
        resolver: IAddressResolver,
    ) -> None: ...

    def __init__(
        self,
        reactor: IReactorTCPAndTime,
        host: str | bytes,
        port: int,
        timeout: float = 30,
        bindAddress: tuple[str, int] | None = None,
        attemptDelay: float | None = None,
        *,
        resolver: IAddressResolver | None = None,
    ) -> None:
        self._reactor = reactor
        self._hostText, self._badHost = _hostText(host)
        self._port = port
        self._timeout = timeout
        self._bindAddress = bindAddress
        self._attemptDelay = self._DEFAULT_ATTEMPT_DELAY if attemptDelay is None else attemptDelay
        self._resolver = resolver

    def __repr__(self) -> str:
        host = f"[{self._hostText}]" if isIPv6Literal(self._hostText) else self._hostText
        return f"<HostnameEndpoint {host}:{self._port}>"

    def connect(self, protocolFactory: Factory) -> Deferred[Any]:
        """Resolve the host, then race attempts to its addresses; keep the first to connect.

        Returns:
            A Deferred of the protocol built for the winning connection. It fails with
            `DNSLookupError` when the name has no address, with the last attempt's failure
            when all fail, and with `ConnectingCancelledError` when cancelled.
        """
        if self._badHost:
            return fail(ValueError(f"invalid hostname: {self._hostText!r}"))
        return _Race(self, protocolFactory).start()

    def _lookup(self) -> Deferred[Sequence[Address]]:
        host = self._hostText
        if isIPv6Literal(host):
            return _succeed([IPv6Address("TCP", host, self._port)])
        if isIPv4Literal(host):
            return _succeed([IPv4Address("TCP", host, self._port)])
        # Without a resolver of its own the reactor has a thread pool (the overloads of
        # __init__ say so).
        resolver = self._resolver or ThreadedAddressResolver(cast(IReactorThreads, self._reactor))
        return resolver.resolveHostName(host, self._port)

    def _attempt(self, address: Address, protocolFactory: Factory) -> Deferred[Any]:
        kind = TCP6ClientEndpoint if isinstance(address, IPv6Address) else TCP4ClientEndpoint
        endpoint = kind(self._reactor, address.host, self._port, self._timeout, self._bindAddress)
        return endpoint.connect(protocolFactory)


def _succeed(addresses: Sequence[Address]) -> Deferred[Sequence[Address]]:
    d: Deferred[Sequence[Address]] = Deferred()
    d.callback(addresses)
    return d


def _hostText(host: str | bytes) -> tuple[str, bool]:
    """Return ``host`` as text and whether it is unusable (undecodable bytes)."""
    if isinstance(host, str):
        return host, False
    try:
        return host.decode("ascii"), False
    except UnicodeDecodeError:
        pass
    try:
        return host.decode("idna"), False
    except UnicodeError:
        return host.decode("latin-1"), True


def _hostBytes(host: str) -> bytes:
    """Return ``host`` as bytes for a `HostnameAddress` (IDNA for non-ASCII names)."""
    try:
        return host.encode("ascii")
    except UnicodeEncodeError:
        pass
    try:
        return host.encode("idna")
    except UnicodeError:
        return host.encode("utf-8")


class _Race:
    """One `HostnameEndpoint.connect`: the lookup, the queue of addresses and the attempts."""

    def __init__(self, endpoint: HostnameEndpoint, protocolFactory: Factory) -> None:
        self._endpoint = endpoint
        self._factory = protocolFactory
        self._reactor = endpoint._reactor
        self._result: Deferred[Any] = Deferred(self._cancel)
        self._lookup: Deferred[Sequence[Address]] | None = None
        self._queue: deque[Address] = deque()
        self._pending: list[Deferred[Any]] = []
        self._timer: IDelayedCall | None = None
        self._lastFailure: Failure | None = None
        self._done = False

    def start(self) -> Deferred[Any]:
        """Start the lookup; return the Deferred of the winning protocol."""
        lookup = self._lookup = self._endpoint._lookup()
        lookup.addCallbacks(self._resolved, self._resolveFailed)
        return self._result

    def _resolved(self, addresses: Sequence[Address]) -> None:
        self._lookup = None
        if self._done:
            return
        self._queue.extend(interleave(addresses))
        if not self._queue:
            host = self._endpoint._hostText
            self._finish(Failure(DNSLookupError(f"no results for hostname lookup: {host}")))
            return
        self._startNext()

    def _resolveFailed(self, reason: Failure) -> None:
        self._lookup = None
        if not self._done:
            self._finish(reason)

    def _startNext(self) -> None:
        """Start an attempt to the next address (or end, if none is left and none runs)."""
        self._stopTimer()
        if self._done:
            return
        if not self._queue:
            if not self._pending:
                assert self._lastFailure is not None
                self._finish(self._lastFailure)
            return
        address = self._queue.popleft()
        if self._queue:
            # Set before connecting: an attempt that fails at once restarts from here.
            delay = self._endpoint._attemptDelay
            self._timer = self._reactor.callLater(delay, self._startNext)
        attempt = self._endpoint._attempt(address, self._factory)
        self._pending.append(attempt)
        attempt.addCallbacks(
            self._succeeded, self._failed, callbackArgs=(attempt,), errbackArgs=(attempt,)
        )

    def _succeeded(self, protocol: Any, attempt: Deferred[Any]) -> None:
        self._pending.remove(attempt)
        if self._done:
            # A late winner (it connected before it could be cancelled): not wanted.
            transport = getattr(protocol, "transport", None)
            if transport is not None:
                transport.loseConnection()
            return
        self._done = True
        self._stopTimer()
        self._cancelPending()
        self._result.callback(protocol)

    def _failed(self, reason: Failure, attempt: Deferred[Any]) -> None:
        self._pending.remove(attempt)
        if self._done:
            return  # Cancelled by us, or too late to matter.
        self._lastFailure = reason
        self._startNext()

    def _cancelPending(self) -> None:
        for attempt in list(self._pending):
            attempt.cancel()

    def _stopTimer(self) -> None:
        if self._timer is not None:
            if self._timer.active():
                self._timer.cancel()
            self._timer = None

    def _finish(self, reason: Failure) -> None:
        self._done = True
        self._stopTimer()
        self._result.errback(reason)

    def _cancel(self, d: Deferred[Any]) -> None:
        self._done = True
        self._stopTimer()
        if self._lookup is not None:
            self._lookup.cancel()
        self._cancelPending()
        address = HostnameAddress(_hostBytes(self._endpoint._hostText), self._endpoint._port)
        d.errback(Failure(ConnectingCancelledError(address)))
