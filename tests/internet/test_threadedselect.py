"""The threaded select reactor: select in its own thread, the rest in the main thread."""

from __future__ import annotations

import queue
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import pytest

from tests.internet._tcphelpers import LIMIT, Client, Collecting, Echo, runUntil
from torsion.internet._threadedselect import ThreadedSelectReactor
from torsion.internet.defer import Deferred


@pytest.fixture
def tsr() -> Iterator[ThreadedSelectReactor]:
    reactor = ThreadedSelectReactor()
    yield reactor
    reactor.close()


def _selectThreads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "torsion-select"]


def _joinSelectThreads() -> None:
    """Every select thread ends (each was told to; this waits for it to get there)."""
    for thread in _selectThreads():
        thread.join(LIMIT)
    assert not _selectThreads()


class ThreadRecording(Echo):
    """An echo protocol that notes the thread each event ran in."""

    threads: ClassVar[set[int]] = set()

    def dataReceived(self, data: bytes) -> None:
        self.threads.add(threading.get_ident())
        super().dataReceived(data)


def _echoOnce(reactor: ThreadedSelectReactor) -> tuple[Any, Collecting, Client]:
    server = Collecting(ThreadRecording)
    port = reactor.listenTCP(0, server, interface="127.0.0.1")
    client = Client()
    reactor.connectTCP("127.0.0.1", port.getHost().port, client)
    return port, server, client


def test_run_echoes_with_callbacks_in_the_main_thread(tsr: ThreadedSelectReactor) -> None:
    """run() works as any reactor's; protocols run in the thread that runs the reactor."""
    ThreadRecording.threads = set()
    port, server, client = _echoOnce(tsr)
    protocol = runUntil(tsr, client.first)
    runUntil(tsr, protocol.made)
    protocol.expect = 5
    protocol.transport.write(b"hello")
    assert runUntil(tsr, protocol.enough) == b"hello"
    assert ThreadRecording.threads == {threading.get_ident()}
    protocol.transport.loseConnection()
    runUntil(tsr, server.built[0].lost)
    runUntil(tsr, port.stopListening())


def test_timed_calls_and_calls_from_threads(tsr: ThreadedSelectReactor) -> None:
    """callLater and callFromThread wake the select thread's wait."""
    order: list[str] = []
    done: Deferred[None] = Deferred()

    def later() -> None:
        order.append("later")
        done.callback(None)

    def fromThread() -> None:
        order.append("thread")
        tsr.callLater(0, later)

    threading.Thread(target=tsr.callFromThread, args=(fromThread,)).start()
    runUntil(tsr, done)
    assert order == ["thread", "later"]


def test_iterate_without_running(tsr: ThreadedSelectReactor) -> None:
    """iterate() waits in the select thread too, and handles what came in the caller's."""
    left, right = socket.socketpair()
    seen: list[int] = []

    class Reader:
        def fileno(self) -> int:
            return left.fileno()

        def doRead(self) -> None:
            seen.append(threading.get_ident())
            left.recv(10)

        def logPrefix(self) -> str:
            return "Reader"

        def connectionLost(self, reason: Any) -> None:
            pass

    with left, right:
        reader = Reader()
        tsr.addReader(reader)
        right.send(b"x")
        while not seen:
            tsr.iterate(LIMIT)
        tsr.removeReader(reader)
    assert seen == [threading.get_ident()]


class ForeignLoop:
    """A stand-in for a GUI toolkit's loop: runs the callables its waker was given."""

    def __init__(self) -> None:
        self.work: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self.running = True
        self.passes = 0

    def waker(self, f: Callable[[], None]) -> None:
        self.work.put(f)

    def stop(self) -> None:
        self.running = False

    def runUntil(self, condition: Callable[[], bool]) -> None:
        while self.running and not condition():
            self.work.get(timeout=LIMIT)()
            self.passes += 1


def test_interleave_runs_inside_another_loop(tsr: ThreadedSelectReactor) -> None:
    """interleave() returns at once; the foreign loop then runs the reactor's work; stopping
    the reactor ends the foreign loop through an after-shutdown trigger."""
    loop = ForeignLoop()
    started: list[bool] = []
    tsr.callWhenRunning(started.append, True)
    tsr.addSystemEventTrigger("after", "shutdown", loop.stop)
    tsr.interleave(loop.waker, installSignalHandlers=False)
    assert tsr.mainWaker == loop.waker
    loop.runUntil(lambda: bool(started))

    # Registered while the select thread already waits (with no timeout): it wakes up.
    port, server, client = _echoOnce(tsr)
    loop.runUntil(lambda: bool(client.built) and bool(server.built))
    protocol = client.built[0]
    protocol.expect = 2
    protocol.transport.write(b"hi")
    loop.runUntil(lambda: protocol.received == b"hi")
    protocol.transport.loseConnection()
    port.stopListening()
    loop.runUntil(lambda: not tsr.getReaders() and not tsr.getWriters())

    tsr.stop()
    loop.runUntil(lambda: False)
    assert not loop.running and not tsr.running
    _joinSelectThreads()


def test_close_and_uninstall_stop_the_select_thread() -> None:
    """Throwing the reactor away stops its thread, whichever way."""
    for finish in ("close", "_uninstallHandler"):
        reactor = ThreadedSelectReactor()
        reactor.iterate(0)
        assert _selectThreads()
        getattr(reactor, finish)()
        _joinSelectThreads()
        if finish != "close":
            reactor.close()


def test_install() -> None:
    """install() makes one the global reactor (in a fresh process: there is one per process)."""
    script = """if True:
        from torsion.internet import _threadedselect
        installed = _threadedselect.install()
        from torsion.internet import reactor
        assert reactor is installed
        assert type(reactor).__name__ == "ThreadedSelectReactor"
        reactor.callWhenRunning(reactor.stop)
        reactor.run()
        print("ok")
    """
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.stdout == "ok\n", done.stderr
