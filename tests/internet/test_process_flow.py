"""Child processes at volume on every reactor: flow control both ways, many children at once,
and the exit watch without pidfd (SIGCHLD) and after the reactor stopped watching."""

from __future__ import annotations

import hashlib
import signal
from typing import Any

import pytest

from tests.internet._processhelpers import PYTHON, Recorder, isZombieOrAlive, runUntil, spawn
from torsion.internet import error
from torsion.internet._process import pidwatch as _pidwatch
from torsion.internet.defer import Deferred, gatherResults
from torsion.internet.interfaces import IConsumer
from torsion.python.failure import Failure

MB = 1024 * 1024

_WRITE_50MB = f"""
import hashlib, os, sys
block, digest = os.urandom({MB}), hashlib.sha256()
for _ in range(50):
    sys.stdout.buffer.write(block)
    digest.update(block)
sys.stdout.flush()
sys.stderr.write(digest.hexdigest())
"""


class SlowReader(Recorder):
    """Pauses reading after every chunk and resumes on a later reactor pass."""

    def __init__(self, reactor: Any) -> None:
        super().__init__()
        self.reactor = reactor
        self.digest = hashlib.sha256()
        self.size = 0
        self.paused = False
        self.pauses = 0
        self.deliveredWhilePaused = 0

    def outReceived(self, data: bytes) -> None:
        if self.paused:
            self.deliveredWhilePaused += 1
        self.digest.update(data)
        self.size += len(data)
        assert self.transport is not None
        self.transport.pauseProducing()  # type: ignore[attr-defined]
        self.paused = True
        self.pauses += 1
        self.reactor.callLater(0, self.resume)

    def resume(self) -> None:
        self.paused = False
        assert self.transport is not None
        self.transport.resumeProducing()  # type: ignore[attr-defined]

    def childDataReceived(self, childFD: int, data: bytes) -> None:
        if childFD == 1:  # Not kept: only hashed.
            self.outReceived(data)
        else:
            super().childDataReceived(childFD, data)


def test_50MB_to_a_slow_reader(reactor: Any) -> None:
    """A child writing 50 MB while the parent pauses after every read loses nothing."""
    p = SlowReader(reactor)
    spawn(reactor, PYTHON, "-c", _WRITE_50MB, proto=p)
    assert runUntil(reactor, p.ended, 30).check(error.ProcessDone), p.err
    assert p.size == 50 * MB
    assert p.digest.hexdigest() == p.err.decode()
    assert p.deliveredWhilePaused == 0
    assert p.pauses >= 50 * MB // (256 * 1024)


def test_200_children_at_once(reactor: Any) -> None:
    """200 short-lived children: each reports processExited and processEnded exactly once."""
    children = [spawn(reactor, "/bin/sh", "-c", "exit 3") for _ in range(200)]
    reasons = runUntil(reactor, gatherResults([p.ended for p in children]), 30)
    reactor.iterate(0)
    assert all(why.value.exitCode == 3 for why in reasons)
    assert all(p.events.count("ended") == 1 for p in children)
    assert all(p.events.count("exited") == 1 for p in children)
    assert not any(isZombieOrAlive(p.pid) for p in children if p.pid is not None)
    assert reactor.getReaders() == []


class PushProducer:
    """Writes 16 KiB chunks until paused; unregisters and closes stdin after ``total`` bytes."""

    def __init__(self, transport: Any, total: int) -> None:
        self.transport = transport
        self.remaining = total
        self.paused = False
        self.pausedOnce: Deferred[None] = Deferred()
        self.sent = hashlib.sha256()

    def resumeProducing(self) -> None:
        self.paused = False
        while not self.paused and self.remaining:
            chunk = bytes([self.remaining % 251]) * min(16384, self.remaining)
            self.remaining -= len(chunk)
            self.sent.update(chunk)
            self.transport.write(chunk)
        if not self.remaining:
            self.transport.unregisterProducer()
            self.transport.closeStdin()

    def pauseProducing(self) -> None:
        self.paused = True
        if not self.pausedOnce.called:
            self.pausedOnce.callback(None)

    def stopProducing(self) -> None:
        self.remaining = 0


