"""`ILogObserver`, the interface of whatever receives log events, and the event types.

An observer is any callable taking the event: `ILogObserver.providedBy` answers by structure
(a plain function or ``list.append`` is one), and by declaration when zope.interface is
installed (``@implementer(ILogObserver)``, ``verifyObject(ILogObserver, obj)``), as torsion's
other interfaces do (`torsion.internet._interfacemeta`).

An observer may also offer ``_wantsEvent(namespace, level) -> bool``, returning False only
when it would certainly drop every event of that namespace and level; `torsion.logger.Logger`
asks it before building an event, so a filtered-out call costs almost nothing.
"""

from __future__ import annotations

from typing import Any, Protocol, TypeAlias, runtime_checkable

from torsion.internet._interfacemeta import InterfaceMeta

__all__ = ["ILogObserver", "LogEvent", "LogTrace"]

#: A log event: a dictionary of the emitter's fields and the logging system's ``log_*`` keys.
LogEvent: TypeAlias = dict[str, Any]


@runtime_checkable
class ILogObserver(Protocol, metaclass=InterfaceMeta):
    """Receives log events; it must be thread-safe, since any thread may log at any time."""

    def __call__(self, event: LogEvent, /) -> None:
        """Handle one event.

        The logging system owns the keys starting with ``log_``; those it uses:

        * ``log_format``: a PEP 3101 format string over the event's keys, for people to read;
        * ``log_flattened``: the format's fields rendered ahead of time
          (`torsion.logger.extractField` reads them);
        * ``log_trace``: a list recording which publishers forwarded the event to whom;
        * ``log_level``: a `torsion.logger.LogLevel`;
        * ``log_namespace``: the emitter's namespace (a dotted name);
        * ``log_system``: the network event or call that led to the event;
        * ``log_time``, ``log_source``, ``log_logger``, ``log_failure``: when, from which
          object, through which `torsion.logger.Logger`, and the error logged, if any.
        """
        ...


#: The ``log_trace`` key of an event: (forwarder, observer) pairs, in the order they happened;
#: a forwarder is the `torsion.logger.Logger` that emitted it or a publisher or filter.
LogTrace: TypeAlias = list[tuple[object, ILogObserver]]
