"""Tests for `torsion.logger._global`: `LogBeginner` and the global publisher."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from typing import IO, Any

import pytest

from torsion.logger import (
    LogBeginner,
    LogEvent,
    Logger,
    LoggingFile,
    LogLevel,
    LogPublisher,
    globalLogBeginner,
    globalLogPublisher,
    textFileLogObserver,
)
from torsion.logger._global import MORE_THAN_ONCE_WARNING
from torsion.python.failure import Failure


class FakeSys:
    def __init__(self) -> None:
        self.stdout: Any = io.TextIOWrapper(io.BytesIO(), "shift-JIS")
        self.stderr: Any = io.TextIOWrapper(io.BytesIO(), "big5")


class FakeWarnings:
    def __init__(self) -> None:
        self.shown: list[tuple[Any, ...]] = []

    def showwarning(
        self,
        message: str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: IO[Any] | None = None,
        line: str | None = None,
    ) -> None:
        self.shown.append((message, category, filename, lineno, file, line))


class Setup:
    def __init__(self, bufferSize: int | None = None) -> None:
        self.publisher = LogPublisher()
        self.errors = io.StringIO()
        self.sys = FakeSys()
        self.warnings = FakeWarnings()
        self.beginner = LogBeginner(
            self.publisher, self.errors, self.sys, self.warnings, initialBufferSize=bufferSize
        )
        self.log = Logger("app", observer=self.publisher)


@pytest.fixture
def setup() -> Setup:
    return Setup()


def test_beginLoggingToAddsObservers(setup: Setup) -> None:
    first: list[LogEvent] = []
    second: list[LogEvent] = []
    setup.beginner.beginLoggingTo([first.append, second.append])
    setup.publisher({"n": 1})
    assert first == second == [{"n": 1}]


def test_eventsBeforeBeginningAreReplayed(setup: Setup) -> None:
    setup.publisher({"n": 1})
    seen: list[LogEvent] = []
    setup.beginner.beginLoggingTo([seen.append])
    setup.publisher({"n": 2})
    assert [e["n"] for e in seen] == [1, 2]


def test_discardBuffer(setup: Setup) -> None:
    setup.publisher({"n": 1})
    seen: list[LogEvent] = []
    setup.beginner.beginLoggingTo([seen.append], discardBuffer=True)
    assert seen == []


@pytest.mark.parametrize("limit", [None, 3])
def test_bufferKeepsTheLastEvents(limit: int | None) -> None:
    setup = Setup(limit)
    size = LogBeginner._DEFAULT_BUFFER_SIZE if limit is None else limit
    for n in range(size + 1):
        setup.publisher({"n": n})
    seen: list[LogEvent] = []
    setup.beginner.beginLoggingTo([seen.append])
    assert [e["n"] for e in seen] == list(range(1, size + 1))


def test_criticalEventsGoToTheErrorStreamUntilLoggingBegins(setup: Setup) -> None:
    setup.log.info("ignore this")
    setup.log.critical("a critical {what}", what="message")
    assert setup.errors.getvalue() == "a critical message\n"
    setup.beginner.beginLoggingTo([], redirectStandardIO=False)
    setup.log.critical("another")
    assert setup.errors.getvalue() == "a critical message\n"


def test_criticalFailureHasItsTraceback(setup: Setup) -> None:
    setup.log.failure("a failure", Failure(Exception("not the behaviour you want")))
    text = setup.errors.getvalue()
    assert text.startswith("a failure\nTraceback")
    assert "not the behaviour you want" in text


def test_beginningTwiceWarnsWithBothPlaces(setup: Setup) -> None:
    first: list[LogEvent] = []
    second: list[LogEvent] = []
    out = io.StringIO()
    setup.beginner.beginLoggingTo([first.append, textFileLogObserver(out)])
    firstLine = sys._getframe().f_lineno - 1
    setup.beginner.beginLoggingTo([second.append])
    secondLine = sys._getframe().f_lineno - 1
    [warning] = [e for e in first if e.get("log_format") == MORE_THAN_ONCE_WARNING]
    assert warning["log_level"] is LogLevel.warn
    assert (warning["fileNow"], warning["lineNow"]) == (__file__, secondLine)
    assert (warning["fileThen"], warning["lineThen"]) == (__file__, firstLine)
    assert second == [warning]
    assert f"<{__file__}:{firstLine}>" in out.getvalue()


def test_redirectsStandardIOKeepingEncodings(setup: Setup) -> None:
    seen: list[LogEvent] = []
    setup.beginner.beginLoggingTo([seen.append])
    stdout, stderr = setup.sys.stdout, setup.sys.stderr
    assert isinstance(stdout, LoggingFile) and isinstance(stderr, LoggingFile)
    assert (stdout.encoding, stderr.encoding) == ("shift-JIS", "big5")
    print("Hello, world.", file=stdout)
    stderr.write(b"\xbc\xfc\n")
    assert [(e["log_namespace"], e["log_level"], e["log_io"]) for e in seen] == [
        ("stdout", LogLevel.info, "Hello, world."),
        ("stderr", LogLevel.error, "\u7469"),
    ]


def test_noRedirection(setup: Setup) -> None:
    before = (setup.sys.stdout, setup.sys.stderr)
    setup.beginner.beginLoggingTo([], redirectStandardIO=False)
    assert (setup.sys.stdout, setup.sys.stderr) == before


def test_warningsBecomeEventsOnceLoggingBegins(setup: Setup) -> None:
    setup.warnings.showwarning("early", DeprecationWarning, "f.py", 1)
    seen: list[LogEvent] = []
    setup.beginner.beginLoggingTo([seen.append], redirectStandardIO=False)
    setup.warnings.showwarning("logged", DeprecationWarning, "f.py", 2)
    toFile = io.StringIO()
    setup.warnings.showwarning("to a file", DeprecationWarning, "f.py", 3, file=toFile)
    assert setup.warnings.shown == [
        ("early", DeprecationWarning, "f.py", 1, None, None),
        ("to a file", DeprecationWarning, "f.py", 3, toFile, None),
    ]
    [event] = seen
    assert (event["warning"], event["filename"], event["lineno"]) == ("logged", "f.py", 2)
    assert event["category"] == "builtins.DeprecationWarning"
    assert event["log_level"] is LogLevel.warn


def test_globalObjects() -> None:
    assert isinstance(globalLogPublisher, LogPublisher)
    assert isinstance(globalLogBeginner, LogBeginner)
    assert Logger().observer is globalLogPublisher


def test_importingChangesNothingOutside() -> None:
    """A fresh interpreter importing the package keeps stdio, warnings, logging, reactors:
    its only mark on stdlib logging is the bridge on the ``torsion`` logger, which shows
    nothing itself."""
    script = """
import json, logging, sys, warnings
before = (sys.stdout, sys.stderr, warnings.showwarning)
import torsion.logger
after = (sys.stdout, sys.stderr, warnings.showwarning)
print(json.dumps({
    "same": before == after,
    "rootHandlers": len(logging.getLogger().handlers),
    "torsionHandlers": [type(h).__name__ for h in logging.getLogger("torsion").handlers],
    "rootLevel": logging.getLogger().level,
    "reactors": sorted(m for m in sys.modules if "reactor" in m),
}))
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=30
    )
    assert json.loads(result.stdout) == {
        "same": True,
        "rootHandlers": 0,
        "torsionHandlers": ["PublishingHandler"],
        "rootLevel": 30,
        "reactors": [],
    }
