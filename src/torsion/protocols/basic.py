"""Basic framing protocols: lines, netstrings, length-prefixed strings; and `FileSender`.

Same names and semantics as ``twisted.protocols.basic``. Parsing lives in the sans-IO decoders
of `torsion.protocols._framing`; the protocols here only feed them and dispatch what comes out,
which keeps each ``dataReceived`` short and each parser testable without a transport.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator
from typing import IO, Any

from torsion.internet.defer import Deferred
from torsion.internet.interfaces import IConsumer
from torsion.internet.protocol import Protocol
from torsion.logger import Logger
from torsion.protocols._framing import (
    IntNDecoder,
    LengthLimitExceeded,
    LineDecoder,
    LineTooLong,
    NetstringDecoder,
    NetstringParseError,
)

__all__ = [
    "COMMA",
    "DATA",
    "LENGTH",
    "NUMBER",
    "FileSender",
    "IncompleteNetstring",
    "Int8StringReceiver",
    "Int16StringReceiver",
    "Int32StringReceiver",
    "IntNStringReceiver",
    "LineOnlyReceiver",
    "LineReceiver",
    "NetstringParseError",
    "NetstringReceiver",
    "StatefulStringProtocol",
    "StringTooLongError",
]

_log = Logger(namespace="torsion.protocols.basic")

_JOIN_SLACK = 512
"""`LineOnlyReceiver` joins a partial line of up to this many bytes more than the new chunk
to it; each join then copies at most twice the chunk plus this, so the work stays linear."""

# Twisted's NetstringReceiver parser states, kept as public names for compatibility.
LENGTH, DATA, COMMA, NUMBER = range(4)


class IncompleteNetstring(Exception):
    """Not enough data yet to complete a netstring (kept for Twisted compatibility)."""


class StringTooLongError(AssertionError):
    """A string is too long to be sent with this protocol's length prefix."""


def _disconnecting(protocol: Protocol) -> bool:
    """Return whether ``protocol``'s transport is closing (no more input is delivered then)."""
    return bool(getattr(protocol.transport, "disconnecting", False))


def _loseConnection(protocol: Protocol) -> None:
    if protocol.transport is not None:
        protocol.transport.loseConnection()


class _PauseableMixin:
    """Pausing a protocol pauses its transport and stops dispatching what is already buffered."""

    paused = False
    transport: Any

    def pauseProducing(self) -> None:
        """Stop delivering (even buffered) data, and stop the transport reading."""
        self.paused = True
        self.transport.pauseProducing()

    def resumeProducing(self) -> None:
        """Deliver what is buffered, then let the transport read again."""
        self.paused = False
        self.transport.resumeProducing()
        self.dataReceived(b"")

    def stopProducing(self) -> None:
        """Stop delivering for good, and stop the transport."""
        self.paused = True
        self.transport.stopProducing()

    def dataReceived(self, data: bytes) -> None:
        raise NotImplementedError


