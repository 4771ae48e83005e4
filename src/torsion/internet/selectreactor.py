"""The select reactor: `PosixReactorBase` over `SelectPoller`."""

from __future__ import annotations

from torsion.internet._core.pollers import SelectPoller
from torsion.internet._reactors.posixbase import PosixReactorBase
from torsion.internet.main import installReactor

__all__ = ["SelectReactor", "install"]


class SelectReactor(PosixReactorBase):
    """A reactor that waits for I/O with ``select.select``."""

    def __init__(self) -> None:
        super().__init__(SelectPoller())


def install() -> SelectReactor:
    """Install a new `SelectReactor` as the global reactor and return it.

    Raises:
        ReactorAlreadyInstalledError: A reactor is installed already.
    """
    reactor = SelectReactor()
    installReactor(reactor)
    return reactor
