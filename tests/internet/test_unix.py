"""UNIX stream sockets on every reactor: addresses, paths, PID locks, listening, connecting.

Data, closing, aborting, half-close and producers are checked by
`torsion.testing.checkStreamTransport` in tests/testing/test_streamcheck.py.
"""

from __future__ import annotations

import errno
import os
import socket
import stat
from collections.abc import Iterator
from typing import Any

import pytest

from tests.internet._tcphelpers import (
    Client,
    Collecting,
    Echo,
    Recorder,
    runUntil,
)
from tests.internet._unixhelpers import (
    close,
    connectPair,
    needsAbstract,
    shortDirectory,
)
from torsion.internet import error
from torsion.internet.address import UNIXAddress
from torsion.internet.defer import CancelledError, gatherResults
from torsion.internet.interfaces import IListeningPort, IReactorUNIX, IUNIXTransport
from torsion.internet.protocol import ClientCreator, ServerFactory
from torsion.python import log

MiB = 1024 * 1024


@pytest.fixture
def sockdir() -> Iterator[str]:
    yield from shortDirectory()


class CrazyFactory(ServerFactory):
    def logPrefix(self) -> str:
        return "Crazy Factory"


def test_port_start_and_close_are_twisteds_legacy_lines(reactor: Any, sockdir: str) -> None:
    """As in Twisted, legacy events (its tests read their ``message``) in the port's module."""
    path = os.path.join(sockdir, "s")
    events: list[dict[str, Any]] = []
    log.addObserver(events.append)
    try:
        port = reactor.listenUNIX(path.encode(), CrazyFactory())
        runUntil(reactor, port.stopListening())
    finally:
        log.removeObserver(events.append)
    assert [(e["log_namespace"], e["message"]) for e in events if e["message"]] == [
        ("torsion.internet.unix", (f"Crazy Factory starting on {path!r}",)),
        ("torsion.internet.unix", (f"(UNIX Port {path} Closed)",)),
    ]


def test_lifecycle_and_addresses(reactor: Any, sockdir: str) -> None:
    """made -> data -> lost(ConnectionDone); the addresses are Twisted's; the file goes away."""
    path = os.path.join(sockdir, "s")
    assert isinstance(reactor, IReactorUNIX)
    port, server, client = connectPair(reactor, path, Echo)
    assert isinstance(port, IListeningPort) and isinstance(client.transport, IUNIXTransport)
    assert port.getHost() == client.transport.getPeer() == server.transport.getHost()
    assert port.getHost() == UNIXAddress(path) and stat.S_ISSOCK(os.stat(path).st_mode)
    # The client socket is not bound: no name on either side.
    assert client.transport.getHost() == server.transport.getPeer() == UNIXAddress(None)
    assert server.addr == UNIXAddress(None)
    assert repr(port) == f"<Collecting on {path!r}>"
    # Not a kind of TCP: no TCP socket options (on Twisted they raise OSError here).
    assert not hasattr(client.transport, "setTcpNoDelay")
    client.expect = 5
    client.transport.write(b"hello")
    assert runUntil(reactor, client.enough) == b"hello"
    client.transport.loseConnection()
    reasons = runUntil(reactor, gatherResults([client.lost, server.lost]))
    assert all(r.check(error.ConnectionDone) for r in reasons)
    assert client.events == server.events == ["made", "data", "lost"]
    runUntil(reactor, port.stopListening())
    assert os.listdir(sockdir) == []


def test_restart_on_the_same_path(reactor: Any, sockdir: str) -> None:
    """A server stopped and started again on the same path serves again."""
    path = os.path.join(sockdir, "s")
    for _ in range(2):
        port, server, client = connectPair(reactor, path, Echo)
        client.expect = 2
        client.transport.write(b"ok")
        assert runUntil(reactor, client.enough) == b"ok"
        close(reactor, port, client, server)
        assert not os.path.exists(path)


def test_listen_twice_on_one_path_fails(reactor: Any, sockdir: str) -> None:
    """The second listener gets CannotListenError(EADDRINUSE) and leaves the first's file."""
    path = os.path.join(sockdir, "s")
    port = reactor.listenUNIX(path, Collecting())
    with pytest.raises(error.CannotListenError) as info:
        reactor.listenUNIX(path, Collecting())
    assert getattr(info.value.socketError, "errno", None) == errno.EADDRINUSE
    assert path in str(info.value)
    assert os.path.exists(path)
    runUntil(reactor, port.stopListening())


