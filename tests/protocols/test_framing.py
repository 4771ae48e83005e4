"""The sans-IO decoders: chunking invariance against reference models, limits, linearity."""

from __future__ import annotations

import re
import struct
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from torsion.protocols._framing import (
    FramingError,
    IntNDecoder,
    LengthLimitExceeded,
    LineDecoder,
    LineTooLong,
    NetstringDecoder,
    NetstringParseError,
)

Decoder = LineDecoder | NetstringDecoder | IntNDecoder
Outcome = tuple[list[bytes], type[FramingError] | None]

fast = settings(max_examples=150, deadline=None)


def run(decoder: Decoder, chunks: list[bytes]) -> Outcome:
    """Feed ``chunks`` one by one, pulling frames after each; stop at the first error."""
    frames: list[bytes] = []
    for chunk in chunks:
        decoder.feed(chunk)
        try:
            while (frame := decoder.next()) is not None:
                frames.append(frame)
        except FramingError as e:
            return frames, type(e)
    return frames, None


def splits(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    return [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True)]


def chunkings(data: bytes, cuts: list[int]) -> list[list[bytes]]:
    """Whole, byte by byte, and split at ``cuts``."""
    return [[data], [data[i : i + 1] for i in range(len(data))], splits(data, cuts)]


# -- reference models: the whole stream at once, written the obvious way --------------------


def lineModel(data: bytes, delim: bytes, limit: int) -> Outcome:
    *lines, tail = data.split(delim)
    for i, line in enumerate(lines):
        if len(line) > limit:
            return lines[:i], LineTooLong
    return lines, (LineTooLong if len(tail) >= limit + len(delim) else None)


def netstringModel(data: bytes, limit: int) -> Outcome:
    frames: list[bytes] = []
    pos = 0
    digits = len(str(limit))
    while pos < len(data):
        m = re.compile(rb"[0-9]*").match(data, pos)
        assert m is not None
        number = m.group()
        if len(number) > digits:
            return frames, NetstringParseError
        if m.end() == len(data):
            return frames, None
        if data[m.end()] != ord(":") or not number or int(number) > limit:
            return frames, NetstringParseError
        start = m.end() + 1
        end = start + int(number)
        if end >= len(data):
            return frames, None
        if data[end] != ord(","):
            return frames, NetstringParseError
        frames.append(data[start:end])
        pos = end + 1
    return frames, None


def intNModel(data: bytes, fmt: str, limit: int) -> Outcome:
    frames: list[bytes] = []
    size = struct.calcsize(fmt)
    pos = 0
    while pos + size <= len(data):
        (length,) = struct.unpack_from(fmt, data, pos)
        if length > limit:
            return frames, LengthLimitExceeded
        if pos + size + length > len(data):
            break
        frames.append(data[pos + size : pos + size + length])
        pos += size + length
    return frames, None


def checkInvariance(
    make: Callable[[], Decoder], data: bytes, cuts: list[int], want: Outcome
) -> None:
    for chunks in chunkings(data, cuts):
        assert run(make(), chunks) == want, chunks


# -- line decoder ----------------------------------------------------------------------------

lineBytes = st.lists(st.sampled_from([b"a", b"bc", b"\r", b"\n", b"\r\n", b"\n\r"])).map(b"".join)
cutLists = st.lists(st.integers(min_value=0, max_value=10_000), max_size=8)


@fast
@given(lineBytes, cutLists, st.sampled_from([b"\r\n", b"\n", b"\r\n\r\n"]), st.integers(0, 6))
def test_lines_chunking_invariant(data: bytes, cuts: list[int], delim: bytes, limit: int) -> None:
    want = lineModel(data, delim, limit)
    checkInvariance(lambda: LineDecoder(delim, limit), data, cuts, want)


