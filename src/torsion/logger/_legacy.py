"""Bridging to and from `torsion.python.log`, the legacy logging API.

`LegacyLogObserverWrapper` lets a legacy observer (``observer(eventDict)``) watch new-style
events; `publishToNewObserver` gives a legacy event to a new-style observer. Each adds the
other style's keys to the event (and keeps the ones already there), so an event can cross
the bridge both ways and still be read by both kinds of observer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from torsion.logger._format import formatEvent
from torsion.logger._interfaces import ILogObserver, LogEvent
from torsion.logger._levels import LogLevel
from torsion.logger._stdlib import StringifiableFromEvent, fromStdlibLogLevelMapping

__all__ = ["LegacyLogObserverWrapper", "publishToNewObserver"]

_ERRORS = (LogLevel.error, LogLevel.critical)


class LegacyLogObserverWrapper:
    """A new-style observer that hands each event, with the legacy keys added, to
    ``legacyObserver``.

    The legacy keys: ``message`` (a tuple), ``time``, ``system``, ``format`` (rendering the
    new-style message lazily), and ``isError`` (with ``failure`` and ``why`` when the event
    carries a failure).
    """

    def __init__(self, legacyObserver: Callable[[dict[str, Any]], None]) -> None:
        self.legacyObserver = legacyObserver

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self.legacyObserver})"

    def __call__(self, event: LogEvent) -> None:
        """Add the legacy keys to ``event`` and forward it."""
        event.setdefault("message", ())
        if "time" not in event:
            event["time"] = event["log_time"]
        if "system" not in event:
            event["system"] = event.get("log_system", "-")
        if "format" not in event and event.get("log_format") is not None:
            # The legacy format renders the new-style message, on demand, from a copy
            # taken before the legacy keys below are added.
            event["format"] = "%(log_legacy)s"
            event["log_legacy"] = StringifiableFromEvent(event.copy())
            if not isinstance(event["message"], tuple):
                # A new-style "message" field: the copy keeps it, the legacy key must be a
                # tuple of message parts.
                event["message"] = ()
        if "log_failure" in event:
            event.setdefault("failure", event["log_failure"])
            event.setdefault("isError", 1)
            if "why" not in event:
                event["why"] = formatEvent(event)
        elif "isError" not in event:
            event["isError"] = 1 if event["log_level"] in _ERRORS else 0
        self.legacyObserver(event)


def publishToNewObserver(
    observer: ILogObserver,
    eventDict: dict[str, Any],
    textFromEventDict: Callable[[dict[str, Any]], str | None],
) -> None:
    """Add the new-style keys to the legacy ``eventDict`` and give it to ``observer``.

    Args:
        observer: The new-style observer.
        eventDict: A legacy event (``message``, ``time``, ``isError``, ``system``, ...);
            one that came from the new style keeps its new-style keys.
        textFromEventDict: Renders a legacy event as text (the legacy module's function,
            passed in because that module is built on this one).
    """
    if "log_time" not in eventDict:
        eventDict["log_time"] = eventDict["time"]
    if "log_format" not in eventDict:
        text = textFromEventDict(eventDict)
        if text is not None:
            eventDict["log_text"] = text
            eventDict["log_format"] = "{log_text}"
    if "log_level" not in eventDict:
        level: LogLevel | None
        if "logLevel" in eventDict:
            try:
                level = fromStdlibLogLevelMapping[eventDict["logLevel"]]
            except (KeyError, TypeError):
                level = None
        elif "isError" in eventDict:
            level = LogLevel.critical if eventDict["isError"] else LogLevel.info
        else:
            level = LogLevel.info
        if level is not None:
            eventDict["log_level"] = level
    eventDict.setdefault("log_namespace", "log_legacy")
    if "log_system" not in eventDict and "system" in eventDict:
        eventDict["log_system"] = eventDict["system"]
    observer(eventDict)
