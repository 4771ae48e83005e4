"""`FilteringLogObserver`: forwards only the events its predicates let through.

Predicates (`ILogFilterPredicate`) are asked in order; the first to say `PredicateResult.yes`
or ``no`` decides, ``maybe`` asks the next one, and an event that gets only ``maybe`` passes.
`LogLevelFilterPredicate` drops events below a minimum level set per namespace.

For `torsion.logger.Logger`'s fast path, a predicate may offer
``_wantsEvent(namespace, level)``: the `PredicateResult` it gives every event of that
namespace and level, or None when that depends on the rest of the event. When each predicate
offers it, `FilteringLogObserver._wantsEvent` can tell from them alone that a call would be
dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import ClassVar, Protocol, runtime_checkable

from torsion.internet._interfacemeta import InterfaceMeta
from torsion.logger._constants import NamedConstant
from torsion.logger._interfaces import ILogObserver, LogEvent, LogTrace
from torsion.logger._levels import InvalidLogLevelError, LogLevel
from torsion.logger._observer import bitbucketLogObserver

__all__ = [
    "FilteringLogObserver",
    "ILogFilterPredicate",
    "LogLevelFilterPredicate",
    "PredicateResult",
    "shouldLogEvent",
]

#: How many namespaces a `LogLevelFilterPredicate` remembers the level of (then it forgets all).
_CACHED_NAMESPACES = 4096
#: A minimum level index above every level: nothing passes (the empty namespace's).
_NEVER = len(LogLevel._ordered)


class PredicateResult(NamedConstant):
    """A predicate's answer: ``yes`` (log it, ask no further), ``no`` (drop it, ask no
    further) or ``maybe`` (no opinion: ask the next predicate; the last ``maybe`` logs it)."""

    __slots__ = ()

    yes: ClassVar[PredicateResult]
    no: ClassVar[PredicateResult]
    maybe: ClassVar[PredicateResult]


PredicateResult._define("yes", "no", "maybe")
_YES, _NO, _MAYBE = PredicateResult.iterconstants()


@runtime_checkable
class ILogFilterPredicate(Protocol, metaclass=InterfaceMeta):
    """Decides whether an event should be logged."""

    def __call__(self, event: LogEvent, /) -> PredicateResult:
        """The `PredicateResult` for ``event``."""
        ...


def shouldLogEvent(predicates: Iterable[ILogFilterPredicate], event: LogEvent) -> bool:
    """Whether ``predicates`` let ``event`` through (True when none of them objects).

    Raises:
        TypeError: A predicate returned something other than a `PredicateResult`.
    """
    for predicate in predicates:
        result = predicate(event)
        if result is _MAYBE:
            continue
        if result is _YES:
            return True
        if result is _NO:
            return False
        raise TypeError(f"Invalid predicate result: {result!r}")
    return True


_Answer = Callable[[str, LogLevel], PredicateResult | None]


class FilteringLogObserver:
    """Forwards the events its predicates let through to ``observer``, the others to
    ``negativeObserver`` (which drops them by default)."""

    def __init__(
        self,
        observer: ILogObserver,
        predicates: Iterable[ILogFilterPredicate],
        negativeObserver: ILogObserver = bitbucketLogObserver,
    ) -> None:
        self._observer = observer
        self._predicates = tuple(predicates)
        self._negativeObserver = negativeObserver
        answers = [getattr(p, "_wantsEvent", None) for p in self._predicates]
        self._answers: tuple[_Answer, ...] | None = (
            None if None in answers else tuple(a for a in answers if a is not None)
        )
        self._dropsDiscarded = negativeObserver is bitbucketLogObserver

    def __call__(self, event: LogEvent) -> None:
        """Forward ``event`` to the observer its predicates choose."""
        if shouldLogEvent(self._predicates, event):
            trace: LogTrace | None = event.get("log_trace")
            if trace is not None:
                trace.append((self, self._observer))
            self._observer(event)
        else:
            self._negativeObserver(event)

    def _wantsEvent(self, namespace: str, level: LogLevel) -> bool:
        """False only if every event of ``namespace`` at ``level`` would be dropped."""
        answers = self._answers
        if answers is None:
            return True
        for answer in answers:
            result = answer(namespace, level)
            if result is _MAYBE:
                continue
            if result is _NO:
                if self._dropsDiscarded:
                    return False
                return _observerWants(self._negativeObserver, namespace, level)
            if result is not _YES:
                return True  # it depends on the event
            break
        return _observerWants(self._observer, namespace, level)


def _observerWants(observer: ILogObserver, namespace: str, level: LogLevel) -> bool:
    wants = getattr(observer, "_wantsEvent", None)
    return True if wants is None else bool(wants(namespace, level))


class LogLevelFilterPredicate:
    """Drops events below the minimum level of their namespace, and events with no level or
    no namespace.

    A namespace's minimum is the one set for it or for its nearest parent (``a.b`` for
    ``a.b.c``), else ``defaultLogLevel``.
    """

    def __init__(self, defaultLogLevel: LogLevel = LogLevel.info) -> None:
        self._logLevelsByNamespace: dict[str, LogLevel] = {}
        self._minimumIndex: dict[str, int] = {}
        self._generation = 0
        self.defaultLogLevel = defaultLogLevel
        self.clearLogLevels()

    def logLevelForNamespace(self, namespace: str) -> LogLevel:
        """The minimum level for ``namespace`` (``""`` or None: the default namespace's)."""
        levels = self._logLevelsByNamespace
        if not namespace:
            return levels[""]
        while namespace not in levels:
            namespace, dot, _ = namespace.rpartition(".")
            if not dot:
                return levels[""]
        return levels[namespace]

    def setLogLevelForNamespace(self, namespace: str, level: LogLevel) -> None:
        """Set the minimum level for ``namespace`` and the namespaces below it.

        Raises:
            InvalidLogLevelError: ``level`` is not a `LogLevel`.
        """
        if not isinstance(level, LogLevel):
            raise InvalidLogLevelError(level)
        self._logLevelsByNamespace[namespace or ""] = level
        self._forgetMinimums()

    def clearLogLevels(self) -> None:
        """Forget every namespace's level: all get ``defaultLogLevel`` again."""
        self._logLevelsByNamespace = {"": self.defaultLogLevel}  # replaced whole, for readers
        self._forgetMinimums()

    def _forgetMinimums(self) -> None:
        # The generation moves first: a minimum another thread is computing from the old
        # levels is then either not stored, or stored before this clears it.
        self._generation += 1
        self._minimumIndex.clear()

    def _minimum(self, namespace: str) -> int:
        """The index of the lowest level ``namespace`` logs (none for the empty namespace),
        remembered until the levels change."""
        minimum = self._minimumIndex.get(namespace)
        if minimum is None:
            generation = self._generation
            minimum = self.logLevelForNamespace(namespace)._index if namespace else _NEVER
            if len(self._minimumIndex) >= _CACHED_NAMESPACES:
                self._minimumIndex.clear()
            if generation == self._generation:
                self._minimumIndex[namespace] = minimum
        return minimum

    def _wantsEvent(self, namespace: str, level: LogLevel) -> PredicateResult:
        """What `__call__` answers for every event of ``namespace`` at ``level``."""
        minimum = self._minimumIndex.get(namespace)
        if minimum is None:
            minimum = self._minimum(namespace)
        return _NO if level._index < minimum else _MAYBE

    def __call__(self, event: LogEvent) -> PredicateResult:
        """``no`` if ``event`` is below its namespace's minimum (or lacks either), else
        ``maybe``."""
        level = event.get("log_level")
        if level is None:
            return _NO
        namespace = event.get("log_namespace")
        if not namespace:
            return _NO
        if isinstance(level, LogLevel):
            below = level._index < self._minimum(namespace)
        else:  # compared as Twisted does (TypeError for what is not comparable)
            below = level < self.logLevelForNamespace(namespace)
        return _NO if below else _MAYBE
