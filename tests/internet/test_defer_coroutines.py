"""Tests for coroutines on Deferreds: ensureDeferred, fromCoroutine, await, contextvars.

`inlineCallbacks` is in ``test_defer_inlinecallbacks.py``; asyncio in ``test_defer_asyncio.py``.
"""

from __future__ import annotations

import contextvars
import weakref
from collections.abc import Generator
from typing import Any

import pytest

from tests.internet._deferhelpers import (
    MarkedError,
    assertNoResult,
    failureOf,
    recordText,
    resultOf,
    unhandledRecords,
)
from torsion.internet.defer import (
    CancelledError,
    Deferred,
    NotACoroutineError,
    TimeoutError,
    ensureDeferred,
    fail,
    inlineCallbacks,
    maybeDeferred,
    succeed,
)
from torsion.internet.task import Clock

var: contextvars.ContextVar[str] = contextvars.ContextVar("var", default="default")


# -- ensureDeferred and await ----------------------------------------------------------------


def test_ensureDeferredResult() -> None:
    async def coro(a: int, b: int) -> int:
        return a + b

    assert resultOf(ensureDeferred(coro(1, 2))) == 3


def test_ensureDeferredReturnsADeferredUnchanged() -> None:
    d: Deferred[int] = Deferred()
    assert ensureDeferred(d) is d


def test_ensureDeferredRejectsOtherThings() -> None:
    with pytest.raises(NotACoroutineError):
        ensureDeferred(1)  # type: ignore[arg-type]
    assert issubclass(NotACoroutineError, TypeError)


def test_fromCoroutineRejectsOtherThings() -> None:
    async def coro() -> None:
        pass

    with pytest.raises(NotACoroutineError):
        Deferred.fromCoroutine(coro)  # type: ignore[arg-type]


def test_runsSynchronouslyUntilFirstUnfiredDeferred() -> None:
    steps: list[str] = []
    waitFor: Deferred[str] = Deferred()

    async def coro() -> str:
        steps.append("start")
        await succeed(None)
        steps.append("after a fired Deferred")
        value = await waitFor
        steps.append("resumed")
        return value

    d = ensureDeferred(coro())
    assert steps == ["start", "after a fired Deferred"]
    assertNoResult(d)
    waitFor.callback("done")
    assert steps == ["start", "after a fired Deferred", "resumed"]
    assert resultOf(d) == "done"


def test_awaitFiredDeferredDoesNotSuspend() -> None:
    async def coro() -> int:
        return await succeed(1) + await succeed(2)

    coroutine = coro()
    with pytest.raises(StopIteration) as info:
        coroutine.send(None)
    assert info.value.value == 3


def test_awaitFailedDeferredRaises(caplog: pytest.LogCaptureFixture) -> None:
    error = MarkedError()
    caught: list[BaseException] = []

    async def coro() -> str:
        try:
            await fail(error)
        except MarkedError as e:
            caught.append(e)
        return "handled"

    assert resultOf(ensureDeferred(coro())) == "handled"
    assert caught == [error]
    assert unhandledRecords(caplog, error) == []


def test_awaitLaterFailureRaises(caplog: pytest.LogCaptureFixture) -> None:
    error = MarkedError()
    waitFor: Deferred[str] = Deferred()

    async def coro(waitFor: Deferred[str]) -> str:
        try:
            return await waitFor
        except MarkedError:
            return "handled"

    d = ensureDeferred(coro(waitFor))
    waitFor.errback(error)
    assert resultOf(d) == "handled"
    assert waitFor.result is None
    del waitFor
    assert unhandledRecords(caplog, error) == []


def test_uncaughtFailureLoggedOnceByTheCoroutinesDeferred(
    caplog: pytest.LogCaptureFixture,
) -> None:
    error = MarkedError()
    waitFor: Deferred[str] = Deferred()

    async def coro(waitFor: Deferred[str]) -> str:
        return await waitFor

    d = ensureDeferred(coro(waitFor))
    waitFor.errback(error)
    del d, waitFor
    records = unhandledRecords(caplog, error)
    assert len(records) == 1
    assert "in coro" in recordText(records[0])


def test_awaitedResultIsConsumed() -> None:
    waitFor: Deferred[str] = Deferred()

    async def coro() -> str:
        return await waitFor

    d = ensureDeferred(coro())
    waitFor.callback("x")
    assert waitFor.result is None
    assert resultOf(d) == "x"


def test_exceptionInCoroutine() -> None:
    async def coro() -> None:
        raise MarkedError("inside")

    f = failureOf(ensureDeferred(coro()))
    assert f.check(MarkedError)
    assert "in coro" in f.getTraceback()


def test_nestedCoroutines() -> None:
    waitFor: Deferred[int] = Deferred()

    async def inner() -> int:
        return await waitFor * 2

    async def outer() -> int:
        return await ensureDeferred(inner()) + 1

    d = ensureDeferred(outer())
    waitFor.callback(20)
    assert resultOf(d) == 41


