"""Tests for `torsion.python.context`: values a call passes down to what it calls."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from torsion.python import context
from torsion.python.threadpool import ThreadPool


def test_not_present_unless_set() -> None:
    assert context.get("x") is None
    assert context.get("x", 5) == 5


def test_set_by_call_and_gone_after() -> None:
    assert context.call({"x": "y"}, context.get, "x") == "y"
    assert context.get("x") is None


def test_gone_after_an_exception() -> None:
    def fail() -> None:
        raise KeyError("boom")

    with pytest.raises(KeyError):
        context.call({"x": "y"}, fail)
    assert context.get("x") is None


def test_inner_calls_shadow_outer_ones() -> None:
    def inner() -> tuple[Any, Any]:
        return context.get("a"), context.get("b")

    def outer() -> tuple[Any, ...]:
        return (*context.call({"a": 2}, inner), context.get("a"))

    assert context.call({"a": 1, "b": 1}, outer, **{}) == (2, 1, 1)


@pytest.fixture
def defaultKey() -> Iterator[object]:
    key = object()
    yield key
    context.defaultContextDict.pop(key, None)


def test_setDefault(defaultKey: object) -> None:
    context.setDefault(defaultKey, "y")
    assert context.get(defaultKey) == "y"
    assert context.call({defaultKey: "z"}, context.get, defaultKey) == "z"


def test_each_thread_has_its_own_stack() -> None:
    seen: list[Any] = []
    entered, checked = threading.Event(), threading.Event()

    def other() -> None:
        entered.wait()
        seen.append(context.get("x"))
        checked.set()

    def holdOpen() -> None:
        entered.set()
        checked.wait()

    thread = threading.Thread(target=other)
    thread.start()
    context.call({"x": "main"}, holdOpen)
    thread.join()
    assert seen == [None]


def test_a_thread_pool_call_sees_the_callers_context() -> None:
    pool = ThreadPool(1, 1)
    pool.start()
    try:
        done = threading.Event()
        seen: list[Any] = []

        def work() -> None:
            seen.append(context.get("request"))
            done.set()

        context.call({"request": 7}, pool.callInThread, work)
        assert done.wait(10)
    finally:
        pool.stop()
    assert seen == [7]


def test_asyncio_tasks_keep_the_context_they_were_made_in() -> None:
    async def read() -> Any:
        await asyncio.sleep(0)
        return context.get("x")

    async def main() -> Any:
        task = context.call({"x": 1}, asyncio.ensure_future, read())
        assert context.get("x") is None
        return await task

    assert asyncio.run(main()) == 1


def test_ContextTracker_keeps_an_explicit_stack() -> None:
    tracker = context.ContextTracker()
    assert tracker.contexts == [context.defaultContextDict]

    def inside() -> tuple[Any, int]:
        return tracker.getContext("k"), len(tracker.contexts)

    assert tracker.callWithContext({"k": "v"}, inside) == ("v", 2)
    assert tracker.getContext("k", "none") == "none"


def test_installContextTracker() -> None:
    original = context.theContextTracker
    tracker = context.ContextTracker()
    context.installContextTracker(tracker)
    try:
        assert context.call({"k": 1}, lambda: tracker.contexts[-1]) == {"k": 1}
    finally:
        context.installContextTracker(original)
    assert context.theContextTracker is original
    assert context.call({"k": 2}, context.get, "k") == 2


def test_current_context_lists_the_stack_innermost_last() -> None:
    tracker = context.theContextTracker
    assert isinstance(tracker, context.ThreadedContextTracker)
    assert tracker.currentContext().contexts == [context.defaultContextDict]
    inner = {"x": 2}

    def look() -> list[Any]:
        current = tracker.currentContext()
        assert current.getContext("x") == 2
        return current.contexts

    contexts = context.call({"x": 1}, lambda: context.call(inner, look))
    assert contexts[0] is context.defaultContextDict and contexts[-1] is inner
    assert [c.get("x") for c in contexts[1:]] == [1, 2]
