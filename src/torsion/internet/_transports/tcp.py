"""TCP listening ports and connectors (public in ``torsion.internet.tcp``).

The reactor's ``listenTCP`` creates and starts a `Port`; its ``connectTCP`` creates a
`Connector` and calls `Connector.connect`. Connections are `Server` (accepted) and `Client`
(connected) transports, both `torsion.internet._transports.tcpconnection.Connection`s.
"""

from __future__ import annotations

import errno
import os
import socket
from collections.abc import Callable
from typing import Any

from torsion.internet._literals import isIPLiteral, isIPv6Literal
from torsion.internet._transports.binding import (
    _Binding,
    applyReuse,
    bindLocal,
    connectAddress,
    listenBinding,
    socketAddress,
)
from torsion.internet._transports.connectors import BaseConnector
from torsion.internet._transports.ports import StreamPort
from torsion.internet._transports.tcpconnection import Client, Server, makeAddress
from torsion.internet.address import IPv4Address, IPv6Address
from torsion.internet.error import (
    CannotListenError,
    ConnectBindError,
    NotConnectingError,
    ServiceNameUnknownError,
    TimeoutError,
    UserError,
    getConnectError,
)
from torsion.internet.interfaces import IReactorConnect, IReactorTimeAndFDSet
from torsion.internet.protocol import ClientFactory, Factory, Protocol
from torsion.python import log
from torsion.python.failure import Failure

__all__ = ["Connector", "Port", "streamSocket"]

_IN_PROGRESS = frozenset({errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EALREADY})


class _IPv4StreamSocket(socket.socket):
    """A TCP/IPv4 socket whose ``family`` and ``type`` are constants, not computed.

    ``socket.socket`` converts both to enums on every access (about 0.7 µs each); the
    transports, asyncio and uvloop read them several times per connection.
    """

    __slots__ = ()
    family = socket.AF_INET
    type = socket.SOCK_STREAM


class _IPv6StreamSocket(socket.socket):
    """A TCP/IPv6 socket whose ``family`` and ``type`` are constants (see `_IPv4StreamSocket`)."""

    __slots__ = ()
    family = socket.AF_INET6
    type = socket.SOCK_STREAM


def streamSocket(family: int, fileno: int | None = None) -> socket.socket:
    """Return a new TCP socket of ``family`` (an accepted one if ``fileno`` is given).

    Its ``proto`` says TCP, so asyncio turns TCP_NODELAY on when it takes the socket.
    """
    if family == socket.AF_INET6:
        return _IPv6StreamSocket(socket.AF_INET6, socket.SOCK_STREAM, socket.IPPROTO_TCP, fileno)
    return _IPv4StreamSocket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, fileno)


class Port(StreamPort):
    """A listening TCP socket that accepts connections for a factory (see `StreamPort`).

    Attributes:
        port: The port number asked for (0: any free one).
        interface: The address to listen on ('' for all IPv4 interfaces; an IPv6 literal such
            as ``"::1"`` or ``"::"`` listens with IPv6).
    """

    serverTransport: Callable[..., Any] = Server
    _peerAddress = staticmethod(makeAddress)

    def __init__(
        self,
        port: int | _Binding,
        factory: Factory,
        backlog: int = 50,
        interface: str = "",
        reactor: IReactorTimeAndFDSet | None = None,
    ) -> None:
        super().__init__(factory, backlog, reactor)
        self._binding = listenBinding(port, interface)
        self.port = self._binding._port
        self.interface = self._binding._address or ""
        self._family = socket.AF_INET6 if isIPv6Literal(self.interface) else socket.AF_INET
        self._address: IPv4Address | IPv6Address | None = None
        self._adopted: socket.socket | None = None  # Listening already: see the classmethod.

    def __repr__(self) -> str:
        where = self._realPortNumber
        return f"<{self.factory.__class__.__name__} on {where or 'not listening'}>"

    @property
    def _realPortNumber(self) -> int | None:
        """The port number listened on (the real one, after port 0), or None when not
        listening (Twisted's attribute; its accepted connections' ``repr`` shows it)."""
        return self._address.port if self._address is not None and self.connected else None

    def startListening(self) -> None:
        """Bind, listen, start the factory and start accepting.

        A port made by `_fromListeningDescriptor` starts on its socket as it is.

        Raises:
            CannotListenError: Binding or listening failed (the port is in use, say).
        """
        skt, self._adopted = self._adopted, None
        if skt is None:
            skt = self._bindAndListen()
        self._address = makeAddress(skt.getsockname())
        # A legacy event, as in Twisted, whose tests read its "message".
        log.msg(
            f"{self.factory.logPrefix()} starting on {self._address.port}",
            log_namespace="torsion.internet.tcp",
        )
        self._listening(skt)

    def _bindAndListen(self) -> socket.socket:
        try:
            skt = self.createInternetSocket()
        except OSError as e:
            raise CannotListenError(self.interface, self.port, e) from e
        try:
            skt.bind(socketAddress(self.interface, self.port))
            skt.listen(self.backlog)
        except OSError as e:
            skt.close()
            raise CannotListenError(self.interface, self.port, e) from e
        return skt

    @classmethod
    def _fromListeningDescriptor(
        cls, reactor: IReactorTimeAndFDSet, fd: int, addressFamily: int, factory: Factory
    ) -> Port:
        """A port (not started yet) on a duplicate of the listening socket ``fd``.

        ``startListening`` then neither binds nor listens; the caller keeps its own ``fd``.
        """
        skt = streamSocket(addressFamily, os.dup(fd))
        host, number = skt.getsockname()[:2]
        port = cls(number, factory, interface=host, reactor=reactor)
        port._adopted = skt
        return port

    def createInternetSocket(self) -> socket.socket:
        """A new socket of the port's address family, with the binding's options set
        (``SO_REUSEADDR`` unless a `makeBinding` said otherwise); Twisted's hook, which
        `startListening` calls."""
        skt = socket.socket(self._family, socket.SOCK_STREAM)
        try:
            applyReuse(skt, self._binding)
        except OSError:
            skt.close()
            raise
        return skt

    def _acceptedSocket(self, fd: int) -> socket.socket:
        return streamSocket(self._family, fd)

    def getHost(self) -> IPv4Address | IPv6Address:
        """Return the address listened on, with the real port number (also after port 0)."""
        if self._address is None:
            raise RuntimeError("the port is not listening")
        return self._address

    def _closeSocket(self) -> None:
        self.socket.close()  # type: ignore[union-attr]
        log.msg(f"(TCP Port {self.getHost().port} Closed)", log_namespace="torsion.internet.tcp")


