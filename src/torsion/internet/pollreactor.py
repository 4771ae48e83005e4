"""The poll reactor: `PosixReactorBase` over `PollPoller`."""

from __future__ import annotations

from torsion.internet._core.pollers import PollPoller
from torsion.internet._reactors.posixbase import PosixReactorBase
from torsion.internet.main import installReactor

__all__ = ["PollReactor", "install"]


class PollReactor(PosixReactorBase):
    """A reactor that waits for I/O with ``select.poll``."""

    def __init__(self) -> None:
        super().__init__(PollPoller())


def install() -> PollReactor:
    """Install a new `PollReactor` as the global reactor and return it.

    Raises:
        ReactorAlreadyInstalledError: A reactor is installed already.
    """
    reactor = PollReactor()
    installReactor(reactor)
    return reactor
