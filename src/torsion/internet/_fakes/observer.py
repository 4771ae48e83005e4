"""`EventLoggingObserver`: a log observer that keeps every event, for a test to inspect.

Public in ``torsion.internet.testing``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Protocol, overload

from torsion.logger import ILogObserver, LogEvent

__all__ = ["EventLoggingObserver"]


class _Publisher(Protocol):
    """What `EventLoggingObserver.createWithCleanup` observes: a `torsion.logger.LogPublisher`."""

    def addObserver(self, observer: ILogObserver) -> None: ...

    def removeObserver(self, observer: ILogObserver) -> None: ...


class _TestCase(Protocol):
    """What `EventLoggingObserver.createWithCleanup` needs of a test: ``addCleanup``."""

    def addCleanup(self, function: Callable[[], object], /) -> None: ...


class EventLoggingObserver(Sequence[LogEvent]):
    """An `ILogObserver` that stores the events it receives, as a sequence, in order.

    Unlike `torsion.logger.LimitedHistoryLogObserver`, it forgets nothing; ``len``, indexing
    and iteration give the events.
    """

    def __init__(self) -> None:
        self._events: list[LogEvent] = []

    def __call__(self, event: LogEvent) -> None:
        self._events.append(event)

    def __len__(self) -> int:
        return len(self._events)

    @overload
    def __getitem__(self, index: int) -> LogEvent: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[LogEvent]: ...

    def __getitem__(self, index: int | slice) -> LogEvent | Sequence[LogEvent]:
        return self._events[index]

    def __iter__(self) -> Iterator[LogEvent]:
        return iter(self._events)

    @classmethod
    def createWithCleanup(
        cls, testInstance: _TestCase, publisher: _Publisher
    ) -> EventLoggingObserver:
        """An observer added to ``publisher`` until ``testInstance``'s cleanups run."""
        observer = cls()
        publisher.addObserver(observer)
        testInstance.addCleanup(lambda: publisher.removeObserver(observer))
        return observer
