"""Tests for the core of `Deferred`: firing, callback chains, chaining, module functions.

Elsewhere: lost-error reports and debugging in ``test_defer_unhandled.py``; long chains in
``test_defer_limits.py``; static typing in ``test_defer_typing.py``; cancellation and timeouts
in ``test_defer_cancel.py``; coroutines in ``test_defer_coroutines.py`` and
``test_defer_inlinecallbacks.py``; asyncio in ``test_defer_asyncio.py``; random chains against
a model in ``test_defer_model.py``.
"""

from __future__ import annotations

import builtins
import logging
import weakref

import pytest

from tests.internet._deferhelpers import (
    MarkedError,
    assertNoResult,
    failureOf,
    loggedFailure,
    recordText,
    resultOf,
    unhandledRecords,
)
from torsion.internet import defer
from torsion.internet.defer import (
    FAILURE,
    SUCCESS,
    AlreadyCalledError,
    Deferred,
    TimeoutError,
    execute,
    fail,
    logError,
    maybeDeferred,
    passthru,
    succeed,
    timeout,
)
from torsion.python.failure import Failure, NoCurrentExceptionError


def raiser(_: object) -> None:
    raise MarkedError("from a callback")


# -- firing ----------------------------------------------------------------------------------


def test_callbackRunsCallbacks() -> None:
    d: Deferred[int] = Deferred()
    seen: list[int] = []
    d.addCallback(seen.append)
    assert not d.called
    assert seen == []
    d.callback(3)
    assert d.called
    assert seen == [3]
    assert d.result is None


def test_noResultAttributeBeforeFiring() -> None:
    d: Deferred[int] = Deferred()
    with pytest.raises(AttributeError):
        d.result  # noqa: B018
    assert d.paused == 0


def test_eachCallbackGetsThePreviousResult() -> None:
    d: Deferred[int] = Deferred()
    d.addCallback(lambda n: n + 1).addCallback(lambda n: n * 10).addCallback(str)
    d.callback(1)
    assert d.result == "20"


def test_callbackAddedAfterFiringRunsAtOnce() -> None:
    d = succeed("x")
    seen: list[str] = []
    d.addCallback(seen.append)
    assert seen == ["x"]
    assert d._callbacks == []


def test_callbackAddedWhileRunningRunsAfterTheOthers() -> None:
    d: Deferred[int] = Deferred()
    order: list[str] = []

    def first(result: int) -> int:
        order.append("first")
        d.addCallback(added)
        return result

    def second(result: int) -> int:
        order.append("second")
        return result

    def added(result: int) -> int:
        order.append("added")
        return result

    d.addCallback(first)
    d.addCallback(second)
    d.callback(0)
    assert order == ["first", "second", "added"]


def test_callbackTwice() -> None:
    d: Deferred[int] = Deferred()
    d.callback(1)
    with pytest.raises(AlreadyCalledError):
        d.callback(2)
    with pytest.raises(AlreadyCalledError):
        d.errback(MarkedError())
    assert d.result == 1


def test_errbackThenCallback() -> None:
    d: Deferred[int] = Deferred()
    d.errback(MarkedError())
    with pytest.raises(AlreadyCalledError):
        d.callback(2)
    assert failureOf(d).check(MarkedError)


def test_alreadyCalledMessageSuggestsDebugging() -> None:
    d = succeed(1)
    with pytest.raises(AlreadyCalledError, match="setDebugging") as info:
        d.callback(2)
    # As in Twisted, the error carries arguments only with the debugging report.
    assert info.value.args == ()


def test_callbacksAttributeIsDeprecated() -> None:
    d: Deferred[int] = Deferred()
    d.addCallback(passthru)
    with pytest.warns(DeprecationWarning, match=r"Deferred\.callbacks was deprecated") as info:
        pending = d.callbacks
    assert info[0].filename == __file__
    assert len(pending) == 1


@pytest.mark.parametrize("fire", ["callback", "errback"])
def test_firingDropsTheCanceller(fire: str) -> None:
    """A canceller referring to its Deferred makes no cycle once the Deferred has fired."""

    class Canceller:
        deferred: Deferred[object] | None = None

        def __call__(self, d: Deferred[object]) -> None: ...

    canceller = Canceller()
    d: Deferred[object] = Deferred(canceller)
    canceller.deferred = d
    watchCanceller, watchDeferred = weakref.ref(canceller), weakref.ref(d)
    if fire == "callback":
        d.callback(None)
    else:
        d.errback(MarkedError())
        failureOf(d)
    del d, canceller
    assert watchCanceller() is None
    assert watchDeferred() is None


