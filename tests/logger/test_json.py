"""Tests for `torsion.logger._json`: events as JSON, JSON log files, Twisted's files too."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from torsion.logger import (
    LogEvent,
    Logger,
    LogLevel,
    LogPublisher,
    eventAsJSON,
    eventFromJSON,
    eventsFromJSONLogFile,
    extractField,
    formatEvent,
    globalLogPublisher,
    jsonFileLogObserver,
)
from torsion.logger._json import log as jsonLog
from torsion.python.failure import Failure


def roundTrip(event: LogEvent) -> LogEvent:
    text = eventAsJSON(event)
    assert isinstance(text, str) and "\n" not in text
    return eventFromJSON(text)


def test_simpleValues() -> None:
    assert roundTrip({}) == {}
    assert roundTrip({1: 2, "3": "4", "\u1234": "\u4321"}) == {"1": 2, "3": "4", "\u1234": "\u4321"}  # type: ignore[dict-item]


def test_unpersistableValues() -> None:
    assert roundTrip({"1": 2, "3": object()}) == {"1": 2, "3": {"unpersistable": True}}


def test_bytesAreKeptByteForByte() -> None:
    event: LogEvent = {"hello": bytes(range(256)), b"skipped": "okay"}  # type: ignore[dict-item]
    assert roundTrip(event) == {"hello": bytes(range(256)).decode("latin-1")}


def test_selfReferenceNeverRaises() -> None:
    loop: list[Any] = [1]
    loop.append(loop)
    event: LogEvent = {"ok": 1, "loop": loop, "log_format": "{ok}"}
    assert roundTrip(event) == {
        "ok": 1,
        "loop": {"unpersistable": True},
        "log_format": "{ok}",
        "log_flattened": {"ok!s:": "1", "ok!:": 1},
    }


def test_formatsAfterLoading() -> None:
    class Reprable:
        value = 7

        def __repr__(self) -> str:
            return "reprable"

    loaded = roundTrip({"log_format": "{object} {object.value}", "object": Reprable()})
    assert formatEvent(loaded) == "reprable 7"
    assert extractField("object.value", loaded) == 7
    assert extractField("object!s", loaded) == "reprable"
    assert extractField("object", loaded) == {"unpersistable": True}  # the object is gone
    with pytest.raises(KeyError):
        extractField("object.other", loaded)


def test_brokenFormatStillSaves() -> None:
    loaded = roundTrip({"log_format": "{missing} {", "x": b"\xff"})
    assert loaded["x"] == "\xff"
    assert formatEvent(loaded).startswith("Unable to format event")


@pytest.mark.parametrize("level", list(LogLevel.iterconstants()))
def test_levelsStayLevels(level: LogLevel) -> None:
    assert roundTrip({"log_level": level})["log_level"] is level


def test_unknownLevelIsNone() -> None:
    for name, tag in [
        ("other", "02E59486-F24D-46AD-8224-3ACDF2A5732A"),
        ("levelWithName", "02e59486-f24d-46ad-8224-3acdf2a5732a"),  # a method, not a level
    ]:
        text = json.dumps({"log_level": {"name": name, "__class_uuid__": tag}})
        assert eventFromJSON(text) == {"log_level": None}


def test_unknownClassTagIsLeftAsItIs() -> None:
    assert eventFromJSON('{"x": {"__class_uuid__": "nope", "a": 1}}') == {
        "x": {"__class_uuid__": "nope", "a": 1}
    }


def raiser() -> None:
    raise ZeroDivisionError("no dividing")


def capturedFailure() -> Failure:
    try:
        raiser()
    except ZeroDivisionError:
        return Failure()
    raise AssertionError("raiser did not raise")


@pytest.mark.parametrize("cleaned", [False, True])
def test_failureRoundTrip(cleaned: bool) -> None:
    failure = capturedFailure()
    if cleaned:
        failure.cleanFailure()
    loaded = roundTrip({"log_failure": failure})["log_failure"]
    assert isinstance(loaded, Failure)
    assert loaded.type is ZeroDivisionError
    assert loaded.check(ZeroDivisionError, ArithmeticError)
    assert loaded.getErrorMessage() == "no dividing"
    tb = loaded.getTracebackObject()
    assert tb is not None
    frames = [(s.filename, s.name) for s in traceback.extract_tb(tb)]
    assert frames == [(__file__, "capturedFailure"), (__file__, "raiser")]
    text = loaded.getTraceback()
    assert 'raise ZeroDivisionError("no dividing")' in text  # the source line, from the file
    assert text.endswith("ZeroDivisionError: no dividing\n")


def test_malformedFailureIsLeftAsItIs() -> None:
    text = '{"f": {"__class_uuid__": "e76887e2-20ed-49bf-a8f8-ba25cc586f2d", "type": 3}}'
    assert eventFromJSON(text)["f"]["type"] == 3


values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text()
    | st.binary()
    | st.sampled_from([object(), LogLevel.warn, Logger("x"), b"\xff"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=10,
)


@given(
    st.dictionaries(
        st.text(max_size=5) | st.integers() | st.binary(max_size=2), values, max_size=5
    ),
    st.text(max_size=20),
)
def test_anyEventSaves(event: dict[Any, Any], format: str) -> None:
    event["log_format"] = format
    loaded = roundTrip(event)
    assert isinstance(loaded, dict)
    assert isinstance(formatEvent(loaded), str)


@pytest.fixture
def readErrors() -> Iterator[list[LogEvent]]:
    errors: list[LogEvent] = []

    def observer(event: LogEvent) -> None:
        if event.get("log_namespace") == jsonLog.namespace and "record" in event:
            errors.append(event)

    globalLogPublisher.addObserver(observer)
    yield errors
    globalLogPublisher.removeObserver(observer)


@pytest.mark.parametrize(
    ("content", "separator"),
    [
        ('\x1e{"x": 1}\n\x1e{"y": 2}\n', None),
        ('{"x": 1}\n{"y": 2}\n', None),
        ('{"x": 1}\n{"y": 2}', None),
        ('\x08{"x": 1}\n\x08{"y": 2}\n', "\x08"),
        (b'\x1e{"x": 1}\n\x1e{"y": 2}\n', None),
    ],
)
@pytest.mark.parametrize("bufferSize", [1, 3, 4096])
def test_readEvents(
    content: str | bytes, separator: str | None, bufferSize: int, readErrors: list[LogEvent]
) -> None:
    inFile: Any = io.BytesIO(content) if isinstance(content, bytes) else io.StringIO(content)
    assert list(eventsFromJSONLogFile(inFile, separator, bufferSize)) == [{"x": 1}, {"y": 2}]
    assert readErrors == []


@pytest.mark.parametrize(
    ("content", "message", "record"),
    [
        (
            b'\x1e{"x": 1\x1e{"y": 2}\n',
            "Unable to read truncated JSON record: {record!r}",
            b'{"x": 1',
        ),
        (
            b'\x1e{"x": "\xe2\xac"}\n\x1e{"y": 2}\n',
            "Unable to decode UTF-8 for JSON record: {record!r}",
            b'{"x": "\xe2\xac"}\n',
        ),
        (b'\x1e{"x": }\n\x1e{"y": 2}\n', "Unable to read JSON record: {record!r}", b'{"x": }\n'),
    ],
)
def test_badRecordsAreSkippedAndLogged(
    content: bytes, message: str, record: bytes, readErrors: list[LogEvent]
) -> None:
    assert list(eventsFromJSONLogFile(io.BytesIO(content))) == [{"y": 2}]
    assert [(e["log_format"], e["record"], e["log_level"]) for e in readErrors] == [
        (message, record, LogLevel.error)
    ]


def test_unseparatedRecordsAreOneBadRecord(readErrors: list[LogEvent]) -> None:
    assert list(eventsFromJSONLogFile(io.StringIO('\x1e{"x": 1}\n{"y": 2}\n'))) == []
    assert readErrors[0]["record"] == b'{"x": 1}\n{"y": 2}\n'


def test_multibyteCharacterSplitAcrossReads() -> None:
    inFile = io.BytesIO('\x1e{"x": "\u20ac"}\n'.encode())
    assert list(eventsFromJSONLogFile(inFile, bufferSize=8)) == [{"x": "\u20ac"}]


@given(st.binary(max_size=60), st.integers(min_value=1, max_value=16))
def test_readingAnyBytesNeverRaises(content: bytes, bufferSize: int) -> None:
    for event in eventsFromJSONLogFile(io.BytesIO(content), bufferSize=bufferSize):
        assert event is not None


@given(
    st.lists(
        st.dictionaries(st.text(max_size=4), st.integers() | st.text(max_size=4), max_size=3),
        max_size=5,
    ),
    st.integers(min_value=1, max_value=20),
)
def test_writtenFilesReadBack(events: list[LogEvent], bufferSize: int) -> None:
    out = io.StringIO()
    observer = jsonFileLogObserver(out)
    for event in events:
        observer(dict(event))
    assert list(eventsFromJSONLogFile(io.StringIO(out.getvalue()), bufferSize=bufferSize)) == events


@pytest.mark.parametrize("separator", ["\x1e", ""])
def test_observerWritesRecords(separator: str) -> None:
    out = io.StringIO()
    jsonFileLogObserver(out, separator)({"x": 1})
    assert out.getvalue() == f'{separator}{{"x": 1}}\n'


def test_failureThroughAFile() -> None:
    out = io.StringIO()
    logged: list[LogEvent] = []
    log = Logger(observer=LogPublisher(logged.append, jsonFileLogObserver(out)))
    try:
        raiser()
    except ZeroDivisionError:
        log.failure("failed as expected")
    [event] = eventsFromJSONLogFile(io.StringIO(out.getvalue()))
    tb = event["log_failure"].getTracebackObject()
    assert tb.tb_frame.f_code.co_filename == __file__
    assert formatEvent(event) == "failed as expected"


# -- files exchanged with Twisted's own logger ------------------------------------------------


def twisted(script: str, tmp: Path) -> str:
    """Run ``script`` with the real Twisted, in a fresh interpreter that never sees torsion."""
    pytest.importorskip("twisted.logger")
    path = tmp / "twisted_side.py"
    path.write_text(textwrap.dedent(script))
    result = subprocess.run(
        [sys.executable, "-I", str(path)], capture_output=True, text=True, timeout=60, cwd=tmp
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_twistedWritesTorsionReads(tmp_path: Path) -> None:
    twisted(
        """
        import sys
        assert not any("torsion" in name for name in sys.modules)
        from twisted.logger import Logger, jsonFileLogObserver

        def divide():
            return 1 / 0

        with open("twisted.log", "w") as out:
            log = Logger(namespace="from.twisted", observer=jsonFileLogObserver(out))
            log.info("hello {who} {raw!r}", who="torsion", raw=b"\\xff\\x00")
            try:
                divide()
            except ZeroDivisionError:
                log.failure("division {n}", n=2)
        """,
        tmp_path,
    )
    with open(tmp_path / "twisted.log") as inFile:
        hello, failed = eventsFromJSONLogFile(inFile)
    assert hello["log_level"] is LogLevel.info
    assert hello["log_namespace"] == "from.twisted"
    assert formatEvent(hello) == "hello torsion b'\\xff\\x00'"
    assert failed["log_level"] is LogLevel.critical
    assert formatEvent(failed) == "division 2"
    failure = failed["log_failure"]
    assert isinstance(failure, Failure) and failure.check(ZeroDivisionError)
    names = [s.name for s in traceback.extract_tb(failure.getTracebackObject())]
    assert names == ["<module>", "divide"]
    assert "return 1 / 0" in failure.getTraceback()


def test_torsionWritesTwistedReads(tmp_path: Path) -> None:
    with open(tmp_path / "torsion.log", "w") as out:
        log = Logger(namespace="from.torsion", observer=jsonFileLogObserver(out))
        log.warn("hello {who} {raw!r} {n:>4}", who="twisted", raw=b"\xff", n=7)
        try:
            raiser()
        except ZeroDivisionError:
            log.failure("division {n}", n=2)
    output = twisted(
        """
        import json
        from twisted.logger import LogLevel, eventsFromJSONLogFile, formatEvent

        with open("torsion.log") as inFile:
            events = list(eventsFromJSONLogFile(inFile))
        failure = events[1]["log_failure"]
        print(json.dumps({
            "levels": [e["log_level"].name for e in events],
            "areLevels": all(isinstance(e["log_level"], type(LogLevel.warn)) for e in events),
            "namespaces": [e["log_namespace"] for e in events],
            "messages": [formatEvent(e) for e in events],
            "isZeroDivision": bool(failure.check(ZeroDivisionError)),
            "traceback": failure.getTraceback(),
        }))
        """,
        tmp_path,
    )
    seen = json.loads(output)
    assert seen["levels"] == ["warn", "critical"] and seen["areLevels"]
    assert seen["namespaces"] == ["from.torsion", "from.torsion"]
    assert seen["messages"] == ["hello twisted b'\\xff' 7", "division 2"]
    assert seen["isZeroDivision"]
    assert f'File "{__file__}"' in seen["traceback"] and "in raiser" in seen["traceback"]
    assert seen["traceback"].rstrip().endswith("builtins.ZeroDivisionError: no dividing")
