"""Tests for `inlineCallbacks`: generators that yield Deferreds."""

from __future__ import annotations

import traceback
import warnings
import weakref
from collections.abc import Generator
from typing import Any

import pytest

from tests.internet._deferhelpers import (
    MarkedError,
    assertNoResult,
    failureOf,
    resultOf,
    unhandledRecords,
)
from torsion.internet.defer import (
    CancelledError,
    Deferred,
    fail,
    inlineCallbacks,
    returnValue,
    succeed,
)

# -- inlineCallbacks -------------------------------------------------------------------------


def test_inlineCallbacksReturn() -> None:
    @inlineCallbacks
    def gen(a: int, b: int = 0) -> Generator[Deferred[int], int, int]:
        x = yield succeed(a)
        y = yield succeed(b)
        return x + y

    assert resultOf(gen(1, b=2)) == 3


def test_inlineCallbacksReturnValue() -> None:
    @inlineCallbacks
    def gen() -> Generator[Deferred[int], int, None]:
        x = yield succeed(1)
        returnValue(x + 1)

    assert resultOf(gen()) == 2


def test_inlineCallbacksYieldNonDeferred() -> None:
    @inlineCallbacks
    def gen() -> Generator[Any, Any, list[Any]]:
        a = yield 1
        b = yield "two"
        c = yield None
        return [a, b, c]

    assert resultOf(gen()) == [1, "two", None]


def test_inlineCallbacksYieldCoroutine() -> None:
    """As in Twisted: a yielded coroutine is run, and its result sent back."""
    waitFor: Deferred[int] = Deferred()

    async def sub(x: int) -> int:
        return await waitFor + x

    @inlineCallbacks
    def gen() -> Generator[Any, Any, int]:
        result: int = yield sub(1)
        return result * 2

    d = gen()
    assertNoResult(d)
    waitFor.callback(10)
    assert resultOf(d) == 22


def test_inlineCallbacksYieldGenerator() -> None:
    def sub(x: int) -> Generator[Deferred[int], int, int]:
        y = yield succeed(x)
        return y + 1

    @inlineCallbacks
    def gen() -> Generator[Any, Any, int]:
        result: int = yield sub(1)
        return result

    assert resultOf(gen()) == 2


def test_inlineCallbacksYieldFailingCoroutine() -> None:
    async def sub() -> None:
        raise MarkedError()

    @inlineCallbacks
    def gen() -> Generator[Any, Any, str]:
        try:
            yield sub()
        except MarkedError:
            return "caught"
        return "not reached"

    assert resultOf(gen()) == "caught"


def test_inlineCallbacksCancelWhileInYieldedCoroutine() -> None:
    cancelled: list[Deferred[Any]] = []
    waitFor: Deferred[int] = Deferred(cancelled.append)

    async def sub() -> int:
        return await waitFor

    @inlineCallbacks
    def gen() -> Generator[Any, Any, int]:
        result: int = yield sub()
        return result

    d = gen()
    d.cancel()
    assert cancelled == [waitFor]
    assert failureOf(d).check(CancelledError)


def test_inlineCallbacksRunsSynchronouslyUntilUnfired() -> None:
    steps: list[str] = []
    waitFor: Deferred[str] = Deferred()

    @inlineCallbacks
    def gen() -> Generator[Deferred[Any], Any, str]:
        steps.append("start")
        yield succeed(None)
        steps.append("fired")
        value: str = yield waitFor
        steps.append("resumed")
        return value

    d = gen()
    assert steps == ["start", "fired"]
    assertNoResult(d)
    waitFor.callback("v")
    assert steps == ["start", "fired", "resumed"]
    assert resultOf(d) == "v"
    assert waitFor.result is None


def test_inlineCallbacksFailureRaisedAtYield(caplog: pytest.LogCaptureFixture) -> None:
    error = MarkedError()
    waitFor: Deferred[int] = Deferred()

    @inlineCallbacks
    def gen(waitFor: Deferred[int]) -> Generator[Deferred[int], int, str]:
        try:
            yield fail(error)
        except MarkedError as e:
            assert e is error
        try:
            yield waitFor
        except MarkedError:
            return "both handled"
        return "not reached"

    d = gen(waitFor)
    waitFor.errback(error)
    assert resultOf(d) == "both handled"
    del waitFor
    assert unhandledRecords(caplog, error) == []


def test_inlineCallbacksException() -> None:
    @inlineCallbacks
    def gen() -> Generator[Deferred[int], int, None]:
        yield succeed(1)
        raise MarkedError("in generator")

    f = failureOf(gen())
    assert f.check(MarkedError)
    assert "in gen" in f.getTraceback()


def test_inlineCallbacksExceptionBeforeFirstYield() -> None:
    @inlineCallbacks
    def gen() -> Generator[Deferred[int], int, None]:
        raise MarkedError()
        yield succeed(1)

    assert failureOf(gen()).check(MarkedError)


