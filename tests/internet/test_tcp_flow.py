"""TCP half-close and producer details on every reactor.

The common behaviour (half-close, push and pull producers, back-pressure) is checked by
`torsion.testing.checkStreamTransport` in tests/testing/test_streamcheck.py; what is left here
is what the suite does not cover.
"""

from __future__ import annotations

from typing import Any

from tests.internet._tcphelpers import (
    HalfCloseable,
    connectPair,
    runUntil,
)
from torsion.internet import error

KiB = 1024


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
