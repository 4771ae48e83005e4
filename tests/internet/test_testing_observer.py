"""Tests for `torsion.internet._fakes.observer` (public in `torsion.internet.testing`)."""

from __future__ import annotations

from collections.abc import Callable

from torsion.internet.testing import EventLoggingObserver
from torsion.logger import ILogObserver, Logger, LogPublisher


class _Cleanups:
    def __init__(self) -> None:
        self.cleanups: list[Callable[[], object]] = []

    def addCleanup(self, function: Callable[[], object], /) -> None:
        self.cleanups.append(function)


def test_EventLoggingObserver_keeps_every_event() -> None:
    observer = EventLoggingObserver()
    assert ILogObserver.providedBy(observer)
    events = [{"log_format": str(n)} for n in range(3)]
    for event in events:
        observer(event)
    assert len(observer) == 3 and list(observer) == events
    assert observer[0] is events[0] and observer[1:] == events[1:]


def test_EventLoggingObserver_createWithCleanup() -> None:
    publisher = LogPublisher()
    test = _Cleanups()
    observer = EventLoggingObserver.createWithCleanup(test, publisher)
    Logger(observer=publisher).info("seen {n}", n=1)
    assert [event["n"] for event in observer] == [1]
    for cleanup in test.cleanups:
        cleanup()
    Logger(observer=publisher).info("not seen")
    assert len(observer) == 1
