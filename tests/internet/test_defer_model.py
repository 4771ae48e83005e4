"""Property tests: random callback chains against a small model of Deferred's semantics.

Hypothesis builds a script: callbacks, errbacks, addBoth and addCallbacks pairs whose
functions return a value, raise, return a Failure, return the result unchanged, or return a
Deferred (already fired, or fired later by the script); pauses and unpauses; the firing of
the Deferred at some point of the script, and of any Deferred it is waiting on. The same
script drives a real `Deferred` and `Model`, a plain restatement of the rules, and after
every step the callbacks invoked so far (with what each was given), whether the Deferred has
fired and its pause count must agree. In the end the results must agree too.

The same scripts run against Twisted's Deferred when Twisted is installed.
"""

from __future__ import annotations

import gc
import logging
from collections import deque
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.internet._deferhelpers import loggedFailure
from torsion.internet import defer
from torsion.python import failure

Outcome = tuple[bool, int]  # (success?, value); a failure carries ModelError(value)

ACTIONS = (
    "value",  # return a new value
    "raise",  # raise ModelError
    "failure",  # return a Failure
    "same",  # return the result it was given (a Failure stays a failure)
    "firedOk",  # return an already-fired Deferred
    "firedFail",  # return an already-failed Deferred
    "laterOk",  # return an unfired Deferred, fired later with a value
    "laterFail",  # return an unfired Deferred, failed later
)


class ModelError(Exception):
    """Raised by the generated callbacks; its argument identifies it."""


@dataclass(frozen=True)
class Action:
    kind: str
    arg: int


@dataclass(frozen=True)
class Step:
    """One step of a script.

    ``kind`` is ``cb``, ``eb``, ``both``, ``pair`` (add callbacks; ``pair`` uses ``action``
    for the callback and ``other`` for the errback), ``pause``, ``unpause``, ``fire`` (fire
    the Deferred with ``outcome``) or ``fireInner`` (fire the Deferred being waited on).
    """

    kind: str
    action: Action | None = None
    other: Action | None = None
    withArgs: bool = False
    outcome: Outcome | None = None


actions = st.builds(Action, st.sampled_from(ACTIONS), st.integers(0, 99))
outcomes = st.tuples(st.booleans(), st.integers(0, 99))
addSteps = st.one_of(
    st.builds(Step, st.sampled_from(["cb", "eb", "both"]), actions, st.none(), st.booleans()),
    st.builds(Step, st.just("pair"), actions, actions, st.booleans()),
)
otherSteps = st.sampled_from([Step("pause"), Step("unpause"), Step("fireInner")])


@st.composite
def scripts(draw: st.DrawFn) -> list[Step]:
    steps = draw(st.lists(st.one_of(addSteps, addSteps, otherSteps), max_size=25))
    where = draw(st.integers(0, len(steps)))
    steps.insert(where, Step("fire", outcome=draw(outcomes)))
    return steps


class Model:
    """Deferred's rules, restated plainly for one Deferred."""

    def __init__(self) -> None:
        self.called = False
        self.userPauses = 0
        self.waiting = False
        self.result: Outcome = (True, 0)
        self.queue: deque[tuple[int, Step]] = deque()
        self.invoked: list[tuple[int, Outcome]] = []
        self.pendingInner: list[Outcome] = []

    @property
    def paused(self) -> int:
        return self.userPauses + self.waiting

    def add(self, index: int, step: Step) -> None:
        self.queue.append((index, step))
        self.run()

    def fire(self, outcome: Outcome) -> None:
        self.called = True
        self.result = outcome
        self.run()

    def fireInner(self) -> None:
        self.result = self.pendingInner.pop(0)
        self.waiting = False
        self.run()

    def run(self) -> None:
        while self.called and not self.paused and self.queue:
            index, step = self.queue.popleft()
            ok = self.result[0]
            if step.kind == "pair":
                action = step.action if ok else step.other
            elif (step.kind == "cb" and not ok) or (step.kind == "eb" and ok):
                continue
            else:
                action = step.action
            assert action is not None
            self.invoked.append((index, self.result))
            self.apply(action)

    def apply(self, action: Action) -> None:
        kind, arg = action.kind, action.arg
        if kind in ("value", "firedOk"):
            self.result = (True, arg)
        elif kind in ("raise", "failure", "firedFail"):
            self.result = (False, arg)
        elif kind in ("laterOk", "laterFail"):
            self.waiting = True
            self.pendingInner.append((kind == "laterOk", arg))


