"""UNIX socket endpoints and ``unix:`` descriptions: parsing (no sockets), then on every reactor."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests.internet._tcphelpers import Echo, Recorder, runUntil
from tests.internet._unixhelpers import Receiver, shortDirectory
from torsion.internet import error
from torsion.internet.endpoints import (
    UNIXClientEndpoint,
    UNIXServerEndpoint,
    clientFromString,
    connectProtocol,
    serverFromString,
)
from torsion.internet.interfaces import IStreamClientEndpoint, IStreamServerEndpoint
from torsion.internet.protocol import Factory
from torsion.internet.testing import MemoryReactorClock

# -- descriptions -------------------------------------------------------------------------------


@pytest.fixture
def sockdir() -> Iterator[str]:
    yield from shortDirectory()


@pytest.mark.parametrize(
    ("description", "expected"),
    [
        # Twisted's defaults: mode 666, backlog 50, and a lock file.
        ("unix:/var/run/x.sock", ("/var/run/x.sock", 50, 0o666, True)),
        ("unix:/var/run/x.sock:mode=660:lockfile=1", ("/var/run/x.sock", 50, 0o660, True)),
        ("unix:address=/x:backlog=5", ("/x", 5, 0o666, True)),
        ("unix:/x:600:7:0", ("/x", 7, 0o600, False)),
        (r"unix:/a\:b", ("/a:b", 50, 0o666, True)),
        ("UNIX:\0abstract", ("\0abstract", 50, 0o666, False)),  # No lock file possible.
    ],
)
def test_server_descriptions(description: str, expected: tuple[Any, ...]) -> None:
    reactor = MemoryReactorClock()
    endpoint = serverFromString(reactor, description)
    assert isinstance(endpoint, UNIXServerEndpoint)
    endpoint.listen(Factory())
    address, _, backlog, mode, wantPID = reactor.unixServers[-1]
    assert (address, backlog, mode, wantPID) == expected


@pytest.mark.parametrize(
    ("description", "expected"),
    [
        ("unix:/x", ("/x", 30, False)),
        ("unix:path=/x:timeout=9:checkPID=1", ("/x", 9, True)),
        ("unix:/x:lockfile=1", ("/x", 30, True)),
        ("unix:/x:timeout=0.5:checkPID=0", ("/x", 0.5, False)),
    ],
)
def test_client_descriptions(description: str, expected: tuple[Any, ...]) -> None:
    reactor = MemoryReactorClock()
    endpoint = clientFromString(reactor, description)
    assert isinstance(endpoint, UNIXClientEndpoint)
    endpoint.connect(Factory()).addErrback(lambda f: None)
    address, _, timeout, checkPID = reactor.unixClients[-1]
    assert (address, timeout, checkPID) == expected


@pytest.mark.parametrize(
    ("parse", "description", "problem"),
    [
        (serverFromString, "unix", "missing address"),
        (serverFromString, "unix:/x:mode=rw", "mode must be octal permissions (as 660), not 'rw'"),
        (serverFromString, "unix:/x:mode=99", "mode must be octal"),
        (serverFromString, "unix:/x:mode=77777", "mode must be octal"),
        (serverFromString, "unix:/x:lockfile=yes", "lockfile must be an integer"),
        (serverFromString, "unix:/x:lockfile=2", "lockfile must be between 0 and 1"),
        (serverFromString, "unix:/x:backlog=-1", "backlog must be between"),
        (serverFromString, "unix:/x:owner=me", "unexpected argument 'owner'"),
        (clientFromString, "unix", "missing path"),
        (clientFromString, "unix:/x:/y", "unexpected positional argument '/y'"),
        (clientFromString, "unix:/x:timeout=soon", "timeout must be a number of seconds"),
        (clientFromString, "unix:/x:checkPID=1:lockfile=1", "checkPID or lockfile, not both"),
        (clientFromString, "unix:/x:backlog=3", "unexpected argument 'backlog'"),
    ],
)
def test_bad_descriptions(parse: Any, description: str, problem: str) -> None:
    with pytest.raises(ValueError) as info:
        parse(MemoryReactorClock(), description)
    assert problem in str(info.value) and repr(description) in str(info.value)


# -- real sockets -------------------------------------------------------------------------------


def test_server_and_client(reactor: Any, sockdir: str) -> None:
    """The endpoints listen and connect; the wrapper keeps the user's factory out of it."""
    path = os.path.join(sockdir, "s")
    server = UNIXServerEndpoint(reactor, path, wantPID=True)
    assert isinstance(server, IStreamServerEndpoint)
    port = runUntil(reactor, server.listen(Factory.forProtocol(Echo)))
    assert os.path.lexists(path + ".lock")
    client = UNIXClientEndpoint(reactor, path, checkPID=True)
    assert isinstance(client, IStreamClientEndpoint)
    proto = runUntil(reactor, client.connect(Factory.forProtocol(Recorder)))
    assert isinstance(proto, Recorder) and proto.events == ["made"]
    proto.expect = 4
    assert proto.transport is not None
    proto.transport.write(b"ping")
    assert runUntil(reactor, proto.enough) == b"ping"
    proto.transport.loseConnection()
    runUntil(reactor, proto.lost)
    runUntil(reactor, port.stopListening())
    assert os.listdir(sockdir) == []