class _Attempt:
    """One connection attempt of a `Connector`: a socket at once, then resolve and ``connect``.

    The socket is made (and bound, given a ``bindAddress``) when the attempt is, as in
    Twisted: ``connector.transport.socket`` is there as soon as ``connectTCP`` returns, and
    the descriptor is taken before anything else can take the last one. A failure to make or
    bind it is reported on the next reactor pass, as every other failure. The socket is of
    the family of the host (IPv4 for a name), and made again should a resolver answer a name
    with an address of the other family.

    While the kernel connects, the attempt is registered as a writer (writability reports the
    outcome); once connected it hands the socket to a new `Client` transport.
    """

    def __init__(self, connector: Connector) -> None:
        self.connector = connector
        self.reactor = connector.reactor
        self.socket: socket.socket | None = None
        self._fileno = -1
        self._done = False
        self._registered = False
        self._error: BaseException | None = None
        family = socket.AF_INET6 if isIPv6Literal(connector.host) else socket.AF_INET
        self._open(family)

    def fileno(self) -> int:
        """Return the connecting socket's descriptor."""
        return self._fileno

    #: How log lines about the connection start: nothing to say until it is made (Twisted's
    #: attribute; the connected `Client`'s says ``ProtocolClass,client``).
    logstr = "Uninitialized"

    def logPrefix(self) -> str:
        """Return the prefix for log lines about this attempt."""
        return f"Connecting to {self.connector.host}:{self.connector.port}"

    def _open(self, family: int) -> None:
        """Make the socket of ``family`` and bind it; a failure is kept in ``_error``."""
        try:
            skt = self.socket = streamSocket(family)
        except OSError as e:
            self._error = getConnectError(e)
            return
        self._fileno = skt.fileno()
        skt.setblocking(False)
        if self.connector.bindAddress is not None:
            try:
                bindLocal(skt, self.connector.bindAddress)
            except OSError as e:
                self._error = ConnectBindError(e.errno, e.strerror or "")

    def begin(self) -> None:
        """Resolve the host if needed, then start connecting (scheduled by `Connector.connect`)."""
        if self._done:
            return
        if self._error is not None:
            self.fail(self._error)
            return
        host = self.connector.host
        if isIPLiteral(host):
            self._connectTo(host)
        else:
            self.reactor.resolve(host).addCallbacks(self._connectTo, self._resolveFailed)

    def _resolveFailed(self, reason: Failure) -> None:
        self.fail(reason.value)

    def _connectTo(self, address: str) -> None:
        if self._done:
            return
        skt = self.socket
        assert skt is not None
        family = socket.AF_INET6 if isIPv6Literal(address) else socket.AF_INET
        if skt.family != family:  # A resolver's answer of the other family.
            skt.close()
            self._open(family)
            if self._error is not None:
                self.fail(self._error)
                return
            skt = self.socket
            assert skt is not None
        try:
            err = skt.connect_ex(connectAddress(address, self.connector.port))
        except (OSError, OverflowError) as e:  # A port out of range, an unknown scope.
            self.fail(e)
            return
        if err == 0:
            self._connected()
        elif err in _IN_PROGRESS:
            self._registered = True
            self.reactor.addWriter(self)
        else:
            self.fail(getConnectError((err, os.strerror(err))))

    def doWrite(self) -> None:
        """The socket became writable: the connect finished, one way or the other."""
        if self._done or self.socket is None:
            return
        err = self.socket.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if err:
            self.fail(getConnectError((err, os.strerror(err))))
        else:
            self._connected()

    # Readiness with an error flag may be reported as readable: the check is the same.
    doRead = doWrite

    def connectionLost(self, reason: Failure) -> None:
        """The reactor dropped the attempt (at shutdown): fail it with ``reason``."""
        self.fail(reason.value)

    def fail(self, exc: BaseException) -> None:
        """End the attempt (if not over yet): close the socket, tell the connector."""
        if self._done:
            return
        self._done = True
        self._unregister()
        if self.socket is not None:
            self.socket.close()
            self.socket = None
        self.connector.connectionFailed(Failure(exc))

    def _unregister(self) -> None:
        if self._registered:
            self._registered = False
            self.reactor.removeWriter(self)

    def _connected(self) -> None:
        skt = self.socket
        assert skt is not None
        try:
            peer = makeAddress(skt.getpeername())
        except OSError as e:  # Reset between the connect and now.
            self.fail(getConnectError(e))
            return
        self._done = True
        self._unregister()
        self.socket = None
        protocol = self.connector.buildProtocol(peer)
        client = self.connector.clientTransport(
            skt, protocol or Protocol(), peer, self.connector, self.reactor
        )
        self.connector.transport = client
        if protocol is None:
            client.loseConnection()  # The factory refused: close, as Twisted does.
        else:
            client._start()


