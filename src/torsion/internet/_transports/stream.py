"""What torsion's connection transports share, written once.

* `Consumer`: registering a producer (Twisted's ``IConsumer``), for the TCP and UNIX
  transports on every reactor and for the writing end of a pipe.
* `StreamTransport`: the rest of what the selector-driven
  `torsion.internet._transports.connection.SocketConnection` and the asyncio reactor's
  `torsion.internet._asyncio.tcp.AsyncioConnection` have in common: the state a connection starts
  in, ``startTLS``, logging failed callbacks, and telling the protocol and the owner that the
  connection is gone. The hot paths (``write``, reading) stay in each class. It is generic in
  the type of its addresses: TCP's are `IPv4Address`/`IPv6Address`, UNIX's `UNIXAddress`.
* `ServerMixin` and `ClientMixin`: an accepted connection reports its end to its port, a
  connection made by a connector to that connector; mixed into every kind of connection.
* `StreamState` and `StreamEvent`: the one explicit state of a connection's life, and what
  moves it. Every transport changes it only through `StreamTransport._apply`.

The life of a stream connection (``StreamState.after`` is this table; any other pair is
refused, and leaves the state as it is)::

    state       loseConnection() loseWrite...()  half-close done  peer EOF  close  abort  lost
    OPEN        DISC             HC              -                RC        CLOSING ABORT CLOSED
    RC          DISC             RC_HC           -                -         CLOSING ABORT CLOSED
    HC          DISC             -               WC               RC_HC     CLOSING ABORT CLOSED
    RC_HC       DISC             -               CLOSING          -         CLOSING ABORT CLOSED
    WC          DISC_WC          -               -                CLOSING   CLOSING ABORT CLOSED
    DISC        -                -               -                DISC      CLOSING ABORT CLOSED
    DISC_WC     -                -               -                DISC_WC   CLOSING ABORT CLOSED
    CLOSING     -                -               -                -         CLOSING ABORT CLOSED
    ABORT       -                -               -                -         ABORT   -     CLOSED
    CLOSED      -                -               -                -         -       -     -

    RC: READ_CLOSED, HC: HALF_CLOSING, RC_HC: READ_CLOSED_HALF_CLOSING, WC: WRITE_CLOSED,
    DISC: DISCONNECTING, DISC_WC: DISCONNECTING_WRITE_CLOSED, ABORT: ABORTING.

* *half-close done*: the buffer drained with a ``loseWriteConnection`` pending, and the
  sending half was shut down (``SHUT_WR``, asyncio's ``write_eof``).
* *peer EOF*: the peer shut down its sending half. A protocol that is not half-closeable is
  then closed (*lost* follows); a half-closeable one gets ``readConnectionLost()``.
* *close*: the connection is to close with a reason, ``connectionLost`` following on a later
  pass (a failed callback, a failed shutdown), or the buffer drained after
  ``loseConnection`` (asyncio's ``close()``; on the other reactors *lost* follows at once).
* *lost*: ``connectionLost`` ran (once).

What each state allows is on `StreamState` (`~StreamState.writeOpen`, ``readOpen``, ...).
Twisted's public attributes are kept in step with it by `StreamTransport._apply`, and only
there: ``connected`` (every state but CLOSED), ``disconnected`` (CLOSED) and
``disconnecting`` (``loseConnection()`` was called before the connection closed, even where
the state refused it, as in Twisted; it stays True once set). So is the fast-path flag
``_direct`` ("``write()`` may send at once"), by `StreamTransport._updateDirect`: a state that
accepts writes, no pull producer (writes wait for the drain that asks it for more), and what
the transport itself adds (`StreamTransport._mayWriteNow`: no descriptors waiting to be
passed, on UNIX; asyncio's transport is there and holds nothing, on the asyncio reactor).
"""

from __future__ import annotations

import enum
import struct
from collections.abc import Callable
from socket import socket as Socket
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from torsion.internet.interfaces import IProducer, IReactorTimeAndFDSet
from torsion.logger import Logger, LogLevel
from torsion.python.failure import Failure

