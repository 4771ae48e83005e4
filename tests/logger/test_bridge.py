"""One stream: events reach stdlib handlers, stdlib records reach observers, each once."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from torsion.logger import (
    LogEvent,
    Logger,
    LogLevel,
    PublishingHandler,
    STDLibLogObserver,
    globalLogPublisher,
)
from torsion.logger._bridge import StdlibForwarder, fromStdlibLevel, stdlibLoggerName
from torsion.python import log as legacyLog
from torsion.python.failure import Failure


class Records(logging.Handler):
    """A stdlib handler keeping what it gets."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def events() -> Iterator[list[LogEvent]]:
    """What a torsion observer on the global publisher sees."""
    seen: list[LogEvent] = []
    globalLogPublisher.addObserver(seen.append)
    yield seen
    globalLogPublisher.removeObserver(seen.append)


def isolatedLogger(name: str, level: int = logging.DEBUG) -> logging.Logger:
    """A stdlib logger with no handlers that does not propagate (pytest's are on the root)."""
    logger = logging.getLogger(name)
    logger.handlers.clear()
    logger.propagate = False
    logger.setLevel(level)
    return logger


@pytest.fixture
def records() -> Iterator[Records]:
    """A handler on an isolated stdlib logger, ``app``, that torsion events of ``app`` reach."""
    handler = Records()
    logger = isolatedLogger("app")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


def test_eventReachesStdlibHandlerOnce(records: Records, events: list[LogEvent]) -> None:
    Logger(namespace="app.part").info("hello {who}", who="world", request_id=7)
    [record] = records.records
    assert (record.name, record.levelno, record.getMessage()) == ("app.part", 20, "hello world")
    assert record.request_id == 7  # type: ignore[attr-defined]  # fields for %(...)s formats
    assert record.filename == "test_bridge.py"  # the caller, not the logging machinery
    assert len(events) == 1 and events[0]["log_namespace"] == "app.part"


def test_failureTravelsAsExcInfo(records: Records) -> None:
    try:
        1 / 0  # noqa: B018
    except ZeroDivisionError:
        Logger(namespace="app").failure("it broke")
    [record] = records.records
    assert record.levelno == logging.CRITICAL
    assert record.exc_info is not None and record.exc_info[0] is ZeroDivisionError
    assert "ZeroDivisionError" in logging.Formatter().format(record)


def test_stdlibLevelFilters(records: Records) -> None:
    logging.getLogger("app").setLevel(logging.WARNING)
    log = Logger(namespace="app")
    log.info("dropped by stdlib's level")
    log.warn("kept")
    assert [r.getMessage() for r in records.records] == ["kept"]


def test_stdlibRecordReachesObserversOnce(events: list[LogEvent]) -> None:
    stdlog = logging.getLogger("torsion.bridgetest")
    stdlog.setLevel(logging.INFO)
    try:
        raise ValueError("bad")
    except ValueError:
        stdlog.error("failed %s", "here", exc_info=True, extra={"request_id": 3})
    [event] = events
    assert event["log_stdlib"] is True
    assert event["log_level"] is LogLevel.error
    assert event["log_namespace"] == "torsion.bridgetest"
    assert event["log_text"] == "failed here" and event["request_id"] == 3
    assert isinstance(event["log_failure"], Failure) and event["log_failure"].check(ValueError)


def test_brokenStdlibFormatStillLogged(events: list[LogEvent]) -> None:
    logger = isolatedLogger("broken")  # pytest's own handler would raise on the record
    logger.addHandler(PublishingHandler())
    try:
        logger.warning("%d items", "not a number")
    finally:
        logger.handlers.clear()
    [event] = events
    assert "Unable to format record" in event["log_text"]


def test_nothingLoopsWithBridgesBothWays(events: list[LogEvent]) -> None:
    """A PublishingHandler on a logger torsion also forwards to: each side gets it once."""
    handler = Records()
    logger = isolatedLogger("loopy")
    logger.addHandler(handler)
    logger.addHandler(PublishingHandler())
    try:
        Logger(namespace="loopy").warn("from torsion")
        logger.warning("from stdlib")
    finally:
        logger.handlers.clear()
    assert [r.getMessage() for r in handler.records] == ["from torsion", "from stdlib"]
    assert [e["log_format"] for e in events] == ["from torsion", "{log_text}"]


