"""Tests for Deferreds and asyncio together.

`Deferred.fromFuture`, `Deferred.asFuture`, awaiting a Deferred from a plain asyncio Task
(which Twisted cannot do), asyncio Futures awaited inside `ensureDeferred` coroutines, and
cancellation in both directions. Each test uses its own event loop and closes it; nothing
sleeps: the loop is only turned (``call_soon``, ``asyncio.sleep(0)``).
"""

from __future__ import annotations

import asyncio
import contextvars
import gc
from collections.abc import Iterator
from typing import Any

import pytest

from tests.internet._deferhelpers import (
    MarkedError,
    assertNoResult,
    failureOf,
    loggedFailure,
    resultOf,
    unhandledRecords,
)
from torsion.internet.defer import (
    CancelledError,
    Deferred,
    ensureDeferred,
    fail,
    succeed,
)
from torsion.python.failure import Failure

var: contextvars.ContextVar[str] = contextvars.ContextVar("var", default="default")


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    try:
        yield loop
    finally:
        loop.close()


def runSoonCalls(loop: asyncio.AbstractEventLoop) -> None:
    """Run the calls scheduled with ``call_soon`` so far (and the ones they schedule once)."""
    loop.call_soon(loop.stop)
    loop.run_forever()


def run(main: Any) -> Any:
    """Run coroutine ``main`` to completion on a fresh event loop, which is then closed."""
    return asyncio.run(main)


# -- fromFuture ------------------------------------------------------------------------------


def test_fromFuture(loop: asyncio.AbstractEventLoop) -> None:
    future: asyncio.Future[int] = loop.create_future()
    d = Deferred.fromFuture(future)
    assertNoResult(d)
    future.set_result(7)
    runSoonCalls(loop)
    assert resultOf(d) == 7


def test_fromFutureAlreadyDone(loop: asyncio.AbstractEventLoop) -> None:
    future: asyncio.Future[int] = loop.create_future()
    future.set_result(8)
    d = Deferred.fromFuture(future)
    runSoonCalls(loop)
    assert resultOf(d) == 8


def test_fromFutureException(loop: asyncio.AbstractEventLoop) -> None:
    future: asyncio.Future[int] = loop.create_future()
    d = Deferred.fromFuture(future)
    error = MarkedError()
    future.set_exception(error)
    runSoonCalls(loop)
    assert failureOf(d).value is error


def test_fromFutureFutureCancelled(loop: asyncio.AbstractEventLoop) -> None:
    """As in Twisted: a cancelled Future gives `asyncio.CancelledError`."""
    future: asyncio.Future[int] = loop.create_future()
    d = Deferred.fromFuture(future)
    future.cancel()
    runSoonCalls(loop)
    assert failureOf(d).check(asyncio.CancelledError)


def test_fromFutureDeferredCancelled(loop: asyncio.AbstractEventLoop) -> None:
    future: asyncio.Future[int] = loop.create_future()
    d = Deferred.fromFuture(future)
    d.cancel()
    assert future.cancelled()
    runSoonCalls(loop)
    assert failureOf(d).check(asyncio.CancelledError)


def test_fromFutureCancelledTaskMayStillSucceed() -> None:
    """Cancelling the Deferred cancels the Task; the Task's actual outcome is the result."""

    async def stubborn() -> int:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            return 5
        return 0

    async def main() -> None:
        task = asyncio.ensure_future(stubborn())
        await asyncio.sleep(0)
        d = Deferred.fromFuture(task)
        d.cancel()
        assertNoResult(d)
        assert await task == 5
        await asyncio.sleep(0)
        assert resultOf(d) == 5

    run(main())


def test_fromFutureCancelAfterFutureDone(loop: asyncio.AbstractEventLoop) -> None:
    future: asyncio.Future[int] = loop.create_future()
    d = Deferred.fromFuture(future)
    future.set_result(3)
    d.cancel()  # too late to cancel the Future; its result is on its way
    runSoonCalls(loop)
    assert resultOf(d) == 3


