"""Fields bound from the context of an event's origin: request ids, connection ids, ...

Twisted's events carry only what the logging call names. A service that tags every line of a
request with its id would have to pass that id to every call. Here the application binds a
`contextvars.ContextVar` to a field name once (`bindContextVar`), or sets fields for a block
(`logContext`), and every event emitted where that variable is set (by `Logger`, by
``python.log``, or by stdlib logging through torsion's stream) carries the field. A field the
call names itself wins over a bound one.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, MutableMapping
from contextvars import ContextVar
from types import MappingProxyType
from typing import Any

_MISSING = object()
_bound: dict[str, ContextVar[Any]] = {}
_NO_FIELDS: Mapping[str, Any] = MappingProxyType({})
_blockFields: ContextVar[Mapping[str, Any]] = ContextVar(
    "torsion.logger.logContext", default=_NO_FIELDS
)


def bindContextVar(var: ContextVar[Any], field: str | None = None) -> None:
    """Put ``var``'s value, wherever it is set, into every event as ``field`` (its name)."""
    _bound[field if field is not None else var.name] = var


def unbindContextVar(var: ContextVar[Any]) -> None:
    """Stop putting ``var``'s value into events."""
    for field in [f for f, bound in _bound.items() if bound is var]:
        del _bound[field]


@contextlib.contextmanager
def logContext(**fields: Any) -> Iterator[None]:
    """Add ``fields`` to every event emitted in this block (and in tasks it starts)."""
    token = _blockFields.set({**_blockFields.get(), **fields})
    try:
        yield
    finally:
        _blockFields.reset(token)


def hasContextFields() -> bool:
    """Whether any field may have to be added here (cheap: asked for every event)."""
    return bool(_bound) or bool(_blockFields.get())


def addContextFields(event: MutableMapping[str, Any]) -> None:
    """Add the bound and block fields that are set here to ``event``, keeping its own."""
    for field, value in _blockFields.get().items():
        event.setdefault(field, value)
    for field, var in _bound.items():
        value = var.get(_MISSING)
        if value is not _MISSING:
            event.setdefault(field, value)
