"""Installing the best reactor for the platform (or the one ``$TORSION_REACTOR`` names)."""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable

from torsion.internet._reactors import registry
from torsion.python.runtime import Platform

__all__ = ["defaultReactorName", "install"]

#: Names the reactor to install instead of the platform's best (``select``, ``poll``, ``epoll``,
#: ``asyncio``, ``uvloop``): a program can be tried on another reactor without changing it.
ENVIRONMENT_VARIABLE = "TORSION_REACTOR"


def defaultReactorName() -> str:
    """The reactor `install` chooses: ``$TORSION_REACTOR`` if set, else the platform's best.

    The best: uvloop on Linux and macOS when it is installed (``torsion[uvloop]``); otherwise
    epoll on Linux, poll on other POSIX systems except macOS (whose poll does not support every
    kind of descriptor), select elsewhere.
    """
    return os.environ.get(ENVIRONMENT_VARIABLE) or registry.bestReactorName()


def _getInstallFunction(platform: Platform) -> Callable[[], object]:
    """The ``install`` function of the best reactor for ``platform`` (see `defaultReactorName`).

    ``$TORSION_REACTOR`` plays no part: this is the platform's choice alone (Twisted's name,
    which its tests call with described platforms).
    """
    return _installFunction(registry.bestReactorName(platform))


def _installFunction(name: str) -> Callable[[], object]:
    entry = registry.spec(name)
    install: Callable[[], object] = importlib.import_module(entry.module).install
    return install


def install() -> object:
    """Install and return the default reactor (see `defaultReactorName`).

    Raises:
        ReactorAlreadyInstalledError: A reactor is installed already.
        ValueError: ``$TORSION_REACTOR`` names no reactor.
    """
    name = defaultReactorName()
    try:
        installReactor = _installFunction(name)
    except ValueError:
        raise ValueError(f"${ENVIRONMENT_VARIABLE}: no reactor called {name!r}") from None
    return installReactor()
