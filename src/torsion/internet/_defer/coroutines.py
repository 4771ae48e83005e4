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
import warnings
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
                outcome = stop.value
                break
            except _DefGen_Return as legacyReturn:
                _warnIfNonLocal(legacyReturn, coroutine)
                outcome = legacyReturn.value
                break
            except BaseException:
                outcome = Failure(captureVars=Deferred.debug)
                break
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
        # Fired outside the except blocks, so that an exception raised by whatever the result
        # runs next (a generator waiting on this one) is not chained to the StopIteration.
        # A Deferred fired already was cancelled from inside the coroutine: its outcome stands.
        deferred = self.deferred
        if not deferred.called:
            deferred.callback(outcome)

    def _resume(self, result: object) -> None:
        self._waitingOn = None
        self.run(result)

    def _resumeWaiter(self, result: object, waiter: Waiter[Any]) -> None:
        waiter.store(result)
        self._resume(None)

    def _resumeFuture(self, result: object) -> None:
        self._resume(None)

    def _cancel(self, deferred: Deferred[Any]) -> None:
        """Cancel what the coroutine awaits; its reaction decides the Deferred's outcome.

        The coroutine may catch the CancelledError and go on, so ``deferred`` is made to wait
        on a fresh Deferred that the coroutine's eventual outcome fires. Cancelled while it
        runs (from inside itself), it awaits nothing: as in Twisted, its outcome stands.
        """
        awaited = self._waitingOn
        replacement: Deferred[Any] = Deferred(self._cancel)
        self.deferred = replacement
        deferred._callbacks.insert(0, (_replaceWith, (replacement,), {}, None, None, None))
        deferred.callback(None)
        if awaited is not None:
            awaited.cancel()


def _replaceWith(_: object, replacement: Deferred[Any]) -> Deferred[Any]:
    return replacement


def _warnIfNonLocal(
    legacyReturn: _DefGen_Return, coroutine: Generator[Any, Any, Any] | Coroutine[Any, Any, Any]
) -> None:
    """Warn if `returnValue` was called below the generator it ended, not by it (as Twisted).

    Such a call, from a plain function the generator called, ends the generator just the
    same, which is rarely what its author meant: the warning names both functions and points
    at the call.
    """
    code = getattr(coroutine, "gi_code", None) or getattr(coroutine, "cr_code", None)
    tb = legacyReturn.__traceback__
    while tb is not None and tb.tb_frame.f_code is not code:
        tb = tb.tb_next
    if tb is None or tb.tb_next is None or tb.tb_next.tb_next is None:
        # Not found, or returnValue's own frame directly below the generator's: a local call.
        return
    caller = tb.tb_next
    while caller.tb_next is not None and caller.tb_next.tb_next is not None:
        caller = caller.tb_next
    callerCode = caller.tb_frame.f_code
    warnings.warn_explicit(
        f"returnValue() in {callerCode.co_name!r} causing {tb.tb_frame.f_code.co_name!r} to"
        " exit: returnValue should only be invoked by functions decorated with"
        " inlineCallbacks",
        DeprecationWarning,
        callerCode.co_filename,
        caller.tb_lineno,
    )


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
        try:
            gen = f(*args, **kwargs)
        except _DefGen_Return:
            raise TypeError(
                f"inlineCallbacks requires {f!r} to produce a generator; it called returnValue"
                " instead (a function without yield is not a generator)"
            ) from None
        if not isinstance(gen, GeneratorType):
            raise TypeError(
                f"inlineCallbacks requires {f!r} to produce a generator; instead got {gen!r}"
            )
        return driveCoroutine(gen)

    return unwindGenerator