def test_from_strings(reactor: Any, sockdir: str) -> None:
    """Endpoints described as strings work end to end."""
    path = os.path.join(sockdir, "s")
    port = runUntil(reactor, serverFromString(reactor, f"unix:{path}:mode=600").listen(Factory()))
    assert os.stat(path).st_mode & 0o777 == 0o600
    proto = runUntil(
        reactor, connectProtocol(clientFromString(reactor, f"unix:path={path}"), Recorder())
    )
    proto.transport.loseConnection()
    runUntil(reactor, proto.lost)
    runUntil(reactor, port.stopListening())


def test_listen_and_connect_failures(reactor: Any, sockdir: str) -> None:
    """Failures arrive as failed Deferreds: a held lock, a missing server, no live lock."""
    path = os.path.join(sockdir, "s")
    port = runUntil(reactor, UNIXServerEndpoint(reactor, path, wantPID=True).listen(Factory()))
    second = UNIXServerEndpoint(reactor, path, wantPID=True).listen(Factory())
    assert isinstance(
        runUntil(reactor, second.addErrback(lambda f: f.value)), error.CannotListenError
    )
    runUntil(reactor, port.stopListening())
    missing = UNIXClientEndpoint(reactor, path).connect(Factory.forProtocol(Recorder))
    assert type(runUntil(reactor, missing.addErrback(lambda f: f.value))) is error.ConnectError
    unlocked = UNIXClientEndpoint(reactor, path, checkPID=True).connect(Factory())
    assert isinstance(runUntil(reactor, unlocked.addErrback(lambda f: f.value)), error.BadFileError)


def test_descriptors_reach_the_wrapped_protocol(reactor: Any, sockdir: str) -> None:
    """The client endpoint's wrapper forwards fileDescriptorReceived to the user's protocol."""
    path = os.path.join(sockdir, "s")
    r, w = os.pipe()

    class Sender(Recorder):
        def connectionMade(self) -> None:
            super().connectionMade()
            self.transport.sendFileDescriptor(w)  # type: ignore[union-attr]
            self.transport.write(b"!")  # type: ignore[union-attr]
            self.transport.loseConnection()  # type: ignore[union-attr]

    try:
        server = UNIXServerEndpoint(reactor, path)
        port = runUntil(reactor, server.listen(Factory.forProtocol(Sender)))
        client = UNIXClientEndpoint(reactor, path)
        proto = runUntil(reactor, client.connect(Factory.forProtocol(Receiver)))
        [fd] = runUntil(reactor, proto.fdsDone)
        assert os.path.sameopenfile(fd, w)
        os.close(fd)
        runUntil(reactor, proto.lost)
        assert proto.events == ["made", "fd", "data", "lost"]
        runUntil(reactor, port.stopListening())
    finally:
        os.close(r)
        os.close(w)
