"""TCP server and client endpoints, the factory wrapping they share, and `connectProtocol`.

A client endpoint's ``connect`` hands the reactor a `WrappingFactory`: it builds the user's
protocol inside a `_WrappingProtocol`, which fires the connect Deferred with the user's
protocol right after its ``connectionMade``. The wrapping factory answers
``clientConnectionFailed``/``clientConnectionLost`` itself (the Deferred says how the attempt
went), so the user's factory never sees them, as in Twisted.
"""

from __future__ import annotations

from typing import Any, cast

from torsion.internet._endpoints.resolver import ThreadedAddressResolver, firstIPv6
from torsion.internet._literals import isIPv6Literal
from torsion.internet.defer import Deferred, fail
from torsion.internet.error import ConnectingCancelledError, NoProtocol, NotConnectingError
from torsion.internet.interfaces import (
    IAddress,
    IConnector,
    IHalfCloseableProtocol,
    IListeningPort,
    IReactorTCP,
    IReactorThreads,
    ITransport,
)
from torsion.internet.protocol import ClientFactory, Factory, Protocol, connectionDone
from torsion.python.failure import Failure

__all__ = [
    "TCP4ClientEndpoint",
    "TCP4ServerEndpoint",
    "TCP6ClientEndpoint",
    "TCP6ServerEndpoint",
    "connectProtocol",
]


# -- servers ------------------------------------------------------------------------------------


class TCP4ServerEndpoint:
    """Listens for TCP connections over IPv4.

    Args:
        reactor: A reactor with ``listenTCP``.
        port: The port number (0: any free one).
        backlog: The ``listen`` backlog.
        interface: The address to listen on ('' for all IPv4 interfaces).
    """

    def __init__(
        self, reactor: IReactorTCP, port: int, backlog: int = 50, interface: str = ""
    ) -> None:
        self._reactor = reactor
        self._port = port
        self._backlog = backlog
        self._interface = interface

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._interface or '*'}:{self._port}>"

    def listen(self, protocolFactory: Factory) -> Deferred[IListeningPort]:
        """Listen with ``protocolFactory``.

        Returns:
            A Deferred of the listening port; it fails with `CannotListenError` when the
            address cannot be bound (in use, say).
        """
        try:
            port = self._reactor.listenTCP(
                self._port, protocolFactory, backlog=self._backlog, interface=self._interface
            )
        except BaseException:
            return fail()
        result: Deferred[IListeningPort] = Deferred()
        result.callback(port)
        return result


class TCP6ServerEndpoint(TCP4ServerEndpoint):
    """Listens for TCP connections over IPv6 (``interface`` defaults to ``"::"``)."""

    def __init__(
        self, reactor: IReactorTCP, port: int, backlog: int = 50, interface: str = "::"
    ) -> None:
        super().__init__(reactor, port, backlog, interface)


# -- the wrapping that turns a factory into a Deferred of one protocol ----------------------------


class _WrappingProtocol(Protocol):
    """Forwards everything to the user's protocol; fires the connect Deferred once made."""

    def __init__(self, connected: Deferred[Any], wrapped: Any) -> None:
        self._connectedDeferred = connected
        self._wrappedProtocol = wrapped
        self._abandoned = False

    def __getattr__(self, name: str) -> Any:
        # Only reached for attributes the wrapper lacks: the user's protocol answers.
        return getattr(self.__dict__["_wrappedProtocol"], name)

    def logPrefix(self) -> str:
        """Return the wrapped protocol's log prefix."""
        inner = getattr(self._wrappedProtocol, "logPrefix", None)
        return str(inner()) if inner is not None else type(self._wrappedProtocol).__name__

    def makeConnection(self, transport: ITransport) -> None:
        """Connect the wrapped protocol, then fire the Deferred with it."""
        self.transport = transport
        self.connected = True
        if self._connectedDeferred.called:
            # Cancelled, yet connected before the connector could stop: nobody wants it.
            self._abandoned = True
            transport.loseConnection()
            return
        self._wrappedProtocol.makeConnection(transport)
        self._connectedDeferred.callback(self._wrappedProtocol)

    def dataReceived(self, data: bytes) -> None:
        """Forward ``data``."""
        if not self._abandoned:
            self._wrappedProtocol.dataReceived(data)

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        """Forward the end of the connection."""
        self.connected = False
        if not self._abandoned:
            self._wrappedProtocol.connectionLost(reason)


class _HalfCloseableWrappingProtocol(_WrappingProtocol):
    """The wrapper for a protocol that supports half-close: it forwards those events too."""

    def readConnectionLost(self) -> None:
        """Forward the peer's half-close."""
        if not self._abandoned:
            self._wrappedProtocol.readConnectionLost()

    def writeConnectionLost(self) -> None:
        """Forward the end of our writing."""
        if not self._abandoned:
            self._wrappedProtocol.writeConnectionLost()