def test_errbackWithException() -> None:
    error = MarkedError("e")
    d: Deferred[int] = Deferred()
    d.errback(error)
    f = failureOf(d)
    assert f.value is error


def test_errbackWithFailure() -> None:
    f = Failure(MarkedError())
    d: Deferred[int] = Deferred()
    d.errback(f)
    assert failureOf(d) is f


def test_errbackWithCurrentException() -> None:
    d: Deferred[int] = Deferred()
    try:
        raise MarkedError("current")
    except MarkedError as e:
        error = e
        d.errback()
    assert failureOf(d).value is error


def test_errbackOutsideExcept() -> None:
    d: Deferred[int] = Deferred()
    with pytest.raises(NoCurrentExceptionError):
        d.errback()
    assert not d.called


def test_errbackWithNonException() -> None:
    """Deliberate deviation: a non-exception becomes an `Exception` carrying its text."""
    d: Deferred[int] = Deferred()
    d.errback("not an exception")  # type: ignore[arg-type]
    f = failureOf(d)
    assert type(f.value) is Exception
    assert f.getErrorMessage() == "not an exception"


# -- switching between callbacks and errbacks -----------------------------------------------


def test_raisingCallbackSwitchesToErrbacks() -> None:
    d: Deferred[int] = Deferred()
    skipped: list[object] = []
    d.addCallback(raiser).addCallback(skipped.append)
    d.callback(1)
    f = failureOf(d)
    assert skipped == []
    assert f.check(MarkedError)
    assert "in raiser" in f.getTraceback()


def test_raisingAFailureInACallback() -> None:
    """``raise failure`` works like ``return failure``: the wrapped exception goes on."""
    error = MarkedError()

    def raiseFailure(_: object) -> None:
        raise Failure(error)

    d = succeed(1).addCallback(raiseFailure)
    f = failureOf(d)
    assert f.type is MarkedError
    assert f.value is error


def test_callbackReturningFailureSwitchesToErrbacks() -> None:
    returned = Failure(MarkedError())
    d: Deferred[object] = succeed(1).addCallback(lambda _: returned)
    assert failureOf(d) is returned


def test_errbackReturningValueSwitchesBack() -> None:
    d = fail(MarkedError()).addErrback(lambda f: "recovered").addCallback(lambda r: r + "!")
    assert resultOf(d) == "recovered!"


def test_errbackReturningNoneRecovers() -> None:
    d = fail(MarkedError()).addErrback(lambda f: None)
    assert resultOf(d) is None


def test_errbackReraisingStaysFailed() -> None:
    def reraise(f: Failure) -> None:
        f.raiseException()

    error = MarkedError()
    d = fail(error).addErrback(reraise)
    assert failureOf(d).value is error


def test_errbackReturningFailureStaysFailed() -> None:
    first = Failure(MarkedError())
    d = fail(first).addErrback(lambda f: f)
    assert failureOf(d) is first


def test_trapReraisesTheOriginal() -> None:
    error = MarkedError("original")
    d = fail(error).addErrback(lambda f: f.trap(KeyError))
    f = failureOf(d)
    assert f.value is error


def test_trapMatching() -> None:
    d = fail(MarkedError()).addErrback(lambda f: f.trap(KeyError, MarkedError))
    assert resultOf(d) is MarkedError


def test_successPassesErrbacks() -> None:
    errbacks: list[Failure] = []
    d = succeed(5).addErrback(errbacks.append)
    assert resultOf(d) == 5
    assert errbacks == []


def test_failurePassesCallbacks() -> None:
    callbacks: list[object] = []
    original = Failure(MarkedError())
    d = fail(original).addCallback(callbacks.append)
    assert failureOf(d) is original
    assert callbacks == []


def test_addCallbacksPairErrbackDoesNotSeeItsCallbacksError() -> None:
    errbackSaw: list[Failure] = []
    d = succeed(1).addCallbacks(raiser, errbackSaw.append)
    assert errbackSaw == []
    assert failureOf(d).check(MarkedError)


def test_addCallbacksPairCallbackDoesNotSeeItsErrbacksResult() -> None:
    callbackSaw: list[object] = []
    d = fail(MarkedError()).addCallbacks(callbackSaw.append, lambda f: "recovered")
    assert callbackSaw == []
    assert resultOf(d) == "recovered"


def test_addBothSeesBoth() -> None:
    seen: list[object] = []
    succeed(1).addBoth(seen.append)
    failed = Failure(MarkedError())
    fail(failed).addBoth(seen.append)
    assert seen == [1, failed]


