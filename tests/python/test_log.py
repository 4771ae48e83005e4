"""Tests for `torsion.python.log`: legacy events, observers, files, stdlib logging, threads."""

from __future__ import annotations

import io
import logging
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from torsion.python import failure, log
from torsion.python.log import EventDict, LogPublisher


class BrokenStr:
    def __str__(self) -> str:
        raise ZeroDivisionError("no str")


class BrokenRepr:
    def __repr__(self) -> str:
        raise ZeroDivisionError("no repr")

    __str__ = __repr__


@pytest.fixture
def publisher() -> LogPublisher:
    return LogPublisher()


@pytest.fixture
def events(publisher: LogPublisher) -> list[EventDict]:
    caught: list[EventDict] = []
    publisher.addObserver(caught.append)
    return caught


@pytest.fixture
def globalEvents() -> Iterator[list[EventDict]]:
    caught: list[EventDict] = []
    log.addObserver(caught.append)
    yield caught
    log.removeObserver(caught.append)


# Events


def test_msg_makes_a_legacy_event(publisher: LogPublisher, events: list[EventDict]) -> None:
    publisher.msg("hello", "world", answer=42)
    [event] = events
    assert event["message"] == ("hello", "world")
    assert event["answer"] == 42
    assert event["system"] == "-"
    assert event["isError"] == 0
    assert isinstance(event["time"], float)
    assert log.textFromEventDict(event) == "hello world"


def test_global_msg_reaches_global_observers(globalEvents: list[EventDict]) -> None:
    log.msg("to everyone", system="tests")
    assert [(e["message"], e["system"]) for e in globalEvents] == [(("to everyone",), "tests")]


def test_a_removed_observer_gets_nothing(publisher: LogPublisher) -> None:
    caught: list[EventDict] = []
    publisher.addObserver(caught.append)
    assert publisher.observers == [caught.append]
    publisher.removeObserver(caught.append)
    publisher.removeObserver(caught.append)  # Unknown now: ignored.
    publisher.msg("unseen")
    assert caught == []
    assert publisher.observers == []


def test_context_fields_nest_and_keywords_win(globalEvents: list[EventDict]) -> None:
    log.callWithContext(
        {"system": "outer", "a": 1, "b": 1},
        log.callWithContext,
        {"b": 2},
        log.msg,
        "in context",
        a=3,
    )
    [event] = globalEvents
    assert (event["system"], event["a"], event["b"]) == ("outer", 3, 2)
    log.msg("outside")
    assert globalEvents[1]["system"] == "-"


def test_an_observer_that_raises_does_not_stop_the_others(publisher: LogPublisher) -> None:
    before: list[EventDict] = []
    after: list[EventDict] = []

    def broken(event: EventDict) -> None:
        raise RuntimeError("broken observer")

    for observer in (before.append, broken, after.append):
        publisher.addObserver(observer)
    publisher.msg("hi")
    assert before[0]["message"] == ("hi",) and after[0]["message"] == ("hi",)
    reports = [e for e in after if e.get("isError")]
    assert len(reports) == 1 and reports[0]["failure"].check(RuntimeError)


# Errors


@pytest.mark.parametrize(
    ("stuff", "kind"),
    [(failure.Failure(KeyError("k")), KeyError), (ValueError("v"), ValueError)],
)
def test_err_logs_failures_and_exceptions(
    globalEvents: list[EventDict], stuff: object, kind: type[BaseException]
) -> None:
    log.err(stuff, "while testing")
    [event] = globalEvents
    assert event["isError"] == 1 and event["why"] == "while testing"
    assert event["failure"].check(kind)
    text = log.textFromEventDict(event)
    assert text is not None and text.startswith("while testing\n")


def test_err_without_arguments_logs_the_current_exception(
    globalEvents: list[EventDict],
) -> None:
    try:
        raise ZeroDivisionError("current")
    except ZeroDivisionError:
        log.deferr()
    [event] = globalEvents
    assert event["failure"].check(ZeroDivisionError)
    assert (log.textFromEventDict(event) or "").startswith("Unhandled Error\n")


def test_err_of_anything_else_logs_its_repr(globalEvents: list[EventDict]) -> None:
    log.err("not an exception")
    [event] = globalEvents
    assert event["message"] == ("'not an exception'",) and event["isError"] == 1


def test_call_with_logger_logs_as_the_loggers_system(globalEvents: list[EventDict]) -> None:
    class Prefixed(log.Logger):
        def logPrefix(self) -> str:
            return "prefixed"

    def fails() -> None:
        log.msg("inside")
        raise ValueError("oops")

    assert log.callWithLogger(Prefixed(), fails) is None
    assert [e["system"] for e in globalEvents] == ["prefixed", "prefixed"]
    assert globalEvents[1]["failure"].check(ValueError)
    assert log.callWithLogger(log.Logger(), lambda: 7) == 7


