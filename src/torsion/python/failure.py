"""`Failure`: an exception captured as a value, so it can travel through callbacks.

A Deferred cannot let an exception propagate up the stack (the code that caused it is long gone
when the error is handled), so it carries a `Failure` instead: the exception, its type and its
traceback, with Twisted's methods for inspecting and re-raising it.

Capturing is cheap: a Failure keeps the live traceback object and formats it only when asked.
`cleanFailure()` replaces the traceback with a plain-text summary, so a Failure stored for later
does not keep every frame's local variables alive.
"""

from __future__ import annotations

import builtins
import sys
import traceback
from collections.abc import Coroutine, Generator
from types import TracebackType
from typing import IO, Any, NoReturn, TypeVar

__all__ = ["Failure", "NoCurrentExceptionError"]

_YieldT = TypeVar("_YieldT")


class NoCurrentExceptionError(Exception):
    """`Failure()` was called with no exception given and none being handled."""


class Failure(BaseException):
    """An exception, its type and traceback, held as a value.

    `Failure()` inside an ``except`` block captures the exception being handled;
    `Failure(exc)` wraps a given exception (using its ``__traceback__``, if any).

    Failure subclasses `BaseException` only so that ``raise failure`` in user code behaves as
    Twisted users expect (it raises the wrapped exception's Failure); torsion itself always
    raises the wrapped exception, never the Failure.

    Attributes:
        value: The exception instance.
        type: The exception's class.
        tb: The traceback, or None once the Failure was cleaned (or never had one).
    """

    # Failure is created for every error that passes through a Deferred, so keep it small.
    value: BaseException
    type: builtins.type[BaseException]
    tb: TracebackType | None
    _frames: traceback.StackSummary | None

    def __init__(
        self,
        exc_value: BaseException | None = None,
        exc_type: builtins.type[BaseException] | None = None,
        exc_tb: TracebackType | None = None,
        captureVars: bool = False,
    ) -> None:
        if exc_value is None:
            exc_value = sys.exception()
            if exc_value is None:
                raise NoCurrentExceptionError("Failure() called outside an except block")
            exc_tb = exc_value.__traceback__
        if isinstance(exc_value, Failure):
            # Wrapping a Failure (given, or raised and caught) copies it instead of nesting it.
            self.__dict__.update(exc_value.__dict__)
            return
        if not isinstance(exc_value, BaseException):
            # Twisted accepts a string here; keep that working, but as a real exception.
            exc_value = Exception(exc_value)
        if exc_tb is None:
            exc_tb = exc_value.__traceback__
        self.value = exc_value
        self.type = exc_type if exc_type is not None else builtins.type(exc_value)
        self.tb = exc_tb
        self._frames = None

    # -- inspection ------------------------------------------------------------------------

    def check(
        self, *errorTypes: builtins.type[BaseException] | str
    ) -> builtins.type[BaseException] | str | None:
        """Return the first of ``errorTypes`` that this failure's exception is an instance of.

        Types may also be given as fully qualified names (``"builtins.KeyError"``), as Twisted
        allows. Returns None when nothing matches.
        """
        for errorType in errorTypes:
            if isinstance(errorType, str):
                if errorType in self._qualifiedNames():
                    return errorType
            elif issubclass(self.type, errorType):
                return errorType
        return None

    def trap(
        self, *errorTypes: builtins.type[BaseException] | str
    ) -> builtins.type[BaseException] | str:
        """Return the matching type, or re-raise this failure if none of ``errorTypes`` match.

        Used at the top of an errback to handle only some errors: anything else propagates
        unchanged to the next errback.
        """
        matched = self.check(*errorTypes)
        if matched is None:
            self.raiseException()
        return matched

    def getErrorMessage(self) -> str:
        """The exception's message: ``str(value)`` (empty for an exception without one)."""
        return str(self.value)

    def getTraceback(self, elideFrameworkCode: int = 0, detail: str = "default") -> str:
        """The traceback and exception formatted as Python prints them.

        Args:
            elideFrameworkCode: Accepted for compatibility; frames are never elided.
            detail: ``"brief"`` gives one line (``Type: message``); anything else the full text.
        """
        if detail == "brief":
            return f"{self._typeName()}: {self.getErrorMessage()}\n"
        lines = ["Traceback (most recent call last):\n"]
        lines.extend(self._stack().format())
        lines.extend(traceback.format_exception_only(self.type, self.value))
        return "".join(lines)

    def getBriefTraceback(self) -> str:
        """A one-line summary: ``Type: message``."""
        return self.getTraceback(detail="brief")

    def printTraceback(
        self, file: IO[str] | None = None, elideFrameworkCode: int = 0, detail: str = "default"
    ) -> None:
        """Write `getTraceback()` to ``file`` (default: standard error)."""
        (file if file is not None else sys.stderr).write(
            self.getTraceback(elideFrameworkCode, detail)
        )

    def printBriefTraceback(self, file: IO[str] | None = None) -> None:
        """Write the one-line summary to ``file`` (default: standard error)."""
        self.printTraceback(file, detail="brief")

    def getTracebackObject(self) -> TracebackType | None:
        """The live traceback, or None if the failure was cleaned."""
        return self.tb

    # -- re-raising --------------------------------------------------------------------------

    def raiseException(self) -> NoReturn:
        """Raise the wrapped exception, with its original traceback when still available."""
        raise self.value.with_traceback(self.tb)

    def throwExceptionIntoGenerator(
        self, g: Generator[_YieldT, Any, Any] | Coroutine[_YieldT, Any, Any]
    ) -> _YieldT:
        """Throw the wrapped exception into generator (or coroutine) ``g`` at its current yield.

        Returns what ``g`` yields next; raises what ``g`` raises (StopIteration when it returns).
        """
        return g.throw(self.value.with_traceback(self.tb))

    # -- storage -----------------------------------------------------------------------------

    def cleanFailure(self) -> None:
        """Replace the live traceback by a text summary so no frame (and no local) is kept alive.

        Everything that reports the failure keeps working: the summary is what it formats.
        """
        if self.tb is not None:
            self._frames = traceback.StackSummary.extract(
                traceback.walk_tb(self.tb), lookup_lines=False, capture_locals=False
            )
            self.tb = None
        self.value.__traceback__ = None

    def _stack(self) -> traceback.StackSummary:
        if self.tb is not None:
            return traceback.StackSummary.extract(traceback.walk_tb(self.tb))
        return self._frames if self._frames is not None else traceback.StackSummary()

    def _typeName(self) -> str:
        return f"{self.type.__module__}.{self.type.__qualname__}"

    def _qualifiedNames(self) -> set[str]:
        return {f"{cls.__module__}.{cls.__qualname__}" for cls in self.type.__mro__}

    def __getstate__(self) -> dict[str, Any]:
        """Pickle without the traceback (frames are not picklable), keeping its text."""
        self.cleanFailure()
        state = dict(self.__dict__)
        if self._frames is not None:
            # FrameSummary has __slots__, which pickle protocols 0 and 1 cannot store.
            state["_frames"] = [(f.filename, f.lineno, f.name, f.line) for f in self._frames]
        return state

    def __setstate__(self, state: dict[str, Any] | None, /) -> None:
        state = dict(state or {})
        if state.get("_frames") is not None:
            state["_frames"] = traceback.StackSummary.from_list(state["_frames"])
        self.__dict__.update(state)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_restoreFailure, (), self.__getstate__())

    def __repr__(self) -> str:
        return f"<torsion.python.failure.Failure {self._typeName()}: {self.getErrorMessage()}>"

    __str__ = __repr__


def _restoreFailure() -> Failure:
    """Create an empty Failure for unpickling, bypassing the capture in ``__init__``."""
    return Failure.__new__(Failure)
