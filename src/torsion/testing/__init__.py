"""Testing with real reactors: choosing them, running them in a test, checking they are clean.

* `makeReactor`, `REACTORS`, `availableReactors`, `unavailableReason`, `defaultReactorName`,
  `globalReactor`: the reactors a test can run on, by the names ``--torsion-reactor`` takes.
* `runUntilFired` runs a reactor until a Deferred (or coroutine) fires; `runUntilStopped` runs
  one until the test stops it. Both fail a hung test after a timeout instead of hanging.
* `checkStreamTransport` runs a conformance suite (ordering, large transfers, closing,
  aborting, half-close, producers, back-pressure) against any stream transport, given a maker
  that connects two protocols over it and a driver (`ReactorDriver`, `PumpDriver`) that moves
  their bytes.
* `cleanReactor` / `assertReactorClean`: the dirty-reactor check (pending timed calls, open
  ports and connections, busy pool threads) that trial's `TestCase` and the pytest plugin
  run after each test, raising `DirtyReactorAggregateError`.

The pytest plugin (`torsion.testing.pytest_plugin`, on by default once torsion is installed)
builds its ``reactor`` and ``clock`` fixtures, its ``reactors`` parametrization and its
``async def`` test support on these. The in-memory doubles (``StringTransport``,
``MemoryReactor``) are in `torsion.internet.testing`, as in Twisted. This package needs only
the standard library; only the plugin module imports pytest.
"""

from __future__ import annotations

from torsion.testing._janitor import (
    DirtyReactorAggregateError,
    assertReactorClean,
    cleanReactor,
)
from torsion.testing._reactors import (
    REACTORS,
    ReactorUnavailable,
    availableReactors,
    defaultReactorName,
    globalReactor,
    installedReactor,
    makeReactor,
    reactorName,
    unavailableReason,
)
from torsion.testing._running import (
    DEFAULT_TIMEOUT,
    getDefaultTimeout,
    runUntilFired,
    runUntilStopped,
    setDefaultTimeout,
)
from torsion.testing._streamcheck import (
    STREAM_CHECKS,
    PumpDriver,
    ReactorDriver,
    StreamDriver,
    StreamMaker,
    checkStreamTransport,
)

__all__ = [
    "DEFAULT_TIMEOUT",
    "REACTORS",
    "STREAM_CHECKS",
    "DirtyReactorAggregateError",
    "PumpDriver",
    "ReactorDriver",
    "ReactorUnavailable",
    "StreamDriver",
    "StreamMaker",
    "assertReactorClean",
    "availableReactors",
    "checkStreamTransport",
    "cleanReactor",
    "defaultReactorName",
    "getDefaultTimeout",
    "globalReactor",
    "installedReactor",
    "makeReactor",
    "reactorName",
    "runUntilFired",
    "runUntilStopped",
    "setDefaultTimeout",
    "unavailableReason",
]
