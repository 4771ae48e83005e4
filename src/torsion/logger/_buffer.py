"""`LimitedHistoryLogObserver`: keeps the last events, to replay them to another observer."""

from __future__ import annotations

from collections import deque

from torsion.logger._interfaces import ILogObserver, LogEvent

__all__ = ["LimitedHistoryLogObserver"]

_DEFAULT_BUFFER_MAXIMUM = 64 * 1024


class LimitedHistoryLogObserver:
    """Remembers the last ``size`` events it observed (all of them if ``size`` is None).

    Appending to and iterating the buffer are atomic, so threads may log while it replays.
    """

    def __init__(self, size: int | None = _DEFAULT_BUFFER_MAXIMUM) -> None:
        self._buffer: deque[LogEvent] = deque(maxlen=size)

    def __call__(self, event: LogEvent) -> None:
        """Remember ``event``, forgetting the oldest one if the buffer is full."""
        self._buffer.append(event)

    def replayTo(self, otherObserver: ILogObserver) -> None:
        """Send the remembered events, oldest first, to ``otherObserver``."""
        for event in tuple(self._buffer):
            otherObserver(event)
