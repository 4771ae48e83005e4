"""The reactor's interfaces, as `typing.Protocol` classes with Twisted's names.

Twisted declares these with zope.interface; here they are structural types: any object with the
right methods provides one, with no registration, and mypy checks it. They are
``runtime_checkable``, so ``isinstance(obj, IReactorTime)`` checks that the methods exist (not
their signatures).

Parameter names are part of a method's type (they could be passed by keyword), so an
implementation must use Twisted's (``callLater(delay, callable, *args, **kw)``); the types may
be looser, as in Twisted's own ``callable: Callable[..., Any], *args: object``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from torsion.internet._interfacemeta import InterfaceMeta

if TYPE_CHECKING:
    from torsion.internet._protocol.base import (
        AbstractDatagramProtocol,
        ClientFactory,
        ConnectedDatagramProtocol,
        Factory,
    )
    from torsion.internet.address import IPv4Address, IPv6Address, UNIXAddress
    from torsion.internet.defer import Deferred
    from torsion.python.failure import Failure
    from torsion.python.threadpool import ThreadPool

from torsion.internet._baseinterfaces import (
    IAddress,
    IConnector,
    IConsumer,
    IDelayedCall,
    IProcessTransport,
    IProducer,
    IPullProducer,
    IPushProducer,
    IReactorTime,
    ITransport,
)

__all__ = [
    "IAcceptableCiphers",
    "IAddress",
    "ICipher",
    "IConnector",
    "IConsumer",
    "IDelayedCall",
    "IFileDescriptor",
    "IFileDescriptorReceiver",
    "IFullReactor",
    "IHalfCloseableDescriptor",
    "IHalfCloseableProtocol",
    "IHandshakeListener",
    "IHostResolution",
    "IHostnameResolver",
    "IListeningPort",
    "ILoggingContext",
    "IMulticastTransport",
    "INegotiated",
    "IOpenSSLClientConnectionCreator",
    "IOpenSSLContextFactory",
    "IOpenSSLServerConnectionCreator",
    "IProcessProtocol",
    "IProcessTransport",
    "IProducer",
    "IProtocol",
    "IProtocolFactory",
    "IProtocolNegotiationFactory",
    "IPullProducer",
    "IPushProducer",
    "IReactorConnect",
    "IReactorCore",
    "IReactorDaemonize",
    "IReactorFDSet",
    "IReactorFromThreads",
    "IReactorInThreads",
    "IReactorMulticast",
    "IReactorPluggableNameResolver",
    "IReactorPluggableResolver",
    "IReactorProcess",
    "IReactorProcessSupport",
    "IReactorSSL",
    "IReactorSocket",
    "IReactorTCP",
    "IReactorTCP2",
    "IReactorTCPAndTime",
    "IReactorTCPTimeAndThreads",
    "IReactorTCPUNIXSSLAndTime",
    "IReactorThreads",
    "IReactorTime",
    "IReactorTimeAndFDSet",
    "IReactorTimeAndThreads",
    "IReactorUDP",
    "IReactorUNIX",
    "IReactorUNIXDatagram",
    "IReactorWin32Events",
    "IReadDescriptor",
    "IReadWriteDescriptor",
    "IResolutionReceiver",
    "IResolver",
    "IResolverSimple",
    "ISSLTransport",
    "IServiceCollection",
    "IStreamClientEndpoint",
    "IStreamClientEndpointStringParserWithReactor",
    "IStreamServerEndpoint",
    "IStreamServerEndpointStringParser",
    "ISystemHandle",
    "ITCPListeningPort",
    "ITCPTransport",
    "ITLSTransport",
    "ITransport",
    "IUDPListeningPort",
    "IUDPTransport",
    "IUNIXDatagramConnectedTransport",
    "IUNIXDatagramTransport",
    "IUNIXListeningPort",
    "IUNIXTransport",
    "IWriteDescriptor",
]


@runtime_checkable
class IReactorCore(Protocol, metaclass=InterfaceMeta):
    """The reactor's life cycle: running it, stopping it, and its system events.

    A system event (``"startup"``, ``"shutdown"``, or any name passed to `fireSystemEvent`)
    has three phases, ``"before"``, ``"during"`` and ``"after"``, run in that order; a
    ``"before"`` trigger that returns a Deferred holds the ``"during"`` phase back until it
    fires.
    """

    @property
    def running(self) -> bool:
        """True from the ``during`` phase of startup to the ``during`` phase of shutdown."""
        ...

    def resolve(self, name: str, timeout: Sequence[int] = (1, 3, 11, 45)) -> Deferred[str]:
        """Look up one IPv4 address of ``name`` without blocking.

        Args:
            name: A host name (or an IPv4 address, returned as it is).
            timeout: Retry delays in seconds; their sum bounds the lookup.

        Returns:
            A Deferred of the address, which fails with `DNSLookupError` when there is none.
        """
        ...

    def run(self) -> None:
        """Fire the startup event, run the loop until `stop` or `crash`, then return."""
        ...

    def stop(self) -> None:
        """Fire the shutdown event, after which `run` returns.

        Raises:
            ReactorNotRunning: The reactor is not running (or already stopping).
        """
        ...

    def crash(self) -> None:
        """End the loop at once, firing no system event (for tests)."""
        ...

    def iterate(self, delay: float = 0) -> None:
        """Run one pass of the loop: due calls, then I/O for at most ``delay`` seconds.

        For code that cannot call `run`; calling it from inside the loop is an error.
        """
        ...

    def fireSystemEvent(self, eventType: str) -> None:
        """Run the triggers of ``eventType``: its before, during and after phases."""
        ...

    def addSystemEventTrigger(
        self,
        phase: str,
        eventType: str,
        callable: Callable[..., Any],
        *args: object,
        **kwargs: object,
    ) -> Any:
        """Call ``callable(*args, **kwargs)`` in ``phase`` of each ``eventType`` event.

        Args:
            phase: ``"before"``, ``"during"`` or ``"after"``.
            eventType: ``"startup"``, ``"shutdown"``, or a name of one's own.
            callable: The trigger; in the ``"before"`` phase it may return a Deferred.

        Returns:
            An ID for `removeSystemEventTrigger` (opaque: each reactor has its own kind).

        Raises:
            KeyError: ``phase`` is not one of the three.
        """
        ...

    # triggerID is Any: it is whatever this reactor's addSystemEventTrigger returned, and
    # each reactor has its own type of ID.
    def removeSystemEventTrigger(self, triggerID: Any) -> None:
        """Remove a trigger added with `addSystemEventTrigger` or `callWhenRunning`.

        Raises:
            ValueError: There is no such trigger.
        """
        ...

    def callWhenRunning(
        self, callable: Callable[..., Any], *args: object, **kwargs: object
    ) -> Any | None:
        """Call ``callable(*args, **kwargs)`` now if the reactor runs, else once it starts.

        Returns:
            The startup trigger's ID (for `removeSystemEventTrigger`) if the call was queued,
            else None.
        """
        ...


@runtime_checkable
class IReactorFromThreads(Protocol, metaclass=InterfaceMeta):
    """The one reactor method other threads may call."""

    def callFromThread(self, callable: Callable[..., Any], *args: object, **kwargs: object) -> None:
        """Call ``callable(*args, **kwargs)`` in the reactor thread, soon (thread-safe).

        Calls made from one thread run in the order they were made; the reactor is woken up
        if it is waiting for I/O.
        """
        ...


@runtime_checkable
class IReactorInThreads(Protocol, metaclass=InterfaceMeta):
    """Running calls in the reactor's thread pool."""

    def callInThread(self, callable: Callable[..., Any], *args: object, **kwargs: object) -> None:
        """Call ``callable(*args, **kwargs)`` in a thread of the reactor's pool.

        Only from the reactor thread; the call's result is dropped (see
        `torsion.internet.threads.deferToThread` for one that is not).
        """
        ...