if TYPE_CHECKING:
    from torsion.internet.protocol import Protocol as _Protocol

__all__ = [
    "ABORT",
    "CLOSE",
    "LINGER_RESET",
    "LOSE_CONNECTION",
    "LOSE_WRITE_CONNECTION",
    "LOST",
    "READ_EOF",
    "WRITE_SHUT_DOWN",
    "ClientMixin",
    "Consumer",
    "ServerMixin",
    "StreamEvent",
    "StreamState",
    "StreamTransport",
]

_log = Logger(namespace="torsion.internet.tcp")

AddressT = TypeVar("AddressT")

LINGER_RESET = struct.pack("ii", 1, 0)
"""``SO_LINGER`` on with a 0 s timeout: ``close()`` sends a reset (RST)."""


class StreamState(enum.Enum):
    """Where a stream connection is in its life (see the module docstring for the moves).

    Each state says what the connection may still do: `writeOpen` (``write()`` accepts
    data), `readOpen` (reading may run or resume), `shutdownPending` (``loseWriteConnection``
    waits for the buffer to drain), `writeShutDown` (the sending half is shut down),
    `disconnecting` (``loseConnection``: closes once drained and any producer is gone),
    `closing` (no I/O any more: ``connectionLost`` follows, or ran).
    """

    # (name, writeOpen, readOpen, shutdownPending, writeShutDown, disconnecting, closing)
    OPEN = ("open", True, True, False, False, False, False)
    READ_CLOSED = ("read-closed", True, False, False, False, False, False)
    HALF_CLOSING = ("half-closing", True, True, True, False, False, False)
    READ_CLOSED_HALF_CLOSING = ("read-closed half-closing", True, False, True, False, False, False)
    WRITE_CLOSED = ("write-closed", False, True, False, True, False, False)
    DISCONNECTING = ("disconnecting", True, False, False, False, True, False)
    DISCONNECTING_WRITE_CLOSED = (
        "disconnecting write-closed",
        False,
        False,
        False,
        True,
        True,
        False,
    )
    CLOSING = ("closing", False, False, False, False, False, True)
    ABORTING = ("aborting", False, False, False, False, False, True)
    CLOSED = ("closed", False, False, False, False, False, True)

    def __init__(
        self,
        label: str,
        writeOpen: bool,
        readOpen: bool,
        shutdownPending: bool,
        writeShutDown: bool,
        disconnecting: bool,
        closing: bool,
    ) -> None:
        self.label = label
        self.writeOpen = writeOpen
        self.readOpen = readOpen
        self.shutdownPending = shutdownPending
        self.writeShutDown = writeShutDown
        self.disconnecting = disconnecting
        self.closing = closing

    # Members are singletons: identity is the right hash, and object's is in C (Enum's own,
    # in Python, costs a few hundred ns per transition-table lookup).
    __hash__ = object.__hash__

    def after(self, event: StreamEvent) -> StreamState | None:
        """The state ``event`` moves this one to, or None if the event is refused here."""
        return _TRANSITIONS.get((self, event))


class StreamEvent(enum.Enum):
    """What moves a stream connection from one `StreamState` to another."""

    LOSE_CONNECTION = "loseConnection()"
    LOSE_WRITE_CONNECTION = "loseWriteConnection()"
    WRITE_SHUT_DOWN = "half-close done"  # Drained with a half-close pending: SHUT_WR sent.
    READ_EOF = "peer EOF"  # The peer half-closed (or closed) its sending side.
    CLOSE = "close"  # An error, or drained after loseConnection: connectionLost follows.
    ABORT = "abortConnection()"
    LOST = "connectionLost"

    __hash__ = object.__hash__  # As StreamState's.


