"""Rendering events as text: the message (`formatEvent`), the time, the classic log line.

Formatting never raises: an event whose format is broken, whose field is missing or whose
value cannot be rendered gives a text that says so (``Unable to format event ...: <the
error>``), so the message is not lost silently and the log keeps working.

The common case is fast: a format without the ``()`` call syntax is rendered by
``str.format_map`` over the event, which is what Twisted's slower formatter computes too.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Mapping
from typing import Any, cast

from torsion.logger._flatten import aFormatter, flatFormat, formatText
from torsion.logger._interfaces import LogEvent

__all__ = [
    "eventAsText",
    "formatEvent",
    "formatEventAsClassicLogText",
    "formatTime",
    "formatUnformattableEvent",
    "formatWithCall",
    "timeFormatRFC3339",
]

timeFormatRFC3339 = "%Y-%m-%dT%H:%M:%S%z"


def formatEvent(event: LogEvent) -> str:
    """The event's message: its ``log_format`` over its fields ("" if it has no format)."""
    try:
        if "log_flattened" in event:
            return flatFormat(event)
        format = event.get("log_format")
        if format is None:
            return ""
        format = formatText(format)
        if "()" in format:
            return formatWithCall(format, event)
        return format.format_map(event)
    except Exception as e:
        return formatUnformattableEvent(event, e)


def formatWithCall(formatString: str, mapping: Mapping[str, Any]) -> str:
    """``formatString.format_map(mapping)``, where a field ending in ``()`` is called.

    ``formatWithCall("{a}, {f()}", {"a": 1, "f": lambda: 2})`` is ``"1, 2"``; so is a method
    of a field: ``"{request.getHost()}"``.
    """
    return aFormatter.vformat(formatString, (), mapping)


def formatUnformattableEvent(event: LogEvent, error: BaseException) -> str:
    """A text saying that ``event`` could not be formatted, and why.

    If even the event's repr fails, the text lists what can be recovered of each key and value.
    """
    try:
        return f"Unable to format event {event!r}: {error}"
    except Exception:
        from torsion.python.reflect import safe_repr

        recovered = ", ".join(
            f"{safe_repr(key)} = {safe_repr(value)}" for key, value in event.items()
        )
        return (
            f"MESSAGE LOST: unformattable object logged: {safe_repr(error)}\n"
            f"Recoverable data: {recovered}\n"
            f"Exception during formatting:\n{traceback.format_exc()}"
        )


# What formatTime last formatted without microseconds: (second, format, zone), and the text.
_lastFormatted: tuple[tuple[int, str, int, int] | None, str] = (None, "")


def formatTime(
    when: float | None, timeFormat: str | None = timeFormatRFC3339, default: str = "-"
) -> str:
    """``when`` (seconds since the epoch) as local time in ``timeFormat`` (strftime).

    The default format is RFC 3339's (``2026-12-04T02:39:52+0000``), with the local offset
    at that moment. ``default`` is returned when ``when`` or ``timeFormat`` is None, or
    ``when`` is not a time that can be shown.
    """
    if when is None or timeFormat is None:
        return default
    try:
        if "%f" not in timeFormat:  # time.strftime cannot show microseconds
            global _lastFormatted
            key = (int(when), timeFormat, time.timezone, time.altzone)
            last = _lastFormatted
            if last[0] == key:
                return last[1]  # the same second, format and zone as the last time
            text = time.strftime(timeFormat, time.localtime(when))
            _lastFormatted = (key, text)
            return text
        from datetime import datetime, timedelta, timezone

        offset = timedelta(seconds=time.localtime(when).tm_gmtoff)
        return datetime.fromtimestamp(when, timezone(offset)).strftime(timeFormat)
    except (TypeError, ValueError, OverflowError, OSError):
        return default


def _formatTraceback(failure: Any) -> str:
    """``failure.getTraceback()``, or a note saying why there is none."""
    try:
        return str(failure.getTraceback())
    except Exception as e:
        return f"(UNABLE TO OBTAIN TRACEBACK FROM EVENT):{e}"


def _formatSystem(event: LogEvent) -> str:
    """The event's ``log_system``, else ``namespace#level`` (``-`` for what is missing)."""
    try:
        system = event.get("log_system")
        if system is not None:
            return str(system)
        level = event.get("log_level")
        levelName = "-" if level is None else getattr(level, "name", level)
        return f"{event.get('log_namespace', '-')}#{levelName}"
    except Exception:
        return "UNFORMATTABLE"


def eventAsText(
    event: LogEvent,
    includeTraceback: bool = True,
    includeTimestamp: bool = True,
    includeSystem: bool = True,
    formatTime: Callable[[float], str] = formatTime,
) -> str:
    """The event as ``{time} [{system}] {message}`` and its failure's traceback.

    Each part can be left out. An event with neither a message nor a failure gives "" (no
    time or system either).
    """
    text = formatEvent(event)
    if includeTraceback and "log_failure" in event:
        text = f"{text}\n{_formatTraceback(event['log_failure'])}"
    if not text:
        return text
    if includeSystem:
        text = f"[{_formatSystem(event)}] {text}"
    if includeTimestamp:
        text = f"{formatTime(cast(float, event.get('log_time')))} {text}"
    return text


def formatEventAsClassicLogText(
    event: LogEvent, formatTime: Callable[[float | None], str] = formatTime
) -> str | None:
    """The event as one line of a classic log file, or None if it has nothing to show.

    The line is ``{time} [{system}] {message}\\n``; the message's further lines (and the
    traceback's) are indented with a tab, so each event starts its own line.
    """
    text = eventAsText(event, formatTime=formatTime)
    if not text:
        return None
    return text.replace("\n", "\n\t") + "\n"
