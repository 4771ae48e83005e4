"""Installing the global reactor."""

from __future__ import annotations

import sys

from torsion.internet.error import ConnectionDone, ConnectionLost, ReactorAlreadyInstalledError
from torsion.python.failure import Failure

__all__ = ["CONNECTION_DONE", "CONNECTION_LOST", "installReactor"]

#: The reasons a transport's ``connectionLost`` is given for a clean and a lost connection
#: (Twisted's constants).
CONNECTION_DONE = Failure(ConnectionDone())
CONNECTION_LOST = Failure(ConnectionLost())

_MODULE = "torsion.internet.reactor"


def installReactor(reactor: object) -> None:
    """Make ``reactor`` the global one: what ``import torsion.internet.reactor`` gives.

    Raises:
        ReactorAlreadyInstalledError: A reactor is installed already (or the reactor module
            was imported, which installs the default).
    """
    if _MODULE in sys.modules:
        raise ReactorAlreadyInstalledError("reactor already installed")
    import torsion.internet

    # Both the module table and the package attribute, so `import` and `from ... import`
    # give the reactor object.
    sys.modules[_MODULE] = reactor  # type: ignore[assignment]
    torsion.internet.reactor = reactor  # type: ignore[attr-defined]