@runtime_checkable
class IReactorThreads(IReactorFromThreads, IReactorInThreads, Protocol):
    """The reactor's threads: calls into the pool, calls back from any thread."""

    def getThreadPool(self) -> ThreadPool:
        """Return the pool `callInThread` uses (it runs while the reactor runs)."""
        ...

    def suggestThreadPoolSize(self, size: int) -> None:
        """Let the pool grow to at most ``size`` threads."""
        ...


# -- transports, protocols, producers and consumers -------------------------------------------


@runtime_checkable
class IFileDescriptor(Protocol, metaclass=InterfaceMeta):
    """Something the reactor watches: a file descriptor and the object that handles it."""

    def fileno(self) -> int:
        """Return the descriptor (-1 once closed)."""
        ...

    def connectionLost(self, reason: Failure) -> None:
        """The reactor stopped watching it because of ``reason`` (a `Failure`)."""
        ...

    def logPrefix(self) -> str:
        """Return a short name to prefix log messages about it with."""
        ...


@runtime_checkable
class IReadDescriptor(IFileDescriptor, Protocol):
    """A descriptor the reactor watches for reading (``addReader``)."""

    def doRead(self) -> object:
        """Data is available (or EOF, or an error). Return None, or a reason to disconnect."""
        ...


@runtime_checkable
class IWriteDescriptor(IFileDescriptor, Protocol):
    """A descriptor the reactor watches for writing (``addWriter``)."""

    def doWrite(self) -> object:
        """Writing would not block. Return None, or a reason to disconnect."""
        ...


@runtime_checkable
class ITCPTransport(ITransport, Protocol):
    """A TCP connection: half-close, abort and socket options on top of `ITransport`."""

    def loseWriteConnection(self) -> None:
        """Half-close: shut down the sending direction once the buffer is sent."""
        ...

    def abortConnection(self) -> None:
        """Close now, dropping anything not yet sent."""
        ...

    def getTcpNoDelay(self) -> bool:
        """Return whether Nagle's algorithm is off (TCP_NODELAY)."""
        ...

    def setTcpNoDelay(self, enabled: bool) -> None:
        """Turn TCP_NODELAY on or off."""
        ...

    def getTcpKeepAlive(self) -> bool:
        """Return whether SO_KEEPALIVE is on."""
        ...

    def setTcpKeepAlive(self, enabled: bool) -> None:
        """Turn SO_KEEPALIVE on or off."""
        ...


@runtime_checkable
class IProtocol(Protocol, metaclass=InterfaceMeta):
    """What a transport calls on its protocol."""

    def makeConnection(self, transport: ITransport) -> None:
        """Attach ``transport`` and call ``connectionMade``."""
        ...

    def connectionMade(self) -> None:
        """The connection is up."""
        ...

    def dataReceived(self, data: bytes) -> None:
        """Some bytes arrived (any chunking: there are no message boundaries)."""
        ...

    def connectionLost(self, reason: Failure) -> None:
        """The connection is gone; ``reason`` tells how. Called exactly once."""
        ...


@runtime_checkable
class IHalfCloseableProtocol(Protocol, metaclass=InterfaceMeta):
    """A protocol that can keep writing after the peer stops sending.

    torsion's transports treat a protocol as half-closeable when it has both methods (a
    structural check, where Twisted asks for ``@implementer(IHalfCloseableProtocol)``).
    Without them, the peer's half-close is a full close.
    """

    def readConnectionLost(self) -> None:
        """The peer half-closed: nothing more will arrive, but writing still works."""
        ...

    def writeConnectionLost(self) -> None:
        """Our `ITCPTransport.loseWriteConnection` has taken effect."""
        ...


