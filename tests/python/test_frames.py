"""Tests for `torsion.python._frames`: Twisted's frame lists, formatted and made traversable."""

from __future__ import annotations

import io
import linecache
import sys
import traceback
from types import TracebackType
from typing import Any, cast

import pytest
from hypothesis import given
from hypothesis import strategies as st

from torsion.python import failure
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

MODULE_VALUE = "a global"


def _raiser(depth: int) -> None:
    here = f"depth {depth}"
    if depth:
        _raiser(depth - 1)
    raise ValueError(here)


def _traceback(depth: int = 1) -> TracebackType:
    try:
        _raiser(depth)
    except ValueError as e:
        assert e.__traceback__ is not None
        return e.__traceback__
    raise AssertionError("did not raise")


def test_the_names_are_failures() -> None:
    assert failure.format_frames is format_frames
    assert (failure._Traceback, failure._Frame, failure._Code) == (_Traceback, _Frame, _Code)
    assert failure._TracebackFrame is _TracebackFrame


def test_framesOf_without_variables() -> None:
    frames = framesOf(_traceback(1), captureVars=False)
    assert [(name, filename) for name, filename, *_ in frames] == [
        ("_traceback", __file__),
        ("_raiser", __file__),
        ("_raiser", __file__),
    ]
    assert all(f[3:] == ((), ()) for f in frames)
    assert framesOf(None, captureVars=True) == []


def test_framesOf_with_variables() -> None:
    frames = framesOf(_traceback(0), captureVars=True)
    name, _, _, localVars, globalVars = frames[-1]
    assert name == "_raiser"
    assert dict(localVars) == {"depth": 0, "here": "depth 0"}
    assert dict(globalVars)["MODULE_VALUE"] == "a global"
    assert "__builtins__" not in dict(globalVars)


def test_framesOf_a_module_level_frame_has_no_separate_globals() -> None:
    namespace: dict[str, Any] = {}
    try:
        exec("x = 1\nraise KeyError(x)", namespace)
    except KeyError as e:
        tb = e.__traceback__
    moduleFrame = framesOf(tb, captureVars=True)[-1]
    assert moduleFrame[0] == "<module>"
    assert dict(moduleFrame[3])["x"] == 1 and moduleFrame[4] == []


class BrokenRepr:
    def __repr__(self) -> str:
        raise RuntimeError("no repr")


def test_reprVars_keeps_text_only() -> None:
    frames: list[Frame] = [("f", "file.py", 3, [("a", [1]), ("b", BrokenRepr())], [("g", "x")])]
    ((name, filename, lineno, localVars, globalVars),) = reprVars(frames)
    assert (name, filename, lineno) == ("f", "file.py", 3)
    assert localVars[0] == ("a", "[1]")
    assert localVars[1][0] == "b" and "RuntimeError" in localVars[1][1]
    assert globalVars == [("g", "'x'")]


def _formatted(frames: list[Any], detail: str) -> str:
    out = io.StringIO()
    format_frames(frames, out.write, detail)
    return out.getvalue()


FRAMES: list[Any] = [
    ["outer", __file__, 1, [], []],
    ["inner", "/nowhere.py", 9, [("x", 1)], [("G", "g")]],
]


def test_format_frames_brief_and_default() -> None:
    assert _formatted(FRAMES, "brief") == f"{__file__}:1:outer\n/nowhere.py:9:inner\n"
    firstLine = linecache.getline(__file__, 1).strip()
    assert _formatted(FRAMES, "default") == (
        f'  File "{__file__}", line 1, in outer\n    {firstLine}\n'
        '  File "/nowhere.py", line 9, in inner\n    \n'
    )


def test_format_frames_verbose() -> None:
    assert _formatted(FRAMES, "verbose") == (
        f"{__file__}:1: outer(...)\n [ Locals ]\n ( Globals )\n"
        "/nowhere.py:9: inner(...)\n [ Locals ]\n  x : 1\n ( Globals )\n  G : 'g'\n"
    )
    assert _formatted(FRAMES, "verbose-vars-not-captured") == (
        f"{__file__}:1: outer(...)\n/nowhere.py:9: inner(...)\n"
        " [Capture of Locals and Globals disabled (use captureVars=True)]\n"
    )


def test_format_frames_refuses_an_unknown_detail() -> None:
    with pytest.raises(ValueError, match="not 'noisy'"):
        format_frames(FRAMES, print, "noisy")


def test_the_stand_ins_look_like_the_real_objects() -> None:
    back = _Frame(("parent", "parent.py", 1, None, None), None)
    frame = _Frame(("name", "file.py", 42, {"a": 1}, [("g", 2)]), back)
    assert (frame.f_locals, frame.f_globals, frame.f_back, frame.f_lineno) == (
        {"a": 1},
        {"g": 2},
        back,
        42,
    )
    assert (frame.f_lasti, frame.f_trace, frame.f_builtins["len"]) == (0, None, len)
    code = frame.f_code
    assert (code.co_name, code.co_filename) == ("name", "file.py")
    assert (code.co_argcount, code.co_code, code.co_varnames, code.co_consts) == (0, b"", [], ())
    assert code.co_positions() == ((None, None, None, None),)
    entry = _TracebackFrame(frame)
    assert (entry.tb_frame, entry.tb_lineno, entry.tb_lasti, entry.tb_next) == (frame, 42, 0, None)


def test_a_traceback_needs_a_frame() -> None:
    with pytest.raises(ValueError):
        _Traceback([])


_frameLists = st.lists(
    st.tuples(
        st.text("abc_", min_size=1, max_size=5),
        st.text("abc/.", min_size=1, max_size=8).map(lambda s: f"/{s}.py"),
        st.integers(1, 10_000),
        st.just(()),
        st.just(()),
    ),
    min_size=1,
    max_size=6,
)


@given(_frameLists)
def test_traceback_module_reads_the_stand_in(frames: list[Frame]) -> None:
    tb = cast(TracebackType, _Traceback(frames))
    expected = [traceback.FrameSummary(f, line, name) for name, f, line, _, _ in frames]
    assert traceback.extract_tb(tb) == expected
    last = tb
    while last.tb_next is not None:
        last = last.tb_next
    assert traceback.extract_stack(last.tb_frame) == expected
    assert traceback.extract_stack(tb.tb_frame) == expected[:1]


def test_a_real_traceback_survives_the_round_trip() -> None:
    tb = _traceback(2)
    standIn = cast(TracebackType, _Traceback(framesOf(tb, captureVars=False)))
    assert traceback.extract_tb(standIn) == traceback.extract_tb(tb)
    assert traceback.format_exception(ValueError, ValueError("x"), standIn)[-1] == "ValueError: x\n"
    assert sys.exception() is None
