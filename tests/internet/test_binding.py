"""makeBinding, resolveIPv6 and the socket addresses of torsion.internet._transports.binding,
and listenTCP/connectTCP with a binding."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.internet._tcphelpers import Client, Collecting, runUntil
from torsion.internet import tcp
from torsion.internet._transports.binding import (
    _Binding,
    connectAddress,
    listenBinding,
    socketAddress,
)


def _option(skt: socket.socket, name: int) -> bool:
    return bool(skt.getsockopt(socket.SOL_SOCKET, name))


def test_make_binding_defaults() -> None:
    """Every interface, any port, no reuse option; bindings compare by value."""
    binding = tcp.makeBinding()
    assert binding == _Binding("", 0, False, False)
    assert tcp.makeBinding("1.2.3.4", 5, reusePort=True) == tcp.makeBinding(
        "1.2.3.4", 5, False, True
    )


def test_listen_binding_of_a_port_number_reuses_the_address() -> None:
    """A bare port number listens with SO_REUSEADDR, as listenTCP always did."""
    assert listenBinding(80, "::1") == _Binding("::1", 80, True, False)


def test_listen_binding_refuses_another_interface() -> None:
    """A binding and a different interface= are refused; the same one is fine."""
    binding = tcp.makeBinding("127.0.0.1", 0)
    assert listenBinding(binding, "") is binding
    assert listenBinding(binding, "127.0.0.1") is binding
    with pytest.raises(ValueError, match="Inconsistent"):
        listenBinding(binding, "10.0.0.1")


@given(st.integers(min_value=-(2**20), max_value=2**20))
def test_resolve_ipv6_keeps_the_port(port: int) -> None:
    """The port comes back as given, even outside 0-65535."""
    host, kept, flowInfo, scopeID = tcp._resolveIPv6("::1", port)
    assert (host, kept, flowInfo, scopeID) == ("::1", port, 0, 0)


@pytest.mark.parametrize(("host", "port"), [("localhost", 1), ("::1", "http")])
def test_resolve_ipv6_never_looks_up(host: str, port: Any) -> None:
    """A name or a service is refused (EAI_NONAME), never looked up."""
    with pytest.raises(socket.gaierror) as caught:
        tcp._resolveIPv6(host, port)
    assert caught.value.errno == socket.EAI_NONAME


def test_socket_addresses() -> None:
    """IPv4 and the empty interface pass as they are; IPv6 gets its 4-tuple."""
    assert socketAddress("", 80) == ("", 80)
    assert socketAddress("127.0.0.1", 80) == ("127.0.0.1", 80)
    assert socketAddress("::1", 80) == ("::1", 80, 0, 0)
    assert connectAddress("127.0.0.1", 80) == ("127.0.0.1", 80)
    assert connectAddress("::1", 80) == ("::1", 80, 0, 0)


def test_connect_address_refuses_a_negative_ipv6_port() -> None:
    """As Twisted's client: getnameinfo refuses the port (EAI_SERVICE)."""
    with pytest.raises(socket.gaierror):
        connectAddress("::1", -1)


@pytest.mark.parametrize(
    ("reuseAddress", "reusePort"), [(False, False), (True, False), (False, True), (True, True)]
)
def test_listen_with_a_binding(reactor: Any, reuseAddress: bool, reusePort: bool) -> None:
    """listenTCP takes a binding: its address, its port and its socket options."""
    binding = tcp.makeBinding("127.0.0.1", 0, reuseAddress=reuseAddress, reusePort=reusePort)
    port = reactor.listenTCP(binding, Collecting())
    try:
        assert port.getHost().host == "127.0.0.1"
        skt = port.socket
        assert _option(skt, socket.SO_REUSEADDR) == reuseAddress
        assert _option(skt, socket.SO_REUSEPORT) == reusePort
    finally:
        runUntil(reactor, port.stopListening())


def test_listen_with_a_port_number_reuses_the_address(reactor: Any) -> None:
    """A port number listens with SO_REUSEADDR and without SO_REUSEPORT."""
    port = reactor.listenTCP(0, Collecting(), interface="127.0.0.1")
    try:
        assert _option(port.socket, socket.SO_REUSEADDR)
        assert not _option(port.socket, socket.SO_REUSEPORT)
    finally:
        runUntil(reactor, port.stopListening())


def test_listen_refuses_an_inconsistent_interface(reactor: Any) -> None:
    """A binding plus another interface= is a ValueError; nothing listens."""
    with pytest.raises(ValueError):
        reactor.listenTCP(tcp.makeBinding("127.0.0.1", 0), Collecting(), interface="::1")


@pytest.mark.parametrize("legacy", [True, False])
def test_connect_binds_before_connecting(reactor: Any, legacy: bool) -> None:
    """connectTCP binds its socket at once, to a (host, port) or a binding (with options)."""
    factory = Collecting()
    port = reactor.listenTCP(0, factory, interface="127.0.0.1")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        local = probe.getsockname()[1]
    bindAddress: Any = (
        ("127.0.0.1", local) if legacy else tcp.makeBinding("127.0.0.1", local, reusePort=True)
    )
    client = Client()
    connector = reactor.connectTCP(
        "127.0.0.1", port.getHost().port, client, bindAddress=bindAddress
    )
    skt = connector.transport.socket
    assert skt.getsockname()[1] == local
    assert _option(skt, socket.SO_REUSEPORT) is not legacy
    protocol = runUntil(reactor, client.first)
    runUntil(reactor, protocol.made)
    assert protocol.transport.getHost().port == local
    server = runUntil(reactor, factory.first)
    protocol.transport.loseConnection()
    runUntil(reactor, server.lost)
    runUntil(reactor, client.lostConn)
    runUntil(reactor, port.stopListening())
