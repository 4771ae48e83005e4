"""The registry of torsion's reactors by name: where each lives and what it needs to run.

One table serves ``torsion.internet.default`` (which reactor ``$TORSION_REACTOR`` or the
platform's best names) and ``torsion.testing`` (the reactors a test can run on), so adding a
backend is one entry here.
"""

from __future__ import annotations

import importlib
import importlib.util
import select
import sys
from dataclasses import dataclass

from torsion.python.runtime import Platform

__all__ = [
    "REACTORS",
    "ReactorSpec",
    "bestReactorName",
    "reactorClass",
    "reactorName",
    "spec",
    "unavailableReason",
]


@dataclass(frozen=True)
class ReactorSpec:
    """Where a reactor class lives and what the platform must offer for it to work.

    Attributes:
        module: The public module with the class and its ``install``.
        cls: The class's name in that module.
        needs: An attribute of the `select` module the reactor waits with.
        package: A package that must be importable, if any.
    """

    module: str
    cls: str
    needs: str
    package: str | None = None


_SPECS: dict[str, ReactorSpec] = {
    "select": ReactorSpec("torsion.internet.selectreactor", "SelectReactor", "select"),
    "poll": ReactorSpec("torsion.internet.pollreactor", "PollReactor", "poll"),
    "epoll": ReactorSpec("torsion.internet.epollreactor", "EPollReactor", "epoll"),
    "asyncio": ReactorSpec("torsion.internet.asyncioreactor", "AsyncioReactor", "select"),
    "uvloop": ReactorSpec("torsion.internet.uvloopreactor", "UVLoopReactor", "select", "uvloop"),
}

#: Every reactor name torsion knows, installed on this platform or not.
REACTORS: tuple[str, ...] = tuple(_SPECS)


def spec(name: str) -> ReactorSpec:
    """The registry entry of reactor ``name``.

    Raises:
        ValueError: ``name`` is not a known reactor (the message lists the known ones).
    """
    try:
        return _SPECS[name]
    except KeyError:
        raise ValueError(f"unknown reactor {name!r}; choose from {', '.join(REACTORS)}") from None


def unavailableReason(name: str) -> str | None:
    """Why reactor ``name`` cannot run here, or None if it can.

    Raises:
        ValueError: ``name`` is not a known reactor.
    """
    entry = spec(name)
    if not hasattr(select, entry.needs):
        return f"select.{entry.needs} is not available on this platform"
    if entry.package is not None and importlib.util.find_spec(entry.package) is None:
        return f"{entry.package} is not installed (pip install torsion[{entry.package}])"
    return None


def bestReactorName(platform: Platform | None = None) -> str:
    """The best reactor for ``platform`` (the running one by default) that can run here.

    uvloop on Linux and macOS when it is installed (``torsion[uvloop]``); otherwise epoll on
    Linux, poll on other POSIX systems except macOS (whose poll does not support every kind of
    descriptor), select elsewhere. Whether a reactor can run is always judged on the running
    system: a described ``platform`` only says which rule applies.
    """
    if platform is None:
        platform = Platform()
    linux, macOS = platform.isLinux(), platform.isMacOSX()
    if (linux or macOS) and unavailableReason("uvloop") is None:
        return "uvloop"
    if linux and unavailableReason("epoll") is None:
        return "epoll"
    posix = platform.getType() == "posix"
    if posix and not macOS and unavailableReason("poll") is None:
        return "poll"
    return "select"


def reactorClass(name: str) -> type:
    """Import and return the class of reactor ``name``.

    Raises:
        ValueError: ``name`` is not a known reactor.
    """
    entry = spec(name)
    cls: type = getattr(importlib.import_module(entry.module), entry.cls)
    return cls


def reactorName(reactor: object) -> str | None:
    """The registry name of ``reactor``'s class, or None if it is not a registered one."""
    cls = type(reactor)
    for name, entry in _SPECS.items():
        module = sys.modules.get(entry.module)
        if module is not None and getattr(module, entry.cls, None) is cls:
            return name
    return None