def test_fromFutureCancelTwice(loop: asyncio.AbstractEventLoop) -> None:
    future: asyncio.Future[int] = loop.create_future()
    d = Deferred.fromFuture(future)
    d.cancel()
    d.cancel()
    runSoonCalls(loop)
    assert failureOf(d).check(CancelledError, asyncio.CancelledError)


# -- asFuture --------------------------------------------------------------------------------


def test_asFuture(loop: asyncio.AbstractEventLoop) -> None:
    d: Deferred[int] = Deferred()
    future = d.asFuture(loop)
    assert not future.done()
    d.callback(13)
    runSoonCalls(loop)
    assert future.result() == 13
    assert resultOf(d) is None


def test_asFutureOfFiredDeferred(loop: asyncio.AbstractEventLoop) -> None:
    future = succeed("ready").asFuture(loop)
    assert future.done()
    assert future.result() == "ready"


def test_asFutureFailure(loop: asyncio.AbstractEventLoop, caplog: pytest.LogCaptureFixture) -> None:
    d: Deferred[int] = Deferred()
    future = d.asFuture(loop)
    error = MarkedError()
    d.errback(error)
    runSoonCalls(loop)
    assert future.exception() is error
    assert resultOf(d) is None
    del d
    assert unhandledRecords(caplog, error) == []


def test_asFutureCancelFutureCancelsDeferred(loop: asyncio.AbstractEventLoop) -> None:
    cancelled: list[Deferred[Any]] = []
    d: Deferred[int] = Deferred(cancelled.append)
    future = d.asFuture(loop)
    future.cancel()
    runSoonCalls(loop)
    assert cancelled == [d]
    assert resultOf(d) is None
    with pytest.raises(asyncio.CancelledError):
        future.result()


def test_asFutureCancelIgnoresASucceedingCanceller(loop: asyncio.AbstractEventLoop) -> None:
    d: Deferred[int] = Deferred(lambda d: d.callback(9))
    future = d.asFuture(loop)
    future.cancel()
    runSoonCalls(loop)
    assert future.cancelled()
    assert resultOf(d) is None


def test_asFutureAwaitedByATask() -> None:
    async def main() -> int:
        d: Deferred[int] = Deferred()
        loop = asyncio.get_running_loop()
        loop.call_soon(d.callback, 21)
        return await d.asFuture(loop) * 2

    assert run(main()) == 42


# -- a plain asyncio Task awaiting a Deferred ------------------------------------------------


def test_taskAwaitsDeferred() -> None:
    async def main() -> int:
        d: Deferred[int] = Deferred()
        asyncio.get_running_loop().call_soon(d.callback, 5)
        return await d

    assert run(main()) == 5


def test_taskAwaitsDeferredWithCallbacks() -> None:
    async def main() -> str:
        d: Deferred[int] = Deferred()
        chained = d.addCallback(lambda n: n + 1).addCallback(str)  # d itself, as Deferred[str]
        asyncio.get_running_loop().call_soon(d.callback, 1)
        return await chained

    assert run(main()) == "2"


def test_taskAwaitsFailedDeferred(caplog: pytest.LogCaptureFixture) -> None:
    error = MarkedError()

    async def main() -> str:
        d: Deferred[int] = Deferred()
        asyncio.get_running_loop().call_soon(d.errback, error)
        try:
            await d
        except MarkedError as e:
            assert e is error
            return "caught"
        return "not reached"

    assert run(main()) == "caught"
    assert unhandledRecords(caplog, error) == []


def test_taskAwaitsFiredDeferredWithoutSuspending() -> None:
    order: list[str] = []

    async def main() -> int:
        asyncio.get_running_loop().call_soon(order.append, "loop turned")
        value = await succeed(1)
        order.append("after await")
        await asyncio.sleep(0)
        return value

    assert run(main()) == 1
    assert order == ["after await", "loop turned"]


