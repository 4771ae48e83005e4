"""`SynchronousTestCase`: Twisted's test case for code that needs no running reactor.

It is a `unittest.TestCase`, so pytest and ``python -m unittest`` run it as they run any
other; the standard library's ``run`` does the skipping, expected failures, subtests and
reporting. What this adds hooks into the standard library's per-phase methods
(``_callSetUp``, ``_callTestMethod``, ``_callCleanup``) as its own
``IsolatedAsyncioTestCase`` does.

Logged errors: while a test runs, the errors logged are collected: every event with a
``log_failure`` reaching the global log publisher (an unhandled error in a Deferred,
``log.err()``, ``Logger.failure``, a stdlib record on the ``torsion`` logger with
``exc_info``), and every other stdlib record at ``ERROR`` and above, as a `LoggedError`.
Those the test did not take with `flushLoggedErrors`
fail it after its cleanups, as in trial. The garbage collector runs first, so a Deferred
dropped with an unhandled failure is reported by the test that dropped it.

Warnings: from setUp to the last cleanup, every warning is collected (the ``always``
filter, then the filters of the test's ``suppress`` attribute, `torsion.trial.util.suppress`)
instead of shown. `flushWarnings` takes them; those left are emitted again after the test,
where the filters outside it (pytest's ``error``, say) decide what they do, as in trial.
"""

from __future__ import annotations

import dis
import functools
import gc
import inspect
import os
import shutil
import sys
import tempfile
import unittest
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, TextIO

from torsion.internet.defer import Deferred
from torsion.logger import LogEvent, LogLevel, formatEvent, globalLogPublisher
from torsion.logger._bridge import eventFailure
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


_ERROR_LEVELS = (LogLevel.error, LogLevel.critical)


class _ErrorCollector:
    """Collects the errors logged while a test runs, whichever API logged them
    (`torsion.logger`, ``python.log.err``, stdlib logging on the ``torsion`` logger), since
    all of them reach the global publisher: every event with a ``log_failure``, as trial
    does, and every stdlib record at ``ERROR`` or above without an exception, as a
    `LoggedError` (stdlib users' errors rarely carry one)."""

    def __init__(self) -> None:
        self.failures: list[Failure] = []

    def __call__(self, event: LogEvent) -> None:
        failure = eventFailure(event)
        if failure is not None:
            self.failures.append(failure)
        elif "log_stdlib" in event and event.get("log_level") in _ERROR_LEVELS:
            self.failures.append(Failure(LoggedError(formatEvent(event))))

    def install(self) -> None:
        globalLogPublisher.addObserver(self)

    def remove(self) -> None:
        globalLogPublisher.removeObserver(self)

    def flush(self, *types: type[BaseException]) -> list[Failure]:
        """Take (and return) the collected failures of ``types`` (all, if none given)."""
        taken = [f for f in self.failures if not types or f.check(*types)]
        self.failures = [f for f in self.failures if f not in taken]
        return taken


@dataclass(frozen=True)
class _Warning:
    """One warning emitted during a test."""

    message: str
    category: type[Warning]
    filename: str
    lineno: int

    def asDict(self) -> dict[str, Any]:
        """The warning as `SynchronousTestCase.flushWarnings` returns it."""
        return {
            "message": self.message,
            "category": self.category,
            "filename": self.filename,
            "lineno": self.lineno,
        }


