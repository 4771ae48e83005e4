"""A `Failure` as JSON and back, in the form Twisted's logger reads and writes.

The form is Twisted's ``Failure.__getstate__``: the exception's class (module and name), the
qualified names of its classes (``parents``), and the traceback's frames as
``[function, file, line, locals, globals]``. torsion also writes the exception's message as
``value``, which Twisted shows in its tracebacks.

Reading one back gives a `Failure` with a real traceback object: each frame is re-created by
running a one-statement code object compiled under the frame's file name, line and function
name, so everything that takes a live traceback (``traceback.print_tb``, `logging`'s
``exc_info``, ``tb.tb_frame.f_code.co_filename``) works on it. The exception is of its
original class when that class's module is already imported (nothing is imported because a
log file names it), else of a stand-in class with the same module and name.
"""

from __future__ import annotations

import sys
from types import TracebackType
from typing import Any

from torsion.python.failure import Failure

__all__ = ["failureAsJSON", "failureFromJSON"]


def failureAsJSON(failure: Failure) -> dict[str, Any]:
    """``failure`` as a dictionary of JSON values, as Twisted's ``failureAsJSON`` makes."""
    stack = failure._stack()  # the live traceback's frames, or those a cleaned one kept
    return {
        "type": {"__module__": failure.type.__module__, "__name__": failure.type.__name__},
        "value": _message(failure.value),
        "parents": [f"{c.__module__}.{c.__name__}" for c in failure.type.__mro__],
        "frames": [[f.name, f.filename, f.lineno, [], []] for f in stack],
        "stack": [],
        "tb": None,
        "count": 0,
        "captureVars": False,
        "pickled": 1,
    }


def _message(value: BaseException) -> str:
    try:
        return str(value)
    except Exception:
        return ""


def failureFromJSON(failureDict: dict[str, Any]) -> Failure:
    """The `Failure` a dictionary from `failureAsJSON` (torsion's or Twisted's) describes."""
    typeInfo = failureDict.get("type") or {}
    excType = _exceptionClass(str(typeInfo.get("__module__")), str(typeInfo.get("__name__")))
    message = failureDict.get("value")
    args = (message,) if isinstance(message, str) else ()
    try:
        value = excType.__new__(excType, *args)
        value.args = args
    except Exception:
        excType = _standIn(excType.__module__, excType.__name__)
        value = excType(*args)
    frames = failureDict.get("frames") or []
    return Failure(value, excType, _traceback(frames))


def _exceptionClass(module: str, name: str) -> type[BaseException]:
    """The already-imported exception class ``module.name``, else a stand-in for it."""
    found = getattr(sys.modules.get(module), name, None)
    if isinstance(found, type) and issubclass(found, BaseException):
        return found
    return _standIn(module, name)


def _standIn(module: str, name: str) -> type[Exception]:
    return type(name, (Exception,), {"__module__": module, "__qualname__": name})


class _Rebuilding(Exception):
    """Raised by the code that re-creates a frame, to capture its traceback entry."""


def _traceback(frames: list[Any]) -> TracebackType | None:
    """A traceback with one entry per ``[function, file, line, ...]`` frame, outermost first."""
    first: TracebackType | None = None
    last: TracebackType | None = None
    for frame in frames:
        try:
            entry = _entry(str(frame[0]), str(frame[1]), int(frame[2]))
        except (TypeError, ValueError, IndexError, OverflowError):
            continue
        if last is None:
            first = entry
        else:
            last.tb_next = entry
        last = entry
    return first


def _entry(function: str, filename: str, line: int) -> TracebackType:
    # A raise spanning two lines, so traceback printing shows the source line of ``line``
    # without carets under it.
    code = compile("raise (\n_Rebuilding)", filename, "exec").replace(
        co_name=function, co_firstlineno=max(line, 1)
    )
    tb: TracebackType | None = None
    try:
        exec(code, {"_Rebuilding": _Rebuilding})
    except _Rebuilding as e:
        tb = e.__traceback__
    assert tb is not None and tb.tb_next is not None  # the entry after ours is the code's
    return tb.tb_next