def _transitions() -> dict[tuple[StreamState, StreamEvent], StreamState]:
    """The table of the module docstring, as (state, event) -> new state."""
    S, E = StreamState, StreamEvent
    table = {
        (S.OPEN, E.LOSE_WRITE_CONNECTION): S.HALF_CLOSING,
        (S.READ_CLOSED, E.LOSE_WRITE_CONNECTION): S.READ_CLOSED_HALF_CLOSING,
        (S.HALF_CLOSING, E.WRITE_SHUT_DOWN): S.WRITE_CLOSED,
        (S.READ_CLOSED_HALF_CLOSING, E.WRITE_SHUT_DOWN): S.CLOSING,  # Both halves are done.
        (S.OPEN, E.READ_EOF): S.READ_CLOSED,
        (S.HALF_CLOSING, E.READ_EOF): S.READ_CLOSED_HALF_CLOSING,
        (S.WRITE_CLOSED, E.READ_EOF): S.CLOSING,  # Both halves are done.
        # Reading is paused while disconnecting, but asyncio may have seen the EOF already.
        (S.DISCONNECTING, E.READ_EOF): S.DISCONNECTING,
        (S.DISCONNECTING_WRITE_CLOSED, E.READ_EOF): S.DISCONNECTING_WRITE_CLOSED,
        (S.WRITE_CLOSED, E.LOSE_CONNECTION): S.DISCONNECTING_WRITE_CLOSED,
        (S.ABORTING, E.CLOSE): S.ABORTING,
    }
    for state in S:
        if not state.closing and state is not S.WRITE_CLOSED and not state.disconnecting:
            table[state, E.LOSE_CONNECTION] = S.DISCONNECTING
        if state not in (S.ABORTING, S.CLOSED):
            table[state, E.CLOSE] = S.CLOSING
            table[state, E.ABORT] = S.ABORTING
        if state is not S.CLOSED:
            table[state, E.LOST] = S.CLOSED
    return table


_TRANSITIONS = _transitions()

# Python 3.11's EnumType has a __getattr__, which makes each ``StreamEvent.X`` lookup take
# about 0.2 µs; the transports, which apply several per connection, name them by these.
LOSE_CONNECTION = StreamEvent.LOSE_CONNECTION
LOSE_WRITE_CONNECTION = StreamEvent.LOSE_WRITE_CONNECTION
WRITE_SHUT_DOWN = StreamEvent.WRITE_SHUT_DOWN
READ_EOF = StreamEvent.READ_EOF
CLOSE = StreamEvent.CLOSE
ABORT = StreamEvent.ABORT
LOST = StreamEvent.LOST
_OPEN = StreamState.OPEN
_CLOSED = StreamState.CLOSED


class Consumer:
    """A transport that a producer may feed (Twisted's ``IConsumer``), one producer at a time.

    Subclasses say how a pull producer is started (`_pullProducerRegistered`) and when a
    streaming one is paused (`_checkHighWater`).

    Attributes:
        producer: The registered producer, or None.
        streamingProducer: Whether `producer` is a push producer.
        producerPaused: Whether the transport has paused `producer`.
        disconnected: True once the transport is closed.
    """

    producer: IProducer | None = None
    streamingProducer = False
    producerPaused = False
    disconnected = False

    def registerProducer(self, producer: IProducer, streaming: bool) -> None:
        """Let ``producer`` feed this transport, paced by what is still unsent.

        A streaming (push) producer is paused above the high-water mark (64 KiB) and resumed
        once the buffer drains; a pull producer is asked for data to begin with and each time
        the buffer empties. On a closed transport the producer is stopped at once.

        Raises:
            RuntimeError: Another producer is registered.
        """
        if self.producer is not None:
            raise RuntimeError(
                f"Cannot register producer {producer!r}, because producer "
                f"{self.producer!r} was never unregistered."
            )
        if self.disconnected:
            producer.stopProducing()
            return
        self.producer = producer
        self.streamingProducer = streaming
        self.producerPaused = False
        if streaming:
            self._checkHighWater()
        else:
            self._pullProducerRegistered(producer)

    def _checkHighWater(self) -> None:
        """Pause the streaming producer if what is unsent passes the high-water mark."""
        raise NotImplementedError

    def _pullProducerRegistered(self, producer: IProducer) -> None:
        """Ask the newly registered pull ``producer`` for its first data (now or soon)."""
        raise NotImplementedError


