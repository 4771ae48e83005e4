"""Running coroutines and generators on Deferreds: `inlineCallbacks`, `ensureDeferred`.

One driver serves both styles. It sends each result into the coroutine and looks at what comes
out: a Deferred (``yield d`` in `inlineCallbacks`) or a `Waiter` (``await d``) means "resume me
with that Deferred's result"; an asyncio Future (``await`` of an asyncio object) is waited on
through `Deferred.fromFuture`; a yielded coroutine or generator is run as a nested one and
waited on; anything else is sent straight back. Results that are already
there are taken in a loop, so a long run of fired Deferreds never deepens the stack.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable, Coroutine, Generator
from types import CoroutineType, GeneratorType
from typing import Any, NoReturn, ParamSpec, TypeVar

from torsion.internet._defer.deferred import Deferred, NotACoroutineError
from torsion.internet._defer.waiter import Waiter
from torsion.python.failure import Failure

__all__ = ["ensureDeferred", "inlineCallbacks", "returnValue"]

_T = TypeVar("_T")
_P = ParamSpec("_P")

_COROUTINE_TYPES = (CoroutineType, GeneratorType)


class _DefGen_Return(BaseException):  # Twisted's name, kept for tracebacks.
    """Raised by the legacy `returnValue` to end an `inlineCallbacks` generator."""

    def __init__(self, value: object) -> None:
        super().__init__(value)
        self.value = value


def returnValue(val: object) -> NoReturn:
    """End an `inlineCallbacks` generator with ``val`` (legacy: prefer ``return val``)."""
    raise _DefGen_Return(val)


class _Driver:
    """Steps one coroutine or generator, firing ``deferred`` with its outcome."""

    __slots__ = ("_context", "_coroutine", "_waitingOn", "deferred")

    def __init__(self, coroutine: Generator[Any, Any, Any] | Coroutine[Any, Any, Any]) -> None:
        self._coroutine = coroutine
        self._context = contextvars.copy_context()
        self._waitingOn: Deferred[Any] | None = None
        self.deferred: Deferred[Any] = Deferred(self._cancel)

    def run(self, value: object) -> None:
        """Send ``value`` (thrown, if a Failure) in and run until the coroutine must wait."""
        coroutine = self._coroutine
        run = self._context.run
        while True:
            try:
                if isinstance(value, Failure):
                    yielded = run(value.throwExceptionIntoGenerator, coroutine)
                else:
                    yielded = run(coroutine.send, value)
            except StopIteration as stop:
                # The common ending, so no helper call: fire the Deferred unless it was
                # fired already (cancelled from inside the coroutine).
                deferred = self.deferred
                if not deferred.called:
                    deferred.callback(stop.value)
                return
            except _DefGen_Return as legacyReturn:
                self._finish(legacyReturn.value)
                return
            except BaseException:
                self._finish(Failure())
                return
            if type(yielded) is Waiter:
                yielded.deferred.addBoth(self._resumeWaiter, yielded)
                self._waitingOn = yielded.deferred
                return
            if isinstance(yielded, _COROUTINE_TYPES):
                # As in Twisted: a coroutine or generator yielded by an inlineCallbacks
                # generator runs as a nested one, and its result is sent back.
                yielded = driveCoroutine(yielded)
            if isinstance(yielded, Deferred):
                if yielded.called and not yielded.paused:
                    value = yielded.result
                    yielded.result = None
                    if isinstance(value, Failure) and yielded._reporter is not None:
                        yielded._reporter.failResult = None
                    continue
                self._waitingOn = yielded
                yielded.addBoth(self._resume)
                return
            if getattr(yielded, "_asyncio_future_blocking", None) is not None:
                # An asyncio Future, awaited: it reads its own result once resumed.
                yielded._asyncio_future_blocking = False
                waitFor = Deferred.fromFuture(yielded)
                self._waitingOn = waitFor
                waitFor.addBoth(self._resumeFuture)
                return
            value = yielded

    def _resume(self, result: object) -> None:
        self._waitingOn = None
        self.run(result)

    def _resumeWaiter(self, result: object, waiter: Waiter[Any]) -> None:
        waiter.store(result)
        self._resume(None)

    def _resumeFuture(self, result: object) -> None:
        self._resume(None)

    def _finish(self, result: object) -> None:
        deferred = self.deferred
        if deferred.called:
            # Fired by someone other than this driver: nothing left to tell it.
            return
        if isinstance(result, Failure):
            deferred.errback(result)
        else:
            deferred.callback(result)

    def _cancel(self, deferred: Deferred[Any]) -> None:
        """Cancel what the coroutine awaits; its reaction decides the Deferred's outcome.

        The coroutine may catch the CancelledError and go on, so ``deferred`` is made to wait
        on a fresh Deferred that the coroutine's eventual outcome fires. Cancelled while it
        runs (from inside itself), it awaits nothing: as in Twisted, its outcome stands.
        """
        awaited = self._waitingOn
        replacement: Deferred[Any] = Deferred(self._cancel)
        self.deferred = replacement
        deferred.callbacks.insert(0, (_replaceWith, (replacement,), {}, None, None, None))
        deferred.callback(None)
        if awaited is not None:
            awaited.cancel()


def _replaceWith(_: object, replacement: Deferred[Any]) -> Deferred[Any]:
    return replacement


def driveCoroutine(coro: Coroutine[Any, Any, _T] | Generator[Any, Any, _T]) -> Deferred[_T]:
    """Start ``coro`` now and return a Deferred of its outcome (`Deferred.fromCoroutine`)."""
    if not isinstance(coro, _COROUTINE_TYPES):
        raise NotACoroutineError(f"{coro!r} is not a coroutine or a generator")
    driver = _Driver(coro)
    deferred = driver.deferred
    driver.run(None)
    return deferred


def ensureDeferred(
    coro: Coroutine[Any, Any, _T] | Generator[Any, Any, _T] | Deferred[_T],
) -> Deferred[_T]:
    """A Deferred for ``coro``: a Deferred itself is returned unchanged, a coroutine is started.

    Raises:
        NotACoroutineError: ``coro`` is neither.
    """
    if isinstance(coro, Deferred):
        return coro
    try:
        return driveCoroutine(coro)
    except NotACoroutineError:
        raise NotACoroutineError(f"{coro!r} is not a coroutine or a Deferred") from None


def inlineCallbacks(
    f: Callable[_P, Generator[Any, Any, _T]],
) -> Callable[_P, Deferred[_T]]:
    """Decorate a generator function so that ``yield deferred`` waits for its result.

    The decorated function returns a Deferred of the generator's ``return`` value. Yielding a
    Deferred that failed raises its exception at the ``yield``; yielding anything else gives
    it straight back. Cancelling the returned Deferred cancels the one being waited on.
    """

    @functools.wraps(f)
    def unwindGenerator(*args: _P.args, **kwargs: _P.kwargs) -> Deferred[_T]:
        gen = f(*args, **kwargs)
        if not isinstance(gen, GeneratorType):
            raise TypeError(
                f"inlineCallbacks requires {f!r} to produce a generator; instead got {gen!r}"
            )
        return driveCoroutine(gen)

    return unwindGenerator
