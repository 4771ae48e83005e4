"""Child processes against reliability.md scenarios 27, 28, 30 and 31, on every reactor: the
order of exit events, pipes at and around their capacity both ways, spawning before the reactor
runs, no EINTR in other threads, and a child whose grandchild keeps its pipes open.

Nothing here waits with a sleep: the children block on pipes the test controls, and the one
state that has no event (a thread being inside ``select``) is polled from ``/proc``, bounded.
"""

from __future__ import annotations

import hashlib
import logging
import os
import random
import select
import signal
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from tests.internet._processhelpers import PYTHON, Recorder, isZombieOrAlive, runUntil, spawn
from torsion.internet import error
from torsion.internet._process import pidwatch as _pidwatch
from torsion.python.failure import Failure

MIB = 1024 * 1024


@pytest.fixture(params=["pidfd", "sigchld"])
def exitWatch(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Run the test with each way of noticing exits: pidfd, and SIGCHLD (as without pidfd);
    check that the SIGCHLD handler is gone again afterwards."""
    if request.param == "pidfd" and not _pidwatch._usePidfd:
        pytest.skip("no pidfd on this system")
    if request.param == "sigchld":
        monkeypatch.setattr(_pidwatch, "_usePidfd", False)
    before = signal.getsignal(signal.SIGCHLD)
    yield request.param
    assert signal.getsignal(signal.SIGCHLD) == before, "the SIGCHLD handler was left installed"


class Events(Recorder):
    """A Recorder whose waiters are also checked at processExited."""

    def processExited(self, reason: Failure) -> None:
        super().processExited(reason)
        self._check()


def _order(p: Recorder) -> None:
    """``made`` first, ``ended`` last and once, ``exited`` and each of 0, 1, 2 lost once in
    between: processExited and every childConnectionLost come before processEnded."""
    assert p.events[0] == "made" and p.events[-1] == "ended", p.events
    assert sorted(p.events[1:-1]) == ["exited", "lost 0", "lost 1", "lost 2"], p.events


# -- 27: exit reporting ------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["exit 0", "exit 3", "TERM"])
def test_exit_order_and_reasons(reactor: Any, exitWatch: str, how: str) -> None:
    """Exit 0, exit 3 and SIGTERM: every event in order, the right reason to both
    processExited and processEnded, signalProcess afterwards refused, the child reaped."""
    argv = ["/bin/sleep", "30"] if how == "TERM" else ["/bin/sh", "-c", how]
    p = spawn(reactor, *argv, proto=Events())
    assert p.transport is not None
    if how == "TERM":
        p.transport.signalProcess("TERM")
    why = runUntil(reactor, p.ended)
    reactor.iterate(0)
    _order(p)
    expected: tuple[type[Exception], int | None, int | None] = {
        "exit 0": (error.ProcessDone, 0, None),
        "exit 3": (error.ProcessTerminated, 3, None),
        "TERM": (error.ProcessTerminated, None, signal.SIGTERM),
    }[how]
    assert p.exitedReason is not None
    values: list[Any] = [why.value, p.exitedReason.value]
    for value in values:
        assert (type(value), value.exitCode, value.signal) == expected
    with pytest.raises(error.ProcessExitedAlready):
        p.transport.signalProcess("TERM")
    assert p.pid is not None and not isZombieOrAlive(p.pid)


# -- 28: large pipes both ways -----------------------------------------------------------------

# Copies stdin to stdout one byte at a time (scenario 28's child), so the pipes stay full and
# the child's reads and writes never line up with the parent's or with the pipe's 64 KiB.
_BYTE_AT_A_TIME = """
import os
while True:
    piece = os.read(0, 1)
    if not piece:
        break
    while piece:
        piece = piece[os.write(1, piece):]
"""


def _data(size: int) -> bytes:
    return random.Random(size).randbytes(size)


@pytest.mark.parametrize("size", [65_535, 65_536, 65_537, 1_000_000])
def test_copy_through_cat(reactor: Any, size: int) -> None:
    """``cat`` given ``size`` bytes in one write, then closeStdin: stdout is the input,
    byte for byte, and the child ends normally."""
    data = _data(size)
    p = spawn(reactor, "/bin/cat")
    assert p.transport is not None
    p.transport.write(data)
    p.transport.closeStdin()
    assert runUntil(reactor, p.ended).check(error.ProcessDone), p.err
    assert len(p.out) == size and p.out == data
    _order(p)


@pytest.mark.parametrize("size", [65_535, 65_536, 65_537])
def test_copy_one_byte_at_a_time(reactor: Any, size: int) -> None:
    """A child copying one byte at a time, fed by many writes of uneven sizes: byte-exact."""
    data = _data(size)
    p = spawn(reactor, PYTHON, "-c", _BYTE_AT_A_TIME)
    assert p.transport is not None
    offset, step = 0, 1
    while offset < size:  # Bounded: at least one byte per round.
        p.transport.write(data[offset : offset + step])
        offset += step
        step = step * 3 % 40_000 + 1
    p.transport.closeStdin()
    assert runUntil(reactor, p.ended).check(error.ProcessDone), p.err
    assert p.out == data


# The child writes 8 MiB to stderr and reads 8 MiB from stdin, interleaved in one thread: a
# blocking write to stderr waits for the parent to read, a blocking read waits for the parent to
# write. A parent that stops reading while it has stdin data pending deadlocks with it.
_BOTH_WAYS = """
import hashlib, os, sys
block = bytes(range(256)) * 256
toWrite, received, digest, eof = 128, 0, hashlib.sha256(), False
while toWrite or not eof:
    if toWrite:
        view = memoryview(block)
        while view:
            view = view[os.write(2, view):]
        toWrite -= 1
    if not eof:
        chunk = os.read(0, 65536)
        eof = not chunk
        received += len(chunk)
        digest.update(chunk)
os.write(1, f"{received} {digest.hexdigest()}".encode())
"""


class Counting(Events):
    """Keeps stderr as a count and a hash, not the bytes."""

    def __init__(self) -> None:
        super().__init__()
        self.errSize = 0
        self.errDigest = hashlib.sha256()

    def errReceived(self, data: bytes) -> None:
        self.errSize += len(data)
        self.errDigest.update(data)


def test_8MiB_each_way_no_deadlock(reactor: Any) -> None:
    """8 MiB written to the child's stdin in one go while it writes 8 MiB to stderr: both
    arrive whole (the runUntil limit is the deadlock bound; nothing is timed)."""
    sent = _data(8 * MIB)
    p = Counting()
    spawn(reactor, PYTHON, "-c", _BOTH_WAYS, proto=p)
    assert p.transport is not None
    p.transport.write(sent)
    p.transport.closeStdin()
    assert runUntil(reactor, p.ended, 20).check(error.ProcessDone), p.out
    assert p.out.decode() == f"{len(sent)} {hashlib.sha256(sent).hexdigest()}"
    assert p.errSize == 8 * MIB
    assert p.errDigest.digest() == hashlib.sha256(bytes(range(256)) * 256 * 128).digest()
    _order(p)


# -- 30: early spawn, no EINTR -----------------------------------------------------------------


def test_spawn_before_run(reactor: Any, exitWatch: str) -> None:
    """``true`` spawned before the reactor ever ran, and known to have exited (waitid with
    WNOWAIT: exited, not reaped) before it runs: nothing is delivered until the reactor runs,
    then it is reaped and processEnded(ProcessDone) arrives."""
    p = spawn(reactor, "/bin/true", proto=Events())
    assert p.pid is not None
    os.waitid(os.P_PID, p.pid, os.WEXITED | os.WNOWAIT)  # Blocks until it has exited.
    assert p.events == ["made"]
    assert runUntil(reactor, p.ended).check(error.ProcessDone)
    _order(p)
    assert not isZombieOrAlive(p.pid)


def test_spawn_before_run_with_reactor_run(reactor: Any, exitWatch: str) -> None:
    """The same through a plain ``run()``: processEnded stops the reactor from inside."""
    p = spawn(reactor, "/bin/true", proto=Events())
    p.ended.addCallback(lambda _: reactor.stop())
    guard = reactor.callLater(10, reactor.stop)
    reactor.run(installSignalHandlers=False)
    assert guard.active(), "processEnded never came"
    guard.cancel()
    assert p.ended.called
    _order(p)


def _waitingIn(tid: int) -> str:
    """What thread ``tid`` of this process waits in, as far as /proc tells: ``"select"`` for
    a select/poll system call, else the kernel's wait channel ("" if unreadable)."""
    try:
        with open(f"/proc/self/task/{tid}/wchan") as f:
            wchan = f.read()
        with open(f"/proc/self/task/{tid}/syscall") as f:
            number = f.read().split()[0]
    except OSError:
        return ""
    # x86_64 select/pselect6/poll/ppoll, aarch64 pselect6/ppoll.
    known = {"x86_64": {"23", "270", "7", "271"}, "aarch64": {"72", "73"}}
    if number in known.get(os.uname().machine, set()):
        return "select"
    return wchan


def _waitUntilBlockedInSelect(tid: int) -> None:
    """Return once thread ``tid`` is inside select (polled: there is no event for it)."""
    gate = threading.Event()
    for _ in range(2000):  # Bounded; each round yields the GIL for a moment.
        state = _waitingIn(tid)
        if "select" in state or "poll" in state:
            return
        gate.wait(0.005)
    pytest.skip("cannot tell from /proc that the thread is blocked in select")


def test_thread_in_select_not_interrupted(reactor: Any, exitWatch: str) -> None:
    """A thread blocked in ``select`` while a child exits (and SIGCHLD arrives, with the
    fallback's handler installed) stays blocked, then completes normally when the test writes
    to its pipe after processEnded: no InterruptedError, no early return."""
    readEnd, writeEnd = os.pipe()
    outcome: list[object] = []
    tid: list[int] = []
    started = threading.Event()

    def blocked() -> None:
        tid.append(threading.get_native_id())
        started.set()
        try:
            outcome.append(select.select([readEnd], [], [], 60)[0])
        except BaseException as e:
            outcome.append(e)

    thread = threading.Thread(target=blocked, daemon=True)
    try:
        thread.start()
        assert started.wait(10)
        _waitUntilBlockedInSelect(tid[0])
        children = [spawn(reactor, "/bin/sh", "-c", f"exit {i}", proto=Events()) for i in range(5)]
        for i, p in enumerate(children):
            why = runUntil(reactor, p.ended)
            assert why.value.exitCode == i
        assert outcome == [], "the blocked call returned before anything was written"
        assert thread.is_alive()
        os.write(writeEnd, b"x")
        thread.join(10)
        assert outcome == [[readEnd]]
    finally:
        if thread.is_alive():
            os.write(writeEnd, b"x")
            thread.join(10)
        os.close(readEnd)
        os.close(writeEnd)


# -- 31: processExited while the pipes stay open -----------------------------------------------

# The child starts a grandchild holding its stdout and stderr (and fd 3) and exits at once; the
# grandchild waits for a line on fd 3, which the test writes, then prints it and ends.
_GRANDCHILD = "(read line <&3; echo late $line) & exit 7"
_GRANDCHILD_FDS = {0: "w", 1: "r", 2: "r", 3: "w"}


def test_exited_before_grandchild_closes_stdout(reactor: Any, exitWatch: str) -> None:
    """processExited arrives while a grandchild still holds stdout; processEnded waits for it
    to close, and its last output is delivered first."""
    p = spawn(reactor, "/bin/sh", "-c", _GRANDCHILD, proto=Events(), childFDs=_GRANDCHILD_FDS)
    assert p.transport is not None
    runUntil(reactor, p.waitFor(lambda: "exited" in p.events))
    assert p.exitedReason is not None and p.exitedReason.check(error.ProcessTerminated)
    assert p.exitedReason.value.exitCode == 7  # type: ignore[attr-defined]
    assert p.transport.pid is None
    assert "lost 1" not in p.events and "lost 2" not in p.events
    assert "ended" not in p.events
    # A few more passes change nothing: the grandchild is blocked on fd 3.
    for _ in range(5):
        reactor.iterate(0)
    assert "ended" not in p.events and p.endedReason is None
    p.transport.writeToChild(3, b"go\n")
    why = runUntil(reactor, p.ended)
    assert why.value.exitCode == 7
    assert p.out == b"late go\n"
    events = p.events
    assert events.index("exited") < events.index("lost 1") < events.index("ended")
    assert events.index("lost 2") < events.index("ended") and events.count("ended") == 1


class RaisingAtEnd(Events):
    """Raises from processExited and processEnded (after recording them)."""

    def processExited(self, reason: Failure) -> None:
        super().processExited(reason)
        raise ZeroDivisionError("exited")

    def processEnded(self, reason: Failure) -> None:
        super().processEnded(reason)
        raise ZeroDivisionError("ended")


def test_exceptions_at_the_end_are_logged_once(
    reactor: Any, exitWatch: str, caplog: pytest.LogCaptureFixture
) -> None:
    """processExited and processEnded raising (with a grandchild keeping the pipes open in
    between): each logged once, processEnded still comes and only once, and nothing is left
    watching (no reader, the SIGCHLD handler restored: checked by the fixtures)."""
    caplog.set_level(logging.ERROR)
    p = spawn(reactor, "/bin/sh", "-c", _GRANDCHILD, proto=RaisingAtEnd(), childFDs=_GRANDCHILD_FDS)
    assert p.transport is not None
    runUntil(reactor, p.waitFor(lambda: "exited" in p.events))
    p.transport.writeToChild(3, b"go\n")
    runUntil(reactor, p.ended)
    for _ in range(5):
        reactor.iterate(0)
    assert p.events.count("exited") == 1 and p.events.count("ended") == 1
    messages = [r.getMessage() for r in caplog.records]
    assert sum("processExited" in m for m in messages) == 1, messages
    assert sum("processEnded" in m for m in messages) == 1, messages
    assert reactor.getReaders() == [] and reactor.getWriters() == []