@runtime_checkable
class IProtocolFactory(Protocol, metaclass=InterfaceMeta):
    """Builds a protocol for each new connection."""

    def buildProtocol(self, addr: IAddress) -> IProtocol | None:
        """Return the protocol for a connection from/to ``addr``, or None to refuse it."""
        ...

    def doStart(self) -> None:
        """A port or connector starts using this factory."""
        ...

    def doStop(self) -> None:
        """A port or connector stops using this factory."""
        ...


@runtime_checkable
class IListeningPort(Protocol, metaclass=InterfaceMeta):
    """A listening port, as returned by ``listenTCP``."""

    def startListening(self) -> None:
        """Start accepting connections.

        Raises:
            CannotListenError: The address could not be bound or listened on.
        """
        ...

    def stopListening(self) -> Deferred[None]:
        """Stop accepting; the Deferred fires once the socket is closed."""
        ...

    def getHost(self) -> IAddress:
        """Return the address the port listens on (with the real port number)."""
        ...


@runtime_checkable
class ITCPListeningPort(IListeningPort, Protocol):
    """A listening TCP (or TLS) port: `IListeningPort` whose host is an IP address.

    torsion's, not Twisted's: what ``listenTCP`` and ``listenSSL`` return, so that
    ``port.getHost().port`` type-checks.
    """

    def getHost(self) -> IPv4Address | IPv6Address:
        """Return the address listened on, with the real port number (also after port 0)."""
        ...


@runtime_checkable
class IUNIXListeningPort(IListeningPort, Protocol):
    """A listening UNIX socket: `IListeningPort` whose host is a `UNIXAddress`.

    torsion's, not Twisted's: what ``listenUNIX`` returns.
    """

    def getHost(self) -> UNIXAddress:
        """Return the address listened on."""
        ...


# -- reactor facets ----------------------------------------------------------------------------


@runtime_checkable
class IReactorTCP(Protocol, metaclass=InterfaceMeta):
    """A reactor that listens for and makes TCP connections (also `MemoryReactor` in tests).

    The factories are torsion's `Factory` and `ClientFactory` classes, as the reactors accept.
    """

    def listenTCP(
        self, port: int, factory: Factory, backlog: int = 50, interface: str = ""
    ) -> ITCPListeningPort:
        """Listen on ``port`` (0: any free one) of ``interface`` ("" : all IPv4 ones).

        Raises:
            CannotListenError: The address could not be bound or listened on.
        """
        ...

    def connectTCP(
        self,
        host: str,
        port: int,
        factory: ClientFactory,
        timeout: float = 30,
        bindAddress: tuple[str, int] | None = None,
    ) -> IConnector:
        """Connect to ``host``:``port``; ``factory`` is told how the attempt goes."""
        ...


@runtime_checkable
class IStreamServerEndpoint(Protocol, metaclass=InterfaceMeta):
    """A stream server endpoint (`torsion.internet.endpoints`): where to listen."""

    def listen(self, protocolFactory: Factory) -> Deferred[IListeningPort]:
        """Listen with ``protocolFactory``; fire with the port, or fail (`CannotListenError`)."""
        ...


@runtime_checkable
class IStreamClientEndpoint(Protocol, metaclass=InterfaceMeta):
    """A stream client endpoint (`torsion.internet.endpoints`): where to connect."""

    def connect(self, protocolFactory: Factory) -> Deferred[Any]:
        """Connect; fire with the protocol built by ``protocolFactory`` once connected."""
        ...


@runtime_checkable
class IReactorFDSet(Protocol, metaclass=InterfaceMeta):
    """A reactor's sets of descriptors watched for reading and for writing."""

    def addReader(self, reader: IReadDescriptor) -> None:
        """Call ``reader.doRead()`` whenever it is readable."""
        ...

    def addWriter(self, writer: IWriteDescriptor) -> None:
        """Call ``writer.doWrite()`` whenever it is writable."""
        ...

    def removeReader(self, reader: IReadDescriptor) -> None:
        """Stop watching ``reader`` for reading (no error if it was not watched)."""
        ...

    def removeWriter(self, writer: IWriteDescriptor) -> None:
        """Stop watching ``writer`` for writing (no error if it was not watched)."""
        ...

    def removeAll(self) -> list[Any]:
        """Stop watching every descriptor and return them (without internal ones)."""
        ...

    def getReaders(self) -> list[Any]:
        """Return the descriptors watched for reading."""
        ...

    def getWriters(self) -> list[Any]:
        """Return the descriptors watched for writing."""
        ...


# -- UNIX sockets ------------------------------------------------------------------------------


@runtime_checkable
class IReactorUNIX(Protocol, metaclass=InterfaceMeta):
    """A reactor that listens for and makes UNIX stream socket connections.

    An address is a path (``str`` or ``bytes``) or, on Linux, an abstract-namespace name
    starting with a NUL (``"\\0name"``; no file, no lock).
    """

    def listenUNIX(
        self,
        address: str | bytes,
        factory: Factory,
        backlog: int = 50,
        mode: int = 0o666,
        wantPID: bool = False,
    ) -> IUNIXListeningPort:
        """Listen on ``address``; the socket file gets permissions ``mode``.

        With ``wantPID``, ``address + ".lock"`` holds this process's PID while listening: a
        second server fails, and a dead server's leftover socket file is removed.

        Raises:
            CannotListenError: The lock is held by a live process, or binding failed.
        """
        ...

    def connectUNIX(
        self,
        address: str | bytes,
        factory: ClientFactory,
        timeout: float = 30,
        checkPID: bool = False,
    ) -> IConnector:
        """Connect to ``address``; with ``checkPID``, fail at once (`BadFileError`) when no
        live process holds ``address + ".lock"``."""
        ...


