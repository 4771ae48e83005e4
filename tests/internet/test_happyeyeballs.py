"""HostnameEndpoint's logic, deterministically: MemoryReactorClock and a fake resolver."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from torsion.internet import error
from torsion.internet._endpoints.hostname import interleave
from torsion.internet._endpoints.tcp import _WrappingProtocol
from torsion.internet.address import HostnameAddress, IPv4Address, IPv6Address
from torsion.internet.defer import Deferred
from torsion.internet.endpoints import HostnameEndpoint
from torsion.internet.protocol import Factory, Protocol
from torsion.internet.testing import MemoryReactorClock, StringTransport
from torsion.python.failure import Failure

V4 = [IPv4Address("TCP", f"10.0.0.{i}", 80) for i in range(1, 4)]
V6 = [IPv6Address("TCP", f"2001:db8::{i}", 80) for i in range(1, 4)]


class FakeResolver:
    """Answers when the test says so; records the names asked and cancellations."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, int]] = []
        self.lookups: list[Deferred[Sequence[Any]]] = []
        self.cancelled = 0

    def resolveHostName(self, host: str, port: int) -> Deferred[Sequence[Any]]:
        self.asked.append((host, port))
        d: Deferred[Sequence[Any]] = Deferred(self._cancel)
        self.lookups.append(d)
        return d

    def _cancel(self, d: Deferred[Any]) -> None:
        self.cancelled += 1


class Setup:
    """A clock reactor, a fake resolver, an endpoint and a connect Deferred with its outcome."""

    def __init__(self, attemptDelay: float | None = None, host: str | bytes = "example.com"):
        self.reactor = MemoryReactorClock()
        self.resolver = FakeResolver()
        self.endpoint = HostnameEndpoint(
            self.reactor, host, 80, attemptDelay=attemptDelay, resolver=self.resolver
        )
        self.factory = Factory.forProtocol(Protocol)
        self.d = self.endpoint.connect(self.factory)
        self.outcome: list[Any] = []
        self.d.addBoth(self.outcome.append)

    def answer(self, addresses: Sequence[Any]) -> None:
        self.resolver.lookups[-1].callback(addresses)

    def hosts(self) -> list[str]:
        return [client[0] for client in self.reactor.tcpClients]

    def succeed(self, index: int) -> tuple[Any, StringTransport]:
        factory = self.reactor.tcpClients[index][2]
        proto = factory.buildProtocol(IPv4Address("TCP", self.hosts()[index], 80))
        assert isinstance(proto, _WrappingProtocol)
        transport = StringTransport()
        proto.makeConnection(transport)
        return proto._wrappedProtocol, transport  # the user's protocol inside the wrapper

    def fail(self, index: int, exc: BaseException | None = None) -> None:
        factory = self.reactor.tcpClients[index][2]
        connector = self.reactor.connectors[index]
        factory.clientConnectionFailed(connector, Failure(exc or error.ConnectionRefusedError()))


def test_interleaves_families_starting_with_the_first() -> None:
    """IPv6 first when the resolver put it first; leftovers of one family go at the end."""
    assert interleave([V6[0], V6[1], V6[2], V4[0]]) == [V6[0], V4[0], V6[1], V6[2]]
    assert interleave([V4[0], V4[1], V6[0], V6[1]]) == [V4[0], V6[0], V4[1], V6[1]]
    assert interleave([V4[0], V4[0], V6[0]]) == [V4[0], V6[0]]
    assert interleave([]) == []


def test_attempt_order_and_delay() -> None:
    """One attempt at once, the next after attemptDelay (default 0.3 s), interleaved."""
    s = Setup()
    assert s.resolver.asked == [("example.com", 80)]
    assert s.reactor.tcpClients == []
    s.answer([V6[0], V6[1], V4[0], V4[1]])
    assert s.hosts() == ["2001:db8::1"]
    s.reactor.advance(0.29)
    assert len(s.hosts()) == 1
    s.reactor.advance(0.01)
    assert s.hosts() == ["2001:db8::1", "10.0.0.1"]
    s.reactor.advance(0.3)
    s.reactor.advance(0.3)
    assert s.hosts() == ["2001:db8::1", "10.0.0.1", "2001:db8::2", "10.0.0.2"]
    assert s.reactor.getDelayedCalls() == []
    assert s.outcome == []
    s.d.cancel()
    assert s.outcome[0].check(error.ConnectingCancelledError)


def test_custom_attempt_delay_and_timeout_passed_on() -> None:
    """attemptDelay sets the stagger; timeout and bindAddress go to each connectTCP."""
    reactor = MemoryReactorClock()
    resolver = FakeResolver()
    endpoint = HostnameEndpoint(
        reactor, "h", 81, 7, ("0.0.0.0", 0), attemptDelay=2, resolver=resolver
    )
    d = endpoint.connect(Factory.forProtocol(Protocol))
    resolver.lookups[0].callback([V4[0], V4[1]])
    assert reactor.tcpClients[0][0:2] == ("10.0.0.1", 81)
    assert reactor.tcpClients[0][3:] == (7, ("0.0.0.0", 0))
    reactor.advance(1.9)
    assert len(reactor.tcpClients) == 1
    reactor.advance(0.1)
    assert len(reactor.tcpClients) == 2
    d.cancel()
    d.addErrback(lambda f: None)


def test_fast_failure_starts_the_next_attempt_at_once() -> None:
    """A refused attempt does not wait out the delay (better than Twisted #9345)."""
    s = Setup()
    s.answer([V4[0], V4[1], V4[2]])
    s.fail(0)
    assert s.hosts() == ["10.0.0.1", "10.0.0.2"]
    # The timer restarted with the new attempt: the third waits a full delay from now.
    s.reactor.advance(0.29)
    assert len(s.hosts()) == 2
    s.reactor.advance(0.01)
    assert len(s.hosts()) == 3
    s.d.cancel()


