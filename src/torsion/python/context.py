"""Dynamic scoping: values that a call passes down to everything it calls, unasked.

``call({"request-id": 7}, handle, request)`` runs ``handle(request)``; anything it calls, however
deep, reads the value with ``get("request-id")``, and after ``call`` returns it is gone. Use it
sparingly: a value that arrives without being passed makes code hard to follow.

Twisted keeps one stack of such dicts per thread. torsion keeps it in a `contextvars` variable,
which is per thread too, and also follows the context to where asyncio tasks, coroutines driven
by Deferreds and `torsion.python.threadpool` calls carry it: a function run in the thread pool
from inside ``call`` sees the caller's values, as Twisted's thread pool arranges by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextvars import ContextVar
from typing import Any, ParamSpec, TypeVar

__all__ = [
    "ContextTracker",
    "ThreadedContextTracker",
    "call",
    "defaultContextDict",
    "get",
    "installContextTracker",
    "setDefault",
]

_T = TypeVar("_T")
_P = ParamSpec("_P")

defaultContextDict: dict[Any, Any] = {}
"""Values every context has unless a `call` overrides them."""

setDefault = defaultContextDict.__setitem__
"""``setDefault(key, value)``: give `key` a value in every context."""


def _lookup(contexts: Sequence[Mapping[Any, Any]], key: Any, default: Any) -> Any:
    """The value of `key` in the innermost of `contexts` (outermost first) that has it."""
    for ctx in reversed(contexts):
        try:
            return ctx[key]
        except KeyError:
            pass
    return default


class ContextTracker:
    """One explicit stack of contexts, for code that manages a stack of its own.

    Attributes:
        contexts: The stack, outermost first: `defaultContextDict`, then one mapping per
            `callWithContext` in progress.
    """

    def __init__(self) -> None:
        self.contexts: list[Mapping[Any, Any]] = [defaultContextDict]

    def callWithContext(
        self,
        newContext: Mapping[Any, Any],
        func: Callable[_P, _T],
        *args: _P.args,
        **kw: _P.kwargs,
    ) -> _T:
        """Call ``func(*args, **kw)`` with `newContext`'s values visible to `getContext`."""
        self.contexts.append(newContext)
        try:
            return func(*args, **kw)
        finally:
            self.contexts.pop()

    def getContext(self, key: Any, default: Any = None) -> Any:
        """Return the innermost value of `key`, or `default` if no context has it."""
        return _lookup(self.contexts, key, default)


class ThreadedContextTracker:
    """The stack of contexts of the running thread (and asyncio task), kept in a `ContextVar`.

    This is the tracker behind the module's `call` and `get`.
    """

    def __init__(self) -> None:
        # The contexts pushed by calls in progress, outermost first; the tuple is never
        # mutated, so a copied context (a task's, a pool thread's) cannot see later pushes.
        self._stack: ContextVar[tuple[Mapping[Any, Any], ...]] = ContextVar(
            "torsion.python.context", default=()
        )

    def callWithContext(
        self, ctx: Mapping[Any, Any], func: Callable[_P, _T], *args: _P.args, **kw: _P.kwargs
    ) -> _T:
        """Call ``func(*args, **kw)`` with `ctx`'s values visible to `getContext`."""
        token = self._stack.set((*self._stack.get(), ctx))
        try:
            return func(*args, **kw)
        finally:
            self._stack.reset(token)

    def getContext(self, key: Any, default: Any = None) -> Any:
        """Return the innermost value of `key`, then its default, then `default`."""
        return _lookup((defaultContextDict, *self._stack.get()), key, default)

    def currentContext(self) -> ContextTracker:
        """Return the running thread's (and task's) stack as a `ContextTracker` (Twisted's).

        Its ``contexts`` are `defaultContextDict`, then the mapping of each `call` in
        progress, innermost last: the same mapping objects, so a value stored in one of them
        is seen by `get`. The list itself is a snapshot: pushing onto it changes nothing here.
        """
        tracker = ContextTracker()
        tracker.contexts.extend(self._stack.get())
        return tracker


theContextTracker: ThreadedContextTracker | ContextTracker = ThreadedContextTracker()
"""The tracker `call` and `get` use."""

call = theContextTracker.callWithContext
get = theContextTracker.getContext


def installContextTracker(ctr: ThreadedContextTracker | ContextTracker) -> None:
    """Make `ctr` the tracker behind the module's `call` and `get`."""
    global theContextTracker, call, get
    theContextTracker = ctr
    call = ctr.callWithContext
    get = ctr.getContext
