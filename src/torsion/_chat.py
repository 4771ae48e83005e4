"""The echo and line-chat services behind ``python -m torsion``.

`LineSplitter` is a sans-IO line decoder with a bounded buffer (the framing library with
``LineReceiver`` comes later); `Echo` and `Chat` are thin protocols over it.
"""

from __future__ import annotations

import logging

from torsion.internet.address import IPv4Address, IPv6Address
from torsion.internet.protocol import Factory, Protocol, connectionDone
from torsion.python.failure import Failure

__all__ = ["MAX_LENGTH", "Chat", "ChatFactory", "Echo", "LineSplitter", "LineTooLong"]

_log = logging.getLogger(__name__)

MAX_LENGTH = 16384
"""The longest line (without its delimiter) a chat client may send."""


class LineTooLong(Exception):
    """A line, complete or not, is longer than the splitter's maximum.

    Attributes:
        lines: The complete lines that came before it in the same `LineSplitter.feed`.
    """

    def __init__(self, maxLength: int, lines: list[bytes]) -> None:
        super().__init__(f"line longer than {maxLength} bytes")
        self.lines = lines


class LineSplitter:
    """Splits a byte stream at ``b"\\n"``, dropping one ``b"\\r"`` before it (``nc -C``, telnet).

    Linear in the input: the buffer remembers how far it has been searched, so a long line fed a
    byte at a time is scanned once. After `LineTooLong` the splitter must not be fed again.

    Args:
        maxLength: The longest line allowed, delimiter excluded.
    """

    def __init__(self, maxLength: int = MAX_LENGTH) -> None:
        self.maxLength = maxLength
        self._buffer = bytearray()
        self._searched = 0  # no b"\n" before this offset of _buffer

    def feed(self, data: bytes) -> list[bytes]:
        """Add ``data`` and return the lines it completes, without their delimiters.

        Raises:
            LineTooLong: A line exceeds ``maxLength`` (carrying the complete lines before it).
        """
        buf = self._buffer
        buf += data
        lines: list[bytes] = []
        start, find, limit = 0, buf.find, self.maxLength
        end = find(b"\n", self._searched)
        while end >= 0:
            line = bytes(buf[start : end - 1 if end > start and buf[end - 1] == 13 else end])
            if len(line) > limit:
                raise LineTooLong(limit, lines)
            lines.append(line)
            start = end + 1
            end = find(b"\n", start)
        if start:
            del buf[:start]
        self._searched = len(buf)
        if len(buf) > limit and not (len(buf) == limit + 1 and buf[-1] == 13):
            raise LineTooLong(limit, lines)  # no newline yet, and already too long
        return lines


class Echo(Protocol):
    """Sends every byte back."""

    def dataReceived(self, data: bytes) -> None:
        assert self.transport is not None
        self.transport.write(data)


class Chat(Protocol):
    """One chat client: each line it sends goes to every other client, prefixed with its name.

    ``/nick NAME`` changes the name (the peer's ``host:port`` until then).
    """

    factory: ChatFactory

    def connectionMade(self) -> None:
        assert self.transport is not None
        peer = self.transport.getPeer()
        assert isinstance(peer, IPv4Address | IPv6Address)
        self.name = f"{peer.host}:{peer.port}"
        self.splitter = LineSplitter()
        self.factory.clients.add(self)
        _log.info("chat: %s joined (%d online)", self.name, len(self.factory.clients))
        self.send(f"* welcome, {self.name}; /nick NAME to rename, lines up to {MAX_LENGTH} bytes")
        self.factory.broadcast(self, f"* {self.name} joined")

    def dataReceived(self, data: bytes) -> None:
        try:
            lines = self.splitter.feed(data)
        except LineTooLong as e:
            for line in e.lines:
                self.lineReceived(line)
            self.send(f"* line too long (over {MAX_LENGTH} bytes), bye")
            assert self.transport is not None
            self.transport.loseConnection()
            return
        for line in lines:
            self.lineReceived(line)

    def lineReceived(self, line: bytes) -> None:
        """Broadcast ``line``, or handle the ``/nick`` command."""
        text = line.decode("utf-8", "replace")
        if text.startswith("/nick "):
            old, self.name = self.name, text[6:].strip()[:32] or self.name
            self.factory.broadcast(None, f"* {old} is now {self.name}")
        elif text:
            self.factory.broadcast(self, f"<{self.name}> {text}")

    def send(self, text: str) -> None:
        """Write ``text`` as one line."""
        assert self.transport is not None
        self.transport.write(text.encode() + b"\n")

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        if self in self.factory.clients:
            self.factory.clients.discard(self)
            _log.info("chat: %s left (%d online)", self.name, len(self.factory.clients))
            self.factory.broadcast(self, f"* {self.name} left")


class ChatFactory(Factory):
    """Holds the set of connected `Chat` clients."""

    protocol = Chat

    def __init__(self) -> None:
        self.clients: set[Chat] = set()

    def broadcast(self, sender: Chat | None, text: str) -> None:
        """Send ``text`` to every client but ``sender``."""
        for client in self.clients:
            if client is not sender:
                client.send(text)
