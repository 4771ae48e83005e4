"""Protocols and factories without sockets: counting, building, reconnect backoff on a Clock."""

from __future__ import annotations

import logging
import math
import pickle
import random
from typing import Any

import pytest

from torsion.internet import error
from torsion.internet.address import HostnameAddress, IPv4Address, IPv6Address, UNIXAddress
from torsion.internet.protocol import (
    BaseProtocol,
    ClientFactory,
    DatagramProtocol,
    Factory,
    Protocol,
    ReconnectingClientFactory,
    ServerFactory,
    connectionDone,
)
from torsion.internet.task import Clock
from torsion.logger import LogLevel, capturedLogs, formatEvent
from torsion.python.failure import Failure

ADDR = IPv4Address("TCP", "127.0.0.1", 1234)


def test_addresses_compare_by_value() -> None:
    assert IPv4Address("TCP", "1.2.3.4", 5) == IPv4Address("TCP", "1.2.3.4", 5)
    assert IPv4Address("TCP", "1.2.3.4", 5) != IPv4Address("UDP", "1.2.3.4", 5)
    assert IPv6Address("TCP", "::1", 5) == IPv6Address("TCP", "::1", 5, 0, 0)
    assert len({UNIXAddress("/a"), UNIXAddress("/a")}) == 1
    assert HostnameAddress(b"example.com", 80).hostname == b"example.com"
    with pytest.raises(AttributeError):
        ADDR.port = 1  # type: ignore[misc]


def test_make_connection() -> None:
    made: list[object] = []

    class P(BaseProtocol):
        def connectionMade(self) -> None:
            made.append(self.transport)

    p = P()
    assert p.connected == 0 and p.transport is None
    transport: Any = object()
    p.makeConnection(transport)
    assert p.connected == 1 and p.transport is transport and made == [transport]


def test_protocol_defaults() -> None:
    p = Protocol()
    assert p.logPrefix() == "Protocol" and p.factory is None
    p.dataReceived(b"ignored")
    p.connectionLost()
    assert isinstance(connectionDone, Failure) and connectionDone.check(error.ConnectionDone)


def test_build_protocol_sets_factory() -> None:
    factory = ServerFactory.forProtocol(Protocol)
    assert isinstance(factory, ServerFactory) and factory.protocol is Protocol
    p = factory.buildProtocol(ADDR)
    assert isinstance(p, Protocol) and p.factory is factory
    assert factory.logPrefix() == "ServerFactory"
    with pytest.raises(TypeError):
        Factory().buildProtocol(ADDR)


def test_for_protocol_passes_arguments() -> None:
    class F(Factory):
        def __init__(self, a: int, *, b: int) -> None:
            self.a, self.b = a, b

    factory = F.forProtocol(Protocol, 1, b=2)
    assert (factory.a, factory.b, factory.protocol) == (1, 2, Protocol)


def test_start_and_stop_counted(caplog: pytest.LogCaptureFixture) -> None:
    calls: list[str] = []

    class F(Factory):
        def startFactory(self) -> None:
            calls.append("start")

        def stopFactory(self) -> None:
            calls.append("stop")

    factory = F()
    caplog.set_level(logging.INFO)
    factory.doStart()
    factory.doStart()
    factory.doStop()
    assert calls == ["start"] and factory.numPorts == 1
    factory.doStop()
    factory.doStop()  # One stop too many: ignored.
    assert calls == ["start", "stop"] and factory.numPorts == 0
    messages = [r.getMessage() for r in caplog.records]
    assert [m.split()[0] for m in messages] == ["Starting", "Stopping"]
    factory.noisy = False
    caplog.clear()
    factory.doStart()
    factory.doStop()
    assert not caplog.records


def test_start_and_stop_are_events_carrying_the_factory() -> None:
    """Twisted's events: ``info``, the format ``Starting factory {factory!r}``, the factory."""
    factory = Factory()
    with capturedLogs() as events:
        factory.doStart()
        factory.doStop()
    assert [
        (e["log_namespace"], e["log_level"], e["log_format"], e["factory"]) for e in events
    ] == [
        ("torsion.internet.protocol", LogLevel.info, "Starting factory {factory!r}", factory),
        ("torsion.internet.protocol", LogLevel.info, "Stopping factory {factory!r}", factory),
    ]
    assert formatEvent(events[0]) == f"Starting factory {factory!r}"


def test_datagram_protocol_start_and_stop_are_events() -> None:
    proto = DatagramProtocol()
    with capturedLogs() as events:
        proto.doStart()
        proto.doStop()
    assert [(e["log_level"], formatEvent(e), e["protocol"]) for e in events] == [
        (LogLevel.info, f"Starting protocol {proto!r}", proto),
        (LogLevel.info, f"Stopping protocol {proto!r}", proto),
    ]


