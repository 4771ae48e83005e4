"""`LoopPoller`: the `Poller` interface over an asyncio event loop's ``add_reader``/``add_writer``.

With it, `ReactorCore`'s descriptor bookkeeping (``addReader`` ... ``removeAll``) and everything
built on it (UNIX sockets, UDP, process pipes, listening ports, connection attempts) work on an
asyncio loop unchanged. The one difference from the select/poll/epoll pollers: the loop calls
back when a descriptor is ready, so events are dispatched from those callbacks as they come and
`LoopPoller.poll` (one pass of the loop, for ``reactor.iterate``) returns no events of its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from torsion.internet._core.pollers import READ, WRITE

__all__ = ["LoopPoller"]


class LoopPoller:
    """Watches descriptors with an asyncio loop; calls ``onReadable(fd)``/``onWritable(fd)``.

    Args:
        loop: The asyncio event loop.
        onReadable: Called by the loop with the descriptor when it is readable.
        onWritable: Called by the loop with the descriptor when it is writable.
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        onReadable: Callable[[int], object],
        onWritable: Callable[[int], object],
    ) -> None:
        self._loop = loop
        self._onReadable = onReadable
        self._onWritable = onWritable
        self._masks: dict[int, int] = {}
        self._stopOnEvent = False  # poll() with a timeout: end the pass at the first event
        self._ignoring = False  # ...and ignore events of later passes until it has ended
        self._ignore: asyncio.Handle | None = None

    def register(self, fd: int, readable: bool, writable: bool) -> None:
        """Watch ``fd`` for reading and/or writing (adding it, or changing what is watched)."""
        old = self._masks.get(fd, 0)
        loop = self._loop
        if readable != bool(old & READ):
            if readable:
                loop.add_reader(fd, self._readable, fd)
            else:
                _forget(loop.remove_reader, fd)
        if writable != bool(old & WRITE):
            if writable:
                loop.add_writer(fd, self._writable, fd)
            else:
                _forget(loop.remove_writer, fd)
        if readable or writable:
            self._masks[fd] = (READ if readable else 0) | (WRITE if writable else 0)
        else:
            self._masks.pop(fd, None)

    def unregister(self, fd: int) -> None:
        """Stop watching ``fd``; a descriptor that is not watched (or already closed) is fine."""
        self.register(fd, False, False)

    def poll(self, timeout: float | None) -> list[tuple[int, int]]:
        """Run one pass of the loop, waiting up to ``timeout`` seconds (None: forever) for the
        first event; events are dispatched by the loop's callbacks, so none are returned.

        Raises:
            RuntimeError: The loop is running already (``iterate`` cannot nest in a run).
        """
        loop = self._loop
        if timeout is not None and timeout <= 0:
            loop.stop()  # before run_forever: one pass, polling with a zero timeout
            loop.run_forever()
            return []
        timer = None if timeout is None else loop.call_later(timeout, loop.stop)
        self._stopOnEvent = True
        try:
            loop.run_forever()
        finally:
            self._stopOnEvent = self._ignoring = False
            if timer is not None:
                timer.cancel()
            if self._ignore is not None:
                self._ignore.cancel()
                self._ignore = None
        return []

    def close(self) -> None:
        """Stop watching every descriptor (the loop itself belongs to the reactor)."""
        for fd in list(self._masks):
            self.unregister(fd)

    def _readable(self, fd: int) -> None:
        if not self._ignoring:
            self._onReadable(fd)
            if self._stopOnEvent:
                self._endPass()

    def _writable(self, fd: int) -> None:
        if not self._ignoring:
            self._onWritable(fd)
            if self._stopOnEvent:
                self._endPass()

    def _endPass(self) -> None:
        # uvloop's stop() takes effect one pass later (asyncio's at the end of this one):
        # events of that extra pass are left for the next poll (readiness is level-triggered).
        self._stopOnEvent = False
        self._loop.stop()
        self._ignore = self._loop.call_soon(self._startIgnoring)

    def _startIgnoring(self) -> None:
        self._ignoring = True


def _forget(remove: Callable[[int], object], fd: int) -> None:
    """``remove(fd)``, tolerating a descriptor closed before it was unregistered."""
    try:
        remove(fd)
    except (OSError, ValueError):
        pass
