"""Timeouts and traffic logging of `torsion.protocols.policies` (see there)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import IO, Any

from torsion.internet.interfaces import IAddress, IDelayedCall, IReactorTime
from torsion.logger import Logger
from torsion.protocols._wrapping import ProtocolWrapper, WrappingFactory, cancelCall, scheduleCall
from torsion.python.failure import Failure

_log = Logger(namespace="torsion.protocols.policies")


# -- timeouts -----------------------------------------------------------------------------------


class TimeoutProtocol(ProtocolWrapper):
    """The wrapper of `TimeoutFactory`: any data, in or out, restarts the idle timer.

    Args:
        factory: The `TimeoutFactory` (its ``callLater`` schedules the timeout).
        wrappedProtocol: The protocol to wrap.
        timeoutPeriod: Idle seconds before `timeoutFunc`, or None for no timeout.
    """

    def __init__(self, factory: Any, wrappedProtocol: Any, timeoutPeriod: float | None) -> None:
        super().__init__(factory, wrappedProtocol)
        self.timeoutCall: IDelayedCall | None = None
        self.timeoutPeriod: float | None = None
        self.setTimeout(timeoutPeriod)

    def setTimeout(self, timeoutPeriod: float | None = None) -> None:
        """Cancel the current timeout and start one of ``timeoutPeriod`` (None: no timeout)."""
        self.cancelTimeout()
        self.timeoutPeriod = timeoutPeriod
        if timeoutPeriod is not None:
            self.timeoutCall = self.factory.callLater(timeoutPeriod, self.timeoutFunc)

    def cancelTimeout(self) -> None:
        """Cancel the timeout, if any."""
        self.timeoutPeriod = None
        cancelCall(self.timeoutCall)
        self.timeoutCall = None

    def resetTimeout(self) -> None:
        """Restart the idle timer (activity just happened)."""
        if self.timeoutCall is not None and self.timeoutCall.active():
            assert self.timeoutPeriod is not None
            self.timeoutCall.reset(self.timeoutPeriod)

    def write(self, data: bytes) -> None:
        """Restart the timer and write."""
        self.resetTimeout()
        ProtocolWrapper.write(self, data)

    def writeSequence(self, data: Iterable[bytes]) -> None:
        """Restart the timer and write."""
        self.resetTimeout()
        ProtocolWrapper.writeSequence(self, data)

    def dataReceived(self, data: bytes) -> None:
        """Restart the timer and deliver."""
        self.resetTimeout()
        ProtocolWrapper.dataReceived(self, data)

    def connectionLost(self, reason: Failure | None = None) -> None:
        """Cancel the timer and pass the loss on."""
        self.cancelTimeout()
        ProtocolWrapper.connectionLost(self, reason)

    def timeoutFunc(self) -> None:
        """The connection was idle too long: close it. Override for something else."""
        self.timeoutCall = None
        self.loseConnection()


class TimeoutFactory(WrappingFactory):
    """Closes connections idle for ``timeoutPeriod`` seconds.

    Args:
        wrappedFactory: The factory whose protocols get the timeout.
        timeoutPeriod: Idle seconds allowed (30 minutes by default).
        clock: Where to schedule the timeouts (torsion addition); the global reactor if None.
    """

    protocol = TimeoutProtocol

    def __init__(
        self,
        wrappedFactory: Any,
        timeoutPeriod: float = 30 * 60,
        *,
        clock: IReactorTime | None = None,
    ) -> None:
        self.timeoutPeriod = timeoutPeriod
        self.clock = clock
        super().__init__(wrappedFactory)

    def buildProtocol(self, addr: IAddress) -> Any:
        """Wrap the wrapped factory's protocol with the timeout."""
        wrapped = self.wrappedFactory.buildProtocol(addr)
        if wrapped is None:
            return None
        return self.protocol(self, wrapped, timeoutPeriod=self.timeoutPeriod)

    def callLater(self, period: float, func: Callable[[], object]) -> Any:
        """Schedule ``func`` on the clock (override in tests, as in Twisted)."""
        return scheduleCall(self.clock, period, func)


class TimeoutMixin:
    """Gives a protocol one idle timeout: `setTimeout`, then `resetTimeout` on activity.

    When the timeout passes, `timeoutConnection` runs (by default it closes the connection).
    ``callLater`` uses the global reactor; override it (``proto.callLater = clock.callLater``)
    to use another clock.

    Attributes:
        timeOut: The current period in seconds, or None when there is no timeout.
    """

    timeOut: float | None = None
    _timeoutCall: IDelayedCall | None = None

    def callLater(self, period: float, func: Callable[[], object]) -> Any:
        """Schedule ``func`` on the global reactor (override for tests)."""
        return scheduleCall(None, period, func)

    def resetTimeout(self) -> None:
        """Restart the countdown; does nothing once timed out or with no timeout set."""
        if self._timeoutCall is not None and self.timeOut is not None:
            self._timeoutCall.reset(self.timeOut)

    def setTimeout(self, period: float | None) -> float | None:
        """Change the timeout to ``period`` seconds from now (None cancels it).

        Returns:
            The previous period.
        """
        prev, self.timeOut = self.timeOut, period
        if self._timeoutCall is not None:
            if period is None:
                cancelCall(self._timeoutCall)
                self._timeoutCall = None
            else:
                self._timeoutCall.reset(period)
        elif period is not None:
            self._timeoutCall = self.callLater(period, self._timedOut)
        return prev

    def _timedOut(self) -> None:
        self._timeoutCall = None
        self.timeoutConnection()

    def timeoutConnection(self) -> None:
        """Called when the timeout passes; the default closes the connection."""
        transport: Any = getattr(self, "transport", None)
        if transport is not None:
            transport.loseConnection()


