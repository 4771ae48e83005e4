"""Tests for `torsion.logger._jsonfailure`: a Failure as Twisted's JSON form, and back."""

from __future__ import annotations

import sys
import traceback
from typing import Any

import pytest

from torsion.logger._jsonfailure import failureAsJSON, failureFromJSON
from torsion.python.failure import Failure


def inner() -> None:
    raise KeyError("missing thing")


def captured() -> Failure:
    try:
        inner()
    except KeyError:
        return Failure()
    raise AssertionError("inner did not raise")


def test_asJSONHasTwistedsKeys() -> None:
    saved = failureAsJSON(captured())
    assert saved["type"] == {"__module__": "builtins", "__name__": "KeyError"}
    assert saved["value"] == "'missing thing'"
    assert saved["exceptionArgs"] == ["missing thing"]
    assert saved["parents"] == [
        "builtins.KeyError",
        "builtins.LookupError",
        "builtins.Exception",
        "builtins.BaseException",
        "builtins.object",
    ]
    assert [frame[0] for frame in saved["frames"]] == ["captured", "inner"]
    assert all(frame[1] == __file__ and frame[3:] == [[], []] for frame in saved["frames"])
    assert (saved["stack"], saved["tb"], saved["pickled"]) == ([], None, 1)


def test_fromTwistedsForm() -> None:
    """A dictionary as Twisted 26's ``failureAsJSON`` makes it."""
    saved: dict[str, Any] = {
        "count": 1,
        "type": {"__module__": "builtins", "__name__": "ZeroDivisionError"},
        "value": {"unpersistable": True},
        "captureVars": False,
        "tb": None,
        "parents": ["builtins.ZeroDivisionError", "builtins.ArithmeticError"],
        "stack": [],
        "frames": [["<module>", "/app/main.py", 7, [], []], ["f", "/app/lib.py", 6, [], []]],
        "pickled": 1,
    }
    failure = failureFromJSON(saved)
    assert failure.type is ZeroDivisionError and isinstance(failure.value, ZeroDivisionError)
    assert failure.getErrorMessage() == ""
    tb = failure.getTracebackObject()
    assert [(s.filename, s.lineno, s.name) for s in traceback.extract_tb(tb)] == [
        ("/app/main.py", 7, "<module>"),
        ("/app/lib.py", 6, "f"),
    ]
    assert failure.getTraceback() == (  # Twisted's layout: no source to show for these files
        "Traceback (most recent call last):\n"
        '  File "/app/main.py", line 7, in <module>\n'
        "    \n"
        '  File "/app/lib.py", line 6, in f\n'
        "    \n"
        "builtins.ZeroDivisionError: \n"
    )


def test_roundTripShowsTheSourceLines() -> None:
    failure = failureFromJSON(failureAsJSON(captured()))
    assert failure.type is KeyError and failure.getErrorMessage() == "'missing thing'"
    text = failure.getTraceback()
    assert "    inner()\n" in text and '    raise KeyError("missing thing")\n' in text
    assert "^" not in text  # no carets under re-created lines


def test_argumentsThatAreNotPlainValues() -> None:
    saved = failureAsJSON(Failure(ValueError(object)))
    assert "exceptionArgs" not in saved
    assert failureFromJSON(saved).getErrorMessage() == "<class 'object'>"


def test_classesAreNotImportedFromTheLog() -> None:
    failure = failureFromJSON(
        {"type": {"__module__": "os.path.not_a_module", "__name__": "Oops"}, "frames": []}
    )
    assert failure.type.__name__ == "Oops" and failure.type.__module__ == "os.path.not_a_module"
    assert failure.check("os.path.not_a_module.Oops")
    assert failure.getTracebackObject() is None


def test_classThatCannotBeMadeGetsAStandIn(monkeypatch: pytest.MonkeyPatch) -> None:
    class Picky(Exception):
        def __new__(cls, *args: object) -> Picky:
            raise TypeError("not like that")

    monkeypatch.setattr(sys.modules[__name__], "Picky", Picky, raising=False)
    failure = failureFromJSON(
        {"type": {"__module__": __name__, "__name__": "Picky"}, "value": "m", "frames": []}
    )
    assert failure.type is not Picky and failure.type.__name__ == "Picky"
    assert failure.getErrorMessage() == "m"


def test_badFramesAreSkipped() -> None:
    failure = failureFromJSON(
        {
            "type": {"__module__": "builtins", "__name__": "ValueError"},
            "frames": [["a"], ["b", "/x.py", "NaN"], ["c", "/x.py", 0, [], []], "junk"],
        }
    )
    assert [s.name for s in traceback.extract_tb(failure.getTracebackObject())] == ["c"]
