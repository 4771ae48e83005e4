"""Tests for `torsion.python.failure.Failure`."""

from __future__ import annotations

import gc
import io
import pdb
import pickle
import sys
import traceback
import weakref
from collections.abc import Callable, Coroutine, Generator
from typing import Any

import pytest

from torsion.python import failure
from torsion.python.failure import Failure, NoCurrentExceptionError


class ParentError(Exception):
    """A base class for `ChildError`, to test matching by superclass."""


class ChildError(ParentError):
    pass


class Marker:
    """An object that can be weakly referenced, to tell when it is freed."""


def raiseValueError(message: str = "boom") -> None:
    raise ValueError(message)


def captured(function: Callable[[], object]) -> Failure:
    """The Failure for what ``function`` raises, captured inside the ``except`` block."""
    try:
        function()
    except BaseException:
        return Failure()
    raise AssertionError(f"{function!r} did not raise")


# -- capturing -------------------------------------------------------------------------------


def test_capturesTheExceptionBeingHandled() -> None:
    f = captured(raiseValueError)
    assert isinstance(f.value, ValueError)
    assert f.type is ValueError
    assert f.tb is not None
    assert f.tb is f.value.__traceback__
    assert f.getTracebackObject() is f.tb


def test_noCurrentException() -> None:
    with pytest.raises(NoCurrentExceptionError):
        Failure()


def test_noCurrentExceptionAfterExceptBlock() -> None:
    try:
        raiseValueError()
    except ValueError:
        pass
    with pytest.raises(NoCurrentExceptionError):
        Failure()


def test_wrapsAnExceptionNeverRaised() -> None:
    error = KeyError("k")
    f = Failure(error)
    assert f.value is error
    assert f.type is KeyError
    assert f.tb is None
    assert f.getTraceback().endswith("KeyError: 'k'\n")


def test_wrapsAnExceptionRaisedBefore() -> None:
    try:
        raiseValueError()
    except ValueError as e:
        error = e
    f = Failure(error)
    assert f.value is error
    assert f.tb is error.__traceback__
    assert "raiseValueError" in f.getTraceback()


def test_explicitTypeAndTraceback() -> None:
    try:
        raiseValueError()
    except ValueError as e:
        error, tb = e, e.__traceback__
    f = Failure(error, ParentError, tb)
    assert f.type is ParentError
    assert f.value is error
    assert f.tb is tb


def test_captureVarsIsAccepted() -> None:
    try:
        raiseValueError()
    except ValueError:
        f = Failure(captureVars=True)
    assert f.check(ValueError) is ValueError


def test_wrappingAFailureCopiesIt() -> None:
    original = captured(raiseValueError)
    copy = Failure(original)
    assert copy is not original
    assert copy.value is original.value
    assert copy.type is original.type
    assert copy.tb is original.tb


def test_caughtFailureIsUnwrapped() -> None:
    """``raise failure`` then ``Failure()`` gives the wrapped exception, not a nested Failure."""
    inner = Failure(KeyError("k"))
    try:
        raise inner
    except BaseException:
        f = Failure()
    assert f.type is KeyError
    assert f.value is inner.value


def test_nonExceptionBecomesException() -> None:
    """Deliberate deviation: a non-exception is wrapped in an `Exception` carrying its text."""
    f = Failure("something broke")  # type: ignore[arg-type]
    assert type(f.value) is Exception
    assert f.type is Exception
    assert f.getErrorMessage() == "something broke"


def test_isABaseException() -> None:
    f = Failure(ValueError("x"))
    assert isinstance(f, BaseException)
    with pytest.raises(Failure):
        raise f


# -- check and trap --------------------------------------------------------------------------


def test_checkExactType() -> None:
    assert Failure(ValueError()).check(ValueError) is ValueError


def test_checkSuperclass() -> None:
    f = Failure(ChildError())
    assert f.check(ParentError) is ParentError
    assert f.check(Exception) is Exception


def test_checkReturnsFirstMatch() -> None:
    f = Failure(ChildError())
    assert f.check(KeyError, ChildError, ParentError) is ChildError
    assert f.check(KeyError, ParentError, ChildError) is ParentError


def test_checkNoMatch() -> None:
    f = Failure(ParentError())
    assert f.check(ChildError) is None
    assert f.check(KeyError, TypeError) is None
    assert f.check() is None


