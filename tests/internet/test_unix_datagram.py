"""UNIX datagram sockets on every reactor: listen, connect, exchange, paths and errors."""

from __future__ import annotations

import os
import socket
import stat
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.internet._tcphelpers import runUntil
from tests.internet._udphelpers import ConnectedRecorder, Recorder
from tests.internet._unixhelpers import needsAbstract
from torsion.internet import error
from torsion.internet.address import UNIXAddress
from torsion.internet.interfaces import (
    IReactorUNIXDatagram,
    IUNIXDatagramConnectedTransport,
    IUNIXDatagramTransport,
)


@pytest.fixture
def sockdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A short directory for socket paths (they are limited to about 100 bytes)."""
    return Path(tmp_path_factory.mktemp("ud"))


def test_exchange_both_ways(reactor: Any, sockdir: Path) -> None:
    """Two bound ports exchange datagrams; each sees the other's path; mode and cleanup."""
    assert isinstance(reactor, IReactorUNIXDatagram)
    a, b = Recorder(), Recorder()
    pathA, pathB = str(sockdir / "a"), str(sockdir / "b")
    pa = reactor.listenUNIXDatagram(pathA, a, mode=0o600)
    pb = reactor.listenUNIXDatagram(pathB, b)
    assert isinstance(pa, IUNIXDatagramTransport)
    assert pa.getHost() == UNIXAddress(pathA) and a.events == ["start"]
    assert stat.S_IMODE(os.stat(pathA).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(pathB).st_mode) == 0o666  # chmod, so not the umask's
    pa.write(b"hello", pathB)
    assert runUntil(reactor, b.waitFor(1)) == [(b"hello", pathA)]
    assert isinstance(pb, IUNIXDatagramTransport)
    pb.write(b"back", pathA)
    assert runUntil(reactor, a.waitFor(1)) == [(b"back", pathB)]
    runUntil(reactor, pa.stopListening())
    runUntil(reactor, pb.stopListening())
    assert a.events == b.events == ["start", "stop"]
    assert not os.path.exists(pathA) and not os.path.exists(pathB)


def test_path_in_use_then_reused_after_stop(reactor: Any, sockdir: Path) -> None:
    """A bound path cannot be bound again (CannotListenError) until its port stops."""
    path = str(sockdir / "s")
    port = reactor.listenUNIXDatagram(path, Recorder())
    with pytest.raises(error.CannotListenError):
        reactor.listenUNIXDatagram(path, Recorder())
    assert os.path.exists(path)  # the failed attempt did not remove the live socket
    runUntil(reactor, port.stopListening())
    again = reactor.listenUNIXDatagram(path, Recorder())
    runUntil(reactor, again.stopListening())


def test_connected_client(reactor: Any, sockdir: Path) -> None:
    """connectUNIXDatagram with a bind address: write(data), replies, getPeer/getHost."""
    server, client = Recorder(), ConnectedRecorder()
    serverPath, clientPath = str(sockdir / "server"), str(sockdir / "client")
    assert isinstance(reactor, IReactorUNIXDatagram)
    sp = reactor.listenUNIXDatagram(serverPath, server)
    cp = reactor.connectUNIXDatagram(serverPath, client, bindAddress=clientPath)
    assert isinstance(cp, IUNIXDatagramConnectedTransport)
    assert cp.getPeer() == UNIXAddress(serverPath) and cp.getHost() == UNIXAddress(clientPath)
    cp.write(b"question")
    [(data, sender)] = runUntil(reactor, server.waitFor(1))
    assert data == b"question" and sender == clientPath
    assert isinstance(sp, IUNIXDatagramTransport)
    sp.write(b"answer", sender)
    assert runUntil(reactor, client.waitFor(1)) == [(b"answer", None)]
    runUntil(reactor, cp.stopListening())
    runUntil(reactor, sp.stopListening())
    assert client.events == ["start", "stop"]


def test_unbound_client_is_anonymous(reactor: Any, sockdir: Path) -> None:
    """Without a bind address, the server sees a None sender and the client has no name."""
    server, client = Recorder(), ConnectedRecorder()
    serverPath = str(sockdir / "server")
    sp = reactor.listenUNIXDatagram(serverPath, server)
    cp = reactor.connectUNIXDatagram(serverPath, client)
    assert cp.getHost() == UNIXAddress(None)
    cp.write(b"anonymous")
    assert runUntil(reactor, server.waitFor(1)) == [(b"anonymous", None)]
    runUntil(reactor, cp.stopListening())
    runUntil(reactor, sp.stopListening())


def test_connect_to_missing_path_fails(reactor: Any, sockdir: Path) -> None:
    """No socket at the path: connectionFailed, nothing registered, never started."""
    client = ConnectedRecorder()
    reactor.connectUNIXDatagram(str(sockdir / "nobody"), client)
    reason = runUntil(reactor, client.failed)
    assert reason.check(FileNotFoundError, ConnectionRefusedError)
    assert client.events == ["failed"] and reactor.getReaders() == []


def test_peer_gone_is_connection_refused(reactor: Any, sockdir: Path) -> None:
    """Writing after the peer's socket closed calls connectionRefused; the port lives."""
    server, client = Recorder(), ConnectedRecorder()
    serverPath = str(sockdir / "server")
    sp = reactor.listenUNIXDatagram(serverPath, server)
    cp = reactor.connectUNIXDatagram(serverPath, client)
    runUntil(reactor, sp.stopListening())
    cp.write(b"anyone?")
    runUntil(reactor, client.refused)
    assert cp.connected
    runUntil(reactor, cp.stopListening())


def test_too_long_and_oversized(reactor: Any, sockdir: Path) -> None:
    """A datagram longer than the socket allows: MessageLengthError; longer than
    maxPacketSize: dropped, the next one still arrives."""
    a, b = Recorder(), Recorder()
    pathB = str(sockdir / "b")
    pb = reactor.listenUNIXDatagram(pathB, b, maxPacketSize=100)
    pa = reactor.listenUNIXDatagram(str(sockdir / "a"), a)
    limit = pa.getHandle().getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)
    with pytest.raises(error.MessageLengthError):
        pa.write(b"x" * (limit + 1), pathB)
    pa.write(b"y" * 101, pathB)
    pa.write(b"z" * 100, pathB)
    assert runUntil(reactor, b.waitFor(1)) == [(b"z" * 100, str(sockdir / "a"))]
    runUntil(reactor, pa.stopListening())
    runUntil(reactor, pb.stopListening())


@needsAbstract
def test_abstract_namespace(reactor: Any, sockdir: Path) -> None:
    """A "\\0name" address works and creates no file."""
    name = f"\0torsion-test-{uuid.uuid4().hex}"
    server, client = Recorder(), ConnectedRecorder()
    sp = reactor.listenUNIXDatagram(name, server)
    cp = reactor.connectUNIXDatagram(name, client)
    cp.write(b"abstract")
    assert runUntil(reactor, server.waitFor(1))[0][0] == b"abstract"
    assert os.listdir(sockdir) == []
    runUntil(reactor, cp.stopListening())
    runUntil(reactor, sp.stopListening())
