"""The write buffer of stream transports: what the kernel did not take yet.

Chunks are kept as the caller's own immutable ``bytes`` (or zero-copy ``memoryview`` slices of
them), never joined: a 100 MB write is buffered as one reference to the caller's object, and a
partial send slices a view instead of copying the rest. Sending hands up to `MAX_IOV` chunks to
one vectored ``sendmsg`` call, so many small writes cost one system call, and work stays linear
in the bytes sent whatever the chunking.
"""

from __future__ import annotations

import socket
from collections import deque
from itertools import islice

__all__ = ["HIGH_WATER", "LOW_WATER", "MAX_IOV", "WriteBuffer"]

HIGH_WATER = 64 * 1024
"""Above this many buffered bytes a streaming producer is paused (Twisted's ``bufferSize``)."""

LOW_WATER = 0
"""At or below this many buffered bytes a paused producer is resumed: when drained, as Twisted."""

MAX_IOV = 512
"""The most chunks passed to one ``sendmsg`` (POSIX guarantees IOV_MAX >= 16; Linux has 1024)."""


class WriteBuffer:
    """A FIFO of byte chunks with a running size and the water marks that govern producers.

    Attributes:
        size: The number of bytes buffered.
        highWater: Pause a streaming producer when `size` exceeds this.
        lowWater: Resume it when `size` falls to this or below.
    """

    __slots__ = ("_chunks", "highWater", "lowWater", "size")

    def __init__(self, highWater: int = HIGH_WATER, lowWater: int = LOW_WATER) -> None:
        self._chunks: deque[bytes | memoryview] = deque()
        self.size = 0
        self.highWater = highWater
        self.lowWater = lowWater

    def append(self, data: bytes | memoryview) -> None:
        """Queue ``data`` (which must not change afterwards) after what is already buffered."""
        self._chunks.append(data)
        self.size += len(data)

    def popFront(self, limit: int) -> bytes | memoryview:
        """Remove and return the first chunk, or its first ``limit`` bytes if it is longer
        (a zero-copy view; the rest stays first). The buffer must not be empty."""
        head = self._chunks[0]
        if len(head) > limit:
            view = memoryview(head)
            self._chunks[0] = view[limit:]
            head = view[:limit]
        else:
            self._chunks.popleft()
        self.size -= len(head)
        return head

    def clear(self) -> None:
        """Drop everything buffered."""
        self._chunks.clear()
        self.size = 0

    def sendTo(self, sock: socket.socket) -> None:
        """Send as much of the buffer as ``sock`` takes in one system call.

        Raises:
            BlockingIOError: The socket takes nothing right now.
            OSError: The connection is broken.
        """
        chunks = self._chunks
        # One chunk (the common case) needs no iovec: plain send is cheaper.
        one = len(chunks) == 1
        sent = sock.send(chunks[0]) if one else sock.sendmsg(islice(chunks, MAX_IOV))
        self.size -= sent
        while sent:
            head = chunks[0]
            length = len(head)
            if sent < length:
                chunks[0] = memoryview(head)[sent:]
                return
            chunks.popleft()
            sent -= length
