"""Long chains of Deferreds and many callbacks never deepen the stack (no RecursionError)."""

from __future__ import annotations

import itertools
import sys
from typing import Any

import pytest

from tests.internet._deferhelpers import (
    MarkedError,
    failureOf,
    resultOf,
    unhandledRecords,
)
from torsion.internet.defer import Deferred, succeed


def raiser(_: object) -> None:
    raise MarkedError("from a callback")


N = 100_000


def linkedDeferreds(count: int) -> list[Deferred[Any]]:
    """``count`` unfired Deferreds, each one's callback returning the next one."""
    ds: list[Deferred[Any]] = [Deferred() for _ in range(count)]
    for current, following in itertools.pairwise(ds):

        def returnFollowing(_: object, following: Deferred[Any] = following) -> Deferred[Any]:
            return following

        current.addCallback(returnFollowing)
    return ds


@pytest.mark.parametrize("order", ["forward", "backward"])
def test_longChainOfUnfiredDeferreds(order: str) -> None:
    """Each Deferred waits on the next; firing the last one resolves all of them."""
    ds = linkedDeferreds(N)
    firstThen = ds[:-1] if order == "forward" else ds[-2::-1]
    for d in firstThen:
        d.callback(None)
    assert ds[0].paused == 1
    ds[-1].callback("end")
    assert resultOf(ds[0]) == "end"
    assert all(d.result is None for d in ds[1:])


def test_longChainOfUnfiredDeferredsFailing(caplog: pytest.LogCaptureFixture) -> None:
    ds = linkedDeferreds(N)
    for d in ds[:-1]:
        d.callback(None)
    error = MarkedError()
    ds[-1].errback(error)
    assert failureOf(ds[0]).value is error
    del ds
    assert unhandledRecords(caplog, error) == []


def test_longChainOfFiredDeferreds() -> None:
    """Each callback returns a Deferred that has already fired (and has its own callback)."""
    ds = linkedDeferreds(N)
    ds[-1].callback("end")
    for d in reversed(ds[:-1]):
        d.callback(None)
        assert d.paused == 0
    assert resultOf(ds[0]) == "end"


def test_manyCallbacksReturningFiredDeferreds() -> None:
    d: Deferred[int] = Deferred()
    for _ in range(N):
        d.addCallback(lambda n: succeed(n + 1))
    d.callback(0)
    assert resultOf(d) == N


def test_manyCallbacksOnOneDeferred() -> None:
    d: Deferred[int] = Deferred()
    for _ in range(N):
        d.addCallback(lambda n: n + 1)
    d.callback(0)
    assert resultOf(d) == N
    assert d._callbacks == []


def test_manyCallbacksAlternatingFailure() -> None:
    d: Deferred[int] = Deferred()
    for _ in range(N // 2):
        d.addCallback(raiser)
        d.addErrback(lambda f: 0)
    d.callback(0)
    assert resultOf(d) == 0


def stackDepth() -> int:
    depth = 0
    frame = sys._getframe()
    while frame is not None:
        depth += 1
        frame = frame.f_back  # type: ignore[assignment]
    return depth


def depthOfLastCallback(count: int) -> int:
    ds = linkedDeferreds(count)
    depths: list[int] = []
    ds[0].addCallback(lambda _: depths.append(stackDepth()))
    for d in ds[:-1]:
        d.callback(None)
    ds[-1].callback(None)
    return depths[0]


def test_boundedStackDepth() -> None:
    """Callbacks run at the same stack depth however many Deferreds are chained."""
    assert depthOfLastCallback(2) == depthOfLastCallback(1000)
