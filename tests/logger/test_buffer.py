"""Tests for `torsion.logger._buffer.LimitedHistoryLogObserver`."""

from __future__ import annotations

from torsion.logger import LimitedHistoryLogObserver, LogEvent


def test_replaysInOrder() -> None:
    history = LimitedHistoryLogObserver(4)
    events: list[LogEvent] = [{"n": n} for n in range(2)]
    for event in events:
        history(event)
    replayed: list[LogEvent] = []
    history.replayTo(replayed.append)
    assert replayed == events


def test_keepsOnlyTheLast() -> None:
    history = LimitedHistoryLogObserver(3)
    for n in range(10):
        history({"n": n})
    replayed: list[LogEvent] = []
    history.replayTo(replayed.append)
    assert [e["n"] for e in replayed] == [7, 8, 9]


def test_unbounded() -> None:
    history = LimitedHistoryLogObserver(None)
    for n in range(100_000):
        history({"n": n})
    replayed: list[LogEvent] = []
    history.replayTo(replayed.append)
    assert len(replayed) == 100_000


def test_replayWhileObservingDoesNotBreak() -> None:
    history = LimitedHistoryLogObserver(10)
    history({"n": 0})
    history.replayTo(history)  # an observer that feeds the buffer while it replays
    replayed: list[LogEvent] = []
    history.replayTo(replayed.append)
    assert [e["n"] for e in replayed] == [0, 0]
