"""`Quit`: the flag behind every worker's `AlreadyQuit`."""

from __future__ import annotations

from torsion._threads._ithreads import AlreadyQuit

__all__ = ["Quit"]


class Quit:
    """Whether a worker has quit; set once, checked before each piece of work.

    Attributes:
        isSet: True once `set` was called.
    """

    def __init__(self) -> None:
        self.isSet = False

    def set(self) -> None:
        """Mark the worker as quit.

        Raises:
            AlreadyQuit: It was marked before.
        """
        self.check()
        self.isSet = True

    def check(self) -> None:
        """Return if the worker has not quit.

        Raises:
            AlreadyQuit: It has.
        """
        if self.isSet:
            raise AlreadyQuit()