def test_explicitStdlibObserverMakesForwardingStepAside(records: Records) -> None:
    """A Twisted program adding STDLibLogObserver itself does not get every event twice."""
    explicit = STDLibLogObserver(name="app")
    globalLogPublisher.addObserver(explicit)
    try:
        Logger(namespace="app").info("once")
    finally:
        globalLogPublisher.removeObserver(explicit)
    assert [r.getMessage() for r in records.records] == ["once"]


def test_noHandlerMeansNoRecordIsBuilt() -> None:
    """The forwarder says no to events stdlib would not show, so Logger skips them."""
    isolatedLogger("quiet")
    [forwarder] = [o for o in globalLogPublisher._observers if isinstance(o, StdlibForwarder)]
    assert not forwarder._wantsEvent("quiet", LogLevel.critical)


def test_legacyMessagesGoToTheLogModulesLogger() -> None:
    handler = Records()
    logger = isolatedLogger("torsion.python.log")
    logger.addHandler(handler)
    try:
        legacyLog.msg("legacy", "words")
    finally:
        logger.removeHandler(handler)
    assert [r.getMessage() for r in handler.records] == ["legacy words"]


@given(st.integers(min_value=0, max_value=100))
def test_levelsMapToTheNearestAtOrAbove(levelno: int) -> None:
    level = fromStdlibLevel(levelno)
    numbers = {"debug": 10, "info": 20, "warn": 30, "error": 40, "critical": 50}
    assert numbers[level.name] >= min(levelno, 50)
    lower = [n for n in numbers.values() if n < numbers[level.name]]
    assert all(n < levelno for n in lower)


def test_loggerNames() -> None:
    assert stdlibLoggerName("app.x") == "app.x"
    assert stdlibLoggerName("log_legacy") == "torsion.python.log"
    assert stdlibLoggerName(None) == "torsion"


def test_threadsLogThroughBothApisAtOnce(records: Records, events: list[LogEvent]) -> None:
    stdlog = logging.getLogger("torsion.bridgetest")
    stdlog.setLevel(logging.INFO)
    log = Logger(namespace="app")
    perThread, threads = 200, 4

    def work(n: int) -> None:
        for i in range(perThread):
            log.info("t{n} {i}", n=n, i=i)
            stdlog.info("s%d %d", n, i)

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    assert len(records.records) == perThread * threads
    assert len(events) == 2 * perThread * threads
    assert len({id(e) for e in events}) == len(events)


def _run(script: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )


def test_beforeLoggingBeginsWarningsNoOneShowsGoToStderr() -> None:
    result = _run(
        "import logging\n"
        "from torsion.logger import Logger\n"
        "log = Logger(namespace='app')\n"
        "log.info('not shown')\n"
        "log.warn('shown {n}', n=1)\n"
        "logging.getLogger('torsion.x').error('stdlib %s', 2)\n"
    )
    assert result.stderr.splitlines() == ["shown 1", "stdlib 2"]
    assert result.stdout == ""


def test_withStdlibConfiguredEachLineOnce() -> None:
    result = _run(
        "import logging, sys\n"
        "logging.basicConfig(level=logging.INFO, format='%(name)s %(message)s')\n"
        "from torsion.logger import Logger\n"
        "Logger(namespace='app').warn('event {n}', n=1)\n"
        "logging.getLogger('torsion.x').info('record %s', 2)\n"
    )
    assert result.stderr.splitlines() == ["app event 1", "torsion.x record 2"]


def test_afterBeginningTheFileGetsBothAndStderrNothing() -> None:
    result = _run(
        "import logging, sys\n"
        "from torsion.logger import Logger, globalLogBeginner, textFileLogObserver\n"
        "globalLogBeginner.beginLoggingTo([textFileLogObserver(sys.stdout)])\n"
        "Logger(namespace='app').warn('event {n}', n=1)\n"
        "logging.getLogger('torsion.x').warning('record %s', 2)\n"
    )
    lines = [line.partition(" ")[2] for line in result.stdout.splitlines()]
    assert lines == ["[app#warn] event 1", "[torsion.x#warn] record 2"]
    assert result.stderr == ""
