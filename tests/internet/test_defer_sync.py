"""Tests for DeferredLock, DeferredSemaphore and DeferredQueue."""

from __future__ import annotations

from typing import Any

import pytest

from tests.internet._deferhelpers import failureOf, resultOf
from torsion.internet.defer import (
    CancelledError,
    Deferred,
    DeferredLock,
    DeferredQueue,
    DeferredSemaphore,
    QueueOverflow,
    QueueUnderflow,
    ensureDeferred,
    fail,
)


def record(log: list[Any], item: Any) -> Any:
    """A callback that appends ``item`` to ``log`` and passes its result on."""

    def callback(result: Any) -> Any:
        log.append(item)
        return result

    return callback


@pytest.fixture(params=["lock", "semaphore"])
def primitive(request: pytest.FixtureRequest) -> DeferredLock | DeferredSemaphore:
    """A lock, or a one-token semaphore: both must behave as a mutex."""
    return DeferredLock() if request.param == "lock" else DeferredSemaphore(1)


def isHeld(primitive: DeferredLock | DeferredSemaphore) -> bool:
    if isinstance(primitive, DeferredLock):
        return primitive.locked
    return primitive.tokens == 0


# -- behaviour shared by the lock and a one-token semaphore ------------------------------------


class TestMutex:
    def test_acquire_when_free(self, primitive: Any) -> None:
        assert not isHeld(primitive)
        assert resultOf(primitive.acquire()) is primitive
        assert isHeld(primitive)

    def test_waiters_are_served_in_order(self, primitive: Any) -> None:
        order: list[int] = []
        primitive.acquire()
        for i in range(3):
            primitive.acquire().addCallback(record(order, i))
        assert order == []
        assert len(primitive.waiting) == 3
        for expected in ([0], [0, 1], [0, 1, 2]):
            primitive.release()
            assert order == expected
            assert isHeld(primitive)
        primitive.release()
        assert not isHeld(primitive)

    def test_release_without_acquire(self, primitive: Any) -> None:
        with pytest.raises(AssertionError):
            primitive.release()

    def test_cancel_pending_acquire(self, primitive: Any) -> None:
        order: list[str] = []
        primitive.acquire()
        pending = primitive.acquire()
        primitive.acquire().addCallback(record(order, "next"))
        pending.cancel()
        assert failureOf(pending).check(CancelledError)
        assert len(primitive.waiting) == 1
        primitive.release()
        assert order == ["next"]
        primitive.release()
        assert not isHeld(primitive)

    def test_cancel_acquired_is_a_no_op(self, primitive: Any) -> None:
        acquired = primitive.acquire()
        acquired.cancel()
        assert resultOf(acquired) is primitive
        assert isHeld(primitive)

    def test_run_sync_function(self, primitive: Any) -> None:
        calls: list[Any] = []

        def f(*args: Any, **kwargs: Any) -> str:
            calls.append((args, kwargs, isHeld(primitive)))
            return "result"

        assert resultOf(primitive.run(f, 1, 2, key="value")) == "result"
        assert calls == [((1, 2), {"key": "value"}, True)]
        assert not isHeld(primitive)

    def test_run_kwarg_named_f(self, primitive: Any) -> None:
        assert resultOf(primitive.run(lambda f: f * 2, f=21)) == 42

    def test_run_holds_until_deferred_fires(self, primitive: Any) -> None:
        inner: Deferred[str] = Deferred()
        ran = primitive.run(lambda: inner)
        assert isHeld(primitive)
        inner.callback("done")
        assert resultOf(ran) == "done"
        assert not isHeld(primitive)

    def test_run_waits_for_the_holder(self, primitive: Any) -> None:
        primitive.acquire()
        calls: list[str] = []
        ran = primitive.run(calls.append, "called")
        assert calls == []
        primitive.release()
        assert calls == ["called"]
        assert resultOf(ran) is None
        assert not isHeld(primitive)

    def test_run_releases_when_function_raises(self, primitive: Any) -> None:
        def f() -> None:
            raise ValueError("boom")

        assert failureOf(primitive.run(f)).check(ValueError)
        assert not isHeld(primitive)

    def test_run_releases_when_deferred_fails(self, primitive: Any) -> None:
        assert failureOf(primitive.run(fail, KeyError("boom"))).check(KeyError)
        assert not isHeld(primitive)

    def test_run_coroutine_function(self, primitive: Any) -> None:
        inner: Deferred[int] = Deferred()

        async def f(n: int) -> int:
            return n + await inner

        ran = primitive.run(f, 1)
        assert isHeld(primitive)
        inner.callback(41)
        assert resultOf(ran) == 42
        assert not isHeld(primitive)

    def test_cancel_run_while_waiting(self, primitive: Any) -> None:
        primitive.acquire()
        calls: list[str] = []
        ran = primitive.run(calls.append, "called")
        ran.cancel()
        assert failureOf(ran).check(CancelledError)
        primitive.release()
        assert calls == []
        assert not isHeld(primitive)

    def test_cancel_run_while_running_releases(self, primitive: Any) -> None:
        ran = primitive.run(lambda: Deferred())
        ran.cancel()
        assert failureOf(ran).check(CancelledError)
        assert not isHeld(primitive)

    def test_async_with(self, primitive: Any) -> None:
        held: list[bool] = []

        async def task() -> str:
            async with primitive as entered:
                assert entered is primitive
                held.append(isHeld(primitive))
            return "done"

        assert resultOf(Deferred.fromCoroutine(task())) == "done"
        assert held == [True]
        assert not isHeld(primitive)

    def test_async_with_waits_in_line(self, primitive: Any) -> None:
        order: list[str] = []
        gates: dict[str, Deferred[None]] = {name: Deferred() for name in ("a", "b")}

        async def task(name: str) -> None:
            async with primitive:
                order.append(f"{name} in")
                await gates[name]
                order.append(f"{name} out")

        first = ensureDeferred(task("a"))
        second = ensureDeferred(task("b"))
        assert order == ["a in"]
        gates["a"].callback(None)
        assert order == ["a in", "a out", "b in"]
        gates["b"].callback(None)
        assert order == ["a in", "a out", "b in", "b out"]
        assert resultOf(first) is None
        assert resultOf(second) is None
        assert not isHeld(primitive)

    def test_async_with_exception_releases_and_propagates(self, primitive: Any) -> None:
        async def task() -> None:
            async with primitive:
                raise ValueError("boom")

        assert failureOf(ensureDeferred(task())).check(ValueError)
        assert not isHeld(primitive)


