"""Tests for `torsion.logger._stdlib.STDLibLogObserver`."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from torsion.logger import Logger, LogLevel, LogPublisher, STDLibLogObserver
from torsion.logger._stdlib import fromStdlibLogLevelMapping, toStdlibLogLevelMapping
from torsion.python.failure import Failure

NAME = "torsion-logger-tests"


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []
        self.setFormatter(logging.Formatter("%(levelname)s:%(name)s:%(message)s"))
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.texts.append(self.format(record))


@pytest.fixture
def records() -> Iterator[Records]:
    handler = Records()
    logger = logging.getLogger(NAME)
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(logging.NOTSET)
    logger.propagate = True


def test_defaultLoggerIsTorsions() -> None:
    assert STDLibLogObserver().logger is logging.getLogger("torsion")


def test_levels(records: Records) -> None:
    observer = STDLibLogObserver(NAME)
    observer({})
    for level in LogLevel.iterconstants():
        observer({"log_level": level})
    assert [r.levelno for r in records.records] == [20, 10, 20, 30, 40, 50]
    assert {r.name for r in records.records} == {NAME}


def test_levelMappings() -> None:
    assert toStdlibLogLevelMapping[LogLevel.warn] == logging.WARNING
    assert fromStdlibLogLevelMapping[logging.ERROR] is LogLevel.error
    assert fromStdlibLogLevelMapping["CRITICAL"] is LogLevel.critical


def test_messageIsFormattedOnDemand(records: Records) -> None:
    STDLibLogObserver(NAME)({"log_format": "Hello, {who}!", "who": "dude"})
    [record] = records.records
    assert str(record.msg) == "Hello, dude!"
    assert record.args == ()
    assert records.texts == [f"INFO:{NAME}:Hello, dude!"]


def test_callerIsWhoCalledTheObserver(records: Records) -> None:
    observer = STDLibLogObserver(NAME)
    observer({})
    line = sys._getframe().f_lineno - 1
    deeper = STDLibLogObserver(NAME, STDLibLogObserver.defaultStackDepth + 1)
    LogPublisher(deeper)({})
    publisherLine = sys._getframe().f_lineno - 1
    first, second = records.records
    assert (first.pathname, first.lineno, first.funcName) == (
        __file__,
        line,
        "test_callerIsWhoCalledTheObserver",
    )
    assert (second.pathname, second.lineno) == (__file__, publisherLine)
    assert first.exc_info is None


def failing() -> None:
    _ = 1 / 0


@pytest.mark.parametrize("cleaned", [False, True])
def test_failureIsTheRecordsException(records: Records, cleaned: bool) -> None:
    try:
        failing()
    except ZeroDivisionError:
        failure = Failure()
    if cleaned:
        failure.cleanFailure()
    STDLibLogObserver(NAME)({"log_format": "Hi mom", "log_failure": failure})
    [record] = records.records
    assert record.exc_info is not None and record.exc_info[0] is ZeroDivisionError
    [text] = records.texts
    assert "Hi mom" in text and "in failing" in text and "ZeroDivisionError" in text


def test_wantsEventFollowsTheLoggersLevel(records: Records) -> None:
    observer = STDLibLogObserver(NAME)
    log = Logger("app", observer=LogPublisher(observer))
    logging.getLogger(NAME).setLevel(logging.WARNING)
    assert not observer._wantsEvent("app", LogLevel.info)
    log.info("dropped")
    log.warn("kept")
    logging.getLogger(NAME).setLevel(logging.DEBUG)  # asked again each time
    log.debug("kept too")
    assert [str(r.msg) for r in records.records] == ["kept", "kept too"]


def test_oddLevelsAreInfo(records: Records) -> None:
    STDLibLogObserver(NAME)({"log_level": "loud"})
    STDLibLogObserver(NAME)({"log_level": ["unhashable"]})
    assert [r.levelno for r in records.records] == [logging.INFO, logging.INFO]


def test_stringifiableBytes(records: Records) -> None:
    STDLibLogObserver(NAME)({"log_format": "\u20ac"})
    message: Any = records.records[0].msg
    assert bytes(message) == "\u20ac".encode()
