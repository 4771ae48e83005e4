"""What a torsion command does with logging: one destination, text or JSON lines.

A library configures nothing; a command (``python -m torsion``, and the application runner)
is where logging is begun. `beginCommandLineLogging` sends all three APIs' output (`Logger`,
``python.log``, stdlib `logging` from any logger) to one stream, at one level and up:

- ``text``: Twisted's layout, ``2026-12-04T02:39:52+0000 [namespace#level] message``;
- ``json``: one JSON object per line (Twisted's event encoding, without its record separator,
  so ``jq`` and log shippers read it as is), with the formatted message as ``log_text``.
"""

from __future__ import annotations

import logging
from typing import IO, Any, Literal

from torsion.logger._bridge import PublishingHandler
from torsion.logger._file import FileLogObserver, textFileLogObserver
from torsion.logger._filter import FilteringLogObserver, LogLevelFilterPredicate
from torsion.logger._format import formatEvent
from torsion.logger._global import globalLogBeginner
from torsion.logger._interfaces import LogEvent
from torsion.logger._json import eventAsJSON
from torsion.logger._levels import LogLevel
from torsion.logger._stdlib import toStdlibLogLevelMapping

__all__ = ["LOG_FORMATS", "beginCommandLineLogging", "jsonLinesLogObserver"]

LOG_FORMATS = ("text", "json")


def _jsonLine(event: LogEvent) -> str:
    if "log_text" not in event:
        event = {**event, "log_text": formatEvent(event)}
    return eventAsJSON(event) + "\n"


def jsonLinesLogObserver(outFile: IO[Any]) -> FileLogObserver:
    """An observer writing each event as one line of JSON, its message text included."""
    return FileLogObserver(outFile, _jsonLine)


def beginCommandLineLogging(
    stream: IO[Any],
    logFormat: Literal["text", "json"] = "text",
    level: LogLevel = LogLevel.info,
) -> None:
    """Begin logging everything at ``level`` and up to ``stream``, in ``logFormat``.

    stdlib records of every logger come too: the root logger gets torsion's
    `PublishingHandler` and the matching level, and nothing that shows records itself, so
    each line is written once.
    """
    observer = jsonLinesLogObserver(stream) if logFormat == "json" else textFileLogObserver(stream)
    root = logging.root
    root.addHandler(PublishingHandler())
    root.setLevel(toStdlibLogLevelMapping[level])
    globalLogBeginner.beginLoggingTo(
        [FilteringLogObserver(observer, [LogLevelFilterPredicate(defaultLogLevel=level)])],
        redirectStandardIO=False,
    )
