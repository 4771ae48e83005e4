"""The epoll reactor: `PosixReactorBase` over `EPollPoller`."""

from __future__ import annotations

from torsion.internet._core.pollers import EPollPoller
from torsion.internet._reactors.posixbase import PosixReactorBase
from torsion.internet.main import installReactor

__all__ = ["EPollReactor", "install"]


class EPollReactor(PosixReactorBase):
    """A reactor that waits for I/O with ``select.epoll``."""

    def __init__(self) -> None:
        super().__init__(EPollPoller())


def install() -> EPollReactor:
    """Install a new `EPollReactor` as the global reactor and return it.

    Raises:
        ReactorAlreadyInstalledError: A reactor is installed already.
    """
    reactor = EPollReactor()
    installReactor(reactor)
    return reactor
