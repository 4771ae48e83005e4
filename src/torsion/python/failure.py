"""`Failure`: an exception captured as a value, so it can travel through callbacks.

A Deferred cannot let an exception propagate up the stack (the code that caused it is long gone
when the error is handled), so it carries a `Failure` instead: the exception, its type and its
traceback, with Twisted's methods for inspecting, printing and re-raising it.

Capturing is cheap: a Failure keeps the live traceback object, and works out its `frames`
(Twisted's ``(function, file, line, locals, globals)`` list, from `torsion.python._frames`) and
its `parents` (the qualified names of the exception's classes) only when asked.
`cleanFailure()` keeps the frames and drops the traceback, so a Failure stored for later does
not keep every frame's local variables alive; pickling does the same. With
``captureVars=True`` the frames, variables included, are taken when the Failure is made.
"""

from __future__ import annotations

import builtins
import sys
import traceback
from collections.abc import Coroutine, Generator
from io import StringIO
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any, NoReturn, TypeVar, cast

from torsion.python._frames import (
    Frame,
    _Code,
    _Frame,
    _Traceback,
    _TracebackFrame,
    format_frames,
    framesOf,
    reprVars,
)
from torsion.python.deprecate import deprecatedProperty
from torsion.python.reflect import qual, safe_str
from torsion.python.versions import Version

__all__ = [
    "DefaultException",
    "Failure",
    "NoCurrentExceptionError",
    "_Code",
    "_Frame",
    "_Traceback",
    "_TracebackFrame",
    "format_frames",
    "startDebugMode",
]

_YieldT = TypeVar("_YieldT")

#: How many Failures were made so far: each takes the next number as its ``count``.
count = 0

#: Whether, after `startDebugMode`, capturing a Failure opens the debugger on its traceback.
DO_POST_MORTEM = True


class DefaultException(Exception):
    """An exception for errors that have no more specific type (Twisted's name for it)."""


class NoCurrentExceptionError(Exception):
    """`Failure()` was called with no exception given and none being handled."""