@runtime_checkable
class IUNIXTransport(ITransport, Protocol):
    """A UNIX stream connection: a transport that can also pass file descriptors."""

    def sendFileDescriptor(self, descriptor: int) -> None:
        """Send a duplicate of ``descriptor`` to the peer, with the next bytes sent.

        The descriptors are sent in order among themselves, each batch with some of the
        bytes still buffered or written next (so write at least once after sending
        descriptors); one never arrives after bytes written after it.
        """
        ...


@runtime_checkable
class IFileDescriptorReceiver(Protocol, metaclass=InterfaceMeta):
    """A protocol that accepts descriptors passed over a UNIX connection.

    A protocol without this method gets received descriptors closed for it.
    """

    def fileDescriptorReceived(self, descriptor: int) -> None:
        """``descriptor`` arrived (before the bytes sent with it); it is the protocol's now."""
        ...


# -- UDP and multicast -------------------------------------------------------------------------


@runtime_checkable
class IUDPTransport(Protocol, metaclass=InterfaceMeta):
    """A UDP port, as its `DatagramProtocol` sees it (``self.transport``)."""

    def write(self, packet: bytes, addr: tuple[str, int] | None = None) -> None:
        """Send one datagram to ``addr`` (None only once `connect` was called).

        Raises:
            MessageLengthError: The datagram is too long to send (the port keeps working).
            InvalidAddressError: ``addr`` is a host name or of the wrong address family.
        """
        ...

    def connect(self, host: str, port: int) -> None:
        """Exchange datagrams with ``host``:``port`` only (an IP address, not a host name).

        Raises:
            InvalidAddressError: ``host`` is not an IP address.
            RuntimeError: Already connected.
        """
        ...

    def getHost(self) -> IPv4Address | IPv6Address:
        """Return the local address (with the real port number)."""
        ...

    def stopListening(self) -> Deferred[None]:
        """Close the port; the Deferred fires once it is closed."""
        ...

    def setBroadcastAllowed(self, enabled: bool) -> None:
        """Allow or forbid sending to broadcast addresses (SO_BROADCAST)."""
        ...

    def getBroadcastAllowed(self) -> bool:
        """Return whether sending to broadcast addresses is allowed."""
        ...


@runtime_checkable
class IMulticastTransport(IUDPTransport, Protocol):
    """A UDP port that can join multicast groups (``listenMulticast``)."""

    def getOutgoingInterface(self) -> str | int:
        """Return the interface multicast datagrams are sent from."""
        ...

    def setOutgoingInterface(self, addr: str | int) -> Deferred[int]:
        """Send multicast datagrams from the interface with address ``addr`` (IPv4) or
        index ``addr`` (IPv6)."""
        ...

    def getLoopbackMode(self) -> bool:
        """Return whether our own multicast datagrams are delivered back to this host."""
        ...

    def setLoopbackMode(self, mode: int) -> None:
        """Deliver (true) or do not deliver our own multicast datagrams back to this host."""
        ...

    def getTTL(self) -> int:
        """Return the time to live (hop limit) of multicast datagrams sent."""
        ...

    def setTTL(self, ttl: int) -> None:
        """Set the time to live (hop limit) of multicast datagrams sent."""
        ...

    def joinGroup(self, addr: str, interface: str = "") -> Deferred[None]:
        """Join group ``addr`` on ``interface``; the Deferred fails with `MulticastJoinError`."""
        ...

    def leaveGroup(self, addr: str, interface: str = "") -> Deferred[None]:
        """Leave group ``addr`` on ``interface``."""
        ...


@runtime_checkable
class IUDPListeningPort(IListeningPort, IUDPTransport, Protocol):
    """A bound UDP port: both the `IListeningPort` and its protocol's `IUDPTransport`.

    torsion's, not Twisted's: what ``listenUDP`` returns, so that ``port.getHost().port`` and
    ``port.write(...)`` type-check.
    """

    def getHost(self) -> IPv4Address | IPv6Address:
        """Return the address bound, with the real port number (also after port 0)."""
        ...


@runtime_checkable
class IUNIXDatagramTransport(Protocol, metaclass=InterfaceMeta):
    """A listening UNIX datagram socket, as its protocol sees it."""

    def write(self, packet: bytes, addr: str | bytes) -> None:
        """Send one datagram to the socket at path ``addr``."""
        ...

    def getHost(self) -> UNIXAddress:
        """Return the local address."""
        ...


@runtime_checkable
class IUNIXDatagramConnectedTransport(Protocol, metaclass=InterfaceMeta):
    """A connected UNIX datagram socket, as its `ConnectedDatagramProtocol` sees it."""

    def write(self, packet: bytes) -> None:
        """Send one datagram to the peer."""
        ...

    def getHost(self) -> UNIXAddress:
        """Return the local address."""
        ...

    def getPeer(self) -> IAddress:
        """Return the peer's address (a `UNIXAddress`)."""
        ...


@runtime_checkable
class IReactorUDP(Protocol, metaclass=InterfaceMeta):
    """A reactor that speaks UDP."""

    def listenUDP(
        self,
        port: int,
        protocol: AbstractDatagramProtocol,
        interface: str = "",
        maxPacketSize: int = 8192,
    ) -> IUDPListeningPort:
        """Bind ``port`` (0: any free one) of ``interface`` and deliver datagrams to ``protocol``.

        Raises:
            CannotListenError: The address could not be bound.
        """
        ...