def test_checkByQualifiedName() -> None:
    f = Failure(KeyError("k"))
    assert f.check("builtins.KeyError") == "builtins.KeyError"
    assert f.check("builtins.LookupError") == "builtins.LookupError"
    assert f.check("builtins.ValueError") is None
    child = Failure(ChildError())
    assert child.check(f"{__name__}.ParentError") == f"{__name__}.ParentError"


def test_checkBaseExceptionSubclass() -> None:
    f = Failure(KeyboardInterrupt())
    assert f.check(KeyboardInterrupt) is KeyboardInterrupt
    assert f.check(Exception) is None


def test_trapReturnsMatch() -> None:
    f = Failure(ChildError())
    assert f.trap(KeyError, ParentError) is ParentError


def test_trapReraisesTheOriginalException() -> None:
    f = captured(raiseValueError)
    with pytest.raises(ValueError) as info:
        f.trap(KeyError, TypeError)
    assert info.value is f.value


# -- re-raising ------------------------------------------------------------------------------


def test_raiseExceptionRaisesTheSameInstance() -> None:
    f = captured(raiseValueError)
    with pytest.raises(ValueError) as info:
        f.raiseException()
    assert info.value is f.value
    # The original frames are still there, below the re-raise.
    assert "raiseValueError" in [entry.name for entry in info.traceback]


def test_raiseExceptionWithoutTraceback() -> None:
    error = KeyError("k")
    with pytest.raises(KeyError) as info:
        Failure(error).raiseException()
    assert info.value is error


def catchingGenerator(seen: list[BaseException]) -> Generator[str, None, None]:
    try:
        yield "first"
    except ValueError as e:
        seen.append(e)
        yield "after catching"


def test_throwExceptionIntoGeneratorCaught() -> None:
    seen: list[BaseException] = []
    gen = catchingGenerator(seen)
    assert next(gen) == "first"
    f = captured(raiseValueError)
    assert f.throwExceptionIntoGenerator(gen) == "after catching"
    assert seen == [f.value]


def test_throwExceptionIntoGeneratorNotCaught() -> None:
    def gen() -> Generator[int, None, None]:
        yield 1

    g = gen()
    next(g)
    f = Failure(KeyError("k"))
    with pytest.raises(KeyError) as info:
        f.throwExceptionIntoGenerator(g)
    assert info.value is f.value


def test_throwExceptionIntoGeneratorThatReturns() -> None:
    def gen() -> Generator[int, None, str]:
        try:
            yield 1
        except KeyError:
            return "handled"
        return "not reached"

    g = gen()
    next(g)
    with pytest.raises(StopIteration) as info:
        Failure(KeyError("k")).throwExceptionIntoGenerator(g)
    assert info.value.value == "handled"


def test_throwExceptionIntoCoroutine() -> None:
    class Suspend:
        def __await__(self) -> Generator[str, None, None]:
            yield "suspended"

    async def coro() -> str:
        try:
            await Suspend()
        except KeyError as e:
            return f"caught {e}"
        return "not reached"

    c: Coroutine[Any, Any, str] = coro()
    assert c.send(None) == "suspended"
    with pytest.raises(StopIteration) as info:
        Failure(KeyError("k")).throwExceptionIntoGenerator(c)
    assert info.value.value == "caught 'k'"


# -- reporting -------------------------------------------------------------------------------


def test_getErrorMessage() -> None:
    assert Failure(ValueError("boom")).getErrorMessage() == "boom"
    assert Failure(KeyError("k")).getErrorMessage() == "'k'"


def test_getErrorMessageEmpty() -> None:
    """As in Twisted: an exception without a message gives an empty string."""
    assert Failure(ValueError()).getErrorMessage() == ""


def test_getTraceback() -> None:
    f = captured(raiseValueError)
    text = f.getTraceback()
    assert text.startswith("Traceback (most recent call last):\n")
    assert "in raiseValueError" in text
    assert "in captured" in text
    assert text.endswith("ValueError: boom\n")
    # The frames appear oldest first, as Python prints them.
    assert text.index("in captured") < text.index("in raiseValueError")


