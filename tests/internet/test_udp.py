"""UDP ports on every reactor: exchange, sizes, errors, connected mode, stopping, IPv6."""

from __future__ import annotations

import errno
import logging
import socket
from typing import Any

import pytest

from tests.internet._tcphelpers import needsIPv6, runUntil
from tests.internet._udphelpers import Recorder
from torsion.internet import error
from torsion.internet.address import IPv4Address, IPv6Address
from torsion.internet.interfaces import IListeningPort, IReactorUDP, IUDPTransport
from torsion.internet.protocol import DatagramProtocol
from torsion.python import log


def pair(reactor: Any, host: str = "127.0.0.1", **kw: Any) -> tuple[Any, Recorder, Any, Recorder]:
    """Two ports on ``host``: (sender port, its protocol, receiver port, its protocol)."""
    a, b = Recorder(), Recorder()
    pa = reactor.listenUDP(0, a, interface=host)
    pb = reactor.listenUDP(0, b, interface=host, **kw)
    return pa, a, pb, b


def stop(reactor: Any, *ports: Any) -> None:
    for port in ports:
        runUntil(reactor, port.stopListening())


def addr(port: Any) -> tuple[str, int]:
    return (port.getHost().host, port.getHost().port)


class CrazyProtocol(DatagramProtocol):
    def logPrefix(self) -> str:
        return "Crazy Protocol"


def test_port_start_and_close_are_twisteds_legacy_lines(reactor: Any) -> None:
    """As in Twisted, legacy events (its tests read their ``message``) in the port's module."""
    events: list[dict[str, Any]] = []
    log.addObserver(events.append)
    try:
        port = reactor.listenUDP(0, CrazyProtocol(), interface="127.0.0.1")
        number = port.getHost().port
        stop(reactor, port)
    finally:
        log.removeObserver(events.append)
    assert [(e["log_namespace"], e["message"]) for e in events if e["message"]] == [
        ("torsion.internet.udp", (f"Crazy Protocol starting on {number}",)),
        ("torsion.internet.udp", (f"(UDP Port {number} Closed)",)),
    ]


def test_exchange_addresses_and_lifecycle(reactor: Any) -> None:
    """A datagram arrives with the sender's (host, port); the reply comes back; start, stop."""
    assert isinstance(reactor, IReactorUDP)
    pa, a, pb, b = pair(reactor)
    assert isinstance(pa, IListeningPort) and isinstance(pa, IUDPTransport)
    assert a.transport is pa and a.events == ["start"] and a.numPorts == 1
    host = pb.getHost()
    assert isinstance(host, IPv4Address) and host.type == "UDP" and host.host == "127.0.0.1"
    assert host.port != 0 and pb._realPortNumber == host.port  # Twisted's private name
    a.transport.write(b"ping", addr(pb))
    [(data, sender)] = runUntil(reactor, b.waitFor(1))
    assert data == b"ping" and sender == addr(pa)
    b.transport.write(b"pong", sender)
    assert runUntil(reactor, a.waitFor(1)) == [(b"pong", addr(pb))]
    stop(reactor, pa, pb)
    assert a.events == b.events == ["start", "stop"]
    assert a.transport is None and a.numPorts == 0 and not pa.connected


def test_datagram_sizes_and_too_long_write(reactor: Any) -> None:
    """Sizes up to 65,507 bytes arrive whole; 65,508 raises MessageLengthError, not fatal."""
    pa, _a, pb, b = pair(reactor, maxPacketSize=65535)
    sizes = [0, 1, 1472, 8192, 65507]
    payloads = [bytes([i]) * n for i, n in enumerate(sizes)]
    for payload in payloads:
        pa.write(payload, addr(pb))
    got = runUntil(reactor, b.waitFor(len(sizes)))
    assert [data for data, _ in got] == payloads
    assert all(sender == addr(pa) for _, sender in got)
    with pytest.raises(error.MessageLengthError) as info:
        pa.write(b"x" * 65508, addr(pb))
    assert isinstance(info.value, OSError) and info.value.errno == errno.EMSGSIZE
    pa.write(b"still works", addr(pb))
    assert runUntil(reactor, b.waitFor(6))[-1][0] == b"still works"
    stop(reactor, pa, pb)


