"""In-memory transports, protocols and producers for tests (public in `torsion.internet.testing`).

Nothing here touches a socket or the reactor: a test drives a protocol by calling its methods
and reads what it wrote back from a `StringTransport`.
"""

from __future__ import annotations

from collections.abc import Iterable
from io import BytesIO
from typing import Literal

from torsion.internet.address import IPv4Address
from torsion.internet.defer import Deferred
from torsion.internet.error import ConnectionDone
from torsion.internet.interfaces import IAddress, IConsumer, IProducer, IProtocol
from torsion.internet.protocol import Protocol
from torsion.python.failure import Failure

__all__ = [
    "AccumulatingProtocol",
    "FakeDatagramTransport",
    "LineSendingProtocol",
    "NonStreamingProducer",
    "StringIOWithoutClosing",
    "StringTransport",
    "StringTransportWithDisconnection",
]

ProducerState = Literal["producing", "paused", "stopped"]


def dataMustBeBytes(data: object) -> bytes:
    """Return ``data`` as bytes if it is bytes-like, as the real transports accept.

    Raises:
        TypeError: ``data`` is not bytes, bytearray or memoryview (a ``str``, for instance).
    """
    if isinstance(data, bytes):
        return data
    if isinstance(data, bytearray | memoryview):
        return bytes(data)
    raise TypeError(f"Data must be bytes, not {type(data).__name__}")


class StringTransport:
    """A transport that records what is written to it and does nothing else.

    It provides `ITCPTransport`, `IConsumer` and `IPushProducer`, keeping track of every call
    in attributes a test can inspect; it never calls back into the protocol (closing included,
    see `StringTransportWithDisconnection` for that).

    Args:
        hostAddress: What `getHost` returns; None for ``IPv4Address("TCP", "10.0.0.1", 12345)``.
        peerAddress: What `getPeer` returns; None for
            ``IPv4Address("TCP", "192.168.1.1", 54321)``.
        lenient: Allow `pauseProducing` and `resumeProducing` after `loseConnection` (by
            default they raise, to catch code expecting data from a closing connection).

    Attributes:
        io: The bytes written since the last `clear` (prefer `value`).
        connected: True; `StringTransportWithDisconnection` clears it when closing.
        disconnecting: False until `loseConnection` (or `abortConnection`) is called.
        disconnected: False until `abortConnection` is called.
        producer: The registered producer, or None.
        streaming: Whether ``producer`` is a push producer (None without a producer).
        producerState: This transport's state as a producer of incoming data:
            ``"producing"``, ``"paused"`` or ``"stopped"``.
        hostAddr: The address given as ``hostAddress`` (or None).
        peerAddr: The address given as ``peerAddress`` (or None).
    """

    disconnecting: bool = False
    disconnected: bool = False
    producer: IProducer | None = None
    streaming: bool | None = None
    hostAddr: IAddress | None = None
    peerAddr: IAddress | None = None
    producerState: ProducerState = "producing"

    def __init__(
        self,
        hostAddress: IAddress | None = None,
        peerAddress: IAddress | None = None,
        lenient: bool = False,
    ) -> None:
        self.io = BytesIO()
        if hostAddress is not None:
            self.hostAddr = hostAddress
        if peerAddress is not None:
            self.peerAddr = peerAddress
        self.connected = True
        self.tcpNoDelay = False
        self.tcpKeepAlive = False
        self.writeDisconnected = False
        self._lenient = lenient

    # -- for tests -------------------------------------------------------------------------

    def clear(self) -> None:
        """Forget everything written so far (not a transport method: for tests only)."""
        self.io = BytesIO()

    def value(self) -> bytes:
        """Return everything written since the last `clear` (for tests only)."""
        return self.io.getvalue()

    # -- ITransport ------------------------------------------------------------------------

    def write(self, data: bytes) -> None:
        """Record ``data``, even after `loseConnection` (so a test sees stray writes).

        Raises:
            TypeError: ``data`` is not bytes-like.
        """
        self.io.write(dataMustBeBytes(data))

    def writeSequence(self, data: Iterable[bytes]) -> None:
        """Record each of ``data`` in turn.

        Raises:
            TypeError: An item is not bytes-like; nothing of ``data`` is recorded then.
        """
        self.io.write(b"".join([dataMustBeBytes(item) for item in data]))

    def loseConnection(self) -> None:
        """Set `disconnecting`; nothing else (the protocol is not told)."""
        self.disconnecting = True

    def getPeer(self) -> IAddress:
        """Return ``peerAddress``, or ``IPv4Address("TCP", "192.168.1.1", 54321)``."""
        if self.peerAddr is None:
            return IPv4Address("TCP", "192.168.1.1", 54321)
        return self.peerAddr

    def getHost(self) -> IAddress:
        """Return ``hostAddress``, or ``IPv4Address("TCP", "10.0.0.1", 12345)``."""
        if self.hostAddr is None:
            return IPv4Address("TCP", "10.0.0.1", 12345)
        return self.hostAddr

    # -- ITCPTransport ---------------------------------------------------------------------

    def abortConnection(self) -> None:
        """Set `disconnected`, then close as `loseConnection` does."""
        self.disconnected = True
        self.loseConnection()

    def loseWriteConnection(self) -> None:
        """Set ``writeDisconnected`` (a half-close; writes are still recorded)."""
        self.writeDisconnected = True

    def getTcpNoDelay(self) -> bool:
        """Return the value last given to `setTcpNoDelay` (False at first)."""
        return self.tcpNoDelay

    def setTcpNoDelay(self, enabled: bool) -> None:
        """Record ``enabled`` as ``tcpNoDelay``."""
        self.tcpNoDelay = enabled

    def getTcpKeepAlive(self) -> bool:
        """Return the value last given to `setTcpKeepAlive` (False at first)."""
        return self.tcpKeepAlive

    def setTcpKeepAlive(self, enabled: bool) -> None:
        """Record ``enabled`` as ``tcpKeepAlive``."""
        self.tcpKeepAlive = enabled

    # -- IConsumer -------------------------------------------------------------------------

    def registerProducer(self, producer: IProducer, streaming: bool) -> None:
        """Record ``producer`` and ``streaming``; a pull producer is not asked for data.

        Raises:
            RuntimeError: A producer is already registered.
        """
        if self.producer is not None:
            raise RuntimeError("Cannot register two producers")
        self.producer = producer
        self.streaming = streaming

    def unregisterProducer(self) -> None:
        """Forget the producer.

        Raises:
            RuntimeError: No producer is registered.
        """
        if self.producer is None:
            raise RuntimeError("Cannot unregister a producer unless one is registered")
        self.producer = None
        self.streaming = None

    # -- IPushProducer (of incoming data) --------------------------------------------------

    def _checkState(self) -> None:
        if self.disconnecting and not self._lenient:
            raise RuntimeError("Cannot resume producing after loseConnection")
        if self.producerState == "stopped":
            raise RuntimeError("Cannot resume a stopped producer")

    def pauseProducing(self) -> None:
        """Set `producerState` to ``"paused"``.

        Raises:
            RuntimeError: The transport is closing (unless lenient) or was stopped.
        """
        self._checkState()
        self.producerState = "paused"

    def resumeProducing(self) -> None:
        """Set `producerState` to ``"producing"``.

        Raises:
            RuntimeError: The transport is closing (unless lenient) or was stopped.
        """
        self._checkState()
        self.producerState = "producing"

    def stopProducing(self) -> None:
        """Set `producerState` to ``"stopped"`` for good."""
        self.producerState = "stopped"


