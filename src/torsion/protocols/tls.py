"""TLS as a protocol layer over any transport, with `ssl.MemoryBIO` (Twisted's ``tls`` module).

`TLSMemoryBIOProtocol` sits between a transport (TCP, UNIX, a test pump, even another TLS
layer) and the application's protocol: bytes from the transport go into the TLS state and come
out as plaintext for the application; the application's writes come out encrypted for the
transport. `TLSMemoryBIOFactory` wraps a factory so each of its protocols gets one, and
`startTLS` inserts one into a live connection (STARTTLS). The reactor's ``listenSSL`` and
``connectSSL`` are ``listenTCP``/``connectTCP`` with this factory, so TLS behaves the same on
every reactor.

How a connection ends (docs/tls.md):

* ``loseConnection()`` sends what is written, then a close_notify alert; the transport closes
  when the peer's close_notify arrives (or the peer closes TCP), or after the shutdown timeout.
  Before the handshake completes with nothing written, it just closes the transport.
* The peer's close_notify ends the connection with ``ConnectionDone``: our close_notify answers
  it. A half-closeable protocol (``readConnectionLost`` and ``writeConnectionLost``) gets
  ``readConnectionLost()`` instead and may keep writing.
* ``loseWriteConnection()`` sends close_notify and keeps reading (a TLS half-close). Twisted
  passes it to the TCP transport, which the peer's TLS sees as a truncation.
* The transport closing without the peer's close_notify is reported as ``ConnectionLost``
  (the data may have been truncated), unless we were closing the connection ourselves.
* A TLS error (a certificate that fails verification, garbage instead of TLS) ends the
  connection with that `ssl.SSLError` as the reason, after sending the alert.
* ``abortConnection()`` drops the connection at once; nothing more is delivered.

The TLS layer's state is one `_State` (the handshake, the close_notify alerts each way, a
half-close waiting for buffered writes, an error or abort), moved only through
``_State.after`` by `TLSMemoryBIOProtocol._move`; any pair not in this table is refused
and leaves the state as it is::

    state        handshake done  loseWrite...()  ours sent  peer's recv.  close   abort    lost
    HANDSHAKING  OPEN            HS_HC           -          -             CLOSED  ABORTED  CLOSED
    HS_HC        HALF_CLOSING    -               -          -             CLOSED  ABORTED  CLOSED
    OPEN         -               HALF_CLOSING    SENT       RECEIVED      CLOSED  ABORTED  CLOSED
    HALF_CLOSING -               -               SENT       RCV_HC        CLOSED  ABORTED  CLOSED
    SENT         -               -               -          SHUT_DOWN     CLOSED  ABORTED  CLOSED
    RECEIVED     -               RCV_HC          SHUT_DOWN  -             CLOSED  ABORTED  CLOSED
    RCV_HC       -               -               SHUT_DOWN  -             CLOSED  ABORTED  CLOSED
    SHUT_DOWN    -               -               -          -             CLOSED  ABORTED  CLOSED
    CLOSED       -               -               -          -             CLOSED  ABORTED  CLOSED
    ABORTED      -               -               -          -             ABORTED -        CLOSED

    HS_HC: HANDSHAKING_HALF_CLOSING, RCV_HC: RECEIVED_HALF_CLOSING. *close*: TLS is given up
    without the alerts (an error, or ``loseConnection()`` before the handshake completed);
    *lost*: the transport's ``connectionLost``. ``disconnecting`` stays the wrapper's flag.
"""

from __future__ import annotations

import enum
import ssl
from collections.abc import Iterable
from typing import Any

from torsion.internet._globalreactor import globalReactor
from torsion.internet._tls.certificates import Certificate
from torsion.internet._tls.contexts import ContextFactory, connectionForTLS
from torsion.internet.error import (
    ConnectionDone,
    ConnectionLost,
    TLSHandshakeTimeoutError,
    TLSShutdownTimeoutError,
)
from torsion.internet.interfaces import IHalfCloseableProtocol, IProducer, IReactorTime
from torsion.internet.protocol import Protocol
from torsion.protocols._wrapping import ProtocolWrapper, WrappingFactory, cancelCall
from torsion.python.failure import Failure