def test_a_buggy_log_prefix_is_reported(globalEvents: list[EventDict]) -> None:
    class Buggy(log.Logger):
        def logPrefix(self) -> str:
            raise RuntimeError("no prefix")

    log.callWithLogger(Buggy(), log.msg, "still logged")
    assert [e["system"] for e in globalEvents] == ["(buggy logPrefix method)"] * 2
    assert globalEvents[0]["failure"].check(RuntimeError)


# Text


def test_format_is_applied_to_the_event() -> None:
    event = {"message": (), "isError": 0, "format": "%(who)s says %(what)r", "who": "a"}
    event["what"] = "hi"
    assert log.textFromEventDict(event) == "a says 'hi'"
    assert log.textFromEventDict({"message": (), "isError": 0}) is None


def test_an_untraceable_failure_is_noted() -> None:
    event = {"message": (), "isError": 1, "failure": object()}
    assert "\n(unable to obtain traceback)" in (log.textFromEventDict(event) or "")


_messageParts = st.one_of(
    st.text(),
    st.binary(),
    st.integers(),
    st.floats(allow_nan=True),
    st.none(),
    st.builds(BrokenStr),
    st.builds(BrokenRepr),
    st.lists(st.builds(BrokenRepr), max_size=2),
)


@given(parts=st.lists(_messageParts, min_size=1, max_size=5))
def test_any_message_gives_text(parts: list[object]) -> None:
    """Bytes that are not UTF-8 and objects whose str or repr raise never make logging fail."""
    text = log.textFromEventDict({"message": tuple(parts), "isError": 0})
    assert isinstance(text, str)
    for part in parts:
        if isinstance(part, str):
            assert part in text


@given(
    fmt=st.one_of(st.text(alphabet="%()sdrx -abc", max_size=12), st.integers()),
    fields=st.dictionaries(st.sampled_from("abc"), _messageParts, max_size=3),
)
def test_safe_format_always_gives_text(fmt: str, fields: dict[str, object]) -> None:
    assert isinstance(log._safeFormat(fmt, fields), str)


def test_safe_format_says_what_failed() -> None:
    assert log._safeFormat("%(a)s", {"a": 1}) == "1"
    assert "Invalid format string" in log._safeFormat("%s %s", {"a": 1})
    assert "UNFORMATTABLE OBJECT" in log._safeFormat("%(a)s", {"a": [BrokenRepr()]})
    assert "PATHOLOGICAL" in log._safeFormat(BrokenRepr(), {})  # type: ignore[arg-type]


# FileLogObserver


def test_file_observer_writes_time_system_and_text(publisher: LogPublisher) -> None:
    out = io.StringIO()
    observer = log.FileLogObserver(out)
    observer.timeFormat = "T"
    publisher.addObserver(observer.emit)
    publisher.msg("two\nlines", system="sys")
    publisher.msg(b"caf\xe9", 1.5, BrokenStr())
    publisher.msg(message=(), isError=0)  # No text: nothing written.
    lines = out.getvalue().splitlines()
    assert lines[:2] == ["T [sys] two", "\tlines"]
    assert lines[2].startswith("T [-] b'caf\\xe9' 1.5 <BrokenStr instance at")
    assert len([line for line in lines if line.startswith("T ")]) == 2


@pytest.mark.parametrize(
    ("west", "expected"),
    [
        (18000, "2001-02-02 23:05:06-0500"),
        (-3600, "2001-02-03 05:05:06+0100"),
        (5400, "2001-02-03 02:35:06-0130"),
        (-1800, "2001-02-03 04:35:06+0030"),
        (0, "2001-02-03 04:05:06+0000"),
    ],
)
def test_format_time_with_the_local_offset(
    monkeypatch: pytest.MonkeyPatch, west: int, expected: str
) -> None:
    observer = log.FileLogObserver(io.StringIO())
    monkeypatch.setattr(observer, "getTimezoneOffset", lambda when: west)
    assert observer.formatTime(981173106) == expected  # 2001-02-03 04:05:06 UTC


def test_timezone_offset_is_seconds_west() -> None:
    observer = log.FileLogObserver(io.StringIO())
    offset = observer.getTimezoneOffset(0)
    assert isinstance(offset, int) and -14 * 3600 <= offset <= 12 * 3600


def test_start_and_stop_use_the_global_publisher() -> None:
    out = io.StringIO()
    observer = log.FileLogObserver(out)
    observer.start()
    try:
        log.msg("while started")
    finally:
        observer.stop()
    log.msg("after stop")
    assert "while started" in out.getvalue() and "after stop" not in out.getvalue()


def test_default_observer_writes_only_errors() -> None:
    observer = log.DefaultObserver()
    observer.stderr = io.StringIO()
    observer.emit({"message": ("quiet",), "isError": 0})
    observer.emit({"message": ("loud", BrokenRepr()), "isError": 1})
    assert observer.stderr.getvalue().startswith("loud <BrokenRepr instance")


# Standard I/O stand-ins


