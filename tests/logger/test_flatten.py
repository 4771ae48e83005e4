"""Tests for `torsion.logger._flatten`: field resolution, flattening, `extractField`."""

from __future__ import annotations

import _string  # type: ignore[import-not-found]  # CPython's own field-name splitter
import json
from itertools import count
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from torsion.logger import extractField, formatEvent
from torsion.logger._flatten import (
    KeyFlattener,
    _splitFieldName,
    aFormatter,
    flattenEvent,
    resolveField,
)
from torsion.logger._interfaces import LogEvent


def referenceSplit(name: str) -> tuple[Any, list[tuple[bool, Any]]] | type[ValueError]:
    try:
        first, rest = _string.formatter_field_name_split(name)
        return first, list(rest)
    except ValueError:
        return ValueError


def ourSplit(name: str) -> tuple[Any, list[tuple[bool, Any]]] | type[ValueError]:
    try:
        return _splitFieldName(name)
    except ValueError:
        return ValueError


@given(st.text(alphabet="ab0.[]() _", max_size=12))
def test_splitFieldNameAsStrFormatDoes(name: str) -> None:
    assert ourSplit(name) == referenceSplit(name)


@given(st.from_regex(r"\A[a-z]{1,3}(\.[a-z]{1,3}|\[[0-9a-z]{1,2}\])*\Z"))
def test_splitFieldNameOfValidFields(name: str) -> None:
    assert ourSplit(name) == referenceSplit(name)


class Node:
    def __init__(self, **attributes: Any) -> None:
        self.__dict__.update(attributes)

    def method(self) -> str:
        return "called"


MAPPING: dict[str, Any] = {
    "a": Node(b=[10, Node(c="deep")], d={"k": "v", 0: "zero"}, method=None),
    "n": 7,
    "f": lambda: "result",
    "o": Node(),
}


@pytest.mark.parametrize("field", ["a.b[0]", "a.b[1].c", "a.d[k]", "a.d[0]", "n", "a.b", "a.d"])
def test_resolveFieldAsFormatMap(field: str) -> None:
    assert format(resolveField(field, MAPPING)) == ("{" + field + "}").format_map(MAPPING)


def test_resolveFieldCalls() -> None:
    assert resolveField("f()", MAPPING) == "result"
    assert resolveField("o.method()", MAPPING) == "called"
    with pytest.raises(KeyError):
        resolveField("missing", MAPPING)
    with pytest.raises(AttributeError):
        resolveField("o.missing()", MAPPING)


def test_keyFlattener() -> None:
    def key(text: str) -> str:
        [(_, name, spec, conversion)] = aFormatter.parse(text)
        assert name is not None
        return KeyFlattener().flatKey(name, spec, conversion)

    assert key("{foo}") == "foo!:"
    assert key("{foo!r}") == "foo!r:"
    assert key("{foo:>5}") == "foo!:>5"
    assert key("{foo!s::}") == "foo!s::"
    flattener = KeyFlattener()
    assert [flattener.flatKey("x", "", None) for _ in range(3)] == ["x!:", "x!:/2", "x!:/3"]


def test_flattenedEventFormatsAfterJSON() -> None:
    counter = count()

    class Ephemeral:
        attribute = "value"

    event: LogEvent = {
        "log_format": "{call()} {obj.attribute} {n!r} {n!s} {s!r} {u}",
        "call": lambda: next(counter),
        "obj": Ephemeral(),
        "n": 7,
        "s": "hello",
        "u": "ö",
    }
    flattenEvent(event)
    loaded = json.loads(json.dumps({k: v for k, v in event.items() if k not in ("call", "obj")}))
    assert formatEvent(loaded) == "0 value 7 7 'hello' ö"


def test_flattenedTextIsKeptFromFlatteningTime() -> None:
    class Changing:
        text = "before"

        def __str__(self) -> str:
            return self.text

    value = Changing()
    event: LogEvent = {"log_format": "{v} {v}", "v": value}
    flattenEvent(event)
    value.text = "after"
    assert formatEvent(event) == "before before"
    flattenEvent(event)  # flattening again keeps what is there
    assert formatEvent(event) == "before before"


def test_flattenLeavesOutWhatCannotBeRendered() -> None:
    event: LogEvent = {"log_format": "{ok} {missing} {boom()}", "ok": 1, "boom": lambda: 1 / 0}
    flattenEvent(event)
    assert set(event["log_flattened"]) == {"ok!s:", "ok!:"}
    assert formatEvent(event).startswith("Unable to format event")


@pytest.mark.parametrize("format", [None, "plain text", "{", b"\xff{x}", 12])
def test_flattenWithoutFieldsChangesNothing(format: Any) -> None:
    event: LogEvent = {"log_format": format, "x": 1}
    flattenEvent(event)
    assert "log_flattened" not in event


def test_flattenBytesFormat() -> None:
    event: LogEvent = {"log_format": b"S{a}nchez", "a": "á"}
    flattenEvent(event)
    assert formatEvent(event) == "Sánchez"


def test_extractField() -> None:
    class Something:
        number = 7
        obj = Node()

        def __repr__(self) -> str:
            return "something"

    event: LogEvent = {"log_format": "{something.number} {something!r}", "something": Something()}
    assert extractField("something.number", event) == 7
    assert extractField("something.number!s", event) == "7"
    assert extractField("something!r", event) == "something"
    with pytest.raises(KeyError):
        extractField("something.obj", event)
    loaded = json.loads(json.dumps({"log_format": event["log_format"], **_texts(event)}))
    assert extractField("something.number", loaded) == 7


def _texts(event: LogEvent) -> dict[str, Any]:
    flat = event["log_flattened"]
    return {"log_flattened": {k: v for k, v in flat.items() if isinstance(v, int | str)}}
