"""Tests for `torsion.logger.capturedLogs`."""

from __future__ import annotations

from torsion.logger import Logger, LogLevel, capturedLogs, globalLogPublisher


def test_capturesWhatIsLoggedInside() -> None:
    log = Logger()
    marker = object()
    log.info("before")
    with capturedLogs() as captured:
        log.debug("Capture this, please", foo=marker)
        log.info("Capture this too, please", foo=marker)
    log.info("after")
    assert [(e["log_format"], e["log_level"], e["foo"]) for e in captured] == [
        ("Capture this, please", LogLevel.debug, marker),
        ("Capture this too, please", LogLevel.info, marker),
    ]


def test_stopsCapturingOnError() -> None:
    observers = list(globalLogPublisher._observers)
    try:
        with capturedLogs():
            raise ValueError
    except ValueError:
        pass
    assert globalLogPublisher._observers == observers