# -- DeferredLock ------------------------------------------------------------------------------


class TestDeferredLock:
    def test_locked_flag(self) -> None:
        lock = DeferredLock()
        assert lock.locked is False
        lock.acquire()
        assert lock.locked is True
        lock.release()
        assert lock.locked is False


# -- DeferredSemaphore -------------------------------------------------------------------------


class TestDeferredSemaphore:
    @pytest.mark.parametrize("tokens", [0, -1])
    def test_needs_a_token(self, tokens: int) -> None:
        with pytest.raises(ValueError):
            DeferredSemaphore(tokens)

    def test_tokens_and_limit(self) -> None:
        semaphore = DeferredSemaphore(2)
        assert (semaphore.tokens, semaphore.limit) == (2, 2)
        first = semaphore.acquire()
        second = semaphore.acquire()
        third = semaphore.acquire()
        assert resultOf(first) is semaphore
        assert resultOf(second) is semaphore
        assert not third.called
        assert (semaphore.tokens, semaphore.limit) == (0, 2)
        semaphore.release()
        assert resultOf(third) is semaphore
        assert semaphore.tokens == 0
        semaphore.release()
        semaphore.release()
        assert semaphore.tokens == 2
        with pytest.raises(AssertionError):
            semaphore.release()

    def test_run_limits_concurrency(self) -> None:
        semaphore = DeferredSemaphore(2)
        gates: list[Deferred[None]] = [Deferred() for _ in range(4)]
        started: list[int] = []

        def job(i: int) -> Deferred[None]:
            started.append(i)
            return gates[i]

        runs = [semaphore.run(job, i) for i in range(4)]
        assert started == [0, 1]
        gates[1].callback(None)
        assert started == [0, 1, 2]
        gates[0].callback(None)
        gates[2].callback(None)
        gates[3].callback(None)
        assert started == [0, 1, 2, 3]
        assert [resultOf(r) for r in runs] == [None] * 4
        assert semaphore.tokens == 2


# -- DeferredQueue -----------------------------------------------------------------------------


class TestDeferredQueue:
    def test_put_then_get(self) -> None:
        queue: DeferredQueue[int] = DeferredQueue()
        queue.put(1)
        queue.put(2)
        assert list(queue.pending) == [1, 2]
        assert resultOf(queue.get()) == 1
        assert resultOf(queue.get()) == 2
        assert not queue.pending

    def test_get_then_put_serves_getters_in_order(self) -> None:
        queue: DeferredQueue[str] = DeferredQueue()
        first, second = queue.get(), queue.get()
        assert len(queue.waiting) == 2
        queue.put("a")
        assert resultOf(first) == "a"
        assert not second.called
        queue.put("b")
        assert resultOf(second) == "b"
        assert not queue.waiting
        assert not queue.pending

    def test_overflow(self) -> None:
        queue: DeferredQueue[int] = DeferredQueue(size=2)
        queue.put(1)
        queue.put(2)
        with pytest.raises(QueueOverflow):
            queue.put(3)
        assert list(queue.pending) == [1, 2]

    def test_size_zero_only_hands_over(self) -> None:
        queue: DeferredQueue[int] = DeferredQueue(size=0)
        with pytest.raises(QueueOverflow):
            queue.put(1)
        got = queue.get()
        queue.put(2)
        assert resultOf(got) == 2

    def test_underflow(self) -> None:
        queue: DeferredQueue[int] = DeferredQueue(backlog=1)
        queue.get()
        with pytest.raises(QueueUnderflow):
            queue.get()
        assert len(queue.waiting) == 1

    def test_backlog_zero(self) -> None:
        queue: DeferredQueue[int] = DeferredQueue(backlog=0)
        with pytest.raises(QueueUnderflow):
            queue.get()
        queue.put(1)
        assert resultOf(queue.get()) == 1

    def test_cancel_get(self) -> None:
        queue: DeferredQueue[str] = DeferredQueue(backlog=1)
        got = queue.get()
        got.cancel()
        assert failureOf(got).check(CancelledError)
        assert not queue.waiting
        # The freed place counts against the backlog no more...
        later = queue.get()
        # ...and the next item goes to the getter still waiting.
        queue.put("x")
        assert resultOf(later) == "x"

    def test_cancel_get_then_put_queues_item(self) -> None:
        queue: DeferredQueue[str] = DeferredQueue()
        got = queue.get()
        got.cancel()
        failureOf(got)
        queue.put("x")
        assert list(queue.pending) == ["x"]

    def test_cancel_fired_get_is_a_no_op(self) -> None:
        queue: DeferredQueue[int] = DeferredQueue()
        got = queue.get()
        queue.put(1)
        got.cancel()
        assert resultOf(got) == 1

    def test_get_from_pending_is_already_fired(self) -> None:
        queue: DeferredQueue[int] = DeferredQueue()
        queue.put(5)
        got = queue.get()
        assert got.called
        assert resultOf(got) == 5
