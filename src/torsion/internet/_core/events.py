"""System event triggers: the three phases (before, during, after) of startup and shutdown.

Unlike Twisted, where firing an event consumes its triggers (its reactor runs once), a trigger
added here stays registered until removed, because torsion's reactor can run again: startup and
shutdown triggers fire on every run. Only the triggers `callWhenRunning` queues are one-shot.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from torsion.internet.defer import Deferred, DeferredList
from torsion.logger import Logger, LogLevel
from torsion.python.failure import Failure

__all__ = ["PHASES", "ThreePhaseEvent", "TriggerID"]

_log = Logger(namespace="torsion.internet.base")

PHASES = ("before", "during", "after")

#: Identifies a registered trigger: (event type, phase, serial number).
TriggerID = tuple[str, str, int]

# A trigger: what to call, its arguments, and whether it is removed when it fires.
_Trigger = tuple[Callable[..., object], tuple[Any, ...], dict[str, Any], bool]


class ThreePhaseEvent:
    """The triggers of one event type and the state of its firing.

    `fire` runs the ``before`` triggers; those returning a Deferred delay the ``during`` and
    ``after`` triggers until every such Deferred has fired (whatever its result). A trigger
    added to a phase while that phase runs is run in it too, as in Twisted.

    Args:
        eventType: The event's name ("startup", "shutdown", or any other).
    """

    def __init__(self, eventType: str) -> None:
        self.eventType = eventType
        self._phases: dict[str, dict[int, _Trigger]] = {phase: {} for phase in PHASES}
        self._serial = 0
        #: True from the start of `fire` until the ``after`` phase has run.
        self.firing = False

    def add(
        self,
        phase: str,
        f: Callable[..., object],
        args: tuple[Any, ...],
        kw: dict[str, Any],
        once: bool = False,
    ) -> TriggerID:
        """Register ``f(*args, **kw)`` for ``phase`` and return its ID.

        Raises:
            KeyError: ``phase`` is not one of `PHASES`.
        """
        triggers = self._phases[phase]
        self._serial += 1
        triggers[self._serial] = (f, args, kw, once)
        return (self.eventType, phase, self._serial)

    def remove(self, triggerID: TriggerID) -> None:
        """Unregister a trigger.

        Raises:
            ValueError: No such trigger is registered.
        """
        _, phase, serial = triggerID
        if self._phases.get(phase, {}).pop(serial, None) is None:
            raise ValueError(f"no such trigger: {triggerID!r}")

    def fire(self, beforeDuring: Callable[[], object] | None = None) -> None:
        """Run the three phases, waiting between ``before`` and ``during`` if needed.

        Args:
            beforeDuring: Called first thing in the ``during`` phase (the reactor's own step,
                such as setting ``running`` at startup or disconnecting at shutdown).
        """
        self.firing = True
        waits = [
            r.addErrback(_logFailure, self.eventType)
            for r in self._runPhase("before")
            if isinstance(r, Deferred)
        ]
        if not waits:
            self._finish(beforeDuring)
            return
        done: DeferredList[Any] = DeferredList(waits)
        done.addCallback(lambda _: self._finish(beforeDuring))

    def _finish(self, beforeDuring: Callable[[], object] | None) -> None:
        if beforeDuring is not None:
            _callLogged(beforeDuring, (), {}, self.eventType)
        self._runPhase("during")
        self._runPhase("after")
        self.firing = False

    def _runPhase(self, phase: str) -> list[object]:
        """Run a phase's triggers in registration order, including ones added meanwhile."""
        triggers = self._phases[phase]
        results: list[object] = []
        done = 0
        while True:
            pending = [serial for serial in triggers if serial > done]
            if not pending:
                return results
            for serial in pending:
                done = serial
                trigger = triggers.get(serial)
                if trigger is None:  # removed by an earlier trigger
                    continue
                f, args, kw, once = trigger
                if once:
                    del triggers[serial]
                results.append(_callLogged(f, args, kw, self.eventType))


def _logFailure(failure: Failure, event: str) -> None:
    """Log the failure of a Deferred a ``before`` trigger returned; the event goes on."""
    _log.failure(
        "Error in {event!r} system event trigger's Deferred", failure, LogLevel.error, event=event
    )


def _callLogged(
    f: Callable[..., object], args: tuple[Any, ...], kw: dict[str, Any], event: str
) -> object:
    """Call a trigger; log its exception (returning None) so the other triggers still run."""
    try:
        return f(*args, **kw)
    except Exception:
        _log.failure(
            "Error in {event!r} system event trigger {trigger!r}",
            level=LogLevel.error,
            event=event,
            trigger=f,
        )
        return None
