"""`ProtocolWrapper` and `WrappingFactory`, the base of `torsion.protocols.policies`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, cast

from torsion.internet import error
from torsion.internet._globalreactor import globalReactor
from torsion.internet.interfaces import IAddress, IDelayedCall, IProducer, IReactorTime
from torsion.internet.protocol import ClientFactory, Protocol
from torsion.python.failure import Failure


def scheduleCall(clock: IReactorTime | None, period: float, func: Callable[[], object]) -> Any:
    """Schedule ``func`` on ``clock``, or on the global reactor when ``clock`` is None."""
    if clock is None:
        clock = cast(IReactorTime, globalReactor())
    return clock.callLater(period, func)


def cancelCall(call: IDelayedCall | None) -> None:
    """Cancel ``call`` unless it is None, has run, or was cancelled already."""
    if call is not None:
        try:
            call.cancel()
        except (error.AlreadyCalled, error.AlreadyCancelled):
            pass


def _wrappedLogPrefix(wrapper: object, wrapped: object) -> str:
    logPrefix = getattr(wrapped, "logPrefix", None)
    inner = logPrefix() if callable(logPrefix) else wrapped.__class__.__name__
    return f"{inner} ({wrapper.__class__.__name__})"


class ProtocolWrapper(Protocol):
    """The protocol of the real transport and the transport of the wrapped protocol.

    Transport methods called by the wrapped protocol go to the real transport; protocol events
    from the real transport go to the wrapped protocol. Attributes the wrapper does not define
    are looked up on the real transport (``loseWriteConnection``, ``getHandle``, ...).

    Attributes:
        wrappedProtocol: The protocol built by the wrapped factory.
        factory: The `WrappingFactory` (or other owner) that registers this wrapper.
        disconnecting: True once `loseConnection` was called through the wrapper.
    """

    disconnecting: bool = False
    factory: Any

    def __init__(self, factory: Any, wrappedProtocol: Any) -> None:
        self.wrappedProtocol = wrappedProtocol
        self.factory = factory

    def logPrefix(self) -> str:
        """Name both the wrapped protocol and this wrapper."""
        return _wrappedLogPrefix(self, self.wrappedProtocol)

    def makeConnection(self, transport: Any) -> None:
        """Keep the real transport, register with the factory, connect the wrapped protocol."""
        Protocol.makeConnection(self, transport)
        self.factory.registerProtocol(self)
        self.wrappedProtocol.makeConnection(self)

    @property
    def _transport(self) -> Any:
        return self.transport

    # -- the transport seen by the wrapped protocol ----------------------------------------

    def write(self, data: bytes) -> None:
        """Write ``data`` to the real transport."""
        self._transport.write(data)

    def writeSequence(self, data: Iterable[bytes]) -> None:
        """Write each chunk of ``data`` to the real transport."""
        self._transport.writeSequence(data)

    def loseConnection(self) -> None:
        """Close the real transport once its buffer is sent."""
        self.disconnecting = True
        self._transport.loseConnection()

    def abortConnection(self) -> None:
        """Close the real transport at once, dropping what is buffered."""
        self.disconnecting = True
        self._transport.abortConnection()

    def getPeer(self) -> IAddress:
        """Return the real transport's peer address."""
        return cast(IAddress, self._transport.getPeer())

    def getHost(self) -> IAddress:
        """Return the real transport's own address."""
        return cast(IAddress, self._transport.getHost())

    def registerProducer(self, producer: IProducer, streaming: bool) -> None:
        """Register ``producer`` with the real transport."""
        self._transport.registerProducer(producer, streaming)

    def unregisterProducer(self) -> None:
        """Unregister the real transport's producer."""
        self._transport.unregisterProducer()

    def pauseProducing(self) -> None:
        """Stop reading from the real transport."""
        self._transport.pauseProducing()

    def resumeProducing(self) -> None:
        """Read from the real transport again."""
        self._transport.resumeProducing()

    def stopProducing(self) -> None:
        """Stop the real transport (closes the connection)."""
        self._transport.stopProducing()

    def stopConsuming(self) -> None:
        """Pass ``stopConsuming`` on to the real transport."""
        self._transport.stopConsuming()

    def __getattr__(self, name: str) -> Any:
        # Only reached for names the wrapper lacks. The guard keeps a wrapper without a
        # transport (before makeConnection, or during unpickling) from recursing.
        if name.startswith("__") or "transport" not in self.__dict__:
            raise AttributeError(name)
        return getattr(self.__dict__["transport"], name)

    # -- the protocol seen by the real transport ---------------------------------------------

    def dataReceived(self, data: bytes) -> None:
        """Hand ``data`` to the wrapped protocol."""
        self.wrappedProtocol.dataReceived(data)

    def connectionLost(self, reason: Failure | None = None) -> None:
        """Unregister from the factory and tell the wrapped protocol."""
        self.factory.unregisterProtocol(self)
        self.wrappedProtocol.connectionLost(reason)


class WrappingFactory(ClientFactory):
    """Wraps a factory: each protocol it builds is wrapped in `protocol` (a `ProtocolWrapper`).

    Attributes:
        wrappedFactory: The factory whose protocols are wrapped.
        protocols: The live wrappers (a dict used as an ordered set, as in Twisted).
    """

    protocol: Any = ProtocolWrapper

    def __init__(self, wrappedFactory: Any) -> None:
        self.wrappedFactory = wrappedFactory
        self.protocols: dict[ProtocolWrapper, int] = {}

    def logPrefix(self) -> str:
        """Name both the wrapped factory and this one."""
        return _wrappedLogPrefix(self, self.wrappedFactory)

    def doStart(self) -> None:
        """Start the wrapped factory, then this one."""
        self.wrappedFactory.doStart()
        ClientFactory.doStart(self)

    def doStop(self) -> None:
        """Stop the wrapped factory, then this one."""
        self.wrappedFactory.doStop()
        ClientFactory.doStop(self)

    def startedConnecting(self, connector: Any) -> None:
        """Pass on to the wrapped factory."""
        self.wrappedFactory.startedConnecting(connector)

    def clientConnectionFailed(self, connector: Any, reason: Failure) -> None:
        """Pass on to the wrapped factory."""
        self.wrappedFactory.clientConnectionFailed(connector, reason)

    def clientConnectionLost(self, connector: Any, reason: Failure) -> None:
        """Pass on to the wrapped factory."""
        self.wrappedFactory.clientConnectionLost(connector, reason)

    def buildProtocol(self, addr: IAddress) -> Any:
        """Wrap the wrapped factory's protocol; None (refuse) if it built none."""
        wrapped = self.wrappedFactory.buildProtocol(addr)
        if wrapped is None:
            return None
        return self.protocol(self, wrapped)

    def registerProtocol(self, p: ProtocolWrapper) -> None:
        """Called by a wrapper when its connection is made."""
        self.protocols[p] = 1

    def unregisterProtocol(self, p: ProtocolWrapper) -> None:
        """Called by a wrapper when its connection is lost."""
        self.protocols.pop(p, None)
