"""Structured logging with Twisted's API (``twisted.logger``).

Code emits events through a `Logger`::

    from torsion.logger import Logger

    log = Logger()

    def handleData(data):
        log.debug("Got data: {data!r}.", data=data)

An event is a dictionary: the keyword arguments, and the logging system's ``log_*`` keys
(level, namespace, time, format...). The message is a PEP 3101 format string over the
event's keys, rendered only if an observer wants text. A logger's namespace is its module's
name, or ``module.Class`` for a logger used as a class attribute, and observers can filter on
it (`FilteringLogObserver`, `LogLevelFilterPredicate`).

Loggers publish to `globalLogPublisher` unless given an observer; the application chooses
where events go with `globalLogBeginner` (``beginLoggingTo([textFileLogObserver(f)])``).
Until then, events are kept to be replayed and critical ones are written to standard error.
The three ways of logging are one stream: events of `Logger` and ``torsion.python.log`` reach
stdlib `logging`'s handlers (the logger named by the event's namespace), and records logged
through stdlib on the ``torsion`` logger reach torsion's observers (`PublishingHandler`),
each exactly once. Fields can come from the caller's context (`logContext`,
`bindContextVar`). Importing this package configures nothing else: no stdlib handler that
shows anything, no level, not standard output.
"""

from torsion.logger._bridge import PublishingHandler
from torsion.logger._buffer import LimitedHistoryLogObserver
from torsion.logger._capture import capturedLogs
from torsion.logger._fields import bindContextVar, logContext, unbindContextVar
from torsion.logger._file import FileLogObserver, textFileLogObserver
from torsion.logger._filter import (
    FilteringLogObserver,
    ILogFilterPredicate,
    LogLevelFilterPredicate,
    PredicateResult,
)
from torsion.logger._flatten import extractField
from torsion.logger._format import (
    eventAsText,
    formatEvent,
    formatEventAsClassicLogText,
    formatTime,
    timeFormatRFC3339,
)
from torsion.logger._global import LogBeginner, globalLogBeginner, globalLogPublisher
from torsion.logger._interfaces import ILogObserver, LogEvent
from torsion.logger._io import LoggingFile
from torsion.logger._json import (
    eventAsJSON,
    eventFromJSON,
    eventsFromJSONLogFile,
    jsonFileLogObserver,
)
from torsion.logger._legacy import LegacyLogObserverWrapper
from torsion.logger._levels import InvalidLogLevelError, LogLevel
from torsion.logger._logger import Logger, Operation, _loggerFor
from torsion.logger._observer import LogPublisher
from torsion.logger._stdlib import STDLibLogObserver

__all__ = [
    "FileLogObserver",
    "FilteringLogObserver",
    "ILogFilterPredicate",
    "ILogObserver",
    "InvalidLogLevelError",
    "LegacyLogObserverWrapper",
    "LimitedHistoryLogObserver",
    "LogBeginner",
    "LogEvent",
    "LogLevel",
    "LogLevelFilterPredicate",
    "LogPublisher",
    "Logger",
    "LoggingFile",
    "Operation",
    "PredicateResult",
    "PublishingHandler",
    "STDLibLogObserver",
    "_loggerFor",
    "bindContextVar",
    "capturedLogs",
    "eventAsJSON",
    "eventAsText",
    "eventFromJSON",
    "eventsFromJSONLogFile",
    "extractField",
    "formatEvent",
    "formatEventAsClassicLogText",
    "formatTime",
    "globalLogBeginner",
    "globalLogPublisher",
    "jsonFileLogObserver",
    "logContext",
    "textFileLogObserver",
    "timeFormatRFC3339",
    "unbindContextVar",
]
