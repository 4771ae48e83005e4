"""The reactors tests run on: a registry by name, fresh instances, and the global reactor.

One registry serves the pytest plugin (``--torsion-reactor``, the ``reactor`` fixture, the
``reactors`` parametrization) and `torsion.trial.unittest.TestCase` (which runs on the global
reactor), so adding a backend (asyncio, uvloop) is one entry here.
"""

from __future__ import annotations

import importlib
import importlib.util
import select
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from torsion.internet._core.loop import ReactorCore

__all__ = [
    "REACTORS",
    "ReactorUnavailable",
    "availableReactors",
    "defaultReactorName",
    "globalReactor",
    "installedReactor",
    "makeReactor",
    "reactorName",
    "unavailableReason",
]

_GLOBAL = "torsion.internet.reactor"


@dataclass(frozen=True)
class _Spec:
    """Where a reactor class lives and what the platform must offer for it to work."""

    module: str
    cls: str
    needs: str  # an attribute of the select module
    package: str | None = None  # a package that must be importable, if any


_SPECS: dict[str, _Spec] = {
    "select": _Spec("torsion.internet.selectreactor", "SelectReactor", "select"),
    "poll": _Spec("torsion.internet.pollreactor", "PollReactor", "poll"),
    "epoll": _Spec("torsion.internet.epollreactor", "EPollReactor", "epoll"),
    "asyncio": _Spec("torsion.internet.asyncioreactor", "AsyncioReactor", "select"),
    "uvloop": _Spec("torsion.internet.uvloopreactor", "UVLoopReactor", "select", "uvloop"),
}

#: Every reactor name torsion knows, installed on this platform or not.
REACTORS: tuple[str, ...] = tuple(_SPECS)


class ReactorUnavailable(RuntimeError):
    """The named reactor cannot run on this platform (its backend is missing)."""


def _spec(name: str) -> _Spec:
    try:
        return _SPECS[name]
    except KeyError:
        raise ValueError(f"unknown reactor {name!r}; choose from {', '.join(REACTORS)}") from None


def unavailableReason(name: str) -> str | None:
    """Why reactor ``name`` cannot run here, or None if it can.

    Raises:
        ValueError: ``name`` is not a known reactor.
    """
    spec = _spec(name)
    if not hasattr(select, spec.needs):
        return f"select.{spec.needs} is not available on this platform"
    if spec.package is not None and importlib.util.find_spec(spec.package) is None:
        return f"{spec.package} is not installed (pip install torsion[{spec.package}])"
    return None


def availableReactors() -> list[str]:
    """The names of the reactors that can run on this platform, in `REACTORS` order."""
    return [name for name in REACTORS if unavailableReason(name) is None]


def defaultReactorName() -> str:
    """The reactor ``torsion.internet.default.install`` would choose on this platform.

    Raises:
        ValueError: ``$TORSION_REACTOR`` names no reactor torsion knows.
    """
    from torsion.internet import default

    name = default.defaultReactorName()
    _spec(name)  # an unknown name fails here, with the list of known ones
    return name


def makeReactor(name: str | None = None) -> ReactorCore:
    """A new, not installed reactor called ``name`` (default: the platform's default).

    Raises:
        ValueError: ``name`` is not a known reactor.
        ReactorUnavailable: It cannot run on this platform.
    """
    name = defaultReactorName() if name is None else name
    spec = _spec(name)
    reason = unavailableReason(name)
    if reason is not None:
        raise ReactorUnavailable(f"reactor {name!r} is unavailable: {reason}")
    cls = getattr(importlib.import_module(spec.module), spec.cls)
    return cast("ReactorCore", cls())


def installedReactor() -> ReactorCore | None:
    """The global reactor if one is installed, without installing one."""
    return cast("ReactorCore | None", sys.modules.get(_GLOBAL))


def globalReactor(name: str | None = None) -> ReactorCore:
    """The global reactor, installing a new ``name`` reactor first if none is installed.

    This is the reactor ``from torsion.internet import reactor`` gives, so code under test that
    uses the global reactor and the test runner agree on it.
    """
    installed = installedReactor()
    if installed is not None:
        return installed
    from torsion.internet.main import installReactor

    reactor = makeReactor(name)
    installReactor(reactor)
    return reactor


def reactorName(reactor: object) -> str | None:
    """The registry name of ``reactor``'s class, or None if it is not a registered one."""
    for name, spec in _SPECS.items():
        cls = type(reactor)
        if cls.__module__ == spec.module and cls.__name__ == spec.cls:
            return name
    return None