class LineReceiver(Protocol, _PauseableMixin):
    """Receives lines, or raw data after `setRawMode`.

    Lines are delivered one at a time, so ``lineReceived`` may switch modes (the switch applies
    to the rest of the buffer), pause, clear the buffer, change nothing else of the framing, or
    close the connection: once ``transport.disconnecting`` is set, no further line is delivered.
    ``dataReceived`` is re-entrant (``setLineMode(extra)`` from ``rawDataReceived`` appends).

    Attributes:
        delimiter: The line terminator (read when data arrives, not while a chunk is split).
        MAX_LENGTH: The longest line; past it `lineLengthExceeded` gets the unprocessed bytes.
        line_mode: True (1) while in line mode.
    """

    line_mode = 1
    delimiter = b"\r\n"
    MAX_LENGTH = 16384
    _busyReceiving = False
    _fedWhileBusy = False
    _decoder: LineDecoder | None = None
    _undelivered: Iterator[bytes] | None = None  # lines split off but not delivered yet

    def _lineDecoder(self) -> LineDecoder:
        decoder = self._decoder
        if decoder is None or decoder.delimiter != self.delimiter:
            if not isinstance(self.delimiter, bytes):
                raise TypeError(f"delimiter must be bytes, not {type(self.delimiter).__name__}")
            rest = decoder.rest() if decoder is not None else b""
            decoder = self._decoder = LineDecoder(self.delimiter, self.MAX_LENGTH)
            decoder.feed(rest)
        decoder.maxLength = self.MAX_LENGTH
        return decoder

    def clearLineBuffer(self) -> bytes:
        """Remove and return every byte received but not delivered yet."""
        decoder = self._decoder
        if decoder is None:
            return b""
        if self._undelivered is not None:
            decoder.unread(list(self._undelivered))  # also ends `_deliverSplit`'s loop
        return decoder.rest()

    def dataReceived(self, data: bytes) -> None:
        """Buffer ``data`` and deliver lines (or raw data) until paused, closing or out of data."""
        decoder = self._lineDecoder()
        if self._busyReceiving:
            decoder.feed(data)
            self._fedWhileBusy = True
            return  # the outer call, further up the stack, delivers it
        self._busyReceiving = True
        try:
            # Split at once only if what is buffered was already searched: resuming a paused
            # protocol (or delivering after a close) goes one line at a time, so it stays linear.
            if self.line_mode and not self.paused and decoder.settled():
                self._deliverSplit(decoder, data)
            else:
                decoder.feed(data)
                self._deliver(decoder)
        finally:
            self._busyReceiving = False

    def _deliverSplit(self, decoder: LineDecoder, data: bytes) -> None:
        """The common case: split the whole chunk at once, then deliver its lines in a loop.

        After each line, a mode switch, a pause, a close or more data fed from the handler
        hands the lines not delivered back to the decoder, for `_deliver` (one at a time).
        """
        exceeded = False
        try:
            lines = decoder.feedLines(data)
        except LineTooLong as e:
            lines, exceeded = e.lines, True
            decoder.unread([], e.data)  # for `_deliver` to find again after ``lines``
        self._fedWhileBusy = False
        transport = self.transport
        lineReceived = self.lineReceived
        why: object = None
        self._undelivered = undelivered = iter(lines)
        try:
            for line in undelivered:
                why = lineReceived(line)
                if why or self.paused or not self.line_mode:
                    break
                if transport is not None and getattr(transport, "disconnecting", False):
                    return
        finally:
            self._undelivered = None
            rest = list(undelivered)
            if rest:
                decoder.unread(rest)
            current = self._decoder
            if current is not decoder and current is not None:
                # A handler changed the delimiter and fed more: that decoder took the buffer.
                current.unread([], decoder.rest())
                decoder = current
        if why:
            _loseConnection(self)  # Twisted's reactor drops a connection on a true return
        elif self.paused:
            return
        elif rest or exceeded or self._fedWhileBusy or not self.line_mode:
            self._deliver(decoder)

    def _deliver(self, decoder: LineDecoder) -> None:
        transport = self.transport
        while not self.paused:
            if self.line_mode:
                try:
                    line = decoder.next()
                except LineTooLong as e:
                    self.lineLengthExceeded(e.data)
                    return
                if line is None:
                    return
                why = self.lineReceived(line)
            elif decoder.pending():
                why = self.rawDataReceived(decoder.rest())
            else:
                return
            if why:
                _loseConnection(self)  # Twisted's reactor drops a connection on a true return
                return
            if transport is not None and getattr(transport, "disconnecting", False):
                return

    def setLineMode(self, extra: bytes = b"") -> None:
        """Deliver lines again, starting with ``extra`` (data taken back from raw mode)."""
        self.line_mode = 1
        if extra:
            self.dataReceived(extra)

    def setRawMode(self) -> None:
        """Deliver everything after the current line to `rawDataReceived`, undivided."""
        self.line_mode = 0

    def rawDataReceived(self, data: bytes) -> object:
        """Override: called with data received in raw mode."""
        raise NotImplementedError

    def lineReceived(self, line: bytes) -> object:
        """Override: called with each line, without its delimiter.

        A true return value stops delivery and closes the connection.
        """
        raise NotImplementedError

    def sendLine(self, line: bytes) -> None:
        """Write ``line`` followed by the delimiter."""
        assert self.transport is not None
        self.transport.write(line + self.delimiter)

    def lineLengthExceeded(self, line: bytes) -> None:
        """Called with the unprocessed bytes when a line is too long; closes by default."""
        _loseConnection(self)