class Failure(BaseException):
    """An exception, its type and traceback, held as a value.

    `Failure()` inside an ``except`` block captures the exception being handled;
    `Failure(exc)` wraps a given exception (using its ``__traceback__``, if any). Wrapping a
    Failure (given, or raised and caught) copies it rather than nesting it.

    Failure subclasses `BaseException` only so that ``raise failure`` in user code behaves as
    Twisted users expect; torsion itself always raises the wrapped exception, never the Failure.

    Attributes:
        value: The exception instance.
        type: The exception's class.
        tb: The traceback, or None once the Failure was cleaned (or never had one).
        count: This Failure's number: the how-many-th made in this process.
        captureVars: Whether `frames` has the variables of each frame.
        pickled: 1 once the Failure was cleaned or pickled (its variables are text then).
    """

    value: BaseException
    type: builtins.type[BaseException]
    tb: TracebackType | None
    count: int
    captureVars = False
    pickled = 0
    # Worked out on first use (or set, as pickling and Foolscap do).
    _frames: list[Frame] | None = None
    _parents: list[Any] | None = None

    def __init__(
        self,
        exc_value: BaseException | None = None,
        exc_type: builtins.type[BaseException] | None = None,
        exc_tb: TracebackType | None = None,
        captureVars: bool = False,
    ) -> None:
        global count
        count += 1
        self.count = count
        if exc_value is None:
            exc_value = sys.exception()
            if exc_value is None:
                raise NoCurrentExceptionError("Failure() called outside an except block")
            exc_type = None
            exc_tb = exc_value.__traceback__
        if isinstance(exc_value, Failure):
            self.__dict__ = exc_value.__dict__.copy()
            return
        if not isinstance(exc_value, BaseException):
            # Twisted accepts a string here; keep that working, but as a real exception.
            exc_value = Exception(exc_value)
        self.value = exc_value
        self.type = exc_type if exc_type is not None else builtins.type(exc_value)
        self.tb = exc_tb if exc_tb is not None else exc_value.__traceback__
        if captureVars:
            self.captureVars = True
            # Now, while the frame that caught the exception still has the values it had.
            self._frames = framesOf(self.tb, True)

    @staticmethod
    def _withoutTraceback(value: BaseException) -> Failure:
        """The Failure of ``value``, an exception never raised: `Failure(value)`, made faster."""
        global count
        count += 1
        result = Failure.__new__(Failure)
        result.count = count
        result.value = value
        result.type = value.__class__
        result.tb = None
        return result

    # -- the traceback as data -----------------------------------------------------------

    @property
    def frames(self) -> list[Frame]:
        """The traceback's frames, oldest first: ``(function, file, line, locals, globals)``.

        The variables are empty unless the Failure was made with ``captureVars=True``.
        """
        frames = self._frames
        if frames is None:
            frames = self._frames = framesOf(self.tb, self.captureVars)
        return frames

    @frames.setter
    def frames(self, frames: list[Frame]) -> None:
        self._frames = frames

    if TYPE_CHECKING:
        #: Deprecated, always empty: the frames above the one that caught the exception.
        stack: list[Frame]
    else:

        @deprecatedProperty(Version("Twisted", 24, 10, 0))
        def stack(self) -> list[Frame]:
            """Always empty: the frames above the one that caught the exception are not kept."""
            return []

        @stack.setter
        def stack(self, stack: object) -> None:
            del stack  # Nothing to keep.

    @property
    def parents(self) -> list[Any]:
        """The qualified names (``module.Name``) of the exception's class and its bases."""
        parents = self._parents
        if parents is None:
            if isinstance(self.type, builtins.type):
                parents = [qual(cls) for cls in self.type.__mro__]
            else:  # A type that came as something else (a name, from a remote peer).
                parents = [self.type]
            self._parents = parents
        return parents

    @parents.setter
    def parents(self, parents: list[Any]) -> None:
        self._parents = parents

    def getTracebackObject(self) -> TracebackType | None:
        """The live traceback; once cleaned, a stand-in made from `frames`; None if neither.

        The stand-in (a `_TracebackFrame`, typed as the traceback it replaces) has what
        `traceback.extract_tb`, `logging` and debuggers read of a traceback and its frames.
        """
        if self.tb is not None:
            return self.tb
        frames = self.frames
        return cast(TracebackType, _Traceback(frames)) if frames else None

    def _stack(self) -> traceback.StackSummary:
        """`frames` as a `traceback.StackSummary` (source lines read when asked for)."""
        return traceback.StackSummary.from_list(
            [(filename, lineno, name, None) for name, filename, lineno, _, _ in self.frames]
        )

    # -- inspection ------------------------------------------------------------------------

    def check(
        self, *errorTypes: builtins.type[BaseException] | str
    ) -> builtins.type[BaseException] | str | None:
        """Return the first of ``errorTypes`` that this failure's exception is an instance of.

        Types may also be given as qualified names (``"builtins.KeyError"``, matched against
        `parents`), as Twisted allows. Returns None when nothing matches.
        """
        for errorType in errorTypes:
            if isinstance(errorType, str):
                if errorType in self.parents:
                    return errorType
                continue
            try:
                if issubclass(self.type, errorType):
                    return errorType
            except TypeError:  # A type that is not a class: compare names.
                if qual(errorType) in self.parents:
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
        """The exception's message: ``str(value)``, or a description if that raises."""
        return safe_str(self.value)

    # -- printing --------------------------------------------------------------------------

    def printTraceback(
        self,
        file: IO[str] | None = None,
        elideFrameworkCode: int = 0,
        detail: str = "default",
    ) -> None:
        """Write the traceback to ``file`` (default: standard error), in Twisted's layouts.

        Args:
            file: Where to write.
            elideFrameworkCode: Accepted for compatibility; frames are never elided.
            detail: ``"default"`` (as Python prints it, with the exception's qualified type),
                ``"brief"`` (one line per frame), or ``"verbose"`` (numbered, with each
                frame's variables if they were captured).
        """
        write = (file if file is not None else sys.stderr).write
        if detail == "verbose":
            write(f"*--- Failure #{self.count}{' (pickled) ' if self.pickled else ' '}---\n")
        elif detail == "brief":
            kind = "Traceback" if self.frames else "Traceback (failure with no frames)"
            write(f"{kind}: {safe_str(self.type)}: {safe_str(self.value)}\n")
        else:
            write("Traceback (most recent call last):\n")
        if self.frames:
            captured = detail != "verbose" or self.captureVars
            format_frames(self.frames, write, detail if captured else "verbose-vars-not-captured")
        elif detail != "brief":
            write("Failure: ")
        if detail != "brief":
            write(f"{qual(self.type)}: {safe_str(self.value)}\n")
        if detail == "verbose":
            write(f"*--- End of Failure #{self.count} ---\n")

    def printBriefTraceback(self, file: IO[str] | None = None, elideFrameworkCode: int = 0) -> None:
        """`printTraceback` with ``detail="brief"``."""
        self.printTraceback(file, elideFrameworkCode, detail="brief")

    def printDetailedTraceback(
        self, file: IO[str] | None = None, elideFrameworkCode: int = 0
    ) -> None:
        """`printTraceback` with ``detail="verbose"``."""
        self.printTraceback(file, elideFrameworkCode, detail="verbose")

    def getTraceback(self, elideFrameworkCode: int = 0, detail: str = "default") -> str:
        """What `printTraceback` would write."""
        out = StringIO()
        self.printTraceback(out, elideFrameworkCode, detail)
        return out.getvalue()

    def getBriefTraceback(self) -> str:
        """What `printBriefTraceback` would write."""
        return self.getTraceback(detail="brief")

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
        """Keep `frames` but drop the traceback, so that no frame (and no local) stays alive.

        Captured variables are replaced by their ``repr``. Everything that reports the
        failure keeps working from the frames.
        """
        tb = self.tb
        if tb is not None:
            if self._frames is None:
                self._frames = framesOf(tb, False)
            self.tb = None
        if self.captureVars and not self.pickled:
            self._frames = reprVars(self.frames)
        self.pickled = 1
        value = self.value
        if value.__traceback__ is not None:
            value.__traceback__ = None

    def __getstate__(self) -> dict[str, Any]:
        """The state pickled: no traceback, variables as text, in Twisted's layout.

        The keys are Twisted's (``parents``, ``frames``, an empty ``stack``), which programs
        that exchange Failures (Perspective Broker, Foolscap) read.
        """
        parents = self.parents
        frames = self.frames
        if self.captureVars and not self.pickled:
            frames = reprVars(frames)
        state = self.__dict__.copy()
        del state["_parents"]
        state.pop("_frames", None)
        state.update(parents=parents, frames=frames, stack=[], tb=None, pickled=1)
        return state

    def __setstate__(self, state: dict[str, Any] | None, /) -> None:
        state = dict(state or {})
        state.pop("stack", None)
        if "parents" in state:
            state["_parents"] = state.pop("parents")
        if "frames" in state:
            state["_frames"] = state.pop("frames")
        self.__dict__.update(state)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_restoreFailure, (), self.__getstate__())

    def __repr__(self) -> str:
        return f"<{qual(type(self))} {qual(self.type)}: {self.getErrorMessage()}>"

    def __str__(self) -> str:
        return f"[Failure instance: {self.getBriefTraceback()}]"


def _restoreFailure() -> Failure:
    """Create an empty Failure for unpickling, bypassing the capture in ``__init__``."""
    return Failure.__new__(Failure)


_plainInit = Failure.__init__


def _debugInit(
    self: Failure,
    exc_value: BaseException | None = None,
    exc_type: type[BaseException] | None = None,
    exc_tb: TracebackType | None = None,
    captureVars: bool = False,
) -> None:
    """`Failure.__init__` that first opens pdb's post-mortem on the exception being handled."""
    if exc_value is None and exc_type is None and exc_tb is None and DO_POST_MORTEM:
        current = sys.exception()
        if current is not None and not isinstance(current, Failure):
            print(f"Jumping into debugger for post-mortem of exception '{safe_str(current)}':")
            import pdb

            pdb.post_mortem(current.__traceback__)
    _plainInit(self, exc_value, exc_type, exc_tb, captureVars)


def startDebugMode() -> None:
    """From now on, capturing the exception being handled in a Failure first opens pdb on it.

    Setting `DO_POST_MORTEM` to False turns the debugger off again.
    """
    Failure.__init__ = _debugInit  # type: ignore[method-assign]