def _leaveStaleSocket(path: str) -> None:
    """Leave a socket file at ``path`` as a crashed server would (bound, then closed)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.bind(path)


def _deadPID() -> int:
    """A PID no process has: PIDs stay below pid_max."""
    with open("/proc/sys/kernel/pid_max") as f:
        return int(f.read())


def test_stale_socket_without_lock_is_kept(reactor: Any, sockdir: str) -> None:
    """Without wantPID nothing is removed before binding (Twisted's behaviour): the file is
    in use as far as the kernel says."""
    path = os.path.join(sockdir, "s")
    _leaveStaleSocket(path)
    with pytest.raises(error.CannotListenError):
        reactor.listenUNIX(path, Collecting())
    assert os.path.exists(path) and os.listdir(sockdir) == ["s"]


def test_connect_to_stale_socket_or_missing_file_fails(reactor: Any, sockdir: str) -> None:
    """A socket file nobody listens on refuses; a missing file is a ConnectError (ENOENT)."""
    stale = os.path.join(sockdir, "s")
    _leaveStaleSocket(stale)
    client = Client()
    connector = reactor.connectUNIX(stale, client)
    reason = runUntil(reactor, client.failed)
    assert reason.check(error.ConnectionRefusedError)
    assert client.calls == ["started", "failed"] and connector.state == "disconnected"
    assert connector.getDestination() == UNIXAddress(stale)
    missing = Client()
    reactor.connectUNIX(os.path.join(sockdir, "missing"), missing)
    reason = runUntil(reactor, missing.failed)
    assert type(reason.value) is error.ConnectError and reason.value.osError == errno.ENOENT


def test_want_pid_lock(reactor: Any, sockdir: str) -> None:
    """wantPID: the lock holds our PID; a second server fails; stopping removes both files."""
    path = os.path.join(sockdir, "s")
    port = reactor.listenUNIX(path, Collecting(), wantPID=True)
    assert os.readlink(path + ".lock") == str(os.getpid())
    with pytest.raises(error.CannotListenError, match="Cannot acquire lock"):
        reactor.listenUNIX(path, Collecting(), wantPID=True)
    assert sorted(os.listdir(sockdir)) == ["s", "s.lock"]
    runUntil(reactor, port.stopListening())
    assert os.listdir(sockdir) == []


def test_want_pid_cleans_up_after_a_dead_server(reactor: Any, sockdir: str) -> None:
    """A lock left by a dead process is broken and its socket file removed: listening works."""
    path = os.path.join(sockdir, "s")
    _leaveStaleSocket(path)
    os.symlink(str(_deadPID()), path + ".lock")
    port = reactor.listenUNIX(path, Collecting(), wantPID=True)
    assert port.lockFile.clean is False
    assert os.readlink(path + ".lock") == str(os.getpid())
    proto = runUntil(reactor, ClientCreator(reactor, Recorder).connectUNIX(path, checkPID=True))
    proto.transport.loseConnection()
    runUntil(reactor, proto.lost)
    runUntil(reactor, port.stopListening())
    assert os.listdir(sockdir) == []


def test_want_pid_never_removes_a_regular_file(reactor: Any, sockdir: str) -> None:
    """A stale lock next to a file that is not a socket: the file stays, listening fails."""
    path = os.path.join(sockdir, "s")
    with open(path, "w") as f:
        f.write("precious")
    os.symlink(str(_deadPID()), path + ".lock")
    with pytest.raises(error.CannotListenError):
        reactor.listenUNIX(path, Collecting(), wantPID=True)
    with open(path) as f:
        assert f.read() == "precious"
    assert not os.path.lexists(path + ".lock")  # The failed listen released the lock.


def test_check_pid(reactor: Any, sockdir: str) -> None:
    """checkPID fails at once with BadFileError when no live process holds the lock."""
    path = os.path.join(sockdir, "s")
    factory = Collecting()
    port = reactor.listenUNIX(path, factory)  # Listening, but without a lock.
    client = Client()
    reactor.connectUNIX(path, client, checkPID=True)
    reason = runUntil(reactor, client.failed)
    assert reason.check(error.BadFileError) and "s.lock" in str(reason.value)
    reactor.iterate(0)
    assert factory.built == []  # It never even tried to connect.
    runUntil(reactor, port.stopListening())


def test_mode(reactor: Any, sockdir: str) -> None:
    """The socket file gets the permissions asked for."""
    path = os.path.join(sockdir, "s")
    port = reactor.listenUNIX(path, Collecting(), mode=0o600)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    runUntil(reactor, port.stopListening())


def test_bytes_path(reactor: Any, sockdir: str) -> None:
    """A bytes path works as well as a str one, and names the same address."""
    path = os.path.join(sockdir, "s").encode()
    port, server, client = connectPair(reactor, path)
    assert os.fsencode(port.getHost().name) == path
    close(reactor, port, client, server)
    assert not os.path.exists(path)


@needsAbstract
def test_abstract_namespace(reactor: Any, sockdir: str) -> None:
    """A NUL-prefixed name: no file anywhere, the name is the address; no lock possible."""
    name = "\0torsion-test-" + os.path.basename(sockdir)
    port, server, client = connectPair(reactor, name, Echo)
    assert port.getHost() == client.transport.getPeer() == UNIXAddress(name.encode())
    client.expect = 3
    client.transport.write(b"abc")
    assert runUntil(reactor, client.enough) == b"abc"
    close(reactor, port, client, server)
    port = reactor.listenUNIX(name, Collecting())  # The kernel freed the name at close.
    runUntil(reactor, port.stopListening())
    with pytest.raises(ValueError, match="abstract"):
        reactor.listenUNIX(name, Collecting(), wantPID=True)
    with pytest.raises(ValueError, match="abstract"):
        reactor.connectUNIX(name, Client(), checkPID=True)


def test_client_creator(reactor: Any, sockdir: str) -> None:
    """ClientCreator.connectUNIX fires with the connected protocol; cancelling abandons it."""
    path = os.path.join(sockdir, "s")
    factory = Collecting()
    port = reactor.listenUNIX(path, factory)
    creator = ClientCreator(reactor, Recorder)
    proto = runUntil(reactor, creator.connectUNIX(path))
    assert isinstance(proto, Recorder) and proto.events == ["made"]
    assert proto.transport is not None
    proto.transport.loseConnection()
    runUntil(reactor, proto.lost)
    d = creator.connectUNIX(path)
    d.cancel()
    assert isinstance(runUntil(reactor, d.addErrback(lambda f: f.value)), CancelledError)
    reactor.iterate(0)
    assert len(factory.built) == 1
    runUntil(reactor, factory.built[0].lost)
    runUntil(reactor, port.stopListening())


def test_server_factory_refusing(reactor: Any, sockdir: str) -> None:
    """buildProtocol returning None closes the accepted connection."""

    class Refusing(ServerFactory):
        def buildProtocol(self, addr: Any) -> None:
            return None

    path = os.path.join(sockdir, "s")
    port = reactor.listenUNIX(path, Refusing())
    client = Client()
    reactor.connectUNIX(path, client)
    assert runUntil(reactor, client.lostConn).check(error.ConnectionDone)
    runUntil(reactor, port.stopListening())


def _fullListener(path: str) -> tuple[socket.socket, list[socket.socket]]:
    """A listener nobody accepts on, its queue filled: connecting says "try again"."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(0)
    listener.setblocking(False)
    fillers = []
    for _ in range(16):
        filler = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        filler.setblocking(False)
        fillers.append(filler)
        if filler.connect_ex(path) == errno.EAGAIN:
            return listener, fillers
    raise AssertionError("the listen queue never filled")


def test_full_listen_queue_retries_until_accepted(reactor: Any, sockdir: str) -> None:
    """A full queue delays the connection (retried) rather than failing it; a timeout ends it."""
    path = os.path.join(sockdir, "s")
    listener, fillers = _fullListener(path)
    accepted = []
    try:
        late = Client()
        connector = reactor.connectUNIX(path, late, timeout=0.05)
        assert runUntil(reactor, late.failed).check(error.TimeoutError)
        assert connector.state == "disconnected"
        client = Client()
        reactor.connectUNIX(path, client)
        reactor.iterate(0)  # The first attempt meets the full queue...
        assert client.built == []
        for _ in fillers:  # ...which is then drained.
            try:
                accepted.append(listener.accept()[0])
            except BlockingIOError:
                break
        proto = runUntil(reactor, client.first)
        runUntil(reactor, proto.made)
        proto.transport.loseConnection()
        runUntil(reactor, proto.lost)
    finally:
        for s in [listener, *fillers, *accepted]:
            s.close()


def test_stop_connecting_and_reconnect(reactor: Any, sockdir: str) -> None:
    """stopConnecting fails the attempt with UserError; connect() then starts a new one."""
    path = os.path.join(sockdir, "s")
    factory = Collecting()
    port = reactor.listenUNIX(path, factory)
    client = Client()
    connector = reactor.connectUNIX(path, client)
    connector.stopConnecting()
    assert runUntil(reactor, client.failed).check(error.UserError)
    with pytest.raises(error.NotConnectingError):
        connector.stopConnecting()
    connector.connect()
    proto = runUntil(reactor, client.first)
    runUntil(reactor, proto.made)
    assert connector.state == "connected" and connector.transport is proto.transport
    with pytest.raises(RuntimeError):
        connector.connect()
    connector.disconnect()
    assert runUntil(reactor, client.lostConn).check(error.ConnectionDone)
    runUntil(reactor, factory.built[0].lost)
    runUntil(reactor, port.stopListening())