def test_taskAwaitsDeferredWaitingOnAnother() -> None:
    async def main() -> str:
        inner: Deferred[str] = Deferred()
        outer = succeed(None).addCallback(lambda _: inner)
        asyncio.get_running_loop().call_soon(inner.callback, "inner")
        return await outer

    assert run(main()) == "inner"


def test_taskAwaitsPausedDeferred() -> None:
    async def main() -> int:
        d = succeed(4)
        d.pause()
        asyncio.get_running_loop().call_soon(d.unpause)
        return await d

    assert run(main()) == 4


def test_tasksGatherDeferreds() -> None:
    async def waitFor(d: Deferred[int]) -> int:
        return await d

    async def main() -> list[int]:
        ds: list[Deferred[int]] = [Deferred() for _ in range(3)]
        loop = asyncio.get_running_loop()
        for i, d in reversed(list(enumerate(ds))):
            loop.call_soon(d.callback, i)
        return await asyncio.gather(*(waitFor(d) for d in ds))

    assert run(main()) == [0, 1, 2]


def test_deferredsAsAsyncioAwaitables() -> None:
    """asyncio's own helpers accept Deferreds as awaitables (wrapping each in a Task)."""

    async def main() -> tuple[list[int], int]:
        loop = asyncio.get_running_loop()
        ds: list[Deferred[int]] = [Deferred(), Deferred()]
        loop.call_soon(ds[1].callback, 2)
        loop.call_soon(ds[0].callback, 1)
        gathered = await asyncio.gather(*ds)
        d: Deferred[int] = Deferred()
        task = asyncio.ensure_future(d)
        loop.call_soon(d.callback, 3)
        return gathered, await asyncio.wait_for(task, timeout=None)

    assert run(main()) == ([1, 2], 3)


def test_taskAwaitsManyDeferreds() -> None:
    async def main() -> int:
        loop = asyncio.get_running_loop()
        total = 0
        for i in range(1000):
            d: Deferred[int] = Deferred()
            loop.call_soon(d.callback, i)
            total += await d
        return total

    assert run(main()) == sum(range(1000))


def test_cancelTaskCancelsDeferred(caplog: pytest.LogCaptureFixture) -> None:
    cancelled: list[Deferred[Any]] = []
    d: Deferred[int] = Deferred(cancelled.append)
    failures: list[Failure] = []

    def record(f: Failure) -> Failure:
        failures.append(f)
        return f

    d.addErrback(record)

    async def waiter(d: Deferred[int]) -> int:
        return await d

    async def main(d: Deferred[int]) -> None:
        task = asyncio.ensure_future(waiter(d))
        await asyncio.sleep(0)
        assert not task.done()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert task.cancelled()

    run(main(d))
    assert cancelled == [d]
    assert d.result is None  # the Task took the CancelledError failure
    assert failures[0].check(CancelledError)
    del d
    cancelled.clear()
    gc.collect()
    assert [r for r in caplog.records if loggedFailure(r) is failures[0]] == []


def test_cancelTaskThatCatchesAndGoesOn() -> None:
    d: Deferred[int] = Deferred()

    async def waiter() -> str:
        try:
            await d
        except asyncio.CancelledError:
            return "caught"
        return "not reached"

    async def main() -> str:
        task = asyncio.ensure_future(waiter())
        await asyncio.sleep(0)
        task.cancel()
        return await task

    assert run(main()) == "caught"
    assert d.called


def test_cancelTaskWhoseDeferredCancellerSucceeds() -> None:
    """The Task was asked to stop: it is cancelled even if the Deferred gave a value."""
    d: Deferred[str] = Deferred(lambda d: d.callback("canceller's value"))

    async def waiter() -> str:
        return await d

    async def main() -> None:
        task = asyncio.ensure_future(waiter())
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    run(main())


def test_cancelTaskAwaitingChainedDeferred() -> None:
    cancelled: list[Deferred[Any]] = []
    inner: Deferred[str] = Deferred(cancelled.append)
    outer = succeed(None).addCallback(lambda _: inner)

    async def waiter() -> str:
        return await outer

    async def main() -> None:
        task = asyncio.ensure_future(waiter())
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    run(main())
    assert cancelled == [inner]


