"""Tests for DeferredList, gatherResults, race and their errors."""

from __future__ import annotations

import gc
import logging
from typing import Any, TypeVar

import pytest

from tests.internet._deferhelpers import failureOf, resultOf
from torsion.internet.defer import (
    FAILURE,
    SUCCESS,
    CancelledError,
    Deferred,
    DeferredList,
    FailureGroup,
    FirstError,
    fail,
    gatherResults,
    race,
    succeed,
)
from torsion.python.failure import Failure

UNHANDLED = "Unhandled error in Deferred"

_E = TypeVar("_E", bound=BaseException)


def errorOf(d: Deferred[Any], errorType: type[_E]) -> _E:
    """The exception ``d`` has failed with, which must be an ``errorType``; handled."""
    error = failureOf(d).value
    assert isinstance(error, errorType)
    return error


def assertNotFired(d: Deferred[Any]) -> None:
    assert not d.called


def cancellable(log: list[int], index: int) -> Deferred[Any]:
    """An unfired Deferred whose canceller appends ``index`` to ``log``."""
    return Deferred(lambda _: log.append(index))


@pytest.fixture
def unhandledLog(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """caplog, capturing everything the ``torsion`` logger reports."""
    caplog.set_level(logging.DEBUG, logger="torsion")
    return caplog


# -- FirstError / FailureGroup -----------------------------------------------------------------


class TestFirstError:
    def test_attributes_and_args(self) -> None:
        failure = Failure(ValueError("bad"))
        error = FirstError(failure, 3)
        assert error.subFailure is failure
        assert error.index == 3
        assert error.args == (failure, 3)

    def test_repr_and_str(self) -> None:
        failure = Failure(ValueError("bad"))
        error = FirstError(failure, 3)
        assert repr(error) == "FirstError[#3, ValueError('bad')]"
        assert str(error) == f"FirstError[#3, {failure}]"

    def test_equality(self) -> None:
        failure = Failure(ValueError("bad"))
        assert FirstError(failure, 1) == FirstError(failure, 1)
        assert hash(FirstError(failure, 1)) == hash(FirstError(failure, 1))
        assert FirstError(failure, 1) != FirstError(failure, 2)
        assert FirstError(failure, 1) != FirstError(Failure(ValueError("bad")), 1)
        assert FirstError(failure, 1) != (failure, 1)

    def test_failure_group(self) -> None:
        failures = [Failure(ValueError("a")), Failure(KeyError("b"))]
        group = FailureGroup(failures)
        assert group.failures == failures
        assert group.args == ()
        assert str(group) == "2 failures: ValueError('a'), KeyError('b')"


# -- DeferredList ------------------------------------------------------------------------------


class TestDeferredList:
    def test_is_a_deferred(self) -> None:
        assert isinstance(DeferredList([]), Deferred)

    def test_results_in_input_order(self) -> None:
        first: Deferred[str] = Deferred()
        second: Deferred[str] = Deferred()
        dl = DeferredList([first, second])
        second.callback("two")
        assertNotFired(dl)
        assert dl.resultList == [None, (True, "two")]
        assert dl.finishedCount == 1
        first.callback("one")
        assert resultOf(dl) == [(SUCCESS, "one"), (SUCCESS, "two")]
        assert dl.finishedCount == 2

    def test_already_fired_inputs(self) -> None:
        dl = DeferredList([succeed(1), succeed(2)])
        assert resultOf(dl) == [(True, 1), (True, 2)]

    def test_empty_fires_at_once(self) -> None:
        assert resultOf(DeferredList([])) == []

    def test_empty_with_fireOnOneCallback_never_fires(self) -> None:
        assertNotFired(DeferredList([], fireOnOneCallback=True))

    def test_accepts_any_iterable(self) -> None:
        dl = DeferredList(succeed(i) for i in range(3))
        assert resultOf(dl) == [(True, 0), (True, 1), (True, 2)]

    def test_failure_recorded_and_kept_by_child(self, unhandledLog: Any) -> None:
        child: Deferred[int] = Deferred()
        dl = DeferredList([succeed(1), child])
        child.errback(ValueError("boom"))
        (ok1, value), (ok2, failure) = resultOf(dl)
        assert (ok1, value) == (SUCCESS, 1)
        assert ok2 is FAILURE
        assert failure.check(ValueError)
        # Without consumeErrors the child still holds its failure...
        assert failureOf(child) is failure

    def test_unconsumed_failure_is_reported_unhandled(self, unhandledLog: Any) -> None:
        child: Deferred[int] = Deferred()
        DeferredList([child])
        child.errback(ValueError("boom"))
        del child
        gc.collect()
        assert UNHANDLED in unhandledLog.text

    def test_consumeErrors(self, unhandledLog: Any) -> None:
        child: Deferred[int] = Deferred()
        dl = DeferredList([child, fail(KeyError("early"))], consumeErrors=True)
        child.errback(ValueError("boom"))
        results = resultOf(dl)
        assert [ok for ok, _ in results] == [FAILURE, FAILURE]
        assert results[0][1].check(ValueError)
        assert results[1][1].check(KeyError)
        assert resultOf(child) is None
        del child, dl, results
        gc.collect()
        assert UNHANDLED not in unhandledLog.text

    def test_callbacks_added_before_change_what_it_sees(self) -> None:
        child: Deferred[int] = Deferred()
        child.addCallback(lambda n: n * 10)
        dl = DeferredList([child])
        child.addCallback(lambda n: n + 1)
        child.callback(4)
        assert resultOf(dl) == [(True, 40)]
        assert resultOf(child) == 41

    def test_fireOnOneCallback(self) -> None:
        first: Deferred[str] = Deferred()
        second: Deferred[str] = Deferred()
        dl = DeferredList([first, second], fireOnOneCallback=True)
        second.callback("two")
        assert resultOf(dl) == ("two", 1)
        first.callback("one")
        assert resultOf(dl) == ("two", 1)
        assert dl.resultList == [(True, "one"), (True, "two")]
        assert dl.finishedCount == 2

    def test_fireOnOneCallback_ignores_failures(self) -> None:
        first: Deferred[str] = Deferred()
        second: Deferred[str] = Deferred()
        dl = DeferredList([first, second], fireOnOneCallback=True, consumeErrors=True)
        first.errback(ValueError("boom"))
        assertNotFired(dl)
        second.callback("two")
        assert resultOf(dl) == ("two", 1)

    def test_fireOnOneCallback_all_failed_fires_with_list(self) -> None:
        dl = DeferredList([fail(ValueError()), fail(KeyError())], True, consumeErrors=True)
        assert [(ok, f.type) for ok, f in resultOf(dl)] == [(False, ValueError), (False, KeyError)]

    def test_fireOnOneErrback(self) -> None:
        first: Deferred[str] = Deferred()
        second: Deferred[str] = Deferred()
        dl = DeferredList([first, second], fireOnOneErrback=True)
        second.errback(ValueError("boom"))
        error = errorOf(dl, FirstError)
        assert error.index == 1
        assert error.subFailure.check(ValueError)
        assert failureOf(second) is error.subFailure
        first.errback(KeyError("later"))
        assert dl.resultList[0] is not None
        assert dl.resultList[0][1].check(KeyError)
        failureOf(first)

    def test_fireOnOneErrback_all_succeed(self) -> None:
        dl = DeferredList([succeed(1), succeed(2)], fireOnOneErrback=True)
        assert resultOf(dl) == [(True, 1), (True, 2)]

    def test_fireOnOneErrback_still_consumes(self, unhandledLog: Any) -> None:
        child: Deferred[int] = Deferred()
        dl = DeferredList([child], fireOnOneErrback=True, consumeErrors=True)
        child.errback(ValueError("boom"))
        assert failureOf(dl).check(FirstError)
        assert resultOf(child) is None
        del child, dl
        gc.collect()
        assert UNHANDLED not in unhandledLog.text

    def test_cancel_cancels_unfired_children(self) -> None:
        cancelled: list[int] = []
        children = [cancellable(cancelled, 0), succeed("done"), cancellable(cancelled, 2)]
        dl = DeferredList(children, consumeErrors=True)
        dl.cancel()
        assert cancelled == [0, 2]
        results = resultOf(dl)
        assert results[1] == (True, "done")
        assert results[0][1].check(CancelledError)
        assert results[2][1].check(CancelledError)

    def test_cancel_after_fired_leaves_children_alone(self) -> None:
        cancelled: list[int] = []
        child = cancellable(cancelled, 0)
        dl = DeferredList([succeed(1), child], fireOnOneCallback=True)
        dl.cancel()
        assert cancelled == []
        assert resultOf(dl) == (1, 0)
        assertNotFired(child)

    def test_cancel_after_fired_cancels_what_a_callback_waits_on(self) -> None:
        cancelled: list[int] = []
        inner = cancellable(cancelled, 0)
        dl = DeferredList([succeed(1)])
        dl.addCallback(lambda _: inner)
        dl.cancel()
        assert cancelled == [0]
        assert failureOf(dl).check(CancelledError)

    def test_cancel_logs_raising_canceller_and_goes_on(self, unhandledLog: Any) -> None:
        def brokenCanceller(_: Deferred[Any]) -> None:
            raise RuntimeError("broken canceller")

        cancelled: list[int] = []
        broken: Deferred[int] = Deferred(brokenCanceller)
        dl = DeferredList([broken, cancellable(cancelled, 1)], consumeErrors=True)
        dl.cancel()
        assert cancelled == [1]
        assert "broken canceller" in unhandledLog.text
        broken.callback(0)
        assert resultOf(dl)[0] == (True, 0)


# -- gatherResults -----------------------------------------------------------------------------


class TestGatherResults:
    def test_results_in_input_order(self) -> None:
        first: Deferred[int] = Deferred()
        second: Deferred[int] = Deferred()
        gathered = gatherResults([first, second])
        second.callback(2)
        assertNotFired(gathered)
        first.callback(1)
        assert resultOf(gathered) == [1, 2]

    def test_empty(self) -> None:
        assert resultOf(gatherResults([])) == []

    def test_first_failure_wins(self) -> None:
        first: Deferred[int] = Deferred()
        second: Deferred[int] = Deferred()
        gathered = gatherResults([first, second])
        second.errback(ValueError("boom"))
        error = errorOf(gathered, FirstError)
        assert error.index == 1
        assert error.subFailure.check(ValueError)
        assert error == FirstError(error.subFailure, 1)
        first.errback(KeyError("later"))
        failureOf(first)
        failureOf(second)

    def test_consumeErrors(self, unhandledLog: Any) -> None:
        child: Deferred[int] = Deferred()
        gathered = gatherResults([succeed(1), child], consumeErrors=True)
        child.errback(ValueError("boom"))
        assert errorOf(gathered, FirstError).subFailure.check(ValueError)
        assert resultOf(child) is None
        del child, gathered
        gc.collect()
        assert UNHANDLED not in unhandledLog.text

    def test_without_consumeErrors_child_failure_is_unhandled(self, unhandledLog: Any) -> None:
        child: Deferred[int] = Deferred()
        gathered = gatherResults([child])
        child.errback(ValueError("boom"))
        failureOf(gathered)
        del child, gathered
        gc.collect()
        assert UNHANDLED in unhandledLog.text

    def test_cancel(self) -> None:
        cancelled: list[int] = []
        gathered = gatherResults(
            [cancellable(cancelled, 0), cancellable(cancelled, 1)], consumeErrors=True
        )
        gathered.cancel()
        assert cancelled == [0, 1]
        error = errorOf(gathered, FirstError)
        assert error.index == 0
        assert error.subFailure.check(CancelledError)


# -- race --------------------------------------------------------------------------------------


class TestRace:
    def test_first_success_wins_and_losers_are_cancelled(self) -> None:
        cancelled: list[int] = []
        contenders = [cancellable(cancelled, i) for i in range(3)]
        raced = race(contenders)
        contenders[1].callback("second")
        assert resultOf(raced) == (1, "second")
        assert cancelled == [0, 2]
        # The race owns its inputs' results: each ends as None, failures included.
        assert [resultOf(d) for d in contenders] == [None, None, None]

    def test_failures_before_a_success_are_ignored(self) -> None:
        first: Deferred[str] = Deferred()
        second: Deferred[str] = Deferred()
        raced = race([first, second])
        first.errback(ValueError("boom"))
        assertNotFired(raced)
        second.callback("ok")
        assert resultOf(raced) == (1, "ok")

    def test_already_fired(self) -> None:
        assert resultOf(race([fail(ValueError()), succeed("x")])) == (1, "x")

    def test_all_fail(self) -> None:
        first: Deferred[str] = Deferred()
        second: Deferred[str] = Deferred()
        raced = race([first, second])
        second.errback(KeyError("second"))
        assertNotFired(raced)
        first.errback(ValueError("first"))
        group = errorOf(raced, FailureGroup)
        assert [f.type for f in group.failures] == [ValueError, KeyError]

    def test_late_success_from_a_loser_is_dropped(self) -> None:
        winner: Deferred[str] = Deferred()
        loser: Deferred[str] = Deferred(lambda d: d.callback("late"))
        raced = race([winner, loser])
        winner.callback("first")
        assert resultOf(raced) == (0, "first")
        assert resultOf(loser) is None

    def test_cancel_cancels_all(self) -> None:
        cancelled: list[int] = []
        raced = race([cancellable(cancelled, 0), cancellable(cancelled, 1)])
        raced.cancel()
        assert cancelled == [0, 1]
        # Twisted semantics: every contender failed (cancelled), so the race fails with the
        # group of their CancelledErrors before cancel() would add its own.
        group = errorOf(raced, FailureGroup)
        assert [f.type for f in group.failures] == [CancelledError, CancelledError]

    def test_cancel_after_win_is_a_no_op(self) -> None:
        cancelled: list[int] = []
        winner = cancellable(cancelled, 0)
        raced = race([winner])
        winner.callback("x")
        raced.cancel()
        assert cancelled == []
        assert resultOf(raced) == (0, "x")

    def test_empty_never_fires(self) -> None:
        assertNotFired(race([]))
