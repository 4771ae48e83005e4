"""The worker interfaces, and the error of a worker that has quit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

from torsion.internet._interfacemeta import InterfaceMeta

__all__ = ["AlreadyQuit", "IExclusiveWorker", "IWorker"]


class AlreadyQuit(Exception):
    """The worker has quit: it takes no more work, and cannot quit again."""


@runtime_checkable
class IWorker(Protocol, metaclass=InterfaceMeta):
    """Something that performs tasks concurrently with its caller; thread-safe.

    Where and when a task runs is up to the worker: later in the same thread, at once in
    another, or never (a worker may drop work it will not get to).
    """

    def do(self, task: Callable[[], object]) -> None:
        """Perform ``task`` (a callable without arguments).

        Raises:
            AlreadyQuit: `quit` was called.
        """
        ...

    def quit(self) -> None:
        """Release the worker's resources and refuse all further work.

        Raises:
            AlreadyQuit: `quit` was called before.
        """
        ...


@runtime_checkable
class IExclusiveWorker(IWorker, Protocol):
    """A worker that never runs two of its tasks at the same time."""
