"""Tests for `torsion.logger._format`: messages, times and log lines, which never raise."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from torsion.logger import (
    LogEvent,
    LogLevel,
    eventAsText,
    formatEvent,
    formatEventAsClassicLogText,
    formatTime,
)
from torsion.logger._format import formatUnformattableEvent, formatWithCall
from torsion.python.failure import Failure

# 2026-12-04T02:39:52 UTC
WHEN = 1796351992.25


@pytest.fixture
def utc() -> Iterator[None]:
    """Local time is UTC during the test."""
    previous = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if previous is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = previous
    time.tzset()


class Unrepresentable:
    def __repr__(self) -> str:
        raise RuntimeError("no repr")

    __str__ = __repr__


def formatted(format: Any, **fields: Any) -> str:
    result = formatEvent({"log_format": format, **fields})
    assert type(result) is str
    return result


def test_formatsFieldsOfTheEvent() -> None:
    assert formatted("") == ""
    assert formatted(b"") == ""
    assert formatted("{x} and {y!r}", x="abc", y="abc") == "abc and 'abc'"
    assert formatted("{x:>5}|{y:.2f}", x="a", y=1.0) == "    a|1.00"
    assert formatted("{a.b[0]} {d[k]}", a=type("A", (), {"b": [1]}), d={"k": 2}) == "1 2"
    assert formatted("{c.__name__}", c=str) == "str"
    assert formatEvent({"x": 1}) == ""


def test_callSyntax() -> None:
    class World:
        def where(self) -> str:
            return "world"

    assert formatted("{not_called}, {called()}.", not_called="no", called=lambda: "yes") == (
        "no, yes."
    )
    assert formatted("hello {what.where()}", what=World()) == "hello world"
    assert formatWithCall("{r()!r}", {"r": lambda: "s"}) == "'s'"


def test_bytesFormatIsUTF8() -> None:
    assert formatted("S\xe1nchez".encode()) == "S\xe1nchez"
    assert "Unable to format event" in formatted(b"S\xe1nchez")


def test_bytesValues() -> None:
    assert formatted("S{a!s}nchez", a=b"\xe1") == "Sb'\\xe1'nchez"
    assert formatted("S{a!r}nchez", a=b"\xe1") == "Sb'\\xe1'nchez"
    assert formatted("{a}", a=b"\xff\xfe") == "b'\\xff\\xfe'"


def test_brokenFormatSaysWhy() -> None:
    text = formatted("{x", x=1)
    assert text.startswith("Unable to format event {")
    assert "expected '}' before end of string" in text


def test_missingFieldSaysWhich() -> None:
    text = formatted("hello {who}")
    assert text.startswith("Unable to format event")
    assert text.endswith(": 'who'")


def test_raisingFieldSaysWhy() -> None:
    text = formatted("{evil()}", evil=lambda: 1 / 0)
    assert "Unable to format event" in text
    assert "division by zero" in text


def test_nonStringFormat() -> None:
    event: LogEvent = {"log_format": object(), "foo": 1}
    text = formatEvent(event)
    assert "Log format must be str" in text
    assert repr(event) in text


def test_unrepresentableEventStillGivesText() -> None:
    event: LogEvent = {"log_format": "{evil()}", "evil": lambda: 1 / 0, "bad": Unrepresentable()}
    text = formatEvent(event)
    assert text.startswith("MESSAGE LOST: unformattable object logged:")
    assert "Recoverable data:" in text and "'bad' = <Unrepresentable instance" in text
    assert "Exception during formatting:" in text
    direct = formatUnformattableEvent({"ok": "fine"}, RuntimeError(Unrepresentable()))
    assert direct.startswith("MESSAGE LOST") and "'ok' = 'fine'" in direct


@given(st.text(max_size=40), st.dictionaries(st.text(max_size=5), st.integers() | st.text()))
def test_formatEventNeverRaises(format: str, fields: dict[str, Any]) -> None:
    event: LogEvent = {**fields, "log_format": format}
    text = formatEvent(event)
    assert isinstance(text, str)
    try:
        expected = format.format_map(event)
    except Exception:
        return
    if "()" not in format:
        assert text == expected


@given(st.binary(max_size=30), st.binary(max_size=10))
def test_formatEventNeverRaisesOnBytes(format: bytes, value: bytes) -> None:
    assert isinstance(formatted(format, v=value), str)
    assert isinstance(formatted("{v} {v!r}", v=value), str)


def test_formatTime(utc: None) -> None:
    assert formatTime(WHEN) == "2026-12-04T02:39:52+0000"
    assert formatTime(WHEN, timeFormat="%Y/%W") == "2026/48"
    assert formatTime(1000000.23456, timeFormat="%f") == "234560"
    assert formatTime(WHEN, timeFormat="%H:%M:%S.%f%z") == "02:39:52.250000+0000"


def test_formatTimeDefaults() -> None:
    assert formatTime(None) == "-"
    assert formatTime(None, default="!") == "!"
    assert formatTime(WHEN, timeFormat=None, default="!") == "!"
    assert formatTime(1e300) == "-"
    assert formatTime("soon") == "-"  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("EST+05EDT,M4.1.0,M10.5.0", "2026-12-03T21:39:52-0500"),
        ("CST-08", "2026-12-04T10:39:52+0800"),
    ],
)
def test_formatTimeUsesTheLocalOffsetOfThatMoment(utc: None, zone: str, expected: str) -> None:
    os.environ["TZ"] = zone
    time.tzset()
    assert formatTime(WHEN) == expected


def test_classicLogLine(utc: None) -> None:
    event: LogEvent = {
        "log_format": "hello {who}",
        "who": "world",
        "log_time": WHEN,
        "log_namespace": "my.namespace",
        "log_level": LogLevel.info,
    }
    assert formatEventAsClassicLogText(event) == (
        "2026-12-04T02:39:52+0000 [my.namespace#info] hello world\n"
    )


def test_classicLogLineParts() -> None:
    assert formatEventAsClassicLogText({"log_format": "XYZZY"}) == "- [-#-] XYZZY\n"
    assert formatEventAsClassicLogText({"log_format": "X", "log_level": LogLevel.warn}) == (
        "- [-#warn] X\n"
    )
    assert formatEventAsClassicLogText(
        {"log_format": "X", "log_system": "S", "log_namespace": "n"}
    ) == ("- [S] X\n")
    assert formatEventAsClassicLogText({"log_format": "X", "log_system": Unrepresentable()}) == (
        "- [UNFORMATTABLE] X\n"
    )
    assert formatEventAsClassicLogText({"log_format": "X", "log_level": "odd"}) == "- [-#odd] X\n"
    assert formatEventAsClassicLogText(
        {"log_format": "X", "log_time": 12345}, formatTime=lambda t: f"__{t}__"
    ) == ("__12345__ [-#-] X\n")
    assert formatEventAsClassicLogText({"id": 1}) is None
    assert formatEventAsClassicLogText({"log_format": ""}) is None


def test_classicLogLineIndentsContinuationLines() -> None:
    assert formatEventAsClassicLogText({"log_format": "a\nb\nc"}) == "- [-#-] a\n\tb\n\tc\n"


def failure() -> Failure:
    try:
        raise ValueError("This is a fake error \u20ac")
    except ValueError:
        return Failure()


def test_eventAsTextWithTraceback() -> None:
    f = failure()
    text = eventAsText({"log_format": "message", "log_failure": f}, includeTimestamp=False)
    assert text == f"[-#-] message\n{f.getTraceback()}"
    assert "\u20ac" in text
    assert eventAsText({"log_format": "", "log_failure": f}).endswith(f.getTraceback())
    assert eventAsText({"log_format": "m", "log_failure": f}, includeTraceback=False) == (
        "- [-#-] m"
    )


def test_eventAsTextWithABadFailure() -> None:
    text = eventAsText({"log_format": "", "log_failure": object()})
    assert "(UNABLE TO OBTAIN TRACEBACK FROM EVENT)" in text


def test_eventAsTextOptions(utc: None) -> None:
    event: LogEvent = {"log_format": "ABCD", "log_system": "sys", "log_time": WHEN}
    assert eventAsText(event, includeTimestamp=False) == "[sys] ABCD"
    assert eventAsText(event, includeSystem=False) == "2026-12-04T02:39:52+0000 ABCD"
    assert eventAsText(event, includeSystem=False, includeTimestamp=False) == "ABCD"
    assert eventAsText({}) == ""