def test_getTracebackBrief() -> None:
    f = captured(raiseValueError)
    assert [(name, filename) for name, filename, *_ in f.frames] == [
        ("captured", __file__),
        ("raiseValueError", __file__),
    ]
    expected = "Traceback: <class 'ValueError'>: boom\n" + "".join(
        f"{filename}:{lineno}:{name}\n" for name, filename, lineno, _, _ in f.frames
    )
    assert f.getTraceback(detail="brief") == expected
    assert f.getBriefTraceback() == expected


def test_printTraceback() -> None:
    f = captured(raiseValueError)
    out = io.StringIO()
    f.printTraceback(out)
    assert out.getvalue() == f.getTraceback()
    out = io.StringIO()
    f.printTraceback(file=out, detail="brief")
    assert out.getvalue() == f.getBriefTraceback()


def test_printTracebackDefaultsToStderr(capsys: pytest.CaptureFixture[str]) -> None:
    f = captured(raiseValueError)
    f.printTraceback()
    f.printBriefTraceback()
    captured_ = capsys.readouterr()
    assert captured_.out == ""
    assert captured_.err == f.getTraceback() + f.getBriefTraceback()


def test_printBriefTraceback() -> None:
    out = io.StringIO()
    Failure(KeyError("k")).printBriefTraceback(out)
    assert out.getvalue() == "Traceback (failure with no frames): <class 'KeyError'>: 'k'\n"


def test_repr() -> None:
    f = Failure(ValueError("boom"))
    assert repr(f) == "<torsion.python.failure.Failure builtins.ValueError: boom>"
    assert str(f) == f"[Failure instance: {f.getBriefTraceback()}]"
    child = Failure(ChildError("x"))
    assert repr(child) == f"<torsion.python.failure.Failure {__name__}.ChildError: x>"


# -- cleaning and pickling -------------------------------------------------------------------


def raiseHoldingMarker(refs: list[weakref.ref[Marker]]) -> None:
    marker = Marker()  # referenced only by this frame's locals
    refs.append(weakref.ref(marker))
    raise ValueError("with a local")


def test_cleanFailureKeepsTheText() -> None:
    f = captured(lambda: raiseHoldingMarker([]))
    before = f.getTraceback()
    frames = traceback.extract_tb(f.getTracebackObject())
    f.cleanFailure()
    assert f.tb is None
    assert f.value.__traceback__ is None
    assert traceback.extract_tb(f.getTracebackObject()) == frames
    assert f.getTraceback() == before
    assert "in raiseHoldingMarker" in before
    f.cleanFailure()  # a second clean changes nothing
    assert f.getTraceback() == before


def test_cleanFailureReleasesLocals() -> None:
    refs: list[weakref.ref[Marker]] = []
    f = captured(lambda: raiseHoldingMarker(refs))
    gc.collect()
    assert refs[0]() is not None, "the live traceback keeps the frame's locals"
    f.cleanFailure()
    gc.collect()
    assert refs[0]() is None
    assert f.check(ValueError) is ValueError


def test_cleanedFailureStillRaisesTheSameException() -> None:
    f = captured(raiseValueError)
    f.cleanFailure()
    with pytest.raises(ValueError) as info:
        f.raiseException()
    assert info.value is f.value


def test_pickleRoundTrip() -> None:
    f = captured(raiseValueError)
    text = f.getTraceback()
    copy = pickle.loads(pickle.dumps(f))
    assert isinstance(copy, Failure)
    assert copy.type is ValueError
    assert isinstance(copy.value, ValueError)
    assert copy.value.args == ("boom",)
    assert copy.tb is None
    assert copy.getTraceback() == text
    assert copy.getErrorMessage() == "boom"
    assert copy.check(Exception) is Exception
    assert repr(copy) == repr(f)
    # The original still works after being pickled.
    assert f.getTraceback() == text
    assert f.check(ValueError) is ValueError


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_pickleAllProtocols(protocol: int) -> None:
    f = captured(lambda: raiseHoldingMarker([]))
    copy = pickle.loads(pickle.dumps(f, protocol))
    assert copy.type is ValueError
    assert "in raiseHoldingMarker" in copy.getTraceback()


def test_pickleUnraisedFailure() -> None:
    copy = pickle.loads(pickle.dumps(Failure(ChildError("x"))))
    assert copy.type is ChildError
    assert copy.check(ParentError) is ParentError
    assert copy.getTraceback().endswith("ChildError: x\n")


