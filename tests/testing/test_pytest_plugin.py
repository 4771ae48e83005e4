"""The torsion pytest plugin, exercised on small test files run by pytester.

Runs that install the global reactor (``--torsion-reactor``, tests without the ``reactor``
fixture) go to a subprocess, so this process's global reactor stays as it was.
"""

from __future__ import annotations

import select
import socket

import pytest

from torsion.internet import task
from torsion.internet.defer import Deferred
from torsion.internet.interfaces import IFullReactor
from torsion.internet.protocol import Factory
from torsion.logger import LogLevel, capturedLogs
from torsion.testing import (
    REACTORS,
    DirtyReactorAggregateError,
    ReactorUnavailable,
    assertReactorClean,
    availableReactors,
    cleanReactor,
    defaultReactorName,
    makeReactor,
    runUntilFired,
    runUntilStopped,
)

# hypothesis's plugin imports hypothesis at the end of every run (seconds each, in-process).
ARGS = ("-p", "no:cacheprovider", "-p", "no:hypothesispytest")


def test_asyncTestPasses(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from torsion.internet import task

        async def test_waits(reactor):
            assert await task.deferLater(reactor, 0.001, lambda: 3) == 3

        def test_returnsDeferred(reactor):
            return task.deferLater(reactor, 0.001, lambda: None)

        def test_ordinary():
            assert True
        """
    )
    pytester.runpytest(*ARGS).assert_outcomes(passed=3)


def test_failingDeferredTestReportsTheError(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from torsion.internet import task

        def test_fails(reactor):
            def check(value):
                assert value == "expected"
            return task.deferLater(reactor, 0, lambda: "got").addCallback(check)

        async def test_raises(reactor):
            await task.deferLater(reactor, 0, lambda: None)
            raise KeyError("from the coroutine")
        """
    )
    result = pytester.runpytest(*ARGS)
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(["*assert 'got' == 'expected'*", "*KeyError*from the coroutine*"])


def test_leakingTestFailsWithTheLeakList(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from torsion.internet.protocol import Factory

        def test_leaks(reactor):
            reactor.callLater(30, print, "late")
            reactor.listenTCP(0, Factory(), interface="127.0.0.1")

        def test_next(reactor):
            assert reactor.getDelayedCalls() == [] and reactor.getReaders() == []
        """
    )
    result = pytester.runpytest(*ARGS)
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_leaks*",
            "Reactor was unclean*",
            "DelayedCalls:*",
            "*print('late')*",
            "Selectables*",
            "*Factory on *",
        ]
    )


def test_leaksAfterAFailedTestAreOnlyCleaned(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_fails(reactor):
            reactor.callLater(30, print)
            assert False
        """
    )
    pytester.runpytest(*ARGS).assert_outcomes(failed=1)


def test_asyncTestOnTheGlobalReactor(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from torsion.internet import reactor, task

        async def test_usesImportedReactor():
            assert await task.deferLater(reactor, 0, lambda: 1) == 1

        async def test_leaks():
            reactor.callLater(30, print)

        def test_after():
            assert reactor.getDelayedCalls() == []
        """
    )
    result = pytester.runpytest_subprocess(*ARGS)
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*test_leaks*", "Reactor was unclean*"])


def test_timeout(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\ntorsion_timeout = 0.05\n")
    pytester.makepyfile(
        """
        from torsion.internet.defer import Deferred

        async def test_hangs(reactor):
            await Deferred()

        def test_ownTimeout(reactor):
            return Deferred()

        test_ownTimeout.timeout = 0.01
        """
    )
    result = pytester.runpytest(*ARGS)
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        [
            "*TimeoutError: *test_hangs* still running after 0.05 s",
            "*TimeoutError: *test_ownTimeout* still running after 0.01 s",
        ]
    )


def test_torsionReactorOption(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from torsion.internet import reactor as installed

        def test_fixture(reactor):
            assert type(reactor).__name__ == "PollReactor"

        def test_global():
            assert type(installed).__name__ == "PollReactor"
        """
    )
    result = pytester.runpytest_subprocess(*ARGS, "--torsion-reactor=poll")
    result.assert_outcomes(passed=2)


def test_defaultReactor(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        f"""
        def test_default(reactor):
            assert type(reactor).__module__.endswith("{defaultReactorName()}reactor")
        """
    )
    pytester.runpytest(*ARGS).assert_outcomes(passed=1)


def test_reactorsMarkerYieldsOneTestPerReactor(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.reactors
        def test_each(reactor):
            pass

        @pytest.mark.reactors("poll", "select")
        def test_some(reactor):
            pass
        """
    )
    result = pytester.runpytest(*ARGS, "--collect-only", "-q")
    result.stdout.fnmatch_lines(
        [
            "*test_each[[]select[]]",
            "*test_each[[]poll[]]",
            "*test_each[[]epoll[]]",
            "*test_each[[]asyncio[]]",
            "*test_each[[]uvloop[]]",
            "*test_some[[]poll[]]",
            "*test_some[[]select[]]",
            "7 tests collected*",
        ]
    )


def test_parametrizeReactorsFromConftest(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        from torsion.testing.pytest_plugin import parametrizeReactors

        def pytest_generate_tests(metafunc):
            parametrizeReactors(metafunc)
        """
    )
    pytester.makepyfile(
        """
        import pytest

        def test_each(reactor):
            pass

        @pytest.mark.reactors("epoll")
        def test_marked(reactor):
            pass

        @pytest.mark.parametrize("reactor", ["select"], indirect=True)
        def test_own(reactor):
            pass

        def test_noReactor():
            pass
        """
    )
    result = pytester.runpytest(*ARGS, "--collect-only", "-q")
    result.stdout.fnmatch_lines(
        [
            "*test_each[[]select[]]",
            "*test_each[[]poll[]]",
            "*test_each[[]epoll[]]",
            "*test_each[[]asyncio[]]",
            "*test_each[[]uvloop[]]",
            "*test_marked[[]epoll[]]",
            "*test_own[[]select[]]",
            "*test_noReactor",
            "8 tests collected*",
        ]
    )


