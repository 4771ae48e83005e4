"""Tests for `torsion.python._objgrep` (public in `torsion.python.reflect`)."""

from __future__ import annotations

import io
import sys
import types
import weakref
from collections import deque
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from twisted.python import reflect as twistedReflect

from torsion.python import reflect
from torsion.python.reflect import findInstances, isLike, isOfType, isSame, modgrep, objgrep


class Holder:
    def __init__(self, **attributes: object) -> None:
        vars(self).update(attributes)

    def method(self) -> None:
        pass


def test_the_names_are_reflects_and_objgrep_stays_out_of_the_star_import() -> None:
    assert reflect.objgrep is objgrep
    assert "objgrep" not in reflect.__all__
    assert {"isSame", "isLike", "isOfType", "findInstances", "modgrep"} <= set(reflect.__all__)


def test_the_predicates() -> None:
    a, b = [1], [1]
    assert isSame(a, a) and not isSame(a, b)
    assert isLike(a, b) and not isLike(a, [2])
    assert isOfType(a, list) and not isOfType(True, int)


def test_paths_through_containers() -> None:
    goal = object()
    assert objgrep({None: goal}, goal, isSame) == ["[None]"]
    assert objgrep({goal: "value"}, goal, isSame) == ["{'value'}"]
    assert objgrep([None, goal], goal, isSame) == ["[1]"]
    assert objgrep((goal, None), goal, isSame) == ["[0]"]
    assert objgrep(deque([None, goal]), goal, isSame) == ["[1]"]


def test_paths_through_attributes_weakrefs_and_methods() -> None:
    goal = Holder()
    assert objgrep(Holder(x=goal), goal, isSame) == [".x"]
    assert objgrep(weakref.ref(goal), goal, isSame) == ["()"]
    method = goal.method
    assert objgrep(method, goal, isSame) == [".__self__"]
    assert objgrep(method, Holder, isSame) == [".__self__.__class__"]
    assert ".__func__" in objgrep(method, Holder.method, isSame)


def test_a_long_path_and_the_prefix() -> None:
    goal = Holder()
    start = Holder(attr={2: ([None, (), {goal: "Foosh"}],)})
    assert objgrep(start, goal, isSame, path="start") == ["start.attr[2][0][2]{'Foosh'}"]


def test_cycles_end_and_every_path_to_a_shared_object_is_found() -> None:
    shared: list[Any] = []
    loop: list[Any] = [shared]
    loop.append(loop)
    assert objgrep(loop, shared, isSame) == ["[0]"]
    assert objgrep([shared, shared], shared, isSame) == ["[0]", "[1]"]


def test_depth_limit() -> None:
    a: list[Any] = []
    b = [a]
    c = [a, b]
    d = [a, c]
    assert objgrep(d, a, isSame, maxDepth=1) == ["[0]"]
    assert objgrep(d, a, isSame, maxDepth=2) == ["[0]", "[1][0]"]
    assert objgrep(d, a, isSame, maxDepth=3) == ["[0]", "[1][0]", "[1][1][0]"]


def test_results_go_to_the_list_given() -> None:
    found: list[str] = ["earlier"]
    assert objgrep([1], 1, paths=found) is found
    assert found == ["earlier", "[0]"]


def test_findInstances_and_modgrep() -> None:
    assert findInstances(Holder(a=1, b=[2, "x"]), int) == [".a", ".b[0]"]
    marker = "a string no module holds " + str(id(object()))
    module = types.ModuleType("objgrep_probe")
    module.__dict__["marker"] = marker
    sys.modules["objgrep_probe"] = module
    try:
        assert "sys.modules['objgrep_probe'].marker" in modgrep(marker)
    finally:
        del sys.modules["objgrep_probe"]


def test_showUnknowns_reports_what_cannot_be_looked_into(
    capsys: pytest.CaptureFixture[str],
) -> None:
    objgrep([frozenset({1}), io.BytesIO(), 1.5, len], None, showUnknowns=True)
    out = capsys.readouterr().out
    assert out.count("unknown type") == 1 and "frozenset" in out


_values = st.recursive(
    st.none() | st.integers(-3, 3) | st.text("ab", max_size=2),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.tuples(inner, inner)
        | st.dictionaries(st.integers(-3, 3) | st.text("ab", max_size=2), inner, max_size=3)
    ),
    max_leaves=12,
)


@given(_values, st.integers(-3, 3) | st.text("ab", max_size=2) | st.none())
def test_the_paths_are_twisteds(start: object, goal: object) -> None:
    twistedObjgrep: Any = twistedReflect.objgrep  # untyped
    assert objgrep(start, goal) == twistedObjgrep(start, goal)
