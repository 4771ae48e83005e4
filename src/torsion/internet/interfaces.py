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

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, ParamSpec, Protocol, runtime_checkable

if TYPE_CHECKING:
    from torsion.internet.defer import Deferred
    from torsion.internet.protocol import ClientFactory, Factory
    from torsion.python.failure import Failure

__all__ = [
    "IAddress",
    "IConnector",
    "IConsumer",
    "IDelayedCall",
    "IFileDescriptor",
    "IHalfCloseableProtocol",
    "IListeningPort",
    "IProducer",
    "IProtocol",
    "IProtocolFactory",
    "IPullProducer",
    "IPushProducer",
    "IReactorFDSet",
    "IReactorTCP",
    "IReactorTime",
    "IReadDescriptor",
    "IStreamClientEndpoint",
    "IStreamServerEndpoint",
    "ITCPTransport",
    "ITransport",
    "IWriteDescriptor",
]

_P = ParamSpec("_P")


@runtime_checkable
class IDelayedCall(Protocol):
    """A call scheduled to run later, which can still be cancelled or moved.

    Once the call has run or been cancelled it is inactive, and `cancel`, `delay` and `reset`
    raise `torsion.internet.error.AlreadyCalled` or `torsion.internet.error.AlreadyCancelled`.
    """

    def getTime(self) -> float:
        """Return the time at which the call is due, on its clock's `IReactorTime.seconds` scale."""
        ...

    def cancel(self) -> None:
        """Unschedule the call so it never runs.

        Raises:
            AlreadyCalled: The call has already run.
            AlreadyCancelled: The call was already cancelled.
        """
        ...

    def delay(self, secondsLater: float) -> None:
        """Move the call ``secondsLater`` seconds after the time it is currently due.

        A negative value moves it earlier.

        Raises:
            AlreadyCalled: The call has already run.
            AlreadyCancelled: The call was already cancelled.
        """
        ...

    def reset(self, secondsFromNow: float) -> None:
        """Make the call due ``secondsFromNow`` seconds after the clock's current time.

        The same as cancelling it and scheduling it again, except that it is the same object.

        Raises:
            AlreadyCalled: The call has already run.
            AlreadyCancelled: The call was already cancelled.
        """
        ...

    def active(self) -> bool:
        """Return True until the call has run or been cancelled."""
        ...


@runtime_checkable
class IReactorTime(Protocol):
    """A clock that can run calls later: the reactor, or `torsion.internet.task.Clock` in tests.

    Code that takes an `IReactorTime` instead of using the global reactor can be tested without
    waiting for real time to pass.
    """

    def seconds(self) -> float:
        """Return the current time in seconds (the scale `callLater` and `getTime` use)."""
        ...

    def callLater(
        self, delay: float, callable: Callable[_P, object], *args: _P.args, **kwargs: _P.kwargs
    ) -> IDelayedCall:
        """Call ``callable(*args, **kwargs)`` once ``delay`` seconds have passed.

        Args:
            delay: Seconds from now; 0 means as soon as possible, but never from inside
                this call.
            callable: What to call; its return value is ignored.
            *args: Positional arguments for ``callable``.
            **kwargs: Keyword arguments for ``callable``.

        Returns:
            The scheduled call, which can be cancelled or moved until it runs.
        """
        ...

    def getDelayedCalls(self) -> Sequence[IDelayedCall]:
        """Return the calls that are scheduled and have neither run nor been cancelled."""
        ...


# -- transports, protocols, producers and consumers -------------------------------------------


@runtime_checkable
class IFileDescriptor(Protocol):
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
class IAddress(Protocol):
    """An address (`torsion.internet.address`): any value object describing an endpoint."""


@runtime_checkable
class IProducer(Protocol):
    """Something that writes data to a consumer (`IConsumer`) and can be told to stop."""

    def stopProducing(self) -> None:
        """Stop producing for good: the consumer is going away."""
        ...


