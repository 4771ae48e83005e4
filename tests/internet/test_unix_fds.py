"""Passing file descriptors over UNIX connections, on every reactor; none may leak.

A pipe proves where its write end went: its read end sees EOF only once every copy of the
write end (ours, the queued duplicate, the received one) is closed.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from tests.internet._tcphelpers import runUntil
from tests.internet._unixhelpers import (
    Receiver,
    close,
    connectPair,
    shortDirectory,
)
from torsion.internet._transports import unixconnection as _unixconnection
from torsion.internet.protocol import ClientCreator
from torsion.logger import LogLevel, capturedLogs


@pytest.fixture
def sockdir() -> Iterator[str]:
    yield from shortDirectory()


class Pipes:
    """Pipes made for a test, all closed at the end."""

    def __init__(self) -> None:
        self.open: list[int] = []

    def make(self) -> tuple[int, int]:
        r, w = os.pipe()
        self.open += [r, w]
        return r, w

    def close(self, fd: int) -> None:
        self.open.remove(fd)
        os.close(fd)

    def send(self, transport: Any) -> int:
        """Send a new pipe's write end over ``transport``; return its read end.

        Our write end is closed at once: the transport sent (or queued) a duplicate.
        """
        r, w = self.make()
        transport.sendFileDescriptor(w)
        self.close(w)
        return r

    def closeAll(self) -> None:
        for fd in self.open:
            os.close(fd)


@pytest.fixture
def pipes() -> Iterator[Pipes]:
    made = Pipes()
    try:
        yield made
    finally:
        made.closeAll()


def hasEOF(readEnd: int) -> bool:
    """Whether every write end of the pipe is closed (never blocks)."""
    os.set_blocking(readEnd, False)
    try:
        return os.read(readEnd, 1) == b""
    except BlockingIOError:
        return False


def test_descriptor_arrives_before_its_bytes(reactor: Any, sockdir: str, pipes: Pipes) -> None:
    """The peer gets a working, close-on-exec duplicate, before the bytes sent after it."""
    port, server, client = connectPair(reactor, os.path.join(sockdir, "s"), Receiver)
    r = pipes.send(client.transport)
    client.transport.write(b"x")
    server.expect = 1
    [fd] = runUntil(reactor, server.fdsDone)
    runUntil(reactor, server.enough)
    assert server.events == ["made", "fd", "data"]
    assert not os.get_inheritable(fd)
    os.write(fd, b"through the socket")
    assert os.read(r, 100) == b"through the socket"
    os.close(fd)
    assert hasEOF(r)
    close(reactor, port, client, server)


def test_many_descriptors_in_order(reactor: Any, sockdir: str, pipes: Pipes) -> None:
    """150 descriptors (more than one message carries) arrive in order, and none stay queued."""
    port, server, client = connectPair(reactor, os.path.join(sockdir, "s"), Receiver)
    server.fdsWanted = 150
    inodes = []
    for _ in range(150):
        _, w = pipes.make()
        inodes.append(os.fstat(w).st_ino)
        client.transport.sendFileDescriptor(w)
        pipes.close(w)
    for _ in range(3):  # Each batch needs some bytes to travel with.
        client.transport.write(b"y")
    received = runUntil(reactor, server.fdsDone)
    assert [os.fstat(fd).st_ino for fd in received] == inodes
    assert client.transport._outgoingFds == []
    for fd in received:
        os.close(fd)
    assert all(hasEOF(fd) for fd in pipes.open)
    close(reactor, port, client, server)


def test_without_receiver_descriptors_are_closed(
    reactor: Any, sockdir: str, pipes: Pipes, caplog: pytest.LogCaptureFixture
) -> None:
    """A protocol without fileDescriptorReceived gets the bytes; the descriptor is closed."""
    port, server, client = connectPair(reactor, os.path.join(sockdir, "s"))
    r = pipes.send(client.transport)
    server.expect = 2
    client.transport.write(b"hi")
    with capturedLogs() as events:
        assert runUntil(reactor, server.enough) == b"hi"
    assert hasEOF(r)
    # Twisted's warning, with its fields.
    [warning] = [e for e in events if e["log_level"] is LogLevel.warn]
    assert warning["log_namespace"] == "torsion.internet.unix"
    assert warning["protocolName"] == type(server).__name__
    assert warning["hostAddress"] == server.transport.getHost()
    assert warning["peerAddress"] == server.transport.getPeer()
    assert "does not provide IFileDescriptorReceiver" in caplog.text
    close(reactor, port, client, server)


def test_unsent_descriptors_are_closed_with_the_connection(
    reactor: Any, sockdir: str, pipes: Pipes
) -> None:
    """A descriptor never followed by bytes is never sent; closing releases our duplicate."""
    port, server, client = connectPair(reactor, os.path.join(sockdir, "s"), Receiver)
    r = pipes.send(client.transport)
    assert not hasEOF(r)  # The queued duplicate holds the pipe open.
    close(reactor, port, client, server)
    assert hasEOF(r) and server.fds == []


class Raising(Receiver):
    def fileDescriptorReceived(self, descriptor: int) -> None:
        os.close(descriptor)
        raise ZeroDivisionError("fd")


def test_receiver_raising_closes_connection_and_the_rest(
    reactor: Any, sockdir: str, pipes: Pipes
) -> None:
    """An exception from fileDescriptorReceived closes the connection with it as the reason;
    the other descriptors of that message are closed, not leaked."""
    port, server, client = connectPair(reactor, os.path.join(sockdir, "s"), Raising)
    reads = [pipes.send(client.transport) for _ in range(3)]
    client.transport.write(b"z")
    assert runUntil(reactor, server.lost).check(ZeroDivisionError)
    assert all(hasEOF(r) for r in reads)
    runUntil(reactor, client.lost)
    runUntil(reactor, port.stopListening())


def test_truncated_ancillary_data(
    reactor: Any,
    sockdir: str,
    pipes: Pipes,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """More descriptors than the receive buffer holds: those that fit are delivered, the
    kernel closes the rest (MSG_CTRUNC), and a warning says so."""
    monkeypatch.setattr(_unixconnection, "_ANCILLARY_SIZE", socket.CMSG_LEN(4))
    port, server, client = connectPair(reactor, os.path.join(sockdir, "s"), Receiver)
    reads = [pipes.send(client.transport) for _ in range(3)]
    server.expect = 1
    client.transport.write(b"t")
    [fd] = runUntil(reactor, server.fdsDone)
    runUntil(reactor, server.enough)
    assert "did not fit were discarded" in caplog.text
    assert [hasEOF(r) for r in reads] == [False, True, True]
    os.close(fd)
    assert hasEOF(reads[0])
    close(reactor, port, client, server)


def test_send_descriptor_to_a_raw_socket_peer(reactor: Any, sockdir: str, pipes: Pipes) -> None:
    """What goes on the wire is plain SCM_RIGHTS: a non-torsion peer receives it with recvmsg."""
    path = os.path.join(sockdir, "s")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(1)
    peer = None
    try:
        proto = runUntil(reactor, ClientCreator(reactor, Receiver).connectUNIX(path))
        listener.settimeout(10)  # Bounds for failure only: the peer is ready by now.
        peer = listener.accept()[0]
        peer.settimeout(10)
        _, w = pipes.make()
        proto.transport.sendFileDescriptor(w)
        proto.transport.write(b"m")
        for _ in range(100):  # The reactor sends it (a few passes at most).
            if not proto.transport._buffer.size:
                break
            reactor.iterate(0)
        msg, fds, _, _ = socket.recv_fds(peer, 10, 4)
        assert msg == b"m" and len(fds) == 1
        os.close(fds[0])
        proto.transport.loseConnection()
        runUntil(reactor, proto.lost)
    finally:
        listener.close()
        if peer is not None:
            peer.close()