def test_inlineCallbacksRequiresAGenerator() -> None:
    @inlineCallbacks
    def notAGenerator() -> Any:
        return 1

    with pytest.raises(TypeError):
        notAGenerator()


def test_inlineCallbacksReturnValueOutsideAGenerator() -> None:
    @inlineCallbacks
    def notAGenerator() -> Any:
        returnValue(1)

    with pytest.raises(TypeError, match="inlineCallbacks"):
        notAGenerator()


def returnsForItsCaller() -> None:
    """Call `returnValue` without being the generator it ends (a mistake it warns about)."""
    returnValue(1)


def test_returnValueNotInTheGeneratorWarns() -> None:
    waitFor: Deferred[int] = Deferred()

    @inlineCallbacks
    def gen() -> Generator[Deferred[int], int, int]:
        yield waitFor
        returnsForItsCaller()
        return 2

    d = gen()
    with pytest.warns(DeprecationWarning) as info:
        waitFor.callback(0)
    assert resultOf(d) == 1
    assert [str(w.message) for w in info] == [
        "returnValue() in 'returnsForItsCaller' causing 'gen' to exit: returnValue should"
        " only be invoked by functions decorated with inlineCallbacks"
    ]
    # The warning points at the call to returnValue.
    code = returnsForItsCaller.__code__
    assert (info[0].filename, info[0].lineno) == (code.co_filename, code.co_firstlineno + 2)


def test_returnValueInTheGeneratorDoesNotWarn() -> None:
    @inlineCallbacks
    def gen() -> Generator[Deferred[int], int, None]:
        yield succeed(1)
        returnValue(2)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert resultOf(gen()) == 2


@pytest.mark.parametrize("legacy", [False, True])
def test_innerReturnIsNotChainedToLaterErrors(legacy: bool) -> None:
    """The StopIteration (or returnValue) that ended an inner generator is not the context
    of an exception raised by the outer one once resumed."""
    waitFor: Deferred[None] = Deferred()

    @inlineCallbacks
    def inner() -> Generator[Deferred[None], None, int]:
        yield waitFor
        if legacy:
            returnValue(1)
        return 1

    @inlineCallbacks
    def outer() -> Generator[Deferred[int], int, str]:
        try:
            yield inner()
            raise MarkedError("after inner")
        except MarkedError:
            return traceback.format_exc()

    d = outer()
    waitFor.callback(None)
    text = resultOf(d)
    assert "MarkedError: after inner" in text
    assert "StopIteration" not in text
    assert "_DefGen_Return" not in text
    assert "During handling" not in text


def test_finishedGeneratorIsFreed() -> None:
    """Nothing keeps the generator's arguments or its Deferred alive after it has finished."""

    class Argument:
        pass

    @inlineCallbacks
    def gen(a: Argument) -> Generator[Deferred[int], int, Argument]:
        yield succeed(1)
        return a

    argument = Argument()
    watchArgument = weakref.ref(argument)
    d = gen(argument)
    assert resultOf(d) is argument
    watchDeferred = weakref.ref(d)
    del argument, d
    assert watchArgument() is None
    assert watchDeferred() is None


def test_inlineCallbacksKeepsTheName() -> None:
    @inlineCallbacks
    def namedGenerator() -> Generator[Deferred[int], int, None]:
        yield succeed(1)

    assert namedGenerator.__name__ == "namedGenerator"


def test_inlineCallbacksCancel() -> None:
    cancelled: list[Deferred[Any]] = []
    waitFor: Deferred[int] = Deferred(cancelled.append)
    thrown: list[BaseException] = []

    @inlineCallbacks
    def gen() -> Generator[Deferred[int], int, None]:
        try:
            yield waitFor
        except BaseException as e:
            thrown.append(e)
            raise

    d = gen()
    d.cancel()
    assert cancelled == [waitFor]
    assert len(thrown) == 1
    assert isinstance(thrown[0], CancelledError)
    assert failureOf(d).check(CancelledError)


def test_inlineCallbacksCancelCaughtAndGoesOn() -> None:
    first: Deferred[int] = Deferred()
    second: Deferred[int] = Deferred()

    @inlineCallbacks
    def gen() -> Generator[Deferred[int], int, str]:
        try:
            yield first
        except CancelledError:
            pass
        value = yield second
        return f"finished with {value}"

    d = gen()
    d.cancel()
    assertNoResult(d)
    second.callback(3)
    assert resultOf(d) == "finished with 3"


def test_inlineCallbacksCancelCaughtThenFails() -> None:
    first: Deferred[int] = Deferred()

    @inlineCallbacks
    def gen() -> Generator[Deferred[int], int, None]:
        try:
            yield first
        except CancelledError:
            raise MarkedError("after cancel")

    d = gen()
    d.cancel()
    assert failureOf(d).check(MarkedError)
