"""Twisted trial's assertions: Deferred results, returning asserts, and the old aliases.

Twisted's asserts return their first argument (``x = self.assertIsInstance(...)``) and its
``assertRaises(E, f, ...)`` returns the exception; Twisted code relies on both. The aliases
(``assertEquals``, ``failUnless``, ...) are defined here rather than inherited because the
standard library's own copies warn (and are gone in Python 3.12).
"""

from __future__ import annotations

import unittest
import warnings
from collections.abc import Callable, Coroutine, Generator
from typing import Any, NoReturn, TypeVar

from torsion.internet.defer import Deferred, ensureDeferred
from torsion.python.failure import Failure

__all__ = ["Assertions", "FailTest"]

_T = TypeVar("_T")

_DeferredLike = Deferred[_T] | Coroutine[Any, Any, _T] | Generator[Any, Any, _T]


class FailTest(AssertionError):
    """What a failed assertion raises (``failureException``): a failure, not an error."""


def _resultNow(deferred: Deferred[Any]) -> list[object]:
    """The Deferred's current result as a one-item list, or [] if it has none.

    Like trial, this ends the chain: the Deferred's result is None afterwards, so a failure
    taken out here is not reported as unhandled.
    """
    result: list[object] = []
    deferred.addBoth(result.append)
    return result


def _typeNames(types: tuple[type[BaseException], ...]) -> str:
    return " or ".join(f"{t.__module__}.{t.__qualname__}" for t in types)


