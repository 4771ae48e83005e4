"""Tests for `torsion.logger._logger.Logger`."""

from __future__ import annotations

from typing import Any

import pytest

from torsion.logger import (
    InvalidLogLevelError,
    LogEvent,
    Logger,
    LogLevel,
    _loggerFor,
    formatEvent,
    globalLogPublisher,
)
from torsion.python.failure import Failure, NoCurrentExceptionError


class Observed:
    """An observer that keeps what it gets and answers ``_wantsEvent`` as told."""

    def __init__(self, wants: bool = True) -> None:
        self.events: list[LogEvent] = []
        self.asked: list[tuple[str, LogLevel]] = []
        self.wants = wants

    def __call__(self, event: LogEvent) -> None:
        self.events.append(event)

    def _wantsEvent(self, namespace: str, level: LogLevel) -> bool:
        self.asked.append((namespace, level))
        return self.wants


class Thing:
    log = Logger()


def test_namespaceDefaultsToTheCallingModule() -> None:
    assert Logger().namespace == __name__


def test_namespaceUnknownWithoutAModule() -> None:
    made: list[Logger] = []
    exec("made.append(Logger())", {"Logger": Logger, "made": made})
    assert made[0].namespace == "<unknown>"


def test_defaultObserverIsTheGlobalPublisher() -> None:
    assert Logger().observer is globalLogPublisher


def test_repr() -> None:
    assert repr(Logger("a.b")) == "<Logger 'a.b'>"


def test_descriptorNamespaceAndSource() -> None:
    thing = Thing()
    assert Thing.log.namespace == f"{__name__}.Thing"
    assert Thing.log.source is Thing
    assert thing.log.source is thing
    assert thing.log.namespace == f"{__name__}.Thing"
    assert Logger().source is None


def test_descriptorKeepsObserverAndClass() -> None:
    observed = Observed()

    class Special(Logger):
        pass

    class Holder:
        log = Special(observer=observed)

    assert type(Holder().log) is Special
    Holder().log.info("hi")
    assert [e["log_format"] for e in observed.events] == ["hi"]


def test_loggerFor() -> None:
    thing = Thing()
    log = _loggerFor(thing)
    assert log.namespace == f"{__name__}.Thing"
    assert log.source is thing


@pytest.mark.parametrize("level", list(LogLevel.iterconstants()))
def test_levelMethodsEmitEvents(level: LogLevel) -> None:
    observed = Observed()
    log = Logger("ns", observer=observed)
    getattr(log, level.name)("a {x} message", x=level.name)
    [event] = observed.events
    assert event["log_level"] is level
    assert event["log_format"] == "a {x} message"
    assert event["log_namespace"] == "ns"
    assert event["log_logger"] is log
    assert event["log_source"] is None
    assert isinstance(event["log_time"], float)
    assert formatEvent(event) == f"a {level.name} message"


def test_systemKeysWinOverArguments() -> None:
    observed = Observed()
    log = Logger("ns", observer=observed)
    log.warn("*", log_format="#", log_level=LogLevel.error, log_namespace="x", log_source="y")
    [event] = observed.events
    assert (event["log_format"], event["log_level"]) == ("*", LogLevel.warn)
    assert (event["log_namespace"], event["log_source"]) == ("ns", None)


@pytest.mark.parametrize("bogus", ["*bogus*", None, 3, [1]])
def test_invalidLevelIsLoggedAsAFailure(bogus: Any) -> None:
    observed = Observed()
    log = Logger("ns", observer=observed)
    log.emit(bogus, "never {shown}", shown=1)
    [event] = observed.events
    assert event["log_level"] is LogLevel.critical
    assert event["log_failure"].check(InvalidLogLevelError)
    assert event["invalidLevel"] == bogus
    assert "Got invalid log level" in formatEvent(event)


def test_traceRecordsTheLogger() -> None:
    observed = Observed()
    log = Logger(observer=observed)
    log.info("x", log_trace=[])
    assert observed.events[0]["log_trace"] == [(log, observed)]


def test_failureCapturesTheCurrentException() -> None:
    observed = Observed()
    log = Logger(observer=observed)
    try:
        raise RuntimeError("baloney")
    except RuntimeError:
        log.failure("Whoops {n}", n=1)
    [event] = observed.events
    assert event["log_level"] is LogLevel.critical
    assert event["log_failure"].check(RuntimeError)
    assert formatEvent(event) == "Whoops 1"


def test_failureGivenAndLevel() -> None:
    observed = Observed()
    failure = Failure(ValueError("v"))
    Logger(observer=observed).failure("f", failure, LogLevel.warn)
    assert observed.events[0]["log_failure"] is failure
    assert observed.events[0]["log_level"] is LogLevel.warn


def test_failureOutsideAnExceptBlock() -> None:
    with pytest.raises(NoCurrentExceptionError):
        Logger(observer=Observed()).failure("nothing to capture")


def test_failuresHandled() -> None:
    observed = Observed()
    log = Logger(observer=observed)
    with log.failuresHandled("while {doing}", doing="dividing") as operation:
        assert not operation.succeeded and not operation.failed
        _ = 1 / 0
    assert (operation.succeeded, operation.failed) == (False, True)
    assert operation.failure is not None and operation.failure.check(ZeroDivisionError)
    [event] = observed.events
    assert event["log_failure"] is operation.failure
    assert formatEvent(event) == "while dividing"
    with log.failuresHandled("fine") as fine:
        pass
    assert (fine.succeeded, fine.failed, fine.failure) == (True, False, None)
    assert len(observed.events) == 1


def test_failureHandlerIsReusableAndCatchesBaseExceptions() -> None:
    observed = Observed()
    handler = Logger(observer=observed).failureHandler("hot loop", LogLevel.error)
    with handler as nothing:
        pass
    assert nothing is None and observed.events == []
    for _ in range(2):
        with handler:
            raise KeyboardInterrupt
    assert [e["log_failure"].type for e in observed.events] == [KeyboardInterrupt] * 2
    assert observed.events[0]["log_level"] is LogLevel.error


class Unrenderable:
    """A value that fails the test if anything renders it."""

    def __format__(self, spec: str) -> str:
        raise AssertionError("rendered an event nobody wanted")


@pytest.mark.parametrize("level", list(LogLevel.iterconstants()))
def test_unwantedEventsAreNotBuilt(level: LogLevel) -> None:
    observed = Observed(wants=False)
    log = Logger("quiet", observer=observed)
    getattr(log, level.name)("{v}", v=Unrenderable())
    log.emit(level, "{v}", v=Unrenderable())
    assert observed.events == []
    assert observed.asked == [("quiet", level)] * 2


def test_answersAreAskedEveryTime() -> None:
    observed = Observed(wants=False)
    log = Logger("ns", observer=observed)
    log.info("dropped")
    observed.wants = True
    log.info("kept")
    observed.wants = False
    log.info("dropped again")
    assert [e["log_format"] for e in observed.events] == ["kept"]


def test_observersWithoutTheMethodGetEverything() -> None:
    events: list[LogEvent] = []
    Logger(observer=events.append).debug("d")
    assert len(events) == 1
