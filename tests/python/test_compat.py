"""Tests for `torsion.python.compat`: bytes and text helpers, ``cmp`` and `comparable`."""

from __future__ import annotations

import codecs
import io
import platform
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from torsion.python import compat
from torsion.python.compat import (
    _PYPY,
    cmp,
    comparable,
    currentframe,
    execfile,
    intToBytes,
    ioType,
    iterbytes,
    lazyByteSlice,
    nativeString,
    networkString,
    unicode,
)


def test_nativeString() -> None:
    assert nativeString(b"abc") == "abc"
    assert nativeString("abc") == "abc"
    with pytest.raises(UnicodeError):
        nativeString("é")
    with pytest.raises(UnicodeError):
        nativeString(b"\xff")
    with pytest.raises(TypeError):
        nativeString(1)  # type: ignore[type-var]


def test_networkString() -> None:
    assert networkString("GET / HTTP/1.1") == b"GET / HTTP/1.1"
    with pytest.raises(UnicodeError):
        networkString("é")
    with pytest.raises(TypeError):
        networkString(b"bytes")  # type: ignore[arg-type]


@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_ascii_round_trip(text: str) -> None:
    assert nativeString(networkString(text)) == text


@given(st.binary())
def test_iterbytes_yields_one_byte_strings(data: bytes) -> None:
    pieces = list(iterbytes(data))
    assert all(len(piece) == 1 for piece in pieces)
    assert b"".join(pieces) == data


@given(st.integers())
def test_intToBytes(i: int) -> None:
    assert intToBytes(i) == str(i).encode("ascii")


@given(st.binary(), st.integers(0, 20), st.one_of(st.none(), st.integers(0, 20)))
def test_lazyByteSlice(data: bytes, offset: int, size: int | None) -> None:
    view = lazyByteSlice(data, offset, size)
    assert isinstance(view, memoryview)
    expected = data[offset:] if size is None else data[offset : offset + size]
    assert bytes(view) == expected


def test_cmp() -> None:
    assert cmp(1, 2) == -1
    assert cmp("b", "b") == 0
    assert cmp((2,), (1, 5)) == 1


@comparable
class Comparable:
    """Orders by ``value``, through ``__cmp__`` only."""

    def __init__(self, value: int) -> None:
        self.value = value

    def __cmp__(self, other: object) -> Any:
        if not isinstance(other, Comparable):
            return NotImplemented
        return cmp(self.value, other.value)


@given(st.integers(-3, 3), st.integers(-3, 3))
def test_comparable_matches_the_values(a: int, b: int) -> None:
    x: Any = Comparable(a)
    y: Any = Comparable(b)
    assert (x == y, x != y, x < y, x <= y, x > y, x >= y) == (
        a == b,
        a != b,
        a < b,
        a <= b,
        a > b,
        a >= b,
    )


def test_comparable_passes_NotImplemented_on() -> None:
    x: Any = Comparable(1)
    assert x != object()
    assert (x == "1") is False
    with pytest.raises(TypeError):
        x < object()  # noqa: B015


def test_ioType(tmp_path: Path) -> None:
    assert ioType(io.StringIO()) is str
    assert ioType(io.BytesIO()) is bytes
    with open(tmp_path / "t", "w") as text, open(tmp_path / "b", "wb") as binary:
        assert ioType(text) is str
        assert ioType(binary) is bytes
    writer: Any = codecs.getwriter("utf-8")(io.BytesIO())
    assert ioType(writer) is bytes  # a codecs stream without an encoding passes bytes
    writer.encoding = "utf-8"
    assert ioType(writer) is str
    assert ioType(object()) is str
    assert ioType(object(), bytes) is bytes


def test_currentframe() -> None:
    def inner() -> str:
        return currentframe(1).f_code.co_name

    assert currentframe().f_code.co_name == "test_currentframe"
    assert inner() == "test_currentframe"


def test_execfile(tmp_path: Path) -> None:
    script = tmp_path / "script.py"
    script.write_text("y = x + 1\n")
    namespace: dict[str, Any] = {"x": 1}
    execfile(str(script), namespace)
    assert namespace["y"] == 2
    local: dict[str, Any] = {}
    execfile(str(script), {"x": 5}, local)
    assert local == {"y": 6}


def test_constants() -> None:
    assert unicode is str
    assert (platform.python_implementation() == "PyPy") is _PYPY
    assert hasattr(sys, "pypy_version_info") is _PYPY


def test_bytesEnviron_is_the_environment_as_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TORSION_COMPAT_TEST", "value")
    assert compat.bytesEnviron()[b"TORSION_COMPAT_TEST"] == b"value"


def test_reraise_keeps_the_traceback() -> None:
    try:
        raise ValueError("first")
    except ValueError as e:
        original = e.__traceback__
    with pytest.raises(ValueError, match="first") as raised:
        compat.reraise(ValueError("first"), original)
    assert raised.value.__traceback__ is not None
    assert raised.value.__traceback__.tb_next is not None
