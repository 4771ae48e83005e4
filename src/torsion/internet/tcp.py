"""TCP: listening ports, connectors, and the connection transports (Twisted's ``tcp`` module).

The reactor's ``listenTCP`` creates and starts a `Port`; its ``connectTCP`` creates a
`Connector` and calls `Connector.connect`. Connections are `Server` (accepted) and `Client`
(connected) transports, both `Connection`s.
"""

from __future__ import annotations

import errno
import logging
import os
import socket
from collections.abc import Callable
from typing import Any

from torsion.internet._transports.listening import ListeningBase
from torsion.internet._transports.tcpconnection import (
    READ_SIZE,
    Client,
    Connection,
    Reactor,
    Server,
    makeAddress,
)
from torsion.internet.address import IPv4Address, IPv6Address
from torsion.internet.defer import Deferred
from torsion.internet.error import (
    CannotListenError,
    ConnectBindError,
    NotConnectingError,
    ServiceNameUnknownError,
    TimeoutError,
    UserError,
    getConnectError,
)
from torsion.internet.interfaces import IAddress, IDelayedCall
from torsion.internet.protocol import ClientFactory, Factory, Protocol
from torsion.python.failure import Failure

__all__ = ["READ_SIZE", "Client", "Connection", "Connector", "Port", "Server"]

_log = logging.getLogger(__name__)

# accept() errors meaning "no descriptors left": wait for some to be freed instead of spinning.
_FD_EXHAUSTION = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})
# accept() errors about one failed incoming connection, not about the port.
_PEER_GONE = frozenset({errno.ECONNABORTED, errno.EPROTO, errno.EPERM})
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


def _streamSocket(family: int, fileno: int | None = None) -> socket.socket:
    """Return a new TCP socket of ``family`` (an accepted one if ``fileno`` is given).

    Its ``proto`` says TCP, so asyncio turns TCP_NODELAY on when it takes the socket.
    """
    if family == socket.AF_INET6:
        return _IPv6StreamSocket(socket.AF_INET6, socket.SOCK_STREAM, socket.IPPROTO_TCP, fileno)
    return _IPv4StreamSocket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, fileno)


def _isIPv6(host: str) -> bool:
    """Return whether ``host`` is an IPv6 address literal (optionally with ``%scope``)."""
    try:
        socket.inet_pton(socket.AF_INET6, host.split("%", 1)[0])
    except (OSError, ValueError):
        return False
    return True


def _isIPAddress(host: str) -> bool:
    """Return whether ``host`` is an IPv4 or IPv6 address literal (needs no resolution)."""
    try:
        socket.inet_pton(socket.AF_INET, host)
    except (OSError, ValueError):
        return _isIPv6(host)
    return True


