"""Listening ports, connectors and ClientCreator on every reactor."""

from __future__ import annotations

import errno
import json
import socket
import subprocess
import sys
import textwrap
from typing import Any

import pytest

from tests.internet._tcphelpers import Client, Collecting, Recorder, needsIPv6, runUntil
from torsion.internet import error
from torsion.internet.address import IPv4Address, IPv6Address
from torsion.internet.defer import CancelledError, Deferred
from torsion.internet.protocol import ClientCreator
from torsion.testing import reactorName


def _closedPort() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_connection_refused(reactor: Any) -> None:
    """startedConnecting once, then clientConnectionFailed(ConnectionRefusedError) once."""
    client = Client()
    connector = reactor.connectTCP("127.0.0.1", _closedPort(), client)
    assert client.calls == ["started"]
    reason = runUntil(reactor, client.failed)
    assert reason.check(error.ConnectionRefusedError)
    assert reason.value.osError == errno.ECONNREFUSED
    assert client.calls == ["started", "failed"]
    assert connector.state == "disconnected"
    assert not reactor.getWriters() and not client.numPorts


def test_connect_timeout(reactor: Any) -> None:
    """A listener whose backlog is full drops the SYN: TimeoutError after ``timeout``."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    address = listener.getsockname()
    fillers = []
    try:
        for _ in range(4):
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(address)
            fillers.append(filler)
        client = Client()
        connector = reactor.connectTCP(address[0], address[1], client, timeout=0.2)
        assert runUntil(reactor, client.failed).check(error.TimeoutError)
        assert client.calls == ["started", "failed"] and connector.state == "disconnected"
        assert not reactor.getWriters()
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


def test_unresolvable_host(reactor: Any) -> None:
    """A name under .invalid fails with DNSLookupError."""
    client = Client()
    reactor.connectTCP("no-such-host.invalid", 80, client)
    assert runUntil(reactor, client.failed).check(error.DNSLookupError)
    assert client.calls == ["started", "failed"]


def test_host_name_is_resolved(reactor: Any) -> None:
    """localhost resolves (without blocking the loop) and connects."""
    factory = Collecting()
    port = reactor.listenTCP(0, factory, interface="127.0.0.1")
    client = Client()
    connector = reactor.connectTCP("localhost", port.getHost().port, client)
    assert connector.getDestination() == IPv4Address("TCP", "localhost", port.getHost().port)
    proto = runUntil(reactor, client.first)
    proto.transport.loseConnection()
    runUntil(reactor, client.lostConn)
    runUntil(reactor, port.stopListening())


def test_stop_connecting_inside_started_connecting(reactor: Any) -> None:
    """stopConnecting from startedConnecting fails the attempt with UserError, once."""

    class Quitter(Client):
        def startedConnecting(self, connector: Any) -> None:
            super().startedConnecting(connector)
            connector.stopConnecting()

    client = Quitter()
    connector = reactor.connectTCP("127.0.0.1", _closedPort(), client)
    assert client.calls == ["started", "failed"]
    assert runUntil(reactor, client.failed).check(error.UserError)
    with pytest.raises(error.NotConnectingError):
        connector.stopConnecting()
    reactor.iterate(0)  # The scheduled start finds the attempt over and does nothing.
    assert client.calls == ["started", "failed"] and not reactor.getWriters()


def test_reconnect_from_client_connection_lost(reactor: Any) -> None:
    """connector.connect() inside clientConnectionLost makes a second connection."""
    factory = Collecting()
    port = reactor.listenTCP(0, factory, interface="127.0.0.1")
    second: Deferred[Any] = Deferred()

    class Again(Client):
        def clientConnectionLost(self, connector: Any, reason: Any) -> None:
            super().clientConnectionLost(connector, reason)
            if self.calls.count("lost") == 1:
                connector.connect()

        def buildProtocol(self, addr: Any) -> Any:
            p = super().buildProtocol(addr)
            if len(self.built) == 2:
                second.callback(p)
            return p

    client = Again()
    connector = reactor.connectTCP("127.0.0.1", port.getHost().port, client)
    first = runUntil(reactor, client.first)
    first.transport.loseConnection()
    proto = runUntil(reactor, second)
    assert connector.state == "connected" and connector.transport is proto.transport
    assert client.calls == ["started", "build", "lost", "started", "build"]
    assert client.numPorts == 1  # Started once, not stopped while reconnecting.
    connector.disconnect()
    runUntil(reactor, proto.lost)
    assert client.numPorts == 0
    runUntil(reactor, port.stopListening())


def test_bind_address_in_use(reactor: Any) -> None:
    """A bindAddress that is taken fails with ConnectBindError."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        client = Client()
        reactor.connectTCP("127.0.0.1", 9, client, bindAddress=taken.getsockname())
        assert runUntil(reactor, client.failed).check(error.ConnectBindError)


