"""`STDLibLogObserver`: sends events to the standard library's `logging`.

Each event becomes a `logging.LogRecord` on the chosen logger, at the matching level, with
the event's message (formatted only if a handler asks for it), its failure as ``exc_info``,
and the file and line of the code that emitted it. The observer answers ``_wantsEvent``
from the logger's current level, so events that logging would discard are not even built.
Nothing here configures `logging`: where records go is the application's choice.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from logging import getLogger
from types import TracebackType
from typing import Any

from torsion.logger._format import formatEvent
from torsion.logger._interfaces import LogEvent
from torsion.logger._levels import LogLevel

__all__ = [
    "STDLibLogObserver",
    "StringifiableFromEvent",
    "fromStdlibLogLevelMapping",
    "toStdlibLogLevelMapping",
]

#: The `logging` level of each `LogLevel`.
toStdlibLogLevelMapping: Mapping[LogLevel, int] = {
    LogLevel.debug: logging.DEBUG,
    LogLevel.info: logging.INFO,
    LogLevel.warn: logging.WARNING,
    LogLevel.error: logging.ERROR,
    LogLevel.critical: logging.CRITICAL,
}

#: The `LogLevel` of each `logging` level, by number and by name (``30``, ``"WARNING"``).
fromStdlibLogLevelMapping: Mapping[str | int, LogLevel] = {
    key: level
    for level, number in toStdlibLogLevelMapping.items()
    for key in (number, logging.getLevelName(number))
}

_ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


class StringifiableFromEvent:
    """An event's message, formatted only when ``str()`` asks (a record's ``msg``)."""

    def __init__(self, event: LogEvent) -> None:
        self.event = event

    def __str__(self) -> str:
        return formatEvent(self.event)

    def __bytes__(self) -> bytes:
        return str(self).encode("utf-8")


class STDLibLogObserver:
    """Logs each event to the `logging` logger called ``name``.

    Args:
        name: The logger's name (the ``torsion`` logger by default).
        stackDepth: Which frame is reported as the record's caller: the default,
            `defaultStackDepth`, is the code that called this observer; each publisher
            between the emitting code and the observer adds one.
    """

    defaultStackDepth = 4
    # torsion's stream already sends the global publisher's events to stdlib logging; while an
    # observer like this one is there too, that forwarding steps aside (no event twice).
    _forwardsToStdlib = True

    def __init__(self, name: str = "torsion", stackDepth: int = defaultStackDepth) -> None:
        self.logger = getLogger(name)
        self.stackDepth = stackDepth

    def _wantsEvent(self, namespace: str, level: LogLevel) -> bool:
        """Whether the logger currently takes records at ``level`` (asked every time)."""
        return self.logger.isEnabledFor(toStdlibLogLevelMapping[level])

    def __call__(self, event: LogEvent) -> None:
        """Make a record of ``event`` and hand it to the logger's handlers."""
        stdlibLevel = stdlibLevelOf(event)
        logger = self.logger
        if not logger.isEnabledFor(stdlibLevel):
            return
        logger.handle(
            recordOf(logger, stdlibLevel, event, event.get("log_failure"), self._caller())
        )

    def _caller(self) -> tuple[str, int, str]:
        """The file, line and function of the frame `stackDepth` designates."""
        try:
            frame = sys._getframe(max(self.stackDepth - 2, 0))
        except ValueError:
            return "(unknown file)", 0, "(unknown function)"
        return frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name


def stdlibLevelOf(event: LogEvent) -> int:
    """The stdlib level number of ``event``'s level (INFO for a missing or odd one)."""
    level: Any = event.get("log_level")
    try:
        return toStdlibLogLevelMapping.get(level, logging.INFO)
    except TypeError:  # an unhashable "level"
        return logging.INFO


def recordOf(
    logger: logging.Logger,
    levelno: int,
    event: LogEvent,
    failure: Any,
    caller: tuple[str, int, str],
) -> logging.LogRecord:
    """A record of ``event`` for ``logger``: its message formatted only when asked,
    ``failure`` as ``exc_info``, made at ``caller`` (file, line, function), and marked with
    the event (``log_event``) so torsion's stdlib handler does not publish it again."""
    excInfo, excText = _exceptionOf(failure)
    filename, lineno, function = caller
    record = logger.makeRecord(
        logger.name, levelno, filename, lineno, StringifiableFromEvent(event), (), excInfo, function
    )
    if excText is not None:
        record.exc_text = excText
    record.log_event = event
    return record


def _exceptionOf(failure: Any) -> tuple[_ExcInfo | None, str | None]:
    """A record's ``exc_info`` for ``failure``, and its traceback text if there is no live
    traceback any more (a cleaned failure, or one read back from JSON without frames)."""
    try:
        tb = failure.getTracebackObject()
        excInfo: _ExcInfo = (failure.type, failure.value, tb)
    except Exception:
        return None, None
    if tb is not None:
        return excInfo, None
    try:
        return excInfo, str(failure.getTraceback()).rstrip("\n")
    except Exception:
        return excInfo, None
