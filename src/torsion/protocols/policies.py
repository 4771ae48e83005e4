"""Resource-limiting policies (Twisted's ``protocols.policies``): wrappers around any protocol.

A `WrappingFactory` builds, for each connection, a `ProtocolWrapper` that sits between the real
transport and the protocol the wrapped factory built: the wrapper is the protocol of the transport
and the transport of the wrapped protocol, so it sees every byte in both directions and every
producer call. The policies are small subclasses:

* `TimeoutFactory`/`TimeoutProtocol` close a connection idle for ``timeoutPeriod`` seconds;
  `TimeoutMixin` gives a protocol its own idle timeout.
* `ThrottlingFactory` limits bytes per second (read and write) and the number of connections.
* `LimitTotalConnectionsFactory` and `LimitConnectionsByPeer` cap simultaneous connections.
* `SpewingFactory` and `TrafficLoggingFactory` record the traffic, for debugging.

Every timed policy calls its own ``callLater`` method, which uses the global reactor unless a
clock was given (``clock=`` keyword, a torsion addition) or the method is overridden, as trial
listings do with ``proto.callLater = clock.callLater``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from typing import Any, cast

from torsion.internet.interfaces import IAddress, IDelayedCall, IProducer, IReactorTime
from torsion.internet.protocol import Protocol, ServerFactory
from torsion.logger import Logger
from torsion.protocols._timeouts import (
    SpewingFactory,
    SpewingProtocol,
    TimeoutFactory,
    TimeoutMixin,
    TimeoutProtocol,
    TrafficLoggingFactory,
    TrafficLoggingProtocol,
)
from torsion.protocols._wrapping import ProtocolWrapper, WrappingFactory, cancelCall, scheduleCall

__all__ = [
    "LimitConnectionsByPeer",
    "LimitTotalConnectionsFactory",
    "ProtocolWrapper",
    "SpewingFactory",
    "SpewingProtocol",
    "ThrottlingFactory",
    "ThrottlingProtocol",
    "TimeoutFactory",
    "TimeoutMixin",
    "TimeoutProtocol",
    "TrafficLoggingFactory",
    "TrafficLoggingProtocol",
    "WrappingFactory",
]

_log = Logger(namespace="torsion.protocols.policies")


# -- throttling ---------------------------------------------------------------------------------


class ThrottlingProtocol(ProtocolWrapper):
    """The wrapper of `ThrottlingFactory`: counts bytes and pauses on the factory's order."""

    producer: Any = None

    def write(self, data: bytes) -> None:
        """Count and write ``data``."""
        self.factory.registerWritten(len(data))
        ProtocolWrapper.write(self, data)

    def writeSequence(self, data: Iterable[bytes]) -> None:
        """Count and write each chunk."""
        chunks = list(data)
        self.factory.registerWritten(sum(map(len, chunks)))
        ProtocolWrapper.writeSequence(self, chunks)

    def dataReceived(self, data: bytes) -> None:
        """Count and deliver ``data``."""
        self.factory.registerRead(len(data))
        ProtocolWrapper.dataReceived(self, data)

    def registerProducer(self, producer: IProducer, streaming: bool) -> None:
        """Remember ``producer`` (write throttling pauses it) and register it."""
        self.producer = producer
        ProtocolWrapper.registerProducer(self, producer, streaming)

    def unregisterProducer(self) -> None:
        """Forget and unregister the producer."""
        self.producer = None
        ProtocolWrapper.unregisterProducer(self)

    def throttleReads(self) -> None:
        """Stop reading from the real transport."""
        self._transport.pauseProducing()

    def unthrottleReads(self) -> None:
        """Read again."""
        self._transport.resumeProducing()

    def throttleWrites(self) -> None:
        """Pause the registered producer, if any (writes are only throttled through one)."""
        if self.producer is not None:
            self.producer.pauseProducing()

    def unthrottleWrites(self) -> None:
        """Resume the registered producer, if any."""
        if self.producer is not None:
            self.producer.resumeProducing()


