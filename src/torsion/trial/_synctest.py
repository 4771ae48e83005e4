"""`SynchronousTestCase`: Twisted's test case for code that needs no running reactor.

It is a `unittest.TestCase`, so pytest and ``python -m unittest`` run it as they run any
other; the standard library's ``run`` does the skipping, expected failures, subtests and
reporting. What this adds hooks into the standard library's per-phase methods
(``_callSetUp``, ``_callTestMethod``, ``_callCleanup``) as its own
``IsolatedAsyncioTestCase`` does.

Logged errors: while a test runs, records at ERROR and above on the ``torsion`` logger are
collected (an unhandled error in a Deferred is one: torsion logs it at CRITICAL with the
Failure on ``record.log_failure``). Those the test did not take with `flushLoggedErrors`
fail it after its cleanups, as in trial. The garbage collector runs first, so a Deferred
dropped with an unhandled failure is reported by the test that dropped it.
"""

from __future__ import annotations

import functools
import gc
import inspect
import logging
import os
import shutil
import tempfile
import unittest
from collections.abc import Callable
from typing import Any, ClassVar

from torsion.internet.defer import Deferred
from torsion.python.failure import Failure
from torsion.trial._assertions import Assertions

__all__ = ["LoggedError", "SynchronousTestCase"]

_MISSING = object()
_MAX_NAME = 32


class LoggedError(Exception):
    """An error logged without an exception attached (its message is the record's)."""


class UnflushedErrors(Exception):
    """Errors were logged during the test and not taken with ``flushLoggedErrors``."""

    def __init__(self, failures: list[Failure]) -> None:
        super().__init__(failures)
        self.failures = failures

    def __str__(self) -> str:
        parts = [
            f"{len(self.failures)} error(s) logged during the test and not flushed"
            " (a test expecting them calls self.flushLoggedErrors(...)):"
        ]
        parts += [failure.getTraceback().rstrip("\n") for failure in self.failures]
        return "\n\n".join(parts)


