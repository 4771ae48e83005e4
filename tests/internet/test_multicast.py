"""Multicast ports on every reactor, on the loopback interface.

Receivers bind the group address itself (never all interfaces) and join the group on
127.0.0.1; senders send from 127.0.0.1. A machine without multicast on loopback skips, with
the reason, after trying (`loopbackMulticastProblem`).
"""

from __future__ import annotations

import socket
from collections.abc import Sequence
from typing import Any

import pytest

from tests.internet._tcphelpers import needsIPv6, runUntil
from tests.internet._udphelpers import LOOPBACK, Recorder, loopbackMulticastProblem
from torsion.internet import error
from torsion.internet.address import IPv4Address
from torsion.internet.defer import Deferred, fail, succeed
from torsion.internet.interfaces import IMulticastTransport, IReactorMulticast, IReactorUDP

pytestmark = pytest.mark.skipif(
    (problem := loopbackMulticastProblem()) is not None, reason=str(problem)
)


def groupPort(reactor: Any, group: str, proto: Recorder, **kw: Any) -> Any:
    """A multicast port bound to ``group`` that joined it on the loopback interface."""
    port = reactor.listenMulticast(0, proto, interface=group, **kw)
    runUntil(reactor, port.joinGroup(group, LOOPBACK))
    return port


def sender(reactor: Any) -> tuple[Any, Recorder]:
    proto = Recorder()
    port = reactor.listenMulticast(0, proto, interface=LOOPBACK)
    assert runUntil(reactor, port.setOutgoingInterface(LOOPBACK)) == 1
    return port, proto


def stop(reactor: Any, *ports: Any) -> None:
    for port in ports:
        runUntil(reactor, port.stopListening())


def test_join_send_receive_leave(reactor: Any) -> None:
    """A datagram to the group reaches the member; after leaveGroup it no longer does."""
    assert isinstance(reactor, IReactorMulticast)
    group = "228.0.0.1"
    member = Recorder()
    port = groupPort(reactor, group, member)
    assert isinstance(port, IMulticastTransport)
    out, _ = sender(reactor)
    assert out.getOutgoingInterface() == LOOPBACK
    host = port.getHost()
    assert isinstance(host, IPv4Address)
    where = (group, host.port)
    out.write(b"hello group", where)
    [(data, source)] = runUntil(reactor, member.waitFor(1))
    assert data == b"hello group" and source == (LOOPBACK, out.getHost().port)
    runUntil(reactor, port.leaveGroup(group, LOOPBACK))
    out.write(b"after leaving", where)
    # A unicast marker sent after it proves the group datagram was not delivered.
    marker = Recorder()
    assert isinstance(reactor, IReactorUDP)
    unicast = reactor.listenUDP(0, marker, interface=LOOPBACK)
    unicastHost = unicast.getHost()
    assert isinstance(unicastHost, IPv4Address)
    out.write(b"marker", (LOOPBACK, unicastHost.port))
    runUntil(reactor, marker.waitFor(1))
    assert len(member.received) == 1
    stop(reactor, port, out, unicast)


def test_two_listeners_on_one_port_with_listenMultiple(reactor: Any) -> None:
    """listenMultiple: two sockets bind one port, both hear the group; without it, refused."""
    group = "228.0.0.2"
    first, second = Recorder(), Recorder()
    p1 = groupPort(reactor, group, first, listenMultiple=True)
    p2 = reactor.listenMulticast(p1.getHost().port, second, interface=group, listenMultiple=True)
    runUntil(reactor, p2.joinGroup(group, LOOPBACK))
    with pytest.raises(error.CannotListenError):
        reactor.listenMulticast(p1.getHost().port, Recorder(), interface=group)
    out, _ = sender(reactor)
    out.write(b"to both", (group, p1.getHost().port))
    runUntil(reactor, first.waitFor(1))
    runUntil(reactor, second.waitFor(1))
    assert first.received[0][0] == second.received[0][0] == b"to both"
    stop(reactor, p1, p2, out)


def test_loopback_mode_and_ttl(reactor: Any) -> None:
    """TTL and loopback mode read back what was set (defaults 1 and on).

    Whether loopback mode takes effect cannot be seen here: sent *through* the loopback
    interface, a datagram comes back as any received one does, whatever the mode.
    """
    out, _ = sender(reactor)
    assert out.getTTL() == 1 and out.getLoopbackMode() is True
    out.setTTL(2)
    out.setLoopbackMode(0)
    assert out.getTTL() == 2 and out.getLoopbackMode() is False
    out.setLoopbackMode(1)
    assert out.getLoopbackMode() is True
    stop(reactor, out)


def test_outgoing_interface_by_host_name_is_resolved(reactor: Any) -> None:
    """As in Twisted, an IPv4 port looks a name up with the reactor's resolver."""

    class Resolver:
        def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> Deferred[str]:
            if name == "loopback.test":
                return succeed(LOOPBACK)
            return fail(error.DNSLookupError(name))

    reactor.installResolver(Resolver())
    out = reactor.listenMulticast(0, Recorder(), interface=LOOPBACK)
    runUntil(reactor, out.setOutgoingInterface("0.0.0.0"))
    assert runUntil(reactor, out.setOutgoingInterface("loopback.test")) == 1
    assert out.getOutgoingInterface() == LOOPBACK
    with pytest.raises(error.DNSLookupError):
        runUntil(reactor, out.setOutgoingInterface("nowhere.test"))
    stop(reactor, out)


def test_join_errors_fail_the_deferred(reactor: Any) -> None:
    """Joining a unicast address, or a host name, fails with MulticastJoinError."""
    port = reactor.listenMulticast(0, Recorder(), interface=LOOPBACK)
    for bad in ["127.0.0.2", "not.an.address"]:
        with pytest.raises(error.MulticastJoinError):
            runUntil(reactor, port.joinGroup(bad, LOOPBACK))
    stop(reactor, port)


@needsIPv6
def test_ipv6_options_and_membership(reactor: Any) -> None:
    """An IPv6 port: hop limit, loopback, outgoing interface by index, join/leave by name.

    (Sending to an IPv6 group over loopback has no route on Linux, so only the options.)
    """
    names = [name for _, name in socket.if_nameindex() if name in ("lo", "lo0")]
    if not names:
        pytest.skip("no loopback interface named lo or lo0")
    port = reactor.listenMulticast(0, Recorder(), interface="::1")
    index = socket.if_nametoindex(names[0])
    port.setTTL(3)
    port.setLoopbackMode(False)
    assert port.getTTL() == 3 and port.getLoopbackMode() is False
    assert runUntil(reactor, port.setOutgoingInterface(index)) == 1
    assert port.getOutgoingInterface() == index
    runUntil(reactor, port.joinGroup("ff05::1:3", names[0]))
    runUntil(reactor, port.leaveGroup("ff05::1:3", str(index)))
    with pytest.raises(error.MulticastJoinError):
        runUntil(reactor, port.joinGroup("228.0.0.1", names[0]))
    stop(reactor, port)
