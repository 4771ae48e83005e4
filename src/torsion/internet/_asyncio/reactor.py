"""`AsyncioReactor`: torsion on an asyncio event loop.

The public module is ``torsion.internet.asyncioreactor``; its docstring describes the behaviour.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from typing import Any, ParamSpec

from torsion.internet._asyncio import tcp
from torsion.internet._asyncio.poller import LoopPoller
from torsion.internet._core.loop import describe
from torsion.internet._core.timers import DelayedCall, QueuedCall, TimerQueue
from torsion.internet._reactors.posixbase import PosixReactorBase
from torsion.internet.error import ReactorAlreadyRunning
from torsion.internet.main import installReactor
from torsion.logger import Logger, LogLevel

__all__ = ["AsyncioReactor", "install"]

_log = Logger(namespace="torsion.internet.asyncioreactor")
_P = ParamSpec("_P")
_monotonic = time.monotonic

# Passes of the loop `close` runs so transports closed at cleanup finish closing their sockets.
_CLOSE_PASSES = 3


class _Timers(TimerQueue):
    """The timer queue, telling the reactor when a call moves earlier than its armed timer."""

    __slots__ = ("movedEarlier",)

    movedEarlier: Callable[[float], None]


class _LoopDelayedCall(QueuedCall):
    """A `QueuedCall` whose `reset`/`delay` to an earlier time re-arm the loop's timer."""

    __slots__ = ()

    def _moveTo(self, entry: tuple[float, int], when: float) -> None:
        super()._moveTo(entry, when)
        self._queue.movedEarlier(when)  # type: ignore[attr-defined]


