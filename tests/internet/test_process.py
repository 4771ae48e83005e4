"""Child processes on every reactor: exit reporting, signals, arguments, environment, pipes."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import pytest

from tests.internet._processhelpers import (
    PYTHON,
    Recorder,
    isZombieOrAlive,
    openFds,
    runUntil,
    spawn,
)
from torsion.internet import error
from torsion.internet.defer import gatherResults


def test_exit_zero(reactor: Any) -> None:
    """Exit 0: pipes close, then processExited, then processEnded(ProcessDone); pid None."""
    p = spawn(reactor, "/bin/true")
    why = runUntil(reactor, p.ended)
    assert why.check(error.ProcessDone)
    assert (why.value.exitCode, why.value.signal, why.value.status) == (0, None, 0)
    # The exit and the pipes' ends come in any order; processEnded after all of them.
    assert p.events[0] == "made" and p.events[-1] == "ended"
    assert sorted(p.events[1:-1]) == ["exited", "lost 0", "lost 1", "lost 2"]
    assert p.exitedReason is not None and p.exitedReason.check(error.ProcessDone)
    assert p.transport is not None and p.transport.pid is None
    with pytest.raises(error.ProcessExitedAlready):
        p.transport.signalProcess("TERM")
    assert p.pid is not None and not isZombieOrAlive(p.pid)


def test_exit_code(reactor: Any) -> None:
    """A non-zero exit is ProcessTerminated with the code and no signal."""
    p = spawn(reactor, "/bin/sh", "-c", "exit 3")
    why = runUntil(reactor, p.ended)
    assert why.check(error.ProcessTerminated)
    assert (why.value.exitCode, why.value.signal, why.value.status) == (3, None, 3 << 8)
    assert "exit code 3" in str(why.value)


@pytest.mark.parametrize("signalID", ["TERM", "KILL", signal.SIGINT])
def test_signal(reactor: Any, signalID: str | int) -> None:
    """A child killed by signalProcess reports ProcessTerminated with that signal."""
    p = spawn(reactor, "/bin/sleep", "30")
    assert p.transport is not None
    p.transport.signalProcess(signalID)
    why = runUntil(reactor, p.ended)
    expected = signalID if isinstance(signalID, int) else getattr(signal, f"SIG{signalID}")
    assert why.check(error.ProcessTerminated)
    assert (why.value.exitCode, why.value.signal) == (None, expected)
    assert p.events.count("ended") == 1
    with pytest.raises(error.ProcessExitedAlready):
        p.transport.signalProcess("KILL")


def test_stdin_to_stdout(reactor: Any) -> None:
    """What is written reaches the child's stdin; closing it ends ``cat``."""
    p = spawn(reactor, "/bin/cat")
    assert p.transport is not None
    p.transport.write(b"hello ")
    # Deliberately mixes in a bytearray: writeSequence accepts any bytes-like chunk.
    p.transport.writeSequence([b"wor", bytearray(b"ld")])  # type: ignore[list-item]
    p.transport.closeStdin()
    p.transport.write(b"dropped after closeStdin")
    assert runUntil(reactor, p.ended).check(error.ProcessDone)
    assert p.out == b"hello world"
    assert p.events.index("lost 0") < p.events.index("ended")
    with pytest.raises(TypeError):
        p.transport.write("text")  # type: ignore[arg-type]


def test_stderr(reactor: Any) -> None:
    """stdout and stderr arrive apart, through outReceived and errReceived."""
    p = spawn(reactor, "/bin/sh", "-c", "echo out; echo err >&2")
    runUntil(reactor, p.ended)
    assert (p.out, p.err) == (b"out\n", b"err\n")


def test_args_and_argv0(reactor: Any) -> None:
    """args is the whole argv: args[0] is the child's argv[0]."""
    p = Recorder()
    script = "cat /proc/$$/cmdline"
    reactor.spawnProcess(p, "/bin/sh", ["my-name", "-c", script, "a b"])
    runUntil(reactor, p.ended)
    assert p.out.split(b"\0") == [b"my-name", b"-c", script.encode(), b"a b", b""]


