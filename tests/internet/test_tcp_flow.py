"""TCP half-close and producers on every reactor."""

from __future__ import annotations

from typing import Any

import pytest

from tests.internet._tcphelpers import (
    HalfCloseable,
    PushProducer,
    Recorder,
    RespondOnHalfClose,
    connectPair,
    runUntil,
)
from torsion.internet import error
from torsion.internet.defer import gatherResults

KiB = 1024


def test_half_close_both_sides(reactor: Any) -> None:
    """Client half-closes after a request; the server answers and closes."""
    port, server, client = connectPair(reactor, RespondOnHalfClose, HalfCloseable)
    client.transport.write(b"req")
    client.transport.loseWriteConnection()
    client.transport.loseWriteConnection()
    client.transport.write(b"+")  # Before the shutdown happens: still sent, as in Twisted.
    reasons = runUntil(reactor, gatherResults([client.lost, server.lost]))
    assert all(r.check(error.ConnectionDone) for r in reasons)
    assert bytes(server.received) == b"req+"
    assert server.events == ["made", "data", "readLost", "lost"]
    assert bytes(client.received) == b"resp"
    assert client.events == ["made", "writeLost", "data", "readLost", "lost"]
    runUntil(reactor, port.stopListening())


def test_half_close_without_support_is_a_full_close(reactor: Any) -> None:
    """A protocol without readConnectionLost gets connectionLost(ConnectionDone)."""
    port, server, client = connectPair(reactor, Recorder, HalfCloseable)
    client.transport.write(b"req")
    client.transport.loseWriteConnection()
    assert runUntil(reactor, server.lost).check(error.ConnectionDone)
    assert bytes(server.received) == b"req"
    assert runUntil(reactor, client.lost).check(error.ConnectionDone)
    assert client.events == ["made", "writeLost", "readLost", "lost"]
    server.transport.loseWriteConnection()  # After the close: nothing happens.
    runUntil(reactor, port.stopListening())


class RaisingOnHalfClose(HalfCloseable):
    def readConnectionLost(self) -> None:
        raise ZeroDivisionError("half")


def test_read_connection_lost_raising_closes(reactor: Any) -> None:
    """An exception from readConnectionLost closes the connection with it as the reason."""
    port, server, client = connectPair(reactor, RaisingOnHalfClose, HalfCloseable)
    client.transport.loseWriteConnection()
    assert runUntil(reactor, server.lost).check(ZeroDivisionError)
    runUntil(reactor, client.lost)
    assert server.events.count("lost") == 1
    runUntil(reactor, port.stopListening())


def test_streaming_producer_is_paused_and_resumed(reactor: Any) -> None:
    """A push producer is paused above 64 KiB (inside write) and resumed once drained."""
    port, server, client = connectPair(reactor)
    total = 8 * 1024 * KiB
    producer = PushProducer(server.transport, total)
    server.transport.registerProducer(producer, True)
    with pytest.raises(RuntimeError):
        server.transport.registerProducer(PushProducer(server.transport, 0), True)
    producer.resumeProducing()
    assert producer.log[:2] == ["resume", "pause"]
    assert server.transport._buffer.size <= 64 * KiB + 16 * KiB
    runUntil(reactor, client.lost)
    assert len(client.received) == total
    assert producer.log.count("pause") >= 1 and producer.log.count("resume") >= 2
    assert "stop" not in producer.log
    runUntil(reactor, port.stopListening())


class PullProducer:
    """Writes one 32 KiB chunk per resumeProducing, ``count`` times, then unregisters."""

    def __init__(self, transport: Any, count: int) -> None:
        self.transport = transport
        self.count = count
        self.calls = 0
        self.bufferedAtCall: list[int] = []

    def resumeProducing(self) -> None:
        self.calls += 1
        self.bufferedAtCall.append(self.transport._buffer.size)
        if self.calls > self.count:
            self.transport.unregisterProducer()
            return
        self.transport.write(b"%05d" % self.calls + b"u" * (32 * KiB - 5))

    def pauseProducing(self) -> None:
        raise AssertionError("a pull producer is never paused")

    def stopProducing(self) -> None:
        pass


def test_pull_producer_asked_each_time_the_buffer_empties(reactor: Any) -> None:
    """resumeProducing at registration, then once per drained buffer, never while buffered."""
    port, server, client = connectPair(reactor)
    producer = PullProducer(server.transport, 50)
    server.transport.registerProducer(producer, False)
    server.transport.loseConnection()  # Waits for unregisterProducer, then flushes.
    runUntil(reactor, client.lost)
    assert producer.calls == 51
    assert set(producer.bufferedAtCall) == {0}
    assert len(client.received) == 50 * 32 * KiB
    assert client.received[32 * KiB : 32 * KiB + 5] == b"00002"
    assert server.reason.check(error.ConnectionDone)
    runUntil(reactor, port.stopListening())


class Stoppable:
    def __init__(self) -> None:
        self.stopped = 0

    def stopProducing(self) -> None:
        self.stopped += 1

    def pauseProducing(self) -> None:
        pass

    def resumeProducing(self) -> None:
        pass


def test_producer_lifecycle_with_close(reactor: Any) -> None:
    """loseConnection waits for unregisterProducer; a producer registered too late is stopped."""
    port, server, client = connectPair(reactor)
    producer = Stoppable()
    server.transport.registerProducer(producer, True)
    server.transport.write(b"before")
    server.transport.loseConnection()
    client.expect = 6
    runUntil(reactor, client.enough)
    assert server.events == ["made"]  # Still open: the producer is registered.
    server.transport.unregisterProducer()
    assert runUntil(reactor, server.lost).check(error.ConnectionDone)
    late = Stoppable()
    server.transport.registerProducer(late, True)
    assert late.stopped == 1 and producer.stopped == 0
    runUntil(reactor, client.lost)
    runUntil(reactor, port.stopListening())


def test_registered_producer_stopped_when_connection_lost(reactor: Any) -> None:
    """A connection that closes with a producer registered calls its stopProducing."""
    port, server, client = connectPair(reactor)
    producer = Stoppable()
    server.transport.registerProducer(producer, True)
    client.transport.loseConnection()
    runUntil(reactor, server.lost)
    assert producer.stopped == 1
    runUntil(reactor, client.lost)
    runUntil(reactor, port.stopListening())


class Pausable(Stoppable):
    def __init__(self) -> None:
        super().__init__()
        self.log: list[str] = []

    def pauseProducing(self) -> None:
        self.log.append("pause")

    def resumeProducing(self) -> None:
        self.log.append("resume")


def test_write_sequence_pauses_streaming_producer(reactor: Any) -> None:
    """writeSequence is flow-controlled like write: above 64 KiB the producer is paused."""
    port, server, client = connectPair(reactor)
    client.transport.pauseProducing()  # The peer stops reading: the buffer has to fill.
    producer = Pausable()
    server.transport.registerProducer(producer, True)
    server.transport.writeSequence([b"w" * 64 * KiB] * 320)  # 20 MiB: more than sockets hold
    assert producer.log == ["pause"] and server.transport._buffer.size > 64 * KiB
    client.transport.resumeProducing()
    client.expect = 320 * 64 * KiB
    runUntil(reactor, client.enough)
    assert producer.log == ["pause", "resume"]
    server.transport.unregisterProducer()
    server.transport.stopProducing()  # The transport as a producer: stopping closes it.
    assert runUntil(reactor, server.lost).check(error.ConnectionDone)
    runUntil(reactor, client.lost)
    runUntil(reactor, port.stopListening())