class StreamTransport(Consumer, Generic[AddressT]):
    """What the TCP (and UNIX) connection transports of every reactor share.

    Attributes:
        socket: The connected socket.
        protocol: The protocol receiving this connection's events.
        reactor: The reactor the connection belongs to.
        connected: True until ``connectionLost``.
        disconnecting: True once ``loseConnection`` was called.
        disconnected: True once ``connectionLost`` ran.
    """

    socket: Socket
    protocol: _Protocol
    reactor: IReactorTimeAndFDSet
    _fileno: int
    _peer: AddressT

    # The state a new connection starts in, as class attributes: a connection is made per
    # accept, and each attribute set in __init__ costs time there. Only _apply changes the
    # first four, only _updateDirect the fifth.
    _state = _OPEN
    connected = True
    disconnecting = False
    disconnected = False
    # write() may send at once: what _updateDirect computes; each transport class sets the
    # value it computes for a new connection.
    _direct: bool
    _paused = False  # pauseProducing() is in effect (reading waits for resumeProducing).
    _tlsClientDefault = False  # Which side is the TLS client of startTLS(normal=True).
    TLS = False  # Whether startTLS was called (Twisted's attribute).

    if TYPE_CHECKING:
        # Each transport class has its own constructor; this is the signature they all take,
        # which the mixins below pass on.
        def __init__(
            self, skt: Socket, protocol: _Protocol, reactor: IReactorTimeAndFDSet
        ) -> None: ...

    def fileno(self) -> int:
        """Return the socket's file descriptor (the number it had when connected)."""
        return self._fileno

    def logPrefix(self) -> str:
        """Return the prefix for log lines about this connection: the protocol's class name."""
        return self.protocol.__class__.__name__

    def getPeer(self) -> AddressT:
        """Return the remote end's address."""
        return self._peer

    def getHandle(self) -> Socket:
        """Return the socket."""
        return self.socket

    # -- ITLSTransport --------------------------------------------------------------------------

    def startTLS(self, contextFactory: Any, normal: bool = True) -> None:
        """Encrypt from now on (STARTTLS); see `torsion.protocols.tls.startTLS`.

        Args:
            contextFactory: The TLS settings (`optionsForClientTLS(...)`, ...).
            normal: True: the side that made the connection is the TLS client.
        """
        from torsion.protocols.tls import startTLS

        startTLS(self, contextFactory, normal, self.reactor)
        self.TLS = True

    # -- the transport as a producer of incoming data, and as a consumer -----------------------

    def stopProducing(self) -> None:
        """Close the connection, as ``loseConnection``."""
        self.loseConnection()

    def loseConnection(self) -> None:
        """Close once everything written has been sent (each transport has its own)."""
        raise NotImplementedError

    def pauseProducing(self) -> None:
        """Stop reading until `resumeProducing` (each transport has its own)."""
        raise NotImplementedError

    def resumeProducing(self) -> None:
        """Read again after `pauseProducing` (each transport has its own)."""
        raise NotImplementedError

    def unregisterProducer(self) -> None:
        """Detach the producer (each transport has its own)."""
        raise NotImplementedError

    # -- Twisted's FileDescriptor names for the same ----------------------------------------

    def stopReading(self) -> None:
        """Stop reading: `pauseProducing`."""
        self.pauseProducing()

    def startReading(self) -> None:
        """Read again: `resumeProducing`."""
        self.resumeProducing()

    def stopConsuming(self) -> None:
        """A producer is done for good: unregister it and close once the buffer is sent."""
        self.unregisterProducer()
        self.loseConnection()

    def _pullProducerRegistered(self, producer: IProducer) -> None:
        self._updateDirect()  # Writes wait for the drain, which asks for the next chunk.
        producer.resumeProducing()  # type: ignore[attr-defined]

    # -- the connection's state ----------------------------------------------------------------

    def _apply(self, event: StreamEvent) -> bool:
        """Move the connection's state on by ``event``; return False if the state refuses it.

        The one place that changes `_state`, ``connected``, ``disconnected`` and
        ``disconnecting`` (see the module docstring); `_direct` follows.
        """
        state = self._state
        if event is LOSE_CONNECTION and state is not _CLOSED:
            self.disconnecting = True
        new = _TRANSITIONS.get((state, event))
        if new is None:
            return False
        self._state = new
        if new is _CLOSED:
            self.connected = False
            self.disconnected = True
        self._updateDirect()
        return True

    def _updateDirect(self) -> None:
        """Recompute `_direct`, "write() may send at once"; the only code that assigns it.

        Called at each change of the state, the producer, or what `_mayWriteNow` depends on.
        """
        self._direct = (
            self._state.writeOpen
            and (self.producer is None or self.streamingProducer)
            and self._mayWriteNow()
        )

    def _mayWriteNow(self) -> bool:
        """What the transport adds to `_updateDirect`'s rule (nothing, by default)."""
        return True

    # -- closing -------------------------------------------------------------------------------

    def _tellLost(self, reason: Failure) -> None:
        """The connection is closed: stop the producer, tell the protocol, then the owner."""
        producer, self.producer = self.producer, None
        if producer is not None:
            self._safely("stopProducing", producer.stopProducing)
        self._safely("connectionLost", self.protocol.connectionLost, reason)
        self._notifyLost(reason)

    def _notifyLost(self, reason: Failure) -> None:
        """Tell whoever owns this connection (port, connector) that it is gone."""

    def _callbackFailed(self, name: str, exc: Exception) -> Exception:
        """Log an exception a protocol (or producer) callback raised; it becomes the reason."""
        _log.failure(
            "Unhandled error in {prefix}.{callback}; closing the connection",
            Failure(exc),
            LogLevel.error,
            prefix=self.logPrefix(),
            callback=name,
        )
        return exc

    def _safely(self, name: str, f: Callable[..., object], *args: object) -> None:
        """Call ``f(*args)``; log what it raises (it is the callback ``name``) and go on."""
        try:
            f(*args)
        except Exception as exc:
            _log.failure(
                "Unhandled error in {prefix}.{callback}",
                Failure(exc),
                LogLevel.error,
                prefix=self.logPrefix(),
                callback=name,
            )