class Assertions(unittest.TestCase):
    """The assertions of Twisted's ``SynchronousTestCase``, on top of the standard ones."""

    failureException = FailTest

    def fail(self, msg: object = None) -> NoReturn:
        """Fail the test with ``msg``."""
        raise self.failureException(msg)

    # -- Deferred results ----------------------------------------------------------------

    def successResultOf(self, deferred: _DeferredLike[_T]) -> _T:
        """The success result ``deferred`` (or a coroutine) has now; fail if it has none.

        Raises:
            FailTest: No result yet, or a failure result (whose traceback is shown).
        """
        d = ensureDeferred(deferred)
        result = _resultNow(d)
        if not result:
            self.fail(f"Success result expected on {d!r}, found no result instead")
        if isinstance(result[0], Failure):
            self.fail(
                f"Success result expected on {d!r}, found failure result instead:\n"
                f"{result[0].getTraceback()}"
            )
        return result[0]  # type: ignore[return-value]

    def failureResultOf(
        self, deferred: _DeferredLike[Any], *expectedExceptionTypes: type[BaseException]
    ) -> Failure:
        """The Failure ``deferred`` has now, of one of the given types if any are given.

        Raises:
            FailTest: No result yet, a success result, or a failure of another type.
        """
        d = ensureDeferred(deferred)
        result = _resultNow(d)
        if not result:
            self.fail(f"Failure result expected on {d!r}, found no result instead")
        failure = result[0]
        if not isinstance(failure, Failure):
            self.fail(f"Failure result expected on {d!r}, found success result ({failure!r})")
        if expectedExceptionTypes and not failure.check(*expectedExceptionTypes):
            self.fail(
                f"Failure of type ({_typeNames(expectedExceptionTypes)}) expected on {d!r},"
                f" found type {failure.type!r} instead: {failure.getTraceback()}"
            )
        return failure

    def assertNoResult(self, deferred: _DeferredLike[Any]) -> None:
        """Fail if ``deferred`` has a result; a failure result is consumed (it is reported).

        Raises:
            FailTest: ``deferred`` has a result.
        """
        d = ensureDeferred(deferred)
        result: list[object] = []

        def keep(value: object) -> object:
            result.append(value)
            return value

        d.addBoth(keep)
        if result:
            d.addErrback(lambda _: None)
            self.fail(f"No result expected on {d!r}, found {result[0]!r} instead")

    # -- asserts that return their argument ----------------------------------------------

    def assertTrue(self, expr: Any, msg: object = None) -> Any:
        """Fail unless ``expr`` is true; return it."""
        super().assertTrue(expr, msg)
        return expr

    def assertFalse(self, expr: Any, msg: object = None) -> Any:
        """Fail if ``expr`` is true; return it."""
        super().assertFalse(expr, msg)
        return expr

    def assertEqual(self, first: Any, second: Any, msg: object = None) -> Any:
        """Fail unless ``first == second``; return ``first``."""
        super().assertEqual(first, second, msg)
        return first

    def assertNotEqual(self, first: Any, second: Any, msg: object = None) -> Any:
        """Fail if ``first == second``; return ``first``."""
        super().assertNotEqual(first, second, msg)
        return first

    def assertIs(self, first: Any, second: Any, msg: object = None) -> Any:
        """Fail unless ``first is second``; return ``first``."""
        if first is not second:
            self.fail(msg or f"{first!r} is not {second!r}")
        return first

    def assertIsNot(self, first: Any, second: Any, msg: object = None) -> Any:
        """Fail if ``first is second``; return ``first``."""
        if first is second:
            self.fail(msg or f"{first!r} is {second!r}")
        return first

    def assertIn(self, containee: Any, container: Any, msg: object = None) -> Any:
        """Fail unless ``containee in container``; return ``containee``."""
        if containee not in container:
            self.fail(msg or f"{containee!r} not in {container!r}")
        return containee

    def assertNotIn(self, containee: Any, container: Any, msg: object = None) -> Any:
        """Fail if ``containee in container``; return ``containee``."""
        if containee in container:
            self.fail(msg or f"{containee!r} in {container!r}")
        return containee

    def assertIsInstance(self, instance: Any, classOrTuple: Any, msg: object = None) -> Any:
        """Fail unless ``isinstance(instance, classOrTuple)``; return ``instance``."""
        super().assertIsInstance(instance, classOrTuple, msg)
        return instance

    def assertApproximates(
        self, first: Any, second: Any, tolerance: Any, msg: object = None
    ) -> Any:
        """Fail unless ``abs(first - second) <= tolerance``; return ``first``."""
        if abs(first - second) > tolerance:
            self.fail(msg or f"{first} ~== {second}")
        return first

    def assertSubstring(self, substring: Any, astring: Any, msg: object = None) -> Any:
        """Fail unless ``substring`` occurs in ``astring``."""
        return self.assertIn(substring, astring, msg)

    def assertNotSubstring(self, substring: Any, astring: Any, msg: object = None) -> Any:
        """Fail if ``substring`` occurs in ``astring``."""
        return self.assertNotIn(substring, astring, msg)

    def assertRaises(  # type: ignore[override]
        self,
        exception: type[BaseException] | tuple[type[BaseException], ...],
        f: Callable[..., object] | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        """Fail unless ``f(*args, **kwargs)`` raises ``exception``; return what it raised.

        Without ``f``, a context manager, as the standard library's.
        """
        if f is None:
            return super().assertRaises(exception)
        try:
            result = f(*args, **kwargs)
        except exception as e:
            return e
        except BaseException as e:
            self.fail(f"{exception!r} raised instead of {type(e).__name__}:\n{e!r}")
        self.fail(f"{exception!r} not raised ({result!r} returned)")

    def assertWarns(  # type: ignore[override]
        self, category: type[Warning], *args: Any, **kwargs: Any
    ) -> Any:
        """Twisted's form, ``assertWarns(category, message, filename, f, *args, **kwargs)``:
        fail unless ``f(*args, **kwargs)`` warns ``category`` with exactly ``message`` from
        ``filename`` (every warning it gives must be that one); return what ``f`` returned.

        Any other form is the standard library's (a context manager, or a callable first).
        """
        if len(args) < 3 or not isinstance(args[0], str) or not callable(args[2]):
            return super().assertWarns(category, *args, **kwargs)
        message, filename, f, *rest = args
        with warnings.catch_warnings(record=True) as shown:
            warnings.simplefilter("always")
            result = f(*rest, **kwargs)
        if not shown:
            self.fail("No warnings emitted")
        first = shown[0]
        if any((str(w.message), w.category) != (str(first.message), first.category) for w in shown):
            self.fail("Can't handle different warnings")
        self.assertEqual(str(first.message), message)
        self.assertIs(first.category, category)
        self.assertTrue(
            filename.startswith(first.filename),
            f"Warning in {first.filename!r}, expected {filename!r}",
        )
        return result

    # Twisted's names, kept for the code that still uses them.
    assertNot = failIf = failUnlessFalse = assertFalse
    assert_ = failUnless = failUnlessTrue = assertTrue
    assertEquals = failUnlessEqual = failUnlessEquals = assertEqual
    assertNotEquals = failIfEqual = failIfEquals = assertNotEqual
    assertIdentical = failUnlessIdentical = assertIs
    assertNotIdentical = failIfIdentical = assertIsNot
    failUnlessIn = assertIn
    failIfIn = assertNotIn
    failUnlessIsInstance = assertIsInstance
    failUnlessApproximates = assertApproximates
    failUnlessSubstring = assertSubstring
    failIfSubstring = assertNotSubstring
    failUnlessRaises = assertRaises  # type: ignore[assignment]
    assertAlmostEquals = failUnlessAlmostEqual = unittest.TestCase.assertAlmostEqual
    assertNotAlmostEquals = failIfAlmostEqual = unittest.TestCase.assertNotAlmostEqual
