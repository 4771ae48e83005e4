"""Deferreds that already have their result, and calls whose outcome becomes one."""

from __future__ import annotations

from collections.abc import Callable
from types import CoroutineType
from typing import Any, ParamSpec, TypeVar

from torsion.internet._defer.deferred import Deferred
from torsion.python.failure import Failure

__all__ = ["execute", "fail", "maybeDeferred", "succeed"]

_T = TypeVar("_T")
_P = ParamSpec("_P")


def succeed(result: _T) -> Deferred[_T]:
    """A Deferred that already has ``result``."""
    d: Deferred[_T] = Deferred()
    if Deferred.debug:
        d.callback(result)
    else:
        # Nothing to run yet: skip the callback loop (this is on every hot path).
        d.called = True
        d.result = result
    return d


def fail(result: Failure | BaseException | None = None) -> Deferred[Any]:
    """A Deferred that already failed with ``result`` (default: the exception being handled)."""
    d: Deferred[Any] = Deferred()
    d.errback(result)
    return d


def execute(callable: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs) -> Deferred[_T]:
    """Call ``callable`` now; a Deferred of its return value, or of the exception it raised."""
    try:
        result = callable(*args, **kwargs)
    except BaseException:
        return fail()
    return succeed(result)


def maybeDeferred(f: Callable[_P, Any], *args: _P.args, **kwargs: _P.kwargs) -> Deferred[Any]:
    """Call ``f`` and always return a Deferred of the outcome.

    A Deferred returned by ``f`` is passed on as it is; a coroutine is run with
    `Deferred.fromCoroutine`; a Failure returned or an exception raised gives a failed Deferred.
    """
    try:
        result = f(*args, **kwargs)
    except BaseException:
        return fail()
    if isinstance(result, Deferred):
        return result
    if isinstance(result, Failure):
        return fail(result)
    if isinstance(result, CoroutineType):
        return Deferred.fromCoroutine(result)
    return succeed(result)