@fast
@given(lineBytes, cutLists, st.integers(0, 6))
def test_feedLines_matches_next(data: bytes, cuts: list[int], limit: int) -> None:
    """The bulk path gives the same lines and error as the one-at-a-time path."""
    for chunks in chunkings(data, cuts):
        decoder = LineDecoder(b"\r\n", limit)
        lines: list[bytes] = []
        error = None
        for chunk in chunks:
            try:
                lines += decoder.feedLines(chunk)
            except LineTooLong as e:
                lines += e.lines
                error = LineTooLong
                break
        assert (lines, error) == lineModel(data, b"\r\n", limit)


@fast
@given(
    lineBytes,
    cutLists,
    st.sampled_from([b"\r\n", b"\n", b"\r\n\r\n"]),
    st.integers(0, 6),
    st.lists(st.tuples(st.booleans(), st.integers(0, 3)), min_size=1),
)
def test_feedLines_next_and_unread_mixed(
    data: bytes, cuts: list[int], delim: bytes, limit: int, plan: list[tuple[bool, int]]
) -> None:
    """What `LineReceiver` does: bulk or one-at-a-time, putting back lines it did not use."""
    for chunks in chunkings(data, cuts):
        decoder = LineDecoder(delim, limit)
        lines: list[bytes] = []
        error = None
        for i, chunk in enumerate(chunks):
            bulk, keep = plan[i % len(plan)]
            try:
                if bulk and decoder.settled():
                    got = decoder.feedLines(chunk)
                    lines += got[:keep]
                    decoder.unread(got[keep:])
                else:
                    decoder.feed(chunk)
                while (line := decoder.next()) is not None:
                    lines.append(line)
            except LineTooLong as e:
                lines += e.lines
                error = LineTooLong
                break
        assert (lines, error) == lineModel(data, delim, limit)


def test_lone_cr_and_lf_stay_inside_the_line() -> None:
    decoder = LineDecoder(b"\r\n", 100)
    assert run(decoder, [b"a\rb\nc\r", b"\nd\n\r", b"\r\n"]) == ([b"a\rb\nc", b"d\n\r"], None)


def test_too_long_without_delimiter_is_raised_at_the_bound() -> None:
    """Nothing beyond ``maxLength + len(delimiter) - 1`` bytes is kept."""
    decoder = LineDecoder(b"\r\n", 10)
    decoder.feed(b"x" * 11)
    assert decoder.next() is None
    decoder.feed(b"\r")  # 10 + 2 bytes: the line cannot end before byte 11
    with pytest.raises(LineTooLong) as info:
        decoder.next()
    assert info.value.data == b"x" * 11 + b"\r"
    assert decoder.pending() == 0
    decoder.feed(b"ok\r\n")  # usable afterwards
    assert decoder.next() == b"ok"


def test_exactly_max_length_is_fine() -> None:
    decoder = LineDecoder(b"\r\n", 10)
    assert run(decoder, [b"x" * 10, b"\r", b"\n"]) == ([b"x" * 10], None)


def test_linear_work_for_a_long_line_fed_byte_by_byte() -> None:
    """Each byte is examined a bounded number of times, however the line is chunked."""
    size = 200_000
    decoder = LineDecoder(b"\r\n", size)
    for _ in range(size):
        decoder.feed(b"x")
        assert decoder.next() is None
    decoder.feed(b"\r\n")
    assert decoder.next() == b"x" * size
    assert decoder.scanned <= 2 * (size + 2)  # the delimiter overlap: each byte seen twice


def test_linear_work_for_many_lines_and_bulk_path() -> None:
    data = b"line\r\n" * 50_000
    decoder = LineDecoder()
    decoder.feed(data)
    count = 0
    while decoder.next() is not None:
        count += 1
    assert count == 50_000 and decoder.scanned == len(data)
    bulk = LineDecoder(b"\r\n", 10**6)
    for _ in range(100_000):
        bulk.feedLines(b"y")
    assert bulk.feedLines(b"\r\n") == [b"y" * 100_000]
    # The overlap kept for a delimiter split across chunks is rescanned: a constant factor.
    assert bulk.scanned <= 3 * 100_002


def test_empty_delimiter_is_rejected() -> None:
    with pytest.raises(ValueError):
        LineDecoder(b"", 10)


