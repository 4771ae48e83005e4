"""The epoll reactor: `ReactorCore` over `EPollPoller`."""

from __future__ import annotations

from torsion.internet._core.loop import ReactorCore
from torsion.internet._core.pollers import EPollPoller
from torsion.internet.main import installReactor

__all__ = ["EPollReactor", "install"]


class EPollReactor(ReactorCore):
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