def test_extraArguments() -> None:
    def record(result: object, /, *args: object, **kwargs: object) -> tuple[object, ...]:
        return (result, args, kwargs)

    assert resultOf(succeed(1).addCallback(record, 2, k=3)) == (1, (2,), {"k": 3})
    failed = Failure(MarkedError())
    assert resultOf(fail(failed).addErrback(record, 2, k=3)) == (failed, (2,), {"k": 3})
    assert resultOf(succeed(1).addBoth(record, 2)) == (1, (2,), {})
    assert resultOf(succeed(1).addBoth(record, k=4)) == (1, (), {"k": 4})
    pair = succeed(1).addCallbacks(
        record, record, callbackArgs=(2,), callbackKeywords={"k": 3}, errbackArgs=(9,)
    )
    assert resultOf(pair) == (1, (2,), {"k": 3})
    pair = fail(failed).addCallbacks(
        record, record, callbackArgs=(2,), errbackArgs=(8,), errbackKeywords={"e": 7}
    )
    assert resultOf(pair) == (failed, (8,), {"e": 7})


# -- pause and unpause -----------------------------------------------------------------------


def test_pausedDeferredDoesNotRunCallbacks() -> None:
    d: Deferred[int] = Deferred()
    seen: list[int] = []
    d.addCallback(seen.append)
    d.pause()
    d.callback(1)
    assert seen == []
    d.addCallback(seen.append)
    assert seen == []
    assert d.paused == 1
    d.unpause()
    assert seen == [1, None]
    assert d.paused == 0


def test_pauseIsACounter() -> None:
    d: Deferred[int] = Deferred()
    d.pause()
    d.pause()
    d.callback(1)
    d.unpause()
    assertNoResult(d)
    d.unpause()
    assert resultOf(d) == 1


def test_unpauseBeforeFiring() -> None:
    d: Deferred[int] = Deferred()
    d.pause()
    d.unpause()
    assert not d.called
    d.callback(2)
    assert resultOf(d) == 2


def test_pauseFiredDeferred() -> None:
    d = succeed(1)
    d.pause()
    seen: list[int] = []
    d.addCallback(seen.append)
    assert seen == []
    d.unpause()
    assert seen == [1]


# -- a callback returning a Deferred ---------------------------------------------------------


def test_chainedUnfiredDeferred() -> None:
    inner: Deferred[str] = Deferred()
    outer: Deferred[int] = Deferred()
    seen: list[str] = []
    outer.addCallback(lambda _: inner).addCallback(seen.append)
    outer.callback(1)
    assert seen == []
    assert outer.paused == 1
    assert repr(outer) == f"<Deferred at 0x{id(outer):x} waiting on Deferred at 0x{id(inner):x}>"
    inner.callback("inner result")
    assert seen == ["inner result"]
    assert outer.paused == 0
    assert inner.result is None


def test_chainedFiredDeferredIsTakenAtOnce() -> None:
    inner = succeed("inner result")
    outer = succeed(1).addCallback(lambda _: inner)
    assert outer.paused == 0
    assert resultOf(outer) == "inner result"
    assert inner.result is None


def test_chainedFailureGoesToOuterErrbacks() -> None:
    inner: Deferred[str] = Deferred()
    outer = succeed(1).addCallback(lambda _: inner)
    error = MarkedError()
    inner.errback(error)
    assert failureOf(outer).value is error
    assert inner.result is None


def test_chainedFiredFailure() -> None:
    error = MarkedError()
    inner = fail(error)
    outer = succeed(1).addCallback(lambda _: inner)
    assert inner.result is None
    assert failureOf(outer).value is error


def test_chainedPausedDeferredIsWaitedFor() -> None:
    inner = succeed("inner")
    inner.pause()
    outer = succeed(1).addCallback(lambda _: inner)
    assertNoResult(outer)
    inner.unpause()
    assert resultOf(outer) == "inner"


def test_chainedDeferredThatIsItselfWaiting() -> None:
    innermost: Deferred[str] = Deferred()
    middle = succeed(0).addCallback(lambda _: innermost)
    outer = succeed(1).addCallback(lambda _: middle)
    assertNoResult(outer)
    innermost.callback("deep")
    assert resultOf(outer) == "deep"
    assert middle.result is None
    assert innermost.result is None


def test_errbackReturningDeferred() -> None:
    inner: Deferred[str] = Deferred()
    outer = fail(MarkedError()).addErrback(lambda f: inner)
    assertNoResult(outer)
    inner.callback("recovered later")
    assert resultOf(outer) == "recovered later"


def test_callbacksAddedToInnerAfterChainingSeeNone() -> None:
    inner: Deferred[str] = Deferred()
    outer = succeed(1).addCallback(lambda _: inner)
    late: list[object] = []
    inner.addCallback(late.append)
    inner.callback("x")
    assert resultOf(outer) == "x"
    assert late == [None]