__all__ = ["TLSMemoryBIOFactory", "TLSMemoryBIOProtocol", "startTLS"]

HANDSHAKE_TIMEOUT = 60.0
"""Default seconds for a TLS handshake to complete (asyncio's, uvloop's and nginx's figure)."""
SHUTDOWN_TIMEOUT = 30.0
"""Default seconds to wait for the peer's close_notify after ours before dropping the link."""

_RECORD = 16384  # The most plaintext one TLS record carries: what one SSLObject.read returns.
_ENCRYPT_CHUNK = 256 * 1024  # Plaintext encrypted per step of a large write.


class _State(enum.Enum):
    """Where a TLS layer is (see the module docstring for the moves).

    Attributes:
        handshaking: The handshake is still going on.
        open: The handshake completed and TLS is not over.
        over: TLS is over: both close_notify alerts, an error, an abort, or the transport gone.
        halfClosePending: ``loseWriteConnection()`` waits for buffered writes (or a producer).
        sentCloseNotify: Our close_notify is sent (while TLS is not otherwise over).
        receivedCloseNotify: The peer's close_notify arrived (while TLS is not otherwise over).
        writeClosed: The application's writes are dropped (half-closed, or ours is sent).
        decrypts: What the transport receives is still decrypted and delivered.
        encrypts: What the application writes is still encrypted and sent.
    """

    # (name, handshaking, open, over, halfClosePending, sentCloseNotify, receivedCloseNotify)
    HANDSHAKING = ("handshaking", True, False, False, False, False, False)
    HANDSHAKING_HALF_CLOSING = ("handshaking half-closing", True, False, False, True, False, False)
    OPEN = ("open", False, True, False, False, False, False)
    HALF_CLOSING = ("half-closing", False, True, False, True, False, False)
    SENT = ("close_notify sent", False, True, False, False, True, False)
    RECEIVED = ("close_notify received", False, True, False, False, False, True)
    RECEIVED_HALF_CLOSING = (
        "close_notify received, half-closing",
        False,
        True,
        False,
        True,
        False,
        True,
    )
    SHUT_DOWN = ("shut down", False, False, True, False, True, True)  # Both alerts.
    CLOSED = ("closed", False, False, True, False, False, False)  # An error, or gone.
    ABORTED = ("aborted", False, False, True, False, False, False)

    def __init__(
        self,
        label: str,
        handshaking: bool,
        open: bool,
        over: bool,
        halfClosePending: bool,
        sentCloseNotify: bool,
        receivedCloseNotify: bool,
    ) -> None:
        self.label = label
        self.handshaking = handshaking
        self.open = open
        self.over = over
        self.halfClosePending = halfClosePending
        self.sentCloseNotify = sentCloseNotify
        self.receivedCloseNotify = receivedCloseNotify
        self.writeClosed = over or halfClosePending or sentCloseNotify
        self.decrypts = not over and not receivedCloseNotify
        self.encrypts = not over and not sentCloseNotify

    __hash__ = object.__hash__  # Identity, in C (Enum's own hash is slow Python).

    def after(self, event: _Event) -> _State | None:
        """The state ``event`` moves this one to, or None if the event is refused here."""
        return _TRANSITIONS.get((self, event))


class _Event(enum.Enum):
    HANDSHAKE_DONE = "handshake done"
    LOSE_WRITE_CONNECTION = "loseWriteConnection()"
    SENT_CLOSE_NOTIFY = "ours sent"
    RECEIVED_CLOSE_NOTIFY = "peer's received"
    CLOSE = "close"  # TLS given up without the alerts: an error, or closing mid-handshake.
    ABORT = "abortConnection()"
    LOST = "connectionLost"

    __hash__ = object.__hash__