class Connector(BaseConnector):
    """Makes (and remakes) a TCP connection for a client factory.

    Attributes:
        host: The host name or address to connect to.
        port: The port number.
        bindAddress: The local address to bind first: a `makeBinding`, a ``(host, port)``,
            or None.
        transport: The `Client` transport once connected (the attempt while connecting).
    """

    #: The transport class of the connection (the asyncio reactor substitutes its own).
    clientTransport: Callable[..., Any] = Client

    reactor: IReactorConnect  # resolve() too: the host may be a name

    def __init__(
        self,
        host: str,
        port: int | str,
        factory: ClientFactory,
        timeout: float | None,
        bindAddress: _Binding | tuple[str, int] | None,
        reactor: IReactorConnect | None = None,
    ) -> None:
        if isinstance(port, str):
            try:
                port = socket.getservbyname(port, "tcp")
            except OSError as e:
                raise ServiceNameUnknownError(string=f"{e} ({port!r})") from e
        super().__init__(factory, timeout, reactor)
        self.host = host
        self.port = port
        self.bindAddress = bindAddress
        self.transport = None  # a clientTransport, an _Attempt, or None

    def __repr__(self) -> str:
        return f"<Connector to {self.getDestination()} {self.state}>"

    def _startAttempt(self) -> None:
        attempt = self.transport = _Attempt(self)
        if self.timeout is not None:
            self._timeoutCall = self.reactor.callLater(self.timeout, self._timedOut, attempt)
        self.reactor.callLater(0, attempt.begin)

    def _timedOut(self, attempt: _Attempt) -> None:
        self._timeoutCall = None
        attempt.fail(TimeoutError())

    def stopConnecting(self) -> None:
        """Abandon the attempt in progress: ``clientConnectionFailed(UserError)``.

        Raises:
            NotConnectingError: Not connecting.
        """
        if self.state != "connecting" or not isinstance(self.transport, _Attempt):
            raise NotConnectingError("we're not trying to connect")
        self.transport.fail(UserError())

    def getDestination(self) -> IPv4Address | IPv6Address:
        """Return the address connected to (the host as given, name or literal)."""
        if isIPv6Literal(self.host):
            return IPv6Address("TCP", self.host, self.port)
        return IPv4Address("TCP", self.host, self.port)

    def buildProtocol(self, addr: IPv4Address | IPv6Address) -> Protocol | None:
        """The attempt succeeded: stop the timeout and ask the factory for a protocol."""
        self.state = "connected"
        self._cancelTimeout()
        return self.factory.buildProtocol(addr)

    def connectionFailed(self, reason: Failure) -> None:
        """The attempt failed: tell the factory, which may `connect` again."""
        self._cancelTimeout()
        self.transport = None
        self.state = "disconnected"
        self.factory.clientConnectionFailed(self, reason)
        self._maybeStopFactory()

    def _cancelTimeout(self) -> None:
        if self._timeoutCall is not None:
            self._timeoutCall.cancel()
            self._timeoutCall = None
