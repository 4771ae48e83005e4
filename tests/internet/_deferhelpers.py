"""Helpers shared by the Deferred tests: reading results, and finding lost-error reports."""

from __future__ import annotations

import gc
import logging
from typing import Any

import pytest

from torsion.internet.defer import Deferred
from torsion.python.failure import Failure

UNHANDLED = "Unhandled error in Deferred:"


class MarkedError(Exception):
    """An exception the tests raise on purpose, so log records can be told apart."""


def resultOf(d: Deferred[Any]) -> Any:
    """The current result of ``d`` (a value or a Failure), which ``d`` keeps."""
    seen: list[Any] = []

    def keep(result: Any) -> Any:
        seen.append(result)
        return result

    d.addBoth(keep)
    assert seen, f"{d!r} has no result"
    return seen[0]


def failureOf(d: Deferred[Any]) -> Failure:
    """The Failure ``d`` has failed with, handled so that it is not logged."""
    seen: list[Any] = []
    d.addBoth(seen.append)
    assert seen, f"{d!r} has no result"
    assert isinstance(seen[0], Failure), f"{d!r} succeeded with {seen[0]!r}"
    return seen[0]


def assertNoResult(d: Deferred[Any]) -> None:
    """``d`` has no result yet (or is paused)."""
    seen: list[Any] = []

    def record(result: object) -> object:
        seen.append(result)
        return result

    d.addBoth(record)
    assert seen == [], f"{d!r} has a result"


def loggedFailure(record: logging.LogRecord) -> Failure | None:
    """The Failure of the torsion event behind ``record`` (its ``log_failure``), if any."""
    event = getattr(record, "log_event", None)
    failure = event.get("log_failure") if isinstance(event, dict) else None
    return failure if isinstance(failure, Failure) else None


def recordText(record: logging.LogRecord) -> str:
    """What a stdlib handler shows of ``record``: the message, then the traceback."""
    return logging.Formatter().format(record)


def unhandledRecords(caplog: pytest.LogCaptureFixture, value: object) -> list[logging.LogRecord]:
    """After a garbage collection, the "Unhandled error" records logged for exception ``value``."""
    gc.collect()
    return [
        record
        for record in caplog.records
        if record.getMessage().startswith(UNHANDLED)
        and (failure := loggedFailure(record)) is not None
        and failure.value is value
    ]
