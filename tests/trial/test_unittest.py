"""torsion.trial.unittest: Twisted's test cases, run here with a plain unittest result.

Each test builds a small test case class inside itself (a module-level unittest class would
be collected by pytest) and runs it, then checks what the result recorded.
"""

from __future__ import annotations

import gc
import logging
import os
import unittest as pyunit
import warnings
from typing import Any

import pytest

from tests._subprocess import ROOT
from torsion.internet import task
from torsion.internet.defer import Deferred, TimeoutError, fail, succeed
from torsion.internet.protocol import Factory
from torsion.python.failure import Failure
from torsion.testing import getDefaultTimeout, globalReactor
from torsion.trial import unittest
from torsion.trial.util import DEFAULT_TIMEOUT_DURATION, DirtyReactorAggregateError


def run(case: type[pyunit.TestCase], name: str = "test") -> pyunit.TestResult:
    result = pyunit.TestResult()
    case(name).run(result)
    return result


def problems(result: pyunit.TestResult) -> list[str]:
    return [text for _, text in result.errors + result.failures]


def assertPassed(result: pyunit.TestResult) -> None:
    assert problems(result) == [] and result.testsRun == 1


# -- SynchronousTestCase -------------------------------------------------------------------


def test_successResultOf() -> None:
    seen: list[Any] = []

    class Case(unittest.SynchronousTestCase):
        def test(self) -> None:
            seen.append(self.successResultOf(succeed(3)))

        def test_noResult(self) -> None:
            self.successResultOf(Deferred())

        def test_failure(self) -> None:
            self.successResultOf(fail(ValueError("bad")))

    assertPassed(run(Case))
    assert seen == [3]
    [text] = problems(run(Case, "test_noResult"))
    assert "found no result instead" in text
    [text] = problems(run(Case, "test_failure"))
    assert "found failure result instead" in text and "ValueError: bad" in text


def test_successResultOfCoroutine() -> None:
    class Case(unittest.SynchronousTestCase):
        def test(self) -> None:
            async def seven() -> int:
                return 7

            self.assertEqual(self.successResultOf(seven()), 7)

    assertPassed(run(Case))


def test_failureResultOf() -> None:
    class Case(unittest.SynchronousTestCase):
        def test(self) -> None:
            failure = self.failureResultOf(fail(KeyError("k")), ValueError, KeyError)
            self.assertIs(failure.type, KeyError)

        def test_wrongType(self) -> None:
            self.failureResultOf(fail(KeyError("k")), ValueError)

        def test_success(self) -> None:
            self.failureResultOf(succeed(1))

        def test_noResult(self) -> None:
            self.failureResultOf(Deferred())

    assertPassed(run(Case))
    assert "builtins.ValueError) expected" in problems(run(Case, "test_wrongType"))[0]
    assert "found success result (1)" in problems(run(Case, "test_success"))[0]
    assert "found no result instead" in problems(run(Case, "test_noResult"))[0]


def test_assertNoResult() -> None:
    class Case(unittest.SynchronousTestCase):
        def test(self) -> None:
            d: Deferred[int] = Deferred()
            self.assertNoResult(d)
            d.callback(1)  # still usable: assertNoResult did not consume anything
            self.assertEqual(self.successResultOf(d), 1)

        def test_hasResult(self) -> None:
            self.assertNoResult(succeed(2))

        def test_hasFailure(self) -> None:
            # The failure is reported by the assertion, not again as an unhandled error.
            self.assertNoResult(fail(ZeroDivisionError()))

    assertPassed(run(Case))
    assert "found 2 instead" in problems(run(Case, "test_hasResult"))[0]
    [text] = problems(run(Case, "test_hasFailure"))
    assert "No result expected" in text


def test_failureExceptionIsFailTest() -> None:
    class Case(unittest.SynchronousTestCase):
        def test(self) -> None:
            self.fail("nope")

    result = run(Case)
    assert len(result.failures) == 1 and not result.errors
    assert issubclass(unittest.FailTest, AssertionError)