@runtime_checkable
class IReactorMulticast(Protocol, metaclass=InterfaceMeta):
    """A reactor that speaks multicast UDP."""

    def listenMulticast(
        self,
        port: int,
        protocol: AbstractDatagramProtocol,
        interface: str = "",
        maxPacketSize: int = 8192,
        listenMultiple: bool = False,
    ) -> IListeningPort:
        """As ``listenUDP``, with a port that can join groups; ``listenMultiple`` lets several
        sockets bind the same port (SO_REUSEADDR and SO_REUSEPORT)."""
        ...


@runtime_checkable
class IReactorUNIXDatagram(Protocol, metaclass=InterfaceMeta):
    """A reactor that speaks UNIX datagram sockets."""

    def listenUNIXDatagram(
        self,
        address: str | bytes,
        protocol: AbstractDatagramProtocol,
        maxPacketSize: int = 8192,
        mode: int = 0o666,
    ) -> IListeningPort:
        """Bind the socket at path ``address`` and deliver datagrams to ``protocol``."""
        ...

    def connectUNIXDatagram(
        self,
        address: str | bytes,
        protocol: ConnectedDatagramProtocol,
        maxPacketSize: int = 8192,
        mode: int = 0o666,
        bindAddress: str | bytes | None = None,
    ) -> IListeningPort:
        """Exchange datagrams with the socket at path ``address`` only."""
        ...


# -- name resolution ---------------------------------------------------------------------------


@runtime_checkable
class IHostResolution(Protocol, metaclass=InterfaceMeta):
    """A host name lookup in progress, as `IHostnameResolver.resolveHostName` returns it."""

    @property
    def name(self) -> str:
        """The host name being looked up."""
        ...

    def cancel(self) -> None:
        """Abandon the lookup: the receiver hears of no further address, and it completes."""
        ...


@runtime_checkable
class IResolutionReceiver(Protocol, metaclass=InterfaceMeta):
    """Where the results of a host name lookup go, one address at a time."""

    def resolutionBegan(self, resolutionInProgress: IHostResolution) -> None:
        """The lookup began (called first, exactly once, before any address)."""
        ...

    def addressResolved(self, address: IAddress) -> None:
        """One address of the name (an `IPv4Address` or `IPv6Address`, with the port)."""
        ...

    def resolutionComplete(self) -> None:
        """The lookup is over (called last, exactly once, after the addresses if any)."""
        ...


@runtime_checkable
class IHostnameResolver(Protocol, metaclass=InterfaceMeta):
    """Turns a host name and port into addresses, reported to an `IResolutionReceiver`."""

    def resolveHostName(
        self,
        resolutionReceiver: IResolutionReceiver,
        hostName: str,
        portNumber: int = 0,
        addressTypes: Sequence[type[IAddress]] | None = None,
        transportSemantics: str = "TCP",
    ) -> IHostResolution:
        """Start looking up ``hostName``.

        Args:
            resolutionReceiver: Told when the lookup begins, of each address, and when it
                ends. A name that does not resolve is a lookup that completes with no address.
            hostName: The name to look up.
            portNumber: The port every address reported has.
            addressTypes: The address classes wanted (`IPv4Address`, `IPv6Address`); None
                means both.
            transportSemantics: ``"TCP"`` (stream addresses) or ``"UDP"`` (datagram ones).

        Returns:
            The lookup, which can be cancelled.
        """
        ...


@runtime_checkable
class IReactorPluggableNameResolver(Protocol, metaclass=InterfaceMeta):
    """A reactor whose host name resolver can be replaced."""

    @property
    def nameResolver(self) -> IHostnameResolver:
        """The resolver in use (read-only: replace it with `installNameResolver`)."""
        ...

    def installNameResolver(self, resolver: IHostnameResolver) -> IHostnameResolver:
        """Use ``resolver`` from now on; return the one it replaces."""
        ...


# -- child processes ---------------------------------------------------------------------------


@runtime_checkable
class IProcessProtocol(Protocol, metaclass=InterfaceMeta):
    """What a process transport calls on its protocol (`protocol.ProcessProtocol`)."""

    def makeConnection(self, transport: IProcessTransport) -> None:
        """The child was started: attach its transport."""
        ...

    def childDataReceived(self, childFD: int, data: bytes) -> None:
        """The child wrote ``data`` to its descriptor ``childFD``."""
        ...

    def childConnectionLost(self, childFD: int) -> None:
        """The pipe to the child's descriptor ``childFD`` was closed."""
        ...

    def processExited(self, reason: Failure) -> None:
        """The child exited (reaped); its pipes may still be open."""
        ...

    def processEnded(self, reason: Failure) -> None:
        """The child exited and all its pipes were closed: the last call, exactly once."""
        ...


@runtime_checkable
class IReactorProcess(Protocol, metaclass=InterfaceMeta):
    """Running child processes (Twisted's ``IReactorProcess``)."""

    def spawnProcess(
        self,
        processProtocol: IProcessProtocol,
        executable: str | bytes,
        args: Sequence[str | bytes] = (),
        env: Mapping[str, str] | None = {},  # Twisted's default: an empty environment
        path: str | None = None,
        uid: int | None = None,
        gid: int | None = None,
        usePTY: bool | tuple[int, int, str] = False,
        childFDs: Mapping[int, str | int] | None = None,
    ) -> IProcessTransport:
        """Start ``executable`` with argv ``args`` and connect ``processProtocol`` to it."""
        ...


# -- TLS ---------------------------------------------------------------------------------------


@runtime_checkable
class IOpenSSLContextFactory(Protocol, metaclass=InterfaceMeta):
    """A TLS context factory: ``getContext()`` gives the `ssl.SSLContext` to use.

    Wherever torsion takes a context factory it also takes a plain `ssl.SSLContext`.
    """

    def getContext(self) -> Any:
        """Return the `ssl.SSLContext` for new connections."""
        ...


