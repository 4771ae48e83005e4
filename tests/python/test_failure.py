"""Tests for `torsion.python.failure.Failure`."""

from __future__ import annotations

import gc
import io
import pickle
import sys
import weakref
from collections.abc import Callable, Coroutine, Generator
from typing import Any

import pytest

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
    assert f.getTraceback(detail="brief") == "builtins.ValueError: boom\n"
    assert f.getBriefTraceback() == "builtins.ValueError: boom\n"


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
    assert out.getvalue() == "builtins.KeyError: 'k'\n"


def test_repr() -> None:
    f = Failure(ValueError("boom"))
    assert repr(f) == "<torsion.python.failure.Failure builtins.ValueError: boom>"
    assert str(f) == repr(f)
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
    f.cleanFailure()
    assert f.tb is None
    assert f.getTracebackObject() is None
    assert f.value.__traceback__ is None
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


def test_pickleReleasesLocals() -> None:
    refs: list[weakref.ref[Marker]] = []
    f = captured(lambda: raiseHoldingMarker(refs))
    pickle.dumps(f)
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
