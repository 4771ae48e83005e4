"""torsion.protocols.basic against StringTransport, Twisted's parser, and real sockets."""

from __future__ import annotations

import io
import logging
import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.internet._tcphelpers import Recorder, connectPair, runUntil
from tests.protocols.test_framing import chunkings, lineBytes, lineModel
from torsion.internet.defer import Deferred, gatherResults
from torsion.internet.protocol import connectionDone
from torsion.internet.testing import StringTransport
from torsion.protocols import basic
from torsion.python.failure import Failure


class Lines(basic.LineReceiver):
    """Records lines, raw data and exceeded lines; optional hooks per line."""

    def __init__(self) -> None:
        self.events: list[tuple[str, bytes]] = []
        self.onLine: Any = None

    def lineReceived(self, line: bytes) -> object:
        self.events.append(("line", line))
        return self.onLine(line) if self.onLine else None

    def rawDataReceived(self, data: bytes) -> None:
        self.events.append(("raw", data))

    def lineLengthExceeded(self, line: bytes) -> None:
        self.events.append(("exceeded", line))


def connect(proto: Any) -> StringTransport:
    transport = StringTransport()
    proto.makeConnection(transport)
    return transport


def lines(proto: Lines) -> list[bytes]:
    return [data for kind, data in proto.events if kind == "line"]


def test_lines_split_anyhow() -> None:
    """A 1,000-line stream split at every single position gives the same lines."""
    data = b"".join(b"line %d\rx%s\n\r\n" % (i, b"x" * (i % 7)) for i in range(1000))
    want = [b"line %d\rx%s\n" % (i, b"x" * (i % 7)) for i in range(1000)]
    for cut in [*range(0, 60), *random.Random(1).sample(range(len(data)), 40)]:
        proto = Lines()
        connect(proto)
        proto.dataReceived(data[:cut])
        proto.dataReceived(data[cut:])
        assert lines(proto) == want


def test_sendLine_and_default_delimiter() -> None:
    proto = Lines()
    transport = connect(proto)
    proto.sendLine(b"hello")
    assert transport.value() == b"hello\r\n"


def test_custom_delimiter() -> None:
    proto = Lines()
    proto.delimiter = b"\n"
    connect(proto)
    proto.dataReceived(b"a\nb\r\nc")
    assert lines(proto) == [b"a", b"b\r"]


def test_oversized_line_closes_by_default_and_buffers_nothing() -> None:
    proto = basic.LineReceiver()
    proto.MAX_LENGTH = 10
    transport = connect(proto)
    proto.dataReceived(b"x" * 100_000)
    assert transport.disconnecting
    assert proto.clearLineBuffer() == b""


def test_oversized_line_with_delimiter() -> None:
    proto = Lines()
    proto.MAX_LENGTH = 3
    connect(proto)
    proto.dataReceived(b"abc\r\nabcd\r\nrest")
    assert proto.events == [("line", b"abc"), ("exceeded", b"abcd\r\nrest")]


def test_raw_mode_switch_applies_to_rest_of_buffer() -> None:
    proto = Lines()
    connect(proto)
    proto.onLine = lambda line: proto.setRawMode() if line == b"raw" else None
    proto.dataReceived(b"a\r\nraw\r\nb\r\nc")
    assert proto.events == [("line", b"a"), ("line", b"raw"), ("raw", b"b\r\nc")]
    proto.setLineMode(b"d\r\ne")
    proto.dataReceived(b"\r\n")
    assert proto.events[3:] == [("line", b"d"), ("line", b"e")]


def test_mode_switch_ten_thousand_times_in_one_dataReceived() -> None:
    """lineReceived -> raw mode; rawDataReceived takes 3 bytes and hands the rest back."""

    class Switching(Lines):
        def rawDataReceived(self, data: bytes) -> None:
            self.events.append(("raw", data[:3]))
            self.setLineMode(data[3:])

    proto = Switching()
    connect(proto)
    proto.onLine = lambda line: proto.setRawMode()
    proto.dataReceived(b"L\r\nRAW" * 10_000)
    assert proto.events == [("line", b"L"), ("raw", b"RAW")] * 10_000