def test_listen_twice_stop_and_relisten(reactor: Any) -> None:
    """Second listen -> CannotListenError; stopListening's Deferred; the port is reusable."""
    factory = Collecting()
    port = reactor.listenTCP(0, factory, interface="127.0.0.1")
    number = port.getHost().port
    with pytest.raises(error.CannotListenError) as info:
        reactor.listenTCP(number, Collecting(), interface="127.0.0.1")
    assert info.value.port == number and info.value.interface == "127.0.0.1"
    assert isinstance(info.value.socketError, OSError)
    client = Client()
    reactor.connectTCP("127.0.0.1", number, client)
    clientProto = runUntil(reactor, client.first)
    serverProto = runUntil(reactor, factory.first)
    assert factory.numPorts == 1
    assert runUntil(reactor, port.stopListening()) is None
    assert factory.numPorts == 0 and not port.connected
    runUntil(reactor, port.stopListening())  # Again: fires at once.
    # The accepted connection outlives the port.
    clientProto.expect = 2
    serverProto.transport.write(b"ok")
    assert runUntil(reactor, clientProto.enough) == b"ok"
    again = reactor.listenTCP(number, factory, interface="127.0.0.1")
    assert again.getHost().port == number
    clientProto.transport.loseConnection()
    runUntil(reactor, serverProto.lost)
    runUntil(reactor, again.stopListening())


def test_factory_shared_by_ports_starts_and_stops_once(reactor: Any) -> None:
    """startFactory before the first port, stopFactory after the last; a raising one fails."""
    calls: list[str] = []

    class Counted(Collecting):
        def startFactory(self) -> None:
            calls.append("start")

        def stopFactory(self) -> None:
            calls.append("stop")
            if len(calls) == 4:
                raise ZeroDivisionError("stop")

    factory = Counted()
    ports = [reactor.listenTCP(0, factory, interface="127.0.0.1") for _ in range(3)]
    assert calls == ["start"] and factory.numPorts == 3
    for port in ports:
        runUntil(reactor, port.stopListening())
    assert calls == ["start", "stop"]
    port = reactor.listenTCP(ports[0].getHost().port, factory, interface="127.0.0.1")
    with pytest.raises(ZeroDivisionError):
        runUntil(reactor, port.stopListening())
    assert calls == ["start", "stop", "start", "stop"]
    runUntil(reactor, reactor.listenTCP(port.getHost().port, Collecting()).stopListening())


def test_listen_on_all_interfaces_reports_ipv4(reactor: Any) -> None:
    """listenTCP(0) without an interface listens on IPv4 and reports an IPv4Address."""
    port = reactor.listenTCP(0, Collecting())
    assert isinstance(port.getHost(), IPv4Address) and port.getHost().host == "0.0.0.0"
    runUntil(reactor, port.stopListening())


@needsIPv6
def test_ipv6_loopback(reactor: Any) -> None:
    """Listening on ::1 and connecting to it gives IPv6Addresses that mirror each other."""
    factory = Collecting()
    port = reactor.listenTCP(0, factory, interface="::1")
    host = port.getHost()
    assert host == IPv6Address("TCP", "::1", host.port)
    client = Client()
    connector = reactor.connectTCP("::1", host.port, client)
    assert connector.getDestination() == IPv6Address("TCP", "::1", host.port)
    clientProto = runUntil(reactor, client.first)
    serverProto = runUntil(reactor, factory.first)
    assert isinstance(serverProto.addr, IPv6Address)
    assert clientProto.transport.getPeer() == host
    assert serverProto.transport.getPeer() == clientProto.transport.getHost()
    clientProto.expect = 3
    serverProto.transport.write(b"six")
    assert runUntil(reactor, clientProto.enough) == b"six"
    clientProto.transport.loseConnection()
    runUntil(reactor, serverProto.lost)
    runUntil(reactor, port.stopListening())