class StringTransportWithDisconnection(StringTransport):
    """A `StringTransport` whose `loseConnection` tells its protocol the connection is gone.

    Attributes:
        protocol: The protocol to tell; set it before closing.
    """

    protocol: IProtocol

    def loseConnection(self) -> None:
        """Set `disconnecting`, then call ``protocol.connectionLost`` with `ConnectionDone`.

        Only the first call (or the first `abortConnection`) reaches the protocol.
        """
        self.disconnecting = True
        if self.connected:
            self.connected = False
            self.protocol.connectionLost(Failure(ConnectionDone("Bye.")))


class StringIOWithoutClosing(BytesIO):
    """A `io.BytesIO` that ignores `close`, so its value can be read after the code under test
    closed it."""

    def close(self) -> None:
        """Do nothing."""


class FakeDatagramTransport:
    """Records the datagrams written to it (a minimal UDP transport).

    Attributes:
        written: ``(packet, addr)`` for each `write`; ``addr`` is `noAddr` when not given.
    """

    noAddr: object = object()

    def __init__(self) -> None:
        self.written: list[tuple[bytes, object]] = []

    def write(self, packet: bytes, addr: object = noAddr) -> None:
        """Record ``packet`` and ``addr``."""
        self.written.append((packet, addr))


class AccumulatingProtocol(Protocol):
    """A protocol that keeps everything it receives and notes when it connects and closes.

    If its factory has a ``protocolConnectionMade`` Deferred, `connectionMade` fires it with
    this protocol (once, then sets it to None), as Twisted's does.

    Attributes:
        made: True once ``connectionMade`` ran.
        data: All the bytes received.
        closed: True once ``connectionLost`` ran.
        closedReason: The reason given to ``connectionLost``.
        closedDeferred: Set it to a Deferred to have it fired with None on ``connectionLost``.
    """

    made: bool = False
    closed: bool = False
    closedReason: Failure | None = None
    closedDeferred: Deferred[None] | None = None
    data: bytes = b""

    def connectionMade(self) -> None:
        """Set `made` and fire the factory's ``protocolConnectionMade``, if any."""
        self.made = True
        waiting = getattr(self.factory, "protocolConnectionMade", None)
        if isinstance(waiting, Deferred):
            setattr(self.factory, "protocolConnectionMade", None)  # noqa: B010
            waiting.callback(self)

    def dataReceived(self, data: bytes) -> None:
        """Append ``data`` to `data`."""
        self.data += data

    def connectionLost(self, reason: Failure | None = None) -> None:
        """Set `closed` and `closedReason`; fire `closedDeferred`."""
        self.closed = True
        self.closedReason = reason
        if self.closedDeferred is not None:
            waiting, self.closedDeferred = self.closedDeferred, None
            waiting.callback(None)