def test_clearLineBuffer_from_lineReceived_returns_the_rest() -> None:
    proto = Lines()
    connect(proto)
    rest: list[bytes] = []
    proto.onLine = lambda line: rest.append(proto.clearLineBuffer())
    proto.dataReceived(b"one\r\ntwo\r\nthr")
    assert lines(proto) == [b"one"] and rest == [b"two\r\nthr"]


def test_pause_delivers_buffered_lines_one_at_a_time() -> None:
    proto = Lines()
    transport = connect(proto)
    proto.onLine = lambda line: proto.pauseProducing()
    proto.dataReceived(b"".join(b"%d\r\n" % i for i in range(100)))
    assert lines(proto) == [b"0"] and transport.producerState == "paused"
    for i in range(1, 100):
        proto.resumeProducing()
        assert lines(proto)[-1] == b"%d" % i and len(lines(proto)) == i + 1
    proto.onLine = None
    proto.resumeProducing()
    proto.dataReceived(b"more\r\n")
    assert lines(proto)[-1] == b"more"
    proto.stopProducing()
    proto.dataReceived(b"never\r\n")
    # mypy keeps the narrowing of producerState from the assert above across the calls.
    assert lines(proto)[-1] == b"more" and transport.producerState == "stopped"  # type: ignore[comparison-overlap]


def test_pausing_after_every_line_stays_linear() -> None:
    """Resuming goes one line at a time: the buffered rest is not split again each time."""
    proto = Lines()
    connect(proto)
    proto.onLine = lambda line: proto.pauseProducing()
    data = b"line\r\n" * 5_000
    proto.dataReceived(data)
    for _ in range(5_000):
        proto.resumeProducing()
    assert len(lines(proto)) == 5_000
    assert proto._decoder is not None and proto._decoder.scanned <= 2 * len(data)


def test_no_lines_after_disconnecting() -> None:
    proto = Lines()
    transport = connect(proto)
    proto.onLine = lambda line: transport.loseConnection() if line == b"quit" else None
    proto.dataReceived(b"a\r\nquit\r\nb\r\n")
    assert lines(proto) == [b"a", b"quit"]


def test_true_return_stops_and_closes() -> None:
    proto = Lines()
    transport = connect(proto)
    proto.onLine = lambda line: line == b"stop"
    proto.dataReceived(b"stop\r\nb\r\n")
    assert lines(proto) == [b"stop"] and transport.disconnecting


def test_delimiter_must_be_bytes() -> None:
    proto = Lines()
    proto.delimiter = "\n"  # type: ignore[assignment]
    connect(proto)
    with pytest.raises(TypeError):
        proto.dataReceived(b"x\n")


# -- differential: Twisted's LineReceiver on the same random input ------------------------------

twistedBasic = pytest.importorskip("twisted.protocols.basic")
twistedTesting = pytest.importorskip("twisted.internet.testing")


def drive(proto: Any, transport: Any, chunks: list[bytes]) -> list[tuple[str, bytes]]:
    proto.events = []
    proto.MAX_LENGTH = 5
    proto.makeConnection(transport)
    for chunk in chunks:
        proto.dataReceived(chunk)
    return list(proto.events)


class TwistedLines(twistedBasic.LineReceiver):  # type: ignore[misc,name-defined]
    def lineReceived(self, line: bytes) -> None:
        self.events.append(("line", line))
        if line == b"R":
            self.setRawMode()

    def rawDataReceived(self, data: bytes) -> None:
        self.events.append(("raw", data))
        self.setLineMode(data[1:])

    def lineLengthExceeded(self, line: bytes) -> None:
        self.events.append(("exceeded", line))


