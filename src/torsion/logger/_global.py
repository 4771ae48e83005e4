"""The process's logging state: `globalLogPublisher` and `globalLogBeginner`.

Every `torsion.logger.Logger` made without an observer publishes to `globalLogPublisher`.
Until the application chooses where logs go (`LogBeginner.beginLoggingTo`), the beginner
keeps the last events in a buffer, to replay them to the chosen observers, and writes
warnings and errors that no stdlib handler shows to standard error at once, so a crash
during start-up is not silent.

Importing this module joins the publisher and stdlib logging (`torsion.logger._bridge`: one
handler on the ``torsion`` logger, which only passes records on) and changes nothing else:
standard output, standard error and ``warnings.showwarning`` are only taken over by
``beginLoggingTo``.
"""

from __future__ import annotations

import io
import sys
import threading
import warnings
from collections.abc import Iterable, Sequence
from typing import IO, Any

from torsion.logger._bridge import install, noStdlibDestination
from torsion.logger._buffer import LimitedHistoryLogObserver
from torsion.logger._file import FileLogObserver
from torsion.logger._filter import (
    FilteringLogObserver,
    ILogFilterPredicate,
    LogLevelFilterPredicate,
)
from torsion.logger._format import eventAsText
from torsion.logger._interfaces import ILogObserver, LogEvent
from torsion.logger._io import LoggingFile
from torsion.logger._levels import LogLevel
from torsion.logger._logger import Logger
from torsion.logger._observer import LogPublisher

__all__ = ["MORE_THAN_ONCE_WARNING", "LogBeginner", "globalLogBeginner", "globalLogPublisher"]

MORE_THAN_ONCE_WARNING = (
    "Warning: primary log target selected twice at <{fileNow}:{lineNow}> - "
    "previously selected at <{fileThen}:{lineThen}>.  Remove one of the calls "
    "to beginLoggingTo."
)


def _errorText(event: LogEvent) -> str:
    """How an event is written to standard error before logging began."""
    return eventAsText(event, includeTimestamp=False, includeSystem=False) + "\n"


class LogBeginner:
    """Holds the events logged before logging begins, and begins it once told where to.

    Args:
        publisher: The publisher whose events this manages.
        errorStream: Where critical events are written until logging begins.
        stdio: An object with ``stdout`` and ``stderr`` attributes (the `sys` module) that
            `beginLoggingTo` may redirect.
        warningsModule: An object with a ``showwarning`` attribute (the `warnings` module)
            that `beginLoggingTo` replaces, so warnings become log events.
        initialBufferSize: How many events to keep for replay (default 200).
        errorPredicates: Which events are written to ``errorStream`` until logging begins:
            Twisted writes the critical ones (the default). torsion's global beginner writes
            warnings and up that no stdlib handler receives, as stdlib logging would.
    """

    _DEFAULT_BUFFER_SIZE = 200

    def __init__(
        self,
        publisher: LogPublisher,
        errorStream: IO[Any],
        stdio: object,
        warningsModule: Any,
        initialBufferSize: int | None = None,
        *,
        errorPredicates: Sequence[ILogFilterPredicate] | None = None,
    ) -> None:
        if errorPredicates is None:
            errorPredicates = [LogLevelFilterPredicate(defaultLogLevel=LogLevel.critical)]
        if initialBufferSize is None:
            initialBufferSize = self._DEFAULT_BUFFER_SIZE
        self._initialBuffer = LimitedHistoryLogObserver(size=initialBufferSize)
        self._publisher = publisher
        self._log = Logger(observer=publisher)
        self._stdio = stdio
        self._warningsModule = warningsModule
        self._temporaryObserver: ILogObserver | None = LogPublisher(
            self._initialBuffer,
            FilteringLogObserver(FileLogObserver(errorStream, _errorText), errorPredicates),
        )
        self._previousBegin = ("", 0)
        self._lock = threading.Lock()
        publisher.addObserver(self._temporaryObserver)
        self._oldshowwarning = warningsModule.showwarning

    def beginLoggingTo(
        self,
        observers: Iterable[ILogObserver],
        discardBuffer: bool = False,
        redirectStandardIO: bool = True,
    ) -> None:
        """Send the publisher's events to ``observers`` from now on.

        The first call also replays the buffered events to them (unless ``discardBuffer``),
        stops writing critical events to the error stream and turns warnings into log events;
        a later call adds its observers and logs a warning saying where both calls are. With
        ``redirectStandardIO``, standard output and standard error become `LoggingFile`\\ s
        logging at ``info`` and ``error``.
        """
        caller = sys._getframe(1)
        here = (caller.f_code.co_filename, caller.f_lineno)
        with self._lock:
            for observer in observers:
                self._publisher.addObserver(observer)
            temporary, self._temporaryObserver = self._temporaryObserver, None
            previous, self._previousBegin = self._previousBegin, here
        if temporary is not None:
            self._publisher.removeObserver(temporary)
            if not discardBuffer:
                self._initialBuffer.replayTo(self._publisher)
            self._warningsModule.showwarning = self.showwarning
        else:
            self._log.warn(
                MORE_THAN_ONCE_WARNING,
                fileNow=here[0],
                lineNow=here[1],
                fileThen=previous[0],
                lineThen=previous[1],
            )
        if redirectStandardIO:
            for name, level in (("stdout", LogLevel.info), ("stderr", LogLevel.error)):
                old = getattr(self._stdio, name)
                setattr(
                    self._stdio,
                    name,
                    LoggingFile(
                        logger=Logger(namespace=name, observer=self._publisher),
                        level=level,
                        encoding=getattr(old, "encoding", None),
                    ),
                )

    def showwarning(
        self,
        message: str | Warning,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: IO[Any] | None = None,
        line: str | None = None,
    ) -> None:
        """``warnings.showwarning`` once logging began: a warning with no ``file`` becomes a
        ``warn`` event; one for a file goes to the original ``showwarning``."""
        if file is None:
            self._log.warn(
                "{filename}:{lineno}: {category}: {warning}",
                warning=message,
                category=f"{category.__module__}.{category.__name__}",
                filename=filename,
                lineno=lineno,
            )
        else:
            self._oldshowwarning(message, category, filename, lineno, file, line)


class _CurrentStandardError(io.TextIOBase):
    """Writes to whatever ``sys.stderr`` is at the time (it may be replaced after import)."""

    def write(self, text: str) -> int:
        stream = sys.stderr
        return 0 if stream is None else stream.write(text)

    def flush(self) -> None:
        stream = sys.stderr
        if stream is not None:
            stream.flush()


globalLogPublisher = LogPublisher()
globalLogBeginner = LogBeginner(
    globalLogPublisher,
    _CurrentStandardError(),  # type: ignore[arg-type]  # writes and flushes: all it needs
    sys,
    warnings,
    errorPredicates=[LogLevelFilterPredicate(defaultLogLevel=LogLevel.warn), noStdlibDestination],
)
install(globalLogPublisher)