class ThrottlingFactory(WrappingFactory):
    """Limits bandwidth (bytes per second, checked every second) and the connection count.

    Each second the bytes counted in that second are compared with the limit; over it, every
    connection is paused for as long as the excess would take at the limit (``read/limit - 1``
    seconds), then resumed. Writes are throttled only through a registered producer. Past
    ``maxConnectionCount`` live connections, new ones are refused (closed at once).

    Args:
        wrappedFactory: The factory whose protocols are throttled.
        maxConnectionCount: The most simultaneous connections.
        readLimit: Bytes per second to read, or None for no limit.
        writeLimit: Bytes per second to write, or None for no limit.
        clock: Where to schedule the checks (torsion addition); the global reactor if None.
    """

    protocol = ThrottlingProtocol

    def __init__(
        self,
        wrappedFactory: Any,
        maxConnectionCount: int = sys.maxsize,
        readLimit: float | None = None,
        writeLimit: float | None = None,
        *,
        clock: IReactorTime | None = None,
    ) -> None:
        super().__init__(wrappedFactory)
        self.connectionCount = 0
        self.maxConnectionCount = maxConnectionCount
        self.readLimit = readLimit
        self.writeLimit = writeLimit
        self.clock = clock
        self.readThisSecond = 0
        self.writtenThisSecond = 0
        self.unthrottleReadsID: IDelayedCall | None = None
        self.checkReadBandwidthID: IDelayedCall | None = None
        self.unthrottleWritesID: IDelayedCall | None = None
        self.checkWriteBandwidthID: IDelayedCall | None = None

    def callLater(self, period: float, func: Callable[[], object]) -> Any:
        """Schedule ``func`` on the clock (override in tests, as in Twisted)."""
        return scheduleCall(self.clock, period, func)

    def registerWritten(self, length: int) -> None:
        """Count ``length`` bytes written."""
        self.writtenThisSecond += length

    def registerRead(self, length: int) -> None:
        """Count ``length`` bytes read."""
        self.readThisSecond += length

    def checkReadBandwidth(self) -> None:
        """Throttle reads if this second's reads passed the limit; check again in a second."""
        assert self.readLimit is not None
        if self.readThisSecond > self.readLimit:
            self.throttleReads()
            throttleTime = self.readThisSecond / self.readLimit - 1.0
            self.unthrottleReadsID = self.callLater(throttleTime, self.unthrottleReads)
        self.readThisSecond = 0
        self.checkReadBandwidthID = self.callLater(1, self.checkReadBandwidth)

    def checkWriteBandwidth(self) -> None:
        """Throttle writes if this second's writes passed the limit; check again in a second."""
        assert self.writeLimit is not None
        if self.writtenThisSecond > self.writeLimit:
            self.throttleWrites()
            throttleTime = self.writtenThisSecond / self.writeLimit - 1.0
            self.unthrottleWritesID = self.callLater(throttleTime, self.unthrottleWrites)
        self.writtenThisSecond = 0
        self.checkWriteBandwidthID = self.callLater(1, self.checkWriteBandwidth)

    def throttleReads(self) -> None:
        """Stop reading on every connection."""
        _log.debug("Throttling reads on {factory}", factory=self)
        for p in list(self.protocols):
            cast(ThrottlingProtocol, p).throttleReads()

    def unthrottleReads(self) -> None:
        """Read again on every connection."""
        self.unthrottleReadsID = None
        _log.debug("Stopped throttling reads on {factory}", factory=self)
        for p in list(self.protocols):
            cast(ThrottlingProtocol, p).unthrottleReads()

    def throttleWrites(self) -> None:
        """Pause the producers of every connection."""
        _log.debug("Throttling writes on {factory}", factory=self)
        for p in list(self.protocols):
            cast(ThrottlingProtocol, p).throttleWrites()

    def unthrottleWrites(self) -> None:
        """Resume the producers of every connection."""
        self.unthrottleWritesID = None
        _log.debug("Stopped throttling writes on {factory}", factory=self)
        for p in list(self.protocols):
            cast(ThrottlingProtocol, p).unthrottleWrites()

    def buildProtocol(self, addr: IAddress) -> Any:
        """Start the checks with the first connection; refuse past ``maxConnectionCount``."""
        if self.connectionCount == 0:
            if self.readLimit is not None:
                self.checkReadBandwidth()
            if self.writeLimit is not None:
                self.checkWriteBandwidth()
        if self.connectionCount >= self.maxConnectionCount:
            _log.info("Max connection count reached!")
            return None
        built = WrappingFactory.buildProtocol(self, addr)
        if built is not None:
            self.connectionCount += 1
        return built

    def unregisterProtocol(self, p: ProtocolWrapper) -> None:
        """Count the connection out; with the last one gone, stop every scheduled check."""
        WrappingFactory.unregisterProtocol(self, p)
        self.connectionCount -= 1
        if self.connectionCount == 0:
            for name in (
                "unthrottleReadsID",
                "checkReadBandwidthID",
                "unthrottleWritesID",
                "checkWriteBandwidthID",
            ):
                cancelCall(getattr(self, name))
                setattr(self, name, None)