class Port(ListeningBase):
    """A listening TCP socket that accepts connections for a factory.

    Accepts at most `numberAccepts` connections per wake-up, so one busy port cannot starve the
    rest of the loop. When accept fails for lack of file descriptors (EMFILE, ENFILE), the error
    is logged and the port stops accepting until one of its connections closes or
    `acceptRetryDelay` seconds pass: no busy loop, and the port stays open.

    Attributes:
        port: The port number asked for (0: any free one).
        factory: Builds a protocol for each accepted connection.
        backlog: The ``listen`` backlog.
        interface: The address to listen on ('' for all IPv4 interfaces; an IPv6 literal such
            as ``"::1"`` or ``"::"`` listens with IPv6).
        reactor: The reactor the port is registered with.
        connected: True while listening.
        disconnecting: True once `stopListening` was called.
        sessionno: How many connections were accepted so far.
    """

    numberAccepts = 128
    acceptRetryDelay = 1.0
    #: The transport class of accepted connections (the asyncio reactor substitutes its own).
    serverTransport: Callable[..., Any] = Server
    #: Turns an accepted socket's peer address into an address object.
    _peerAddress: Callable[[Any], Any] = staticmethod(makeAddress)

    def __init__(
        self,
        port: int,
        factory: Factory,
        backlog: int = 50,
        interface: str = "",
        reactor: Any = None,
    ) -> None:
        self.port = port
        self.factory = factory
        self.backlog = backlog
        self.interface = interface
        self.reactor: Reactor = reactor
        self.connected = False
        self.disconnecting = False
        self.sessionno = 0
        self.socket: socket.socket | None = None
        self._fileno = -1
        self._family: int | None = None  # TCP's address family (None: another kind, UNIX)
        self._address: IPv4Address | IPv6Address | None = None
        self._accepting = False
        self._retry: IDelayedCall | None = None
        self._waiters: list[Deferred[None]] = []

    def __repr__(self) -> str:
        where = self._address.port if self._address is not None else "not listening"
        return f"<{self.factory.__class__.__name__} on {where}>"

    def startListening(self) -> None:
        """Bind, listen, start the factory and start accepting.

        Raises:
            CannotListenError: Binding or listening failed (the port is in use, say).
        """
        family = socket.AF_INET6 if _isIPv6(self.interface) else socket.AF_INET
        skt = socket.socket(family, socket.SOCK_STREAM)
        try:
            skt.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            skt.bind((self.interface, self.port))
            skt.listen(self.backlog)
        except OSError as e:
            skt.close()
            raise CannotListenError(self.interface, self.port, e) from e
        skt.setblocking(False)
        self.socket = skt
        self._family = family
        self._fileno = skt.fileno()
        self._address = makeAddress(skt.getsockname())
        _log.info("%s starting on %d", self.factory.logPrefix(), self._address.port)
        self.factory.doStart()
        self.connected = True
        self._startReading()

    def fileno(self) -> int:
        """Return the listening socket's file descriptor."""
        return self._fileno

    def logPrefix(self) -> str:
        """Return the prefix for log lines about this port: the factory's."""
        return self.factory.logPrefix()

    def getHost(self) -> IPv4Address | IPv6Address:
        """Return the address listened on, with the real port number (also after port 0)."""
        if self._address is None:
            raise RuntimeError("the port is not listening")
        return self._address

    def doRead(self) -> None:
        """Accept the connections waiting (at most `numberAccepts`); the reactor calls this."""
        skt = self.socket
        assert skt is not None
        accept = skt._accept  # type: ignore[attr-defined]  # (fd, address): no socket object yet
        family = self._family
        for _ in range(self.numberAccepts):
            try:
                fd, addr = accept()
            except BlockingIOError:
                return
            except OSError as e:
                if e.errno in _PEER_GONE:
                    continue
                if e.errno in _FD_EXHAUSTION:
                    self._pauseAccepting(e)
                else:
                    _log.error("Could not accept new connection on %r: %s", self, e)
                return
            if family is None:  # As socket.accept() makes it.
                self._accepted(socket.socket(skt.family, skt.type, skt.proto, fd), addr)
            else:
                self._accepted(_streamSocket(family, fd), addr)

    def _accepted(self, skt: socket.socket, addr: tuple[Any, ...]) -> None:
        skt.setblocking(False)
        peer = self._peerAddress(addr)
        try:
            protocol = self.factory.buildProtocol(peer)
        except Exception:
            _log.exception("Unhandled error in %s.buildProtocol", self.logPrefix())
            protocol = None
        if protocol is None:
            skt.close()
            return
        self.sessionno += 1
        self.serverTransport(skt, protocol, peer, self, self.sessionno, self.reactor)._start()

    def _pauseAccepting(self, e: OSError) -> None:
        _log.error(
            "Out of file descriptors accepting on %r (%s): pausing accept for %s s",
            self,
            e.strerror,
            self.acceptRetryDelay,
        )
        self._stopReading()
        self._retry = self.reactor.callLater(self.acceptRetryDelay, self._resumeAccepting)

    def _resumeAccepting(self) -> None:
        self._retry = None
        self._startReading()

    def connectionClosed(self) -> None:
        """One of this port's connections closed: a descriptor is free, accept again now."""
        if self._retry is not None:
            self._retry.cancel()
            self._resumeAccepting()

    def connectionLost(self, reason: Failure) -> None:
        """Close the socket and stop the factory (from `stopListening`, or at shutdown)."""
        if not self.connected:
            return
        self.connected = False
        self._stopReading()
        self._closeSocket()
        failure = self._stopped(self.factory.doStop)
        if failure is not None:
            _log.error("Error stopping factory %r", self.factory, exc_info=failure.value)

    def _closeSocket(self) -> None:
        self.socket.close()  # type: ignore[union-attr]
        _log.info("(%s Port %d Closed)", self.logPrefix(), self.getHost().port)

    def _startReading(self) -> None:
        if not self._accepting and self.connected and not self.disconnecting:
            self._accepting = True
            self.reactor.addReader(self)

    def _stopReading(self) -> None:
        if self._retry is not None:
            self._retry.cancel()
            self._retry = None
        if self._accepting:
            self._accepting = False
            self.reactor.removeReader(self)


