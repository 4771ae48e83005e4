"""The torsion pytest plugin: reactor tests under pytest (on by default once installed).

* ``async def`` test functions, and test functions that return a Deferred, run on a torsion
  reactor until they finish, with a timeout (ini ``torsion_timeout``, default 120 s, or a
  ``timeout`` attribute on the function or its class).
* Fixtures: ``reactor`` (a fresh reactor per test, closed afterwards) and ``clock`` (a fresh
  `torsion.internet.task.Clock`).
* ``--torsion-reactor=NAME`` chooses the reactor (``select``, ``poll``, ``epoll``); without it
  the platform's default is used. Given explicitly, it is also installed as the global reactor
  when pytest starts, so test modules importing ``torsion.internet.reactor`` get it.
* ``@pytest.mark.reactors`` (or ``@pytest.mark.reactors("poll", "epoll")``) runs a test that
  takes ``reactor`` once per reactor, with ids ``select``/``poll``/``epoll``; a backend the
  platform lacks is a skip with the reason. `parametrizeReactors` does the same for every
  test of a directory, from a ``conftest.py``'s ``pytest_generate_tests``.
* After each test the reactor must be clean (no pending timed calls, ports, connections or
  busy pool threads): leftovers are listed in the report and cleaned up.

Which reactor an ``async def`` test runs on: the ``reactor`` fixture's if the test takes it,
otherwise the global reactor (what ``from torsion.internet import reactor`` gives), because
that is the one the code under test uses when it is not handed a reactor.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Generator, Iterator, Sequence
from typing import Any, cast

import pytest

from torsion.internet.defer import Deferred, ensureDeferred
from torsion.internet.interfaces import IFullReactor
from torsion.internet.task import Clock
from torsion.testing._janitor import cleanReactor
from torsion.testing._reactors import (
    REACTORS,
    defaultReactorName,
    globalReactor,
    installedReactor,
    makeReactor,
    reactorName,
    unavailableReason,
)
from torsion.testing._running import (
    getDefaultTimeout,
    runUntilFired,
    setDefaultTimeout,
)

__all__ = ["clock", "parametrizeReactors", "reactor", "reactorParams"]

_FIXTURE = "reactor"
_MARKER = "reactors"
# Tests marked for another async framework are theirs to run, not ours.
_FOREIGN_MARKERS = ("asyncio", "anyio", "trio")

_parametrized = pytest.StashKey[bool]()
_callFailed = pytest.StashKey[bool]()
_previousTimeout = pytest.StashKey[float]()
_globalBefore = pytest.StashKey[object]()


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--torsion-reactor`` and the ``torsion_timeout`` ini setting."""
    group = parser.getgroup("torsion", "torsion reactor tests")
    group.addoption(
        "--torsion-reactor",
        choices=REACTORS,
        default=None,
        help="the torsion reactor to run tests on (default: the platform's default)",
    )
    parser.addini(
        "torsion_timeout",
        "seconds an async or Deferred-returning test may run before it fails as hung",
        default="120",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker, apply the timeout and install an explicitly chosen reactor."""
    config.addinivalue_line(
        "markers",
        f"{_MARKER}(*names): run the test (which takes the `reactor` fixture) once on each"
        " named reactor (default: every reactor torsion knows; missing backends skip)",
    )
    config.stash[_previousTimeout] = getDefaultTimeout()
    config.stash[_globalBefore] = installedReactor()
    setDefaultTimeout(float(config.getini("torsion_timeout")))
    name = config.getoption("torsion_reactor")
    if name is None:
        return
    reason = unavailableReason(name)
    if reason is not None:
        raise pytest.UsageError(f"--torsion-reactor={name}: {reason}")
    installed = installedReactor()
    if installed is None:
        globalReactor(name)
    elif reactorName(installed) != name:
        raise pytest.UsageError(
            f"--torsion-reactor={name}, but {type(installed).__name__} is installed already"
            " (something imported torsion.internet.reactor before pytest configured)"
        )


def pytest_unconfigure(config: pytest.Config) -> None:
    """Put the default timeout back (pytest can run in-process more than once), and close
    the global reactor if it was installed during this run (for tests), so its sockets do not
    outlive the run."""
    previous = config.stash.get(_previousTimeout, None)
    if previous is not None:
        setDefaultTimeout(previous)
    installed = installedReactor()
    installedHere = config.stash.get(_globalBefore, None) is None
    if installed is not None and installedHere and not installed.running:
        installed.close()


def _chosenName(config: pytest.Config) -> str:
    name: str | None = config.getoption("torsion_reactor")
    return defaultReactorName() if name is None else name


# -- fixtures -------------------------------------------------------------------------------


@pytest.fixture
def reactor(request: pytest.FixtureRequest) -> Iterator[IFullReactor]:
    """A fresh reactor for this test, closed after it; checked clean at teardown.

    Which kind: the parametrized one (``@pytest.mark.reactors``, `parametrizeReactors`),
    else ``--torsion-reactor``'s, else the platform's default. A kind the platform cannot
    run is a skip with the reason. Anything the test (or its fixtures) left in the reactor
    is listed as a teardown error and cleaned up; after a failed test it is only cleaned.
    """
    name: str = getattr(request, "param", None) or _chosenName(request.config)
    reason = unavailableReason(name)
    if reason is not None:
        pytest.skip(f"reactor {name!r}: {reason}")
    instance = makeReactor(name)
    try:
        yield instance
    finally:
        leftovers = cleanReactor(instance)
        instance.close()
    if leftovers is not None and not request.node.stash.get(_callFailed, False):
        pytest.fail(str(leftovers), pytrace=False)


@pytest.fixture
def clock() -> Clock:
    """A fresh `torsion.internet.task.Clock`: time moves only when the test advances it."""
    return Clock()


# -- running one test on every reactor ------------------------------------------------------


def reactorParams(names: Sequence[str] | None = None) -> list[Any]:
    """``pytest.param`` values for an indirect ``reactor`` parametrization.

    Each has its name as id; one the platform cannot run carries a skip mark with the reason.
    Use as ``@pytest.mark.parametrize("reactor", reactorParams(), indirect=True)``.

    Args:
        names: Which reactors (default: all of `torsion.testing.REACTORS`).
    """
    params = []
    for name in REACTORS if names is None else names:
        reason = unavailableReason(name)
        marks = () if reason is None else (pytest.mark.skip(reason=reason),)
        params.append(pytest.param(name, id=name, marks=marks))
    return params


def parametrizeReactors(metafunc: pytest.Metafunc, names: Sequence[str] | None = None) -> None:
    """Run the test once per reactor if it takes ``reactor``; for ``pytest_generate_tests``.

    A ``conftest.py`` that wants every test below it on every reactor::

        def pytest_generate_tests(metafunc):
            parametrizeReactors(metafunc)

    Tests that do not take ``reactor``, and tests that parametrize it themselves, are left
    alone; a ``@pytest.mark.reactors(...)`` on the test overrides ``names``. Calling it twice
    for the same test (the marker and a conftest) parametrizes once.
    """
    definition = metafunc.definition
    if _FIXTURE not in metafunc.fixturenames or definition.stash.get(_parametrized, False):
        return
    if any(_FIXTURE in _argnames(m) for m in definition.iter_markers("parametrize")):
        return
    marker = definition.get_closest_marker(_MARKER)
    if marker is not None and marker.args:
        names = marker.args
    definition.stash[_parametrized] = True
    metafunc.parametrize(_FIXTURE, reactorParams(names), indirect=True)


def _argnames(marker: pytest.Mark) -> list[str]:
    names = marker.args[0] if marker.args else marker.kwargs.get("argnames", ())
    if isinstance(names, str):
        return [name.strip() for name in names.split(",")]
    return list(names)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Apply ``@pytest.mark.reactors``."""
    if metafunc.definition.get_closest_marker(_MARKER) is None:
        return
    if _FIXTURE not in metafunc.fixturenames:
        raise pytest.UsageError(
            f"{metafunc.definition.nodeid}: @pytest.mark.{_MARKER} needs the test to take"
            f" the `{_FIXTURE}` fixture"
        )
    parametrizeReactors(metafunc)


# -- running async and Deferred-returning tests ---------------------------------------------


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Remember whether the test itself failed: leftovers after a failure are expected."""
    report = yield
    if call.when == "call" and report.failed:
        item.stash[_callFailed] = True
    return report


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run the test; one that is ``async def`` or returns a Deferred runs on a reactor.

    Other tests get pytest's own treatment (a warning for a non-None return value, a failure
    for an awaitable of another framework), reproduced here because the test has to be called
    before anyone knows what it returns.
    """
    __tracebackhide__ = True
    function = pyfuncitem.obj
    if inspect.isasyncgenfunction(function) or any(
        pyfuncitem.get_closest_marker(name) is not None for name in _FOREIGN_MARKERS
    ):
        return None
    funcargs = pyfuncitem.funcargs
    testargs = {arg: funcargs[arg] for arg in pyfuncitem._fixtureinfo.argnames}
    result = function(**testargs)
    if isinstance(result, Deferred) or inspect.iscoroutine(result):
        _runOnReactor(pyfuncitem, result)
    elif hasattr(result, "__await__") or hasattr(result, "__aiter__"):
        pytest.fail(
            f"{pyfuncitem.nodeid} returned {type(result).__name__}, which torsion cannot run;"
            " return a Deferred or write an `async def` test awaiting Deferreds",
            pytrace=False,
        )
    elif result is not None:
        warnings.warn(
            pytest.PytestReturnNotNoneWarning(
                f"Test functions should return None, but {pyfuncitem.nodeid} returned"
                f" {type(result)!r}.\nDid you mean to use `assert` instead of `return`?"
            ),
            stacklevel=1,
        )
    return True


def _runOnReactor(item: pytest.Function, result: Any) -> None:
    """Run the test's Deferred or coroutine to the end on its reactor; check it clean."""
    __tracebackhide__ = True
    d = ensureDeferred(result)
    own = cast("IFullReactor | None", item.funcargs.get(_FIXTURE))
    if own is not None:
        # Checked by the fixture's teardown, after the fixtures that use it are torn down.
        runUntilFired(own, d, _timeoutOf(item), what=item.nodeid)
        return
    shared = globalReactor(item.config.getoption("torsion_reactor"))
    try:
        runUntilFired(shared, d, _timeoutOf(item), what=item.nodeid)
    except BaseException:
        cleanReactor(shared)
        raise
    leftovers = cleanReactor(shared)
    if leftovers is not None:
        pytest.fail(str(leftovers), pytrace=False)


def _timeoutOf(item: pytest.Function) -> float:
    """The ``timeout`` attribute of the test function or its class, else the default."""
    for owner in (item.obj, item.cls):
        value = getattr(owner, "timeout", None)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    return getDefaultTimeout()


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Clean the global reactor before a test that runs on it, so leftovers of earlier
    (unchecked, synchronous) tests are not blamed on it."""
    if not isinstance(item, pytest.Function) or _FIXTURE in item.fixturenames:
        return
    if inspect.iscoroutinefunction(item.obj):
        installed = installedReactor()
        if installed is not None and not installed.running:
            cleanReactor(installed)