# -- connection limits --------------------------------------------------------------------------


class LimitConnectionsByPeer(WrappingFactory):
    """Refuses (closes at once) a connection from a host that has `maxConnectionsPerPeer` open.

    The peer is identified by the address's ``host`` (Twisted indexes a tuple there, which
    fails with address objects).
    """

    maxConnectionsPerPeer = 5

    def __init__(self, wrappedFactory: Any) -> None:
        super().__init__(wrappedFactory)
        self.peerConnections: dict[str, int] = {}
        self._peerOf: dict[ProtocolWrapper, str] = {}

    def startFactory(self) -> None:
        """Forget all counts (as Twisted)."""
        self.peerConnections = {}
        self._peerOf = {}

    def buildProtocol(self, addr: IAddress) -> Any:
        """Build a wrapper unless the peer host is at its limit."""
        peerHost = str(getattr(addr, "host", addr))
        count = self.peerConnections.get(peerHost, 0)
        if count >= self.maxConnectionsPerPeer:
            return None
        built = WrappingFactory.buildProtocol(self, addr)
        if built is not None:
            self.peerConnections[peerHost] = count + 1
            self._peerOf[built] = peerHost
        return built

    def unregisterProtocol(self, p: ProtocolWrapper) -> None:
        """Count the connection out of its peer's total."""
        WrappingFactory.unregisterProtocol(self, p)
        peerHost = self._peerOf.pop(p, None)
        if peerHost is None:
            return
        self.peerConnections[peerHost] -= 1
        if self.peerConnections[peerHost] == 0:
            del self.peerConnections[peerHost]


class LimitTotalConnectionsFactory(ServerFactory):
    """A server factory (subclass it, set `protocol`) that limits simultaneous connections.

    Attributes:
        connectionCount: The live connections.
        connectionLimit: The most connections, or None for no limit.
        overflowProtocol: Built for connections over the limit; if None they are closed at once.
    """

    connectionCount = 0
    connectionLimit: int | None = None
    overflowProtocol: Callable[[], Protocol] | None = None

    def buildProtocol(self, addr: IAddress) -> Protocol | None:
        """Build `protocol` (or `overflowProtocol` past the limit), wrapped to be counted."""
        if self.connectionLimit is None or self.connectionCount < self.connectionLimit:
            factory = self.protocol
        elif self.overflowProtocol is None:
            return None
        else:
            factory = self.overflowProtocol
        if factory is None:
            raise TypeError(f"{self!r} has no protocol to build")
        wrapped = factory()
        wrapped.factory = self
        self.connectionCount += 1
        return ProtocolWrapper(self, wrapped)

    def registerProtocol(self, p: ProtocolWrapper) -> None:
        """Nothing to do: counted when built."""

    def unregisterProtocol(self, p: ProtocolWrapper) -> None:
        """Count a connection out."""
        self.connectionCount -= 1
