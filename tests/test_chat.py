"""The chat's sans-IO `LineSplitter`: chunking invariance, CRLF, the length bound."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from torsion._chat import LineSplitter, LineTooLong


def feedAll(splitter: LineSplitter, chunks: list[bytes]) -> list[bytes]:
    return [line for chunk in chunks for line in splitter.feed(chunk)]


def test_splitsAndStripsCR() -> None:
    splitter = LineSplitter()
    assert splitter.feed(b"a\r\nb\n\nc") == [b"a", b"b", b""]
    assert splitter.feed(b"\r") == []
    assert splitter.feed(b"\n") == [b"c"]


@given(
    st.lists(st.binary(max_size=40).map(lambda b: b.replace(b"\n", b"")), max_size=20),
    st.lists(st.integers(min_value=0, max_value=1000), max_size=30),
)
def test_chunkingInvariance(lines: list[bytes], cuts: list[int]) -> None:
    data = b"".join(line + b"\n" for line in lines)
    points = sorted({0, len(data), *(c % (len(data) + 1) for c in cuts)})
    chunks = [data[a:b] for a, b in itertools.pairwise(points)]
    expected = [line[:-1] if line.endswith(b"\r") else line for line in lines]
    assert feedAll(LineSplitter(), chunks) == expected
    assert feedAll(LineSplitter(), [data[i : i + 1] for i in range(len(data))]) == expected


def test_maxLengthAllowed() -> None:
    splitter = LineSplitter(maxLength=8)
    assert splitter.feed(b"x" * 8 + b"\r") == []
    assert splitter.feed(b"\n") == [b"x" * 8]


@pytest.mark.parametrize("data", [b"x" * 9, b"ok\n" + b"x" * 9 + b"\n", b"ok\n" + b"x" * 20])
def test_tooLong(data: bytes) -> None:
    with pytest.raises(LineTooLong) as info:
        LineSplitter(maxLength=8).feed(data)
    assert info.value.lines == ([b"ok"] if data.startswith(b"ok") else [])


def test_tooLongByteByByte() -> None:
    splitter = LineSplitter(maxLength=8)
    for _ in range(8):
        splitter.feed(b"x")
    with pytest.raises(LineTooLong):
        splitter.feed(b"x")
