"""Installing the best reactor for the platform (or the one ``$TORSION_REACTOR`` names)."""

from __future__ import annotations

import importlib
import os

from torsion.internet._reactors import registry

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


def install() -> object:
    """Install and return the default reactor (see `defaultReactorName`).

    Raises:
        ReactorAlreadyInstalledError: A reactor is installed already.
        ValueError: ``$TORSION_REACTOR`` names no reactor.
    """
    name = defaultReactorName()
    try:
        entry = registry.spec(name)
    except ValueError:
        raise ValueError(f"${ENVIRONMENT_VARIABLE}: no reactor called {name!r}") from None
    return importlib.import_module(entry.module).install()
