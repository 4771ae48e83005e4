"""`LogPublisher`, the observer that fans events out to other observers.

Publishing is safe against what observers do while they run:

* The observer list is replaced, never changed in place, so an observer may add or remove
  observers (and other threads may) while an event is being delivered; the event goes to the
  observers there were when it was published.
* An observer that raises does not stop the others: once they all ran, its error is logged
  (once per event, with ``log_failure``) to the other observers, never to itself.
* An observer that, while handling an event, causes another event to come back to it on the
  same thread (a file observer writing to a redirected stdout, a bridge to a library that logs
  back) is not called again for the nested event: the others get it, and there is no endless
  recursion.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from torsion.logger._interfaces import ILogObserver, LogEvent, LogTrace
from torsion.logger._levels import LogLevel
from torsion.logger._logger import Logger
from torsion.python.failure import Failure

__all__ = ["OBSERVER_DISABLED", "LogPublisher", "bitbucketLogObserver"]

OBSERVER_DISABLED = "Temporarily disabling observer {observer} due to exception: {log_failure}"

_WantsEvent = Callable[[str, LogLevel], bool]


class _Delivering(threading.local):
    """The observers this thread is calling right now (by id), to stop re-entry."""

    def __init__(self) -> None:
        self.observers: set[int] = set()


_delivering = _Delivering()


class LogPublisher:
    """An observer that forwards each event to the observers it holds."""

    def __init__(self, *observers: ILogObserver) -> None:
        self._lock = threading.Lock()
        self._setObservers(list(observers))
        self.log = Logger(observer=self)

    def _setObservers(self, observers: list[ILogObserver]) -> None:
        """Install a new observer list, and what `_wantsEvent` needs to answer for it."""
        askers = [getattr(observer, "_wantsEvent", None) for observer in observers]
        # An observer without _wantsEvent wants everything, and so the publisher does.
        self._askers: tuple[_WantsEvent, ...] | None = (
            None if None in askers else tuple(a for a in askers if a is not None)
        )
        self._observers = observers

    def addObserver(self, observer: ILogObserver) -> None:
        """Add ``observer`` (once: adding it again does nothing); TypeError if not callable."""
        if not callable(observer):
            raise TypeError(f"Observer is not callable: {observer!r}")
        with self._lock:
            if observer not in self._observers:
                self._setObservers([*self._observers, observer])

    def removeObserver(self, observer: ILogObserver) -> None:
        """Remove ``observer``, if it is here."""
        with self._lock:
            if observer in self._observers:
                self._setObservers([o for o in self._observers if o != observer])

    def _wantsEvent(self, namespace: str, level: LogLevel) -> bool:
        """Whether any observer may want events of ``namespace`` at ``level``."""
        askers = self._askers
        if askers is None:
            return True
        for wants in askers:  # noqa: SIM110 - a loop costs less than any() on the hot path
            if wants(namespace, level):
                return True
        return False

    def __call__(self, event: LogEvent) -> None:
        """Forward ``event`` to every observer, then report the ones that raised."""
        trace: LogTrace | None = event.get("log_trace")
        busy = _delivering.observers
        broken: list[tuple[ILogObserver, Failure]] = []
        for observer in self._observers:
            key = id(observer)
            if key in busy:
                continue
            if trace is not None:
                trace.append((self, observer))
            busy.add(key)
            try:
                observer(event)
            except Exception:
                broken.append((observer, Failure()))
            finally:
                busy.discard(key)
        for observer, failure in broken:
            self._reportBroken(observer, failure)

    def _reportBroken(self, observer: ILogObserver, failure: Failure) -> None:
        """Log ``observer``'s error to the other observers (never back to it)."""
        others = LogPublisher(*(o for o in self._observers if o is not observer))
        try:
            Logger(observer=others).failure(OBSERVER_DISABLED, failure=failure, observer=observer)
        except Exception:
            pass  # the report itself broke; the event was delivered, nothing more to do


class _Bitbucket:
    """An observer that drops every event (and says so to `Logger`'s fast path)."""

    def __call__(self, event: LogEvent) -> None:
        """Do nothing with ``event``."""

    def _wantsEvent(self, namespace: str, level: LogLevel) -> bool:
        return False

    def __repr__(self) -> str:
        return "<bitbucketLogObserver>"


bitbucketLogObserver: ILogObserver = _Bitbucket()
