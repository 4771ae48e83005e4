"""A worker that only queues its tasks, run one at a time by the test that made it."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum

from torsion._threads._convenience import Quit

__all__ = ["MemoryWorker", "NoMoreWork", "createMemoryWorker"]


class _NoMore(Enum):
    Work = "no more work"


#: Queued by `MemoryWorker.quit`: nothing after it is ever performed.
NoMoreWork = _NoMore.Work


class MemoryWorker:
    """An `IExclusiveWorker` whose tasks wait in a list until something performs them."""

    def __init__(self) -> None:
        self._quit = Quit()
        self._pending: list[Callable[[], object] | _NoMore] = []

    def do(self, task: Callable[[], object]) -> None:
        """Queue ``task``.

        Raises:
            AlreadyQuit: `quit` was called.
        """
        self._quit.check()
        self._pending.append(task)

    def quit(self) -> None:
        """Refuse further tasks; the ones already queued can still be performed.

        Raises:
            AlreadyQuit: `quit` was called before.
        """
        self._quit.set()
        self._pending.append(NoMoreWork)


def createMemoryWorker() -> tuple[MemoryWorker, Callable[[], bool]]:
    """Return a new `MemoryWorker` and a function that performs its oldest queued task.

    The function returns whether it performed one: False when nothing is queued, or when
    the worker has quit and its tasks are done.
    """
    worker = MemoryWorker()

    def performOne() -> bool:
        pending = worker._pending
        if not pending or pending[0] is NoMoreWork:
            return False
        task = pending.pop(0)
        assert not isinstance(task, _NoMore)  # checked above
        task()
        return True

    return worker, performOne