# -- debugging ----------------------------------------------------------------------------------


class SpewingProtocol(ProtocolWrapper):
    """Logs all data (``info`` events of namespace ``torsion.protocols.policies``)."""

    def dataReceived(self, data: bytes) -> None:
        """Log and deliver ``data``."""
        _log.info("Received: {data!r}", data=data)
        ProtocolWrapper.dataReceived(self, data)

    def write(self, data: bytes) -> None:
        """Log and write ``data``."""
        _log.info("Sending: {data!r}", data=data)
        ProtocolWrapper.write(self, data)


class SpewingFactory(WrappingFactory):
    """Logs the traffic of every connection (see `SpewingProtocol`)."""

    protocol = SpewingProtocol


class TrafficLoggingProtocol(ProtocolWrapper):
    """Writes each event of one connection as a line of ``logfile``, Twisted's format.

    ``*`` on connect, ``C n: data`` received, ``S n: data`` sent, ``SV n: [...]`` for a
    sequence, ``S n: *`` for loseConnection, ``C n: reason`` on loss. The file is closed when
    the connection is lost (Twisted leaves it open).

    Args:
        factory: The `TrafficLoggingFactory`.
        wrappedProtocol: The protocol to wrap.
        logfile: A text file open for writing.
        lengthLimit: Longer data is cut and marked ``<... elided>``; None for no limit.
        number: The connection's number.
    """

    def __init__(
        self,
        factory: Any,
        wrappedProtocol: Any,
        logfile: IO[str],
        lengthLimit: int | None = None,
        number: int = 0,
    ) -> None:
        super().__init__(factory, wrappedProtocol)
        self.logfile = logfile
        self.lengthLimit = lengthLimit
        self._number = number

    def _log(self, line: str) -> None:
        if not self.logfile.closed:
            self.logfile.write(line + "\n")
            self.logfile.flush()

    def _mungeData(self, data: bytes) -> bytes:
        if self.lengthLimit and len(data) > self.lengthLimit:
            data = data[: self.lengthLimit - 12] + b"<... elided>"
        return data

    def connectionMade(self) -> None:
        """Log ``*``."""
        self._log("*")

    def dataReceived(self, data: bytes) -> None:
        """Log and deliver ``data``."""
        self._log(f"C {self._number}: {self._mungeData(data)!r}")
        ProtocolWrapper.dataReceived(self, data)

    def connectionLost(self, reason: Failure | None = None) -> None:
        """Log the reason, pass it on, close the log file."""
        self._log(f"C {self._number}: {reason!r}")
        try:
            ProtocolWrapper.connectionLost(self, reason)
        finally:
            self.logfile.close()

    def write(self, data: bytes) -> None:
        """Log and write ``data``."""
        self._log(f"S {self._number}: {self._mungeData(data)!r}")
        ProtocolWrapper.write(self, data)

    def writeSequence(self, data: Iterable[bytes]) -> None:
        """Log and write the chunks."""
        chunks = list(data)
        self._log(f"SV {self._number}: {[self._mungeData(d) for d in chunks]!r}")
        ProtocolWrapper.writeSequence(self, chunks)

    def loseConnection(self) -> None:
        """Log ``*`` and close."""
        self._log(f"S {self._number}: *")
        ProtocolWrapper.loseConnection(self)


class TrafficLoggingFactory(WrappingFactory):
    """Logs each connection's traffic to its own file, ``<logfilePrefix>-<n>``.

    Args:
        wrappedFactory: The factory whose protocols are logged.
        logfilePrefix: The path prefix of the log files.
        lengthLimit: See `TrafficLoggingProtocol`.
    """

    protocol = TrafficLoggingProtocol
    _counter = 0

    def __init__(
        self, wrappedFactory: Any, logfilePrefix: str, lengthLimit: int | None = None
    ) -> None:
        self.logfilePrefix = logfilePrefix
        self.lengthLimit = lengthLimit
        super().__init__(wrappedFactory)

    def open(self, name: str) -> IO[str]:
        """Open the log file ``name`` for writing (override to log elsewhere)."""
        return open(name, "w", encoding="utf-8")

    def buildProtocol(self, addr: IAddress) -> Any:
        """Wrap the wrapped factory's protocol, logging to the next numbered file."""
        wrapped = self.wrappedFactory.buildProtocol(addr)
        if wrapped is None:
            return None
        self._counter += 1
        logfile = self.open(f"{self.logfilePrefix}-{self._counter}")
        return self.protocol(self, wrapped, logfile, self.lengthLimit, self._counter)

    def resetCounter(self) -> None:
        """Number the next connection 1 again."""
        self._counter = 0
