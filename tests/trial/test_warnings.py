"""Tests for `SynchronousTestCase.flushWarnings` and `torsion.trial.util.suppress`."""

from __future__ import annotations

import unittest as pyunit
import warnings
from typing import Any, ClassVar

import pytest

from torsion.trial import unittest, util


def run(case: type[pyunit.TestCase], name: str = "test") -> pyunit.TestResult:
    result = pyunit.TestResult()
    case(name).run(result)
    return result


def problems(result: pyunit.TestResult) -> list[str]:
    return [text for _, text in result.errors + result.failures]


def runRecording(
    case: type[pyunit.TestCase], name: str = "test"
) -> tuple[pyunit.TestResult, list[warnings.WarningMessage]]:
    """Run the test; also return the warnings that reach the filters outside it."""
    with warnings.catch_warnings(record=True) as outside:
        warnings.simplefilter("always")
        result = run(case, name)
    return result, outside


def warnOld() -> None:
    warnings.warn("old", DeprecationWarning, stacklevel=2)


def warnHere() -> None:
    warnings.warn("here", UserWarning, stacklevel=1)


def test_flushWarningsTakesTheWarnings() -> None:
    flushed: list[list[dict[str, Any]]] = []

    class Case(unittest.SynchronousTestCase):
        def test(self) -> None:
            warnOld()
            warnHere()
            flushed.append(self.flushWarnings())
            flushed.append(self.flushWarnings())

    result, outside = runRecording(Case)
    assert problems(result) == [] and outside == []
    [first, second] = flushed
    assert second == []
    assert [(w["message"], w["category"]) for w in first] == [
        ("old", DeprecationWarning),
        ("here", UserWarning),
    ]
    assert first[0]["filename"] == __file__ and isinstance(first[0]["lineno"], int)


def test_unflushedWarningsAreEmittedAfterTheTest() -> None:
    class Case(unittest.SynchronousTestCase):
        def setUp(self) -> None:
            warnings.warn("in setUp", UserWarning, stacklevel=1)
            self.addCleanup(warnings.warn, "in cleanup", UserWarning)

        def test(self) -> None:
            warnOld()
            # Collected, not shown: an outer "error" filter no longer applies here.
            assert len(self.flushWarnings([warnHere])) == 0

    result, outside = runRecording(Case)
    assert problems(result) == []
    assert [str(w.message) for w in outside] == ["in setUp", "old", "in cleanup"]
    assert outside[1].category is DeprecationWarning and outside[1].filename == __file__


def test_unflushedWarningUnderErrorFilterFailsTheTest() -> None:
    class Case(unittest.SynchronousTestCase):
        def test(self) -> None:
            warnOld()

        def test_flushed(self) -> None:
            warnOld()
            self.flushWarnings()

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        [text] = problems(run(Case))
        assert "DeprecationWarning: old" in text
        assert problems(run(Case, "test_flushed")) == []


def test_flushWarningsByOffendingFunction() -> None:
    taken: list[list[str]] = []

    class Case(unittest.SynchronousTestCase):
        def test(self) -> None:
            warnOld()  # blames this method
            warnHere()  # blames warnHere
            taken.append([w["message"] for w in self.flushWarnings([warnHere])])
            taken.append([w["message"] for w in self.flushWarnings([self.test])])
            with pytest.raises(ValueError, match="not a function or method"):
                self.flushWarnings([object])

    result, outside = runRecording(Case)
    assert problems(result) == [] and outside == []
    assert taken == [["here"], ["old"]]


def test_filtersRestoredAfterTheTest() -> None:
    class Case(unittest.SynchronousTestCase):
        def test(self) -> None:
            warnings.resetwarnings()
            warnings.simplefilter("ignore")

    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        before = list(warnings.filters)
        show = warnings.showwarning
        assert problems(run(Case)) == []
        assert warnings.filters == before and warnings.showwarning is show


def test_suppress() -> None:
    assert util.suppress() == (("ignore",), {})
    assert util.suppress("error", category=UserWarning, message="x") == (
        ("error",),
        {"category": UserWarning, "message": "x"},
    )
    flushed: list[list[str]] = []

    class Case(unittest.SynchronousTestCase):
        suppress: ClassVar[list[util.Suppression]] = [util.suppress(category=UserWarning)]

        def test(self) -> None:
            warnHere()
            warnOld()
            flushed.append([w["message"] for w in self.flushWarnings()])

        def test_method(self) -> None:
            warnings.warn("keep", DeprecationWarning, stacklevel=1)
            warnOld()
            flushed.append([w["message"] for w in self.flushWarnings()])

        test_method.suppress = [  # type: ignore[attr-defined]  # noqa: RUF012
            util.suppress(message="old", category=DeprecationWarning)
        ]

    result, outside = runRecording(Case)
    assert problems(result) == [] and outside == []
    result, outside = runRecording(Case, "test_method")
    assert problems(result) == [] and outside == []
    # The method's list replaces the class's, as in trial.
    assert flushed == [["old"], ["keep"]]


def test_asyncTestCaseCollectsWarnings() -> None:
    flushed: list[list[str]] = []

    class Case(unittest.TestCase):
        def test(self) -> None:
            warnOld()
            flushed.append([w["message"] for w in self.flushWarnings([self.test])])

    result, outside = runRecording(Case)
    assert problems(result) == [] and outside == []
    assert flushed == [["old"]]
