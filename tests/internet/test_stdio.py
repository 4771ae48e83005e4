"""`torsion.internet.stdio.StandardIO` on every reactor: a child Python program runs a protocol
over its own stdin and stdout, and the test talks to it through spawnProcess."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.internet._processhelpers import PYTHON, Recorder, runUntil, spawn
from torsion.internet import error
from torsion.testing import reactorName

_PROGRAM = """
import sys
from torsion.internet import protocol, stdio
from torsion.testing import makeReactor

reactor = makeReactor(sys.argv[1])

class Upper(protocol.Protocol):
    def connectionMade(self):
        self.transport.write(b"ready\\n")

    def dataReceived(self, data):
        self.transport.write(data.upper())

    def connectionLost(self, reason):
        sys.stderr.write("lost " + reason.type.__name__)
        reactor.stop()

class HalfClose(Upper):
    def readConnectionLost(self):
        self.transport.write(b"bye\\n" * 100000)
        self.transport.loseConnection()

    def writeConnectionLost(self):
        pass

stdio.StandardIO({"upper": Upper, "half": HalfClose}[sys.argv[2]](), reactor=reactor)
reactor.run()
reactor.close()
"""


def runProgram(reactor: Any, kind: str, **kw: Any) -> Recorder:
    name = reactorName(reactor)
    assert name is not None
    return spawn(reactor, PYTHON, "-c", _PROGRAM, name, kind, env=None, **kw)


def test_echo_until_stdin_closes(reactor: Any) -> None:
    """Data goes both ways (1 MB, so the child's writes are buffered); the end of stdin ends
    the protocol with ConnectionDone once its output is written."""
    p = runProgram(reactor, "upper")
    assert p.transport is not None
    runUntil(reactor, p.waitFor(lambda: p.out == b"ready\n"))
    p.transport.write(b"hello ")
    p.transport.write(b"x" * 1_000_000)
    p.transport.closeStdin()
    assert runUntil(reactor, p.ended).check(error.ProcessDone), p.err
    assert p.out == b"ready\nHELLO " + b"X" * 1_000_000
    assert p.err == b"lost ConnectionDone"


def test_half_close(reactor: Any) -> None:
    """A half-closeable protocol hears readConnectionLost and can still write."""
    p = runProgram(reactor, "half")
    assert p.transport is not None
    p.transport.closeStdin()
    assert runUntil(reactor, p.ended).check(error.ProcessDone), p.err
    assert p.out == b"ready\n" + b"bye\n" * 100000
    assert p.err == b"lost ConnectionDone"


def test_reader_goes_away(reactor: Any) -> None:
    """When whoever reads our stdout closes it, the protocol is told (ConnectionLost)."""
    p = runProgram(reactor, "upper")
    assert p.transport is not None
    runUntil(reactor, p.waitFor(lambda: p.out == b"ready\n"))
    p.transport.closeStdout()
    p.transport.write(b"now you write to a closed pipe")
    assert runUntil(reactor, p.ended).check(error.ProcessDone), p.err
    assert p.err == b"lost ConnectionLost"


def test_files_instead_of_pipes(reactor: Any, tmp_path: Path) -> None:
    """stdin and stdout redirected to regular files (which epoll cannot watch) work too."""
    (tmp_path / "in").write_bytes(b"from a file " * 50000)
    with open(tmp_path / "in", "rb") as src, open(tmp_path / "out", "wb") as dst:
        p = runProgram(reactor, "upper", childFDs={0: src.fileno(), 1: dst.fileno(), 2: "r"})
        assert runUntil(reactor, p.ended).check(error.ProcessDone), p.err
    assert (tmp_path / "out").read_bytes() == b"ready\n" + b"FROM A FILE " * 50000
    assert p.err == b"lost ConnectionDone"