class ServerMixin(StreamTransport[AddressT]):
    """A connection accepted by a listening port; mixed in before the transport class.

    Attributes:
        server: The port that accepted it.
        sessionno: Its number among the port's connections.
    """

    def __init__(
        self,
        skt: Socket,
        protocol: _Protocol,
        client: AddressT,
        server: Any,
        sessionno: int,
        reactor: IReactorTimeAndFDSet,
    ) -> None:
        super().__init__(skt, protocol, reactor)
        self._peer = client
        self.server = server
        self.sessionno = sessionno

    def _notifyLost(self, reason: Failure) -> None:
        # torsion's ports resume accepting then; a port of another kind (Twisted's Server
        # takes any object) need not have the method.
        closed = getattr(self.server, "connectionClosed", None)
        if closed is not None:
            closed()


class ClientMixin(StreamTransport[AddressT]):
    """A connection made by a connector; mixed in before the transport class.

    Attributes:
        connector: The connector that made it, told when it is lost.
    """

    _tlsClientDefault = True

    def __init__(
        self,
        skt: Socket,
        protocol: _Protocol,
        peer: AddressT,
        connector: Any,
        reactor: IReactorTimeAndFDSet,
    ) -> None:
        super().__init__(skt, protocol, reactor)
        self._peer = peer
        self.connector = connector

    def _notifyLost(self, reason: Failure) -> None:
        self.connector.connectionLost(reason)
