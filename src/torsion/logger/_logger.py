"""`Logger`: what code calls to emit log events (``log.info("Got {data!r}", data=data)``).

A logger sends each event to one observer, the global publisher unless told otherwise. Before
it builds the event it asks the observer's optional ``_wantsEvent(namespace, level)``: when
every observer down the line would drop the event (say, a debug message with the threshold at
warn), the call returns at once, which makes leaving debug calls in hot code cheap.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from time import time
from types import TracebackType
from typing import Protocol, cast

from torsion.logger._fields import addContextFields, hasContextFields
from torsion.logger._interfaces import ILogObserver, LogTrace
from torsion.logger._levels import InvalidLogLevelError, LogLevel
from torsion.python.failure import Failure

__all__ = ["Logger", "Operation", "_loggerFor"]

_LEVELS = frozenset(LogLevel.iterconstants())
_DEBUG, _INFO, _WARN, _ERROR, _CRITICAL = LogLevel.iterconstants()


class Operation(Protocol):
    """How the code run under `Logger.failuresHandled` went."""

    @property
    def succeeded(self) -> bool:
        """True once the code completed without raising (False while it runs)."""
        ...

    @property
    def failure(self) -> Failure | None:
        """The exception the code raised, as a Failure (None if it did not raise)."""
        ...

    @property
    def failed(self) -> bool:
        """True once the code raised (False while it runs)."""
        ...


class _FailCtxMgr:
    """`Logger.failuresHandled`'s context manager: logs and swallows, reports as `Operation`."""

    succeeded: bool = False
    failure: Failure | None = None

    def __init__(self, fail: Callable[[Failure], None]) -> None:
        self._fail = fail

    @property
    def failed(self) -> bool:
        return self.failure is not None

    def __enter__(self) -> Operation:
        return self

    def __exit__(
        self,
        excType: type[BaseException] | None,
        excValue: BaseException | None,
        traceback: TracebackType | None,
        /,
    ) -> bool:
        if excValue is None:
            self.succeeded = True
        else:
            self.failure = Failure(excValue, excType, traceback)
            self._fail(self.failure)
        return True


class _FastFailCtxMgr:
    """`Logger.failureHandler`'s context manager: stateless, so one can be shared."""

    def __init__(self, fail: Callable[[Failure], None]) -> None:
        self._fail = fail

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        excType: type[BaseException] | None,
        excValue: BaseException | None,
        traceback: TracebackType | None,
        /,
    ) -> bool:
        if excValue is not None:
            self._fail(Failure(excValue, excType, traceback))
        return True


