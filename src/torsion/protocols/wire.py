"""The small standard Internet services: echo, discard, chargen, qotd, who, daytime, time.

Same classes and behaviour as ``twisted.protocols.wire`` (RFCs 862, 863, 864, 865, 866, 867,
868); serve one with a `Factory` whose ``protocol`` is the class.
"""

from __future__ import annotations

import struct
import time
from typing import Any

from torsion.internet.protocol import Protocol

__all__ = ["QOTD", "Chargen", "Daytime", "Discard", "Echo", "Time", "Who"]


class Echo(Protocol):
    """Sends back everything it receives (RFC 862)."""

    def dataReceived(self, data: bytes) -> None:
        assert self.transport is not None
        self.transport.write(data)


class Discard(Protocol):
    """Throws away everything it receives (RFC 863)."""

    def dataReceived(self, data: bytes) -> None:
        """Ignore ``data``."""


class Chargen(Protocol):
    """Sends repeating noise for as long as the peer reads it (RFC 864).

    It registers as the transport's pull producer, so it writes one chunk each time the
    transport's buffer empties and never outruns the peer.
    """

    noise = rb'@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\]^_`abcdefghijklmnopqrstuvwxyz{|}~ !"#$%&?'
    transport: Any

    def connectionMade(self) -> None:
        self.transport.registerProducer(self, False)

    def resumeProducing(self) -> None:
        """Write one more chunk of noise."""
        self.transport.write(self.noise)

    def pauseProducing(self) -> None:
        """Nothing to do: a pull producer writes only when asked."""

    def stopProducing(self) -> None:
        """Nothing to do: the connection is going away."""


class QOTD(Protocol):
    """Sends a quote of the day, then closes (RFC 865)."""

    def connectionMade(self) -> None:
        assert self.transport is not None
        self.transport.write(self.getQuote())
        self.transport.loseConnection()

    def getQuote(self) -> bytes:
        """Return the quote; override to say something else."""
        return b"An apple a day keeps the doctor away.\r\n"


class Who(Protocol):
    """Sends the list of logged-in users, then closes (RFC 866)."""

    def connectionMade(self) -> None:
        assert self.transport is not None
        self.transport.write(self.getUsers())
        self.transport.loseConnection()

    def getUsers(self) -> bytes:
        """Return the users, one per line; override for a real list."""
        return b"root\r\n"


class Daytime(Protocol):
    """Sends the UTC date and time as ASCII, then closes (RFC 867)."""

    def connectionMade(self) -> None:
        assert self.transport is not None
        now = time.asctime(time.gmtime(time.time()))
        self.transport.write(now.encode("ascii") + b"\r\n")
        self.transport.loseConnection()


class Time(Protocol):
    """Sends the time as a 32-bit big-endian integer, then closes (RFC 868's wire format).

    As in Twisted, the value is seconds since 1970 (the Unix epoch), not RFC 868's 1900.
    """

    def connectionMade(self) -> None:
        assert self.transport is not None
        self.transport.write(struct.pack("!i", int(time.time())))
        self.transport.loseConnection()