def _transitions() -> dict[tuple[_State, _Event], _State]:
    """The table of the module docstring, as (state, event) -> new state."""
    S, E = _State, _Event
    table = {
        (S.HANDSHAKING, E.HANDSHAKE_DONE): S.OPEN,
        (S.HANDSHAKING_HALF_CLOSING, E.HANDSHAKE_DONE): S.HALF_CLOSING,
        (S.HANDSHAKING, E.LOSE_WRITE_CONNECTION): S.HANDSHAKING_HALF_CLOSING,
        (S.OPEN, E.LOSE_WRITE_CONNECTION): S.HALF_CLOSING,
        (S.RECEIVED, E.LOSE_WRITE_CONNECTION): S.RECEIVED_HALF_CLOSING,
        (S.OPEN, E.SENT_CLOSE_NOTIFY): S.SENT,
        (S.HALF_CLOSING, E.SENT_CLOSE_NOTIFY): S.SENT,
        (S.RECEIVED, E.SENT_CLOSE_NOTIFY): S.SHUT_DOWN,
        (S.RECEIVED_HALF_CLOSING, E.SENT_CLOSE_NOTIFY): S.SHUT_DOWN,
        (S.OPEN, E.RECEIVED_CLOSE_NOTIFY): S.RECEIVED,
        (S.HALF_CLOSING, E.RECEIVED_CLOSE_NOTIFY): S.RECEIVED_HALF_CLOSING,
        (S.SENT, E.RECEIVED_CLOSE_NOTIFY): S.SHUT_DOWN,
        (S.ABORTED, E.CLOSE): S.ABORTED,
    }
    for state in S:
        if state is not S.ABORTED:
            table[state, E.CLOSE] = S.CLOSED
            table[state, E.ABORT] = S.ABORTED
        table[state, E.LOST] = S.CLOSED
    return table


_TRANSITIONS = _transitions()


def _validTimeout(name: str, value: float | None) -> float | None:
    if value is not None and not value > 0:
        raise ValueError(f"{name} must be > 0 seconds (or None for no limit), not {value!r}")
    return value


class _ProducerMembrane:
    """Stands for a streaming producer registered through TLS, towards the transport.

    Two parties may pause it: the transport (its buffer of ciphertext is full) and the TLS
    layer (it holds plaintext until the handshake completes). The producer runs only when
    neither does.
    """

    def __init__(self, producer: Any) -> None:
        self.producer = producer
        self._byTransport = False
        self._byTLS = False

    def _set(self, transport: bool, tls: bool) -> None:
        wasPaused = self._byTransport or self._byTLS
        self._byTransport, self._byTLS = transport, tls
        if transport or tls:
            if not wasPaused:
                self.producer.pauseProducing()
        elif wasPaused:
            self.producer.resumeProducing()

    def pauseProducing(self) -> None:
        """The transport's buffer is full."""
        self._set(True, self._byTLS)

    def resumeProducing(self) -> None:
        """The transport's buffer drained."""
        self._set(False, self._byTLS)

    def stopProducing(self) -> None:
        """The connection is gone."""
        self.producer.stopProducing()

    def pauseForTLS(self, paused: bool) -> None:
        """The TLS layer holds (True) or no longer holds (False) plaintext."""
        self._set(self._byTransport, paused)