@dataclass
class Real:
    """The same script, on a real Deferred from ``api`` (torsion's or Twisted's)."""

    api: SimpleNamespace

    def __post_init__(self) -> None:
        self.d = self.api.Deferred()
        self.userPauses = 0
        self.invoked: list[tuple[int, Outcome]] = []
        self.pendingInner: list[tuple[Any, Outcome]] = []
        self.allInner: list[Any] = []

    def outcomeOf(self, result: object) -> Outcome:
        if isinstance(result, self.api.Failure):
            assert isinstance(result.value, ModelError)
            return (False, result.value.args[0])
        assert isinstance(result, int)
        return (True, result)

    def makeFunction(self, index: int, action: Action, withArgs: bool) -> Any:
        api, kind, arg = self.api, action.kind, action.arg

        def function(result: object, *args: object, **kwargs: object) -> object:
            assert (args, kwargs) == (((index,), {"k": "w"}) if withArgs else ((), {}))
            self.invoked.append((index, self.outcomeOf(result)))
            if kind == "value":
                return arg
            if kind == "raise":
                raise ModelError(arg)
            if kind == "failure":
                return api.Failure(ModelError(arg))
            if kind == "same":
                return result
            if kind == "firedOk":
                inner = api.succeed(arg)
            elif kind == "firedFail":
                inner = api.fail(ModelError(arg))
            else:
                inner = api.Deferred()
                self.pendingInner.append((inner, (kind == "laterOk", arg)))
            self.allInner.append(inner)
            return inner

        return function

    def add(self, index: int, step: Step) -> None:
        assert step.action is not None
        function = self.makeFunction(index, step.action, step.withArgs)
        extra: tuple[Any, ...] = (index,) if step.withArgs else ()
        kw = {"k": "w"} if step.withArgs else {}
        if step.kind == "cb":
            self.d.addCallback(function, *extra, **kw)
        elif step.kind == "eb":
            self.d.addErrback(function, *extra, **kw)
        elif step.kind == "both":
            self.d.addBoth(function, *extra, **kw)
        else:
            assert step.other is not None
            errback = self.makeFunction(index, step.other, step.withArgs)
            self.d.addCallbacks(function, errback, extra, kw, extra, kw)

    def fire(self, outcome: Outcome) -> None:
        ok, value = outcome
        if ok:
            self.d.callback(value)
        else:
            self.d.errback(ModelError(value))

    def fireInner(self) -> None:
        inner, (ok, value) = self.pendingInner.pop(0)
        if ok:
            inner.callback(value)
        else:
            inner.errback(ModelError(value))

    def finalResult(self) -> Outcome:
        seen: list[object] = []
        self.d.addBoth(seen.append)  # also handles a final failure
        assert len(seen) == 1
        return self.outcomeOf(seen[0])


def runScript(api: SimpleNamespace, script: list[Step]) -> None:
    model = Model()
    real = Real(api)

    def check() -> None:
        assert real.invoked == model.invoked
        assert real.d.called == model.called
        assert real.d.paused == model.paused
        assert len(real.pendingInner) == len(model.pendingInner)

    for index, step in enumerate(script):
        if step.kind == "fire":
            assert step.outcome is not None
            model.fire(step.outcome)
            real.fire(step.outcome)
        elif step.kind == "pause":
            model.userPauses += 1
            real.userPauses += 1
            real.d.pause()
        elif step.kind == "unpause":
            if model.userPauses:
                model.userPauses -= 1
                model.run()
                real.userPauses -= 1
                real.d.unpause()
        elif step.kind == "fireInner":
            if model.pendingInner:
                model.fireInner()
                real.fireInner()
        else:
            model.add(index, step)
            real.add(index, step)
        check()

    # Settle: fire whatever is waited on and undo the pauses, until nothing is left to do.
    while model.pendingInner or model.userPauses:
        if model.pendingInner:
            model.fireInner()
            real.fireInner()
        else:
            model.userPauses -= 1
            model.run()
            real.d.unpause()
        check()

    assert model.paused == 0
    assert not model.queue
    assert real.finalResult() == model.result
    # A Deferred returned by a callback hands its result over and is left with None.
    assert all(inner.result is None for inner in real.allInner)