@runtime_checkable
class IPushProducer(IProducer, Protocol):
    """A producer that writes on its own (``streaming=True``) until it is paused."""

    def pauseProducing(self) -> None:
        """Stop writing until `resumeProducing` is called (the consumer's buffer is full)."""
        ...

    def resumeProducing(self) -> None:
        """Start writing again after `pauseProducing`."""
        ...


@runtime_checkable
class IPullProducer(IProducer, Protocol):
    """A producer that writes one chunk each time it is asked (``streaming=False``)."""

    def resumeProducing(self) -> None:
        """Write the next chunk to the consumer."""
        ...


@runtime_checkable
class IConsumer(Protocol):
    """Something that data is written to, and that can push back on a producer."""

    def registerProducer(self, producer: IProducer, streaming: bool) -> None:
        """Attach a producer: push (``streaming=True``) or pull (``streaming=False``).

        Raises:
            RuntimeError: A producer is already registered.
        """
        ...

    def unregisterProducer(self) -> None:
        """Detach the registered producer."""
        ...

    def write(self, data: bytes) -> None:
        """Accept ``data`` for sending."""
        ...


@runtime_checkable
class ITransport(Protocol):
    """A connection's writing end, as the protocol sees it."""

    def write(self, data: bytes) -> None:
        """Send ``data`` (bytes only) eventually and in order; never blocks.

        Raises:
            TypeError: ``data`` is not bytes-like (for example a ``str``).
        """
        ...

    def writeSequence(self, data: Iterable[bytes]) -> None:
        """Send each of ``data`` in turn, as `write` would."""
        ...

    def loseConnection(self) -> None:
        """Close once everything written so far (and until the close) has been sent."""
        ...

    def getPeer(self) -> IAddress:
        """Return the remote end's address."""
        ...

    def getHost(self) -> IAddress:
        """Return the local end's address."""
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
class IProtocol(Protocol):
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
class IHalfCloseableProtocol(Protocol):
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
class IProtocolFactory(Protocol):
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
class IListeningPort(Protocol):
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
class IConnector(Protocol):
    """An outgoing connection attempt, as returned by ``connectTCP``."""

    def stopConnecting(self) -> None:
        """Abandon the attempt in progress (`UserError` to the factory).

        Raises:
            NotConnectingError: No attempt is in progress.
        """
        ...

    def disconnect(self) -> None:
        """Stop connecting, or close the connection once made."""
        ...

    def connect(self) -> None:
        """Start a new attempt (for example to reconnect)."""
        ...

    def getDestination(self) -> IAddress:
        """Return the address being connected to."""
        ...


# -- reactor facets ----------------------------------------------------------------------------


@runtime_checkable
class IReactorTCP(Protocol):
    """A reactor that listens for and makes TCP connections (also `MemoryReactor` in tests).

    The factories are torsion's `Factory` and `ClientFactory` classes, as the reactors accept.
    """

    def listenTCP(
        self, port: int, factory: Factory, backlog: int = 50, interface: str = ""
    ) -> IListeningPort:
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
class IStreamServerEndpoint(Protocol):
    """A stream server endpoint (`torsion.internet.endpoints`): where to listen."""

    def listen(self, protocolFactory: Factory) -> Deferred[IListeningPort]:
        """Listen with ``protocolFactory``; fire with the port, or fail (`CannotListenError`)."""
        ...


@runtime_checkable
class IStreamClientEndpoint(Protocol):
    """A stream client endpoint (`torsion.internet.endpoints`): where to connect."""

    def connect(self, protocolFactory: Factory) -> Deferred[Any]:
        """Connect; fire with the protocol built by ``protocolFactory`` once connected."""
        ...


@runtime_checkable
class IReactorFDSet(Protocol):
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

# -- UDP and multicast -------------------------------------------------------------------------

# -- child processes ---------------------------------------------------------------------------

# -- TLS ---------------------------------------------------------------------------------------