def test_aliasesAndReturnValues() -> None:
    """Twisted's old names exist (without the standard library's deprecation warnings)."""

    class Case(unittest.SynchronousTestCase):
        def test(self) -> None:
            marker = object()
            assert self.assertEquals(1, 1) == 1  # noqa: UP005
            assert self.failUnlessEqual(2, 2) == 2  # noqa: UP005
            assert self.assertIdentical(marker, marker) is marker
            assert self.assertNotIdentical(marker, None) is marker
            assert self.failUnless(5) == 5  # noqa: UP005
            assert self.failIf(0) == 0  # noqa: UP005
            assert self.assertNotEquals(1, 2) == 1  # noqa: UP005
            assert self.assertApproximates(1.0, 1.05, 0.1) == 1.0
            assert self.assertSubstring("b", "abc") == "b"
            assert self.assertNotSubstring("x", "abc") == "x"
            assert self.assertIsInstance(3, int) == 3
            assert self.failUnlessIn(1, [1]) == 1
            self.assertAlmostEquals(1.0, 1.0 + 1e-9)  # noqa: UP005

        def test_approximatesFails(self) -> None:
            self.assertApproximates(1.0, 2.0, 0.1)

        def test_raises(self) -> None:
            error = self.assertRaises(ValueError, int, "x")
            self.assertIsInstance(error, ValueError)
            empty: dict[int, int] = {}
            with self.assertRaises(KeyError):
                empty[1]

        def test_raisesNothing(self) -> None:
            self.failUnlessRaises(ValueError, int, "1")  # noqa: UP005

    assertPassed(run(Case))
    assertPassed(run(Case, "test_raises"))
    assert "1.0 ~== 2.0" in problems(run(Case, "test_approximatesFails"))[0]
    assert "not raised (1 returned)" in problems(run(Case, "test_raisesNothing"))[0]


def test_patchIsUndone() -> None:
    class Target:
        value = "original"

    class Case(unittest.SynchronousTestCase):
        def test(self) -> None:
            self.patch(Target, "value", "patched")
            self.patch(Target, "added", 1)
            self.assertEqual(Target.value, "patched")

    assertPassed(run(Case))
    assert Target.value == "original" and not hasattr(Target, "added")


def test_patchRestoreEarly() -> None:
    class Target:
        value = 1

    class Case(unittest.SynchronousTestCase):
        def test(self) -> None:
            patch = self.patch(Target, "value", 2)
            patch.restore()
            self.assertEqual(Target.value, 1)
            patch.patch()
            self.assertEqual(Target.value, 2)

    assertPassed(run(Case))
    assert Target.value == 1


def test_mktemp() -> None:
    paths: list[str] = []

    class Case(unittest.SynchronousTestCase):
        def test(self) -> None:
            paths.extend([self.mktemp(), self.mktemp()])
            for path in paths:
                self.assertTrue(os.path.isdir(os.path.dirname(path)))
                self.assertFalse(os.path.exists(path))
            with open(paths[0], "w") as f:
                f.write("x")

    assertPassed(run(Case))
    assert paths[0] != paths[1]
    assert not any(os.path.exists(os.path.dirname(path)) for path in paths)


def test_skipAttribute() -> None:
    calls: list[str] = []

    class Case(unittest.SynchronousTestCase):
        def setUp(self) -> None:
            calls.append("setUp")

        def test(self) -> None:
            calls.append("test")

        test.skip = "not today"  # type: ignore[attr-defined]

    result = run(Case)
    assert [reason for _, reason in result.skipped] == ["not today"] and calls == []


def test_unhandledDeferredErrorFailsTheTest() -> None:
    class Case(unittest.SynchronousTestCase):
        def test(self) -> None:
            d = fail(ZeroDivisionError("lost"))
            del d

    [text] = problems(run(Case))
    assert "not flushed" in text and "ZeroDivisionError: lost" in text


def test_flushLoggedErrors() -> None:
    flushed: list[Any] = []

    class Case(unittest.SynchronousTestCase):
        def test(self) -> None:
            d = fail(ZeroDivisionError("expected"))
            del d
            gc.collect()
            flushed.extend(self.flushLoggedErrors(ValueError))  # not this type: left alone
            flushed.extend(self.flushLoggedErrors(ZeroDivisionError))

    assertPassed(run(Case))
    assert [f.type for f in flushed] == [ZeroDivisionError]