class FakeConnector:
    def __init__(self) -> None:
        self.connects = 0
        self.stops = 0
        self.connecting = False

    def connect(self) -> None:
        self.connects += 1
        self.connecting = True

    def stopConnecting(self) -> None:
        if not self.connecting:
            raise error.NotConnectingError()
        self.stops += 1
        self.connecting = False

    def disconnect(self) -> None:
        pass

    def getDestination(self) -> IPv4Address:
        return ADDR


def _failures(factory: ReconnectingClientFactory, clock: Clock, count: int) -> list[float]:
    """Fail ``count`` times, advancing to each retry; return the delays used."""
    connector = FakeConnector()
    delays = []
    for _ in range(count):
        connector.connecting = False
        factory.clientConnectionFailed(connector, Failure(error.ConnectionRefusedError()))
        pending = clock.getDelayedCalls()
        if not pending:
            break
        delays.append(pending[0].getTime() - clock.seconds())
        clock.advance(delays[-1])
    return delays


def test_reconnecting_backoff_without_jitter() -> None:
    """The delay starts at initialDelay, grows by e after each schedule, caps at maxDelay."""
    clock = Clock()
    factory = ReconnectingClientFactory()
    factory.clock, factory.jitter, factory.noisy = clock, 0, False
    delays = _failures(factory, clock, 12)
    expected = [min(math.e**i, 3600) for i in range(12)]
    assert delays == pytest.approx(expected)
    assert factory.retries == 12


def test_reconnecting_backoff_jitter_matches_twisted() -> None:
    """Jitter: normalvariate(delay, delay * jitter) before scheduling, then *= factor."""
    clock = Clock()
    factory = ReconnectingClientFactory()
    factory.clock, factory.noisy = clock, False
    random.seed(7)
    delays = _failures(factory, clock, 5)
    random.seed(7)
    delay, expected = 1.0, []
    for _ in range(5):
        delay = random.normalvariate(delay, delay * 0.119626565582)
        expected.append(delay)
        delay = min(delay * math.e, 3600)
    assert delays == pytest.approx(expected)


def test_reconnecting_logs_each_retry_and_giving_up() -> None:
    """Twisted's lines; the delay in whole seconds, as Twisted's ``%d`` shows it."""
    clock = Clock()
    factory = ReconnectingClientFactory()
    factory.clock, factory.jitter, factory.maxRetries = clock, 0, 1
    factory.delay = 2.9
    connector = FakeConnector()
    with capturedLogs() as events:
        factory.retry(connector)
        factory.retry(connector)
        factory.stopTrying()
        factory.retry(connector)
    assert [formatEvent(e) for e in events] == [
        f"{connector} will retry in 2 seconds",
        f"Abandoning {connector} after 2 retries.",
        f"Abandoning {connector} on explicit request",
    ]
    assert all(e["connector"] is connector for e in events)
    assert events[0]["delay"] == 2


def test_reconnecting_max_retries_and_reset() -> None:
    clock = Clock()
    factory = ReconnectingClientFactory()
    factory.clock, factory.maxRetries, factory.noisy = clock, 3, False
    assert len(_failures(factory, clock, 10)) == 3
    factory.resetDelay()
    assert (factory.delay, factory.retries, factory.continueTrying) == (1.0, 0, True)
    connector = FakeConnector()
    factory.clientConnectionLost(connector, Failure(error.ConnectionLost()))
    assert len(clock.getDelayedCalls()) == 1
    clock.advance(10)
    assert connector.connects == 1


def test_stop_trying_cancels_and_stops_connecting() -> None:
    clock = Clock()
    factory = ReconnectingClientFactory()
    factory.clock, factory.noisy = clock, False
    connector = FakeConnector()
    factory.clientConnectionFailed(connector, Failure(error.ConnectionRefusedError()))
    factory.stopTrying()
    assert not clock.getDelayedCalls() and connector.connects == 0
    connector.connecting = True
    factory.stopTrying()
    assert connector.stops == 1
    factory.clientConnectionFailed(connector, Failure(error.ConnectionRefusedError()))
    assert not clock.getDelayedCalls()
    with pytest.raises(ValueError):
        ReconnectingClientFactory().retry()


def test_reconnecting_pickle_drops_runtime_state() -> None:
    factory = ReconnectingClientFactory()
    factory.clock, factory.maxDelay = Clock(), 10
    factory.connector = FakeConnector()
    factory.retries, factory.delay = 5, 99.0
    copy = pickle.loads(pickle.dumps(factory))
    assert copy.maxDelay == 10 and copy.clock is None and copy.connector is None
    assert (copy.retries, copy.delay) == (0, 1.0)


def test_client_factory_callbacks_are_no_ops() -> None:
    factory = ClientFactory()
    connector: Any = FakeConnector()
    factory.startedConnecting(connector)
    factory.clientConnectionFailed(connector, Failure(error.ConnectionRefusedError()))
    factory.clientConnectionLost(connector, Failure(error.ConnectionLost()))
