"""Twisted's ``twisted.trial.util`` names that tests refer to."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from torsion.testing._janitor import DirtyReactorAggregateError
from torsion.testing._running import DEFAULT_TIMEOUT

__all__ = ["DEFAULT_TIMEOUT_DURATION", "DirtyReactorAggregateError", "acquireAttribute", "suppress"]

#: Seconds a test may wait on the reactor by default (trial's 120).
DEFAULT_TIMEOUT_DURATION = DEFAULT_TIMEOUT

#: One warning filter, as `suppress` returns it: ``(args, kwargs)`` of `warnings.filterwarnings`.
Suppression = tuple[tuple[str], dict[str, Any]]


def suppress(action: str = "ignore", **kwarg: Any) -> Suppression:
    """A warning filter for a test's ``suppress`` attribute (a list of these).

    While the test (its setUp, tearDown and cleanups too) runs, each is applied as
    ``warnings.filterwarnings(action, **kwarg)``, so ``suppress(category=DeprecationWarning,
    message="old")`` hides those warnings from `flushWarnings` and from the output. The
    attribute is looked up on the test method, then the test case, then its module.

    Args:
        action: The filter's action (``"ignore"``, ``"error"``, ...).
        kwarg: ``message``, ``category``, ``module``, ``lineno`` as `warnings.filterwarnings`
            takes them.
    """
    return ((action,), kwarg)


_NO_DEFAULT: Any = object()


def acquireAttribute(objects: Iterable[object], attr: str, default: Any = _NO_DEFAULT) -> Any:
    """The ``attr`` of the first of ``objects`` that has one (a test's, then its class's, ...).

    Raises:
        AttributeError: None of them has it and no ``default`` is given.
    """
    objects = list(objects)
    for obj in objects:
        if hasattr(obj, attr):
            return getattr(obj, attr)
    if default is not _NO_DEFAULT:
        return default
    raise AttributeError(f"attribute {attr!r} not found in {objects!r}")