def test_loggedErrorsFailTheTest() -> None:
    log = logging.getLogger("torsion.internet.somewhere")

    class Case(unittest.SynchronousTestCase):
        def test(self) -> None:
            try:
                1 / 0  # noqa: B018
            except ZeroDivisionError:
                log.exception("while handling")
            log.error("just a message")
            log.warning("not an error: ignored")

        def test_flushed(self) -> None:
            log.error("expected")
            [failure] = self.flushLoggedErrors(unittest.LoggedError)
            self.assertEqual(str(failure.value), "expected")

    [text] = problems(run(Case))
    assert "2 error(s) logged" in text and "ZeroDivisionError" in text
    assert "LoggedError: just a message" in text
    assertPassed(run(Case, "test_flushed"))


def test_syncTestReturningUnfiredDeferred() -> None:
    class Case(unittest.SynchronousTestCase):
        def test(self) -> Deferred[None]:
            return Deferred()

        def test_fired(self) -> Deferred[None]:
            return succeed(None)

        def test_failed(self) -> Deferred[None]:
            return fail(KeyError("inside"))

    assert "use TestCase" in problems(run(Case))[0]
    assertPassed(run(Case, "test_fired"))
    assert "KeyError: 'inside'" in problems(run(Case, "test_failed"))[0]


def test_generatorTestMethodIsAnError() -> None:
    class Case(unittest.SynchronousTestCase):
        def test(self) -> Any:
            yield None

    assert "generator function and therefore will never run" in problems(run(Case))[0]


# -- TestCase ------------------------------------------------------------------------------


def test_testReturningDeferredRunsOnTheGlobalReactor() -> None:
    from torsion.internet import reactor as imported

    seen: list[object] = []

    class Case(unittest.TestCase):
        def test(self) -> Deferred[None]:
            reactor = globalReactor()
            seen.append(reactor)
            return task.deferLater(reactor, 0.001, seen.append, "ran")

    assertPassed(run(Case))
    assert seen == [imported, "ran"]


def test_asyncPhases() -> None:
    order: list[str] = []

    class Case(unittest.TestCase):
        async def setUp(self) -> None:  # type: ignore[override]
            await task.deferLater(globalReactor(), 0, order.append, "setUp")

        async def test(self) -> None:
            await task.deferLater(globalReactor(), 0, order.append, "test")
            self.addCleanup(task.deferLater, globalReactor(), 0, order.append, "cleanup")

        # trial lets tearDown return a Deferred; unittest.TestCase declares it None.
        def tearDown(self) -> Deferred[None]:  # type: ignore[override]
            return task.deferLater(globalReactor(), 0, order.append, "tearDown")

    assertPassed(run(Case))
    assert order == ["setUp", "test", "tearDown", "cleanup"]


def test_failingDeferredIsReported() -> None:
    class Case(unittest.TestCase):
        def test(self) -> Deferred[None]:
            d = task.deferLater(globalReactor(), 0, lambda: None)
            return d.addCallback(lambda _: self.assertEqual(1, 2))

        async def test_error(self) -> None:
            await task.deferLater(globalReactor(), 0, lambda: None)
            raise KeyError("async")

    result = run(Case)
    assert len(result.failures) == 1 and "1 != 2" in result.failures[0][1]
    result = run(Case, "test_error")
    assert len(result.errors) == 1 and "KeyError: 'async'" in result.errors[0][1]


def test_timeout() -> None:
    lost: list[object] = []

    class Case(unittest.TestCase):
        timeout = 0.01

        def test(self) -> Deferred[None]:
            d: Deferred[None] = Deferred()

            def record(f: Failure) -> Failure:
                lost.append(f.type)
                return f

            return d.addErrback(record)

    [text] = problems(run(Case))
    assert "TimeoutError" in text and "(test) still running after 0.01 s" in text
    assert lost == [TimeoutError]  # as in trial, the test's own Deferred saw the timeout