class TLSMemoryBIOProtocol(ProtocolWrapper):
    """The TLS layer of one connection: the transport's protocol, the application's transport.

    Besides ``ITransport`` (``write``, ``loseConnection``, ...) it offers `getPeerCertificate`,
    `negotiatedProtocol` (ALPN), ``getHandle()`` (the `ssl.SSLObject`: ``version()``,
    ``cipher()``, ...) and calls the application's ``handshakeCompleted()`` if it has one.
    Other attributes come from the transport below (``getTcpNoDelay``, ...).
    """

    def __init__(self, factory: Any, wrappedProtocol: Any, _connectWrapped: bool = True) -> None:
        super().__init__(factory, wrappedProtocol)
        self._connectWrapped = _connectWrapped
        self._state = _State.HANDSHAKING  # Changed only by _move.
        self._appSendBuffer: list[bytes] = []
        self._reason: Failure | None = None
        self._producer: Any = None  # A _ProducerMembrane, or the raw pull producer.
        self._handshakeTimer: Any = None
        self._shutdownTimer: Any = None

    # -- setting up --------------------------------------------------------------------------

    def makeConnection(self, transport: Any) -> None:
        """Create the TLS state, connect the application, and start the handshake."""
        factory = self.factory
        self._incoming = ssl.MemoryBIO()
        self._outgoing = ssl.MemoryBIO()
        self._tls = connectionForTLS(
            factory._contextFactory,
            factory._isClient,
            factory._serverHostname,
            self._incoming,
            self._outgoing,
        )
        Protocol.makeConnection(self, transport)
        factory.registerProtocol(self)
        if factory.handshakeTimeout is not None:
            self._handshakeTimer = factory._clock().callLater(
                factory.handshakeTimeout, self._timedOut, TLSHandshakeTimeoutError
            )
        if self._connectWrapped:
            self.wrappedProtocol.makeConnection(self)
        if self._state.handshaking:
            self._handshake()

    def _move(self, event: _Event) -> bool:
        """Move the state on by ``event``; return False if the state refuses it."""
        new = _TRANSITIONS.get((self._state, event))
        if new is None:
            return False
        self._state = new
        return True

    def _handshake(self) -> bool:
        """Move the handshake on with what has arrived; finish the setup once it completes.

        Returns:
            Whether TLS is open now (the handshake completed, nothing closed it since).
        """
        try:
            self._tls.do_handshake()
        except ssl.SSLWantReadError:
            self._flush()
            return False
        except ssl.SSLError as e:
            self._fail(e)
            return False
        self._move(_Event.HANDSHAKE_DONE)
        cancelCall(self._handshakeTimer)
        self._handshakeTimer = None
        self._flush()
        handshakeCompleted = getattr(self.wrappedProtocol, "handshakeCompleted", None)
        if handshakeCompleted is not None:
            handshakeCompleted()
        if self._appSendBuffer:
            self._unbufferPendingWrites()
        elif self.disconnecting and self._producer is None:
            self._shutDownTLS()
        elif self._state.halfClosePending:
            self._halfClose()
        return self._state.open

    # -- the protocol the transport sees -------------------------------------------------------

    def dataReceived(self, data: bytes) -> None:
        """Decrypt what the transport received and hand the plaintext to the application."""
        state = self._state
        if not state.decrypts:
            return  # After an error, an abort or the peer's close_notify: ignore the rest.
        self._incoming.write(data)
        if state.handshaking and not self._handshake():
            return
        self._readPlaintext()

    def _readPlaintext(self) -> None:
        chunks: list[bytes] = []
        read = self._tls.read
        ended: BaseException | None = None
        while True:
            try:
                chunk = read(_RECORD)
            except ssl.SSLWantReadError:
                break
            except ssl.SSLError as e:  # SSLZeroReturnError: close_notify; else an error.
                ended = e
                break
            if not chunk:
                ended = ssl.SSLZeroReturnError()  # close_notify (read() reports it so too)
                break
            chunks.append(chunk)
        self._flush()  # Post-handshake messages may need an answer.
        if chunks and not self.disconnecting:
            self.wrappedProtocol.dataReceived(chunks[0] if len(chunks) == 1 else b"".join(chunks))
        if ended is None or self._state.over:
            return
        if isinstance(ended, ssl.SSLZeroReturnError):
            self._closeNotifyReceived()
        else:
            self._fail(ended)

    def _closeNotifyReceived(self) -> None:
        """The peer will send nothing more: answer, or let a half-closeable protocol go on."""
        self._move(_Event.RECEIVED_CLOSE_NOTIFY)
        if self._state is _State.SHUT_DOWN:  # Ours was sent already: TLS is over.
            self._closeTransport()
            return
        protocol = self.wrappedProtocol
        if not self.disconnecting and isinstance(protocol, IHalfCloseableProtocol):
            try:
                protocol.readConnectionLost()
            except Exception as e:
                self._fail(e)
            return
        self._shutDownTLS()

    def connectionLost(self, reason: Failure | None = None) -> None:
        """The transport is gone: tell the application why, as TLS sees it."""
        cancelCall(self._handshakeTimer)
        cancelCall(self._shutdownTimer)
        self._handshakeTimer = self._shutdownTimer = None
        reason = self._finalReason(reason or Failure(ConnectionDone()))
        self._move(_Event.LOST)
        self.connected = False
        super().connectionLost(reason)

    def _finalReason(self, reason: Failure) -> Failure:
        if self._reason is not None:
            return self._reason
        state = self._state
        if not reason.check(ConnectionDone) or state.receivedCloseNotify or self.disconnecting:
            return reason
        if state.handshaking:
            return Failure(ConnectionLost("the peer closed the connection during the handshake"))
        return Failure(
            ConnectionLost("the peer closed the connection without a TLS close_notify alert")
        )

    # -- the transport the application sees ---------------------------------------------------

    def write(self, data: bytes) -> None:
        """Encrypt and send ``data``; it waits for the handshake if that is still going on.

        Ignored after `loseConnection` (unless a producer is still registered) or
        `loseWriteConnection`.

        Raises:
            TypeError: ``data`` is not bytes-like.
        """
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"Data must be bytes, not {type(data).__name__}")
        if (self.disconnecting and self._producer is None) or self._state.writeClosed:
            return
        self._write(data)

    def writeSequence(self, data: Iterable[bytes]) -> None:
        """Encrypt and send the chunks of ``data`` as one write."""
        chunks = list(data)
        for chunk in chunks:
            if not isinstance(chunk, (bytes, bytearray, memoryview)):
                raise TypeError(f"Data must be bytes, not {type(chunk).__name__}")
        self.write(b"".join(chunks))

    def _write(self, data: bytes | bytearray | memoryview) -> None:
        state = self._state
        if not state.encrypts or not data:
            return
        if state.handshaking or self._appSendBuffer:
            self._appSendBuffer.append(bytes(data))
            if isinstance(self._producer, _ProducerMembrane):
                self._producer.pauseForTLS(True)
            return
        view = memoryview(data)
        size = len(view)
        sent = 0
        tlsWrite = self._tls.write
        try:
            while sent < size:
                sent += tlsWrite(view[sent : sent + _ENCRYPT_CHUNK])
                self._flush()
        except ssl.SSLWantReadError:  # Only with renegotiation, which torsion turns off.
            self._appSendBuffer.append(bytes(view[sent:]))
        except ssl.SSLError as e:
            self._fail(e)

    def _unbufferPendingWrites(self) -> None:
        pending, self._appSendBuffer = self._appSendBuffer, []
        for data in pending:
            self._write(data)
        if self._appSendBuffer or not self._state.open:
            return
        if isinstance(self._producer, _ProducerMembrane):
            self._producer.pauseForTLS(False)
        if self._producer is None and self.disconnecting:
            self._shutDownTLS()
        elif self._state.halfClosePending:
            self._halfClose()

    def _flush(self) -> None:
        """Send what the TLS state wrote to the outgoing BIO."""
        if self._outgoing.pending:
            self._transport.write(self._outgoing.read())

    def loseConnection(self) -> None:
        """Send what is written, then close_notify; the transport closes after the peer's."""
        if self.disconnecting or not self.connected:
            return
        self.disconnecting = True
        if self._state.handshaking and not self._appSendBuffer:
            # Nothing to protect yet, and a handshake may never finish: just close.
            self._move(_Event.CLOSE)
            self._transport.loseConnection()
        elif not self._appSendBuffer and self._producer is None:
            self._shutDownTLS()

    def loseWriteConnection(self) -> None:
        """Half-close: send close_notify after what is written, and keep reading.

        A half-closeable application then gets ``writeConnectionLost()``.
        """
        if not self.connected or self.disconnecting:
            return
        if not self._move(_Event.LOSE_WRITE_CONNECTION):
            return  # Asked already, or TLS is closing or over: writes are dropped anyway.
        if self._state.open and not self._appSendBuffer and self._producer is None:
            self._halfClose()

    def _halfClose(self) -> None:
        if self._state.sentCloseNotify:
            return
        self._shutDownTLS()
        protocol = self.wrappedProtocol
        if not self._state.over and isinstance(protocol, IHalfCloseableProtocol):
            try:
                protocol.writeConnectionLost()
            except Exception as e:
                self._fail(e)

    def _shutDownTLS(self) -> None:
        """Send close_notify once; close the transport once both sides sent theirs."""
        if self._state.over:
            return
        if not self._state.sentCloseNotify:
            self._move(_Event.SENT_CLOSE_NOTIFY)
            try:
                self._tls.unwrap()
            except ssl.SSLError:
                pass  # SSLWantReadError: ours is sent, the peer's is still to come.
            self._flush()
        if self._state is _State.SHUT_DOWN:
            self._closeTransport()
        elif self.disconnecting and self._shutdownTimer is None:
            timeout = self.factory.shutdownTimeout
            if timeout is not None:
                self._shutdownTimer = self.factory._clock().callLater(
                    timeout, self._timedOut, TLSShutdownTimeoutError
                )

    def _closeTransport(self) -> None:
        """Both close_notify alerts are out: TLS is over, the transport may close."""
        cancelCall(self._shutdownTimer)
        self._transport.loseConnection()

    def abortConnection(self) -> None:
        """Drop the connection now; nothing more is sent or delivered."""
        if not self.connected or not self._move(_Event.ABORT):
            return
        self.disconnecting = True
        self._transport.abortConnection()

    def _timedOut(self, kind: type[ConnectionLost]) -> None:
        self._handshakeTimer = self._shutdownTimer = None
        if self._reason is None:
            self._reason = Failure(kind())
        self.abortConnection()

    def _fail(self, exc: BaseException) -> None:
        """TLS cannot go on: send any alert, close, and report ``exc`` to the application."""
        if self._reason is None:
            self._reason = Failure(exc)
        self._move(_Event.CLOSE)
        self._flush()
        if self._producer is not None:
            producer, self._producer = self._producer, None
            self._transport.unregisterProducer()
            producer.stopProducing()
        self._transport.loseConnection()

    # -- producers -----------------------------------------------------------------------------

    def registerProducer(self, producer: IProducer, streaming: bool) -> None:
        """Let ``producer`` feed the connection, paced by the transport's buffer and by TLS.

        Raises:
            RuntimeError: Another producer is registered.
        """
        if self._state.over or not self.connected:
            producer.stopProducing()
            return
        if self._producer is not None:
            raise RuntimeError(
                f"Cannot register producer {producer!r}, because producer "
                f"{self._producer!r} was never unregistered."
            )
        if streaming:
            membrane = _ProducerMembrane(producer)
            self._producer = membrane
            self._transport.registerProducer(membrane, True)
            if self._appSendBuffer:
                membrane.pauseForTLS(True)
        else:
            # The transport asks a pull producer for more each time its buffer empties, which
            # after the handshake is each time our ciphertext has gone out.
            self._producer = producer
            self._transport.registerProducer(producer, False)

    def unregisterProducer(self) -> None:
        """Detach the producer; a pending close can now go ahead."""
        if self._producer is None:
            return
        self._producer = None
        self._transport.unregisterProducer()
        if self._appSendBuffer or not self._state.open:
            return
        if self.disconnecting:
            self._shutDownTLS()
        elif self._state.halfClosePending:
            self._halfClose()

    # -- TLS details ---------------------------------------------------------------------------

    def getHandle(self) -> ssl.SSLObject:
        """The `ssl.SSLObject` of this connection (``version()``, ``cipher()``, ...)."""
        return self._tls

    def getPeerCertificate(self) -> Certificate | None:
        """The certificate the peer presented, or None (none yet, or none asked for)."""
        der = self._tls.getpeercert(binary_form=True)
        return Certificate(der) if der else None

    @property
    def negotiatedProtocol(self) -> bytes | None:
        """The protocol agreed by ALPN, or None (none agreed, or not yet)."""
        tls: ssl.SSLObject | None = self.__dict__.get("_tls")
        selected = tls.selected_alpn_protocol() if tls is not None else None
        return selected.encode("ascii") if selected else None


