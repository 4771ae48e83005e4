"""UDP bursts on every reactor: drained in bounded batches, the rest of the loop keeps running."""

from __future__ import annotations

import select
import socket
from typing import Any

from tests.internet._tcphelpers import LIMIT, runUntil
from tests.internet._udphelpers import Recorder
from torsion.internet.udp import Port

BUFFER = 4 * 1024 * 1024


def receiver(reactor: Any, proto: Recorder, maxPacketSize: int = 8192) -> Any:
    """A port on 127.0.0.1 with a receive buffer large enough that loopback drops nothing."""
    port = reactor.listenUDP(0, proto, interface="127.0.0.1", maxPacketSize=maxPacketSize)
    port.getHandle().setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, BUFFER)
    return port


def batches(port: Any, proto: Recorder, total: int) -> list[int]:
    """Call ``port.doRead()`` until ``total`` datagrams arrived; return how many each call got."""
    sizes: list[int] = []
    while len(proto.received) < total:
        assert len(sizes) < total, "no progress"
        readable, _, _ = select.select([port.fileno()], [], [], LIMIT)
        assert readable, f"only {len(proto.received)} of {total} datagrams arrived"
        before = len(proto.received)
        port.doRead()
        sizes.append(len(proto.received) - before)
    return sizes


def test_doRead_is_bounded_by_count(reactor: Any) -> None:
    """100 small datagrams are read at most `maxDatagrams` per wake-up, none lost."""
    proto, sender = Recorder(), Recorder()
    port = receiver(reactor, proto)
    out = reactor.listenUDP(0, sender, interface="127.0.0.1")
    where = ("127.0.0.1", port.getHost().port)
    for i in range(100):
        out.write(b"%d" % i, where)
    sizes = batches(port, proto, 100)
    assert max(sizes) <= Port.maxDatagrams == 32 and sum(sizes) == 100
    assert [int(d) for d, _ in proto.received] == list(range(100))
    runUntil(reactor, out.stopListening())
    runUntil(reactor, port.stopListening())


def test_doRead_is_bounded_by_bytes(reactor: Any) -> None:
    """Large datagrams: a wake-up stops once `maxThroughput` (256 KiB) bytes were read."""
    proto, sender = Recorder(), Recorder()
    port = receiver(reactor, proto, maxPacketSize=65535)
    out = reactor.listenUDP(0, sender, interface="127.0.0.1")
    where = ("127.0.0.1", port.getHost().port)
    for i in range(10):
        out.write(bytes([i]) * 60000, where)
    sizes = batches(port, proto, 10)
    assert max(sizes) <= 5  # 5 x 60,000 bytes pass 256 KiB
    assert [d[0] for d, _ in proto.received] == list(range(10))
    runUntil(reactor, out.stopListening())
    runUntil(reactor, port.stopListening())


def test_ten_thousand_datagrams_without_stalling(reactor: Any) -> None:
    """10,000 datagrams, sent in windows the receiver acknowledges by receiving them all.

    A timed call that reschedules itself with ``callLater(0)`` runs once per reactor pass;
    between two of its runs the port never delivers more than one bounded batch, so timers
    and other sockets get their turn during the burst.
    """
    proto, sender = Recorder(), Recorder()
    port = receiver(reactor, proto)
    out = reactor.listenUDP(0, sender, interface="127.0.0.1")
    where = ("127.0.0.1", port.getHost().port)
    ticks = [0]
    tickAt: list[int] = []
    original = proto.datagramReceived

    def tick() -> None:
        ticks[0] += 1
        pending[0] = reactor.callLater(0, tick)

    def received(datagram: bytes, addr: Any) -> None:
        tickAt.append(ticks[0])
        original(datagram, addr)

    proto.datagramReceived = received  # type: ignore[method-assign]
    pending = [reactor.callLater(0, tick)]
    total, window = 10_000, 100
    for start in range(0, total, window):
        for i in range(start, start + window):
            out.write(b"%05d" % i, where)
        runUntil(reactor, proto.waitFor(start + window))
    pending[0].cancel()
    assert sorted(int(d) for d, _ in proto.received) == list(range(total))
    perTick: dict[int, int] = {}
    for tick_ in tickAt:
        perTick[tick_] = perTick.get(tick_, 0) + 1
    assert max(perTick.values()) <= 32 == Port.maxDatagrams
    assert ticks[0] >= total // Port.maxDatagrams
    runUntil(reactor, out.stopListening())
    runUntil(reactor, port.stopListening())