class LineOnlyReceiver(Protocol):
    """A faster line receiver, without raw mode or pausing.

    Splits each chunk at C speed and delivers the lines in a tight loop, stopping as soon as
    ``transport.disconnecting`` is set. A short partial line is kept as ``bytes`` and joined to
    the next chunk (Twisted's way, the fastest for the common case); one longer than the next
    chunk moves to a `LineDecoder`, so a long line fed in small pieces still costs linear time.
    """

    delimiter = b"\r\n"
    MAX_LENGTH = 16384
    _buffer = b""  # the partial line, while it is short
    _decoder: LineDecoder | None = None  # the partial line, while it is long

    def dataReceived(self, data: bytes) -> None:
        """Deliver the lines ``data`` completes; a too-long line calls `lineLengthExceeded`."""
        buffered = self._buffer
        if self._decoder is None and len(buffered) <= len(data) + _JOIN_SLACK:
            lines, exceeded = self._splitJoined(buffered + data if buffered else data)
        else:
            lines, exceeded = self._splitLong(data)
        transport: Any = self.transport
        lineReceived = self.lineReceived
        for line in lines:
            if transport.disconnecting:
                return
            lineReceived(line)
        if exceeded is not None and not transport.disconnecting:
            self.lineLengthExceeded(exceeded)

    def _splitJoined(self, data: bytes) -> tuple[list[bytes], bytes | None]:
        """Split ``data`` (the partial line and the new chunk); keep its tail as the buffer."""
        delimiter, limit = self.delimiter, self.MAX_LENGTH
        lines = data.split(delimiter)
        tail = lines.pop()
        self._buffer = tail
        # No line can be longer than the bytes before the tail, less one delimiter.
        if len(data) - len(tail) - len(delimiter) > limit and max(map(len, lines)) > limit:
            for i, line in enumerate(lines):
                if len(line) > limit:
                    self._buffer = b""
                    return lines[:i], delimiter.join([*lines[i:], tail])
        if len(tail) >= limit + len(delimiter):
            self._buffer = b""
            return lines, tail
        return lines, None

    def _splitLong(self, data: bytes) -> tuple[list[bytes], bytes | None]:
        """Feed a `LineDecoder` holding a long partial line; back to bytes once it is short."""
        decoder = self._decoder
        if decoder is None or decoder.delimiter != self.delimiter:
            rest = decoder.rest() if decoder is not None else self._buffer
            decoder = self._decoder = LineDecoder(self.delimiter, self.MAX_LENGTH)
            decoder.feed(rest)
            self._buffer = b""
        decoder.maxLength = self.MAX_LENGTH
        try:
            lines, exceeded = decoder.feedLines(data), None
        except LineTooLong as e:
            lines, exceeded = e.lines, e.data
        if decoder.pending() <= _JOIN_SLACK:
            self._buffer = decoder.rest()
            self._decoder = None
        return lines, exceeded

    def lineReceived(self, line: bytes) -> None:
        """Override: called with each line, without its delimiter."""
        raise NotImplementedError

    def sendLine(self, line: bytes) -> None:
        """Write ``line`` followed by the delimiter."""
        assert self.transport is not None
        self.transport.write(line + self.delimiter)

    def lineLengthExceeded(self, line: bytes) -> None:
        """Called with the unprocessed bytes when a line is too long; closes by default."""
        _loseConnection(self)


