"""Protocols and factories (Twisted's ``protocol`` module).

A *protocol* handles one connection: the transport calls `BaseProtocol.makeConnection`, then
`Protocol.dataReceived` for each chunk of bytes, then `Protocol.connectionLost` exactly once. A
*factory* builds one protocol per connection and is told when the first port or connector starts
using it and when the last one stops (`Factory.startFactory`, `Factory.stopFactory`).

The public module is ``torsion.internet.protocol``; `ClientCreator` is in
`torsion.internet._protocol.creator`, above the reactor interfaces it takes.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

from torsion.internet import error
from torsion.internet._globalreactor import globalReactor
from torsion.logger import Logger
from torsion.python.failure import Failure

if TYPE_CHECKING:
    from torsion.internet._baseinterfaces import (
        IAddress,
        IConnector,
        IDelayedCall,
        IProcessTransport,
        IReactorTime,
        ITransport,
    )

__all__ = [
    "AbstractDatagramProtocol",
    "BaseProtocol",
    "ClientFactory",
    "ConnectedDatagramProtocol",
    "DatagramProtocol",
    "Factory",
    "ProcessProtocol",
    "Protocol",
    "ReconnectingClientFactory",
    "ServerFactory",
    "connectionDone",
]

_log = Logger(namespace="torsion.internet.protocol")

_FactoryT = TypeVar("_FactoryT", bound="Factory")

connectionDone = Failure(error.ConnectionDone())
"""The default ``reason`` of `Protocol.connectionLost`: a clean close."""


class BaseProtocol:
    """The part of a protocol that knows about its connection, not about data.

    Attributes:
        connected: True once the transport is attached (Twisted's 0/1; ``True == 1``).
        transport: The connection's transport, set by `makeConnection`.
    """

    connected: bool = False
    transport: ITransport | None = None

    def makeConnection(self, transport: ITransport) -> None:
        """Attach ``transport`` and call `connectionMade`; the framework calls this, once."""
        self.connected = True
        self.transport = transport
        self.connectionMade()

    def connectionMade(self) -> None:
        """Called when the connection is up; override to greet the peer or set up state."""


class Protocol(BaseProtocol):
    """The base class of stream protocols: override `dataReceived` and `connectionLost`.

    Attributes:
        factory: The factory that built this protocol, set by `Factory.buildProtocol`.
    """

    factory: Factory | None = None

    def logPrefix(self) -> str:
        """Return the prefix for log lines about this connection: the class name."""
        return self.__class__.__name__

    def dataReceived(self, data: bytes) -> None:
        """Called with each chunk of bytes that arrives.

        Chunks follow no message boundaries: one write may arrive in several chunks and several
        writes in one. An exception closes the connection, with itself as the reason.
        """

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        """Called once when the connection is closed.

        Args:
            reason: `ConnectionDone` for a clean close, `ConnectionLost` (or a subclass, or
                the exception a callback raised) otherwise.
        """


class Factory:
    """Builds a protocol for each connection and tracks the ports that use it.

    Attributes:
        protocol: The protocol class (or any callable returning a protocol).
        numPorts: How many ports and connectors are currently using this factory.
        noisy: Whether starting and stopping are logged (``info`` events).
    """

    protocol: Callable[[], Protocol] | None = None
    numPorts: int = 0
    noisy: bool = True

    @classmethod
    def forProtocol(
        cls: type[_FactoryT], protocol: Callable[[], Protocol], *args: Any, **kwargs: Any
    ) -> _FactoryT:
        """Return ``cls(*args, **kwargs)`` with its `protocol` set to ``protocol``."""
        factory = cls(*args, **kwargs)
        factory.protocol = protocol
        return factory

    def logPrefix(self) -> str:
        """Return the prefix for log lines about this factory: the class name."""
        return self.__class__.__name__

    def doStart(self) -> None:
        """Count one more user; the first one calls `startFactory`. Called by the framework."""
        if not self.numPorts:
            if self.noisy:
                _log.info("Starting factory {factory!r}", factory=self)
            self.startFactory()
        self.numPorts += 1

    def doStop(self) -> None:
        """Count one user less; the last one calls `stopFactory`. Called by the framework."""
        if self.numPorts == 0:
            # A port stopped more often than it started: nothing sensible to stop.
            return
        self.numPorts -= 1
        if not self.numPorts:
            if self.noisy:
                _log.info("Stopping factory {factory!r}", factory=self)
            self.stopFactory()

    def startFactory(self) -> None:
        """Set up shared resources (open files, databases); runs before the first connection."""

    def stopFactory(self) -> None:
        """Release what `startFactory` set up; runs when the last port or connector stops."""

    def buildProtocol(self, addr: IAddress) -> Protocol | None:
        """Return a new protocol for a connection with ``addr``, or None to close it at once.

        The default calls `protocol` and sets the new protocol's ``factory`` to this factory.
        """
        if self.protocol is None:
            raise TypeError(f"{self!r} has no protocol to build")
        built = self.protocol()
        built.factory = self
        return built


class ServerFactory(Factory):
    """A factory for listening ports; nothing more than `Factory`."""


class ClientFactory(Factory):
    """A factory for outgoing connections, told how each attempt goes."""

    def startedConnecting(self, connector: IConnector) -> None:
        """A connection attempt has started (once per attempt)."""

    def clientConnectionFailed(self, connector: IConnector, reason: Failure) -> None:
        """The attempt failed (`ConnectionRefusedError`, `TimeoutError`, `DNSLookupError`...).

        ``connector.connect()`` starts a new attempt.
        """

    def clientConnectionLost(self, connector: IConnector, reason: Failure) -> None:
        """An established connection was closed; ``connector.connect()`` reconnects."""


class ReconnectingClientFactory(ClientFactory):
    """A client factory that reconnects after failures and losses, backing off exponentially.

    After each failure the delay becomes a normal variate around itself (``jitter`` as relative
    deviation), the next attempt is scheduled after that delay, and then the delay is multiplied
    by ``factor`` up to ``maxDelay``. Call `resetDelay` once connected (typically in
    `buildProtocol`), as in Twisted.

    Attributes:
        maxDelay: The longest wait between attempts, in seconds.
        initialDelay: The first wait, in seconds.
        factor: The growth of the wait after each attempt (e).
        jitter: The relative standard deviation of the random variation of the wait.
        delay: The wait before the next attempt.
        retries: Consecutive failed attempts so far.
        maxRetries: Give up after this many consecutive retries (None: never).
        continueTrying: False once `stopTrying` was called.
        clock: The `IReactorTime` used to schedule attempts (the global reactor when None).
        connector: The connector of the last failure or loss.
    """

    maxDelay: float = 3600
    initialDelay: float = 1.0
    factor: float = 2.7182818284590451  # math.e
    jitter: float = 0.119626565582
    delay: float = initialDelay
    retries: int = 0
    maxRetries: int | None = None
    continueTrying: bool = True
    clock: IReactorTime | None = None
    connector: IConnector | None = None
    _callID: IDelayedCall | None = None
    _RUNTIME_STATE: ClassVar[tuple[str, ...]] = (
        "connector",
        "retries",
        "delay",
        "continueTrying",
        "_callID",
        "clock",
    )

    def clientConnectionFailed(self, connector: IConnector, reason: Failure) -> None:
        """Retry, unless `stopTrying` was called."""
        if self.continueTrying:
            self.connector = connector
            self.retry()

    def clientConnectionLost(self, connector: IConnector, reason: Failure) -> None:
        """Retry, unless `stopTrying` was called."""
        if self.continueTrying:
            self.connector = connector
            self.retry()

    def retry(self, connector: IConnector | None = None) -> None:
        """Schedule ``connector.connect()`` (default: the last connector) after the delay.

        Raises:
            ValueError: No connector was given and none is known yet.
        """
        if not self.continueTrying:
            if self.noisy:
                _log.info("Abandoning {connector} on explicit request", connector=connector)
            return
        if connector is None:
            if self.connector is None:
                raise ValueError("no connector to retry")
            connector = self.connector
        self.retries += 1
        if self.maxRetries is not None and self.retries > self.maxRetries:
            if self.noisy:
                _log.info(
                    "Abandoning {connector} after {retries} retries.",
                    connector=connector,
                    retries=self.retries,
                )
            return
        if self.jitter:
            self.delay = random.normalvariate(self.delay, self.delay * self.jitter)
        if self.noisy:
            _log.info(  # whole seconds, as Twisted's "%d" shows them
                "{connector} will retry in {delay} seconds",
                connector=connector,
                delay=int(self.delay),
            )
        if self.clock is None:
            self.clock = cast("IReactorTime", globalReactor())
        self._callID = self.clock.callLater(self.delay, self._reconnect, connector)
        self.delay = min(self.delay * self.factor, self.maxDelay)

    def _reconnect(self, connector: IConnector) -> None:
        self._callID = None
        connector.connect()

    def stopTrying(self) -> None:
        """Cancel any scheduled attempt, stop the one in progress, and never retry again."""
        if self._callID is not None:
            self._callID.cancel()
            self._callID = None
        self.continueTrying = False
        if self.connector is not None:
            try:
                self.connector.stopConnecting()
            except error.NotConnectingError:
                pass

    def resetDelay(self) -> None:
        """Start over: initial delay, no retries counted. Call this after connecting."""
        self.delay = self.initialDelay
        self.retries = 0
        self._callID = None
        self.continueTrying = True

    def __getstate__(self) -> dict[str, Any]:
        """Pickle only the configuration, not the state of the current attempts."""
        state = self.__dict__.copy()
        for key in self._RUNTIME_STATE:
            state.pop(key, None)
        return state


# -- datagram protocols (UDP and UNIX datagram issue) ---------------------------------------


class AbstractDatagramProtocol:
    """The base of datagram protocols: one instance serves every port it is attached to.

    Attributes:
        transport: The port (`IUDPTransport`, `IMulticastTransport`, or a UNIX datagram
            transport) while attached, else None. Typed loosely because the shape depends on
            the kind of port.
        numPorts: How many ports currently use this protocol.
        noisy: Whether starting and stopping are logged (``info`` events).
    """

    transport: Any = None
    numPorts: int = 0
    noisy: bool = True

    def __getstate__(self) -> dict[str, Any]:
        """Pickle without the transport (as Twisted)."""
        state = self.__dict__.copy()
        state["transport"] = None
        return state

    def doStart(self) -> None:
        """Count one more port; the first calls `startProtocol`. Called by the framework."""
        if not self.numPorts:
            if self.noisy:
                _log.info("Starting protocol {protocol!r}", protocol=self)
            self.startProtocol()
        self.numPorts += 1

    def doStop(self) -> None:
        """Count one port less; the last calls `stopProtocol`. Called by the framework."""
        if self.numPorts == 0:
            return  # stopped more often than started: nothing sensible to stop
        self.numPorts -= 1
        self.transport = None
        if not self.numPorts:
            if self.noisy:
                _log.info("Stopping protocol {protocol!r}", protocol=self)
            self.stopProtocol()

    def startProtocol(self) -> None:
        """Called once when the first port starts using this protocol."""

    def stopProtocol(self) -> None:
        """Called once when the last port stops using this protocol."""

    def makeConnection(self, transport: Any) -> None:
        """Attach ``transport`` and call `doStart`; the port calls this, users should not."""
        self.transport = transport
        self.doStart()

    def datagramReceived(self, datagram: bytes, addr: Any) -> None:
        """Called with each datagram and its sender's address (``(host, port)`` for UDP).

        An exception is logged and the port keeps receiving.
        """


class DatagramProtocol(AbstractDatagramProtocol):
    """The base class of UDP (and UNIX datagram) protocols: override `datagramReceived`."""

    def logPrefix(self) -> str:
        """Return the prefix for log lines about this protocol: the class name."""
        return self.__class__.__name__

    def connectionRefused(self) -> None:
        """Called on a connected port when the peer refused an *earlier* datagram (ICMP)."""


class ConnectedDatagramProtocol(DatagramProtocol):
    """A protocol for a connected datagram transport (``connectUNIXDatagram``).

    Its `datagramReceived` takes no address: there is only the peer.
    """

    # Twisted's signature, narrower than the base class's (hence the ignore).
    def datagramReceived(self, datagram: bytes) -> None:  # type: ignore[override]
        """Called with each datagram from the peer."""

    def connectionFailed(self, failure: Failure) -> None:
        """Called if connecting failed (the peer's path does not exist, say)."""


# -- process protocols (processes issue) ----------------------------------------------------


class ProcessProtocol(BaseProtocol):
    """The base class of protocols for child processes (``reactor.spawnProcess``).

    Output arrives through `childDataReceived`, which hands stdout to `outReceived` and stderr
    to `errReceived`; each closed pipe is reported through `childConnectionLost`. `processExited`
    comes when the child has been reaped, `processEnded` (exactly once, last) when, in addition,
    every pipe is closed, so all output has been delivered by then.

    Attributes:
        transport: The `IProcessTransport` of the child, set by ``makeConnection``.
    """

    transport: IProcessTransport | None = None

    def childDataReceived(self, childFD: int, data: bytes) -> None:
        """The child wrote ``data`` to descriptor ``childFD``: dispatch stdout and stderr."""
        if childFD == 1:
            self.outReceived(data)
        elif childFD == 2:
            self.errReceived(data)

    def outReceived(self, data: bytes) -> None:
        """Some bytes arrived from the child's stdout."""

    def errReceived(self, data: bytes) -> None:
        """Some bytes arrived from the child's stderr."""

    def childConnectionLost(self, childFD: int) -> None:
        """The pipe to descriptor ``childFD`` closed: dispatch stdin, stdout and stderr."""
        if childFD == 0:
            self.inConnectionLost()
        elif childFD == 1:
            self.outConnectionLost()
        elif childFD == 2:
            self.errConnectionLost()

    def inConnectionLost(self) -> None:
        """The child's stdin was closed."""

    def outConnectionLost(self) -> None:
        """The child's stdout was closed (it closed it, or exited)."""

    def errConnectionLost(self) -> None:
        """The child's stderr was closed (it closed it, or exited)."""

    def processExited(self, reason: Failure) -> None:
        """The child exited: ``reason`` wraps `ProcessDone` or `ProcessTerminated`.

        Its pipes may still be open (a grandchild can hold them).
        """

    def processEnded(self, reason: Failure) -> None:
        """The child exited and every pipe closed: ``reason`` as in `processExited`."""