def test_pickleLeavesTheOriginalAlone() -> None:
    """As in Twisted: only the copy loses the traceback (and the locals it keeps alive)."""
    refs: list[weakref.ref[Marker]] = []
    f = captured(lambda: raiseHoldingMarker(refs))
    copy = pickle.loads(pickle.dumps(f))
    assert f.tb is not None and not f.pickled
    assert copy.tb is None and copy.pickled
    del f
    gc.collect()
    assert refs[0]() is None


def test_currentExceptionUnaffected() -> None:
    """Capturing does not change the exception being handled."""
    try:
        raiseValueError()
    except ValueError:
        before = sys.exception()
        Failure()
        assert sys.exception() is before


# -- Twisted's frame model -------------------------------------------------------------------


def test_each_failure_has_the_next_count() -> None:
    first = Failure(KeyError())
    second = captured(raiseValueError)
    assert second.count == first.count + 1 == failure.count


def test_withoutTraceback_is_Failure_of_the_exception() -> None:
    error = KeyError("k")
    plain = Failure(error).__dict__.copy()
    fast = Failure._withoutTraceback(error)
    assert isinstance(fast, Failure)
    fastState = fast.__dict__.copy()
    assert plain.pop("count") + 1 == fastState.pop("count")
    assert plain == fastState


def test_frames_are_worked_out_on_first_use_and_settable() -> None:
    f = captured(raiseValueError)
    assert "_frames" not in f.__dict__
    assert [frame[0] for frame in f.frames] == ["captured", "raiseValueError"]
    assert f.frames is f.frames
    f.frames = f.frames[:1]
    assert len(f.frames) == 1 and f.getTraceback().count("File") == 1
    assert Failure(KeyError()).frames == []


def test_captureVars_takes_the_variables_when_the_failure_is_made() -> None:
    value = "before"
    try:
        raiseValueError()
    except ValueError:
        f = Failure(captureVars=True)
    value = "after"
    assert f.captureVars and not Failure(KeyError()).captureVars
    assert ("value", "before") in f.frames[0][3] and value == "after"


def test_parents_are_the_qualified_names_of_the_classes() -> None:
    f = Failure(ChildError())
    assert f.parents == [
        f"{__name__}.ChildError",
        f"{__name__}.ParentError",
        "builtins.Exception",
        "builtins.BaseException",
        "builtins.object",
    ]
    f.parents = ["somewhere.Else"]
    assert f.check("somewhere.Else") == "somewhere.Else"
    assert f.check(f"{__name__}.ParentError") is None
    assert f.check(ParentError) is ParentError  # A class is matched against the class.


def test_a_type_that_is_not_a_class_is_matched_by_name() -> None:
    """As Perspective Broker and Foolscap make them: the remote type's name, its parents'."""
    f = Failure(KeyError("k"))
    f.type = "remote.Error"  # type: ignore[assignment]
    f.parents = ["remote.Error", "builtins.KeyError"]
    assert f.check(KeyError) is KeyError
    assert f.check(ValueError) is None
    assert f.check("remote.Error") == "remote.Error"


def test_stack_is_deprecated_and_empty() -> None:
    f = captured(raiseValueError)
    message = "torsion.python.failure.Failure.stack was deprecated in Twisted 24.10.0"
    with pytest.warns(DeprecationWarning, match=message):
        assert f.stack == []
    with pytest.warns(DeprecationWarning, match=message):
        f.stack = []


def test_printTraceback_default_layout() -> None:
    f = captured(raiseValueError)
    lines = f.getTraceback().splitlines()
    assert lines[0] == "Traceback (most recent call last):"
    assert lines[-3:] == [
        f'  File "{__file__}", line {f.frames[-1][2]}, in raiseValueError',
        "    raise ValueError(message)",
        "builtins.ValueError: boom",
    ]
    assert Failure(KeyError("k")).getTraceback() == (
        "Traceback (most recent call last):\nFailure: builtins.KeyError: 'k'\n"
    )