class AsyncioReactor(PosixReactorBase):
    """A reactor running on an asyncio event loop (Twisted's ``AsyncioSelectorReactor``).

    Args:
        eventloop: The loop to run on; default: a new loop, owned (and closed by `close`) by
            the reactor.

    Attributes:
        running: True from the ``during`` phase of startup until the reactor stops or crashes.
    """

    # TCP connections ride on asyncio's transports; accepting and connecting stay torsion's.
    tcpPortType = tcp.Port
    tcpConnectorType = tcp.Connector

    def __init__(self, eventloop: asyncio.AbstractEventLoop | None = None) -> None:
        self._ownsLoop = eventloop is None
        loop = asyncio.new_event_loop() if eventloop is None else eventloop
        #: The asyncio loop (Twisted's attribute name).
        self._asyncioEventloop = loop
        super().__init__(LoopPoller(loop, self._readable, self._writable))
        self._timers = _Timers(self.seconds)
        self._timers.movedEarlier = self._armBy
        self._timerHandle: asyncio.Handle | None = None
        self._armedAt = math.inf
        self._loopRunning = False  # inside mainLoop's run_forever
        self._runWaiter: asyncio.Future[None] | None = None  # set while runAsync waits
        self._connections: set[tcp.AsyncioConnection] = set()

    # -- running -----------------------------------------------------------------------------

    def run(self, installSignalHandlers: bool = True) -> None:
        """Fire startup, run the asyncio loop until stopped or crashed, fire shutdown.

        Raises:
            ReactorAlreadyRunning: Called while ``run`` is already running.
            RuntimeError: The asyncio loop runs already (use `runAsync` from inside it).
        """
        if self._asyncioEventloop.is_running() and not self._inRun:
            raise RuntimeError(
                "the asyncio loop is already running: use `await reactor.runAsync()`"
            )
        self._enterRun(installSignalHandlers)
        try:
            # From inside the loop, so startup code can use asyncio APIs that need it running.
            self._asyncioEventloop.call_soon(self._event("startup").fire, self._startRunning)
            self.mainLoop()
        finally:
            self._exitRun()

    def mainLoop(self) -> None:
        """Run the asyncio loop until `crash` (or a shutdown's end) stops it."""
        self._armBy(_monotonic())  # due calls and calls queued from threads meanwhile
        self._loopRunning = True
        try:
            self._asyncioEventloop.run_forever()
        finally:
            self._loopRunning = False
        if self._started:  # someone else stopped the loop: the run ends as with crash()
            self.crash()

    async def runAsync(self, installSignalHandlers: bool = False) -> None:
        """Run the reactor inside the asyncio loop that is already running this coroutine.

        The counterpart of `run` for asyncio programs: startup triggers fire, the reactor runs
        alongside the program's tasks, and the call returns once the reactor has stopped (after
        the shutdown triggers) or crashed. Cancelling the awaiting task stops the reactor
        (shutdown triggers run) and then raises ``CancelledError``.

        Args:
            installSignalHandlers: Stop on SIGINT/SIGTERM; off by default, because the asyncio
                program usually owns its signals.

        Raises:
            ReactorAlreadyRunning: The reactor is running already.
            RuntimeError: Awaited on another loop than the reactor's.
        """
        loop = asyncio.get_running_loop()
        if loop is not self._asyncioEventloop:
            raise RuntimeError("runAsync must be awaited on the reactor's own event loop")
        self._enterRun(installSignalHandlers)
        waiter = self._runWaiter = loop.create_future()
        try:
            self._event("startup").fire(self._startRunning)
            self._armBy(_monotonic())
            try:
                await asyncio.shield(waiter)
            except asyncio.CancelledError:
                if not self._stopped:
                    self.stop()
                await waiter
                raise
        finally:
            self._runWaiter = None
            self._exitRun()

    def stop(self) -> None:
        """Fire the shutdown event on the next pass of the loop; the run ends after it.

        Raises:
            ReactorNotRunning: Not running, or already stopping.
        """
        super().stop()
        self._armBy(_monotonic())

    def crash(self) -> None:
        """End the run after this pass without firing shutdown triggers (for tests)."""
        super().crash()
        waiter = self._runWaiter
        if waiter is not None:
            if not waiter.done():
                waiter.set_result(None)
        elif self._loopRunning:
            self._asyncioEventloop.stop()

    # -- time and threads --------------------------------------------------------------------

    def callLater(
        self, delay: float, callable: Callable[_P, object], *args: _P.args, **kw: _P.kwargs
    ) -> DelayedCall:
        """Call ``callable(*args, **kw)`` in ``delay`` seconds (never from inside this call).

        Calls due at the same time run in the order they were scheduled; a negative delay
        means as soon as possible.
        """
        when = self.seconds() + delay
        call = _LoopDelayedCall(when, callable, args, kw, self._timers)
        if when < self._armedAt:
            self._armAt(when)
        return call

    def callFromThread(
        self, callable: Callable[_P, object], *args: _P.args, **kw: _P.kwargs
    ) -> None:
        """Run ``callable`` in the reactor thread at its next pass (thread-safe; wakes it)."""
        self._threadCalls.append((callable, args, kw))
        if not self._wakePending:
            self._wakePending = True
            try:
                self._asyncioEventloop.call_soon_threadsafe(self._onTimer)
            except RuntimeError:
                pass  # The loop is closed: the reactor is gone, nothing will run again.

    def _armBy(self, when: float) -> None:
        """Make sure a pass of timed and thread calls happens no later than ``when``."""
        if when < self._armedAt:
            self._armAt(when)

    def _armAt(self, when: float) -> None:
        handle = self._timerHandle
        if handle is not None:
            handle.cancel()
        self._armedAt = when
        loop = self._asyncioEventloop
        delay = when - _monotonic()
        if delay > 0:
            self._timerHandle = loop.call_later(delay, self._onTimer)
        else:
            self._timerHandle = loop.call_soon(self._onTimer)

    def _onTimer(self) -> None:
        """One pass of timed and thread calls (and a pending shutdown); re-arm for the next.

        Only while the reactor runs (the loop may run without it, in an asyncio program that
        has not called `runAsync` yet): `run` and `runAsync` arm the timer again.
        """
        if self._timerHandle is not None:
            self._timerHandle.cancel()
            self._timerHandle = None
        self._armedAt = math.inf
        if not self._inRun:
            return
        self.runUntilCurrent()
        if self._threadCalls or self._justStopped:
            self._armBy(_monotonic())
            return
        due = self._timers.nextTime()
        if due is not None:
            self._armBy(due)

    # -- descriptors -------------------------------------------------------------------------

    def _readable(self, fd: int) -> None:
        reader = self._readers.get(fd)
        if reader is None:
            return
        try:
            why = reader.doRead()
        except Exception as e:
            _log.failure(
                "Unhandled error in {descriptor} doRead",
                level=LogLevel.error,
                descriptor=describe(reader),
            )
            why = e
        if why is not None:
            self._disconnect(reader, why)

    def _writable(self, fd: int) -> None:
        writer = self._writers.get(fd)
        if writer is None:
            return
        try:
            why = writer.doWrite()
        except Exception as e:
            _log.failure(
                "Unhandled error in {descriptor} doWrite",
                level=LogLevel.error,
                descriptor=describe(writer),
            )
            why = e
        if why is not None:
            self._disconnect(writer, why)

    def getReaders(self) -> list[Any]:
        """The descriptors watched for reading, TCP connections that are reading included."""
        return super().getReaders() + [c for c in self._connections if c.isReading()]

    def getWriters(self) -> list[Any]:
        """The descriptors watched for writing, TCP connections with data to send included."""
        return super().getWriters() + [c for c in self._connections if c.isWriting()]

    def removeAll(self) -> list[Any]:
        """Stop watching every descriptor and connection; return them (each once)."""
        connections = list(self._connections)
        self._connections.clear()
        for connection in connections:
            connection.pauseProducing()
        return super().removeAll() + connections

    # -- embedding ---------------------------------------------------------------------------

    def close(self) -> None:
        """Release the reactor's resources, and the loop if the reactor created it.

        Runs a few passes of the loop first, so that transports closed during cleanup finish
        closing their sockets.

        Raises:
            ReactorAlreadyRunning: Called while running.
        """
        if self._inRun:
            raise ReactorAlreadyRunning("cannot close a running reactor")
        loop = self._asyncioEventloop
        self._poller.close()  # while the descriptors are still open
        super().close()
        if self._timerHandle is not None:
            self._timerHandle.cancel()
            self._timerHandle = None
        self._armedAt = math.inf
        if loop.is_closed() or loop.is_running():
            return
        for _ in range(_CLOSE_PASSES):
            self._poller.poll(0)
        if self._ownsLoop:
            loop.close()


def install(eventloop: asyncio.AbstractEventLoop | None = None) -> AsyncioReactor:
    """Install a new `AsyncioReactor` as the global reactor and return it.

    Args:
        eventloop: The loop to run on (default: a new one).

    Raises:
        ReactorAlreadyInstalledError: A reactor is installed already.
    """
    reactor = AsyncioReactor(eventloop)
    installReactor(reactor)
    return reactor