def test_client_creator(reactor: Any) -> None:
    """The Deferred fires with the connected protocol, after its connectionMade."""
    factory = Collecting()
    port = reactor.listenTCP(0, factory, interface="127.0.0.1")
    creator = ClientCreator(reactor, Recorder)
    proto = runUntil(reactor, creator.connectTCP("127.0.0.1", port.getHost().port))
    assert isinstance(proto, Recorder) and proto.events == ["made"]
    assert proto.transport is not None
    proto.transport.loseConnection()
    runUntil(reactor, proto.lost)
    reason = runUntil(
        reactor, creator.connectTCP("127.0.0.1", _closedPort()).addErrback(lambda f: f.value)
    )
    assert isinstance(reason, error.ConnectionRefusedError)
    runUntil(reactor, port.stopListening())


def test_client_creator_cancel(reactor: Any) -> None:
    """Cancelling while connecting abandons the attempt with CancelledError."""
    factory = Collecting()
    port = reactor.listenTCP(0, factory, interface="127.0.0.1")
    d = ClientCreator(reactor, Recorder).connectTCP("127.0.0.1", port.getHost().port)
    d.cancel()
    assert isinstance(runUntil(reactor, d.addErrback(lambda f: f.value)), CancelledError)
    reactor.iterate(0)
    assert not factory.built and not reactor.getWriters()
    runUntil(reactor, port.stopListening())


_EMFILE_SCRIPT = """
import json, logging, resource, socket, sys
from torsion.internet import protocol
from torsion.internet._transports import ports, reservation
from torsion.testing import makeReactor

# No spare descriptor (another thread took it, say): accepting pauses instead.
ports.reservedFD = reservation.NullFileDescriptorReservation()
reactor = makeReactor(sys.argv[1])
events = {"emfile": 0, "accepted": 0}

class Watch(logging.Handler):
    def emit(self, record):
        if "Out of file descriptors" in record.getMessage():
            events["emfile"] += 1
            # Free descriptors: close every connection accepted so far.
            for p in list(live):
                p.transport.loseConnection()

live = []
class Counting(protocol.Protocol):
    def connectionMade(self):
        events["accepted"] += 1
        live.append(self)
        if events["accepted"] == N:
            reactor.callLater(0, reactor.stop)
    def connectionLost(self, reason):
        live.remove(self)

logging.getLogger("torsion").addHandler(Watch())
N = 30
port = reactor.listenTCP(0, protocol.Factory.forProtocol(Counting), backlog=64,
                         interface="127.0.0.1")
clients = [socket.create_connection(("127.0.0.1", port.getHost().port)) for _ in range(N)]
highest = max(c.fileno() for c in clients)
resource.setrlimit(resource.RLIMIT_NOFILE, (highest + 6, resource.getrlimit(
    resource.RLIMIT_NOFILE)[1]))
reactor.run(installSignalHandlers=False)
events["listening"] = port.connected
for c in clients:
    c.close()
print(json.dumps(events))
"""


def test_accept_survives_fd_exhaustion(reactor: Any) -> None:
    """Without a spare descriptor, EMFILE on accept is logged, accepting pauses (no busy loop)
    and resumes; the port lives.

    Runs in a subprocess, with a reactor of the fixture's kind, and RLIMIT_NOFILE lowered so
    that only a few descriptors are left.
    """
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_EMFILE_SCRIPT), str(reactorName(reactor))],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    events = json.loads(done.stdout.strip().splitlines()[-1])
    assert events["accepted"] == 30 and events["listening"] is True
    assert 1 <= events["emfile"] <= 15


def test_accepts_per_wake_up_are_bounded(reactor: Any) -> None:
    """One readable port accepts at most numberAccepts connections per pass, then the rest."""
    factory = Collecting()
    port = reactor.listenTCP(0, factory, interface="127.0.0.1")
    port.numberAccepts = 2
    clients = [socket.create_connection(("127.0.0.1", port.getHost().port)) for _ in range(5)]
    try:
        reactor.iterate(0)
        assert len(factory.built) == 2
        while len(factory.built) < 5:
            before = len(factory.built)
            reactor.iterate(1)
            assert len(factory.built) - before in (1, 2)
    finally:
        for client in clients:
            client.close()
    runUntil(reactor, port.stopListening())
