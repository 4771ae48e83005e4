"""`ThreadedSelectReactor`: ``select`` in a thread of its own, everything else in the caller's.

The public module is ``torsion.internet._threadedselect`` (Twisted's path); its docstring says
how a program uses the reactor. How it works:

* Each wait for I/O is one task of a worker thread (`torsion._threads.ThreadWorker`): the
  main thread takes a copy of the descriptors watched (`_HandOffPoller.prepare`), the worker
  runs ``select`` on the copy and hands the events found back through the *waker*, a function
  that runs a callable in the main thread (a GUI toolkit's "call later", or, when the reactor
  runs on its own, a queue the main thread reads).
* In the main thread the events go through the loop's one dispatch point
  (`torsion.internet._core.loop.ReactorCore.doIteration`), which asks the poller for them:
  `_HandOffPoller.poll` returns those the worker found. Descriptor methods, timed calls and
  protocols therefore only ever run in the main thread.
* While the worker waits, the main thread may add descriptors or calls (a GUI callback
  writing to a connection): those wake the wait up, so the next one includes them.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any, ParamSpec

from torsion._threads import ThreadWorker
from torsion.internet._core.loop import ReactorCore
from torsion.internet._core.pollers import SelectPoller
from torsion.internet._core.timers import DelayedCall
from torsion.internet._reactors.posixbase import PosixReactorBase
from torsion.internet.interfaces import IReadDescriptor, IWriteDescriptor

__all__ = ["ThreadedSelectReactor", "Waker"]

_P = ParamSpec("_P")

#: Runs the callable it is given in the main thread, soon; called from the select thread.
Waker = Callable[[Callable[[], None]], object]


class _HandOffPoller(SelectPoller):
    """The select poller whose waits happen elsewhere: `prepare` a copy to wait on in another
    thread, hand its events to `deliver`, and `poll` returns them (without waiting)."""

    def __init__(self) -> None:
        super().__init__()
        self._events: list[tuple[int, int]] = []

    def prepare(self) -> SelectPoller:
        """A poller on a copy of the descriptors watched now, for another thread to wait on."""
        view = SelectPoller()
        for fd in self._reads | self._writes:
            view.register(fd, fd in self._reads, fd in self._writes)
        return view

    def deliver(self, events: list[tuple[int, int]]) -> None:
        """Keep ``events`` for the next `poll`."""
        self._events = events

    def poll(self, timeout: float | None) -> list[tuple[int, int]]:
        """The events delivered since the last call (the wait happened already)."""
        events, self._events = self._events, []
        return events


class ThreadedSelectReactor(PosixReactorBase):
    """A reactor whose ``select`` runs in a thread of its own (see the module docstring).

    Args:
        waker: Runs a callable in the main thread; `interleave` can give it later. Without
            one, `run` (and ``iterate``) use a queue of their own.

    Attributes:
        mainWaker: The waker in use, or None before `interleave` or `run`.
    """

    _poller: _HandOffPoller

    def __init__(self, waker: Waker | None = None) -> None:
        super().__init__(_HandOffPoller())
        self.mainWaker: Waker | None = waker
        self._selector: ThreadWorker | None = None
        self._selecting = False
        self._iterationQueue: queue.SimpleQueue[Callable[[], None]] | None = None

    # -- running inside another event loop -----------------------------------------------------

    def interleave(self, waker: Waker, installSignalHandlers: bool = True) -> None:
        """Start the reactor inside a program that runs its own event loop (a GUI's).

        Returns at once: from now on the select thread waits for I/O and ``waker`` runs the
        reactor's work in the calling thread. Stop with ``reactor.stop()``; an ``after
        shutdown`` trigger can then end the program's own loop.
        """
        self.mainWaker = waker
        self._enterRun(installSignalHandlers)
        self._event("startup").fire(self._startRunning)
        self._selectOnce(0.0, keepGoing=True)

    # -- running on its own --------------------------------------------------------------------

    def doIteration(self, timeout: float | None) -> None:
        """Wait (in the select thread) up to ``timeout`` seconds, then handle what came."""
        work = self._iterationQueue
        if work is None:
            work = self._iterationQueue = queue.SimpleQueue()
            if self.mainWaker is None:
                self.mainWaker = work.put
        self._selectOnce(timeout, keepGoing=False)
        work.get()()

    def _exitRun(self) -> None:
        super()._exitRun()
        self._stopSelector()

    # -- the select thread ---------------------------------------------------------------------

    def _selectOnce(self, timeout: float | None, keepGoing: bool) -> None:
        """Have the select thread wait once; its events are handled through the waker."""
        mainWaker = self.mainWaker
        assert mainWaker is not None, "neither interleave() nor run() was called"
        view = self._poller.prepare()

        def waitInThread() -> None:
            events = view.poll(timeout)
            mainWaker(lambda: self._handle(events, keepGoing))

        selector = self._selector
        if selector is None:
            selector = self._selector = ThreadWorker(_startDaemon, queue.SimpleQueue())
        self._selecting = True
        selector.do(waitInThread)

    def _handle(self, events: list[tuple[int, int]], keepGoing: bool) -> None:
        """In the main thread: dispatch ``events``; interleaved, run due calls and wait again."""
        self._selecting = False
        self._poller.deliver(events)
        ReactorCore.doIteration(self, 0.0)
        if not keepGoing:
            return
        self.runUntilCurrent()
        if self._started:
            self._selectOnce(self.timeout(), keepGoing=True)
        else:
            self._exitRun()

    def _stopSelector(self) -> None:
        selector, self._selector = self._selector, None
        if selector is not None:
            selector.quit()

    def _wakeSelector(self) -> None:
        """Something changed while the select thread waits: make it wait again, anew."""
        if self._selecting:
            self.wakeUp()

    # -- what must wake a wait in progress -----------------------------------------------------

    def addReader(self, reader: IReadDescriptor) -> None:
        """Watch ``reader`` for reading (from the next wait on)."""
        super().addReader(reader)
        self._wakeSelector()

    def addWriter(self, writer: IWriteDescriptor) -> None:
        """Watch ``writer`` for writing (from the next wait on)."""
        super().addWriter(writer)
        self._wakeSelector()

    def callLater(
        self, delay: float, callable: Callable[_P, object], *args: _P.args, **kw: _P.kwargs
    ) -> DelayedCall:
        """Call ``callable(*args, **kw)`` in ``delay`` seconds (the wait is shortened for it)."""
        call = super().callLater(delay, callable, *args, **kw)
        self._wakeSelector()
        return call

    def stop(self) -> None:
        """Fire the shutdown event at the end of this pass (waking the wait)."""
        super().stop()
        self._wakeSelector()

    def crash(self) -> None:
        """End the loop without firing the shutdown triggers (waking the wait)."""
        super().crash()
        self._wakeSelector()

    # -- throwing the reactor away -------------------------------------------------------------

    def _uninstallHandler(self) -> None:
        super()._uninstallHandler()
        self._stopSelector()

    def close(self) -> None:
        """Stop the select thread, then release the waker and the poller."""
        self._stopSelector()
        super().close()


def _startDaemon(target: Callable[[], Any]) -> None:
    threading.Thread(target=target, name="torsion-select", daemon=True).start()
