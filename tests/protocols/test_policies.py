"""torsion.protocols.policies: wrappers, timeouts, throttling and connection limits, on a Clock."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from torsion.internet import error
from torsion.internet.address import IPv4Address
from torsion.internet.protocol import Factory, Protocol
from torsion.internet.task import Clock
from torsion.internet.testing import (
    AccumulatingProtocol,
    StringTransport,
    StringTransportWithDisconnection,
)
from torsion.protocols import policies
from torsion.python.failure import Failure


def peer(host: str = "10.0.0.7", port: int = 1234) -> IPv4Address:
    return IPv4Address("TCP", host, port)


def connect(factory: Any, host: str = "10.0.0.7") -> tuple[Any, StringTransport] | None:
    """Build a protocol from ``factory`` for a peer at ``host`` and connect it in memory."""
    proto = factory.buildProtocol(peer(host))
    if proto is None:
        return None
    transport = StringTransportWithDisconnection(peerAddress=peer(host))
    transport.protocol = proto
    proto.makeConnection(transport)
    return proto, transport


class Writer(AccumulatingProtocol):
    """Writes ``hello`` on connect."""

    def connectionMade(self) -> None:
        super().connectionMade()
        assert self.transport is not None
        self.transport.write(b"hello")


# -- ProtocolWrapper / WrappingFactory ----------------------------------------------------------


def test_wrapper_proxies_both_ways() -> None:
    """Data in reaches the wrapped protocol; its transport calls reach the real transport."""
    wrapped = Factory.forProtocol(Writer)
    factory = policies.WrappingFactory(wrapped)
    proto, transport = connect(factory) or pytest.fail("refused")
    inner = proto.wrappedProtocol
    assert inner.transport is proto and inner.made
    assert transport.value() == b"hello"
    proto.dataReceived(b"abc")
    assert inner.data == b"abc"
    inner.transport.writeSequence([b"x", b"y"])
    assert transport.value() == b"helloxy"
    assert inner.transport.getPeer() == peer() and inner.transport.getHost() == transport.getHost()
    assert inner.transport.getTcpNoDelay() is False  # not defined on the wrapper: delegated
    assert list(factory.protocols) == [proto]
    assert factory.logPrefix() == "Factory (WrappingFactory)"
    assert proto.logPrefix() == "Writer (ProtocolWrapper)"
    inner.transport.loseConnection()
    assert proto.disconnecting and inner.closed
    assert factory.protocols == {}


def test_wrapper_producer_calls_reach_transport() -> None:
    proto, transport = connect(
        policies.WrappingFactory(Factory.forProtocol(Protocol))
    ) or pytest.fail("refused")
    inner = proto.wrappedProtocol.transport
    producer = object()
    inner.registerProducer(producer, True)
    assert transport.producer is producer and transport.streaming
    inner.pauseProducing()
    assert transport.producerState == "paused"
    inner.resumeProducing()
    assert transport.producerState == "producing"  # type: ignore[comparison-overlap]
    inner.unregisterProducer()
    assert transport.producer is None
    inner.stopProducing()
    assert transport.producerState == "stopped"
    inner.abortConnection()
    assert transport.disconnected


def test_wrapping_factory_delegates_start_stop_and_refusal() -> None:
    class Refusing(Factory):
        def buildProtocol(self, addr: Any) -> Protocol | None:
            return None

    wrapped = Refusing()
    factory = policies.WrappingFactory(wrapped)
    factory.doStart()
    assert wrapped.numPorts == factory.numPorts == 1
    assert factory.buildProtocol(peer()) is None
    factory.doStop()
    assert wrapped.numPorts == factory.numPorts == 0


# -- TimeoutMixin / TimeoutFactory --------------------------------------------------------------


class Idle(Protocol, policies.TimeoutMixin):
    """Times out after 1 s of silence; data resets the timer."""

    timedOut = False

    def connectionMade(self) -> None:
        self.setTimeout(1)

    def dataReceived(self, data: bytes) -> None:
        self.resetTimeout()

    def timeoutConnection(self) -> None:
        self.timedOut = True
        super().timeoutConnection()


def test_timeout_mixin_exact_with_clock() -> None:
    clock = Clock()
    proto = Idle()
    # Patches the timeout's clock in, as Twisted's tests do; Clock.callLater names its
    # parameters differently from TimeoutMixin.callLater.
    proto.callLater = clock.callLater  # type: ignore[method-assign, assignment]
    transport = StringTransport()
    proto.makeConnection(transport)
    for _ in range(4):  # one byte every 0.5 s keeps it open
        clock.advance(0.5)
        proto.dataReceived(b"x")
    assert not transport.disconnecting
    clock.advance(0.999)
    assert not transport.disconnecting
    clock.advance(0.001)
    assert proto.timedOut and transport.disconnecting
    assert clock.getDelayedCalls() == []


def test_set_timeout_returns_previous_and_none_cancels() -> None:
    clock = Clock()
    proto = Idle()
    # Patches the timeout's clock in, as Twisted's tests do; Clock.callLater names its
    # parameters differently from TimeoutMixin.callLater.
    proto.callLater = clock.callLater  # type: ignore[method-assign, assignment]
    proto.makeConnection(StringTransport())
    assert proto.setTimeout(5) == 1
    clock.advance(4)
    assert not proto.timedOut
    assert proto.setTimeout(None) == 5
    assert clock.getDelayedCalls() == []
    proto.resetTimeout()  # no timeout: nothing happens
    assert clock.getDelayedCalls() == []
    assert proto.setTimeout(2) is None
    clock.advance(2)
    assert proto.timedOut


def test_timeout_factory_idle_and_active() -> None:
    """Reliability 40 with a Clock: A (a byte every 0.5 s) stays, B (silent) goes at 1 s."""
    clock = Clock()
    factory = policies.TimeoutFactory(Factory.forProtocol(AccumulatingProtocol), 1, clock=clock)
    a, _aTransport = connect(factory) or pytest.fail("refused")
    b, bTransport = connect(factory) or pytest.fail("refused")
    for _ in range(5):
        clock.advance(0.5)
        a.dataReceived(b".")
        if clock.seconds() < 1:
            assert not b.wrappedProtocol.closed
    assert b.wrappedProtocol.closed and bTransport.disconnecting
    assert b.wrappedProtocol.closedReason.check(error.ConnectionDone)
    assert not a.wrappedProtocol.closed and a.wrappedProtocol.data == b"....."
    a.write(b"out")  # writing is activity too
    clock.advance(0.9)
    assert not a.wrappedProtocol.closed
    clock.advance(1)
    assert a.wrappedProtocol.closed
    assert clock.getDelayedCalls() == [] and factory.protocols == {}


def test_timeout_protocol_cancelled_on_close() -> None:
    clock = Clock()
    factory = policies.TimeoutFactory(Factory.forProtocol(Protocol), clock=clock)
    _proto, transport = connect(factory) or pytest.fail("refused")
    assert clock.getDelayedCalls()[0].getTime() == 1800
    transport.loseConnection()
    assert clock.getDelayedCalls() == []


# -- connection limits --------------------------------------------------------------------------


def test_limit_connections_by_peer() -> None:
    """Reliability 40: C's connections 6-10 are refused at once; other peers are unaffected."""
    factory = policies.LimitConnectionsByPeer(Factory.forProtocol(Protocol))
    factory.doStart()
    c = [connect(factory, "10.0.0.3") for _ in range(10)]
    assert all(x is not None for x in c[:5]) and all(x is None for x in c[5:])
    assert connect(factory, "10.0.0.4") is not None
    assert factory.peerConnections == {"10.0.0.3": 5, "10.0.0.4": 1}
    first = c[0]
    assert first is not None
    first[1].loseConnection()
    assert factory.peerConnections["10.0.0.3"] == 4
    assert connect(factory, "10.0.0.3") is not None


