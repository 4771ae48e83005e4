"""`ReactorCore`: the one event loop, composed with a poller (select, poll or epoll).

Everything a reactor does apart from waiting for I/O and making transports lives here once:
timed calls, system event triggers, run/stop/crash, signals, calls from and into threads, the
reader/writer maps and the dispatch of I/O events. It knows no socket, protocol or transport:
``listenTCP`` and the other ways to make one are added by
`torsion.internet._reactors.posixbase.PosixReactorBase`. `doIteration` is the only place
descriptor methods are called and `runUntilCurrent` the only place timed and thread calls are
run.

Differences from Twisted, on purpose: the reactor can run again after it stopped (startup
triggers fire again, see `torsion.internet._core.events`); `seconds()` is ``time.monotonic()``.
"""

from __future__ import annotations

import signal
import threading
import time
from collections import deque
from collections.abc import Callable
from types import FrameType
from typing import Any, ParamSpec

from torsion.internet._core.events import PHASES, ThreePhaseEvent, TriggerID
from torsion.internet._core.pollers import ERROR, READ, WRITE, Poller, SelectPoller
from torsion.internet._core.timers import DelayedCall, QueuedCall, TimerQueue
from torsion.internet._core.waker import SignalHandlers, Waker
from torsion.internet.error import ConnectionLost, ReactorAlreadyRunning, ReactorNotRunning
from torsion.internet.interfaces import IReadDescriptor, IWriteDescriptor
from torsion.logger import Logger, LogLevel
from torsion.python import threadable
from torsion.python.failure import Failure
from torsion.python.threadpool import ThreadPool

__all__ = ["ReactorCore", "describe"]

_log = Logger(namespace="torsion.internet.base")
_P = ParamSpec("_P")
_monotonic = time.monotonic

# Registered descriptors: anything with fileno/doRead/doWrite/connectionLost/logPrefix.
_Descriptor = Any


