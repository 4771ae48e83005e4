"""Tests for `torsion.logger._file`: `FileLogObserver` and `textFileLogObserver`."""

from __future__ import annotations

import io
import re
import threading
from pathlib import Path
from typing import IO, Any, cast

import pytest

from torsion.logger import FileLogObserver, LogEvent, Logger, LogLevel, textFileLogObserver
from torsion.python.failure import Failure


class CountingFile:
    """A file that counts writes and flushes, writing each text one character at a time."""

    def __init__(self) -> None:
        self.chars: list[str] = []
        self.writes = 0
        self.flushes = 0

    def write(self, text: str) -> None:
        self.writes += 1
        for char in text:  # slow enough for threads to interleave, were it not locked
            self.chars.append(char)

    def flush(self) -> None:
        self.flushes += 1


def test_writesAndFlushesEachEvent() -> None:
    out = CountingFile()
    observer = FileLogObserver(cast(IO[Any], out), lambda e: f"<{e['n']}>")
    observer({"n": 1})
    observer({"n": 2})
    assert "".join(out.chars) == "<1><2>"
    assert (out.writes, out.flushes) == (2, 2)


@pytest.mark.parametrize("nothing", [None, ""])
def test_writesNothingForAnEmptyText(nothing: str | None) -> None:
    out = CountingFile()
    FileLogObserver(cast(IO[Any], out), lambda e: nothing)({"n": 1})
    assert (out.writes, out.flushes) == (0, 0)


def test_binaryFilesGetUTF8() -> None:
    out = io.BytesIO()
    observer = FileLogObserver(out, lambda e: "S\xe1nchez \udcff")
    assert observer._encoding == "utf-8"
    observer({})
    assert out.getvalue() == b"S\xc3\xa1nchez \\udcff"


def test_textTheFileCannotEncodeIsEscaped(tmp_path: Path) -> None:
    with open(tmp_path / "log", "w", encoding="utf-8") as out:
        FileLogObserver(out, lambda e: "lone \udcff surrogate\n")({})
    assert (tmp_path / "log").read_text() == "lone \\udcff surrogate\n"


def test_textFileLogObserverLine() -> None:
    out = io.StringIO()
    observer = textFileLogObserver(out, timeFormat="%f")
    assert observer._outFile is out
    observer({"log_format": "XYZZY", "log_time": 112345.6})
    observer({"log_format": ""})  # nothing to show: nothing written
    assert out.getvalue() == "600000 [-#-] XYZZY\n"


def test_textFileLogObserverWithoutTime() -> None:
    out = io.StringIO()
    textFileLogObserver(out, timeFormat=None)({"log_format": "x", "log_time": 1.0})
    assert out.getvalue() == "- [-#-] x\n"


def test_textFileLogObserverFailure() -> None:
    out = io.StringIO()
    observer = textFileLogObserver(out)
    try:
        _ = 1 / 0
    except ZeroDivisionError:
        observer({"log_failure": Failure()})
    observer({"log_failure": object()})
    lines = out.getvalue().split("\n")
    assert lines[1].startswith("\tTraceback (most recent call last):")
    assert "(UNABLE TO OBTAIN TRACEBACK FROM EVENT)" in out.getvalue()


LINE = re.compile(r"\A\S+ \[threads#info\] worker (\d+) event (\d+) [a-z]{20}\Z")


def test_threadsWriteWholeLines(frequentSwitches: None) -> None:
    threads, perThread = 8, 300
    out = CountingFile()
    log = Logger("threads", observer=textFileLogObserver(cast(IO[Any], out)))
    start = threading.Barrier(threads)

    def work(worker: int) -> None:
        start.wait()
        for n in range(perThread):
            log.info("worker {w} event {n} {pad}", w=worker, n=n, pad="abcdefghij" * 2)

    workers = [threading.Thread(target=work, args=(w,)) for w in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    lines = "".join(out.chars).splitlines()
    matches = [LINE.match(line) for line in lines]
    assert all(matches), [line for line, m in zip(lines, matches, strict=True) if not m][:3]
    seen = sorted((int(m.group(1)), int(m.group(2))) for m in matches if m)
    assert seen == [(w, n) for w in range(threads) for n in range(perThread)]
    assert out.flushes == threads * perThread


def test_lineLayout() -> None:
    out = io.StringIO()
    Logger("app.web", observer=textFileLogObserver(out)).emit(LogLevel.warn, "slow: {ms}", ms=3)
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} \[app\.web#warn\] slow: 3\n", out.getvalue()
    )


def test_eventWithNonStringValues() -> None:
    out = io.StringIO()
    event: LogEvent = {"log_format": "{a} {b} {c!r}", "a": b"\xff", "b": None, "c": {1: object}}
    textFileLogObserver(out)(event)
    assert out.getvalue().endswith("b'\\xff' None {1: <class 'object'>}\n")
