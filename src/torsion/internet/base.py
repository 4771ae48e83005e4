"""The reactor's base class and the objects it schedules (Twisted's ``base`` module).

`ReactorBase` is the event loop every torsion reactor builds on: timed calls, system event
triggers, run/stop/crash, signals, threads, name resolution and the dispatch of I/O events,
over a poller (``select`` if it is given none). It makes no transports;
`torsion.internet.posixbase.PosixReactorBase` adds those. `DelayedCall` is what
``callLater`` returns (constructed directly, with Twisted's signature, it is a call for a clock
of one's own), and `ThreePhaseEvent` the before/during/after triggers of an event such as
``"startup"`` or ``"shutdown"``. `ThreadedResolver` is the reactors' default ``resolver``.
"""

from __future__ import annotations

from torsion.internet._core.events import ThreePhaseEvent
from torsion.internet._core.timers import DelayedCall
from torsion.internet._reactors.reactorbase import ReactorBase
from torsion.internet._reactors.simpleresolver import ThreadedResolver

__all__ = ["DelayedCall", "ReactorBase", "ThreadedResolver", "ThreePhaseEvent"]