torsionApi = SimpleNamespace(
    Deferred=defer.Deferred, succeed=defer.succeed, fail=defer.fail, Failure=failure.Failure
)


@settings(max_examples=300, deadline=None)
@given(scripts())
def checkTorsion(script: list[Step]) -> None:
    runScript(torsionApi, script)


def test_modelAgreesWithTorsion(caplog: pytest.LogCaptureFixture) -> None:
    checkTorsion()
    # Every failure was handled along the way or by the final callback: nothing was lost.
    gc.collect()
    lost = [
        record
        for record in caplog.records
        if record.levelno == logging.CRITICAL
        and isinstance(logged := loggedFailure(record), failure.Failure)
        and logged.check(ModelError)
    ]
    assert lost == []


def test_modelAgreesWithTwisted() -> None:
    twistedDefer = pytest.importorskip("twisted.internet.defer")
    twistedFailure = pytest.importorskip("twisted.python.failure")
    api = SimpleNamespace(
        Deferred=twistedDefer.Deferred,
        succeed=twistedDefer.succeed,
        fail=twistedDefer.fail,
        Failure=twistedFailure.Failure,
    )

    @settings(max_examples=100, deadline=None)
    @given(scripts())
    def checkTwisted(script: list[Step]) -> None:
        runScript(api, script)

    checkTwisted()


# -- invariants ------------------------------------------------------------------------------

chains = st.lists(addSteps, max_size=15)


def runChain(steps: list[Step], firePosition: int, outcome: Outcome) -> tuple[Any, ...]:
    """Add ``steps``, firing at ``firePosition``; then fire whatever is waited on, in order."""
    real = Real(torsionApi)
    for index, step in enumerate(steps):
        if index == firePosition:
            real.fire(outcome)
        real.add(index, step)
    if firePosition >= len(steps):
        real.fire(outcome)
    while real.pendingInner:
        real.fireInner()
    return (real.invoked, real.finalResult())


@settings(max_examples=200, deadline=None)
@given(chains, st.integers(0, 15), st.integers(0, 15), outcomes)
def test_whenCallbacksAreAddedDoesNotMatter(
    steps: list[Step], first: int, second: int, outcome: Outcome
) -> None:
    """Adding callbacks before or after firing gives the same calls and the same result."""
    assert runChain(steps, first, outcome) == runChain(steps, second, outcome)


@settings(max_examples=200, deadline=None)
@given(chains, st.lists(st.booleans(), max_size=20), outcomes)
def test_pausingDoesNotChangeTheOutcome(
    steps: list[Step], pauses: list[bool], outcome: Outcome
) -> None:
    """Pausing and unpausing between steps delays callbacks but changes nothing else."""
    expectedInvoked, expectedResult = runChain(steps, 0, outcome)
    real = Real(torsionApi)
    real.fire(outcome)
    paused = 0
    for index, step in enumerate(steps):
        if index < len(pauses) and pauses[index]:
            if not paused:
                firstPause = index
            real.d.pause()
            paused += 1
        real.add(index, step)
        while real.pendingInner:
            real.fireInner()
    if paused:
        # Nothing added from the first pause on has run.
        assert real.invoked == [call for call in expectedInvoked if call[0] < firstPause]
    for _ in range(paused):
        real.d.unpause()
    while real.pendingInner:
        real.fireInner()
    assert (real.invoked, real.finalResult()) == (expectedInvoked, expectedResult)
