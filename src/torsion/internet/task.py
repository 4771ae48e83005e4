"""Scheduling tools (Twisted's ``task``): repeating calls, a fake clock, cooperative tasks.

* `LoopingCall` calls a function every so many seconds.
* `Clock` is an `IReactorTime` whose time moves only when told to, for tests.
* `deferLater` returns a Deferred that fires after a delay.
* `Cooperator`, `cooperate` and `coiterate` run iterators a step at a time without blocking.
* `react` runs the reactor for as long as a main function takes, then exits.

Everything that defaults to the global reactor imports it only when it first needs it.
"""

from __future__ import annotations

from torsion.internet._task.clock import Clock, deferLater
from torsion.internet._task.cooperator import (
    CooperativeTask,
    Cooperator,
    NotPaused,
    SchedulerError,
    SchedulerStopped,
    TaskDone,
    TaskFailed,
    TaskFinished,
    TaskStopped,
    coiterate,
    cooperate,
)

# The global Cooperator behind `cooperate` and `coiterate` (Twisted's private name).
from torsion.internet._task.cooperator import _theCooperator as _theCooperator
from torsion.internet._task.looping import LoopingCall
from torsion.internet._task.react import react

__all__ = [
    "Clock",
    "CooperativeTask",
    "Cooperator",
    "LoopingCall",
    "NotPaused",
    "SchedulerError",
    "SchedulerStopped",
    "TaskDone",
    "TaskFailed",
    "TaskFinished",
    "TaskStopped",
    "coiterate",
    "cooperate",
    "deferLater",
    "react",
]
