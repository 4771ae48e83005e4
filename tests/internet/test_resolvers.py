"""The pluggable resolvers: IResolverSimple and IHostnameResolver, and the bridges between them."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from torsion.internet._reactors.simpleresolver import _asciiName
from torsion.internet._resolver import (
    ComplexResolverSimplifier,
    FirstOneWins,
    HostResolution,
    SimpleResolverComplexifier,
)
from torsion.internet.address import IPv4Address, IPv6Address
from torsion.internet.base import ReactorBase
from torsion.internet.defer import Deferred, fail, succeed
from torsion.internet.error import DNSLookupError
from torsion.internet.interfaces import IAddress, IHostResolution, IResolutionReceiver
from torsion.internet.selectreactor import SelectReactor
from torsion.logger import LogLevel, capturedLogs, formatEvent
from torsion.python.failure import Failure


class Simple:
    """An `IResolverSimple` with fixed answers."""

    def __init__(self, answers: dict[str, str | Exception]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> Deferred[str]:
        self.asked.append(name)
        answer = self.answers.get(name, DNSLookupError(name))
        return fail(answer) if isinstance(answer, Exception) else succeed(answer)


class Receiver:
    """An `IResolutionReceiver` that records what it hears."""

    def __init__(self) -> None:
        self.events: list[object] = []

    def resolutionBegan(self, resolution: IHostResolution) -> None:
        self.events.append(("began", resolution.name))

    def addressResolved(self, address: IAddress) -> None:
        self.events.append(address)

    def resolutionComplete(self) -> None:
        self.events.append("complete")


class Complex:
    """An `IHostnameResolver` that answers with the given addresses."""

    def __init__(self, *addresses: IAddress) -> None:
        self.addresses = addresses

    def resolveHostName(
        self,
        resolutionReceiver: IResolutionReceiver,
        hostName: str,
        portNumber: int = 0,
        addressTypes: Sequence[type[IAddress]] | None = None,
        transportSemantics: str = "TCP",
    ) -> IHostResolution:
        resolution = HostResolution(hostName)
        resolutionReceiver.resolutionBegan(resolution)
        for address in self.addresses:
            resolutionReceiver.addressResolved(address)
        resolutionReceiver.resolutionComplete()
        return resolution


def result(d: Deferred[str]) -> str | Failure:
    out: list[str | Failure] = []
    d.addBoth(out.append)
    return out[0]


def test_simplifier_gives_the_first_ipv4_address() -> None:
    simplifier = ComplexResolverSimplifier(
        Complex(IPv6Address("TCP", "::1", 0), IPv4Address("TCP", "10.0.0.1", 0))
    )
    assert result(simplifier.getHostByName("example.test")) == "::1"
    first = ComplexResolverSimplifier(
        Complex(IPv4Address("TCP", "10.0.0.1", 0), IPv4Address("TCP", "10.0.0.2", 0))
    )
    assert result(first.getHostByName("example.test")) == "10.0.0.1"


def test_simplifier_fails_when_nothing_resolves() -> None:
    outcome = result(ComplexResolverSimplifier(Complex()).getHostByName("nowhere.test"))
    assert isinstance(outcome, Failure) and outcome.check(DNSLookupError)
    assert "nowhere.test" in str(outcome.value)


def test_first_one_wins_ignores_later_answers() -> None:
    d: Deferred[str] = Deferred()
    receiver = FirstOneWins(d)
    receiver.resolutionBegan(HostResolution("x"))
    receiver.addressResolved(IPv4Address("TCP", "10.0.0.1", 0))
    receiver.addressResolved(IPv4Address("TCP", "10.0.0.2", 0))
    receiver.resolutionComplete()
    assert result(d) == "10.0.0.1"


def test_complexifier_reports_one_address_and_completes() -> None:
    receiver = Receiver()
    complexifier = SimpleResolverComplexifier(Simple({"a.test": "10.0.0.7"}))
    resolution = complexifier.resolveHostName(receiver, "a.test", 80, transportSemantics="UDP")
    assert receiver.events == [("began", "a.test"), IPv4Address("UDP", "10.0.0.7", 80), "complete"]
    with pytest.raises(NotImplementedError):
        resolution.cancel()


def test_complexifier_unknown_name_completes_quietly_other_errors_are_logged() -> None:
    simple = Simple({"broken.test": RuntimeError("resolver crashed")})
    complexifier = SimpleResolverComplexifier(simple)
    unknown, broken = Receiver(), Receiver()
    with capturedLogs() as events:
        complexifier.resolveHostName(unknown, "unknown.test")
        complexifier.resolveHostName(broken, "broken.test")
    assert unknown.events == [("began", "unknown.test"), "complete"]
    assert broken.events == [("began", "broken.test"), "complete"]
    # Twisted's message and fields.
    assert [
        (e["log_namespace"], e["log_level"], e["name"], e["resolver"], e["log_failure"].type)
        for e in events
    ] == [("torsion.internet.base", LogLevel.error, "broken.test", simple, RuntimeError)]
    assert formatEvent(events[0]) == f"while looking up broken.test with {simple}"


def test_installed_resolvers_stay_in_step() -> None:
    """Installing either kind makes the other ask it, as Twisted's reactors do."""
    reactor = SelectReactor()
    try:
        simple = Simple({"a.test": "10.0.0.7"})
        previous = reactor.installResolver(simple)
        assert previous is not simple and reactor.resolver is simple
        assert result(reactor.resolve("a.test")) == "10.0.0.7"
        receiver = Receiver()
        reactor.nameResolver.resolveHostName(receiver, "a.test")
        assert IPv4Address("TCP", "10.0.0.7", 0) in receiver.events

        reactor.installNameResolver(Complex(IPv4Address("TCP", "10.9.9.9", 0)))
        assert result(reactor.resolve("b.test")) == "10.9.9.9"
        # Literal addresses and the empty name never reach a resolver.
        assert result(reactor.resolve("192.0.2.1")) == "192.0.2.1"
        assert result(reactor.resolve("")) == "0.0.0.0"
    finally:
        reactor.close()


def test_complexifier_asks_the_simple_resolver_in_idna() -> None:
    simple = Simple({})
    complexifier = SimpleResolverComplexifier(simple)
    for name in ["example.example", "v\xe4\xe4ntynyt.example", "\u0440\u0444.example"]:
        complexifier.resolveHostName(Receiver(), name)
    assert simple.asked == ["example.example", "xn--vntynyt-5waa.example", "xn--p1ai.example"]
    assert all(type(name) is str for name in simple.asked)


def test_reactor_base_resolves_through_an_installed_resolver() -> None:
    reactor = ReactorBase()
    try:
        simple = Simple({"a.test": "10.0.0.8"})
        reactor.installResolver(simple)
        assert result(reactor.resolve("a.test")) == "10.0.0.8"
    finally:
        reactor.close()


@given(st.text(max_size=40))
def test_ascii_name_is_the_name_or_its_decodable_idna_form(name: str) -> None:
    """Never raises: an ASCII name is asked as is, another as IDNA that decodes again, or (if
    it has no IDNA form) as is, for the lookup to fail on."""
    asked = _asciiName(name)
    if name.isascii() or asked == name:
        assert asked == name
    else:
        assert asked.isascii()
        asked.encode("ascii").decode("idna")