def test_fromCoroutine() -> None:
    async def coro() -> str:
        return "from coroutine"

    assert resultOf(Deferred.fromCoroutine(coro())) == "from coroutine"


def test_finishedCoroutineIsFreed() -> None:
    """No cycle keeps a finished coroutine's Deferred (or its result) alive until a GC."""

    class Result:
        pass

    async def coro(value: Result) -> Result:
        return value

    value = Result()
    watchValue = weakref.ref(value)
    d = Deferred.fromCoroutine(coro(value))
    assert resultOf(d) is value
    watchDeferred = weakref.ref(d)
    del value, d
    assert watchValue() is None
    assert watchDeferred() is None


def test_fromCoroutineWithGenerator() -> None:
    def gen() -> Generator[Deferred[int], int, int]:
        a = yield succeed(1)
        b = yield succeed(2)
        return a + b

    assert resultOf(Deferred.fromCoroutine(gen())) == 3
    assert resultOf(ensureDeferred(gen())) == 3


def test_awaitInAGeneratorBasedCoroutine() -> None:
    """``yield from deferred`` works as ``await`` (Deferred.__iter__)."""
    waitFor: Deferred[int] = Deferred()

    def gen() -> Generator[Any, Any, int]:
        value = yield from waitFor
        return value + 1

    d = ensureDeferred(gen())
    waitFor.callback(1)
    assert resultOf(d) == 2


def test_maybeDeferredWithCoroutineFunction() -> None:
    async def coro(a: int, *, b: int) -> int:
        return a * b

    assert resultOf(maybeDeferred(coro, 6, b=7)) == 42


def test_maybeDeferredWithFailingCoroutine() -> None:
    async def coro() -> None:
        raise MarkedError()

    assert failureOf(maybeDeferred(coro)).check(MarkedError)


def test_maybeDeferredWithGeneratorFunction() -> None:
    """Only coroutines are run: a generator is an ordinary return value (as in Twisted)."""

    def gen() -> Generator[int, None, None]:
        yield 1

    result = resultOf(maybeDeferred(gen))
    assert list(result) == [1]


def test_maybeDeferredWithWaitingCoroutine() -> None:
    waitFor: Deferred[int] = Deferred()

    async def coro() -> int:
        return await waitFor

    d = maybeDeferred(coro)
    assertNoResult(d)
    waitFor.callback(5)
    assert resultOf(d) == 5


# -- cancelling a coroutine ------------------------------------------------------------------


def test_cancelCancelsTheAwaitedDeferred() -> None:
    cancelled: list[Deferred[Any]] = []
    waitFor: Deferred[int] = Deferred(cancelled.append)

    async def coro() -> int:
        return await waitFor

    d = ensureDeferred(coro())
    d.cancel()
    assert cancelled == [waitFor]
    assert failureOf(d).check(CancelledError)


def test_cancelledCoroutineCatchesAndGoesOn() -> None:
    first: Deferred[int] = Deferred()
    second: Deferred[int] = Deferred()
    steps: list[str] = []

    async def coro() -> int:
        try:
            await first
        except CancelledError:
            steps.append("caught")
        return await second + 1

    d = ensureDeferred(coro())
    d.cancel()
    assert steps == ["caught"]
    assertNoResult(d)
    second.callback(1)
    assert resultOf(d) == 2


def test_cancelTwice() -> None:
    first: Deferred[int] = Deferred()
    second: Deferred[int] = Deferred()

    async def coro() -> str:
        try:
            await first
        except CancelledError:
            pass
        await second
        return "not reached"

    d = ensureDeferred(coro())
    d.cancel()
    assertNoResult(d)
    d.cancel()
    assert second.called
    assert failureOf(d).check(CancelledError)


def test_cancelCoroutineWhoseAwaitedCancellerSucceeds() -> None:
    waitFor: Deferred[str] = Deferred(lambda d: d.callback("gave up"))

    async def coro() -> str:
        return (await waitFor).upper()

    d = ensureDeferred(coro())
    d.cancel()
    assert resultOf(d) == "GAVE UP"


def test_cancelFinishedCoroutineIsANoOp() -> None:
    async def coro() -> int:
        return 1

    d = ensureDeferred(coro())
    d.cancel()
    assert resultOf(d) == 1


def test_cancelFromInsideTheCoroutine() -> None:
    """Cancelled while running, it awaits nothing to cancel: its own outcome stands."""
    holder: list[Deferred[Any]] = []
    waitFor: Deferred[None] = Deferred()
    after: Deferred[str] = Deferred()

    async def coro() -> str:
        await waitFor
        holder[0].cancel()
        return await after

    d = ensureDeferred(coro())
    holder.append(d)
    waitFor.callback(None)
    assertNoResult(d)
    after.callback("went on")
    assert resultOf(d) == "went on"