@runtime_checkable
class IReactorSSL(Protocol, metaclass=InterfaceMeta):
    """A reactor that listens for and makes TLS connections (TLS over its TCP)."""

    def listenSSL(
        self,
        port: int,
        factory: Factory,
        contextFactory: Any,
        backlog: int = 50,
        interface: str = "",
    ) -> ITCPListeningPort:
        """Listen on ``port`` for TLS connections, with ``contextFactory``'s settings."""
        ...

    def connectSSL(
        self,
        host: str,
        port: int,
        factory: ClientFactory,
        contextFactory: Any,
        timeout: float = 30,
        bindAddress: tuple[str, int] | None = None,
    ) -> IConnector:
        """Connect to ``host``:``port`` and talk TLS with ``contextFactory``'s settings."""
        ...


@runtime_checkable
class ISSLTransport(ITransport, Protocol):
    """A transport that encrypts with TLS."""

    def getPeerCertificate(self) -> Any:
        """Return the certificate the peer presented, or None."""
        ...


@runtime_checkable
class ITLSTransport(ITCPTransport, Protocol):
    """A transport on which TLS can be started mid-connection (STARTTLS)."""

    def startTLS(self, contextFactory: Any, normal: bool = True) -> None:
        """Encrypt everything written from now on; see `torsion.protocols.tls.startTLS`."""
        ...


@runtime_checkable
class INegotiated(Protocol, metaclass=InterfaceMeta):
    """A transport that may have agreed on an application protocol (ALPN)."""

    @property
    def negotiatedProtocol(self) -> bytes | None:
        """The agreed protocol name, or None."""
        ...


@runtime_checkable
class IHandshakeListener(Protocol, metaclass=InterfaceMeta):
    """A protocol that wants to know when its TLS handshake has completed."""

    def handshakeCompleted(self) -> None:
        """The handshake completed: the peer's certificate and ALPN are known now."""
        ...


# -- torsion's intersections -------------------------------------------------------------------
#
# Not Twisted's: where code needs several of the facets above of one reactor, it asks for one
# of these, defined here once. Any object with all the facets' methods provides one (no class
# has to name it).


@runtime_checkable
class IReactorTimeAndFDSet(IReactorTime, IReactorFDSet, Protocol):
    """torsion's, not Twisted's: a clock with descriptor sets, what a transport needs."""


@runtime_checkable
class IReactorTimeAndThreads(IReactorTime, IReactorThreads, Protocol):
    """torsion's, not Twisted's: a clock with a thread pool, what a threaded lookup needs."""


@runtime_checkable
class IReactorTCPAndTime(IReactorTCP, IReactorTime, Protocol):
    """torsion's, not Twisted's: TCP and a clock, what a TCP client helper needs."""


@runtime_checkable
class IReactorTCPTimeAndThreads(IReactorTCP, IReactorTime, IReactorThreads, Protocol):
    """torsion's, not Twisted's: TCP, a clock and threads, what a `HostnameEndpoint` that
    resolves names in the thread pool needs."""


@runtime_checkable
class IReactorTCPUNIXSSLAndTime(IReactorTCP, IReactorUNIX, IReactorSSL, IReactorTime, Protocol):
    """torsion's, not Twisted's: every way to make a stream connection, and a clock; what
    `torsion.internet.protocol.ClientCreator` needs."""


@runtime_checkable
class IReactorProcessSupport(IReactorTime, IReactorFDSet, IReactorFromThreads, Protocol):
    """torsion's, not Twisted's: what a child process's transport needs of its reactor.

    Its pipes are descriptors, and its exit is noticed by a descriptor, a timer or a thread
    reporting back (`callFromThread`).
    """


@runtime_checkable
class IReactorConnect(IReactorCore, IReactorTime, IReactorFDSet, Protocol):
    """torsion's, not Twisted's: what a TCP connector needs (`IReactorCore.resolve` for the
    host name, a clock for the timeout, descriptor sets for the socket)."""


@runtime_checkable
class IFullReactor(
    IReactorCore,
    IReactorTime,
    IReactorThreads,
    IReactorFDSet,
    IReactorTCP,
    IReactorUNIX,
    IReactorUDP,
    IReactorMulticast,
    IReactorUNIXDatagram,
    IReactorProcess,
    IReactorSSL,
    IReactorPluggableNameResolver,
    Protocol,
):
    """torsion's, not Twisted's: everything torsion's reactors provide.

    Every reactor of `torsion.testing.REACTORS` (select, poll, epoll, asyncio, uvloop) is one:
    Twisted's facets, plus the two things torsion's reactors add, `run`'s
    ``installSignalHandlers`` and `close`. The ``reactor`` fixture of the pytest plugin gives
    one, and ``from torsion.internet import reactor`` is one.
    """

    def run(self, installSignalHandlers: bool = True) -> None:
        """Fire the startup event, run the loop until `stop` or `crash`, then return.

        Unlike Twisted's, a reactor can run again after `run` returned.

        Args:
            installSignalHandlers: Stop cleanly on SIGINT and SIGTERM (main thread only).

        Raises:
            ReactorAlreadyRunning: ``run`` is already running.
        """
        ...

    def close(self) -> None:
        """Release the reactor's own descriptors (not in Twisted; for tests and embedding).

        Raises:
            ReactorAlreadyRunning: The reactor is running.
        """
        ...


# -- the rest of Twisted's interfaces ------------------------------------------------------------
# Named as in Twisted, so that code that imports or declares them works; torsion's own code uses
# few of them.