class OurLines(Lines):
    def lineReceived(self, line: bytes) -> None:
        self.events.append(("line", line))
        if line == b"R":
            self.setRawMode()

    def rawDataReceived(self, data: bytes) -> None:
        self.events.append(("raw", data))
        self.setLineMode(data[1:])


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from([b"a", b"R", b"\r", b"\n", b"\r\n"])).map(b"".join)),
)
def test_same_events_as_twisted(chunks: list[bytes]) -> None:
    ours = drive(OurLines(), StringTransport(), chunks)
    theirs = drive(TwistedLines(), twistedTesting.StringTransport(), chunks)
    assert ours == theirs


class TwistedPausing(TwistedLines):
    def lineReceived(self, line: bytes) -> None:
        super().lineReceived(line)
        if line == b"P":
            self.pauseProducing()


class OurPausing(OurLines):
    def lineReceived(self, line: bytes) -> None:
        super().lineReceived(line)
        if line == b"P":
            self.pauseProducing()


def drivePausing(proto: Any, transport: Any, chunks: list[bytes]) -> list[tuple[str, bytes]]:
    """Like `drive`, resuming after each chunk, so paused lines come out of the buffer."""
    proto.events = []
    proto.MAX_LENGTH = 5
    proto.makeConnection(transport)
    for chunk in chunks:
        proto.dataReceived(chunk)
        proto.events.append(("resume", b""))
        if proto.paused:
            proto.resumeProducing()
    return list(proto.events)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from([b"a", b"R", b"P", b"\r", b"\n", b"\r\n"])).map(b"".join)),
)
def test_same_events_as_twisted_with_pauses(chunks: list[bytes]) -> None:
    ours = drivePausing(OurPausing(), StringTransport(), chunks)
    theirs = drivePausing(TwistedPausing(), twistedTesting.StringTransport(), chunks)
    assert ours == theirs


# -- LineOnlyReceiver --------------------------------------------------------------------------


class OnlyLines(basic.LineOnlyReceiver):
    def __init__(self) -> None:
        self.lines: list[bytes] = []

    def lineReceived(self, line: bytes) -> None:
        self.lines.append(line)
        if line == b"quit":
            assert self.transport is not None
            self.transport.loseConnection()


def test_line_only() -> None:
    proto = OnlyLines()
    transport = connect(proto)
    proto.dataReceived(b"a\r\nb\r")
    proto.dataReceived(b"\nquit\r\nc\r\n")
    assert proto.lines == [b"a", b"b", b"quit"]
    proto.sendLine(b"x")
    assert transport.value() == b"x\r\n"


def test_line_only_too_long() -> None:
    proto = OnlyLines()
    proto.MAX_LENGTH = 3
    transport = connect(proto)
    proto.dataReceived(b"abc\r\nabcd\r\nz\r\n")
    assert proto.lines == [b"abc"] and transport.disconnecting


class OnlyLinesExceeding(basic.LineOnlyReceiver):
    def __init__(self, limit: int, delimiter: bytes) -> None:
        self.MAX_LENGTH = limit
        self.delimiter = delimiter
        self.lines: list[bytes] = []
        self.exceeded: list[bytes] = []

    def lineReceived(self, line: bytes) -> None:
        self.lines.append(line)

    def lineLengthExceeded(self, line: bytes) -> None:
        self.exceeded.append(line)
        super().lineLengthExceeded(line)


@settings(max_examples=150, deadline=None)
@given(
    lineBytes,
    st.lists(st.integers(0, 10_000), max_size=8),
    st.sampled_from([b"\r\n", b"\n"]),
    st.integers(0, 6),
)
def test_line_only_matches_the_model_however_split(
    data: bytes, cuts: list[int], delimiter: bytes, limit: int
) -> None:
    """Whole, byte by byte or cut anywhere: the model's lines, then a close iff it errs."""
    want, error = lineModel(data, delimiter, limit)
    for chunks in chunkings(data, cuts):
        proto = OnlyLinesExceeding(limit, delimiter)
        transport = connect(proto)
        for chunk in chunks:
            if transport.disconnecting:
                break
            proto.dataReceived(chunk)
        assert proto.lines == want, chunks
        assert transport.disconnecting == (error is not None), chunks
        assert len(proto.exceeded) == (error is not None)


