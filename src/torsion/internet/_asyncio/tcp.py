"""TCP on asyncio's own transports, for the asyncio reactor: `AsyncioConnection` and kin.

`AsyncioConnection` is both the asyncio protocol of a socket transport and the torsion transport
its torsion protocol sees. The hot path has no Python of ours in it: the transport's
``data_received`` *is* the torsion protocol's ``dataReceived`` (rebound whenever ``protocol``
changes, as `startTLS` does), and a `write` that asyncio can take goes straight to the asyncio
transport's ``write``; on uvloop the bytes then move in C.

Everything else keeps the epoll transport's behaviour
(`torsion.internet._transports.connection.SocketConnection`):

* Accepting and connecting stay torsion's (`Port`, `Connector`, over the loop's
  ``add_reader``/``add_writer``), so ``numberAccepts``, the EMFILE pause, timeouts,
  ``stopConnecting`` and the error types are the same; the connected socket is then handed to
  ``loop.connect_accepted_socket``. ``connectionMade`` runs at once, as on epoll; what it writes
  waits in `_buffer` until asyncio has the socket.
* asyncio's write-buffer limits are (0, 0), so ``pause_writing`` means "asyncio holds unsent
  bytes" and ``resume_writing`` "it has sent them all". That drives what the epoll transport does
  when its buffer drains: resuming producers, finishing ``loseConnection`` and
  ``loseWriteConnection``. Those run on a later loop pass, never inside the asyncio callback.
* At most `HANDOFF` bytes are given to asyncio at a time; the rest waits in `_buffer` as the
  caller's own bytes (stock asyncio copies what it buffers, which for a 100 MB write would mean
  100 MB more memory).
* ``abortConnection`` resets the connection (SO_LINGER 0); a peer's half-close is a full close
  for protocols that are not half-closeable, dropping what is unsent; an exception in
  ``dataReceived`` is logged by asyncio (its exception handler) and becomes the reason.
"""

from __future__ import annotations

import asyncio
import functools
import socket
from collections.abc import Callable, Coroutine, Iterable
from typing import TYPE_CHECKING, Any, Protocol, cast

from torsion.internet._transports import tcp
from torsion.internet._transports.buffer import HIGH_WATER, WriteBuffer
from torsion.internet._transports.connection import asBytes
from torsion.internet._transports.stream import (
    ABORT,
    CLOSE,
    LINGER_RESET,
    LOSE_CONNECTION,
    LOSE_WRITE_CONNECTION,
    LOST,
    READ_EOF,
    WRITE_SHUT_DOWN,
    ClientMixin,
    ServerMixin,
    StreamTransport,
)
from torsion.internet._transports.tcpconnection import (
    ClientAddress,
    ServerDescription,
    TCPAddress,
    TCPOptions,
    makeAddress,
)
from torsion.internet.error import ConnectionAborted, ConnectionDone, ConnectionLost
from torsion.internet.interfaces import IHalfCloseableProtocol, IProducer, IReactorTimeAndFDSet
from torsion.python.failure import Failure

if TYPE_CHECKING:
    from torsion.internet.protocol import Protocol as _Protocol

__all__ = ["HANDOFF", "AsyncioConnection", "Client", "Connector", "Port", "Server"]

HANDOFF = 256 * 1024
"""The most bytes handed to the asyncio transport's ``write`` in one call."""


class AsyncioReactor(IReactorTimeAndFDSet, Protocol):
    """What the connections need of the asyncio reactor: a transport's reactor, with its
    loop and its set of them."""

    _asyncioEventloop: asyncio.AbstractEventLoop
    _connections: set[AsyncioConnection]


