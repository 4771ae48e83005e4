"""Tests for `torsion.logger._io.LoggingFile`."""

from __future__ import annotations

import io
import sys
import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from torsion.logger import LogEvent, Logger, LoggingFile, LogLevel


def loggingFile(
    level: LogLevel = LogLevel.info, encoding: str | None = None
) -> tuple[LoggingFile, list[LogEvent]]:
    events: list[LogEvent] = []
    return LoggingFile(Logger("io.test", observer=events.append), level, encoding), events


def lines(events: list[LogEvent]) -> list[str]:
    return [e["log_io"] for e in events]


def test_eachCompleteLineIsAnEvent() -> None:
    f, events = loggingFile()
    f.write("Hello")
    assert events == []
    f.write(", world!\n")
    f.write("It's nice to meet you.\n\nIndeed.")
    assert lines(events) == ["Hello, world!", "It's nice to meet you.", ""]
    assert all(e["log_format"] == "{log_io}" and e["log_level"] is LogLevel.info for e in events)


@given(st.lists(st.text(alphabet="ab\n\xe9", max_size=8), max_size=10))
def test_linesDoNotDependOnHowTheyWereWritten(chunks: list[str]) -> None:
    f, events = loggingFile()
    for chunk in chunks:
        f.write(chunk)
    assert lines(events) == "".join(chunks).split("\n")[:-1]


def test_writelinesAddsNoNewlines() -> None:
    f, events = loggingFile()
    f.writelines(["Hello", ", ", "world!\n", "more"])
    assert lines(events) == ["Hello, world!"]


def test_bytesAreDecoded() -> None:
    f, events = loggingFile(encoding="utf-8")
    f.write(b"Mr. S\xc3\xa1nchez\n")
    assert lines(events) == ["Mr. S\xe1nchez"]
    shiftJIS, events = loggingFile(encoding="shift-JIS")
    shiftJIS.write(b"\x97\x9b\n")
    assert lines(events) == ["\u674e"]


def test_level() -> None:
    f, events = loggingFile(LogLevel.error)
    f.write("oops\n")
    assert events[0]["log_level"] is LogLevel.error


def test_attributes() -> None:
    f, _ = loggingFile()
    assert f.encoding == sys.getdefaultencoding()
    assert (f.mode, f.newlines, f.closed, f.isatty()) == ("w", None, False, False)
    assert f.name == "<LoggingFile io.test#info>"
    for name, value in [("closed", True), ("encoding", "x"), ("mode", "r"), ("name", "n")]:
        with pytest.raises(AttributeError):
            setattr(f, name, value)
    f.flush()


def test_unsupported() -> None:
    f, _ = loggingFile()
    for method in (
        f.read,
        f.next,
        f.readline,
        f.readlines,
        f.xreadlines,
        f.seek,
        f.tell,
        f.truncate,
    ):
        with pytest.raises(OSError):
            method()
    with pytest.raises(io.UnsupportedOperation):
        f.fileno()


def test_close() -> None:
    f, _ = loggingFile()
    f.close()
    assert f.closed
    with pytest.raises(ValueError):
        f.write("late\n")


def test_softspaceIsDeprecated() -> None:
    f, _ = loggingFile()
    with pytest.warns(DeprecationWarning, match=r"LoggingFile\.softspace was deprecated") as caught:
        assert f.softspace == 0
    assert caught[0].filename == __file__
    with pytest.warns(DeprecationWarning):
        f.softspace = 1


def test_print(monkeypatch: pytest.MonkeyPatch) -> None:
    f, events = loggingFile()
    monkeypatch.setattr(sys, "stdout", f)
    print("Hello,", end=" ")
    print("world.")
    monkeypatch.undo()
    assert lines(events) == ["Hello, world."]


def test_threadsLoseNoLine(frequentSwitches: None) -> None:
    threads, perThread = 8, 300
    f, events = loggingFile()
    start = threading.Barrier(threads)

    def work(worker: int) -> None:
        start.wait()
        for n in range(perThread):
            f.write(f"{worker}:")  # a line in two writes
            f.write(f"{n}\n")

    workers = [threading.Thread(target=work, args=(w,)) for w in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    assert len(events) == threads * perThread