class _WarningCollector:
    """Collects the warnings emitted between `install` and `remove`."""

    def __init__(self) -> None:
        self.warnings: list[_Warning] = []
        self._catcher: warnings.catch_warnings[None] | None = None

    def install(self, suppressions: Iterable[tuple[Sequence[Any], dict[str, Any]]]) -> None:
        """Collect every warning from now on but those ``suppressions`` filter out."""
        catcher = warnings.catch_warnings()
        catcher.__enter__()
        self._catcher = catcher
        warnings.simplefilter("always")
        for args, kwargs in suppressions:
            warnings.filterwarnings(*args, **kwargs)
        warnings.showwarning = self._show

    def _show(
        self,
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> None:
        self.warnings.append(_Warning(str(message), category, filename, lineno))

    def remove(self) -> None:
        """Put the warning filters and ``showwarning`` back as they were before `install`."""
        if self._catcher is not None:
            self._catcher.__exit__(None, None, None)
            self._catcher = None

    def flush(self, offendingFunctions: Sequence[Callable[..., object]] | None) -> list[_Warning]:
        """Take the warnings (those pointing into ``offendingFunctions``, if given)."""
        if offendingFunctions is None:
            taken = self.warnings
        else:
            spans = [_codeSpan(function) for function in offendingFunctions]
            taken = [w for w in self.warnings if any(_inSpan(w, span) for span in spans)]
        self.warnings = [w for w in self.warnings if w not in taken]
        return taken


def _codeSpan(function: Callable[..., object]) -> tuple[str, int, int]:
    """The absolute file of ``function``'s module and the first and last lines of its code.

    Raises:
        ValueError: ``function`` is not a function or method.
    """
    if not (inspect.ismethod(function) or inspect.isfunction(function)):
        raise ValueError(f"{function!r} is not a function or method")
    # The module's file, not the code object's: the code keeps the name it was compiled
    # with even if the source was moved since, while warnings name the module's file.
    filename = inspect.getabsfile(sys.modules[function.__module__])
    lines = [line for _, line in dis.findlinestarts(function.__code__) if line is not None]
    return filename, min(lines), max(lines)


def _inSpan(warning: _Warning, span: tuple[str, int, int]) -> bool:
    filename, first, last = span
    return filename == os.path.normcase(warning.filename) and first <= warning.lineno <= last


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
        self._warnings = _WarningCollector()
        #: Where a test's settings (``skip``, ``timeout``, ``suppress``...) are looked up, in
        #: order: the test method, the test case, its module (Twisted's name, which its
        #: reactor tests read with ``torsion.trial.util.acquireAttribute``).
        self._parents: list[object] = [
            getattr(self, methodName, None),
            self,
            sys.modules.get(type(self).__module__),
        ]

    # -- the standard library's phases ---------------------------------------------------

    def _callSetUp(self) -> None:
        reason = self._skipReason()
        if reason is not None:
            raise unittest.SkipTest(reason)
        self._warnings = _WarningCollector()
        self._warnings.install(self._getSuppress())
        self._errors = _ErrorCollector()
        self._errors.install()
        # Cleanups run last-in first-out: these run after every cleanup the test adds.
        unittest.TestCase.addCleanup(self, self._reemitWarnings)
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

    def _getSuppress(self) -> list[tuple[Sequence[Any], dict[str, Any]]]:
        method = getattr(self, self._testMethodName, None)
        module = sys.modules.get(type(self).__module__)
        for owner in (method, self, module):
            value = getattr(owner, "suppress", None)
            if value is not None and not callable(value):
                return list(value)
        return []

    def _reemitWarnings(self) -> None:
        """Stop collecting; emit again the warnings not flushed (raising the first error)."""
        self._warnings.remove()
        errors: list[BaseException] = []
        for w in self._warnings.flush(None):
            try:
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
            except Exception as e:
                errors.append(e)
        if errors:
            raise errors[0]

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

    def flushWarnings(
        self, offendingFunctions: Sequence[Callable[..., object]] | None = None
    ) -> list[dict[str, Any]]:
        """Take the warnings emitted so far in this test.

        Taken warnings are not emitted again after the test.

        Args:
            offendingFunctions: If given, take only the warnings that point (by file and
                line, as ``warnings.warn``'s ``stacklevel`` chose them) into the code of one
                of these functions or methods.

        Returns:
            The warnings, in the order they were emitted, as dicts with the keys
            ``message`` (a str), ``category``, ``filename`` and ``lineno``.

        Raises:
            ValueError: One of ``offendingFunctions`` is not a function or method.
        """
        return [w.asDict() for w in self._warnings.flush(offendingFunctions)]

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