def test_limit_total_connections_overflow() -> None:
    class Limited(policies.LimitTotalConnectionsFactory):
        protocol = AccumulatingProtocol
        connectionLimit = 2

    factory = Limited()
    conns = [connect(factory) for _ in range(2)]
    assert factory.connectionCount == 2
    assert connect(factory) is None  # no overflowProtocol: closed at once
    Limited.overflowProtocol = Writer
    over = connect(factory)
    assert over is not None and over[1].value() == b"hello"
    assert factory.connectionCount == 3
    for c in [*conns, over]:
        assert c is not None
        c[1].loseConnection()
    assert factory.connectionCount == 0


# -- ThrottlingFactory --------------------------------------------------------------------------


def test_throttling_max_connections() -> None:
    factory = policies.ThrottlingFactory(Factory.forProtocol(Protocol), maxConnectionCount=2)
    first = connect(factory)
    assert first is not None and connect(factory) is not None
    assert connect(factory) is None
    first[1].loseConnection()
    assert factory.connectionCount == 1 and connect(factory) is not None


def test_throttling_reads_pauses_for_the_excess() -> None:
    """30 bytes in a second at 10 B/s: paused at the check for 30/10 - 1 = 2 s, then resumed."""
    clock = Clock()
    factory = policies.ThrottlingFactory(
        Factory.forProtocol(AccumulatingProtocol), readLimit=10, clock=clock
    )
    proto, transport = connect(factory) or pytest.fail("refused")
    proto.dataReceived(b"x" * 30)
    clock.advance(1)
    assert transport.producerState == "paused"
    clock.advance(1.999)
    assert transport.producerState == "paused"
    clock.advance(0.001)
    # mypy keeps the narrowing of producerState from the assert above across the call.
    assert transport.producerState == "producing"  # type: ignore[comparison-overlap]
    proto.dataReceived(b"x" * 10)  # at the limit: not over it
    clock.advance(1)
    assert transport.producerState == "producing"
    transport.loseConnection()
    assert clock.getDelayedCalls() == []