class AsyncioConnection(TCPOptions, StreamTransport[TCPAddress], asyncio.Protocol):
    """A TCP connection on an asyncio transport: the torsion transport of its protocol.

    Attributes:
        socket: The connected socket (asyncio's from the hand-over on).
        reactor: The asyncio reactor.
        connected: True until ``connectionLost``.
        disconnecting: True once `loseConnection` was called.
        disconnected: True once ``connectionLost`` ran.
        producer: The registered producer, or None.
        streamingProducer: Whether `producer` is a push producer.
        producerPaused: Whether the transport has paused `producer`.
    """

    reactor: AsyncioReactor
    # The rest of the starting state is `StreamTransport`'s.
    _host: TCPAddress | None = None  # getHost(), looked up when first asked.
    _transport: asyncio.Transport | None = None
    _transportWrite: Callable[[bytes | memoryview], object]  # The transport's, once it exists.
    _direct = False  # What _updateDirect computes for a new connection (no asyncio transport).
    _full = False  # asyncio holds unsent bytes (between pause_ and resume_writing).
    _drainScheduled = False
    _reason: Failure | None = None  # Decided reason for connectionLost, if any.
    _held: list[bytes] | None = None  # Read while it should have been paused (uvloop).

    def __init__(self, skt: socket.socket, protocol: _Protocol, reactor: AsyncioReactor) -> None:
        self.socket = skt
        self.reactor = reactor
        self._fileno = skt.fileno()
        self._buffer = WriteBuffer()  # What asyncio has not been given yet.
        # The `protocol` setter's work; there is no asyncio transport to refresh yet.
        self._protocol = protocol
        self.data_received = protocol.dataReceived  # type: ignore[method-assign]
        reactor._connections.add(self)
        # asyncio and uvloop turn TCP_NODELAY on as they take the socket, here.
        self._handOver(reactor._asyncioEventloop.connect_accepted_socket(self._self, skt))

    def _self(self) -> AsyncioConnection:
        """The protocol factory given to asyncio: this connection is the asyncio protocol."""
        return self

    @property
    def protocol(self) -> _Protocol:
        """The protocol receiving this connection's events; setting it rebinds the fast path."""
        return self._protocol

    @protocol.setter
    def protocol(self, protocol: _Protocol) -> None:
        self._protocol = protocol
        self._deliverTo(protocol.dataReceived)

    def _deliverTo(self, receiver: Callable[[bytes], object]) -> None:
        """Make ``receiver`` asyncio's ``data_received`` for this connection."""
        self.data_received = receiver  # type: ignore[method-assign,assignment]
        if self._transport is not None and not self._state.closing:
            self._transport.set_protocol(self)  # uvloop caches data_received: refresh it

    def __repr__(self) -> str:
        try:
            host: object = self.getHost()
        except OSError:
            host = "closed"
        return f"<{type(self).__name__} {self.logPrefix()} {host} -> {self._peer}>"

    # -- the descriptor view the reactor and tests see ------------------------------------------

    def isReading(self) -> bool:
        """Whether data is being read (for the reactor's ``getReaders``)."""
        return self._state.readOpen and not self._paused

    def isWriting(self) -> bool:
        """Whether data waits to be sent (for the reactor's ``getWriters``)."""
        return self.connected and (self._full or bool(self._buffer.size))

    def connectionLost(self, reason: Failure) -> None:
        """Close now and tell the protocol (the reactor calls this at shutdown and cleanup)."""
        if self.disconnected:
            return
        if reason.check(ConnectionAborted):
            self._linger()
        if self._transport is not None:
            self._transport.abort()
        self._lost(reason)

    # -- starting: torsion's side at once, asyncio's on the next pass ---------------------------

    def _start(self) -> None:
        """Call the protocol's ``makeConnection`` (asyncio gets the socket on the next pass).

        An exception from ``connectionMade`` closes the connection with it as the reason.
        """
        try:
            self._protocol.makeConnection(self)
        except Exception as exc:
            self._closeSoon(self._callbackFailed("connectionMade", exc))

    def _handOver(self, coroutine: Coroutine[Any, Any, object], _: object = None) -> None:
        """Run ``connect_accepted_socket`` to its end, without a Task.

        Its first step creates the asyncio transport at once (which then calls
        `connection_made` on the next pass); it then only waits for that call. A Task would
        cost an extra pass and more work per connection; this is the part of one that is needed:
        step the coroutine, and step it again when the future it waits on is done.
        """
        try:
            future = coroutine.send(None)
        except StopIteration:
            return
        except Exception as exc:  # asyncio could not take the socket
            if not self.disconnected:
                self.socket.close()
                self._lost(Failure(ConnectionLost(str(exc))))
            return
        future._asyncio_future_blocking = False
        future.add_done_callback(functools.partial(self._handOver, coroutine))

    # -- asyncio's protocol side ------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """asyncio has the socket: send what waited, apply pauses and pending closes."""
        t = self._transport = cast("asyncio.Transport", transport)
        if self._state.closing:  # Closed, or to close (the reason is decided).
            t.abort()
            return
        t.set_write_buffer_limits(0, 0)
        self._transportWrite = t.write
        if self._paused or not self._state.readOpen:
            t.pause_reading()
            # uvloop starts reading once connection_made returns, paused or not: hold what
            # arrives until reading may resume.
            self._deliverTo(self._hold)
        state = self._state
        if (
            self._buffer.size
            or self.producer is not None
            or state.disconnecting
            or state.shutdownPending
        ):
            self._feed()
        else:  # Nothing waits: what _feed would conclude, without its checks.
            self._updateDirect()

    def connection_lost(self, exc: Exception | None) -> None:
        """asyncio closed the transport: tell the protocol why, once."""
        if self.disconnected:
            return
        if self._reason is not None:
            reason = self._reason
        elif exc is None:
            reason = Failure(ConnectionDone())
        elif isinstance(exc, OSError):
            reason = Failure(ConnectionLost(exc.strerror or str(exc)))
        else:  # The protocol's dataReceived raised (asyncio logged it).
            reason = Failure(exc)
        self._lost(reason)

    def eof_received(self) -> bool:
        """The peer half-closed: ``readConnectionLost`` if half-closeable, else a full close."""
        if self._held:
            self._release()
        writeShutDown = self._state.writeShutDown
        self._apply(READ_EOF)
        protocol = self._protocol
        if not isinstance(protocol, IHalfCloseableProtocol):
            self._closeNow(ConnectionDone())
            return True
        try:
            protocol.readConnectionLost()
        except Exception as exc:
            self._closeNow(self._callbackFailed("readConnectionLost", exc))
            return True
        if writeShutDown:  # Both directions are shut down: nothing can happen any more.
            self._closeNow(ConnectionDone())
        return True

    def pause_writing(self) -> None:
        """asyncio holds unsent bytes (the limits are 0): write to `_buffer` meanwhile."""
        self._full = True
        self._updateDirect()

    def resume_writing(self) -> None:
        """asyncio sent everything it held: give it more, or note that all is sent."""
        self._full = False
        self._feed()

    # -- ITransport ---------------------------------------------------------------------------

    def write(self, data: bytes) -> None:
        """Send ``data``: at once if nothing is waiting, else after what is.

        Ignored once the connection (or its writing half) is closed.

        Raises:
            TypeError: ``data`` is not bytes-like (``bytearray`` and ``memoryview`` are copied).
        """
        if type(data) is not bytes:
            data = asBytes(data)
        if self._direct and len(data) <= HANDOFF:
            self._transportWrite(data)
        elif self._state.writeOpen and data:
            self._buffer.append(data)
            if self._direct:  # (A write over HANDOFF:) no longer, with bytes in _buffer.
                self._updateDirect()
            if not self._full:
                self._feed()
        else:
            return
        if self.streamingProducer and not self.producerPaused:
            self._checkHighWater()

    def writeSequence(self, data: Iterable[bytes]) -> None:
        """Send each chunk of ``data`` in order.

        Raises:
            TypeError: A chunk is not bytes-like; nothing is written then.
        """
        chunks = [chunk if type(chunk) is bytes else asBytes(chunk) for chunk in data]
        if not self._state.writeOpen:
            return
        for chunk in chunks:
            if chunk:
                self._buffer.append(chunk)
        self._updateDirect()
        if not self._full:
            self._feed()
        if self.streamingProducer and not self.producerPaused:
            self._checkHighWater()

    def loseConnection(self) -> None:
        """Stop reading now; close once everything written (even later) has been sent.

        The close also waits for a registered producer to be unregistered. The protocol's
        ``connectionLost(ConnectionDone)`` follows from the loop, never from inside this call.
        """
        if not self._apply(LOSE_CONNECTION):
            return
        if self._transport is not None:
            self._transport.pause_reading()
        self._scheduleDrain()

    def abortConnection(self) -> None:
        """Close now, dropping whatever is unsent; the peer sees a reset.

        The protocol's ``connectionLost(ConnectionAborted)`` follows from the loop.
        """
        if not self._apply(ABORT):
            return
        self._stopIO(ConnectionAborted())

    def loseWriteConnection(self) -> None:
        """Half-close: shut down sending once everything is sent; reading continues.

        A half-closeable protocol then gets ``writeConnectionLost()``.
        """
        if not self._apply(LOSE_WRITE_CONNECTION):
            return
        self._scheduleDrain()

    def getHost(self) -> TCPAddress:
        """Return the local end's address.

        Raises:
            OSError: Asked for the first time once the connection is closed (as on epoll).
        """
        host = self._host
        if host is None:
            host = self._host = makeAddress(self.socket.getsockname())
        return host

    # -- the transport as a producer of incoming data, and as a consumer -----------------------

    def pauseProducing(self) -> None:
        """Stop reading until `resumeProducing` (no ``dataReceived`` meanwhile)."""
        self._paused = True
        if self._transport is not None and not self._state.closing:
            self._transport.pause_reading()

    def resumeProducing(self) -> None:
        """Read again after `pauseProducing` (unless reading has ended)."""
        self._paused = False
        if self._transport is not None and self._state.readOpen:
            if self._held:
                self.reactor._asyncioEventloop.call_soon(self._release)
            self._transport.resume_reading()

    def _hold(self, data: bytes) -> None:
        """``data_received`` while reading should be paused (see `connection_made`)."""
        if self._held is None:
            self._held = [data]
        else:
            self._held.append(data)
        state = self._state
        if (self._paused or not state.readOpen) and not state.closing:
            self._transport.pause_reading()  # type: ignore[union-attr]
        else:
            self._release()

    def _release(self) -> None:
        """Deliver the data held back while paused, then read straight to the protocol."""
        if self._paused or not self._state.readOpen:
            return
        held, self._held = self._held, None
        self._deliverTo(self._protocol.dataReceived)
        for data in held or ():
            try:
                self._protocol.dataReceived(data)
            except Exception as exc:
                self._closeSoon(self._callbackFailed("dataReceived", exc))
                return

    def unregisterProducer(self) -> None:
        """Detach the producer; a pending `loseConnection` can now complete."""
        self.producer = None
        self.streamingProducer = self.producerPaused = False
        self._updateDirect()
        state = self._state
        if state.disconnecting or state.shutdownPending:
            self._scheduleDrain()

    # -- helpers ---------------------------------------------------------------------------

    def _mayWriteNow(self) -> bool:
        """asyncio has the socket, holds nothing unsent, and nothing waits in `_buffer`."""
        return self._transport is not None and not self._full and not self._buffer.size

    def _feed(self) -> None:
        """Give asyncio what waits in `_buffer` while it takes it all; note a full drain."""
        if self._transport is None or not self._state.writeOpen:
            return
        buffer, write = self._buffer, self._transportWrite
        while buffer.size and not self._full:
            write(buffer.popFront(HANDOFF))
        if not buffer.size and not self._full:
            self._updateDirect()
            producer = self.producer
            state = self._state
            if (
                state.disconnecting
                or state.shutdownPending
                or (producer is not None and (self.producerPaused or not self.streamingProducer))
            ):
                self._scheduleDrain()

    def _pullProducerRegistered(self, producer: IProducer) -> None:
        super()._pullProducerRegistered(producer)
        # What was written before may all be with asyncio already: the drain that then asks
        # the producer again comes on a later loop pass (as Twisted's doWrite would).
        self._scheduleDrain()

    def _checkHighWater(self) -> None:
        size = self._buffer.size
        if self._full and self._transport is not None:
            size += self._transport.get_write_buffer_size()
        if size > HIGH_WATER:
            self.producerPaused = True
            self.producer.pauseProducing()  # type: ignore[union-attr]

    def _scheduleDrain(self) -> None:
        if not self._drainScheduled:
            self._drainScheduled = True
            self.reactor._asyncioEventloop.call_soon(self._drained)

    def _drained(self) -> None:
        """On a loop pass after everything was sent: serve producers, then pending closes."""
        self._drainScheduled = False
        if self.disconnected or self._transport is None or self._full or self._buffer.size:
            return  # Not (or no longer) drained; the next drain schedules this again.
        producer = self.producer
        if producer is not None and (self.producerPaused or not self.streamingProducer):
            self.producerPaused = False
            try:
                producer.resumeProducing()  # type: ignore[attr-defined]
            except Exception as exc:
                self._closeSoon(self._callbackFailed("resumeProducing", exc))
                return
        state = self._state
        if self._buffer.size or self._full or self.producer is not None or state.closing:
            return
        if state.disconnecting:
            self._apply(CLOSE)
            self._transport.close()  # connection_lost(None): ConnectionDone
        elif state.shutdownPending:
            self._shutDownWrite(self._transport)

    def _shutDownWrite(self, transport: asyncio.Transport) -> None:
        self._apply(WRITE_SHUT_DOWN)
        try:
            transport.write_eof()
        except OSError as e:
            self._closeSoon(ConnectionLost(e.strerror or str(e)))
            return
        protocol = self._protocol
        if isinstance(protocol, IHalfCloseableProtocol):
            try:
                protocol.writeConnectionLost()
            except Exception as exc:
                self._closeSoon(self._callbackFailed("writeConnectionLost", exc))
                return
        if not self._state.readOpen:
            self._closeSoon(ConnectionDone())

    def _closeSoon(self, reason: BaseException) -> None:
        """Stop all I/O now; ``connectionLost(reason)`` follows on a later loop pass."""
        self._apply(CLOSE)
        self._stopIO(reason)

    def _stopIO(self, reason: BaseException) -> None:
        """Drop what is unsent and abort asyncio's transport; `_lost` follows from it."""
        self._buffer.clear()
        if self._reason is None:
            self._reason = Failure(reason)
        if isinstance(reason, ConnectionAborted):
            self._linger()
        if self._transport is not None:
            self._transport.abort()
        # Else asyncio does not have the socket yet: connection_made aborts it.

    def _closeNow(self, reason: BaseException) -> None:
        """From an asyncio callback (a loop pass): close, and tell the protocol now."""
        self._transport.abort()  # type: ignore[union-attr]
        self._lost(Failure(reason))

    def _linger(self) -> None:
        """Make the close send a reset (the peer sees ECONNRESET)."""
        try:
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RESET)
        except OSError:
            pass  # Already closed or reset: nothing left to reset.

    def _lost(self, reason: Failure) -> None:
        self._apply(LOST)
        self._buffer.clear()
        self.reactor._connections.discard(self)
        self._tellLost(reason)


class Server(ServerDescription, ServerMixin[TCPAddress], AsyncioConnection):
    """A connection accepted by a listening `Port` (see `ServerMixin`)."""


class Client(ClientAddress, ClientMixin[TCPAddress], AsyncioConnection):
    """A connection made by a `Connector` (see `ClientMixin`)."""


class Port(tcp.Port):
    """A listening TCP port (`torsion.internet.tcp.Port`) whose connections are `Server`s."""

    serverTransport = Server


class Connector(tcp.Connector):
    """A TCP connector (`torsion.internet.tcp.Connector`) whose connection is a `Client`."""

    clientTransport = Client
