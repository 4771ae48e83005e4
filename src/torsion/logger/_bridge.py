"""One stream: torsion's log events and stdlib ``logging`` records reach each other's destinations.

torsion has three logging APIs: stdlib `logging` (what users coming from asyncio expect),
`torsion.logger.Logger` and the legacy `torsion.python.log` (what Twisted programs use). The
last two publish events to `globalLogPublisher`. This module joins that publisher and stdlib
logging in both directions, so that whatever is logged through any of the three reaches every
configured destination exactly once:

- `StdlibForwarder`, an observer of the global publisher, hands each event that did not come
  from stdlib to the stdlib logger named by the event's namespace, when that logger's level
  admits it and a stdlib handler would receive it. The record carries the event as
  ``record.log_event``, and the event's own fields as attributes (``%(request_id)s``).
- `PublishingHandler`, a handler on the ``torsion`` logger (and on any other logger a user adds
  one to), publishes each record that did not come from an event, as an event marked
  ``log_stdlib``.

Neither direction hands back what came from the other, so nothing loops (Twisted's stdlib
bridge could recurse, twisted#11759). Levels map both ways; a `Failure` travels as the
record's ``exc_info`` and as the event's ``log_failure``.

Until the application begins logging (`LogBeginner.beginLoggingTo`), events of ``warn`` and up
that no stdlib handler receives are written to standard error (`noStdlibDestination`), which
is what stdlib's own last-resort handler would have done with them.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence
from types import FrameType
from typing import Any

from torsion.logger._fields import addContextFields, hasContextFields
from torsion.logger._filter import PredicateResult
from torsion.logger._interfaces import ILogObserver, LogEvent
from torsion.logger._levels import LogLevel
from torsion.logger._stdlib import (
    fromStdlibLogLevelMapping,
    recordOf,
    stdlibLevelOf,
    toStdlibLogLevelMapping,
)
from torsion.python.failure import Failure

__all__ = [
    "PublishingHandler",
    "StdlibForwarder",
    "eventFailure",
    "eventFromRecord",
    "fromStdlibLevel",
    "noStdlibDestination",
    "stdlibLoggerName",
]

#: The namespace of events logged with ``python.log.msg``, and the stdlib logger they go to.
LEGACY_NAMESPACE = "log_legacy"
LEGACY_LOGGER = "torsion.python.log"

# The attributes every LogRecord has; anything else on a record came from ``extra=``.
_RECORD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}

# Frames in these directories are logging machinery, not the caller a record should name.
_MACHINERY = (
    os.path.dirname(__file__) + os.sep,
    os.path.dirname(logging.__file__) + os.sep,
    os.path.join(os.path.dirname(os.path.dirname(__file__)), "python", "log.py"),
)


def fromStdlibLevel(levelno: int) -> LogLevel:
    """The `LogLevel` of a stdlib level number: the nearest one at or above it."""
    level = fromStdlibLogLevelMapping.get(levelno)
    if level is not None:
        return level
    for candidate, number in toStdlibLogLevelMapping.items():
        if levelno <= number:
            return candidate
    return LogLevel.critical


def stdlibLoggerName(namespace: object) -> str:
    """The stdlib logger an event of ``namespace`` goes to."""
    if not isinstance(namespace, str) or not namespace:
        return "torsion"
    return LEGACY_LOGGER if namespace == LEGACY_NAMESPACE else namespace


def hasStdlibHandler(logger: logging.Logger) -> bool:
    """Whether a record of ``logger`` reaches a handler other than torsion's own bridge."""
    current: logging.Logger | None = logger
    while current is not None:
        for handler in current.handlers:
            if not isinstance(handler, PublishingHandler):
                return True
        if not current.propagate:
            return False
        current = current.parent
    return False


def eventFailure(event: LogEvent) -> Failure | None:
    """The `Failure` an event carries: its ``log_failure``, or a legacy error's ``failure``."""
    failure = event.get("log_failure")
    if failure is None and event.get("isError"):
        failure = event.get("failure")
    return failure if isinstance(failure, Failure) else None


