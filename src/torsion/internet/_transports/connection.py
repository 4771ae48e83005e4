"""`SocketConnection`: the transport of a connected stream socket, TCP or UNIX.

The TCP (`torsion.internet._transports.tcpconnection`) and UNIX
(`torsion.internet._transports.unixconnection`) transports are its siblings: each adds only
its addresses and what its kind of socket alone can do (TCP options; passing descriptors).

How data moves (STYLE.md point 6, and asyncio's "try to send now"):

* `SocketConnection.write` sends at once when nothing is buffered, and buffers only the unsent tail;
  the connection is registered as a writer only while something is buffered. An echo round trip
  therefore costs one ``recv`` and one ``send``, with no ``epoll_ctl`` and no extra loop pass.
* `SocketConnection.doRead` reads up to 256 KiB per ``recv``.
* Closing is always completed by the reactor, never inside the call that asked for it:
  `loseConnection` registers the connection as a writer, and `doWrite` finishes the close once the
  buffer is empty (so writes made after `loseConnection` are still sent, as in Twisted);
  `abortConnection` schedules the close with ``callLater(0)`` because a full socket may never
  become writable. `connectionLost` runs exactly once.
* A failed send does not close the connection inside `write`: the data stays buffered and the
  next `doWrite` meets the error again and reports it to the reactor. The error is kept too:
  the kernel reports a peer's reset only once, so a `doRead` that comes first and sees the end
  of the stream reports the connection lost, not done.

Half-close: a protocol that has both ``readConnectionLost`` and ``writeConnectionLost`` (the
structural `IHalfCloseableProtocol`) gets ``readConnectionLost()`` when the peer half-closes and
can keep writing; for any other protocol the peer's half-close is a full close, dropping what is
still buffered (Twisted's behaviour).

Producers: a streaming producer is paused when the buffer passes its high-water mark (64 KiB)
and resumed once it drains; a pull producer's ``resumeProducing()`` is called when it is
registered, on the next writable pass (what was written before went out at once, where Twisted's
transport would still be sending it) and each time the buffer empties. `loseConnection` with a
producer registered waits for `unregisterProducer` before closing (Twisted's TLS behaviour; its
TCP transport ignores the producer).
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from torsion.internet._transports.buffer import WriteBuffer
from torsion.internet._transports.stream import (
    ABORT,
    CLOSE,
    LINGER_RESET,
    LOSE_CONNECTION,
    LOSE_WRITE_CONNECTION,
    LOST,
    READ_EOF,
    WRITE_SHUT_DOWN,
    AddressT,
    StreamTransport,
)
from torsion.internet.error import ConnectionAborted, ConnectionDone, ConnectionLost
from torsion.internet.interfaces import IHalfCloseableProtocol, IProducer, IReactorTimeAndFDSet
from torsion.python.failure import Failure

if TYPE_CHECKING:
    from torsion.internet.protocol import Protocol as _Protocol

__all__ = ["READ_SIZE", "SocketConnection", "asBytes"]

READ_SIZE = 256 * 1024
"""The most bytes one `SocketConnection.doRead` asks for (asyncio's; Twisted reads 64 KiB)."""


def asBytes(data: object) -> bytes:
    """Return a private bytes copy of a bytes-like ``data`` (so later mutation cannot leak)."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    raise TypeError(f"Data must be bytes, not {type(data).__name__}")


class SocketConnection(StreamTransport[AddressT]):
    """A connected stream socket: the transport a protocol writes to, and the reactor's descriptor.

    Subclasses say how a socket name becomes an address (`_makeAddress`).

    Attributes:
        socket: The connected socket.
        protocol: The protocol receiving this connection's events.
        reactor: The reactor the connection is registered with.
        connected: True until `connectionLost`.
        disconnecting: True once `loseConnection` was called.
        disconnected: True once `connectionLost` ran.
        producer: The registered producer, or None.
        streamingProducer: Whether `producer` is a push producer.
        producerPaused: Whether the transport has paused `producer`.
    """

    reactor: IReactorTimeAndFDSet
    #: The address object of a socket name, as ``getsockname`` gives it (each kind has its own).
    _makeAddress: Callable[[Any], AddressT]
    # The rest of the starting state is `StreamTransport`'s.
    _direct = True  # What _updateDirect computes for a new connection.
    _reading = False  # Registered as a reader.
    _writing = False  # Registered as a writer.
    _sendError: OSError | None = None  # What a send from write() failed with.

    def __init__(
        self, skt: socket.socket, protocol: _Protocol, reactor: IReactorTimeAndFDSet
    ) -> None:
        self.socket = skt
        self.protocol = protocol
        self.reactor = reactor
        self._fileno = skt.fileno()
        self._send = skt.send
        self._recv = skt.recv
        self._buffer = WriteBuffer()

    # -- the descriptor the reactor sees -------------------------------------------------------

    def doRead(self) -> BaseException | None:
        """Read what arrived and give it to the protocol (the reactor calls this).

        Returns:
            None to keep going, or the reason to close the connection with.
        """
        try:
            data = self._recv(READ_SIZE)
        except BlockingIOError:
            return None
        except OSError as e:
            return ConnectionLost(e.strerror or str(e))
        if not data:
            return self._readEOF()
        try:
            self.protocol.dataReceived(data)
        except Exception as exc:
            return self._callbackFailed("dataReceived", exc)
        return None

    def doWrite(self) -> BaseException | None:
        """Send what is buffered; once drained, serve producers and pending closes.

        Returns:
            None to keep going, or the reason to close the connection with.
        """
        buffer = self._buffer
        if buffer.size:
            try:
                buffer.sendTo(self.socket)
            except BlockingIOError:
                return None
            except OSError as e:
                return ConnectionLost(e.strerror or str(e))
            if self.producerPaused and buffer.size <= buffer.lowWater:
                self.producerPaused = False
                try:
                    self.producer.resumeProducing()  # type: ignore[union-attr]
                except Exception as exc:
                    return self._callbackFailed("resumeProducing", exc)
            if buffer.size:
                return None
        return self._drained()

    def _drained(self) -> BaseException | None:
        """The buffer is empty: stop watching writability, then do what waited for this."""
        self._stopWriting()
        producer = self.producer
        if producer is not None and not self.streamingProducer:
            try:
                producer.resumeProducing()  # type: ignore[attr-defined]
            except Exception as exc:
                return self._callbackFailed("resumeProducing", exc)
        if self._buffer.size or self.producer is not None:
            return None
        state = self._state
        if state.disconnecting:
            return ConnectionDone()
        if state.shutdownPending:
            return self._shutDownWrite()
        return None

    def connectionLost(self, reason: Failure) -> None:
        """Close the socket and tell the protocol; runs once, from the reactor.

        The reactor calls this after `doRead` or `doWrite` returned a reason (or raised), and at
        shutdown; `abortConnection` and failing ``connectionMade`` schedule it.
        """
        if not self._apply(LOST):
            return
        self._stopReading()
        self._stopWriting()
        self._buffer.clear()
        if reason.check(ConnectionAborted):
            try:
                self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RESET)
            except OSError:
                pass  # Already reset by the peer: close() is all that is left to do.
        self.socket.close()
        self._tellLost(reason)

    # -- starting --------------------------------------------------------------------------

    def _start(self) -> None:
        """Start reading and call the protocol's ``makeConnection``.

        An exception from ``connectionMade`` closes the connection with it as the reason (a
        deliberate difference: Twisted only logs it and leaves the connection open).
        """
        self._startReading()
        try:
            self.protocol.makeConnection(self)
        except Exception as exc:
            self._closeSoon(self._callbackFailed("connectionMade", exc))

    # -- ITransport ------------------------------------------------------------------------

    def write(self, data: bytes) -> None:
        """Send ``data``: at once if nothing is buffered, else after what is.

        Ignored once the connection (or its writing half) is closed.

        Raises:
            TypeError: ``data`` is not bytes-like (``bytearray`` and ``memoryview`` are copied).
        """
        if type(data) is not bytes:
            data = asBytes(data)
        if self._direct and not self._buffer.size:
            try:
                sent = self._send(data)
            except BlockingIOError:
                sent = 0  # Full: retried when writable.
            except OSError as e:
                sent = 0  # Broken: doWrite reports it, or doRead if it comes first.
                self._sendError = e
            if sent == len(data):
                return
            self._buffer.append(memoryview(data)[sent:] if sent else data)
        elif self._state.writeOpen and data:
            self._buffer.append(data)
        else:
            return
        if not self._writing:
            self._startWriting()
        if self.streamingProducer and not self.producerPaused:
            self._checkHighWater()

    def writeSequence(self, data: Iterable[bytes]) -> None:
        """Send each chunk of ``data`` in order, with one vectored ``sendmsg`` where possible.

        Raises:
            TypeError: A chunk is not bytes-like; nothing is written then.
        """
        chunks = [chunk if type(chunk) is bytes else asBytes(chunk) for chunk in data]
        if not self._state.writeOpen:
            return
        buffer = self._buffer
        wasEmpty = not buffer.size
        for chunk in chunks:
            if chunk:
                buffer.append(chunk)
        if not buffer.size:
            return
        if wasEmpty and self._direct:
            try:
                buffer.sendTo(self.socket)
            except BlockingIOError:
                pass  # As in write(): retried when writable.
            except OSError as e:
                self._sendError = e  # As in write(): reported by doWrite or doRead.
            if not buffer.size:
                return
        if not self._writing:
            self._startWriting()
        if self.streamingProducer and not self.producerPaused:
            self._checkHighWater()

    def _pullProducerRegistered(self, producer: IProducer) -> None:
        super()._pullProducerRegistered(producer)
        # What was written before was sent at once, where Twisted still holds it: the drain
        # that then asks the producer again comes on the next writable pass (as on asyncio).
        self._startWriting()

    def _checkHighWater(self) -> None:
        if self._buffer.size > self._buffer.highWater:
            self.producerPaused = True
            self.producer.pauseProducing()  # type: ignore[union-attr]

    def loseConnection(self) -> None:
        """Stop reading now; close once everything written (even later) has been sent.

        The close also waits for a registered producer to be unregistered. The protocol's
        ``connectionLost(ConnectionDone)`` follows from the reactor, never from inside this call.
        """
        if not self._apply(LOSE_CONNECTION):
            return
        self._stopReading()
        self._startWriting()

    def abortConnection(self) -> None:
        """Close now, dropping whatever is buffered; the peer sees a reset.

        The protocol's ``connectionLost(ConnectionAborted)`` follows from the reactor.
        """
        if not self._apply(ABORT):
            return
        self._buffer.clear()
        self._stopIO(ConnectionAborted())

    def loseWriteConnection(self) -> None:
        """Half-close: shut down sending once the buffer is empty; reading continues.

        A half-closeable protocol then gets ``writeConnectionLost()``.
        """
        if not self._apply(LOSE_WRITE_CONNECTION):
            return
        self._startWriting()

    def _shutDownWrite(self) -> BaseException | None:
        self._apply(WRITE_SHUT_DOWN)
        try:
            self.socket.shutdown(socket.SHUT_WR)
        except OSError as e:
            return ConnectionLost(e.strerror or str(e))
        protocol = self.protocol
        if isinstance(protocol, IHalfCloseableProtocol):
            try:
                protocol.writeConnectionLost()
            except Exception as exc:
                return self._callbackFailed("writeConnectionLost", exc)
        return None if self._state.readOpen else ConnectionDone()

    def _readEOF(self) -> BaseException | None:
        """The peer will send nothing more: a half-close or, for most protocols, the end.

        If a send already failed (the peer reset the connection: the kernel reports that
        once, to the send, and reads see an end after it), the connection was lost, not done.
        """
        sendError = self._sendError
        if sendError is not None:
            return ConnectionLost(sendError.strerror or str(sendError))
        writeShutDown = self._state.writeShutDown
        self._apply(READ_EOF)
        self._stopReading()
        protocol = self.protocol
        if not isinstance(protocol, IHalfCloseableProtocol):
            return ConnectionDone()
        try:
            protocol.readConnectionLost()
        except Exception as exc:
            return self._callbackFailed("readConnectionLost", exc)
        # Both directions are shut down now: nothing can happen on the connection any more.
        return ConnectionDone() if writeShutDown else None

    def getHost(self) -> AddressT:
        """Return the local end's address."""
        return self._makeAddress(self.socket.getsockname())

    # -- the transport as a producer of incoming data, and as a consumer -----------------------

    def pauseProducing(self) -> None:
        """Stop reading until `resumeProducing` (no ``dataReceived`` meanwhile)."""
        self._paused = True
        self._stopReading()

    def resumeProducing(self) -> None:
        """Read again after `pauseProducing` (unless reading has ended)."""
        self._paused = False
        self._startReading()

    def unregisterProducer(self) -> None:
        """Detach the producer; a pending `loseConnection` can now complete."""
        self.producer = None
        self.streamingProducer = self.producerPaused = False
        self._updateDirect()
        if self._state.disconnecting:
            self._startWriting()

    # -- helpers ---------------------------------------------------------------------------

    def _startReading(self) -> None:
        if not self._reading and self._state.readOpen and not self._paused:
            self._reading = True
            self.reactor.addReader(self)

    def _stopReading(self) -> None:
        if self._reading:
            self._reading = False
            self.reactor.removeReader(self)

    def _startWriting(self) -> None:
        if not self._writing and self.connected:
            self._writing = True
            self.reactor.addWriter(self)

    def _stopWriting(self) -> None:
        if self._writing:
            self._writing = False
            self.reactor.removeWriter(self)

    def _closeSoon(self, reason: BaseException) -> None:
        """Stop all I/O now and call `connectionLost` on the next reactor pass."""
        self._apply(CLOSE)
        self._stopIO(reason)

    def _stopIO(self, reason: BaseException) -> None:
        """Stop reading and writing; `connectionLost` follows on the next reactor pass."""
        self._stopReading()
        self._stopWriting()
        self.reactor.callLater(0, self.connectionLost, Failure(reason))
