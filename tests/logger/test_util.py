"""Tests for `torsion.logger._util.formatTrace`."""

from __future__ import annotations

from typing import Any

from torsion.logger import LogEvent, LogPublisher
from torsion.logger._util import formatTrace


class Named:
    def __init__(self, name: str) -> None:
        self.name = name
        self.events: list[LogEvent] = []

    def __call__(self, event: LogEvent) -> None:
        self.events.append(event)

    def __repr__(self) -> str:
        return f"<{self.name}>"


class NamedPublisher(LogPublisher):
    def __init__(self, name: str, *observers: Any) -> None:
        super().__init__(*observers)
        self.name = name

    def __repr__(self) -> str:
        return f"<{self.name}>"


def test_formatTrace() -> None:
    o1, o2, o3, o4, o5 = (Named(n) for n in ("o1", "o2", "o3", "o4", "o5"))
    unnamed: list[LogEvent] = []
    p2 = NamedPublisher("p2", o4)
    p1 = NamedPublisher("p1", o2, o3, p2)
    root = NamedPublisher("root", o1, p1, o5, unnamed.append)
    event: LogEvent = {"log_trace": []}
    root(event)
    assert formatTrace(event["log_trace"]) == (
        "<root> (root)\n"
        "  -> <o1> (o1)\n"
        "  -> <p1> (p1)\n"
        "    -> <o2> (o2)\n"
        "    -> <o3> (o3)\n"
        "    -> <p2> (p2)\n"
        "      -> <o4> (o4)\n"
        "  -> <o5> (o5)\n"
        f"  -> {unnamed.append}\n"
    )


def test_emptyTrace() -> None:
    assert formatTrace([]) == ""