@runtime_checkable
class ILoggingContext(Protocol, metaclass=InterfaceMeta):
    """Something that names itself in log lines (protocols, factories, transports)."""

    def logPrefix(self) -> str:
        """Return the prefix for log lines about this object."""
        ...


@runtime_checkable
class ISystemHandle(Protocol, metaclass=InterfaceMeta):
    """An object with an operating-system handle (a socket, for torsion's transports)."""

    def getHandle(self) -> Any:
        """Return the handle (for options torsion does not wrap)."""
        ...


@runtime_checkable
class IReadWriteDescriptor(IReadDescriptor, IWriteDescriptor, Protocol):
    """A descriptor the reactor watches for both reading and writing."""


@runtime_checkable
class IHalfCloseableDescriptor(Protocol, metaclass=InterfaceMeta):
    """A descriptor told when each direction of its connection closes."""

    def writeConnectionLost(self, reason: Failure) -> None:
        """The writing direction closed."""
        ...

    def readConnectionLost(self, reason: Failure) -> None:
        """The reading direction closed."""
        ...


@runtime_checkable
class IResolverSimple(Protocol, metaclass=InterfaceMeta):
    """Looks up one IPv4 address of a host name."""

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> Deferred[str]:
        """Fire with an address of ``name``, or fail with `DNSLookupError`."""
        ...


@runtime_checkable
class IResolver(IResolverSimple, Protocol):
    """A DNS resolver: queries and the lookups of each record type (Twisted's ``names``)."""

    def query(self, query: Any, timeout: Sequence[int] | None = None) -> Deferred[Any]:
        """Answer ``query`` (a DNS query object)."""
        ...

    def lookupAFSDatabase(self, name: str, timeout: Sequence[int] | None = None) -> Deferred[Any]:
        """Look up the records of ``name`` (see Twisted's ``IResolver``)."""
        ...

    def lookupAddress(self, name: str, timeout: Sequence[int] | None = None) -> Deferred[Any]:
        """Look up the records of ``name`` (see Twisted's ``IResolver``)."""
        ...

    def lookupAddress6(self, name: str, timeout: Sequence[int] | None = None) -> Deferred[Any]:
        """Look up the records of ``name`` (see Twisted's ``IResolver``)."""
        ...

    def lookupAllRecords(self, name: str, timeout: Sequence[int] | None = None) -> Deferred[Any]:
        """Look up the records of ``name`` (see Twisted's ``IResolver``)."""
        ...

    def lookupAuthority(self, name: str, timeout: Sequence[int] | None = None) -> Deferred[Any]:
        """Look up the records of ``name`` (see Twisted's ``IResolver``)."""
        ...

    def lookupCanonicalName(self, name: str, timeout: Sequence[int] | None = None) -> Deferred[Any]:
        """Look up the records of ``name`` (see Twisted's ``IResolver``)."""
        ...

    def lookupHostInfo(self, name: str, timeout: Sequence[int] | None = None) -> Deferred[Any]:
        """Look up the records of ``name`` (see Twisted's ``IResolver``)."""
        ...

    def lookupIPV6Address(self, name: str, timeout: Sequence[int] | None = None) -> Deferred[Any]:
        """Look up the records of ``name`` (see Twisted's ``IResolver``)."""
        ...

    def lookupMailBox(self, name: str, timeout: Sequence[int] | None = None) -> Deferred[Any]:
        """Look up the records of ``name`` (see Twisted's ``IResolver``)."""
        ...

    def lookupMailExchange(self, name: str, timeout: Sequence[int] | None = None) -> Deferred[Any]:
        """Look up the records of ``name`` (see Twisted's ``IResolver``)."""
        ...

    def lookupMailGroup(self, name: str, timeout: Sequence[int] | None = None) -> Deferred[Any]:
        """Look up the records of ``name`` (see Twisted's ``IResolver``)."""
        ...

    def lookupMailRename(self, name: str, timeout: Sequence[int] | None = None) -> Deferred[Any]:
        """Look up the records of ``name`` (see Twisted's ``IResolver``)."""
        ...

    def lookupMailboxInfo(self, name: str, timeout: Sequence[int] | None = None) -> Deferred[Any]:
        """Look up the records of ``name`` (see Twisted's ``IResolver``)."""
        ...

    def lookupNameservers(self, name: str, timeout: Sequence[int] | None = None) -> Deferred[Any]:
        """Look up the records of ``name`` (see Twisted's ``IResolver``)."""
        ...

    def lookupNamingAuthorityPointer(
        self, name: str, timeout: Sequence[int] | None = None
    ) -> Deferred[Any]:
        """Look up the records of ``name`` (see Twisted's ``IResolver``)."""
        ...

    def lookupNull(self, name: str, timeout: Sequence[int] | None = None) -> Deferred[Any]:
        """Look up the records of ``name`` (see Twisted's ``IResolver``)."""
        ...

    def lookupPointer(self, name: str, timeout: Sequence[int] | None = None) -> Deferred[Any]:
        """Look up the records of ``name`` (see Twisted's ``IResolver``)."""
        ...

    def lookupResponsibility(
        self, name: str, timeout: Sequence[int] | None = None
    ) -> Deferred[Any]:
        """Look up the records of ``name`` (see Twisted's ``IResolver``)."""
        ...

    def lookupSenderPolicy(self, name: str, timeout: Sequence[int] | None = None) -> Deferred[Any]:
        """Look up the records of ``name`` (see Twisted's ``IResolver``)."""
        ...

    def lookupService(self, name: str, timeout: Sequence[int] | None = None) -> Deferred[Any]:
        """Look up the records of ``name`` (see Twisted's ``IResolver``)."""
        ...

    def lookupText(self, name: str, timeout: Sequence[int] | None = None) -> Deferred[Any]:
        """Look up the records of ``name`` (see Twisted's ``IResolver``)."""
        ...

    def lookupWellKnownServices(
        self, name: str, timeout: Sequence[int] | None = None
    ) -> Deferred[Any]:
        """Look up the records of ``name`` (see Twisted's ``IResolver``)."""
        ...

    def lookupZone(self, name: str, timeout: Sequence[int] | None = None) -> Deferred[Any]:
        """Look up the records of ``name`` (see Twisted's ``IResolver``)."""
        ...