class NetstringReceiver(Protocol):
    """Receives netstrings (``b"5:hello,"``); see https://cr.yp.to/proto/netstrings.txt.

    A malformed netstring, or one longer than ``MAX_LENGTH``, is logged as a
    `NetstringParseError`, sets ``brokenPeer`` and closes the connection; nothing of an
    oversized string is buffered.
    """

    MAX_LENGTH = 99999
    brokenPeer = 0
    _decoder: NetstringDecoder | None = None
    _busyReceiving = False

    def dataReceived(self, data: bytes) -> None:
        """Deliver the netstrings ``data`` completes."""
        if self.brokenPeer:
            return
        decoder = self._decoder
        if decoder is None:
            decoder = self._decoder = NetstringDecoder(self.MAX_LENGTH)
        decoder.feed(data)
        if self._busyReceiving:
            return
        self._busyReceiving = True
        try:
            while not self.brokenPeer and not _disconnecting(self):
                string = decoder.next()
                if string is None:
                    return
                self.stringReceived(string)
        except NetstringParseError as e:
            _log.warn("{prefix}: {error}; closing the connection", prefix=self.logPrefix(), error=e)
            decoder.rest()
            self._handleParseError()
        finally:
            self._busyReceiving = False

    def _handleParseError(self) -> None:
        """Close the connection and mark the peer as broken."""
        _loseConnection(self)
        self.brokenPeer = 1

    def stringReceived(self, string: bytes) -> None:
        """Override: called with each string."""
        raise NotImplementedError

    def sendString(self, string: bytes) -> None:
        """Write ``string`` as a netstring."""
        assert self.transport is not None
        self.transport.write(b"%d:%s," % (len(string), string))


class IntNStringReceiver(Protocol, _PauseableMixin):
    """Receives strings prefixed by their length as a ``structFormat`` integer.

    Attributes:
        structFormat: The `struct` format of the prefix.
        prefixLength: Its size in bytes.
        MAX_LENGTH: The longest string accepted; a larger prefix calls `lengthLimitExceeded`
            and drops everything buffered.
    """

    structFormat = "!I"
    prefixLength = 4
    MAX_LENGTH = 99999
    _decoder: IntNDecoder | None = None
    _busyReceiving = False

    def dataReceived(self, data: bytes) -> None:
        """Deliver the strings ``data`` completes, until paused or closing."""
        decoder = self._decoder
        if decoder is None:
            decoder = self._decoder = IntNDecoder(self.structFormat, self.MAX_LENGTH)
        decoder.maxLength = self.MAX_LENGTH
        if self._busyReceiving:
            decoder.feed(data)
            return
        self._busyReceiving = True
        try:
            if self.paused or _disconnecting(self) or not decoder.settled():
                decoder.feed(data)  # one at a time: the buffer is not split again and again
            else:
                self._deliverSplit(decoder, data)
            self._deliver(decoder)
        finally:
            self._busyReceiving = False

    def _deliverSplit(self, decoder: IntNDecoder, data: bytes) -> None:
        """Deliver the strings completed by ``data`` in a loop, until paused or closing.

        Those not delivered go back to the decoder, and `_deliver` then goes on one at a time.
        """
        transport = self.transport
        stringReceived = self.stringReceived
        strings = iter(decoder.feedStrings(data))
        try:
            for string in strings:
                stringReceived(string)
                if self.paused or getattr(transport, "disconnecting", False):
                    break
        finally:
            rest = list(strings)
            if rest:
                decoder.unread(rest)

    def _deliver(self, decoder: IntNDecoder) -> None:
        while not self.paused and not _disconnecting(self):
            try:
                string = decoder.next()
            except LengthLimitExceeded as e:
                decoder.rest()
                self.lengthLimitExceeded(e.length)
                return
            if string is None:
                return
            self.stringReceived(string)

    def stringReceived(self, string: bytes) -> None:
        """Override: called with each string."""
        raise NotImplementedError

    def lengthLimitExceeded(self, length: int) -> None:
        """Called with a prefix above ``MAX_LENGTH``; closes the connection by default."""
        _loseConnection(self)

    def sendString(self, string: bytes) -> None:
        """Write ``string`` after its length prefix.

        Raises:
            StringTooLongError: The length does not fit in the prefix; nothing is written.
        """
        if len(string) >= 2 ** (8 * self.prefixLength):
            raise StringTooLongError(
                f"Try to send {len(string)} bytes whereas maximum is {2 ** (8 * self.prefixLength)}"
            )
        assert self.transport is not None
        self.transport.write(struct.pack(self.structFormat, len(string)) + string)


