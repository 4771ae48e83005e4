"""Sans-IO framing decoders: bytes in, frames out, or one typed error.

Each decoder keeps one ``bytearray`` and the offset of the first unconsumed byte. `feed` appends;
`next` returns the next complete frame, ``None`` when more bytes are needed, or raises the
decoder's one error. None of them touches a socket, so they are tested (and fuzzed for chunking
invariance) on their own and the protocols in `torsion.protocols.basic` only adapt them.

For speed, `LineDecoder.feedLines` and `IntNDecoder.feedStrings` feed a chunk and return all
the frames it completes in one call (C-level ``bytes.split`` for lines); a caller that stops
delivering part way (a pause, a mode switch) hands the rest back with ``unread``, and `settled`
says whether the bulk path is worth taking (nothing complete is buffered, so the buffer is never
split again and again while a paused protocol drains it one frame at a time).

Rules shared by all of them:

* **Bounded.** An incomplete frame is never buffered past its limit: the error is raised as soon
  as the buffered bytes prove that the frame would be too long, whatever the chunking.
* **Linear.** Consumed bytes are dropped lazily (once they are at least half the buffer, so each
  byte is moved at most a constant number of times), and `LineDecoder` resumes its delimiter
  search where the previous one stopped instead of rescanning a long partial line.
* **Chunking-invariant.** The frames, and whether and when the error is raised, depend only on
  the bytes fed, never on how they were split into `feed` calls.
"""

from __future__ import annotations

import struct

__all__ = [
    "FramingError",
    "IntNDecoder",
    "LengthLimitExceeded",
    "LineDecoder",
    "LineTooLong",
    "NetstringDecoder",
    "NetstringParseError",
]


class FramingError(Exception):
    """The input cannot be framed; the decoder must not be fed again."""


class LineTooLong(FramingError):
    """A line, complete or not, is longer than the decoder's ``maxLength``.

    Attributes:
        data: Every unprocessed byte, starting with the offending line (what Twisted passes to
            ``lineLengthExceeded``).
        lines: From `LineDecoder.feedLines`: the valid complete lines before the offending one.
    """

    def __init__(self, maxLength: int, data: bytes, lines: list[bytes] | None = None) -> None:
        super().__init__(f"line longer than {maxLength} bytes")
        self.data = data
        self.lines = lines if lines is not None else []


class NetstringParseError(FramingError, ValueError):
    """A netstring is malformed, or declares a length above the limit."""


class LengthLimitExceeded(FramingError):
    """A length prefix announces a string longer than the limit.

    Attributes:
        length: The announced length.
    """

    def __init__(self, length: int, maxLength: int) -> None:
        super().__init__(f"announced length {length} is above the limit {maxLength}")
        self.length = length


class _Buffer:
    """One bytearray and the offset of its first unconsumed byte."""

    __slots__ = ("_buf", "_start")

    def __init__(self) -> None:
        self._buf = bytearray()
        self._start = 0

    def feed(self, data: bytes) -> None:
        """Append ``data``, first dropping the consumed prefix if it is half the buffer or more."""
        start = self._start
        if start:
            buf = self._buf
            if start >= len(buf):
                buf.clear()
                self._moved(start)
                self._start = 0
            elif start * 2 >= len(buf):
                del buf[:start]
                self._moved(start)
                self._start = 0
        self._buf += data

    def _moved(self, shift: int) -> None:
        """Hook: the buffer's contents moved ``shift`` bytes to the left."""

    def pending(self) -> int:
        """Return how many bytes are buffered but not consumed."""
        return len(self._buf) - self._start

    def rest(self) -> bytes:
        """Remove and return every unconsumed byte."""
        data = bytes(self._buf[self._start :])
        self._moved(len(self._buf))
        self._buf.clear()
        self._start = 0
        return data