class Hashing(Recorder):
    def __init__(self) -> None:
        super().__init__()
        self.received = hashlib.sha256()
        self.size = 0

    def outReceived(self, data: bytes) -> None:
        self.received.update(data)
        self.size += len(data)


def test_stdin_push_producer(reactor: Any) -> None:
    """A producer on the child's stdin is paused above the high-water mark (the child is not
    reading yet) and resumed as the child drains; everything arrives in order."""
    fds = {0: "w", 1: "r", 2: "r", 3: "w"}
    p = spawn(reactor, "/bin/sh", "-c", "read go <&3; exec cat", proto=Hashing(), childFDs=fds)
    assert p.transport is not None
    assert isinstance(p.transport, IConsumer)  # the child's stdin pipe takes producers
    producer = PushProducer(p.transport, 4 * MB)
    p.transport.registerProducer(producer, True)
    producer.resumeProducing()
    runUntil(reactor, producer.pausedOnce)
    assert producer.remaining > 0
    p.transport.writeToChild(3, b"go\n")  # Now the child reads its stdin.
    assert runUntil(reactor, p.ended).check(error.ProcessDone)
    assert p.size == 4 * MB  # type: ignore[attr-defined]
    assert p.received.digest() == producer.sent.digest()  # type: ignore[attr-defined]


def test_stdin_producer_without_stdin(reactor: Any) -> None:
    """Registering a producer on a child without a stdin pipe stops the producer."""
    p = spawn(reactor, "/bin/true", childFDs={1: "r", 2: "r"})
    assert p.transport is not None
    assert isinstance(p.transport, IConsumer)
    producer = PushProducer(p.transport, MB)
    p.transport.registerProducer(producer, True)
    assert producer.remaining == 0
    runUntil(reactor, p.ended)


@pytest.fixture
def withoutPidfd(monkeypatch: pytest.MonkeyPatch) -> None:
    """Watch exits with SIGCHLD, as on platforms without pidfd."""
    monkeypatch.setattr(_pidwatch, "_usePidfd", False)


@pytest.mark.usefixtures("withoutPidfd")
def test_sigchld_fallback(reactor: Any) -> None:
    """Without pidfd, many children exiting at once are all reaped through SIGCHLD, and the
    handler is removed once none is left."""
    before = signal.getsignal(signal.SIGCHLD)
    children = [spawn(reactor, "/bin/sh", "-c", f"exit {i % 4}") for i in range(50)]
    killed = spawn(reactor, "/bin/sleep", "30")
    assert killed.transport is not None
    killed.transport.signalProcess("KILL")
    reasons = runUntil(reactor, gatherResults([p.ended for p in [*children, killed]]), 30)
    assert [why.value.exitCode for why in reasons[:-1]] == [i % 4 for i in range(50)]
    assert reasons[-1].value.signal == signal.SIGKILL
    assert all(p.events.count("ended") == 1 for p in children)
    assert signal.getsignal(signal.SIGCHLD) == before


def test_stopped_watch_still_reaps(reactor: Any) -> None:
    """A child still running when the reactor stops watching it (shutdown) is reaped anyway,
    and its end is delivered when the reactor runs again."""
    fds = {0: "w", 1: "r", 2: "r"}
    p = spawn(reactor, "/bin/sh", "-c", "read x; exit 5", childFDs=fds)
    assert p.transport is not None
    pid = p.pid
    for descriptor in reactor.removeAll():  # As at shutdown: pipes close, the watch ends.
        descriptor.connectionLost(Failure(error.ConnectionLost()))
    why = runUntil(reactor, p.ended)
    assert why.value.exitCode == 5  # Its stdin was closed, so ``read`` failed and it exited.
    assert pid is not None and not isZombieOrAlive(pid)