# -- asyncio awaited inside ensureDeferred coroutines ----------------------------------------


def test_coroutineAwaitsAsyncioSleep() -> None:
    async def coro() -> int:
        return await asyncio.sleep(0, 7)

    async def main() -> int:
        return await ensureDeferred(coro())

    assert run(main()) == 7


def test_coroutineAwaitsFutureAndDeferred() -> None:
    async def coro(future: asyncio.Future[int], d: Deferred[int]) -> int:
        return await future + await d

    async def main() -> int:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[int] = loop.create_future()
        d: Deferred[int] = Deferred()
        result = ensureDeferred(coro(future, d))
        assertNoResult(result)
        loop.call_soon(future.set_result, 1)
        loop.call_soon(d.callback, 2)
        return await result

    assert run(main()) == 3


def test_coroutineAwaitsFailingFuture() -> None:
    error = MarkedError()

    async def coro(future: asyncio.Future[int]) -> str:
        try:
            await future
        except MarkedError as e:
            assert e is error
            return "caught"
        return "not reached"

    async def main() -> str:
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        result = ensureDeferred(coro(future))
        future.set_exception(error)
        return await result

    assert run(main()) == "caught"


def test_coroutineAwaitsTask() -> None:
    async def work() -> str:
        await asyncio.sleep(0)
        return "from a task"

    async def coro() -> str:
        return await asyncio.ensure_future(work())

    async def main() -> str:
        return await ensureDeferred(coro())

    assert run(main()) == "from a task"


def test_cancelCoroutineAwaitingFuture() -> None:
    async def coro(future: asyncio.Future[int]) -> int:
        return await future

    async def main() -> None:
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        d = ensureDeferred(coro(future))
        d.cancel()
        assert future.cancelled()
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        assert failureOf(d).check(asyncio.CancelledError)

    run(main())


def test_cancelCoroutineAwaitingFutureCatchesAndGoesOn() -> None:
    async def coro(future: asyncio.Future[int]) -> str:
        try:
            await future
        except asyncio.CancelledError:
            return "caught: " + await succeed("went on")
        return "not reached"

    async def main() -> str:
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        d = ensureDeferred(coro(future))
        d.cancel()
        return await d

    assert run(main()) == "caught: went on"


def test_cancelCoroutineAwaitingStubbornTask() -> None:
    """The awaited Task catches its cancellation and returns: the coroutine gets that value."""

    async def stubborn() -> int:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            return 5
        return 0

    async def coro(task: asyncio.Future[int]) -> int:
        return await task + 1

    async def main() -> int:
        task = asyncio.ensure_future(stubborn())
        await asyncio.sleep(0)
        d = ensureDeferred(coro(task))
        d.cancel()
        return await d

    assert run(main()) == 6


def test_cancelTaskAwaitingCoroutineAwaitingFuture() -> None:
    """Task -> Deferred of a coroutine -> asyncio Future: cancelling the Task reaches the Future."""
    reached: list[str] = []

    async def coro(future: asyncio.Future[int]) -> int:
        try:
            return await future
        except asyncio.CancelledError:
            reached.append("coroutine")
            raise

    async def waiter(d: Deferred[int]) -> int:
        return await d

    async def main() -> None:
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        d = ensureDeferred(coro(future))
        task = asyncio.ensure_future(waiter(d))
        await asyncio.sleep(0)
        task.cancel()
        assert future.cancelled()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert reached == ["coroutine"]
        assert resultOf(d) is None  # the Task took the failure

    run(main())


def test_contextKeptAcrossAsyncioAwaits() -> None:
    async def coro() -> str:
        var.set("in coroutine")
        await asyncio.sleep(0)
        await fail(MarkedError()).addErrback(lambda f: None)
        await asyncio.sleep(0)
        return var.get()

    async def main() -> tuple[str, str]:
        result = await ensureDeferred(coro())
        return result, var.get()

    assert run(main()) == ("in coroutine", "default")
