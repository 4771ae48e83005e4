"""Format fields: resolving them (with the ``()`` call syntax), and flattening events.

A format field may end a name or attribute in ``()`` to call it at format time
(``"{request.getHost()}"``). `aFormatter` is a `string.Formatter` that understands this.

Flattening (`flattenEvent`) renders every field of an event's format ahead of time into the
event's ``log_flattened`` dictionary: for ``{x!r}`` both the text ``repr(x)`` and the value
``x``, under keys made by `KeyFlattener`. A flattened event still formats (`flatFormat`) and
still gives up its fields (`extractField`) after it went through JSON, where the objects
themselves are lost.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from string import Formatter
from typing import Any

from torsion.logger._interfaces import LogEvent

__all__ = ["KeyFlattener", "aFormatter", "extractField", "flatFormat", "flattenEvent"]

_Parsed = tuple[tuple[str, str | None, str | None, str | None], ...]
_NAME = re.compile(r"[^.[]*")


def _splitFieldName(fieldName: str) -> tuple[int | str, list[tuple[bool, int | str]]]:
    """Split ``a.b[0]`` into ``"a"`` and ``[(True, "b"), (False, 0)]``, as str.format does."""
    match = _NAME.match(fieldName)
    assert match is not None  # the pattern matches the empty string
    first = match.group()
    position = match.end()
    rest: list[tuple[bool, int | str]] = []
    while position < len(fieldName):
        if fieldName[position] == ".":
            match = _NAME.match(fieldName, position + 1)
            assert match is not None
            if not match.group():
                raise ValueError("Empty attribute in format string")
            rest.append((True, match.group()))
            position = match.end()
            continue
        end = fieldName.find("]", position + 1)
        if end < 0:
            raise ValueError("Missing ']' in format string")
        key = fieldName[position + 1 : end]
        if not key:
            raise ValueError("Empty attribute in format string")
        rest.append((False, int(key) if key.isdecimal() else key))
        position = end + 1
        if position < len(fieldName) and fieldName[position] not in ".[":
            raise ValueError("Only '.' or '[' may follow ']' in format field specifier")
    return (int(first) if first.isdecimal() else first), rest


def _maybeCall(key: int | str, get: Callable[[Any], Any]) -> Any:
    """``get(key)``, called if ``key`` ends in ``()`` (looked up without it)."""
    if isinstance(key, str) and key.endswith("()"):
        return get(key[:-2])()
    return get(key)


def resolveField(fieldName: str, mapping: Mapping[str, Any]) -> Any:
    """The value the format field ``fieldName`` stands for in ``mapping`` (calls included)."""
    first, rest = _splitFieldName(fieldName)
    value = _maybeCall(first, mapping.__getitem__)
    for isAttribute, key in rest:
        value = _maybeCall(key, functools.partial(getattr, value)) if isAttribute else value[key]
    return value


class _CallingFormatter(Formatter):
    """A `string.Formatter` for named fields only, where ``name()`` calls ``name``."""

    def get_field(
        self, field_name: str, args: Sequence[Any], kwargs: Mapping[str, Any]
    ) -> tuple[Any, int | str]:
        return resolveField(field_name, kwargs), field_name


aFormatter = _CallingFormatter()


@functools.lru_cache(maxsize=1024)
def parsedFormat(format: str) -> _Parsed:
    """``format`` split into (literal, field, spec, conversion) parts (remembered)."""
    return tuple(aFormatter.parse(format))


def formatText(format: object) -> str:
    """A log format as text: str as it is, bytes as UTF-8.

    Raises:
        TypeError: ``format`` is neither.
        UnicodeDecodeError: ``format`` is bytes that are not UTF-8.
    """
    if isinstance(format, str):
        return format
    if isinstance(format, bytes):
        return format.decode("utf-8")
    raise TypeError(f"Log format must be str, not {format!r}")


class KeyFlattener:
    """Makes the ``log_flattened`` key of each field of one format string.

    The key is ``name!conversion:spec``; a field seen again gets ``/2``, ``/3``... appended,
    so the same field used twice keeps both renderings.
    """

    def __init__(self) -> None:
        self.keys: dict[str, int] = defaultdict(int)

    def flatKey(self, fieldName: str, formatSpec: str | None, conversion: str | None) -> str:
        """The key for this occurrence of ``{fieldName!conversion:formatSpec}``."""
        key = f"{fieldName}!{conversion or ''}:{formatSpec or ''}"
        self.keys[key] += 1
        count = self.keys[key]
        return key if count == 1 else f"{key}/{count}"


def flattenEvent(event: LogEvent) -> None:
    """Render the fields of ``event``'s format into ``event["log_flattened"]``.

    Fields already there are kept. A field that cannot be resolved or rendered (missing,
    raising) is left out, so formatting the event later reports it; a malformed format
    flattens nothing.
    """
    if event.get("log_format") is None:
        return
    try:
        parts = parsedFormat(formatText(event["log_format"]))
    except (TypeError, ValueError):
        return
    fields: dict[str, Any] = event.get("log_flattened", {})
    flattener = KeyFlattener()
    for _, fieldName, formatSpec, conversion in parts:
        if fieldName is None:
            continue
        conversion = "r" if conversion == "r" else "s"
        flattenedKey = flattener.flatKey(fieldName, formatSpec, conversion)
        structuredKey = flattener.flatKey(fieldName, formatSpec, "")
        if flattenedKey in fields:
            continue
        try:
            value = resolveField(fieldName, event)
            text = repr(value) if conversion == "r" else str(value)
        except Exception:
            continue
        fields[flattenedKey] = text
        fields[structuredKey] = value
    if fields:
        event["log_flattened"] = fields


def extractField(field: str, event: LogEvent) -> Any:
    """The value of the format field ``field`` (``"key[2].attribute"``) in ``event``.

    With a conversion (``"x!r"``) the value is the rendered text. Works the same on an event
    read back from JSON, from its flattened fields.

    Raises:
        KeyError: ``field`` is not a field of the event's format.
    """
    [(_, fieldName, formatSpec, conversion)] = aFormatter.parse("{" + field + "}")
    assert fieldName is not None
    key = KeyFlattener().flatKey(fieldName, formatSpec, conversion)
    if "log_flattened" not in event:
        flattenEvent(event)
    return event["log_flattened"][key]


def flatFormat(event: LogEvent) -> str:
    """Format a flattened event from its ``log_flattened`` texts.

    Raises:
        KeyError: A field of the format was not flattened.
    """
    values = event["log_flattened"]
    flattener = KeyFlattener()
    pieces = []
    for literal, fieldName, formatSpec, conversion in parsedFormat(formatText(event["log_format"])):
        pieces.append(literal)
        if fieldName is not None:
            pieces.append(str(values[flattener.flatKey(fieldName, formatSpec, conversion or "s")]))
    return "".join(pieces)