def test_missingBackendIsASkipWithReason(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delattr(select, "epoll", raising=False)
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.reactors
        def test_each(reactor):
            pass
        """
    )
    result = pytester.runpytest(*ARGS, "-rs")
    available = len(availableReactors())  # epoll is not, now
    result.assert_outcomes(passed=available, skipped=len(REACTORS) - available)
    result.stdout.fnmatch_lines(["*select.epoll is not available on this platform*"])


def test_markerNeedsTheFixture(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.reactors
        def test_noFixture():
            pass
        """
    )
    result = pytester.runpytest(*ARGS)
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*needs the test to take the `reactor` fixture*"])


def test_clockFixture(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_clock(clock):
            ticks = []
            clock.callLater(5, ticks.append, "tick")
            clock.advance(5)
            assert ticks == ["tick"] and clock.seconds() == 5
        """
    )
    pytester.runpytest(*ARGS).assert_outcomes(passed=1)


def test_ordinaryTestsAreUntouched(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import asyncio

        def test_returnsValue():
            return 5

        def test_asyncioInside():
            async def main():
                return 1
            assert asyncio.run(main()) == 1

        async def test_asyncGen():
            yield
        """
    )
    result = pytester.runpytest(*ARGS, "-W", "default")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*PytestReturnNotNoneWarning*"])


# -- the helpers, directly -----------------------------------------------------------------


def test_reactorRegistry() -> None:
    assert REACTORS == ("select", "poll", "epoll", "asyncio", "uvloop")
    assert set(availableReactors()) <= set(REACTORS)
    with pytest.raises(ValueError, match="unknown reactor 'nope'"):
        makeReactor("nope")


def test_makeUnavailableReactor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(select, "poll", raising=False)
    with pytest.raises(ReactorUnavailable, match=r"select\.poll is not available"):
        makeReactor("poll")


def test_runUntilFired(reactor: IFullReactor) -> None:
    assert runUntilFired(reactor, task.deferLater(reactor, 0, lambda: 4)) == 4


def test_runUntilFiredCoroutineAndFailure(reactor: IFullReactor) -> None:
    async def boom() -> None:
        await task.deferLater(reactor, 0, lambda: None)
        raise KeyError("x")

    with pytest.raises(KeyError):
        runUntilFired(reactor, boom())


def test_runUntilFiredTimeout(reactor: IFullReactor) -> None:
    d: Deferred[None] = Deferred()
    with pytest.raises(Exception, match=r"Deferred still running after 0\.01 s"):
        runUntilFired(reactor, d, 0.01)
    assert d.called  # errbacked with the timeout, as trial does


def test_runUntilFiredShutdown(reactor: IFullReactor) -> None:
    port = reactor.listenTCP(0, Factory(), interface="127.0.0.1")
    runUntilFired(reactor, port.stopListening())
    reactor.listenTCP(0, Factory(), interface="127.0.0.1")
    runUntilFired(reactor, task.deferLater(reactor, 0, lambda: None), shutdown=True)
    assert reactor.getReaders() == []


def test_runUntilStopped(reactor: IFullReactor) -> None:
    reactor.callLater(0, reactor.stop)
    runUntilStopped(reactor)
    with pytest.raises(Exception, match=r"still running after 0\.01 s"):
        runUntilStopped(reactor, 0.01)


def test_cleanReactor() -> None:
    fresh = makeReactor()
    try:
        assert cleanReactor(fresh) is None
        fresh.callLater(0, lambda: None)  # due now: flushed, not a leftover
        fresh.callLater(10, lambda: None)
        with pytest.raises(DirtyReactorAggregateError, match="DelayedCalls"):
            assertReactorClean(fresh)
        assert fresh.getDelayedCalls() == []
    finally:
        fresh.close()


class _BrokenLeftover:
    """A registered reader whose connectionLost raises."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def fileno(self) -> int:
        return self.fd

    def doRead(self) -> None:
        return None

    def connectionLost(self, reason: object) -> None:
        raise RuntimeError("broken close")

    def logPrefix(self) -> str:
        return "BrokenLeftover"


def test_leftoverWhoseCloseRaisesIsReportedAndItsErrorLogged() -> None:
    """The cleanup goes on; the error is a debug event with its traceback (``torsion.testing``)."""
    fresh = makeReactor()
    a, b = socket.socketpair()
    try:
        fresh.addReader(_BrokenLeftover(a.fileno()))
        with capturedLogs() as events:
            error = cleanReactor(fresh)
        assert error is not None and len(error.selectables) == 1
        [event] = [e for e in events if "log_failure" in e]
        assert (event["log_namespace"], event["log_level"]) == ("torsion.testing", LogLevel.debug)
        assert event["log_failure"].check(RuntimeError)
        assert fresh.getReaders() == []
    finally:
        a.close()
        b.close()
        fresh.close()


def test_busyPoolThreadIsReported(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from torsion.testing import _janitor

    monkeypatch.setattr(_janitor, "THREAD_GRACE", 0.01)
    fresh = makeReactor()
    started, release = threading.Event(), threading.Event()

    def work() -> None:
        started.set()
        release.wait(10)

    try:
        fresh.getThreadPool().start()
        fresh.callInThread(work)
        assert started.wait(10)
        error = cleanReactor(fresh)
        assert error is not None and "still running in" in str(error)
    finally:
        release.set()
        fresh.close()