class TLSMemoryBIOFactory(WrappingFactory):
    """Wraps a factory: each protocol it builds talks TLS through a `TLSMemoryBIOProtocol`.

    Args:
        contextFactory: The TLS settings: `optionsForClientTLS(...)` for a client,
            `CertificateOptions` / `PrivateCertificate.options()` for a server, a plain
            `ssl.SSLContext`, or anything with ``getContext()`` returning one.
        isClient: Whether these connections send the ClientHello.
        wrappedFactory: The application's factory.
        clock: The clock for the timeouts (default: the global reactor).
        handshakeTimeout: Seconds for the handshake before the connection is aborted with
            `TLSHandshakeTimeoutError`; None for no limit.
        shutdownTimeout: Seconds to wait for the peer's close_notify after ours before
            aborting with `TLSShutdownTimeoutError`; None to wait forever.
        serverHostname: A client's host name when ``contextFactory`` names none (torsion;
            ``connectSSL`` passes its host).

    Raises:
        ValueError: A timeout is not > 0.
    """

    protocol: Any = TLSMemoryBIOProtocol
    noisy = False

    def __init__(
        self,
        contextFactory: ContextFactory,
        isClient: bool,
        wrappedFactory: Any,
        clock: IReactorTime | None = None,
        *,
        handshakeTimeout: float | None = HANDSHAKE_TIMEOUT,
        shutdownTimeout: float | None = SHUTDOWN_TIMEOUT,
        serverHostname: str | None = None,
    ) -> None:
        super().__init__(wrappedFactory)
        self._contextFactory = contextFactory
        self._isClient = isClient
        self._givenClock = clock
        self._serverHostname = serverHostname
        self.handshakeTimeout = _validTimeout("handshakeTimeout", handshakeTimeout)
        self.shutdownTimeout = _validTimeout("shutdownTimeout", shutdownTimeout)

    def _clock(self) -> IReactorTime:
        if self._givenClock is None:
            self._givenClock = globalReactor()  # type: ignore[assignment]
        return self._givenClock  # type: ignore[return-value]

    def logPrefix(self) -> str:
        """The wrapped factory's prefix, marked as TLS."""
        inner = getattr(self.wrappedFactory, "logPrefix", None)
        return f"{inner() if callable(inner) else type(self.wrappedFactory).__name__} (TLS)"