class LineDecoder(_Buffer):
    """Splits a byte stream at ``delimiter``; lines come out without it.

    A line is too long when it has more than ``maxLength`` bytes (delimiter excluded). Without a
    delimiter yet, that is certain as soon as ``maxLength + len(delimiter)`` bytes are buffered
    (the delimiter can at best start at the last ``len(delimiter) - 1`` of them), so no more is
    ever kept. A lone ``b"\\r"`` or ``b"\\n"`` with delimiter ``b"\\r\\n"`` is part of the line.

    Args:
        delimiter: The non-empty line terminator.
        maxLength: The longest line allowed.

    Attributes:
        scanned: Bytes examined by delimiter searches so far, to check linearity in tests.
    """

    __slots__ = ("_searched", "delimiter", "maxLength", "scanned")

    def __init__(self, delimiter: bytes = b"\r\n", maxLength: int = 16384) -> None:
        super().__init__()
        if not delimiter:
            raise ValueError("the delimiter must not be empty")
        self.delimiter = bytes(delimiter)
        self.maxLength = maxLength
        self._searched = 0  # no delimiter starts in _buf[_start:_searched]
        self.scanned = 0

    def _moved(self, shift: int) -> None:
        self._searched = max(0, self._searched - shift)

    def next(self) -> bytes | None:
        """Return the next complete line, or ``None`` until more bytes arrive.

        Raises:
            LineTooLong: The next line exceeds ``maxLength``. The decoder is then emptied, and
                may be fed again: what follows is taken as the start of a new line.
        """
        buf, start, delim = self._buf, self._start, self.delimiter
        begin = self._searched if self._searched > start else start
        end = buf.find(delim, begin)
        if end < 0:
            size = len(buf)
            self.scanned += size - begin
            self._searched = max(start, size - len(delim) + 1)
            if size - start >= self.maxLength + len(delim):
                raise LineTooLong(self.maxLength, self.rest())
            return None
        after = end + len(delim)
        self.scanned += after - begin
        if end - start > self.maxLength:
            raise LineTooLong(self.maxLength, self.rest())
        self._start = self._searched = after
        return bytes(buf[start:end])

    def feedLines(self, data: bytes) -> list[bytes]:
        """Feed ``data`` and return every line it completes, at C speed (``bytes.split``).

        May be mixed with `next` and `unread` on the same decoder.

        Raises:
            LineTooLong: A line exceeds ``maxLength``. Its ``lines`` attribute holds the
                complete lines before it, which are valid; the decoder is then emptied.
        """
        buf, delim, limit = self._buf, self.delimiter, self.maxLength
        if self._start:
            del buf[: self._start]
            self._moved(self._start)
            self._start = 0
        overlap = len(delim) - 1
        buffered = len(buf)
        if not buffered:
            self.scanned += len(data)
            lines = data.split(delim)
        elif self._searched >= buffered - overlap and (
            not overlap or buf.find(delim[:1], max(0, buffered - overlap)) < 0
        ):
            # The buffered partial line was searched, and no delimiter can start in its last
            # ``overlap`` bytes: split ``data`` alone, never the whole partial line again.
            self.scanned += len(data)
            lines = data.split(delim)
            if len(lines) == 1:
                buf += data
                self._searched = len(buf) - overlap if len(buf) > overlap else 0
                if len(buf) >= limit + len(delim):
                    raise LineTooLong(limit, self.rest())
                return []
            lines[0] = b"".join((buf, lines[0]))
            buf.clear()
        else:
            # Bytes put back by `unread` or fed for `next`, or maybe a delimiter across the
            # boundary (the partial line ends with its first byte): split everything.
            self.scanned += buffered + len(data)
            lines = b"".join((buf, data)).split(delim)
            buf.clear()
        tail = lines.pop()
        # No line can be longer than the bytes before the tail, less one delimiter.
        if buffered + len(data) - len(tail) - len(delim) > limit and max(map(len, lines)) > limit:
            for i, line in enumerate(lines):
                if len(line) > limit:
                    self._searched = 0
                    raise LineTooLong(limit, delim.join([*lines[i:], tail]), lines[:i])
        buf += tail
        self._searched = len(tail) - overlap if len(tail) > overlap else 0
        if len(tail) >= limit + len(delim):
            raise LineTooLong(limit, self.rest(), lines)
        return lines

    def settled(self) -> bool:
        """Return whether every buffered byte was searched: at most a partial line is buffered.

        Then `feedLines` only searches the new bytes (and a delimiter's length before them).
        """
        return self._searched >= len(self._buf) - len(self.delimiter) + 1

    def unread(self, lines: list[bytes], rest: bytes = b"") -> None:
        """Put back complete ``lines``, then ``rest``, before every byte still buffered.

        For a caller of `feedLines` that stops delivering its lines part way: `next` and
        `feedLines` then see the same stream as if those lines had never been taken out.
        """
        if not lines and not rest:
            return
        delim = self.delimiter
        head = delim.join(lines) + delim if lines else b""
        self._buf[: self._start] = head + rest
        self._start = self._searched = 0


