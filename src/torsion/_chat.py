"""The echo and line-chat services behind ``python -m torsion``."""

from __future__ import annotations

from torsion.internet.address import IPv4Address, IPv6Address
from torsion.internet.protocol import Factory, Protocol, connectionDone
from torsion.logger import Logger
from torsion.protocols.basic import LineReceiver
from torsion.python.failure import Failure

__all__ = ["MAX_LENGTH", "Chat", "ChatFactory", "Echo"]

_log = Logger(namespace="torsion")

MAX_LENGTH = 16384
"""The longest line (without its delimiter) a chat client may send."""


class Echo(Protocol):
    """Sends every byte back."""

    def dataReceived(self, data: bytes) -> None:
        assert self.transport is not None
        self.transport.write(data)


class Chat(LineReceiver):
    """One chat client: each line it sends goes to every other client, prefixed with its name.

    Lines end with ``b"\n"``; one ``b"\r"`` before it is dropped (``nc -C``, telnet).
    ``/nick NAME`` changes the name (the peer's ``host:port`` until then).
    """

    factory: ChatFactory
    delimiter = b"\n"
    MAX_LENGTH = MAX_LENGTH  # a CRLF client's b"\r" counts towards it

    def connectionMade(self) -> None:
        assert self.transport is not None
        peer = self.transport.getPeer()
        assert isinstance(peer, IPv4Address | IPv6Address)
        self.name = f"{peer.host}:{peer.port}"
        self.factory.clients.add(self)
        _log.info(
            "chat: {name} joined ({online} online)",
            name=self.name,
            online=len(self.factory.clients),
        )
        self.send(f"* welcome, {self.name}; /nick NAME to rename, lines up to {MAX_LENGTH} bytes")
        self.factory.broadcast(self, f"* {self.name} joined")

    def lineLengthExceeded(self, line: bytes) -> None:
        """Say why, then drop the client."""
        self.send(f"* line too long (over {MAX_LENGTH} bytes), bye")
        assert self.transport is not None
        self.transport.loseConnection()

    def lineReceived(self, line: bytes) -> None:
        """Broadcast ``line``, or handle the ``/nick`` command."""
        text = line.removesuffix(b"\r").decode("utf-8", "replace")
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
            _log.info(
                "chat: {name} left ({online} online)",
                name=self.name,
                online=len(self.factory.clients),
            )
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