def startTLS(
    transport: Any,
    contextFactory: ContextFactory,
    normal: bool = True,
    clock: IReactorTime | None = None,
) -> None:
    """Start TLS on a live connection (STARTTLS): insert a `TLSMemoryBIOProtocol` into it.

    Bytes written before the call go out in the clear; everything the application writes
    after it goes through TLS. Afterwards ``transport.protocol`` is the TLS layer and the
    application protocol's ``transport`` is the TLS layer too, so the application must write
    through ``self.transport`` (a reference to the old transport kept elsewhere would still
    write in the clear). A producer registered on the transport is moved to the TLS layer.

    What ``transport`` must offer: the ITransport methods (``write``, ``writeSequence``,
    ``loseConnection``, ``getPeer``, ``getHost``) plus ``abortConnection``,
    ``registerProducer`` and ``unregisterProducer``; a settable ``protocol`` attribute
    through which it delivers every later event (``dataReceived``, ``connectionLost``); and
    ``_tlsClientDefault``, True if this side initiated the connection (Twisted's name). It
    may have ``producer`` and ``streamingProducer`` attributes (the registered producer).

    Args:
        transport: The connection's transport.
        contextFactory: The TLS settings (see `TLSMemoryBIOFactory`).
        normal: True: the side that initiated the connection is the TLS client (Twisted's
            default); False: the reverse.
        clock: The clock for the handshake and shutdown timeouts (default: global reactor).
    """
    isClient = bool(transport._tlsClientDefault) == normal
    producer = getattr(transport, "producer", None)
    streaming = bool(getattr(transport, "streamingProducer", False))
    if producer is not None:
        transport.unregisterProducer()
    application = transport.protocol
    factory = TLSMemoryBIOFactory(contextFactory, isClient, None, clock)
    tlsProtocol = factory.protocol(factory, application, _connectWrapped=False)
    transport.protocol = tlsProtocol
    tlsProtocol.makeConnection(transport)
    application.transport = tlsProtocol
    if producer is not None:
        tlsProtocol.registerProducer(producer, streaming)