class WrappingFactory(ClientFactory):
    """Builds `_WrappingProtocol` around the user's factory's protocol (one connection).

    Attributes:
        onConnection: Fires with the user's protocol once connected, or fails with why not;
            cancelling it stops the connector (`ConnectingCancelledError`).
    """

    def __init__(self, wrappedFactory: Factory) -> None:
        self._wrappedFactory = wrappedFactory
        self._connector: IConnector | None = None
        self.onConnection: Deferred[Any] = Deferred(self._cancel)

    def __repr__(self) -> str:
        return f"<endpoint wrapper of {self._wrappedFactory!r}>"

    def logPrefix(self) -> str:
        """Return the wrapped factory's log prefix."""
        return self._wrappedFactory.logPrefix()

    def _cancel(self, d: Deferred[Any]) -> None:
        connector = self._connector
        address = connector.getDestination() if connector is not None else None
        d.errback(Failure(ConnectingCancelledError(address)))
        if connector is not None:
            try:
                connector.stopConnecting()
            except NotConnectingError:
                pass  # Connected in the meantime: only the protocol can close it now.

    def doStart(self) -> None:
        """Start the wrapped factory."""
        self._wrappedFactory.doStart()

    def doStop(self) -> None:
        """Stop the wrapped factory."""
        self._wrappedFactory.doStop()

    def startedConnecting(self, connector: IConnector) -> None:
        """Remember the connector, so a cancel can stop it."""
        self._connector = connector

    def buildProtocol(self, addr: IAddress) -> Protocol | None:
        """Build the user's protocol and wrap it; fail the Deferred if that goes wrong."""
        try:
            proto = self._wrappedFactory.buildProtocol(addr)
            if proto is None:
                raise NoProtocol()
        except BaseException:
            if not self.onConnection.called:
                self.onConnection.errback()
            return None
        if isinstance(proto, IHalfCloseableProtocol):
            return _HalfCloseableWrappingProtocol(self.onConnection, proto)
        return _WrappingProtocol(self.onConnection, proto)

    def clientConnectionFailed(self, connector: IConnector, reason: Failure) -> None:
        """Fail the Deferred with ``reason`` (unless it was cancelled)."""
        if not self.onConnection.called:
            self.onConnection.errback(reason)

    def clientConnectionLost(self, connector: IConnector, reason: Failure) -> None:
        """Nothing: the protocol's own ``connectionLost`` says it."""


# -- clients ------------------------------------------------------------------------------------


class TCP4ClientEndpoint:
    """Connects over TCP to a host name or IPv4 address (names resolve to IPv4 only).

    Args:
        reactor: A reactor with ``connectTCP``.
        host: The host name or IPv4 address.
        port: The port number.
        timeout: Seconds before the attempt fails with `TimeoutError`.
        bindAddress: The local ``(host, port)`` to bind first, or None.
    """

    def __init__(
        self,
        reactor: IReactorTCP,
        host: str,
        port: int,
        timeout: float = 30,
        bindAddress: tuple[str, int] | None = None,
    ) -> None:
        self._reactor = reactor
        self._host = host
        self._port = port
        self._timeout = timeout
        self._bindAddress = bindAddress

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._host}:{self._port}>"

    def connect(self, protocolFactory: Factory) -> Deferred[Any]:
        """Connect, building one protocol with ``protocolFactory``.

        Returns:
            A Deferred of the built protocol, fired after its ``connectionMade``. It fails
            with `ConnectionRefusedError`, `TimeoutError`, `DNSLookupError` and the like;
            cancelling it stops the attempt with `ConnectingCancelledError`.
        """
        return self._connectTo(self._host, protocolFactory)

    def _connectTo(self, host: str, protocolFactory: Factory) -> Deferred[Any]:
        try:
            wrapper = WrappingFactory(protocolFactory)
            self._reactor.connectTCP(
                host, self._port, wrapper, timeout=self._timeout, bindAddress=self._bindAddress
            )
        except BaseException:
            return fail()
        return wrapper.onConnection


class TCP6ClientEndpoint(TCP4ClientEndpoint):
    """Connects over TCP to a host name or IPv6 address (names resolve to IPv6 only).

    A name is looked up with the endpoint's ``resolver`` (an `IAddressResolver`; by default
    ``getaddrinfo`` in the reactor's thread pool), and the first IPv6 address is connected to.
    """

    resolver: Any = None

    def connect(self, protocolFactory: Factory) -> Deferred[Any]:
        """Resolve the host to IPv6 if needed, then connect (see `TCP4ClientEndpoint`)."""
        if isIPv6Literal(self._host):
            return self._connectTo(self._host, protocolFactory)
        # A host name without a resolver of the endpoint's own is looked up in the reactor's
        # thread pool: the reactor then needs one (IReactorThreads), which is not checked.
        resolver = self.resolver or ThreadedAddressResolver(cast(IReactorThreads, self._reactor))
        lookup: Deferred[Any] = resolver.resolveHostName(self._host, self._port)
        lookup.addCallback(firstIPv6, self._host)

        def connectTo(address: Any) -> Deferred[Any]:
            return self._connectTo(address.host, protocolFactory)

        return lookup.addCallback(connectTo)


def connectProtocol(endpoint: Any, protocol: Any) -> Deferred[Any]:
    """Connect one already-built ``protocol`` through a client ``endpoint``.

    Returns:
        The endpoint's ``connect`` Deferred: it fires with ``protocol`` once connected.
    """

    class OneShotFactory(Factory):
        def buildProtocol(self, addr: IAddress) -> Any:
            return protocol

    return endpoint.connect(OneShotFactory())  # type: ignore[no-any-return]