def test_received_datagram_longer_than_maxPacketSize_is_dropped(
    reactor: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """9,000 bytes to a default (8,192) port: dropped with one log line, never truncated."""
    pa, _a, pb, b = pair(reactor)
    pa.write(b"y" * 8193, addr(pb))
    pa.write(b"z" * 8192, addr(pb))
    with caplog.at_level(logging.WARNING):
        pa.write(b"x" * 9000, addr(pb))
        pa.write(b"after", addr(pb))
        got = runUntil(reactor, b.waitFor(2))
    assert [data for data, _ in got] == [b"z" * 8192, b"after"]
    drops = [r for r in caplog.records if "maxPacketSize" in r.getMessage()]
    assert len(drops) == 2
    stop(reactor, pa, pb)


class OddFails(Recorder):
    def datagramReceived(self, datagram: bytes, addr: Any) -> None:
        if int(datagram) % 2:
            raise ValueError(f"odd {int(datagram)}")
        super().datagramReceived(datagram, addr)


def test_handler_errors_do_not_close_the_port(
    reactor: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """Every odd datagram raises: 50 errors logged, 50 handled, the port keeps going."""
    a, b = Recorder(), OddFails()
    pa = reactor.listenUDP(0, a, interface="127.0.0.1")
    pb = reactor.listenUDP(0, b, interface="127.0.0.1")
    with caplog.at_level(logging.ERROR):
        for i in range(100):
            pa.write(b"%d" % i, addr(pb))
        pa.write(b"1000", addr(pb))
        got = runUntil(reactor, b.waitFor(51))
    assert [int(d) for d, _ in got] == [*range(0, 100, 2), 1000]
    errors = [r for r in caplog.records if r.exc_info and "datagramReceived" in r.getMessage()]
    assert len(errors) == 50 and all("odd" in str(r.exc_info[1]) for r in errors)  # type: ignore[index]
    assert pb.connected and b.events == ["start"]
    stop(reactor, pa, pb)
    assert b.events == ["start", "stop"]


def closedPort() -> int:
    """A UDP port nothing is bound to (free a moment ago)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_connected_port_hears_connection_refused(reactor: Any) -> None:
    """connect() to a closed port: write without an address, connectionRefused, port lives."""
    a = Recorder()
    pa = reactor.listenUDP(0, a, interface="127.0.0.1")
    target = ("127.0.0.1", closedPort())
    pa.connect(*target)
    pa.write(b"x")
    runUntil(reactor, a.refused)
    pa.write(b"x", target)  # the peer itself is accepted as an address
    assert pa.connected and pa.fileno() in [r.fileno() for r in reactor.getReaders()]
    with pytest.raises(error.InvalidAddressError):
        pa.write(b"x", ("127.0.0.1", target[1] + 1))
    with pytest.raises(RuntimeError):
        pa.connect(*target)
    stop(reactor, pa)
    assert a.events[0] == "start" and "refused" in a.events and a.events[-1] == "stop"


def test_connected_exchange(reactor: Any) -> None:
    """Two ports connected to each other exchange datagrams with write(data)."""
    pa, a, pb, b = pair(reactor)
    pa.connect(*addr(pb))
    pb.connect(*addr(pa))
    pa.write(b"one")
    assert runUntil(reactor, b.waitFor(1)) == [(b"one", addr(pa))]
    pb.writeSequence([b"tw", b"o"])
    assert runUntil(reactor, a.waitFor(1)) == [(b"two", addr(pb))]
    stop(reactor, pa, pb)


def test_bad_addresses(reactor: Any) -> None:
    """Host names, the wrong family, or no address where one is needed: InvalidAddressError."""
    pa, _a, pb, _b = pair(reactor)
    p = pb.getHost().port
    for bad in [("localhost", p), ("::1", p)]:
        with pytest.raises(error.InvalidAddressError):
            pa.write(b"x", bad)
    with pytest.raises(error.InvalidAddressError):
        pa.write(b"x")
    with pytest.raises(error.InvalidAddressError):
        pa.connect("localhost", p)
    with pytest.raises(error.InvalidAddressError):
        reactor.listenUDP(0, Recorder(), interface="localhost")
    with pytest.raises(TypeError):
        pa.write("text", addr(pb))
    stop(reactor, pa, pb)


class StopsAtFirst(Recorder):
    def datagramReceived(self, datagram: bytes, addr: Any) -> None:
        super().datagramReceived(datagram, addr)
        self.events.append("received")
        self.stopping = self.transport.stopListening()
        self.events.append("returned")


def test_stop_inside_datagramReceived_then_rebind(reactor: Any) -> None:
    """stopProtocol once, after datagramReceived returns; nothing more read; rebind works."""
    a, b = Recorder(), StopsAtFirst()
    pa = reactor.listenUDP(0, a, interface="127.0.0.1")
    pb = reactor.listenUDP(0, b, interface="127.0.0.1")
    where = addr(pb)
    for i in range(3):
        pa.write(b"%d" % i, where)
    runUntil(reactor, b.stopped)
    runUntil(reactor, b.stopping)
    assert b.events == ["start", "received", "returned", "stop"]
    assert len(b.received) == 1
    pb.write(b"after close", addr(pa))  # dropped, no error
    with pytest.raises(error.CannotListenError):
        reactor.listenUDP(addr(pa)[1], Recorder(), interface="127.0.0.1")
    again = Recorder()
    pc = reactor.listenUDP(where[1], again, interface="127.0.0.1")
    pa.write(b"new", where)
    assert runUntil(reactor, again.waitFor(1))[0][0] == b"new"
    stop(reactor, pa, pc)


@needsIPv6
def test_ipv6_round_trip(reactor: Any) -> None:
    """On ::1: IPv6Address, (host, port) pairs without flow info, no IPv4 destinations."""
    pa, _a, pb, b = pair(reactor, host="::1")
    host = pb.getHost()
    assert isinstance(host, IPv6Address) and host.host == "::1" and host.type == "UDP"
    pa.write(b"six", addr(pb))
    assert runUntil(reactor, b.waitFor(1)) == [(b"six", addr(pa))]
    with pytest.raises(error.InvalidAddressError):
        pa.write(b"x", ("127.0.0.1", host.port))
    stop(reactor, pa, pb)


def test_broadcast_option_and_handle(reactor: Any) -> None:
    port = reactor.listenUDP(0, Recorder(), interface="127.0.0.1")
    assert port.getBroadcastAllowed() is False
    port.setBroadcastAllowed(True)
    assert port.getBroadcastAllowed() is True
    assert port.getHandle().fileno() == port.fileno()
    stop(reactor, port)


def test_one_protocol_on_two_ports(reactor: Any) -> None:
    """startProtocol at the first port, stopProtocol after the last (numPorts counts)."""
    shared = Recorder()
    p1 = reactor.listenUDP(0, shared, interface="127.0.0.1")
    p2 = reactor.listenUDP(0, shared, interface="127.0.0.1")
    assert shared.numPorts == 2 and shared.events == ["start"]
    stop(reactor, p1)
    assert shared.events == ["start"]
    runUntil(reactor, p2.loseConnection())
    assert shared.events == ["start", "stop"] and shared.numPorts == 0


class FailsToStart(DatagramProtocol):
    def startProtocol(self) -> None:
        raise RuntimeError("no")


def test_startProtocol_error_propagates_and_closes(reactor: Any) -> None:
    with pytest.raises(RuntimeError):
        reactor.listenUDP(0, FailsToStart(), interface="127.0.0.1")
    assert reactor.getReaders() == []


def test_shutdown_closes_ports(reactor: Any) -> None:
    """Stopping the reactor closes its UDP ports and stops their protocols."""
    proto = Recorder()
    port = reactor.listenUDP(0, proto, interface="127.0.0.1")
    reactor.callWhenRunning(reactor.stop)
    reactor.run(installSignalHandlers=False)
    assert not port.connected and proto.events == ["start", "stop"]
    assert port.getHandle().fileno() == -1


def test_drained_socket_is_not_an_error(reactor: Any) -> None:
    """doRead with nothing to read (EAGAIN) returns quietly: the port is not disconnected."""
    proto = Recorder()
    port = reactor.listenUDP(0, proto, interface="127.0.0.1")
    assert port.doRead() is None
    stop(reactor, port)