class ReactorCore:
    """An event loop (Twisted's ``IReactorCore``, ``IReactorTime``, ``IReactorThreads`` and
    ``IReactorFDSet``) over the given poller; Twisted's ``ReactorBase``.

    Args:
        poller: The I/O backend; the reactor owns it from now on. Without one (Twisted's
            ``ReactorBase()``), ``select``.

    Attributes:
        running: True from the ``during`` phase of startup until the reactor stops or crashes.
    """

    #: Whether running the reactor marks its thread as the I/O thread of
    #: ``torsion.python.threadable`` (Twisted's flag; tests of other reactors turn it off).
    _registerAsIOThread = True

    def __init__(self, poller: Poller | None = None) -> None:
        self._poller = poller = SelectPoller() if poller is None else poller
        self.running = False
        self._started = False  # the loop keeps going while this is True
        self._stopped = True  # stop() is refused while this is True
        self._justStopped = False  # stop() was called; shutdown fires at the end of this pass
        self._inRun = False
        self._ioThread = threading.get_ident()
        self._timers = TimerQueue(self.seconds)
        self._events: dict[str, ThreePhaseEvent] = {}
        self._readers: dict[int, _Descriptor] = {}
        self._writers: dict[int, _Descriptor] = {}
        self._threadCalls: deque[tuple[Callable[..., object], tuple[Any, ...], dict[str, Any]]]
        self._threadCalls = deque()
        self._wakePending = False
        self._threadpool: ThreadPool | None = None
        self._poolSize = 10
        self._internal: set[int] = set()
        self._waker: Waker | None = None
        self.installWaker()
        self._signals = SignalHandlers(self._signalReceived, self._waker)
        #: The signal that stopped the last run, if one did (Twisted's name).
        self._exitSignal: int | None = None

    def installWaker(self) -> None:
        """Make and watch the `Waker` that lets other threads and signals wake the loop.

        Called once, by the constructor (Twisted's hook: a subclass that overrides it with
        nothing gets a reactor that opens no descriptor, and that only wakes up for timed
        calls and I/O).
        """
        waker = self._waker = Waker()
        fd = waker.fileno()
        self._internal.add(fd)
        self._readers[fd] = waker
        self._poller.register(fd, True, False)

    def wakeUp(self) -> None:
        """Make the loop's wait for I/O return now (thread-safe)."""
        if self._waker is not None:
            self._waker.wakeUp()

    # -- IReactorCore ------------------------------------------------------------------------

    def run(self, installSignalHandlers: bool = True) -> None:
        """Fire the startup event, run the loop until stopped or crashed, then return.

        Can be called again once it has returned (Twisted raises ``ReactorNotRestartable``).

        Args:
            installSignalHandlers: Stop cleanly on SIGINT/SIGTERM (only in the main thread).

        Raises:
            ReactorAlreadyRunning: Called while ``run`` is already running.
        """
        self._enterRun(installSignalHandlers)
        try:
            self._event("startup").fire(self._startRunning)
            self.mainLoop()
        finally:
            self._exitRun()

    def _enterRun(self, installSignalHandlers: bool) -> None:
        """The first part of `run` (shared with reactors that run differently, like asyncio's):
        refuse a nested run, install the signal handlers, let the loop go."""
        if self._inRun:
            raise ReactorAlreadyRunning("reactor is already running")
        self._inRun = True
        self._ioThread = threading.get_ident()
        if self._registerAsIOThread:
            threadable.registerAsIOThread()
        try:
            if installSignalHandlers:
                self._signals.install()
        except BaseException:
            self._exitRun()
            raise
        self._started = True
        self._stopped = False

    def _exitRun(self) -> None:
        """The last part of `run`, whatever ended it: restore signals, mark not running."""
        self._signals.restore()
        self.running = self._started = False
        self._stopped = True
        self._inRun = False

    def mainLoop(self) -> None:
        """Alternate timed/thread calls and one wait for I/O until the loop is told to end."""
        runUntilCurrent, doIteration, timeout = self.runUntilCurrent, self.doIteration, self.timeout
        while self._started:
            runUntilCurrent()
            if not self._started:
                break
            doIteration(timeout())

    def stop(self) -> None:
        """Fire the shutdown event at the end of this pass; ``run`` returns after it.

        Raises:
            ReactorNotRunning: Not running, or already stopping.
        """
        if self._stopped:
            raise ReactorNotRunning("Can't stop reactor that isn't running.")
        self._stopped = True
        self._justStopped = True

    def crash(self) -> None:
        """End the loop after this pass without firing shutdown triggers (for tests)."""
        self._started = False
        self.running = False
        self._stopped = True

    def iterate(self, delay: float = 0.0) -> None:
        """Run due calls, then wait for and handle I/O for at most ``delay`` seconds."""
        self.runUntilCurrent()
        self.doIteration(delay)

    def callWhenRunning(
        self, callable: Callable[_P, object], *args: _P.args, **kw: _P.kwargs
    ) -> TriggerID | None:
        """Call ``callable`` now if running, else once when the reactor starts.

        Returns:
            The startup trigger's ID if it was queued, else None.
        """
        if self.running:
            callable(*args, **kw)
            return None
        return self._event("startup").add("during", callable, args, kw, once=True)

    def addSystemEventTrigger(
        self,
        phase: str,
        eventType: str,
        callable: Callable[_P, object],
        *args: _P.args,
        **kw: _P.kwargs,
    ) -> TriggerID:
        """Call ``callable`` in ``phase`` ("before", "during", "after") of each ``eventType``.

        A ``before`` trigger may return a Deferred: the ``during`` phase waits for it.

        Raises:
            KeyError: ``phase`` is not a phase.
        """
        if phase not in PHASES:
            raise KeyError(phase)
        return self._event(eventType).add(phase, callable, args, kw)

    def removeSystemEventTrigger(self, triggerID: TriggerID) -> None:
        """Unregister a trigger added by `addSystemEventTrigger` or `callWhenRunning`.

        Raises:
            ValueError: No such trigger.
        """
        try:
            event = self._events[triggerID[0]]
        except (KeyError, TypeError, IndexError):
            raise ValueError(f"no such trigger: {triggerID!r}") from None
        event.remove(triggerID)

    def fireSystemEvent(self, eventType: str) -> None:
        """Run the triggers of ``eventType`` (before, then during and after)."""
        self._event(eventType).fire()

    def _event(self, eventType: str) -> ThreePhaseEvent:
        event = self._events.get(eventType)
        if event is None:
            event = self._events[eventType] = ThreePhaseEvent(eventType)
        return event

    def _startRunning(self) -> None:
        """The reactor's own first step of startup's ``during`` phase."""
        self.running = True
        if self._threadpool is not None:
            self._threadpool.start()

    def _shutDown(self) -> None:
        """The reactor's own first step of shutdown's ``during`` phase."""
        self.crash()
        self.disconnectAll()
        if self._threadpool is not None:
            self._threadpool.stop()

    def _signalReceived(self, signum: int) -> None:
        """Hand SIGINT, SIGTERM or SIGBREAK to its handler method (Twisted's names)."""
        if signum == signal.SIGINT:
            self.sigInt(signum, None)
        elif signum == signal.SIGTERM:
            self.sigTerm(signum, None)
        else:
            self.sigBreak(signum, None)

    def sigInt(self, number: int, frame: FrameType | None = None) -> None:
        """Handle SIGINT: remember it as `_exitSignal` and stop at the next pass."""
        self._stopForSignal(number)

    def sigTerm(self, number: int, frame: FrameType | None = None) -> None:
        """Handle SIGTERM: remember it as `_exitSignal` and stop at the next pass."""
        self._stopForSignal(number)

    def sigBreak(self, number: int, frame: FrameType | None = None) -> None:
        """Handle SIGBREAK (Windows' Ctrl-Break): as `sigInt`."""
        self._stopForSignal(number)

    def _stopForSignal(self, signum: int) -> None:
        # In a signal handler: only record and queue (deque.append is atomic; no lock to
        # deadlock on).
        self._exitSignal = signum
        self.callFromThread(self._stopAfterSignal, signum)

    def _stopAfterSignal(self, signum: int) -> None:
        _log.info("Received {signal}, shutting down.", signal=signal.Signals(signum).name)
        if not self._stopped:
            self.stop()

    # -- IReactorTime ------------------------------------------------------------------------

    def seconds(self) -> float:
        """The reactor's clock: ``time.monotonic()``, which never jumps with the wall clock."""
        return _monotonic()

    def callLater(
        self, delay: float, callable: Callable[_P, object], *args: _P.args, **kw: _P.kwargs
    ) -> DelayedCall:
        """Call ``callable(*args, **kw)`` in ``delay`` seconds (never from inside this call).

        Calls due at the same time run in the order they were scheduled; a negative delay
        means as soon as possible.
        """
        return QueuedCall(_monotonic() + delay, callable, args, kw, self._timers)

    def getDelayedCalls(self) -> list[DelayedCall]:
        """The pending timed calls, in the order they will run."""
        return self._timers.pending()

    def timeout(self) -> float | None:
        """How long the next wait for I/O may last: until the next timed call, or forever."""
        if self._threadCalls or self._justStopped:
            return 0.0
        due = self._timers.nextTime()
        if due is None:
            return None
        delay = due - _monotonic()
        return delay if delay > 0.0 else 0.0

    def runUntilCurrent(self) -> None:
        """Run the thread calls and the timed calls that are due, then a pending shutdown.

        Calls queued or scheduled while this runs wait for the next pass (after I/O), so a
        call that reschedules itself cannot starve the loop.
        """
        if self._threadCalls:
            self._runThreadCalls()
        timers = self._timers
        popDue = timers.popDue
        before = timers.sequence
        now = _monotonic()
        while (call := popDue(now, before)) is not None:
            try:
                # Without arguments, a plain call: f(*args, **kw) builds a new dict each time.
                if call.kw:
                    call.func(*call.args, **call.kw)
                elif call.args:
                    call.func(*call.args)
                else:
                    call.func()
            except Exception:
                _log.failure(
                    "Unhandled error while handling timed call {call!r}",
                    level=LogLevel.error,
                    call=call,
                )
        if self._justStopped:
            self._justStopped = False
            self._event("shutdown").fire(self._shutDown)

    def _runThreadCalls(self) -> None:
        self._wakePending = False
        calls = self._threadCalls
        for _ in range(len(calls)):
            f, args, kw = calls.popleft()
            try:
                f(*args, **kw)
            except Exception:
                _log.failure(
                    "Unhandled error in call from thread {call!r}", level=LogLevel.error, call=f
                )

    # -- IReactorFDSet and dispatch ----------------------------------------------------------

    def addReader(self, reader: IReadDescriptor) -> None:
        """Call ``reader.doRead()`` whenever its descriptor is readable."""
        fd = reader.fileno()
        if self._readers.get(fd) is not reader:
            self._readers[fd] = reader
            self._poller.register(fd, True, fd in self._writers)

    def addWriter(self, writer: IWriteDescriptor) -> None:
        """Call ``writer.doWrite()`` whenever its descriptor is writable."""
        fd = writer.fileno()
        if self._writers.get(fd) is not writer:
            self._writers[fd] = writer
            self._poller.register(fd, fd in self._readers, True)

    def removeReader(self, reader: IReadDescriptor) -> None:
        """Stop watching ``reader`` for reading (nothing happens if it is not watched)."""
        fd = _findFd(self._readers, reader)
        if fd is not None:
            del self._readers[fd]
            self._update(fd)

    def removeWriter(self, writer: IWriteDescriptor) -> None:
        """Stop watching ``writer`` for writing (nothing happens if it is not watched)."""
        fd = _findFd(self._writers, writer)
        if fd is not None:
            del self._writers[fd]
            self._update(fd)

    def _update(self, fd: int) -> None:
        readable, writable = fd in self._readers, fd in self._writers
        if readable or writable:
            self._poller.register(fd, readable, writable)
        else:
            self._poller.unregister(fd)

    def removeAll(self) -> list[Any]:
        """Stop watching every reader and writer; return them (each once)."""
        removed: dict[int, Any] = {}
        for table in (self._readers, self._writers):
            for fd, descriptor in list(table.items()):
                if fd not in self._internal:
                    del table[fd]
                    self._update(fd)
                    removed[id(descriptor)] = descriptor
        return list(removed.values())

    def getReaders(self) -> list[Any]:
        """The descriptors watched for reading."""
        return [r for fd, r in self._readers.items() if fd not in self._internal]

    def getWriters(self) -> list[Any]:
        """The descriptors watched for writing."""
        return [w for fd, w in self._writers.items() if fd not in self._internal]

    def disconnectAll(self) -> None:
        """Remove every descriptor and tell each its connection was lost (at shutdown)."""
        for descriptor in self.removeAll():
            try:
                descriptor.connectionLost(Failure(ConnectionLost()))
            except Exception:
                _log.failure(
                    "Error in connectionLost of {descriptor!r}",
                    level=LogLevel.error,
                    descriptor=descriptor,
                )

    def doIteration(self, timeout: float | None) -> None:
        """Wait up to ``timeout`` seconds for I/O and dispatch each event to its descriptor.

        A ``doRead``/``doWrite`` that returns non-None or raises disconnects its descriptor
        with that reason. An error/hang-up event goes to ``doRead`` (which sees the EOF or
        error), or to ``doWrite`` for a descriptor only watched for writing.
        """
        readers, writers = self._readers, self._writers
        for fd, mask in self._poller.poll(timeout):
            if mask & (READ | ERROR):
                reader = readers.get(fd)
                if reader is not None:
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
                        continue
                elif not mask & ERROR:
                    continue
                else:
                    mask |= WRITE
            if mask & WRITE:
                writer = writers.get(fd)
                if writer is not None:
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

    def _disconnect(self, descriptor: Any, why: object) -> None:
        self.removeReader(descriptor)
        self.removeWriter(descriptor)
        try:
            descriptor.connectionLost(why if isinstance(why, Failure) else _asFailure(why))
        except Exception:
            _log.failure(
                "Error in connectionLost of {descriptor}",
                level=LogLevel.error,
                descriptor=describe(descriptor),
            )

    # -- IReactorThreads ---------------------------------------------------------------------

    def callFromThread(
        self, callable: Callable[_P, object], *args: _P.args, **kw: _P.kwargs
    ) -> None:
        """Run ``callable`` in the reactor thread at its next pass (thread-safe; wakes it)."""
        self._threadCalls.append((callable, args, kw))
        if not self._wakePending:
            self._wakePending = True
            self.wakeUp()

    def callInThread(self, callable: Callable[_P, object], *args: _P.args, **kw: _P.kwargs) -> None:
        """Run ``callable`` in the reactor's thread pool."""
        self.getThreadPool().callInThread(callable, *args, **kw)

    def getThreadPool(self) -> ThreadPool:
        """The reactor's thread pool: created on first use, running while the reactor runs."""
        pool = self._threadpool
        if pool is None:
            pool = self._threadpool = ThreadPool(0, self._poolSize, "torsion-reactor")
            if self.running:
                pool.start()
        return pool

    def suggestThreadPoolSize(self, size: int) -> None:
        """Let the thread pool grow to at most ``size`` threads."""
        self._poolSize = size
        if self._threadpool is not None:
            self._threadpool.adjustPoolsize(maxthreads=size)

    # -- embedding ---------------------------------------------------------------------------

    def close(self) -> None:
        """Release the waker and the poller (not in Twisted; for tests and embedding).

        Raises:
            ReactorAlreadyRunning: Called while running.
        """
        if self._inRun:
            raise ReactorAlreadyRunning("cannot close a running reactor")
        self._signals.restore()
        if self._waker is not None:
            self._waker.close()
        self._poller.close()


def _findFd(table: dict[int, Any], descriptor: object) -> int | None:
    """The fd ``descriptor`` is registered under in ``table``, or None.

    Usually its current ``fileno()``; but a closed socket reports -1, so then fall back to a
    search (only then, as Twisted: a search per call would make closing a connection cost
    time in proportion to the number of connections).
    """
    try:
        fd = descriptor.fileno()  # type: ignore[attr-defined]
    except Exception:
        fd = -1
    if table.get(fd) is descriptor:
        return int(fd)
    if fd != -1:
        return None
    for registered, candidate in table.items():
        if candidate is descriptor:
            return registered
    return None


def _asFailure(why: object) -> Failure:
    """A disconnection reason as a Failure (an exception, or anything else describing it)."""
    if isinstance(why, BaseException):
        return Failure(why)
    return Failure(ConnectionLost(why))


def describe(descriptor: Any) -> str:
    """A descriptor's log prefix, for log lines about it (its repr if it has none)."""
    try:
        return str(descriptor.logPrefix())
    except Exception:
        return repr(descriptor)