def test_line_only_long_line_in_small_pieces_then_short_lines() -> None:
    """A partial line longer than the chunks moves to the decoder and back, losing nothing."""
    proto = OnlyLinesExceeding(100_000, b"\r\n")
    connect(proto)
    data = b"x" * 50_000 + b"\r\n" + b"short\r\n" * 3 + b"tail"
    for i in range(0, len(data), 700):
        proto.dataReceived(data[i : i + 700])
    proto.dataReceived(b"\r\n")
    assert proto.lines == [b"x" * 50_000, b"short", b"short", b"short", b"tail"]
    assert proto._decoder is None and proto._buffer == b""


# -- netstrings ----------------------------------------------------------------------------------


class Strings(basic.NetstringReceiver):
    def __init__(self) -> None:
        self.strings: list[bytes] = []

    def stringReceived(self, string: bytes) -> None:
        self.strings.append(string)


def test_netstrings_round_trip_split_everywhere() -> None:
    data = b"5:hello,0:,3:a:b,"
    for cut in range(len(data) + 1):
        proto = Strings()
        connect(proto)
        proto.dataReceived(data[:cut])
        proto.dataReceived(data[cut:])
        assert proto.strings == [b"hello", b"", b"a:b"]
    proto.sendString(b"abc")
    assert proto.transport.value() == b"3:abc,"  # type: ignore[union-attr]


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
def test_netstring_garbage_closes(data: bytes, caplog: pytest.LogCaptureFixture) -> None:
    proto = Strings()
    transport = connect(proto)
    with caplog.at_level(logging.WARNING, "torsion.protocols.basic"):
        proto.dataReceived(data)
    assert transport.disconnecting and proto.brokenPeer and proto.strings == []
    assert "netstring" in caplog.text
    proto.dataReceived(b"1:a,")
    assert proto.strings == []


# -- length prefixes -----------------------------------------------------------------------------


def intN(cls: type[basic.IntNStringReceiver]) -> Any:
    class Recording(cls):  # type: ignore[valid-type,misc]
        def __init__(self) -> None:
            self.strings: list[bytes] = []
            self.exceeded: list[int] = []

        def stringReceived(self, string: bytes) -> None:
            self.strings.append(string)

        def lengthLimitExceeded(self, length: int) -> None:
            self.exceeded.append(length)
            super().lengthLimitExceeded(length)

    return Recording()


@pytest.mark.parametrize(
    "cls", [basic.Int8StringReceiver, basic.Int16StringReceiver, basic.Int32StringReceiver]
)
def test_intN_round_trip_split_everywhere(cls: type[basic.IntNStringReceiver]) -> None:
    sender = intN(cls)
    transport = connect(sender)
    for s in [b"", b"hello", b"x" * 200]:
        sender.sendString(s)
    data = transport.value()
    for cut in range(len(data) + 1):
        proto = intN(cls)
        connect(proto)
        proto.dataReceived(data[:cut])
        proto.dataReceived(data[cut:])
        assert proto.strings == [b"", b"hello", b"x" * 200]


def test_int32_huge_prefix() -> None:
    proto = intN(basic.Int32StringReceiver)
    transport = connect(proto)
    proto.dataReceived(b"\xff\xff\xff\xff" + b"x" * 1024 * 1024)
    assert proto.exceeded == [0xFFFFFFFF] and transport.disconnecting
    assert proto._decoder.pending() == 0


def test_int8_sendString_too_long_writes_nothing() -> None:
    proto = intN(basic.Int8StringReceiver)
    transport = connect(proto)
    with pytest.raises(basic.StringTooLongError):
        proto.sendString(b"x" * 256)
    assert transport.value() == b""


def test_intN_pause() -> None:
    proto = intN(basic.Int16StringReceiver)
    transport = connect(proto)
    proto.pauseProducing()
    proto.dataReceived(b"\x00\x01a\x00\x01b")
    assert proto.strings == [] and transport.producerState == "paused"
    proto.resumeProducing()
    assert proto.strings == [b"a", b"b"]