class Logger:
    """Emits log events to an observer.

    Make one per module (``log = Logger()``, whose namespace is the module's name) or as a
    class attribute: read through a class or an instance, it gives a logger whose namespace is
    ``module.ClassName`` and whose ``source`` (the event's ``log_source``) is that class or
    instance.

    `debug` ... `critical` ask the observer's ``_wantsEvent`` first and call `emit` only if
    it may want the event; `emit` asks too, so a subclass overriding `emit` sees every event
    some observer may want.

    Attributes:
        namespace: A dotted name saying where the events come from.
        source: The object emitting through this logger, or None.
        observer: Where the events go (`torsion.logger.globalLogPublisher` by default).
    """

    @staticmethod
    def _namespaceFromCallingContext() -> str:
        """The name of the module that called the caller (``"<unknown>"`` if it has none)."""
        try:
            return cast(str, sys._getframe(2).f_globals["__name__"])
        except KeyError:
            return "<unknown>"

    def __init__(
        self,
        namespace: str | None = None,
        source: object | None = None,
        observer: ILogObserver | None = None,
    ) -> None:
        if namespace is None:
            namespace = self._namespaceFromCallingContext()
        self.namespace = namespace
        self.source = source
        if observer is None:
            from torsion.logger._global import globalLogPublisher

            observer = globalLogPublisher
        self.observer: ILogObserver = observer

    def __get__(self, instance: object, owner: type | None = None) -> Logger:
        """A logger for the class (or instance) this one is an attribute of."""
        if owner is None:
            owner = type(instance)
        return self.__class__(
            f"{owner.__module__}.{owner.__name__}",
            owner if instance is None else instance,
            observer=self.observer,
        )

    def __repr__(self) -> str:
        return f"<{self.__class__.__name__} {self.namespace!r}>"

    def _wants(self, level: LogLevel) -> bool:
        """Whether the observer may want events at ``level`` (True if it cannot tell)."""
        wants = getattr(self.observer, "_wantsEvent", None)
        return wants is None or bool(wants(self.namespace, level))

    def emit(self, level: LogLevel, format: str | None = None, **kwargs: object) -> None:
        """Send an event at ``level`` to the observer (unless it would drop it anyway).

        Args:
            level: The event's `LogLevel`; anything else is logged as an error instead.
            format: A PEP 3101 format string over the event's keys, or None.
            kwargs: The event's other keys. Observers may keep the event for later, so
                values changed afterwards may show up changed.
        """
        try:
            valid = level in _LEVELS
        except TypeError:  # unhashable, so certainly not a level
            valid = False
        if not valid:
            self.failure(
                "Got invalid log level {invalidLevel!r} in {logger}.emit().",
                Failure(InvalidLogLevelError(level)),
                invalidLevel=level,
                logger=self,
            )
            return
        observer = self.observer
        wants = getattr(observer, "_wantsEvent", None)
        if wants is not None and not wants(self.namespace, level):
            return
        kwargs.update(
            log_logger=self,
            log_level=level,
            log_namespace=self.namespace,
            log_source=self.source,
            log_format=format,
            log_time=time(),
        )
        if hasContextFields():
            addContextFields(kwargs)
        if "log_trace" in kwargs:
            cast(LogTrace, kwargs["log_trace"]).append((self, observer))
        observer(kwargs)

    def failure(
        self,
        format: str,
        failure: Failure | None = None,
        level: LogLevel = _CRITICAL,
        **kwargs: object,
    ) -> None:
        """Log an unexpected error with its traceback (``critical`` unless told otherwise).

        Args:
            format: The message, a PEP 3101 format string over the event's keys.
            failure: The error; None captures the exception being handled.
            level: The event's level.
            kwargs: The event's other keys.
        """
        if failure is None:
            failure = Failure()
        self.emit(level, format, log_failure=failure, **kwargs)

    def debug(self, format: str | None = None, **kwargs: object) -> None:
        """Emit an event at `LogLevel.debug`."""
        if self._wants(_DEBUG):
            self.emit(_DEBUG, format, **kwargs)

    def info(self, format: str | None = None, **kwargs: object) -> None:
        """Emit an event at `LogLevel.info`."""
        if self._wants(_INFO):
            self.emit(_INFO, format, **kwargs)

    def warn(self, format: str | None = None, **kwargs: object) -> None:
        """Emit an event at `LogLevel.warn`."""
        if self._wants(_WARN):
            self.emit(_WARN, format, **kwargs)

    def error(self, format: str | None = None, **kwargs: object) -> None:
        """Emit an event at `LogLevel.error`."""
        if self._wants(_ERROR):
            self.emit(_ERROR, format, **kwargs)

    def critical(self, format: str | None = None, **kwargs: object) -> None:
        """Emit an event at `LogLevel.critical`."""
        if self._wants(_CRITICAL):
            self.emit(_CRITICAL, format, **kwargs)

    def failuresHandled(
        self, format: str, level: LogLevel = _CRITICAL, **kwargs: object
    ) -> AbstractContextManager[Operation]:
        """A context manager that logs (with `failure`) and swallows what its body raises.

        It gives an `Operation` saying whether the body succeeded::

            with log.failuresHandled("while frobbing {knob}", knob=knob) as op:
                frob(knob)
            if op.succeeded:
                ...
        """
        return _FailCtxMgr(lambda f: self.failure(format, f, level, **kwargs))

    def failureHandler(
        self, staticMessage: str, level: LogLevel = _CRITICAL
    ) -> AbstractContextManager[None]:
        """A reusable context manager that logs and swallows what its body raises.

        It keeps no state, so hot code can make one once and enter it on every call.
        """
        return _FastFailCtxMgr(lambda f: self.failure(staticMessage, f, level))


def _loggerFor(obj: object) -> Logger:
    """A logger for ``obj``, as if read from a `Logger` attribute of its class."""
    owner = obj.__class__
    return Logger(f"{owner.__module__}.{owner.__name__}", obj)