class Int32StringReceiver(IntNStringReceiver):
    """Strings prefixed by a big-endian unsigned 32-bit length."""

    structFormat = "!I"
    prefixLength = 4


class Int16StringReceiver(IntNStringReceiver):
    """Strings prefixed by a big-endian unsigned 16-bit length."""

    structFormat = "!H"
    prefixLength = 2


class Int8StringReceiver(IntNStringReceiver):
    """Strings prefixed by an unsigned 8-bit length."""

    structFormat = "!B"
    prefixLength = 1


class StatefulStringProtocol:
    """Dispatches each string to ``proto_<state>``, whose return value is the next state.

    Mix it in before a string receiver. The state ``"done"`` closes the connection.
    """

    state = "init"
    transport: Any

    def stringReceived(self, string: bytes) -> None:
        """Call ``proto_<state>(string)`` and move to the state it returns."""
        handler: Callable[[bytes], str] | None = getattr(self, "proto_" + self.state, None)
        if handler is None:
            _log.warn("callback {state} not found", state=self.state)
            return
        self.state = handler(string)
        if self.state == "done":
            self.transport.loseConnection()


class FileSender:
    """Sends a file to a consumer, as a pull producer.

    Attributes:
        CHUNK_SIZE: Bytes read and written per `resumeProducing`.
        lastSent: The last byte written (``b""`` until then).
    """

    CHUNK_SIZE = 2**14
    lastSent = b""
    deferred: Deferred[bytes] | None = None

    def beginFileTransfer(
        self,
        file: IO[bytes],
        consumer: IConsumer,
        transform: Callable[[bytes], bytes] | None = None,
    ) -> Deferred[bytes]:
        """Register as ``consumer``'s pull producer and send ``file`` chunk by chunk.

        Args:
            file: Read with ``read(CHUNK_SIZE)`` until it returns ``b""``.
            consumer: Gets each chunk through ``write``.
            transform: Applied to each chunk before it is written.

        Returns:
            A Deferred firing with the last byte sent once the file is done, or failing if the
            consumer calls `stopProducing` first.
        """
        self.file: IO[bytes] | None = file
        self.consumer = consumer
        self.transform = transform
        deferred: Deferred[bytes] = Deferred()
        self.deferred = deferred
        consumer.registerProducer(self, False)
        return deferred

    def resumeProducing(self) -> None:
        """Write the next chunk, or finish (unregister and fire) at the end of the file."""
        chunk = self.file.read(self.CHUNK_SIZE) if self.file is not None else b""
        if not chunk:
            self.file = None
            self.consumer.unregisterProducer()
            if self.deferred is not None:
                deferred, self.deferred = self.deferred, None
                deferred.callback(self.lastSent)
            return
        if self.transform is not None:
            chunk = self.transform(chunk)
        self.consumer.write(chunk)
        self.lastSent = chunk[-1:]

    def pauseProducing(self) -> None:
        """Nothing to do: a pull producer only writes when asked."""

    def stopProducing(self) -> None:
        """Fail the transfer's Deferred: the consumer is going away."""
        if self.deferred is not None:
            deferred, self.deferred = self.deferred, None
            deferred.errback(Exception("Consumer asked us to stop producing"))
