"""`objgrep`: where, among the objects reachable from one, another is referenced.

Public in ``torsion.python.reflect``. A debugging aid: ``objgrep(protocol, socket, isSame)``
answers "which attribute of which attribute keeps this socket?" with paths in Python syntax
(``.transport._buffers[2]``).
"""

from __future__ import annotations

import io
import re
import sys
import types
import weakref
from collections import deque
from collections.abc import Callable
from typing import Any

__all__ = ["findInstances", "isLike", "isOfType", "isSame", "modgrep", "objgrep"]

#: Objects that refer to nothing worth following.
_LEAVES = (
    str,
    int,
    float,
    type(None),
    types.FunctionType,
    types.BuiltinMethodType,
    re.Pattern,
    io.IOBase,
)
_DESCRIPTORS = frozenset(
    {"wrapper_descriptor", "method_descriptor", "member_descriptor", "getset_descriptor"}
)


def isSame(a: object, b: object) -> bool:
    """`objgrep`'s predicate for identity."""
    return a is b


def isLike(a: object, b: object) -> bool:
    """`objgrep`'s predicate for equality (its default)."""
    return a == b


def isOfType(start: object, goal: object) -> bool:
    """`objgrep`'s predicate for objects whose type is exactly ``goal``."""
    return type(start) is goal


def findInstances(start: object, t: type) -> list[str]:
    """The paths from ``start`` to the objects of type exactly ``t``."""
    return objgrep(start, t, isOfType)


def modgrep(goal: object) -> list[str]:
    """The paths, from ``sys.modules``, to the objects equal to ``goal``."""
    return objgrep(sys.modules, goal, isLike, "sys.modules")


def objgrep(
    start: object,
    goal: object,
    eq: Callable[[Any, Any], object] = isLike,
    path: str = "",
    paths: list[str] | None = None,
    seen: dict[int, object] | None = None,
    showUnknowns: bool = False,
    maxDepth: int | None = None,
) -> list[str]:
    """Return the paths from ``start`` to each reachable object ``o`` for which ``eq(o, goal)``.

    Each path is Python syntax to append to an expression for ``start``: ``[key]`` for a
    value in a dict, list, tuple or deque, ``{value}`` (the repr of the value it keys) for a
    dict key, ``.name`` for an attribute, ``()`` for a weak reference's referent, and
    ``.__self__``, ``.__func__`` or ``.__self__.__class__`` through a bound method.

    Args:
        start: Where to begin.
        goal: What ``eq`` compares each object with.
        eq: The predicate; `isLike` (equality) by default, `isSame` for identity.
        path: The prefix of every path returned.
        paths: A list to append the paths to (also returned).
        seen: Objects already visited, by ``id``, so cycles end.
        showUnknowns: Print each object met that cannot be looked into.
        maxDepth: How many references to follow at most (None: no limit).
    """
    found = [] if paths is None else paths
    _grep(start, goal, eq, path, found, {} if seen is None else seen, showUnknowns, maxDepth)
    return found


def _grep(
    start: object,
    goal: object,
    eq: Callable[[Any, Any], object],
    path: str,
    paths: list[str],
    seen: dict[int, object],
    showUnknowns: bool,
    maxDepth: int | None,
) -> None:
    if eq(start, goal):
        paths.append(path)
    if seen.get(id(start)) is start:
        return
    if maxDepth is not None:
        if maxDepth == 0:
            return
        maxDepth -= 1
    seen[id(start)] = start

    def follow(obj: object, step: str) -> None:
        _grep(obj, goal, eq, path + step, paths, seen, showUnknowns, maxDepth)

    if isinstance(start, dict):
        for key, value in start.items():
            follow(key, "{" + repr(value) + "}")
            follow(value, "[" + repr(key) + "]")
    elif isinstance(start, list | tuple | deque):
        for index, item in enumerate(start):
            follow(item, f"[{index}]")
    elif isinstance(start, types.MethodType):
        follow(start.__self__, ".__self__")
        follow(start.__func__, ".__func__")
        follow(start.__self__.__class__, ".__self__.__class__")
    elif hasattr(start, "__dict__"):
        for name, value in vars(start).items():
            follow(value, "." + name)
    elif isinstance(start, weakref.ReferenceType):
        follow(start(), "()")
    elif (
        showUnknowns and not isinstance(start, _LEAVES) and type(start).__name__ not in _DESCRIPTORS
    ):
        print("unknown type", type(start), start)
