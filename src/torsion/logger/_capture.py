"""`capturedLogs`: collect the events published globally while a block runs (for tests)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from torsion.logger._global import globalLogPublisher
from torsion.logger._interfaces import LogEvent

__all__ = ["capturedLogs"]


@contextmanager
def capturedLogs() -> Iterator[Sequence[LogEvent]]:
    """A context manager giving the list of the events `globalLogPublisher` publishes in it."""
    events: list[LogEvent] = []
    observer = events.append
    globalLogPublisher.addObserver(observer)
    try:
        yield events
    finally:
        globalLogPublisher.removeObserver(observer)