def test_stdio_onna_stick_logs_complete_lines(globalEvents: list[EventDict]) -> None:
    stick = log.StdioOnnaStick(isError=1, encoding="utf-8")
    stick.write("one\ntw")
    stick.write("o\n")
    stick.writelines(["three"])
    assert [e["message"] for e in globalEvents] == [("one",), ("two",), ("three",)]
    assert all(e["isError"] == 1 and e["printed"] == 1 for e in globalEvents)
    assert stick.encoding == "utf-8"
    with pytest.raises(OSError):
        stick.read()
    with pytest.raises(io.UnsupportedOperation):
        stick.fileno()


def test_discard_logs_replaces_logfile(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(log, "logfile", log.logfile)
    log.discardLogs()
    assert isinstance(log.logfile, log.NullFile)
    log.logfile.write("gone")


def test_observers_are_log_observers() -> None:
    assert log.ILogObserver.providedBy(lambda event: None)


def _run(program: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(program)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_start_logging_turns_prints_into_log_lines() -> None:
    result = _run(
        """
        import sys
        from torsion.python import log
        log.startLogging(sys.stdout)
        print("printed")
        print("an error", file=sys.stderr)
        log.msg("logged", system="mine")
        """
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].endswith("[-] Log opened.")
    assert lines[1].endswith("[-] printed")
    assert lines[2].endswith("[-] an error")
    assert lines[3].endswith("[mine] logged")


# The standard library's logging


@pytest.fixture
def records() -> Iterator[list[logging.LogRecord]]:
    caught: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            caught.append(record)

    handler = Collect()
    logger = logging.getLogger("legacy.tests")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield caught
    logger.removeHandler(handler)
    logger.propagate = True


def test_python_logging_observer_levels(
    publisher: LogPublisher, records: list[logging.LogRecord]
) -> None:
    observer = log.PythonLoggingObserver("legacy.tests")
    publisher.addObserver(observer.emit)
    publisher.msg("info")
    publisher.msg("custom", logLevel=logging.WARNING)
    publisher.msg(failure=failure.Failure(ValueError("bad")), isError=True)
    publisher.msg(format="%(a)s and %(b)s", a="x", b="y")
    publisher.msg(message="", isError=False)  # Nothing to say: not passed on.
    assert [(r.levelno, r.getMessage().splitlines()[0]) for r in records] == [
        (logging.INFO, "info"),
        (logging.WARNING, "custom"),
        (logging.CRITICAL, "Unhandled Error"),
        (logging.INFO, "x and y"),
    ]


def test_python_logging_observer_does_not_loop_through_a_bridge(
    publisher: LogPublisher, records: list[logging.LogRecord]
) -> None:
    """A `logging` handler that logs back into the same stream does not send it round again."""

    class Bridge(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            publisher.msg(f"from logging: {record.getMessage()}")

    bridge = Bridge()
    logging.getLogger("legacy.tests").addHandler(bridge)
    try:
        seen: list[EventDict] = []
        publisher.addObserver(seen.append)
        publisher.addObserver(log.PythonLoggingObserver("legacy.tests").emit)
        publisher.msg("once")
    finally:
        logging.getLogger("legacy.tests").removeHandler(bridge)
    assert [r.getMessage() for r in records] == ["once"]
    assert [e["message"] for e in seen] == [("once",), ("from logging: once",)]


def test_python_logging_observer_and_redirected_stderr_do_not_loop() -> None:
    result = _run(
        """
        import io, logging, sys
        from torsion.python import log
        out = io.StringIO()
        log.startLogging(out)                 # sys.stderr now logs what is written to it
        logging.basicConfig(level=logging.INFO)  # a handler writing to that sys.stderr
        log.PythonLoggingObserver("bridged").start()
        log.msg("round trip")
        sys.__stdout__.write(out.getvalue())
        """
    )
    assert result.returncode == 0, result.stderr
    assert "[-] round trip" in result.stdout
    assert "INFO:bridged:round trip" in result.stdout


# Threads


def test_logging_from_many_threads_loses_nothing(publisher: LogPublisher) -> None:
    out = io.StringIO()
    fileObserver = log.FileLogObserver(out)
    fileObserver.timeFormat = "T"
    seen: list[EventDict] = []
    publisher.addObserver(seen.append)
    publisher.addObserver(fileObserver.emit)
    threads, messages = 8, 300
    barrier = threading.Barrier(threads)

    def logMany(number: int) -> None:
        barrier.wait()
        for i in range(messages):
            publisher.msg("thread", number, "message", i, system=f"t{number}")

    workers = [threading.Thread(target=logMany, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    expected = sorted(
        f"T [t{n}] thread {n} message {i}" for n in range(threads) for i in range(messages)
    )
    assert sorted(out.getvalue().splitlines()) == expected
    assert len(seen) == threads * messages
    for n in range(threads):  # Each thread's events arrive in the order it logged them.
        mine = [e["message"][3] for e in seen if e["system"] == f"t{n}"]
        assert mine == list(range(messages))