class _ErrorCollector(logging.Handler):
    """Collects ERROR+ records of the ``torsion`` logger as Failures."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.failures: list[Failure] = []
        self._logger = logging.getLogger("torsion")

    def emit(self, record: logging.LogRecord) -> None:
        failure = getattr(record, "log_failure", None)
        if not isinstance(failure, Failure):
            if record.exc_info and record.exc_info[1] is not None:
                failure = Failure(record.exc_info[1], record.exc_info[0], record.exc_info[2])
            else:
                failure = Failure(LoggedError(record.getMessage()))
        self.failures.append(failure)

    def install(self) -> None:
        self._logger.addHandler(self)

    def remove(self) -> None:
        self._logger.removeHandler(self)

    def flush(self, *types: type[BaseException]) -> list[Failure]:  # type: ignore[override]
        """Take (and return) the collected failures of ``types`` (all, if none given)."""
        taken = [f for f in self.failures if not types or f.check(*types)]
        self.failures = [f for f in self.failures if f not in taken]
        return taken


class _Patch:
    """An attribute replaced for a test (Twisted returns a ``MonkeyPatcher``; this has its
    ``patch`` and ``restore``)."""

    def __init__(self, obj: object, attribute: str, value: object) -> None:
        self._target = (obj, attribute, value)
        self._saved: object = _MISSING
        self._patched = False

    def patch(self) -> None:
        """Put the new value in place (remembering the old one)."""
        obj, attribute, value = self._target
        if not self._patched:
            self._saved = getattr(obj, attribute, _MISSING)
            self._patched = True
        setattr(obj, attribute, value)

    def restore(self) -> None:
        """Put the old value back (delete the attribute if there was none)."""
        if not self._patched:
            return
        obj, attribute, _ = self._target
        self._patched = False
        if self._saved is _MISSING:
            delattr(obj, attribute)
        else:
            setattr(obj, attribute, self._saved)


class SynchronousTestCase(Assertions):
    """A test case for code that does not need the reactor to run (Twisted's name).

    Attributes:
        skip: Set on the class or a test method: skip with this reason.
    """

    skip: ClassVar[str | None] = None

    def __init__(self, methodName: str = "runTest") -> None:
        super().__init__(methodName)
        self._errors = _ErrorCollector()

    # -- the standard library's phases ---------------------------------------------------

    def _callSetUp(self) -> None:
        reason = self._skipReason()
        if reason is not None:
            raise unittest.SkipTest(reason)
        self._errors = _ErrorCollector()
        self._errors.install()
        # Cleanups run last-in first-out: these two run after every cleanup the test adds.
        unittest.TestCase.addCleanup(self, self._checkLoggedErrors)
        self._addChecks()
        self._runPhase(self.setUp, "setUp")

    def _callTestMethod(self, method: Callable[[], object]) -> None:
        self._runPhase(method, self._testMethodName)

    def _callTearDown(self) -> None:
        self._runPhase(self.tearDown, "tearDown")

    def _callCleanup(self, function: Callable[..., object], /, *args: Any, **kw: Any) -> None:
        __tracebackhide__ = True
        self._runPhase(functools.partial(function, *args, **kw), f"cleanup {_name(function)}")

    def _addChecks(self) -> None:
        """Add the cleanups that check the test's leftovers (here, none but logged errors)."""

    def _runPhase(self, phase: Callable[[], object], what: str) -> None:
        """Run one phase; a result that is still pending means a reactor was needed.

        Raises:
            TypeError: A test method is a generator function (it would never run).
            FailTest: It returned a Deferred without a result, or a coroutine.
        """
        __tracebackhide__ = True
        refuseGenerator(phase, what)
        result = phase()
        if inspect.iscoroutine(result):
            result.close()
            self.fail(f"{what} is a coroutine: SynchronousTestCase cannot run it; use TestCase")
        if isinstance(result, Deferred):
            outcome = _resultNowOrNone(result)
            if outcome is None:
                self.fail(f"{what} returned a Deferred without a result; use TestCase")
            failure = outcome[0]
            if isinstance(failure, Failure):
                raise failure.value.with_traceback(failure.tb)

    def _skipReason(self) -> str | None:
        method = getattr(self, self._testMethodName, None)
        reason = getattr(method, "skip", None) or self.skip
        return None if reason is None else str(reason)

    def _checkLoggedErrors(self) -> None:
        gc.collect()
        self._errors.remove()
        failures = self._errors.flush()
        if failures:
            raise UnflushedErrors(failures)

    # -- Twisted's API -------------------------------------------------------------------

    def flushLoggedErrors(self, *errorTypes: type[BaseException]) -> list[Failure]:
        """Take the errors logged so far in this test (of ``errorTypes``, if given).

        Taken errors no longer fail the test.

        Returns:
            The Failures taken, in the order they were logged.
        """
        return self._errors.flush(*errorTypes)

    def patch(self, obj: object, attribute: str, value: object) -> _Patch:
        """Set ``obj.attribute = value`` until the test ends.

        Returns:
            The patch, whose ``restore()`` and ``patch()`` undo and redo it early.
        """
        patch = _Patch(obj, attribute, value)
        patch.patch()
        self.addCleanup(patch.restore)
        return patch

    def mktemp(self) -> str:
        """A new path (its parent exists, it does not) unique to this call.

        Unlike trial, which works in a ``_trial_temp`` directory and keeps these, the path
        is under the system's temporary directory and removed after the test, so running
        tests from a source tree leaves nothing in it.
        """
        cls = type(self)
        prefix = "-".join(
            name[:_MAX_NAME] for name in (cls.__module__, cls.__name__, self._testMethodName)
        )
        directory = tempfile.mkdtemp(prefix=prefix + "-")
        self.addCleanup(shutil.rmtree, directory, True)
        return os.path.join(directory, "temp")

    def getSkip(self) -> str | None:
        """The reason this test is skipped by a ``skip`` attribute, or None."""
        return self._skipReason()


def _name(function: Callable[..., object]) -> str:
    return getattr(function, "__qualname__", None) or repr(function)


def refuseGenerator(phase: Callable[[], object], what: str) -> None:
    if inspect.isgeneratorfunction(phase):
        raise TypeError(f"{what} is a generator function and therefore will never run")


def _resultNowOrNone(d: Deferred[Any]) -> list[object] | None:
    result: list[object] = []
    d.addBoth(result.append)
    return result or None