def test_getTimeout() -> None:
    class Case(unittest.TestCase):
        timeout = 5

        def test(self) -> None:
            pass

        def test_own(self) -> None:
            pass

        test_own.timeout = 0.5  # type: ignore[attr-defined]

    class Default(unittest.TestCase):
        def test(self) -> None:
            pass

    assert Case("test").getTimeout() == 5.0
    assert Case("test_own").getTimeout() == 0.5
    # The default is trial's 120 s, or the torsion_timeout ini setting under pytest.
    assert Default("test").getTimeout() == getDefaultTimeout()
    assert DEFAULT_TIMEOUT_DURATION == 120.0


def test_assertFailure() -> None:
    class Case(unittest.TestCase):
        def test(self) -> Deferred[Any]:
            d = self.assertFailure(fail(KeyError("k")), ValueError, KeyError)
            return d.addCallback(lambda e: self.assertIsInstance(e, KeyError))

        def test_succeeded(self) -> Deferred[Any]:
            return self.assertFailure(succeed(4), KeyError)

        def test_otherError(self) -> Deferred[Any]:
            return self.failUnlessFailure(fail(OSError("other")), KeyError)

    assertPassed(run(Case))
    assert "did not catch an error, instead got 4" in problems(run(Case, "test_succeeded"))[0]
    assert "Expected: (<class 'KeyError'>,)" in problems(run(Case, "test_otherError"))[0]


def test_leftoversFailTheTestAndAreCleaned() -> None:
    class Case(unittest.TestCase):
        def test(self) -> None:
            reactor = globalReactor()
            reactor.callLater(100, lambda: None)
            reactor.listenTCP(0, Factory(), interface="127.0.0.1")

    result = run(Case)
    [(_, text)] = result.errors
    assert DirtyReactorAggregateError.__name__ in text
    assert "DelayedCalls" in text and "lambda" in text
    assert "Selectables" in text and "Factory" in text
    reactor = globalReactor()
    assert reactor.getDelayedCalls() == [] and reactor.getReaders() == []


def test_closedPortIsClean() -> None:
    class Case(unittest.TestCase):
        def test(self) -> Deferred[None]:
            port = globalReactor().listenTCP(0, Factory(), interface="127.0.0.1")
            return port.stopListening()

    assertPassed(run(Case))


def test_cleanupWaitsForDeferreds() -> None:
    done: list[str] = []

    class Case(unittest.TestCase):
        def test(self) -> None:
            self.addCleanup(lambda: task.deferLater(globalReactor(), 0.001, done.append, "a"))

    assertPassed(run(Case))
    assert done == ["a"]


def test_runsUnderPytest(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from torsion.internet import reactor, task
        from torsion.trial import unittest

        class Case(unittest.TestCase):
            def test_passes(self):
                return task.deferLater(reactor, 0, lambda: None)

            def test_leaks(self):
                reactor.callLater(50, lambda: None)
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:hypothesispytest")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*DirtyReactorAggregateError: Reactor was unclean*"])


def test_twistedStyleExampleRunsUnderTwisted(pytester: pytest.Pytester) -> None:
    """The example Twisted-style module is Twisted code: with ``twisted`` for ``torsion`` in
    its imports, Twisted's own trial test cases pass it too."""
    pytest.importorskip("twisted")
    source = (ROOT / "examples" / "testing" / "test_twisted_style.py").read_text()
    pytester.makepyfile(test_twisted_style=source.replace("torsion", "twisted"))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:hypothesispytest")
    result.assert_outcomes(passed=4)


def test_assertWarnsInTwistedsForm() -> None:
    def warner(value: int) -> int:
        warnings.warn("careful", DeprecationWarning, stacklevel=1)
        return value * 2

    class Case(unittest.SynchronousTestCase):
        def test_twisted(self) -> None:
            result = self.assertWarns(DeprecationWarning, "careful", __file__, warner, 21)
            self.assertEqual(result, 42)

        def test_wrongMessage(self) -> None:
            with self.assertRaises(self.failureException):
                self.assertWarns(DeprecationWarning, "other", __file__, warner, 1)

        def test_none(self) -> None:
            with self.assertRaises(self.failureException):
                self.assertWarns(DeprecationWarning, "careful", __file__, lambda: None)

        def test_stdlibForm(self) -> None:
            with self.assertWarns(DeprecationWarning):
                warner(1)

    for name in ("test_twisted", "test_wrongMessage", "test_none", "test_stdlibForm"):
        assertPassed(run(Case, name))