def test_env(reactor: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """env={} (the default) is an empty environment; a mapping is used as is; None inherits."""
    monkeypatch.setenv("TORSION_INHERITED", "yes")
    empty = spawn(reactor, "/usr/bin/env")
    given = spawn(reactor, "/usr/bin/env", env={"ONLY": "this"})
    inherited = spawn(reactor, "/usr/bin/env", env=None)
    runUntil(reactor, gatherResults([empty.ended, given.ended, inherited.ended]))
    assert empty.out == b""
    assert given.out == b"ONLY=this\n"
    assert b"TORSION_INHERITED=yes\n" in inherited.out


def test_path_search(reactor: Any) -> None:
    """A program name without a slash is found in this process's PATH."""
    p = spawn(reactor, "sh", "-c", "echo found")
    runUntil(reactor, p.ended)
    assert p.out == b"found\n"


def test_working_directory(reactor: Any, tmp_path: Path) -> None:
    """path is the child's working directory."""
    p = spawn(reactor, "/bin/pwd", path=str(tmp_path))
    runUntil(reactor, p.ended)
    assert p.out.decode().strip() == str(tmp_path.resolve())


def test_uid_gid_own(reactor: Any) -> None:
    """uid and gid (our own, which needs no privilege) are applied."""
    p = spawn(reactor, "/bin/sh", "-c", "id -u; id -g", uid=os.getuid(), gid=os.getgid())
    assert runUntil(reactor, p.ended).check(error.ProcessDone)
    assert p.out.split() == [str(os.getuid()).encode(), str(os.getgid()).encode()]


def test_unsupported_combination(reactor: Any, tmp_path: Path) -> None:
    """A new pipe beyond fd 2 together with path cannot be done: a clear error, no leak."""
    before = openFds()
    with pytest.raises(ValueError, match="childFDs"):
        spawn(reactor, "/bin/true", path=str(tmp_path), childFDs={0: "w", 1: "r", 3: "r"})
    with pytest.raises(ValueError, match="childFDs values"):
        spawn(reactor, "/bin/true", childFDs={0: "x"})
    assert openFds() == before


def test_spawn_failure(reactor: Any, tmp_path: Path) -> None:
    """A program that cannot be started raises at once and leaves no descriptor open."""
    before = openFds()
    for _ in range(20):
        with pytest.raises(FileNotFoundError):
            spawn(reactor, "/nonexistent/program")
        with pytest.raises(FileNotFoundError):
            spawn(reactor, "/bin/true", path=str(tmp_path / "missing"))
    assert openFds() == before
    assert reactor.getReaders() == []


_CLEAN_SLATE = """
import os, signal
fds = [fd for fd in range(256) if os.path.exists(f"/proc/self/fd/{fd}")]
print(fds, signal.getsignal(signal.SIGINT) is signal.SIG_IGN)
"""


@pytest.mark.parametrize("viaPopen", [False, True], ids=["posix_spawn", "popen"])
def test_clean_slate(reactor: Any, tmp_path: Path, viaPopen: bool) -> None:
    """The child gets only fds 0-2, even when the parent holds inheritable ones; posix_spawn
    also resets a signal the parent ignores."""
    leaky = os.pipe()
    for fd in leaky:
        os.set_inheritable(fd, True)
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        extra: dict[str, Any] = {"path": str(tmp_path)} if viaPopen else {}
        p = spawn(reactor, PYTHON, "-c", _CLEAN_SLATE, **extra)
    finally:
        signal.signal(signal.SIGINT, previous)
        for fd in leaky:
            os.close(fd)
    runUntil(reactor, p.ended)
    fds, ignored = p.out.decode().rsplit(" ", 1)
    assert fds == "[0, 1, 2]", p.err
    if not viaPopen:  # Popen only restores SIGPIPE and SIGXFSZ (documented).
        assert ignored.strip() == "False"


def test_childFDs_extra_pipes(reactor: Any) -> None:
    """Child fds beyond 2 as new pipes, both ways: fd 4 read by the child, fd 3 written."""
    p = spawn(
        reactor,
        "/bin/sh",
        "-c",
        "cat <&4 >&3",
        childFDs={0: "w", 1: "r", 2: "r", 3: "r", 4: "w"},
    )
    assert p.transport is not None
    p.transport.writeToChild(4, b"through fd 4")
    p.transport.closeChildFD(4)
    assert runUntil(reactor, p.ended).check(error.ProcessDone)
    assert bytes(p.data[3]) == b"through fd 4"
    assert {"lost 3", "lost 4"} <= set(p.events)


def test_childFDs_swapped_and_passed_through(reactor: Any) -> None:
    """A parent descriptor passed to the child, and a mapping that swaps stdout and stderr."""
    readEnd, writeEnd = os.pipe()
    try:
        p = spawn(
            reactor,
            "/bin/sh",
            "-c",
            "echo to-one; echo to-two >&2; echo to-five >&5",
            childFDs={1: "r", 2: "r", 5: writeEnd},
        )
    finally:
        os.close(writeEnd)
    runUntil(reactor, p.ended)
    with os.fdopen(readEnd, "rb") as f:
        assert f.read() == b"to-five\n"
    assert (p.out, p.err) == (b"to-one\n", b"to-two\n")
    assert "lost 0" not in p.events  # No stdin pipe was asked for.


def test_use_pty(reactor: Any) -> None:
    """usePTY: stdin, stdout and stderr are a terminal, the controlling one; output is fd 1."""
    program = (
        "import os, sys; print(os.isatty(0), os.isatty(1), os.isatty(2));"
        "open('/dev/tty').close(); print('ctty'); sys.stdout.flush()"
    )
    p = spawn(reactor, PYTHON, "-c", program, usePTY=True)
    assert runUntil(reactor, p.ended).check(error.ProcessDone)
    assert p.out.replace(b"\r\n", b"\n") == b"True True True\nctty\n", p.out
    assert p.events == ["made", "exited", "ended"]  # A pty reports no pipe closing (Twisted).


def test_use_pty_write_and_lose_connection(reactor: Any) -> None:
    """Writing to a pty reaches the child; loseConnection hangs up the terminal."""
    p = spawn(reactor, "/bin/sh", "-c", "read line; echo got $line; exec cat", usePTY=True)
    assert p.transport is not None
    p.transport.write(b"hello\n")
    p.transport.closeStdin()  # Does nothing on a pty (as Twisted).
    with pytest.raises(NotImplementedError):
        p.transport.writeToChild(0, b"x")
    runUntil(reactor, p.waitFor(lambda: b"got hello" in p.out))
    p.transport.loseConnection()
    why = runUntil(reactor, p.ended)
    assert why.check(error.ProcessTerminated) and why.value.signal == signal.SIGHUP


def test_lose_connection_closes_stdin(reactor: Any) -> None:
    """loseConnection flushes and closes stdin: ``cat`` ends normally."""
    p = spawn(reactor, "/bin/sh", "-c", "cat >/dev/null")
    assert p.transport is not None
    p.transport.write(b"last words")
    p.transport.loseConnection()
    assert runUntil(reactor, p.ended).check(error.ProcessDone)
    assert {"lost 0", "lost 1", "lost 2"} <= set(p.events)


def test_close_stdout_gives_sigpipe(reactor: Any) -> None:
    """After closeStdout, a child writing gets SIGPIPE (reset to its default in the child)."""
    p = spawn(reactor, "/usr/bin/yes")
    assert p.transport is not None
    p.transport.closeStdout()
    why = runUntil(reactor, p.ended)
    assert why.value.signal == signal.SIGPIPE


def test_child_closes_stdin_early(reactor: Any) -> None:
    """The child closing its stdin is noticed while it runs; later writes are harmless."""
    fds = {0: "w", 1: "r", 2: "r", 3: "w"}
    p = spawn(reactor, "/bin/sh", "-c", "exec 0<&-; echo closed; read x <&3", childFDs=fds)
    runUntil(reactor, p.waitFor(lambda: "lost 0" in p.events))
    assert p.endedReason is None
    assert p.transport is not None
    p.transport.write(b"nobody reads this")
    p.transport.writeToChild(3, b"go\n")
    assert runUntil(reactor, p.ended).check(error.ProcessDone)
    assert p.out == b"closed\n"


class Raising(Recorder):
    def outReceived(self, data: bytes) -> None:
        raise ZeroDivisionError("out")

    def processEnded(self, reason: Any) -> None:
        super().processEnded(reason)
        raise ZeroDivisionError("ended")


def test_protocol_exceptions_are_logged(reactor: Any, caplog: pytest.LogCaptureFixture) -> None:
    """An exception in outReceived closes stdout; one in processEnded is logged, once."""
    p = spawn(reactor, "/bin/sh", "-c", "echo x; echo y >&2", proto=Raising())
    runUntil(reactor, p.ended)
    reactor.iterate(0)
    assert p.events.count("ended") == 1
    messages = [r.getMessage() for r in caplog.records]
    assert sum("outReceived" in m or "childDataReceived" in m for m in messages) == 1
    assert sum("processEnded" in m for m in messages) == 1