class LineSendingProtocol(Protocol):
    """Sends some CRLF-terminated lines and collects the lines it receives.

    With ``start=True`` the lines go out on connecting; otherwise after the first line arrives.
    (Twisted's is a ``LineReceiver``; until torsion has one, this splits lines itself.)

    Args:
        lines: The lines to send, without delimiters.
        start: Whether to send them as soon as the connection is made.

    Attributes:
        response: The lines received so far.
        lostConn: True once ``connectionLost`` ran.
    """

    lostConn: bool = False
    delimiter: bytes = b"\r\n"

    def __init__(self, lines: Iterable[bytes], start: bool = True) -> None:
        self.lines = list(lines)
        self.response: list[bytes] = []
        self.start = start
        self._buffer = b""

    def sendLine(self, line: bytes) -> None:
        """Write ``line`` and the delimiter."""
        assert self.transport is not None
        self.transport.write(line + self.delimiter)

    def connectionMade(self) -> None:
        """Send the lines, if ``start``."""
        if self.start:
            for line in self.lines:
                self.sendLine(line)

    def dataReceived(self, data: bytes) -> None:
        """Split the stream into lines and pass each to `lineReceived`."""
        *complete, self._buffer = (self._buffer + data).split(self.delimiter)
        for line in complete:
            self.lineReceived(line)

    def lineReceived(self, line: bytes) -> None:
        """Record ``line``; send the lines first if they were held back (``start=False``)."""
        if not self.start:
            for toSend in self.lines:
                self.sendLine(toSend)
            self.lines = []
        self.response.append(line)

    def connectionLost(self, reason: Failure | None = None) -> None:
        """Set `lostConn`."""
        self.lostConn = True


class NonStreamingProducer:
    """A pull producer that writes ``b"0"`` to ``b"9"``, one per `resumeProducing`, then stops.

    After the tenth write it unregisters itself from the consumer and fires `result`.

    Args:
        consumer: Where to write.

    Attributes:
        counter: How many writes were made.
        stopped: True once `stopProducing` was called.
        result: Fires with None when done (after ten writes, or `stopProducing`).
    """

    counter: int = 0
    stopped: bool = False

    def __init__(self, consumer: IConsumer) -> None:
        self.consumer: IConsumer | None = consumer
        self.result: Deferred[None] = Deferred()

    def resumeProducing(self) -> None:
        """Write the next number.

        Raises:
            RuntimeError: Called after the producer finished or was stopped.
        """
        if self.consumer is None or self.counter >= 10:
            raise RuntimeError("BUG: resume after unregister/stop.")
        self.consumer.write(b"%d" % (self.counter,))
        self.counter += 1
        if self.counter == 10:
            self.consumer.unregisterProducer()
            self._done()

    def pauseProducing(self) -> None:
        """Never called on a pull producer.

        Raises:
            RuntimeError: Always.
        """
        raise RuntimeError("BUG: pause should never be called.")

    def stopProducing(self) -> None:
        """Stop for good and fire `result`."""
        self.stopped = True
        self._done()

    def _done(self) -> None:
        self.consumer = None
        if not self.result.called:
            self.result.callback(None)
