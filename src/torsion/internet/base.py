"""The reactor's base class and the objects it schedules (Twisted's ``base`` module).

`ReactorBase` is the event loop every torsion reactor builds on: timed calls, system event
triggers, run/stop/crash, signals, threads and the dispatch of I/O events, over a poller. It
makes no transports; `torsion.internet.posixbase.PosixReactorBase` adds those. `DelayedCall` is
what ``callLater`` returns, and `ThreePhaseEvent` the before/during/after triggers of an event
such as ``"startup"`` or ``"shutdown"``. `ThreadedResolver` is the reactors' default
``resolver``.
"""

from __future__ import annotations

from torsion.internet._core.events import ThreePhaseEvent
from torsion.internet._core.loop import ReactorCore
from torsion.internet._core.timers import DelayedCall
from torsion.internet._reactors.simpleresolver import ThreadedResolver

#: Twisted's name for the kernel of every reactor.
ReactorBase = ReactorCore

__all__ = ["DelayedCall", "ReactorBase", "ThreadedResolver", "ThreePhaseEvent"]
