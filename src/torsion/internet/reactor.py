"""The global reactor: importing this module installs the default one (unless one is).

The module replaces itself in ``sys.modules`` with the reactor object, as Twisted's does, so
``from torsion.internet import reactor`` gives the reactor. To use another implementation,
install it (``epollreactor.install()`` and so on) before anything imports this module.
"""

import sys

del sys.modules["torsion.internet.reactor"]

from torsion.internet import default  # noqa: E402

default.install()