def test_cancelFromInsideTheCoroutineThenFailing() -> None:
    """An error after such a cancel is not lost."""
    holder: list[Deferred[Any]] = []
    waitFor: Deferred[None] = Deferred()
    error = MarkedError()

    async def coro() -> None:
        await waitFor
        holder[0].cancel()
        raise error

    d = ensureDeferred(coro())
    holder.append(d)
    waitFor.callback(None)
    assert failureOf(d).value is error


def test_addTimeoutOnACoroutine() -> None:
    clock = Clock()
    waitFor: Deferred[int] = Deferred()
    steps: list[str] = []

    async def coro() -> int:
        try:
            return await waitFor
        except CancelledError:
            steps.append("cancelled")
            raise

    d = ensureDeferred(coro()).addTimeout(1, clock)
    clock.advance(1)
    assert steps == ["cancelled"]
    assert failureOf(d).check(TimeoutError)


def test_addTimeoutOnACoroutineThatRecovers() -> None:
    clock = Clock()
    waitFor: Deferred[int] = Deferred()

    async def coro() -> str:
        try:
            await waitFor
        except CancelledError:
            return "gave up in time"
        return "not reached"

    d = ensureDeferred(coro()).addTimeout(1, clock)
    clock.advance(1)
    assert resultOf(d) == "gave up in time"


# -- contextvars -----------------------------------------------------------------------------


def test_coroutineRunsInACopiedContext() -> None:
    waitFor: Deferred[None] = Deferred()
    seen: list[str] = []

    async def coro() -> str:
        seen.append(var.get())
        var.set("inside")
        await waitFor
        return var.get()

    token = var.set("outside")
    try:
        d = ensureDeferred(coro())
        assert var.get() == "outside"
        var.set("changed outside")
        waitFor.callback(None)  # resumed from a context with another value
        assert resultOf(d) == "inside"
        assert seen == ["outside"]
        assert var.get() == "changed outside"
    finally:
        var.reset(token)


def test_eachCoroutineHasItsOwnContext() -> None:
    waits: list[Deferred[None]] = [Deferred(), Deferred()]

    async def coro(name: str, waitFor: Deferred[None]) -> str:
        var.set(name)
        await waitFor
        return var.get()

    a = ensureDeferred(coro("a", waits[0]))
    b = ensureDeferred(coro("b", waits[1]))
    waits[1].callback(None)
    waits[0].callback(None)
    assert resultOf(a) == "a"
    assert resultOf(b) == "b"
    assert var.get() == "default"


def test_inlineCallbacksContext() -> None:
    waitFor: Deferred[None] = Deferred()

    @inlineCallbacks
    def gen() -> Generator[Deferred[None], None, str]:
        var.set("in generator")
        yield waitFor
        return var.get()

    d = gen()
    assert var.get() == "default"
    waitFor.callback(None)
    assert resultOf(d) == "in generator"
    assert var.get() == "default"


# -- many steps never deepen the stack -------------------------------------------------------

N = 100_000


def test_inlineCallbacksManyFiredYields() -> None:
    @inlineCallbacks
    def gen() -> Generator[Deferred[int], int, int]:
        total = 0
        for i in range(N):
            total += yield succeed(i)
        return total

    assert resultOf(gen()) == N * (N - 1) // 2


def test_coroutineManyFiredAwaits() -> None:
    async def coro() -> int:
        total = 0
        for i in range(N):
            total += await succeed(i)
        return total

    assert resultOf(ensureDeferred(coro())) == N * (N - 1) // 2


def test_coroutineManyFailedAwaits() -> None:
    async def coro() -> int:
        caught = 0
        for _ in range(N):
            try:
                await fail(MarkedError())
            except MarkedError:
                caught += 1
        return caught

    assert resultOf(ensureDeferred(coro())) == N


def test_coroutineManyLaterAwaits() -> None:
    """Each Deferred fires only after the coroutine waits on it."""
    pending: list[Deferred[int]] = []

    async def coro() -> int:
        total = 0
        for _ in range(N):
            d: Deferred[int] = Deferred()
            pending.append(d)
            total += await d
        return total

    result = ensureDeferred(coro())
    i = 0
    while pending:
        pending.pop().callback(i)
        i += 1
    assert i == N
    assert resultOf(result) == N * (N - 1) // 2


def test_nestedCoroutinesResumeInOrder() -> None:
    """Fifty coroutines each awaiting the next are all resumed by one Deferred firing.

    (Each level of nesting takes a few stack frames, while starting and while resuming, as in
    Twisted: nesting is the program's own recursion.)
    """
    waitFor: Deferred[int] = Deferred()
    finished: list[int] = []

    async def level(n: int) -> int:
        result = await waitFor if n == 0 else await ensureDeferred(level(n - 1)) + 1
        finished.append(n)
        return result

    d = ensureDeferred(level(50))
    assert finished == []
    waitFor.callback(0)
    assert resultOf(d) == 50
    assert finished == list(range(51))
