"""Tests for `torsion.logger._observer.LogPublisher`."""

from __future__ import annotations

import threading

import pytest

from torsion.logger import LogEvent, Logger, LogLevel, LogPublisher, formatEvent
from torsion.logger._observer import OBSERVER_DISABLED, bitbucketLogObserver


class Answering:
    """An observer whose ``_wantsEvent`` answers as told."""

    def __init__(self, wants: bool) -> None:
        self.wants = wants
        self.events: list[LogEvent] = []

    def __call__(self, event: LogEvent) -> None:
        self.events.append(event)

    def _wantsEvent(self, namespace: str, level: LogLevel) -> bool:
        return self.wants


def test_fanOutInOrder() -> None:
    seen: list[tuple[str, LogEvent]] = []
    publisher = LogPublisher(lambda e: seen.append(("a", e)), lambda e: seen.append(("b", e)))
    event: LogEvent = {"x": 1}
    publisher(event)
    assert seen == [("a", event), ("b", event)]


def test_addAndRemove() -> None:
    first: list[LogEvent] = []
    second: list[LogEvent] = []
    publisher = LogPublisher(first.append)
    publisher.addObserver(second.append)
    publisher.addObserver(second.append)  # once only
    publisher({"n": 1})
    publisher.removeObserver(first.append)
    publisher.removeObserver(first.append)  # not there any more: nothing happens
    publisher({"n": 2})
    assert [e["n"] for e in first] == [1]
    assert [e["n"] for e in second] == [1, 2]


def test_addObserverRefusesWhatCannotBeCalled() -> None:
    with pytest.raises(TypeError):
        LogPublisher().addObserver(object())  # type: ignore[arg-type]


def test_raisingObserverIsReportedOnceToTheOthers() -> None:
    error = RuntimeError("ARGH")
    calls: list[LogEvent] = []

    def broken(event: LogEvent) -> None:
        calls.append(event)
        raise error

    before: list[LogEvent] = []
    after: list[LogEvent] = []
    publisher = LogPublisher(before.append, broken, after.append)
    event: LogEvent = {"log_format": "hi"}
    publisher(event)
    assert calls == [event]  # it never sees its own error report
    assert before[0] is event and after[0] is event  # the others all ran
    [report] = [e for e in before if "log_failure" in e]
    assert [e for e in after if "log_failure" in e] == [report]
    assert report["log_failure"].value is error
    assert report["observer"] is broken
    assert report["log_format"] == OBSERVER_DISABLED
    assert formatEvent(report).startswith("Temporarily disabling observer")
    assert report["log_level"] is LogLevel.critical


def test_raisingObserverStaysForLaterEvents() -> None:
    def broken(event: LogEvent) -> None:
        raise ValueError

    events: list[LogEvent] = []
    publisher = LogPublisher(broken, events.append)
    publisher({"n": 1})
    publisher({"n": 2})
    assert [e.get("n") for e in events] == [1, None, 2, None]


def test_reportThatRaisesDoesNotPropagate() -> None:
    def broken(event: LogEvent) -> None:
        raise ValueError

    def alsoBroken(event: LogEvent) -> None:
        raise KeyError

    LogPublisher(broken, alsoBroken)({"x": 1})  # each reported to the other; nothing escapes


def test_reentrantEventDoesNotComeBackToItsObserver() -> None:
    publisher = LogPublisher()
    log = Logger("echo", observer=publisher)
    echoes: list[LogEvent] = []
    others: list[LogEvent] = []

    def echo(event: LogEvent) -> None:
        echoes.append(event)
        log.info("echo of {n}", n=event.get("n"))  # would recurse forever if delivered back

    publisher.addObserver(echo)
    publisher.addObserver(others.append)
    publisher({"n": 1})
    assert [e.get("n") for e in echoes] == [1]
    assert [formatEvent(e) for e in others] == ["echo of 1", ""]


def test_observersChangedDuringDelivery() -> None:
    publisher = LogPublisher()
    late: list[LogEvent] = []

    def adder(event: LogEvent) -> None:
        publisher.addObserver(late.append)
        publisher.removeObserver(adder)

    seen: list[LogEvent] = []
    publisher.addObserver(adder)
    publisher.addObserver(seen.append)
    publisher({"n": 1})  # delivered to the observers there were when it was published
    publisher({"n": 2})
    assert [e["n"] for e in seen] == [1, 2]
    assert [e["n"] for e in late] == [2]


def test_trace() -> None:
    first: list[LogEvent] = []
    second: list[LogEvent] = []
    publisher = LogPublisher(first.append, second.append)
    event: LogEvent = {"log_trace": []}
    publisher(event)
    assert event["log_trace"] == [(publisher, first.append), (publisher, second.append)]


def test_wantsEvent() -> None:
    no, yes = Answering(False), Answering(True)
    assert LogPublisher()._wantsEvent("ns", LogLevel.info) is False
    assert LogPublisher(no)._wantsEvent("ns", LogLevel.info) is False
    assert LogPublisher(no, yes)._wantsEvent("ns", LogLevel.info) is True
    assert LogPublisher(no, lambda e: None)._wantsEvent("ns", LogLevel.info) is True
    publisher = LogPublisher(no)
    publisher.addObserver(yes)
    assert publisher._wantsEvent("ns", LogLevel.info) is True
    publisher.removeObserver(yes)
    assert publisher._wantsEvent("ns", LogLevel.info) is False


def test_wantsEventFollowsTheObserversAnswers() -> None:
    answering = Answering(False)
    publisher = LogPublisher(LogPublisher(answering))
    log = Logger("ns", observer=publisher)
    log.info("dropped")
    answering.wants = True
    log.info("kept")
    assert [e["log_format"] for e in answering.events] == ["kept"]


def test_bitbucket() -> None:
    bitbucketLogObserver({"x": 1})
    assert LogPublisher(bitbucketLogObserver)._wantsEvent("ns", LogLevel.critical) is False


def test_threadsLoseNoEvent(frequentSwitches: None) -> None:
    threads, perThread = 8, 500
    seen: list[LogEvent] = []
    publisher = LogPublisher(seen.append)
    log = Logger("threads", observer=publisher)
    start = threading.Barrier(threads)

    def work(worker: int) -> None:
        start.wait()
        for n in range(perThread):
            log.info("{worker} {n}", worker=worker, n=n)

    workers = [threading.Thread(target=work, args=(w,)) for w in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    assert sorted((e["worker"], e["n"]) for e in seen) == [
        (w, n) for w in range(threads) for n in range(perThread)
    ]
    for worker in range(threads):  # each thread's events stay in its order
        assert [e["n"] for e in seen if e["worker"] == worker] == list(range(perThread))
