"""Tests for `torsion.logger._legacy`: bridging to and from legacy (``python.log``) events."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest

from torsion.logger import LegacyLogObserverWrapper, LogEvent, LogLevel, formatEvent
from torsion.logger._legacy import publishToNewObserver
from torsion.python.failure import Failure


def forwarded(**event: Any) -> dict[str, Any]:
    """``event`` (with the keys a Logger adds) as a wrapped legacy observer sees it."""
    event.setdefault("log_time", 1234.5)
    event.setdefault("log_level", LogLevel.info)
    seen: list[dict[str, Any]] = []
    LegacyLogObserverWrapper(seen.append)(dict(event))
    [legacy] = seen
    for key in event:
        assert key in legacy
    return legacy


def legacyText(event: dict[str, Any]) -> str:
    """What the legacy module renders: ``format % event``, else the message parts."""
    if "format" in event:
        return str(event["format"] % event)
    return " ".join(map(str, event["message"]))


def test_repr() -> None:
    class Legacy:
        def __repr__(self) -> str:
            return "<Legacy Observer>"

        def __call__(self, event: dict[str, Any]) -> None:
            pass

    assert repr(LegacyLogObserverWrapper(Legacy())) == "LegacyLogObserverWrapper(<Legacy Observer>)"


def test_legacyKeysAreAdded() -> None:
    event = forwarded(log_system="sys")
    assert (event["time"], event["system"], event["message"], event["isError"]) == (
        1234.5,
        "sys",
        (),
        0,
    )
    assert "logLevel" not in event


def test_existingLegacyKeysAreKept() -> None:
    event = forwarded(time=1.0, system="bar", log_system="foo", message=("a", "b"))
    assert (event["time"], event["system"], event["message"]) == (1.0, "bar", ("a", "b"))
    assert forwarded()["system"] == "-"


@pytest.mark.parametrize(
    ("level", "isError"),
    [(LogLevel.debug, 0), (LogLevel.warn, 0), (LogLevel.error, 1), (LogLevel.critical, 1)],
)
def test_isErrorFromTheLevel(level: LogLevel, isError: int) -> None:
    assert forwarded(log_level=level)["isError"] == isError
    assert forwarded(log_level=level, isError=7)["isError"] == 7


def test_formatRendersTheNewStyleMessage() -> None:
    assert legacyText(forwarded(log_format="Hello, {who}!", who="world")) == "Hello, world!"
    assert legacyText(forwarded(log_format="Hello, {message}!", message="world")) == (
        "Hello, world!"
    )
    assert legacyText(forwarded(log_format="Hello!", format="Howdy!")) == "Howdy!"


def test_failureKeys() -> None:
    failure = Failure(RuntimeError("nyargh!"))
    event = forwarded(log_failure=failure, log_format="oopsie...")
    assert event["failure"] is failure
    assert (event["isError"], event["why"]) == (1, "oopsie...")
    other = Failure(RuntimeError("weak salsa"))
    event = forwarded(log_failure=failure, log_format="x", failure=other, isError=0, why="w")
    assert (event["failure"], event["isError"], event["why"]) == (other, 0, "w")


def legacyEvent(*message: str, **values: Any) -> dict[str, Any]:
    return {"message": message, "time": time.time(), "isError": 0, **values}


def published(event: dict[str, Any]) -> LogEvent:
    seen: list[LogEvent] = []
    publishToNewObserver(seen.append, event, legacyText)
    [new] = seen
    return new


def test_publishAddsNewStyleKeys() -> None:
    event = published(legacyEvent("Hello,", "world!", system="sys"))
    assert event["log_time"] == event["time"]
    assert formatEvent(event) == "Hello, world!"
    assert event["log_level"] is LogLevel.info
    assert event["log_namespace"] == "log_legacy"
    assert event["log_system"] == "sys"


@pytest.mark.parametrize(
    ("values", "level"),
    [
        ({"isError": 1}, LogLevel.critical),
        ({"logLevel": logging.WARNING}, LogLevel.warn),
        ({"logLevel": "WARNING"}, LogLevel.warn),
        ({"logLevel": "Foo!!!"}, None),
        ({"logLevel": ["unhashable"]}, None),
    ],
)
def test_publishedLevel(values: dict[str, Any], level: LogLevel | None) -> None:
    assert published(legacyEvent(**values)).get("log_level") is level


def test_newStyleKeysAreKept() -> None:
    event = published(
        legacyEvent(
            log_format="{x}", x=1, log_level=LogLevel.error, log_namespace="n", log_system="s"
        )
    )
    assert (formatEvent(event), event["log_level"], event["log_namespace"]) == (
        "1",
        LogLevel.error,
        "n",
    )
    assert event["log_system"] == "s"


def test_roundTrip() -> None:
    """A new-style event through a legacy observer and back still formats the same."""
    back: list[LogEvent] = []

    def legacyObserver(event: dict[str, Any]) -> None:
        publishToNewObserver(back.append, event, legacyText)

    LegacyLogObserverWrapper(legacyObserver)(
        {"log_format": "{n} apples", "n": 3, "log_time": 1.0, "log_level": LogLevel.warn}
    )
    assert formatEvent(back[0]) == "3 apples"
    assert back[0]["log_level"] is LogLevel.warn