def test_throttling_writes_pauses_the_producer() -> None:
    clock = Clock()
    factory = policies.ThrottlingFactory(Factory.forProtocol(Protocol), writeLimit=100, clock=clock)
    proto, transport = connect(factory) or pytest.fail("refused")
    producer = StringTransport()
    proto.wrappedProtocol.transport.registerProducer(producer, True)
    proto.wrappedProtocol.transport.writeSequence([b"a" * 100, b"b" * 50])
    clock.advance(1)
    assert producer.producerState == "paused"
    clock.advance(0.5)
    # mypy keeps the narrowing of producerState from the assert above across the call.
    assert producer.producerState == "producing"  # type: ignore[comparison-overlap]
    proto.wrappedProtocol.transport.unregisterProducer()
    proto.write(b"c" * 500)
    clock.advance(1)  # no producer: nothing to pause, nothing fails
    transport.loseConnection()
    assert clock.getDelayedCalls() == []


# -- debugging ----------------------------------------------------------------------------------


def test_spewing_logs(caplog: pytest.LogCaptureFixture) -> None:
    factory = policies.SpewingFactory(Factory.forProtocol(Writer))
    with caplog.at_level(logging.INFO, logger="torsion.protocols.policies"):
        proto, _ = connect(factory) or pytest.fail("refused")
        proto.dataReceived(b"in")
    assert [r.getMessage() for r in caplog.records] == ["Sending: b'hello'", "Received: b'in'"]


def test_traffic_logging(tmp_path: Path) -> None:
    prefix = str(tmp_path / "traffic")
    factory = policies.TrafficLoggingFactory(Factory.forProtocol(Writer), prefix, lengthLimit=20)
    proto, _transport = connect(factory) or pytest.fail("refused")
    proto.dataReceived(b"z" * 30)
    proto.writeSequence([b"a", b"b"])
    proto.loseConnection()
    assert proto.logfile.closed
    lines = (tmp_path / "traffic-1").read_text().splitlines()
    assert lines[:5] == [
        "*",
        "S 1: b'hello'",
        "C 1: b'zzzzzzzz<... elided>'",
        "SV 1: [b'a', b'b']",
        "S 1: *",
    ]
    assert lines[5].startswith("C 1: <torsion.python.failure.Failure")
    assert isinstance(proto.wrappedProtocol.closedReason, Failure)
    factory.resetCounter()
    _second, t2 = connect(factory) or pytest.fail("refused")
    t2.loseConnection()
    lines = (tmp_path / "traffic-1").read_text().splitlines()  # numbering restarted
    assert lines[:2] == ["*", "S 1: b'hello'"] and len(lines) == 3