# -- netstrings ------------------------------------------------------------------------------

netBytes = st.lists(
    st.one_of(
        st.binary(max_size=6).map(lambda s: b"%d:%s," % (len(s), s)),
        st.sampled_from([b"1", b"0", b":", b",", b"a", b"-", b" ", b"12"]),
    ),
    max_size=12,
).map(b"".join)


@fast
@given(netBytes, cutLists, st.sampled_from([0, 5, 99, 99999]))
def test_netstrings_chunking_invariant(data: bytes, cuts: list[int], limit: int) -> None:
    want = netstringModel(data, limit)
    checkInvariance(lambda: NetstringDecoder(limit), data, cuts, want)


GARBAGE = [
    b"abc",
    b":abc,",
    b"3abc,",
    b"3:abcd,",
    b"-1:a,",
    b"+3:abc,",
    b" 3:abc,",
    b"100000:",
    b"99999999999999999999:",
]


@pytest.mark.parametrize("data", GARBAGE)
def test_netstring_garbage(data: bytes) -> None:
    assert run(NetstringDecoder(99999), [data]) == ([], NetstringParseError)


def test_netstring_oversized_is_refused_before_buffering() -> None:
    decoder = NetstringDecoder(99999)
    decoder.feed(b"999999")
    with pytest.raises(NetstringParseError):
        decoder.next()
    assert decoder.pending() == 6  # only the prefix, never the announced megabyte


def test_netstring_truncated_and_empty() -> None:
    decoder = NetstringDecoder()
    assert run(decoder, [b"5:abc,"]) == ([], None)
    assert decoder.inFrame()
    assert run(NetstringDecoder(), [b"0:,"]) == ([b""], None)


# -- length prefixes -------------------------------------------------------------------------


@fast
@given(
    st.sampled_from(["!B", "!H", "!I"]),
    st.lists(st.binary(max_size=20), max_size=8),
    st.binary(max_size=6),
    cutLists,
    st.sampled_from([5, 99999]),
)
def test_intN_chunking_invariant(
    fmt: str, strings: list[bytes], junk: bytes, cuts: list[int], limit: int
) -> None:
    data = b"".join(struct.pack(fmt, len(s)) + s for s in strings) + junk
    want = intNModel(data, fmt, limit)
    checkInvariance(lambda: IntNDecoder(fmt, limit), data, cuts, want)


@fast
@given(
    st.sampled_from(["!B", "!H", "!I"]),
    st.lists(st.binary(max_size=20), max_size=8),
    st.binary(max_size=6),
    cutLists,
    st.sampled_from([5, 99999]),
    st.lists(st.tuples(st.booleans(), st.integers(0, 3)), min_size=1),
)
def test_intN_feedStrings_next_and_unread_mixed(
    fmt: str,
    strings: list[bytes],
    junk: bytes,
    cuts: list[int],
    limit: int,
    plan: list[tuple[bool, int]],
) -> None:
    data = b"".join(struct.pack(fmt, len(s)) + s for s in strings) + junk
    for chunks in chunkings(data, cuts):
        decoder = IntNDecoder(fmt, limit)
        frames: list[bytes] = []
        error = None
        for i, chunk in enumerate(chunks):
            bulk, keep = plan[i % len(plan)]
            try:
                if bulk and decoder.settled():
                    got = decoder.feedStrings(chunk)
                    frames += got[:keep]
                    decoder.unread(got[keep:])
                else:
                    decoder.feed(chunk)
                while (frame := decoder.next()) is not None:
                    frames.append(frame)
            except LengthLimitExceeded:
                error = LengthLimitExceeded
                break
        assert (frames, error) == intNModel(data, fmt, limit)


def test_intN_huge_prefix_raises_before_buffering() -> None:
    decoder = IntNDecoder("!I", 99999)
    decoder.feed(b"\xff\xff\xff\xff" + b"x" * 1000)
    with pytest.raises(LengthLimitExceeded) as info:
        decoder.next()
    assert info.value.length == 0xFFFFFFFF
