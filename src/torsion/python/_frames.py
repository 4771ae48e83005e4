"""Twisted's frame lists: what a `Failure` keeps of its traceback, formatted or made traversable.

Public in ``torsion.python.failure``. A frame is ``(function, file, line, locals, globals)``,
oldest first, the variables as ``(name, value)`` pairs (empty unless captured). A cleaned or
unpickled Failure has only these; `format_frames` writes them in Twisted's layouts, and
`_Traceback` turns them into objects with the attributes of tracebacks, frames and code, which
`traceback.extract_tb`, `dis.distb` and post-mortem debuggers walk as if they were real.
"""

from __future__ import annotations

import builtins
import linecache
from collections.abc import Callable, Iterable, Sequence
from types import TracebackType
from typing import Any, TypeAlias

from torsion.python.reflect import safe_repr

__all__ = ["Frame", "format_frames", "framesOf", "reprVars"]

#: One frame: function name, file name, line number, local and global variables.
Frame: TypeAlias = tuple[str, str, int, Sequence[tuple[str, Any]], Sequence[tuple[str, Any]]]

_DETAILS = ("default", "brief", "verbose", "verbose-vars-not-captured")


def framesOf(tb: TracebackType | None, captureVars: bool) -> list[Frame]:
    """The frames of traceback ``tb``, with their variables (as they are now) if asked."""
    frames: list[Frame] = []
    while tb is not None:
        frame = tb.tb_frame
        code = frame.f_code
        if captureVars:
            localVars = dict(frame.f_locals)
            globalVars = {} if frame.f_locals is frame.f_globals else dict(frame.f_globals)
            localVars.pop("__builtins__", None)
            globalVars.pop("__builtins__", None)
            frames.append(
                (
                    code.co_name,
                    code.co_filename,
                    tb.tb_lineno,
                    list(localVars.items()),
                    list(globalVars.items()),
                )
            )
        else:
            frames.append((code.co_name, code.co_filename, tb.tb_lineno, (), ()))
        tb = tb.tb_next
    return frames


def reprVars(frames: Iterable[Frame]) -> list[Frame]:
    """``frames`` with each variable's value replaced by its `safe_repr`: nothing kept alive."""
    return [
        (
            name,
            filename,
            lineno,
            [(k, safe_repr(v)) for k, v in localVars],
            [(k, safe_repr(v)) for k, v in globalVars],
        )
        for name, filename, lineno, localVars, globalVars in frames
    ]


def format_frames(
    frames: Iterable[Sequence[Any]], write: Callable[[str], object], detail: str = "default"
) -> None:
    """Write ``frames`` with ``write``, in one of Twisted's layouts.

    Args:
        frames: ``(function, file, line, locals, globals)`` sequences, oldest first.
        write: Called with each piece of text.
        detail: ``"brief"`` (``file:line:function`` per frame), ``"default"`` (as Python
            prints a traceback), ``"verbose"`` (each frame's variables too) or
            ``"verbose-vars-not-captured"`` (frames, and a note that variables were not
            captured).

    Raises:
        ValueError: ``detail`` is none of those.
    """
    if detail not in _DETAILS:
        raise ValueError(
            f"Detail must be default, brief, verbose, or verbose-vars-not-captured. "
            f"(not {detail!r})"
        )
    for name, filename, lineno, localVars, globalVars in frames:
        if detail == "brief":
            write(f"{filename}:{lineno}:{name}\n")
        elif detail == "default":
            write(f'  File "{filename}", line {lineno}, in {name}\n')
            write(f"    {linecache.getline(filename, lineno).strip()}\n")
        else:
            write(f"{filename}:{lineno}: {name}(...)\n")
            if detail == "verbose":
                write(" [ Locals ]\n")
                write("".join(f"  {k} : {v!r}\n" for k, v in localVars))
                write(" ( Globals )\n")
                write("".join(f"  {k} : {v!r}\n" for k, v in globalVars))
    if detail == "verbose-vars-not-captured":
        write(" [Capture of Locals and Globals disabled (use captureVars=True)]\n")


class _Code:
    """A stand-in for a code object: its name and file, the other attributes empty."""

    co_lnotab = b""
    co_firstlineno = 0
    co_argcount = 0
    co_code = b""
    co_cellvars = ()
    co_consts = ()
    co_flags = 0
    co_freevars = ()
    co_posonlyargcount = 0
    co_kwonlyargcount = 0
    co_names = ()
    co_nlocals = 0
    co_stacksize = 0

    def __init__(self, name: str, filename: str) -> None:
        self.co_name = name
        self.co_filename = filename
        self.co_varnames: list[str] = []

    def co_positions(self) -> tuple[tuple[None, None, None, None], ...]:
        """No instruction has a known position."""
        return ((None, None, None, None),)


class _Frame:
    """A stand-in for a frame object, made from one frame of a list.

    Args:
        frameinfo: ``(function, file, line, locals, globals)``; the variables as a mapping,
            ``(name, value)`` pairs, or None.
        back: The calling (older) frame, or None.
    """

    f_lasti = 0
    f_trace = None

    def __init__(self, frameinfo: Sequence[Any], back: _Frame | None) -> None:
        name, filename, lineno, localVars, globalVars = frameinfo
        self.f_code = _Code(name, filename)
        self.f_lineno: int = lineno
        self.f_locals: dict[str, Any] = dict(localVars or {})
        self.f_globals: dict[str, Any] = dict(globalVars or {})
        self.f_back = back
        self.f_builtins = dict(vars(builtins))


class _TracebackFrame:
    """A stand-in for a traceback entry, pointing at a `_Frame`; ``tb_next`` is the next one."""

    def __init__(self, frame: _Frame) -> None:
        self.tb_frame = frame
        self.tb_lineno = frame.f_lineno
        self.tb_lasti = frame.f_lasti
        self.tb_next: _TracebackFrame | None = None


def _Traceback(tbFrames: Sequence[Sequence[Any]]) -> _TracebackFrame:
    """The first of a chain of `_TracebackFrame`, one per frame of ``tbFrames`` (oldest first).

    Like a real traceback, entries lead towards the newest frame through ``tb_next``, and the
    frames towards the oldest through ``f_back``.

    Raises:
        ValueError: ``tbFrames`` is empty (a traceback has at least one entry).
    """
    if not tbFrames:
        raise ValueError("Must pass some frames")
    back: _Frame | None = None
    first: _TracebackFrame | None = None
    last: _TracebackFrame | None = None
    for frameinfo in tbFrames:
        back = _Frame(frameinfo, back)
        entry = _TracebackFrame(back)
        if last is None:
            first = entry
        else:
            last.tb_next = entry
        last = entry
    assert first is not None
    return first
