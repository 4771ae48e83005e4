"""Installing the best reactor for the platform."""

from __future__ import annotations

import select
import sys

__all__ = ["install"]


def install() -> object:
    """Install and return the platform's best reactor.

    epoll on Linux; poll on other POSIX systems except macOS (whose poll does not support
    every kind of descriptor); select elsewhere.

    Raises:
        ReactorAlreadyInstalledError: A reactor is installed already.
    """
    if sys.platform.startswith("linux") and hasattr(select, "epoll"):
        from torsion.internet import epollreactor

        return epollreactor.install()
    if sys.platform != "darwin" and hasattr(select, "poll"):
        from torsion.internet import pollreactor

        return pollreactor.install()
    from torsion.internet import selectreactor

    return selectreactor.install()