def test_stateful_string_protocol() -> None:
    class Talk(basic.StatefulStringProtocol, basic.Int8StringReceiver):
        def proto_init(self, string: bytes) -> str:
            return "second" if string == b"hi" else "done"

        def proto_second(self, string: bytes) -> str:
            return "done"

    proto = Talk()
    transport = connect(proto)
    proto.dataReceived(b"\x02hi")
    assert proto.state == "second" and not transport.disconnecting
    proto.dataReceived(b"\x01x")
    assert transport.disconnecting


# -- FileSender ----------------------------------------------------------------------------------


def test_file_sender_pull_producer() -> None:
    consumer = StringTransport()
    data = bytes(range(256)) * 200
    sender = basic.FileSender()
    done = sender.beginFileTransfer(io.BytesIO(data), consumer, lambda b: b.upper())
    assert consumer.producer is sender and consumer.streaming is False
    results: list[bytes] = []
    done.addCallback(results.append)
    while consumer.producer is not None:
        sender.resumeProducing()
    assert consumer.value() == data.upper() and results == [data.upper()[-1:]]
    assert len(data) // basic.FileSender.CHUNK_SIZE + 1 <= 5


def test_file_sender_stop_errbacks() -> None:
    consumer = StringTransport()
    sender = basic.FileSender()
    done = sender.beginFileTransfer(io.BytesIO(b"abc"), consumer)
    failures: list[Failure] = []
    done.addErrback(failures.append)
    sender.stopProducing()
    assert len(failures) == 1


# -- real sockets, every reactor ------------------------------------------------------------------


class Tracked:
    """The made/lost Deferreds `connectPair` waits on."""

    def initTracking(self) -> None:
        self.made: Deferred[Any] = Deferred()
        self.lost: Deferred[Any] = Deferred()

    def connectionMade(self) -> None:
        self.made.callback(self)

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        self.lost.callback(None)


class EchoLines(Tracked, basic.LineReceiver):
    def __init__(self) -> None:
        self.initTracking()

    def lineReceived(self, line: bytes) -> None:
        self.sendLine(line.upper())


class EchoOnlyLines(Tracked, basic.LineOnlyReceiver):
    def __init__(self) -> None:
        self.initTracking()

    def lineReceived(self, line: bytes) -> None:
        self.sendLine(line.upper())


class EchoNetstrings(Tracked, basic.NetstringReceiver):
    def __init__(self) -> None:
        self.initTracking()

    def stringReceived(self, string: bytes) -> None:
        self.sendString(string.upper())


class EchoInt32(Tracked, basic.Int32StringReceiver):
    def __init__(self) -> None:
        self.initTracking()

    def stringReceived(self, string: bytes) -> None:
        self.sendString(string.upper())


@pytest.mark.parametrize(
    ("server", "request_", "reply"),
    [
        (EchoLines, b"one\r\ntwo\r\n", b"ONE\r\nTWO\r\n"),
        (EchoOnlyLines, b"one\r\ntwo\r\n", b"ONE\r\nTWO\r\n"),
        (EchoNetstrings, b"3:one,3:two,", b"3:ONE,3:TWO,"),
        (EchoInt32, b"\0\0\0\3one\0\0\0\3two", b"\0\0\0\3ONE\0\0\0\3TWO"),
    ],
)
def test_real_socket(reactor: Any, server: Any, request_: bytes, reply: bytes) -> None:
    port, serverProto, client = connectPair(reactor, server, Recorder)
    client.expect = len(reply)
    for i in range(len(request_)):  # one byte per write: the framing reassembles
        client.transport.write(request_[i : i + 1])
    assert runUntil(reactor, client.enough) == reply
    client.transport.loseConnection()
    runUntil(reactor, gatherResults([client.lost, serverProto.lost]))
    runUntil(reactor, port.stopListening())
