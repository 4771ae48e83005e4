"""Access to the global reactor that does not import it before it is needed."""

from __future__ import annotations

import importlib

__all__ = ["globalReactor"]


def globalReactor() -> object:
    """Return the global reactor, importing ``torsion.internet.reactor`` on first use.

    Importing it installs the default reactor if none is installed yet. The tools that default
    to the global reactor (`LoopingCall`, the global `Cooperator`, `react`) call this only when
    they first need it, so importing them never chooses a reactor behind the application's back.
    """
    # importlib rather than an import statement: the reactor module replaces itself in
    # sys.modules with the reactor object, which is what this returns.
    return importlib.import_module("torsion.internet.reactor")
