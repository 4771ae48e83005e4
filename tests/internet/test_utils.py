"""`torsion.internet.utils` on every reactor: a program's output and exit code as Deferreds."""

from __future__ import annotations

import signal
from typing import Any

import pytest

from tests.internet._tcphelpers import runUntil
from torsion.internet import error, utils
from torsion.internet.defer import Deferred


def test_get_process_output(reactor: Any) -> None:
    """stdout is collected; args follow argv[0]; the environment is empty by default."""
    d = utils.getProcessOutput("/bin/echo", ["one", "two"], reactor=reactor)
    assert runUntil(reactor, d) == b"one two\n"
    assert runUntil(reactor, utils.getProcessOutput("/usr/bin/env", reactor=reactor)) == b""


def test_get_process_output_env_and_path(reactor: Any, tmp_path: Any) -> None:
    d = utils.getProcessOutput(
        "/bin/sh", ["-c", "echo $X; pwd"], env={"X": "1"}, path=str(tmp_path), reactor=reactor
    )
    assert runUntil(reactor, d).decode().split() == ["1", str(tmp_path.resolve())]


def test_get_process_output_fails_on_stderr(reactor: Any) -> None:
    """Output on stderr fails the Deferred with an IOError; its processEnded reports the end."""
    d = utils.getProcessOutput("/bin/sh", ["-c", "echo out; echo oops >&2"], reactor=reactor)
    with pytest.raises(IOError, match="got stderr: b'oops") as info:
        runUntil(reactor, d)
    ended: Deferred[Any] = info.value.processEnded  # type: ignore[attr-defined]
    [reason] = runUntil(reactor, ended.addErrback(lambda f: [f]))
    assert reason.check(error.ProcessDone, error.ProcessTerminated)


def test_get_process_output_errortoo(reactor: Any) -> None:
    d = utils.getProcessOutput(
        "/bin/sh", ["-c", "echo out; echo err >&2"], reactor=reactor, errortoo=True
    )
    assert sorted(runUntil(reactor, d).split()) == [b"err", b"out"]


def test_get_process_value(reactor: Any) -> None:
    assert (
        runUntil(reactor, utils.getProcessValue("/bin/sh", ["-c", "exit 7"], reactor=reactor)) == 7
    )
    assert runUntil(reactor, utils.getProcessValue("/bin/true", reactor=reactor)) == 0


def test_get_process_output_and_value(reactor: Any) -> None:
    """(out, err, code), with stdinBytes fed to the program."""
    d = utils.getProcessOutputAndValue(
        "/bin/sh", ["-c", "cat; echo e >&2; exit 2"], reactor=reactor, stdinBytes=b"in"
    )
    assert runUntil(reactor, d) == (b"in", b"e\n", 2)


def test_get_process_output_and_value_signal(reactor: Any) -> None:
    """A program killed by a signal fails the Deferred with (out, err, signal)."""
    d = utils.getProcessOutputAndValue(
        "/bin/sh", ["-c", "echo partial; kill -9 $$"], reactor=reactor
    )
    with pytest.raises(utils.ProcessKilled) as info:
        runUntil(reactor, d)
    out, err, sig = info.value
    assert (out, err, sig) == (b"partial\n", b"", signal.SIGKILL)
    assert info.value[2] == signal.SIGKILL and len(info.value) == 3
    assert isinstance(info.value, error.ProcessTerminated)