def test_callbackReturningItsOwnDeferred() -> None:
    """Deliberate deviation: a TypeError failure instead of Twisted's warning and hang."""
    d: Deferred[int] = Deferred()
    d.addCallback(lambda _: d)
    d.callback(1)
    f = failureOf(d)
    assert f.check(TypeError)


def test_chainDeferred() -> None:
    source: Deferred[int] = Deferred()
    target: Deferred[int] = Deferred()
    returned = source.chainDeferred(target)
    # chainDeferred returns source itself, typed Deferred[None] as its result becomes None.
    assert returned is source  # type: ignore[comparison-overlap]
    assert repr(target) == f"<Deferred at 0x{id(target):x} waiting on Deferred at 0x{id(source):x}>"
    source.callback(7)
    assert resultOf(target) == 7
    assert source.result is None
    assert target._chainedTo is None
    assert "waiting on" not in repr(target)


def test_chainDeferredFailure(caplog: pytest.LogCaptureFixture) -> None:
    source: Deferred[int] = Deferred()
    target: Deferred[int] = Deferred()
    source.chainDeferred(target)
    error = MarkedError()
    source.errback(error)
    assert source.result is None
    assert failureOf(target).value is error
    del source, target
    assert unhandledRecords(caplog, error) == []


# -- repr ------------------------------------------------------------------------------------


def test_repr() -> None:
    d: Deferred[str] = Deferred()
    assert repr(d) == f"<Deferred at 0x{id(d):x}>"
    d.callback("orange")
    assert repr(d) == f"<Deferred at 0x{id(d):x} current result: 'orange'>"
    assert str(d) == repr(d)


# -- module functions ------------------------------------------------------------------------


def test_succeed() -> None:
    d = succeed("a")
    assert d.called
    assert d.result == "a"


def test_failWithException() -> None:
    error = MarkedError()
    assert failureOf(fail(error)).value is error


def test_failWithFailure() -> None:
    f = Failure(MarkedError())
    assert failureOf(fail(f)) is f


def test_failWithCurrentException() -> None:
    try:
        raise MarkedError("now")
    except MarkedError as e:
        error = e
        d = fail()
    assert failureOf(d).value is error


def test_failOutsideExcept() -> None:
    with pytest.raises(NoCurrentExceptionError):
        fail()


def test_execute() -> None:
    assert resultOf(execute(lambda a, b: a + b, 1, b=2)) == 3
    assert failureOf(execute(raiser, None)).check(MarkedError)


def test_maybeDeferredValue() -> None:
    assert resultOf(maybeDeferred(lambda a, b: a * b, 3, b=4)) == 12


def test_maybeDeferredException() -> None:
    f = failureOf(maybeDeferred(raiser, None))
    assert f.check(MarkedError)


def test_maybeDeferredReturnsTheSameDeferred() -> None:
    d: Deferred[int] = Deferred()
    assert maybeDeferred(lambda: d) is d


def test_maybeDeferredFailureResult() -> None:
    f = Failure(MarkedError())
    assert failureOf(maybeDeferred(lambda: f)) is f


def test_passthru() -> None:
    marker = object()
    assert passthru(marker) is marker


def test_logError(caplog: pytest.LogCaptureFixture) -> None:
    error = MarkedError("logged")
    d = fail(error).addErrback(logError)
    assert failureOf(d).value is error  # passed on unchanged, as in Twisted
    records = [r for r in caplog.records if loggedFailure(r) is not None]
    assert len(records) == 1
    assert records[0].name == "torsion"
    assert records[0].levelno == logging.ERROR
    assert records[0].getMessage() == "Unhandled Error"
    assert loggedFailure(records[0]).value is error  # type: ignore[union-attr]
    assert records[0].exc_info is not None and records[0].exc_info[1] is error
    assert "MarkedError: logged" in recordText(records[0])


def test_legacyTimeout() -> None:
    d: Deferred[int] = Deferred()
    with pytest.warns(DeprecationWarning, match="use torsion.internet.defer.Deferred.addTimeout"):
        timeout(d)
    assert failureOf(d).check(TimeoutError)


def test_constants() -> None:
    assert SUCCESS is True
    assert FAILURE is False


def test_exports() -> None:
    for name in defer.__all__:
        assert getattr(defer, name) is not None
    # Deliberately compares distinct classes: torsion's TimeoutError is not the builtin one.
    assert defer.TimeoutError is not builtins.TimeoutError  # type: ignore[comparison-overlap]
    assert issubclass(defer.NotACoroutineError, TypeError)
