"""Tests for `torsion.logger._interfaces.ILogObserver`."""

from __future__ import annotations

import pytest

from torsion.logger import (
    FileLogObserver,
    FilteringLogObserver,
    ILogObserver,
    LimitedHistoryLogObserver,
    LogEvent,
    LogPublisher,
)


def test_plainCallablesAreObservers() -> None:
    events: list[LogEvent] = []
    assert ILogObserver.providedBy(events.append)
    assert ILogObserver.providedBy(lambda event: None)
    assert not ILogObserver.providedBy(object())


def test_torsionsObserversProvideIt() -> None:
    assert ILogObserver.providedBy(LogPublisher())
    assert ILogObserver.providedBy(LimitedHistoryLogObserver())
    assert ILogObserver.providedBy(FilteringLogObserver(LogPublisher(), []))
    assert ILogObserver.implementedBy(FileLogObserver)


def test_zopeDeclarationsAndVerification() -> None:
    zope = pytest.importorskip("zope.interface")
    from zope.interface.verify import verifyObject

    @zope.implementer(ILogObserver)
    class Declared:
        def __call__(self, event: LogEvent) -> None:
            pass

    assert ILogObserver.providedBy(Declared())
    assert verifyObject(ILogObserver, Declared())
    assert verifyObject(ILogObserver, LogPublisher())
