"""`FileWrapper`: a file object dressed up as a transport, for trying protocols out.

A protocol connected to a ``FileWrapper`` writes into the file (``sys.stdout``, an
``io.BytesIO``) instead of a socket; nothing is ever read from the file. This is Twisted's
debugging aid of the same name, with its quirks: an error raised by the file goes to
`FileWrapper.handleException` (which ignores it) instead of the caller, and `getPeer` and
`getHost` return strings, not addresses.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO, Any

__all__ = ["FileWrapper"]


class FileWrapper:
    """A write-only transport over ``file``.

    Args:
        file: A binary file-like object, open for writing.

    Attributes:
        file: The wrapped file.
        closed: True once `loseConnection` closed the file.
        disconnecting: Always false: closing is immediate.
        producer: The registered producer, or None.
        streamingProducer: Whether the registered producer is a push producer.
    """

    closed: bool = False
    disconnecting: bool = False
    producer: Any = None
    streamingProducer: bool = False

    def __init__(self, file: IO[bytes]) -> None:
        self.file = file

    def write(self, data: bytes) -> None:
        """Write ``data`` to the file; an error goes to `handleException`."""
        try:
            self.file.write(data)
        except BaseException:
            self.handleException()

    def writeSequence(self, iovec: Iterable[bytes]) -> None:
        """Write the concatenation of ``iovec`` (``TypeError`` if one is not bytes)."""
        self.write(b"".join(iovec))

    def loseConnection(self) -> None:
        """Close the file; an ``OSError`` goes to `handleException`."""
        self.closed = True
        try:
            self.file.close()
        except OSError:
            self.handleException()

    def getPeer(self) -> tuple[str, str]:
        """Return ``("file", "file")`` (Twisted's value; not an address)."""
        return ("file", "file")

    def getHost(self) -> str:
        """Return ``"file"`` (Twisted's value; not an address)."""
        return "file"

    def handleException(self) -> None:
        """Called, inside the ``except`` block, when the file raised; ignores the error.

        Override it to log or re-raise.
        """

    def registerProducer(self, producer: Any, streaming: bool) -> None:
        """Remember ``producer``; a pull producer is asked for data once, at once."""
        self.producer = producer
        self.streamingProducer = streaming
        if not streaming:
            producer.resumeProducing()

    def unregisterProducer(self) -> None:
        """Forget the producer."""
        self.producer = None

    def stopConsuming(self) -> None:
        """Forget the producer and close the file."""
        self.unregisterProducer()
        self.loseConnection()

    def pauseProducing(self) -> None:
        """Nothing to pause: a file wrapper never delivers data."""

    def resumeProducing(self) -> None:
        """Nothing to resume: a file wrapper never delivers data."""

    def stopProducing(self) -> None:
        """Close the file."""
        self.loseConnection()