@runtime_checkable
class IReactorPluggableResolver(Protocol, metaclass=InterfaceMeta):
    """A reactor whose `IResolverSimple` can be replaced (the older form of name resolution)."""

    def installResolver(self, resolver: IResolverSimple) -> IResolverSimple:
        """Use ``resolver`` from now on; return the one used until now."""
        ...


@runtime_checkable
class IReactorTCP2(IReactorTCP, Protocol):
    """Twisted's name for `IReactorTCP` with ``interface=None`` meaning all interfaces."""


@runtime_checkable
class IReactorSocket(Protocol, metaclass=InterfaceMeta):
    """A reactor that takes over sockets made elsewhere (inherited, passed, or made by hand)."""

    def adoptStreamPort(self, fileDescriptor: int, addressFamily: int, factory: Any) -> Any:
        """Listen on the listening socket ``fileDescriptor`` (the caller keeps its own)."""
        ...

    def adoptStreamConnection(self, fileDescriptor: int, addressFamily: int, factory: Any) -> None:
        """Run a protocol from ``factory`` on the connected socket ``fileDescriptor``."""
        ...

    def adoptDatagramPort(
        self, fileDescriptor: int, addressFamily: int, protocol: Any, maxPacketSize: int = 8192
    ) -> Any:
        """Deliver the datagrams of the bound socket ``fileDescriptor`` to ``protocol``."""
        ...


@runtime_checkable
class IReactorDaemonize(Protocol, metaclass=InterfaceMeta):
    """A reactor told before and after the process daemonizes (forks into the background)."""

    def beforeDaemonize(self) -> None:
        """The process is about to daemonize."""
        ...

    def afterDaemonize(self) -> None:
        """The process has daemonized."""
        ...


@runtime_checkable
class IReactorWin32Events(Protocol, metaclass=InterfaceMeta):
    """Windows event objects in the reactor (never provided by torsion, which is POSIX-only)."""

    def addEvent(self, event: Any, fd: Any, action: str) -> None:
        """Call ``getattr(fd, action)()`` when ``event`` is signalled."""
        ...

    def removeEvent(self, event: Any) -> None:
        """Stop watching ``event``."""
        ...


@runtime_checkable
class IOpenSSLServerConnectionCreator(Protocol, metaclass=InterfaceMeta):
    """Makes the TLS connection of a server-side TLS protocol."""

    def serverConnectionForTLS(self, tlsProtocol: Any) -> Any:
        """Return the TLS connection object for ``tlsProtocol``."""
        ...


@runtime_checkable
class IOpenSSLClientConnectionCreator(Protocol, metaclass=InterfaceMeta):
    """Makes the TLS connection of a client-side TLS protocol."""

    def clientConnectionForTLS(self, tlsProtocol: Any) -> Any:
        """Return the TLS connection object for ``tlsProtocol``."""
        ...


@runtime_checkable
class IProtocolNegotiationFactory(Protocol, metaclass=InterfaceMeta):
    """A factory that offers application protocols for ALPN."""

    def acceptableProtocols(self) -> list[bytes]:
        """Return the protocol names offered, most preferred first."""
        ...


@runtime_checkable
class ICipher(Protocol, metaclass=InterfaceMeta):
    """A TLS cipher, by its OpenSSL name."""

    fullName: str


@runtime_checkable
class IAcceptableCiphers(Protocol, metaclass=InterfaceMeta):
    """Chooses the ciphers to use among those available."""

    def selectCiphers(self, availableCiphers: Sequence[ICipher]) -> Sequence[ICipher]:
        """Return the acceptable ones among ``availableCiphers``."""
        ...


@runtime_checkable
class IServiceCollection(Protocol, metaclass=InterfaceMeta):
    """A collection of named services (Twisted's application framework)."""

    def getServiceNamed(self, serviceName: str) -> Any:
        """Return the service called ``serviceName``.

        Raises:
            KeyError: There is none.
        """
        ...

    def addService(self, service: Any) -> None:
        """Add ``service`` to the collection."""
        ...

    def removeService(self, service: Any) -> None:
        """Remove ``service`` from the collection."""
        ...


@runtime_checkable
class IStreamServerEndpointStringParser(Protocol, metaclass=InterfaceMeta):
    """A plugin that parses server endpoint descriptions starting with `prefix`."""

    prefix: str

    def parseStreamServer(self, reactor: Any, *args: str, **kwargs: str) -> IStreamServerEndpoint:
        """Return the endpoint described by ``args`` and ``kwargs``."""
        ...


@runtime_checkable
class IStreamClientEndpointStringParserWithReactor(Protocol, metaclass=InterfaceMeta):
    """A plugin that parses client endpoint descriptions starting with `prefix`."""

    prefix: str

    def parseStreamClient(self, reactor: Any, *args: str, **kwargs: str) -> IStreamClientEndpoint:
        """Return the endpoint described by ``args`` and ``kwargs``."""
        ...


@runtime_checkable
class _ISupportsExitSignalCapturing(Protocol, metaclass=InterfaceMeta):
    """A reactor that records the signal that stopped it (Twisted's private interface)."""

    _exitSignal: int | None
