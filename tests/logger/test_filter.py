"""Tests for `torsion.logger._filter`."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from torsion.logger import (
    FilteringLogObserver,
    InvalidLogLevelError,
    LogEvent,
    Logger,
    LogLevel,
    LogLevelFilterPredicate,
    LogPublisher,
    PredicateResult,
)

LEVELS = list(LogLevel.iterconstants())


def counted(*predicates: Any, negative: bool = False) -> tuple[list[int], list[int]]:
    """Events 0..3 through a filter: the counts it forwarded, and those it dropped."""
    kept: list[LogEvent] = []
    dropped: list[LogEvent] = []
    if negative:
        observer = FilteringLogObserver(kept.append, predicates, dropped.append)
    else:
        observer = FilteringLogObserver(kept.append, predicates)
    for n in range(4):
        observer({"count": n})
    return [e["count"] for e in kept], [e["count"] for e in dropped]


def twoPlus(event: LogEvent) -> PredicateResult:
    return PredicateResult.yes if event["count"] >= 2 else PredicateResult.maybe


def notTwo(event: LogEvent) -> PredicateResult:
    return PredicateResult.no if event["count"] == 2 else PredicateResult.maybe


def no(event: LogEvent) -> PredicateResult:
    return PredicateResult.no


def test_noPredicatesLetsAllThrough() -> None:
    assert counted() == ([0, 1, 2, 3], [])


def test_firstDecisiveAnswerWins() -> None:
    assert counted(notTwo) == ([0, 1, 3], [])
    assert counted(notTwo, negative=True) == ([0, 1, 3], [2])
    assert counted(twoPlus, no) == ([2, 3], [])
    assert counted(twoPlus, notTwo) == ([0, 1, 2, 3], [])


def test_invalidPredicateResult() -> None:
    with pytest.raises(TypeError):
        counted(lambda e: None)


def test_trace() -> None:
    kept: list[LogEvent] = []
    yes = FilteringLogObserver(kept.append, [lambda e: PredicateResult.yes])
    nope = FilteringLogObserver(kept.append, [no])
    publisher = LogPublisher(yes, nope)
    event: LogEvent = {"log_trace": [], "count": 0}
    publisher(event)
    assert event["log_trace"] == [(publisher, yes), (yes, kept.append), (publisher, nope)]


def test_levelPredicateNamespaces() -> None:
    predicate = LogLevelFilterPredicate()
    assert predicate.logLevelForNamespace("any.thing") is LogLevel.info
    predicate.setLogLevelForNamespace("", LogLevel.error)
    predicate.setLogLevelForNamespace("a.b", LogLevel.debug)
    predicate.setLogLevelForNamespace("a.b.c", LogLevel.warn)
    assert predicate.logLevelForNamespace("") is LogLevel.error
    assert predicate.logLevelForNamespace(None) is LogLevel.error  # type: ignore[arg-type]
    assert predicate.logLevelForNamespace("a") is LogLevel.error
    assert predicate.logLevelForNamespace("a.b") is LogLevel.debug
    assert predicate.logLevelForNamespace("a.b.x.y") is LogLevel.debug
    assert predicate.logLevelForNamespace("a.b.c.d.e") is LogLevel.warn
    assert predicate.logLevelForNamespace("a.bc") is LogLevel.error
    predicate.clearLogLevels()
    assert predicate.logLevelForNamespace("a.b.c") is LogLevel.info


@pytest.mark.parametrize("bogus", ["debug", object(), None])
def test_levelPredicateRefusesNonLevels(bogus: Any) -> None:
    with pytest.raises(InvalidLogLevelError):
        LogLevelFilterPredicate().setLogLevelForNamespace("x", bogus)


def test_levelPredicateAnswers() -> None:
    predicate = LogLevelFilterPredicate(defaultLogLevel=LogLevel.warn)
    predicate.setLogLevelForNamespace("chatty", LogLevel.debug)

    def check(namespace: Any, level: Any) -> PredicateResult:
        return predicate({"log_namespace": namespace, "log_level": level})

    assert check("x", LogLevel.info) is PredicateResult.no
    assert check("x", LogLevel.warn) is PredicateResult.maybe
    assert check("chatty.sub", LogLevel.debug) is PredicateResult.maybe
    assert check("", LogLevel.critical) is PredicateResult.no
    assert check(None, LogLevel.critical) is PredicateResult.no
    assert check("x", None) is PredicateResult.no
    assert predicate({}) is PredicateResult.no


@given(
    st.lists(
        st.tuples(st.sampled_from(["", "a", "a.b", "a.b.c", "b"]), st.sampled_from(LEVELS)),
        max_size=6,
    ),
    st.sampled_from(["", "a", "a.b", "a.b.c", "a.b.c.d", "b.a", "c"]),
    st.sampled_from(LEVELS),
)
def test_levelPredicateFastAnswerMatchesTheEvents(
    settings: list[tuple[str, LogLevel]], namespace: str, level: LogLevel
) -> None:
    """``_wantsEvent`` says what ``__call__`` answers, before and after levels change."""
    predicate = LogLevelFilterPredicate()
    event: LogEvent = {"log_namespace": namespace, "log_level": level}

    def check() -> None:
        dropped = not namespace or level < predicate.logLevelForNamespace(namespace)
        expected = PredicateResult.no if dropped else PredicateResult.maybe
        assert predicate(event) is expected
        assert predicate._wantsEvent(namespace, level) is expected

    check()
    for setting in settings:
        predicate.setLogLevelForNamespace(*setting)
        check()
    predicate.clearLogLevels()
    check()


class Fixed:
    """A predicate with a fixed answer, that says so (or not) to the fast path."""

    def __init__(self, result: PredicateResult, tells: bool = True) -> None:
        self.result = result
        if tells:
            self._wantsEvent = lambda namespace, level: result

    def __call__(self, event: LogEvent) -> PredicateResult:
        return self.result


@pytest.mark.parametrize(
    ("predicates", "wanted"),
    [
        ([], True),
        ([Fixed(PredicateResult.no)], False),
        ([Fixed(PredicateResult.maybe)], True),
        ([Fixed(PredicateResult.maybe), Fixed(PredicateResult.no)], False),
        ([Fixed(PredicateResult.yes), Fixed(PredicateResult.no)], True),
        ([Fixed(PredicateResult.no, tells=False)], True),  # cannot tell: assume wanted
    ],
)
def test_filterWantsEvent(predicates: list[Fixed], wanted: bool) -> None:
    kept: list[LogEvent] = []
    observer = FilteringLogObserver(kept.append, predicates)
    assert observer._wantsEvent("ns", LogLevel.info) is wanted


def test_filterWantsDroppedEventsForItsNegativeObserver() -> None:
    kept: list[LogEvent] = []
    dropped: list[LogEvent] = []
    observer = FilteringLogObserver(kept.append, [Fixed(PredicateResult.no)], dropped.append)
    assert observer._wantsEvent("ns", LogLevel.info) is True
    Logger("ns", observer=observer).info("x")
    assert len(dropped) == 1


def test_filterAsksTheObserverItForwardsTo() -> None:
    inner = FilteringLogObserver(lambda e: None, [Fixed(PredicateResult.no)])
    outer = FilteringLogObserver(inner, [Fixed(PredicateResult.yes)])
    assert outer._wantsEvent("ns", LogLevel.info) is False


def test_levelFilterDropsBeforeBuilding() -> None:
    kept: list[LogEvent] = []
    predicate = LogLevelFilterPredicate(defaultLogLevel=LogLevel.warn)
    log = Logger("app.db", observer=LogPublisher(FilteringLogObserver(kept.append, [predicate])))
    log.info("dropped")
    log.warn("kept")
    predicate.setLogLevelForNamespace("app", LogLevel.debug)
    log.debug("kept too")
    assert [e["log_format"] for e in kept] == ["kept", "kept too"]


def test_levelsChangedWhileThreadsLog(frequentSwitches: None) -> None:
    kept: list[LogEvent] = []
    predicate = LogLevelFilterPredicate(defaultLogLevel=LogLevel.warn)
    log = Logger("app.db", observer=FilteringLogObserver(kept.append, [predicate]))
    stop = threading.Event()

    def reconfigure() -> None:
        while not stop.is_set():
            predicate.setLogLevelForNamespace("app", LogLevel.debug)
            predicate.clearLogLevels()

    def work() -> None:
        for _ in range(2000):
            log.info("x")

    changer = threading.Thread(target=reconfigure)
    changer.start()
    workers = [threading.Thread(target=work) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    stop.set()
    changer.join()
    predicate.clearLogLevels()
    kept.clear()
    log.info("dropped")
    predicate.setLogLevelForNamespace("app.db", LogLevel.info)
    log.info("kept")
    assert [e["log_format"] for e in kept] == ["kept"]
