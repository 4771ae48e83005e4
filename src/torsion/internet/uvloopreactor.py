"""The uvloop reactor: the asyncio reactor on a new uvloop event loop (``torsion[uvloop]``).

TCP connections then use uvloop's transports, written in C over libuv: the fastest torsion
reactor. Install it before anything imports ``torsion.internet.reactor``::

    from torsion.internet import uvloopreactor
    uvloopreactor.install()
"""

from __future__ import annotations

from torsion.internet.asyncioreactor import AsyncioReactor
from torsion.internet.main import installReactor

__all__ = ["UVLoopReactor", "install"]


class UVLoopReactor(AsyncioReactor):
    """An `AsyncioReactor` on a uvloop loop of its own (closed by `close`).

    Raises:
        ImportError: uvloop is not installed (``pip install torsion[uvloop]``).
    """

    def __init__(self) -> None:
        import uvloop

        super().__init__(uvloop.new_event_loop())
        self._ownsLoop = True


def install() -> UVLoopReactor:
    """Install a new `UVLoopReactor` as the global reactor and return it.

    Raises:
        ReactorAlreadyInstalledError: A reactor is installed already.
        ImportError: uvloop is not installed.
    """
    reactor = UVLoopReactor()
    installReactor(reactor)
    return reactor