def test_winner_cancels_the_rest() -> None:
    """The first success fires the Deferred; the other attempts are stopped; no more start."""
    s = Setup()
    s.answer([V4[0], V4[1], V4[2]])
    s.reactor.advance(0.3)
    proto, _ = s.succeed(1)
    assert s.outcome == [proto]
    assert isinstance(proto, Protocol)
    assert s.reactor.connectors[0].stoppedConnecting
    assert not s.reactor.connectors[1].stoppedConnecting
    s.reactor.advance(10)
    assert len(s.hosts()) == 2
    assert s.reactor.getDelayedCalls() == []


def test_extra_success_is_disconnected() -> None:
    """An attempt that connects after the winner (too late to cancel) is closed."""
    s = Setup()
    s.answer([V4[0], V4[1]])
    s.reactor.advance(0.3)
    s.succeed(0)
    assert s.reactor.connectors[1].stoppedConnecting
    user, late = s.succeed(1)  # The fake connector ignored stopConnecting: it connects.
    assert late.disconnecting
    assert not user.connected  # The user's protocol of the late one is never connected.
    assert len(s.outcome) == 1


def test_all_fail_gives_the_last_failure() -> None:
    """Every attempt failing fails the Deferred with the last failure."""
    s = Setup()
    s.answer([V4[0], V6[0]])
    s.reactor.advance(0.3)
    s.fail(0, error.ConnectionRefusedError())
    assert s.outcome == []
    s.fail(1, error.TimeoutError())
    assert s.outcome[0].check(error.TimeoutError)
    assert s.reactor.getDelayedCalls() == []


def test_no_addresses_is_dns_lookup_error() -> None:
    """An empty lookup fails with DNSLookupError naming the host."""
    s = Setup()
    s.answer([])
    assert s.outcome[0].check(error.DNSLookupError)
    assert "example.com" in str(s.outcome[0].value)


def test_lookup_failure_passes_through() -> None:
    """A failed lookup fails the Deferred with the resolver's error; nothing connects."""
    s = Setup()
    s.resolver.lookups[0].errback(error.DNSLookupError("nope"))
    assert s.outcome[0].check(error.DNSLookupError)
    assert s.reactor.tcpClients == []


def test_cancel_while_resolving() -> None:
    """Cancelling during the lookup cancels it and fails with ConnectingCancelledError."""
    s = Setup()
    s.d.cancel()
    assert s.resolver.cancelled == 1
    failure = s.outcome[0]
    assert failure.check(error.ConnectingCancelledError)
    assert failure.value.address == HostnameAddress(b"example.com", 80)


def test_cancel_while_connecting() -> None:
    """Cancelling during the attempts stops each one and the timer."""
    s = Setup()
    s.answer([V4[0], V4[1], V4[2]])
    s.reactor.advance(0.3)
    s.d.cancel()
    assert s.outcome[0].check(error.ConnectingCancelledError)
    assert all(c.stoppedConnecting for c in s.reactor.connectors)
    assert s.reactor.getDelayedCalls() == []


@pytest.mark.parametrize(
    ("host", "expected"),
    [("127.0.0.1", IPv4Address), ("::1", IPv6Address), (b"192.0.2.1", IPv4Address)],
)
def test_address_literals_are_not_resolved(host: str | bytes, expected: type) -> None:
    """A literal address connects at once without asking the resolver."""
    s = Setup(host=host)
    assert s.resolver.asked == []
    assert len(s.hosts()) == 1
    proto, _ = s.succeed(0)
    assert s.outcome == [proto]


def test_undecodable_bytes_host_is_a_value_error() -> None:
    """Bytes that are no host name fail the Deferred with ValueError."""
    s = Setup(host=b"\xff\xfe")
    assert s.outcome[0].check(ValueError)


def test_factory_refusing_fails_with_no_protocol() -> None:
    """buildProtocol returning None fails the attempt with NoProtocol."""
    reactor = MemoryReactorClock()
    resolver = FakeResolver()
    endpoint = HostnameEndpoint(reactor, "h", 80, resolver=resolver)

    class Refusing(Factory):
        def buildProtocol(self, addr: Any) -> None:
            return None

    outcome: list[Any] = []
    endpoint.connect(Refusing()).addBoth(outcome.append)
    resolver.lookups[0].callback([V4[0]])
    assert reactor.tcpClients[0][2].buildProtocol(V4[0]) is None
    reactor.connectors[0].stoppedConnecting = False
    assert outcome[0].check(error.NoProtocol)


def test_tcp6_client_endpoint_resolves_to_ipv6() -> None:
    """TCP6ClientEndpoint connects to the first IPv6 address of a name; none: DNSLookupError."""
    from torsion.internet.endpoints import TCP6ClientEndpoint

    reactor = MemoryReactorClock()
    endpoint = TCP6ClientEndpoint(reactor, "h", 80)
    endpoint.resolver = resolver = FakeResolver()
    outcome: list[Any] = []
    endpoint.connect(Factory.forProtocol(Protocol)).addBoth(outcome.append)
    resolver.lookups[0].callback([V4[0], V6[1], V6[0]])
    assert reactor.tcpClients[0][0] == "2001:db8::2"
    endpoint.connect(Factory.forProtocol(Protocol)).addBoth(outcome.append)
    resolver.lookups[1].callback([V4[0]])
    assert outcome[0].check(error.DNSLookupError)
