"""`TestCase`: Twisted's test case whose phases may return Deferreds or be ``async def``.

Which reactor: the global one, ``torsion.internet.reactor`` (installing the platform's
default, or pytest's ``--torsion-reactor`` choice, if none is installed yet). That is what a
Twisted test module expects: ``from torsion.internet import reactor`` at the top of it, and
any library code that defaults to the global reactor, must be the reactor the test runs on.
Torsion's reactors are restartable, so each phase (setUp, the test, tearDown, each cleanup)
that returns an unfired Deferred runs the reactor until it fires and then ``crash()``-es it,
as trial does; a phase that returns nothing does not touch the reactor. After the cleanups the
reactor is checked and cleaned (`torsion.testing.cleanReactor`), so every test starts with a
reactor holding no timed calls, descriptors or busy threads: as fresh as a new one, while
staying the one the test module imported.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable
from typing import Any

from torsion.internet.defer import Deferred, ensureDeferred
from torsion.python.failure import Failure
from torsion.testing._janitor import cleanReactor
from torsion.testing._reactors import globalReactor, installedReactor
from torsion.testing._running import getDefaultTimeout, runUntilFired
from torsion.trial._synctest import SynchronousTestCase, refuseGenerator

__all__ = ["TestCase"]


class TestCase(SynchronousTestCase):
    """A test case whose setUp, tests, tearDown and cleanups may return Deferreds.

    Attributes:
        timeout: Seconds each phase may wait on the reactor before it fails with
            ``torsion.internet.defer.TimeoutError``. Looked up on the test method, then the
            instance and class, then the test's module; the default is 120 s as in trial
            (under pytest, the ``torsion_timeout`` ini setting).
    """

    def assertFailure(
        self, deferred: Deferred[Any], *expectedFailures: type[BaseException]
    ) -> Deferred[Any]:
        """Add callbacks to ``deferred`` that fail the test unless it fails as expected.

        Returns:
            ``deferred``, which (to be waited for) the test returns: it fires with the
            exception when the failure was one of ``expectedFailures``, and fails with
            `FailTest` on success or on another failure.
        """

        def succeeded(result: object) -> object:
            raise self.failureException(f"did not catch an error, instead got {result!r}")

        def failed(failure: Failure) -> object:
            if failure.check(*expectedFailures):
                return failure.value
            raise self.failureException(f"\nExpected: {expectedFailures!r}\nGot:\n{failure}")

        return deferred.addCallbacks(succeeded, failed)

    failUnlessFailure = assertFailure

    def getTimeout(self) -> float:
        """This test's timeout in seconds: see the class's ``timeout`` attribute."""
        method = getattr(self, self._testMethodName, None)
        module = sys.modules.get(type(self).__module__)
        for owner in (method, self, module):
            value = getattr(owner, "timeout", None)
            if isinstance(value, int | float) and not isinstance(value, bool):
                return float(value)
        return getDefaultTimeout()

    def _addChecks(self) -> None:
        self.addCleanup(self._checkReactor)

    def _checkReactor(self) -> None:
        # Nothing can have been left in a reactor nobody installed.
        reactor = installedReactor()
        if reactor is None:
            return
        leftovers = cleanReactor(reactor)
        if leftovers is not None:
            raise leftovers

    def _runPhase(self, phase: Callable[[], object], what: str) -> None:
        """Run one phase; if it returns an unfired Deferred or a coroutine, run the reactor
        until that finishes (failing it after `getTimeout` seconds)."""
        __tracebackhide__ = True
        refuseGenerator(phase, what)
        result = phase()
        if not (isinstance(result, Deferred) or inspect.iscoroutine(result)):
            return
        d = ensureDeferred(result)
        runUntilFired(globalReactor(), d, self.getTimeout(), what=f"{self.id()} ({what})")