def test_printDetailedTraceback() -> None:
    f = captured(raiseValueError)
    out = io.StringIO()
    f.printDetailedTraceback(out)
    text = out.getvalue()
    assert text.startswith(f"*--- Failure #{f.count} ---\n")
    assert text.endswith(f"builtins.ValueError: boom\n*--- End of Failure #{f.count} ---\n")
    assert "[Capture of Locals and Globals disabled (use captureVars=True)]" in text
    assert f"{__file__}:{f.frames[-1][2]}: raiseValueError(...)\n" in text


def test_printDetailedTraceback_with_the_variables() -> None:
    try:
        raiseValueError("with vars")
    except ValueError:
        f = Failure(captureVars=True)
    assert "  message : 'with vars'\n" in f.getTraceback(detail="verbose")
    f.cleanFailure()
    text = f.getTraceback(detail="verbose")
    assert text.startswith(f"*--- Failure #{f.count} (pickled) ---\n")
    assert "  message : \"'with vars'\"\n" in text  # Kept as its repr.
    f.cleanFailure()
    assert "  message : \"'with vars'\"\n" in f.getTraceback(detail="verbose")


class BrokenStr(Exception):
    def __str__(self) -> str:
        raise RuntimeError("no str")


class BrokenMeta(type):
    def __str__(cls) -> str:
        raise RuntimeError("no str either")


class BrokenType(Exception, metaclass=BrokenMeta):
    pass


@pytest.mark.parametrize("value", [BrokenStr(), BrokenType()])
@pytest.mark.parametrize("detail", ["brief", "default", "verbose"])
def test_tracebacks_of_exceptions_that_cannot_be_shown(value: Exception, detail: str) -> None:
    f = Failure(value)
    assert isinstance(f.getTraceback(detail=detail), str)
    assert isinstance(f.getErrorMessage(), str) and isinstance(str(f), str)


def test_a_cleaned_failure_has_a_traceback_stand_in() -> None:
    f = captured(raiseValueError)
    live = traceback.extract_tb(f.getTracebackObject())
    f.cleanFailure()
    assert traceback.extract_tb(f.getTracebackObject()) == live
    assert Failure(KeyError()).getTracebackObject() is None


def test_the_pickled_state_has_twisteds_keys() -> None:
    f = captured(raiseValueError)
    state = f.__getstate__()
    assert state["parents"] == f.parents and state["frames"] == f.frames
    assert (state["stack"], state["tb"], state["pickled"]) == ([], None, 1)
    assert "_parents" not in state and "_frames" not in state
    assert f.tb is not None  # The original keeps its traceback.


def test_unpickling_restores_the_same_state() -> None:
    f = captured(raiseValueError)
    copy = pickle.loads(pickle.dumps(f))
    expected = f.__dict__.copy()
    expected.update(tb=None, pickled=1)
    assert copy.__dict__ == {**expected, "value": copy.value}
    assert copy.frames == f.frames and copy.parents == f.parents
    copy.frames = copy.frames[:-1]
    copy.parents = copy.parents[:1]
    assert len(copy.frames) == 1 and copy.parents == ["builtins.ValueError"]


def test_a_state_in_twisteds_layout_is_read() -> None:
    twistedFailure = pytest.importorskip("twisted.python.failure")
    try:
        raiseValueError()
    except ValueError:
        theirs = twistedFailure.Failure()
    ours = Failure.__new__(Failure)
    ours.__setstate__(theirs.__getstate__())
    assert ours.frames == theirs.frames and ours.parents == theirs.parents
    assert ours.check(ValueError) is ValueError
    assert ours.getTraceback() == theirs.getTraceback().replace(
        "twisted.python.failure", "torsion.python.failure"
    )


def test_a_wrapped_failure_is_a_copy_of_it() -> None:
    original = captured(raiseValueError)
    copy = Failure(original)
    assert copy.__dict__ == original.__dict__ and copy.count == original.count


def test_startDebugMode_opens_the_debugger(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[object] = []
    monkeypatch.setattr(pdb, "post_mortem", seen.append)
    monkeypatch.setattr(Failure, "__init__", Failure.__init__)
    failure.startDebugMode()
    try:
        raiseValueError()
    except ValueError as e:
        tb = e.__traceback__
        f = Failure(captureVars=True)
    assert seen == [tb] and f.captureVars
    Failure(KeyError())  # An exception given: no debugger.
    monkeypatch.setattr(failure, "DO_POST_MORTEM", False)
    captured(raiseValueError)
    assert seen == [tb]