class _Attempt:
    """One connection attempt of a `Connector`: resolve, then a non-blocking ``connect``.

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

    def fileno(self) -> int:
        """Return the connecting socket's descriptor."""
        return self._fileno

    def logPrefix(self) -> str:
        """Return the prefix for log lines about this attempt."""
        return f"Connecting to {self.connector.host}:{self.connector.port}"

    def begin(self) -> None:
        """Resolve the host if needed, then start connecting (scheduled by `Connector.connect`)."""
        if self._done:
            return
        host = self.connector.host
        if _isIPAddress(host):
            self._connectTo(host)
        else:
            self.reactor.resolve(host).addCallbacks(self._connectTo, self._resolveFailed)

    def _resolveFailed(self, reason: Failure) -> None:
        self.fail(reason.value)

    def _connectTo(self, address: str) -> None:
        if self._done:
            return
        family = socket.AF_INET6 if _isIPv6(address) else socket.AF_INET
        try:
            skt = self.socket = _streamSocket(family)
        except OSError as e:
            self.fail(getConnectError(e))
            return
        self._fileno = skt.fileno()
        skt.setblocking(False)
        if self.connector.bindAddress is not None:
            try:
                skt.bind(self.connector.bindAddress)
            except OSError as e:
                self.fail(ConnectBindError(e.errno, e.strerror or ""))
                return
        err = skt.connect_ex((address, self.connector.port))
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


class BaseConnector:
    """What the TCP and UNIX connectors share: the states, and starting and stopping the factory.

    Subclasses begin an attempt in `_startAttempt` and end it with ``factory``'s
    ``clientConnectionFailed`` or a connected transport.

    Attributes:
        factory: The client factory told about each attempt.
        timeout: Seconds before an attempt fails with `TimeoutError` (None: no limit).
        reactor: The reactor used.
        state: ``"disconnected"``, ``"connecting"`` or ``"connected"``.
        transport: The transport once connected, or None.
    """

    transport: Any

    def __init__(self, factory: ClientFactory, timeout: float | None, reactor: Any) -> None:
        self.factory = factory
        self.timeout = timeout
        self.reactor = reactor
        self.state = "disconnected"
        self.factoryStarted = False
        self._timeoutCall: IDelayedCall | None = None

    def connect(self) -> None:
        """Start an attempt: ``startedConnecting`` now, the socket work on the next pass.

        Raises:
            RuntimeError: Already connecting or connected.
        """
        if self.state != "disconnected":
            raise RuntimeError("can't connect in this state")
        self.state = "connecting"
        if not self.factoryStarted:
            self.factory.doStart()
            self.factoryStarted = True
        self._startAttempt()
        self.factory.startedConnecting(self)

    def _startAttempt(self) -> None:
        """Schedule the attempt's socket work for the next pass, and its timeout."""
        raise NotImplementedError

    def disconnect(self) -> None:
        """Stop connecting, or close the connection once made."""
        if self.state == "connecting":
            self.stopConnecting()
        elif self.state == "connected" and self.transport is not None:
            self.transport.loseConnection()

    def stopConnecting(self) -> None:
        """Abandon the attempt in progress (each connector has its own)."""
        raise NotImplementedError

    def getDestination(self) -> IAddress:
        """Return the address connected to (each connector has its own)."""
        raise NotImplementedError

    def connectionLost(self, reason: Failure) -> None:
        """The connection closed: tell the factory, which may `connect` again."""
        self.transport = None
        self.state = "disconnected"
        self.factory.clientConnectionLost(self, reason)
        self._maybeStopFactory()

    def _maybeStopFactory(self) -> None:
        if self.state == "disconnected" and self.factoryStarted:
            self.factoryStarted = False
            self.factory.doStop()


class Connector(BaseConnector):
    """Makes (and remakes) a TCP connection for a client factory.

    Attributes:
        host: The host name or address to connect to.
        port: The port number.
        bindAddress: The local ``(host, port)`` to bind first, or None.
        transport: The `Client` transport once connected (the attempt while connecting).
    """

    #: The transport class of the connection (the asyncio reactor substitutes its own).
    clientTransport: Callable[..., Any] = Client

    def __init__(
        self,
        host: str,
        port: int | str,
        factory: ClientFactory,
        timeout: float | None,
        bindAddress: tuple[str, int] | None,
        reactor: Any = None,
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
        if _isIPv6(self.host):
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