def _caller() -> tuple[str, int, str]:
    """File, line and function of the code that called a logging API."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_MACHINERY):
        frame = frame.f_back
    if frame is None:
        return "(unknown file)", 0, "(unknown function)"
    return frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name


def _forwardsToStdlib(observer: object) -> bool:
    """Whether ``observer`` is one of the explicit stdlib observers (`STDLibLogObserver`, a
    legacy ``PythonLoggingObserver``), which already send events to stdlib logging."""
    legacy = getattr(observer, "legacyObserver", None)
    owner = getattr(legacy, "__self__", legacy)
    return bool(getattr(observer, "_forwardsToStdlib", False)) or bool(
        getattr(owner, "_forwardsToStdlib", False)
    )


class StdlibForwarder:
    """The global publisher's observer that hands torsion's events to stdlib logging.

    It steps aside while the publisher also has an explicit stdlib observer
    (`STDLibLogObserver`, ``python.log.PythonLoggingObserver``), so that a program written
    for Twisted, which adds one, does not see every event twice in its stdlib handlers.
    """

    def __init__(self, observers: Any) -> None:
        self._loggers: dict[str, logging.Logger] = {}
        self._observersOf = observers  # returns the publisher's current observer list
        self._checked: tuple[Sequence[ILogObserver] | None, bool] = (None, False)

    def _logger(self, namespace: object) -> logging.Logger:
        name = stdlibLoggerName(namespace)
        logger = self._loggers.get(name)
        if logger is None:
            logger = self._loggers[name] = logging.getLogger(name)
        return logger

    def _explicitObserverPresent(self) -> bool:
        observers = self._observersOf()
        checked, present = self._checked
        if checked is not observers:  # publishers replace their list on every change
            present = any(_forwardsToStdlib(o) for o in observers)
            self._checked = (observers, present)
        return present

    def _wantsEvent(self, namespace: str, level: LogLevel) -> bool:
        logger = self._logger(namespace)
        return (
            logger.isEnabledFor(toStdlibLogLevelMapping[level])
            and hasStdlibHandler(logger)
            and not self._explicitObserverPresent()
        )

    def __call__(self, event: LogEvent) -> None:
        if "log_stdlib" in event:
            return  # it came from stdlib logging, whose handlers have it already
        logger = self._logger(event.get("log_namespace"))
        levelno = stdlibLevelOf(event)
        if (
            not logger.isEnabledFor(levelno)
            or not hasStdlibHandler(logger)
            or self._explicitObserverPresent()
        ):
            return
        record = recordOf(logger, levelno, event, eventFailure(event), _caller())
        created = event.get("log_time")
        if isinstance(created, float):
            record.created = created
        for key, value in event.items():
            if (
                isinstance(key, str)
                and key.isidentifier()
                and not key.startswith("log_")
                and key not in _RECORD_ATTRIBUTES
            ):
                setattr(record, key, value)
        logger.handle(record)


class PublishingHandler(logging.Handler):
    """A stdlib handler that publishes records to torsion's global publisher, as events.

    torsion puts one on the ``torsion`` logger, so torsion's observers and log files see what
    is logged there through stdlib. Add one to another logger (the root, say) to bring that
    logger's records into torsion's observers and files too.
    """

    def emit(self, record: logging.LogRecord) -> None:
        if hasattr(record, "log_event"):
            return  # it came from torsion's stream, or another handler published it already
        publisher = _target[0]
        if not _observersWant(publisher, record.name, fromStdlibLevel(record.levelno)):
            return  # no observer would keep it: do not build the event
        event = eventFromRecord(record)
        record.log_event = event
        publisher(event)


def _observersWant(publisher: Any, namespace: str, level: LogLevel) -> bool:
    """Whether an observer of ``publisher`` other than the forwarder back to stdlib (which
    ignores records from stdlib) may want an event of ``namespace`` at ``level``."""
    for observer in publisher._observers:
        if isinstance(observer, StdlibForwarder):
            continue
        wants = getattr(observer, "_wantsEvent", None)
        if wants is None or wants(namespace, level):
            return True
    return False


def eventFromRecord(record: logging.LogRecord) -> LogEvent:
    """A torsion log event saying what a stdlib record says."""
    try:
        text = record.getMessage()
    except Exception as e:  # a broken %-format: keep the record, show what went wrong
        text = f"Unable to format record {record.msg!r} with {record.args!r}: {e!r}"
    event: LogEvent = {
        "log_namespace": record.name,
        "log_level": fromStdlibLevel(record.levelno),
        "log_time": record.created,
        "log_format": "{log_text}",
        "log_text": text,
        "log_source": None,
        "log_logger": None,
        "log_stdlib": True,
    }
    attributes = vars(record)
    for key in attributes.keys() - _RECORD_ATTRIBUTES:  # what ``extra=`` added
        event.setdefault(key, attributes[key])
    excInfo = record.exc_info
    if excInfo and excInfo[1] is not None and "log_failure" not in event:
        event["log_failure"] = Failure(excInfo[1], excInfo[0], excInfo[2])
    if hasContextFields():
        addContextFields(event)
    return event


class _NoStdlibDestination:
    """A filter predicate: yes for events that no stdlib handler will show."""

    def __init__(self) -> None:
        self._loggers: dict[str, logging.Logger] = {}

    def _handled(self, namespace: object) -> bool:
        name = stdlibLoggerName(namespace)
        logger = self._loggers.get(name)
        if logger is None:
            logger = self._loggers[name] = logging.getLogger(name)
        return hasStdlibHandler(logger)

    def _wantsEvent(self, namespace: str, level: LogLevel) -> PredicateResult:
        return PredicateResult.no if self._handled(namespace) else PredicateResult.maybe

    def __call__(self, event: LogEvent) -> PredicateResult:
        if self._handled(event.get("log_namespace")):
            return PredicateResult.no
        return PredicateResult.maybe


noStdlibDestination = _NoStdlibDestination()


# The publisher PublishingHandlers publish to: the global one, once `install` ran.
_target: list[Any] = []


def install(publisher: Any) -> PublishingHandler:
    """Join ``publisher`` (the global one) and the ``torsion`` stdlib logger, both ways."""
    _target[:] = [publisher]
    publisher.addObserver(StdlibForwarder(lambda: publisher._observers))
    handler = PublishingHandler()
    logging.getLogger("torsion").addHandler(handler)
    return handler
