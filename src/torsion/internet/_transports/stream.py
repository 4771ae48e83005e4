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
"""

from __future__ import annotations

import logging
import struct
from collections.abc import Callable
from socket import socket as Socket
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from torsion.internet.interfaces import IProducer, IReactorTimeAndFDSet
from torsion.python.failure import Failure

if TYPE_CHECKING:
    from torsion.internet.protocol import Protocol as _Protocol

__all__ = ["LINGER_RESET", "ClientMixin", "Consumer", "ServerMixin", "StreamTransport"]

_log = logging.getLogger("torsion.internet.tcp")

AddressT = TypeVar("AddressT")

LINGER_RESET = struct.pack("ii", 1, 0)
"""``SO_LINGER`` on with a 0 s timeout: ``close()`` sends a reset (RST)."""


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
    """

    socket: Socket
    protocol: _Protocol
    reactor: IReactorTimeAndFDSet
    _fileno: int
    _peer: AddressT

    # The state a new connection starts in, as class attributes: a connection is made per
    # accept, and each attribute set in __init__ costs time there.
    connected = True
    disconnecting = False
    _writeOpen = True  # write() accepts data: not write-shut-down, aborted or closed.
    _paused = False  # pauseProducing() is in effect.
    _readOpen = True  # Reading may (re)start: no EOF, no loseConnection, no abort.
    _shutdownPending = False  # loseWriteConnection() waits for the buffer to drain.
    _writeShutDown = False  # The sending half is shut down.
    _aborting = False
    _direct: bool  # write() may send at once (each transport has its own rule).
    _tlsClientDefault = False  # Which side is the TLS client of startTLS(normal=True).

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

    # -- the transport as a producer of incoming data, and as a consumer -----------------------

    def stopProducing(self) -> None:
        """Close the connection, as ``loseConnection``."""
        self.loseConnection()

    def loseConnection(self) -> None:
        """Close once everything written has been sent (each transport has its own)."""
        raise NotImplementedError

    def _pullProducerRegistered(self, producer: IProducer) -> None:
        self._direct = False  # Writes wait for the drain, which asks for the next chunk.
        producer.resumeProducing()  # type: ignore[attr-defined]

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
        _log.error(
            "Unhandled error in %s.%s; closing the connection",
            self.logPrefix(),
            name,
            exc_info=exc,
        )
        return exc

    def _safely(self, name: str, f: Callable[..., object], *args: object) -> None:
        """Call ``f(*args)``; log what it raises (it is the callback ``name``) and go on."""
        try:
            f(*args)
        except Exception as exc:
            _log.error("Unhandled error in %s.%s", self.logPrefix(), name, exc_info=exc)


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
        self.server.connectionClosed()


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