class NetstringDecoder(_Buffer):
    """Decodes netstrings: ``b"5:hello,"`` is the string ``b"hello"``.

    The length is one or more ASCII digits (at most as many as ``maxLength`` has), then ``:``,
    the string, and ``,``. Anything else, or a length above ``maxLength``, is an error, raised as
    soon as the buffered bytes show it: a length is never read past its digit limit, and the
    string is only buffered once its declared length is known to be within the limit.

    Args:
        maxLength: The longest string allowed.
    """

    __slots__ = ("_digits", "_length", "maxLength")

    def __init__(self, maxLength: int = 99999) -> None:
        super().__init__()
        self.maxLength = maxLength
        self._digits = len(str(maxLength))
        self._length = -1  # the current string's length once its prefix is parsed

    def next(self) -> bytes | None:
        """Return the next complete string, or ``None`` until more bytes arrive.

        Raises:
            NetstringParseError: The input is not a valid netstring within the limit.
        """
        buf, start, length = self._buf, self._start, self._length
        if length < 0:
            colon = buf.find(b":", start, start + self._digits + 1)
            if colon < 0:
                digits = buf[start : start + self._digits + 1]
                if not digits.isdigit() and digits:
                    raise NetstringParseError(f"invalid netstring length {bytes(digits)!r}")
                if len(digits) > self._digits:
                    raise NetstringParseError(f"netstring longer than {self.maxLength} bytes")
                return None
            digits = buf[start:colon]
            if not digits.isdigit():
                raise NetstringParseError(f"invalid netstring length {bytes(digits)!r}")
            length = int(digits)
            if length > self.maxLength:
                raise NetstringParseError(f"netstring longer than {self.maxLength} bytes")
            self._length = length
            self._start = start = colon + 1
        end = start + length
        if len(buf) <= end:
            return None
        if buf[end] != 44:  # b","
            raise NetstringParseError(f"netstring not followed by a comma: {buf[end : end + 1]!r}")
        self._start = end + 1
        self._length = -1
        return bytes(buf[start:end])

    def inFrame(self) -> bool:
        """Return whether a netstring is partly received (its loss is a truncated stream)."""
        return self._length >= 0 or self.pending() > 0


class IntNDecoder(_Buffer):
    """Decodes strings prefixed by their length as a fixed-size integer.

    Args:
        structFormat: The `struct` format of the prefix, e.g. ``"!I"`` (big-endian 32 bits).
        maxLength: The longest string allowed; a larger prefix raises `LengthLimitExceeded`
            before any of the string is buffered.
    """

    __slots__ = ("_struct", "maxLength", "prefixLength")

    def __init__(self, structFormat: str = "!I", maxLength: int = 99999) -> None:
        super().__init__()
        self._struct = struct.Struct(structFormat)
        self.prefixLength = self._struct.size
        self.maxLength = maxLength

    def next(self) -> bytes | None:
        """Return the next complete string, or ``None`` until more bytes arrive.

        Raises:
            LengthLimitExceeded: The next prefix is above ``maxLength``; the decoder keeps its
                bytes (nothing of the string itself is consumed).
        """
        buf, start = self._buf, self._start
        begin = start + self.prefixLength
        if len(buf) < begin:
            return None
        (length,) = self._struct.unpack_from(buf, start)
        if length > self.maxLength:
            raise LengthLimitExceeded(length, self.maxLength)
        end = begin + length
        if len(buf) < end:
            return None
        self._start = end
        return bytes(buf[begin:end])

    def settled(self) -> bool:
        """Return whether at most a partial string is buffered (nothing for `next` to return)."""
        pending = len(self._buf) - self._start
        if pending < self.prefixLength:
            return True
        length: int = self._struct.unpack_from(self._buf, self._start)[0]
        return length <= self.maxLength and pending < self.prefixLength + length

    def feedStrings(self, data: bytes) -> list[bytes]:
        """Feed ``data`` and return every string it completes, with one copy of each.

        Stops before a prefix above ``maxLength`` and keeps it buffered, so that the next call
        of `next` raises `LengthLimitExceeded`. May be mixed with `next` and `unread`.
        """
        buf = self._buf
        if self._start:
            del buf[: self._start]
            self._start = 0
        size = self.prefixLength
        if buf:
            # Finish the buffered partial string in place; copy only once it is complete.
            buf += data
            if len(buf) < size:
                return []
            (length,) = self._struct.unpack_from(buf, 0)
            if length > self.maxLength or len(buf) < size + length:
                return []  # `next` raises for the first, the second needs more bytes
            data = bytes(buf)
            buf.clear()
        unpack, limit, total = self._struct.unpack_from, self.maxLength, len(data)
        strings: list[bytes] = []
        append = strings.append
        pos = 0
        begin = size
        while begin <= total:
            (length,) = unpack(data, pos)
            end = begin + length
            if end > total or length > limit:
                break
            append(data[begin:end])
            pos = end
            begin = end + size
        buf += data[pos:] if pos else data
        return strings

    def unread(self, strings: list[bytes]) -> None:
        """Put back complete ``strings``, with their prefixes, before every byte still buffered."""
        if strings:
            pack = self._struct.pack
            self._buf[: self._start] = b"".join([pack(len(s)) + s for s in strings])
            self._start = 0
