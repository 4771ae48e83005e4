"""Tests for lost errors (a Deferred garbage-collected with a failure) and debugging mode."""

from __future__ import annotations

import gc
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from tests.internet._deferhelpers import (
    UNHANDLED,
    MarkedError,
    failureOf,
    recordText,
    unhandledRecords,
)
from torsion.internet.defer import (
    AlreadyCalledError,
    Deferred,
    fail,
    getDebugging,
    setDebugging,
    succeed,
)


def raiser(_: object) -> None:
    raise MarkedError("from a callback")


@pytest.fixture
def debugging() -> Iterator[None]:
    setDebugging(True)
    try:
        yield
    finally:
        setDebugging(False)


# -- unhandled errors ------------------------------------------------------------------------


def test_unhandledErrorLoggedOnce(caplog: pytest.LogCaptureFixture) -> None:
    d: Deferred[int] = Deferred()
    error = MarkedError("lost")
    try:
        raise error
    except MarkedError:
        d.errback()
    del d
    records = unhandledRecords(caplog, error)
    assert len(records) == 1
    record = records[0]
    assert record.name == "torsion"
    assert record.levelno == logging.CRITICAL
    assert record.getMessage() == UNHANDLED
    message = recordText(record)
    assert "Traceback (most recent call last):" in message
    assert "test_unhandledErrorLoggedOnce" in message
    assert "MarkedError: lost" in message
    gc.collect()
    assert len(unhandledRecords(caplog, error)) == 1


def test_unhandledErrorFromACallback(caplog: pytest.LogCaptureFixture) -> None:
    d = succeed(1).addCallback(raiser)
    error = d.result.value
    del d
    records = unhandledRecords(caplog, error)
    assert len(records) == 1
    assert "in raiser" in recordText(records[0])


def test_unhandledErrorInACycle(caplog: pytest.LogCaptureFixture) -> None:
    d: Deferred[int] = Deferred()
    vars(d)["cycle"] = d
    error = MarkedError()
    d.errback(error)
    del d
    assert len(unhandledRecords(caplog, error)) == 1


def test_handledLaterNotLogged(caplog: pytest.LogCaptureFixture) -> None:
    error = MarkedError()
    d = fail(error)
    d.addErrback(lambda f: None)
    del d
    assert unhandledRecords(caplog, error) == []


def test_successNotLogged(caplog: pytest.LogCaptureFixture) -> None:
    gc.collect()  # whatever earlier tests left behind is not this test's business
    caplog.clear()
    d = succeed(1)
    vars(d)["cycle"] = d
    del d
    gc.collect()
    assert [r for r in caplog.records if r.getMessage().startswith(UNHANDLED)] == []


def returnedFrom(inner: Deferred[Any]) -> Deferred[Any]:
    """A fired Deferred whose callback returns ``inner``."""
    return succeed(None).addCallback(lambda _: inner)


def test_failureReturnedIntoHandlingDeferredNotLogged(caplog: pytest.LogCaptureFixture) -> None:
    """Reliability scenario 34: a failure handed to a Deferred that handles it is not lost."""
    lost = MarkedError("lost")
    fail(lost)
    handedOn = MarkedError("handed on")
    inner = fail(handedOn)
    outer = returnedFrom(inner).addErrback(lambda f: None)
    unfiredInner: Deferred[None] = Deferred()
    outer2 = returnedFrom(unfiredInner).addErrback(lambda f: None)
    handedOnLater = MarkedError("handed on later")
    unfiredInner.errback(handedOnLater)
    del inner, outer, unfiredInner, outer2
    assert len(unhandledRecords(caplog, lost)) == 1
    assert unhandledRecords(caplog, handedOn) == []
    assert unhandledRecords(caplog, handedOnLater) == []


def test_unhandledInOuterOnly(caplog: pytest.LogCaptureFixture) -> None:
    """A failure passed from an inner Deferred to its outer one is reported once, by the outer."""
    error = MarkedError()
    inner: Deferred[None] = Deferred()
    outer = returnedFrom(inner)
    inner.errback(error)
    del inner, outer
    assert len(unhandledRecords(caplog, error)) == 1


def test_recoveredThenFailedAgainLoggedOnce(caplog: pytest.LogCaptureFixture) -> None:
    first = MarkedError("first")
    second = MarkedError("second")
    d = fail(first)
    d.addErrback(lambda f: None)
    d.addCallback(lambda _: fail(second))
    del d
    assert unhandledRecords(caplog, first) == []
    assert len(unhandledRecords(caplog, second)) == 1


def test_storedFailureDoesNotKeepLocals(caplog: pytest.LogCaptureFixture) -> None:
    import weakref

    class Marker:
        pass

    refs: list[weakref.ref[Marker]] = []

    def failing(_: object) -> None:
        marker = Marker()
        refs.append(weakref.ref(marker))
        raise MarkedError()

    d = succeed(1).addCallback(failing)
    gc.collect()
    assert refs[0]() is None
    assert failureOf(d).check(MarkedError)


# -- debugging -------------------------------------------------------------------------------


def test_debuggingFlag() -> None:
    assert getDebugging() is False
    setDebugging(True)
    try:
        assert getDebugging() is True
        assert Deferred.debug is True
    finally:
        setDebugging(False)
    assert getDebugging() is False


def createHere() -> Deferred[int]:
    return Deferred()


def fireHere(d: Deferred[int]) -> None:
    d.callback(1)


@pytest.mark.usefixtures("debugging")
def test_alreadyCalledShowsWhereCreatedAndFired() -> None:
    d = createHere()
    fireHere(d)
    with pytest.raises(AlreadyCalledError) as info:
        d.callback(2)
    message = str(info.value)
    assert "C: Deferred was created:" in message
    assert "I: First Invoker was:" in message
    assert "createHere" in message
    assert "fireHere" in message
    assert message.index("createHere") < message.index("fireHere")
    # Twisted's layout: every line of a stack is tagged, so a reader can grep for C: or I:.
    lines = message.split("\n")
    assert any(line.startswith(" C:") and line.endswith(" in createHere") for line in lines)
    assert any(line.startswith(" I:") and line.endswith(" in fireHere") for line in lines)
    assert not any(line.startswith(" C:") and line.endswith(" in fireHere") for line in lines)


@pytest.mark.usefixtures("debugging")
def test_unhandledErrorShowsWhereCreatedAndFired(caplog: pytest.LogCaptureFixture) -> None:
    d = createHere()
    error = MarkedError()
    d.errback(error)
    del d
    records = unhandledRecords(caplog, error)
    assert len(records) == 1
    message = records[0].getMessage()
    assert message.startswith(UNHANDLED)
    assert "(debug: Deferred created at)" in message
    assert "createHere" in message
    assert "(debug: Deferred fired at)" in message
    assert message.startswith(f"{UNHANDLED}\n{vars(records[0])['log_event']['debugInfo']}")


@pytest.mark.usefixtures("debugging")
def test_debugHandledNotLogged(caplog: pytest.LogCaptureFixture) -> None:
    error = MarkedError()
    d = createHere()
    d.errback(error)
    d.addErrback(lambda f: None)
    del d
    assert unhandledRecords(caplog, error) == []
