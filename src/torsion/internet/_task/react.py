"""`react`: run the reactor for as long as a main function's Deferred or coroutine runs."""

from __future__ import annotations

import sys
from collections.abc import Callable, Coroutine, Iterable
from typing import Any, NoReturn, cast

from torsion.internet._globalreactor import globalReactor
from torsion.internet.defer import Deferred, ensureDeferred
from torsion.internet.error import ReactorNotRunning
from torsion.internet.interfaces import IReactorCore
from torsion.logger import Logger, LogLevel
from torsion.python.failure import Failure

__all__ = ["react"]

_log = Logger(namespace="torsion")


class _MainRun:
    """Stops the reactor once the main function's outcome is known, and turns it into a code."""

    def __init__(self, reactor: IReactorCore) -> None:
        self.reactor = reactor
        self.shuttingDown = False
        self.code: str | int | None = 0

    def shutdownBegan(self) -> None:
        self.shuttingDown = True

    def mainFinished(self, result: object) -> None:
        if self.shuttingDown:
            # Something else stopped the reactor; main ended because of it, or meanwhile.
            self._record(result)
        else:
            # If main finished before the reactor started, wait for it to start so that
            # stop() is valid.
            self.reactor.callWhenRunning(self._stopWith, result)

    def _stopWith(self, result: object) -> None:
        try:
            self.reactor.stop()
        except ReactorNotRunning:
            # Already stopping, but its "before shutdown" triggers have not run yet.
            pass
        self._record(result)

    def _record(self, result: object) -> None:
        if not isinstance(result, Failure):
            return
        if isinstance(result.value, SystemExit):
            self.code = result.value.code
        else:
            _log.failure("main function encountered error", result, LogLevel.error)
            self.code = 1


def react(
    main: Callable[..., Deferred[Any] | Coroutine[Any, Any, Any]],
    argv: Iterable[object] = (),
    _reactor: IReactorCore | None = None,
) -> NoReturn:
    """Run ``main(reactor, *argv)`` and the reactor until its result arrives, then exit.

    The reactor is stopped once (not at all if something else already stopped it) and the
    process exits through `sys.exit`: with status 0 if ``main``'s Deferred or coroutine
    succeeded, the exception's code if it failed with `SystemExit`, and 1 if it failed with
    anything else, after logging the error (an ``error`` event, namespace ``torsion``).

    Args:
        main: Called with the reactor and then ``argv``; returns a Deferred or a coroutine.
        argv: Further arguments for ``main``.
        _reactor: The reactor to use (for tests); by default the global one, imported now.

    Raises:
        SystemExit: Always, when done.
    """
    reactor = _reactor if _reactor is not None else cast(IReactorCore, globalReactor())
    finished = ensureDeferred(main(reactor, *argv))
    run = _MainRun(reactor)
    reactor.addSystemEventTrigger("before", "shutdown", run.shutdownBegan)
    finished.addBoth(run.mainFinished)
    reactor.run()
    sys.exit(run.code)
