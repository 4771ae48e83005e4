"""Installing the best reactor for the platform (or the one ``$TORSION_REACTOR`` names)."""

from __future__ import annotations

import importlib
import importlib.util
import os
import select
import sys

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
    chosen = os.environ.get(ENVIRONMENT_VARIABLE)
    if chosen:
        return chosen
    posix = sys.platform.startswith("linux") or sys.platform == "darwin"
    if posix and importlib.util.find_spec("uvloop") is not None:
        return "uvloop"
    if sys.platform.startswith("linux") and hasattr(select, "epoll"):
        return "epoll"
    if sys.platform != "darwin" and hasattr(select, "poll"):
        return "poll"
    return "select"


def install() -> object:
    """Install and return the default reactor (see `defaultReactorName`).

    Raises:
        ReactorAlreadyInstalledError: A reactor is installed already.
        ValueError: ``$TORSION_REACTOR`` names no reactor.
    """
    name = defaultReactorName()
    try:
        module = importlib.import_module(f"torsion.internet.{name}reactor")
    except ModuleNotFoundError as e:
        if e.name != f"torsion.internet.{name}reactor":
            raise
        raise ValueError(f"${ENVIRONMENT_VARIABLE}: no reactor called {name!r}") from None
    return module.install()
