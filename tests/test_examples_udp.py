"""The UDP, ping and multicast examples run, as subprocesses, and do what their docstrings say."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator

import pytest

from tests._subprocess import Program
from tests.internet._udphelpers import loopbackMulticastProblem


def freeUDPPort() -> int:
    """A UDP port nothing is bound to (free a moment ago)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(*args: str) -> tuple[int, str, str]:
    program = Program(list(args))
    try:
        return program.finish()
    finally:
        program.kill()


@pytest.fixture
def udpEcho() -> Iterator[int]:
    """``examples/udpecho.py`` on a free port; yields the port."""
    program = Program(["examples/udpecho.py", "0"])
    try:
        yield int(program.waitFor("listening on ").split()[2])
    finally:
        program.kill()


def test_udpPing(udpEcho: int) -> None:
    """Three pings, three replies with round-trip times, then a summary."""
    status, out, err = run("examples/udpping.py", str(udpEcho), "3", "5")
    assert status == 0, err
    lines = out.splitlines()
    for seq, line in enumerate(lines[:3], 1):
        assert re.fullmatch(rf"reply from 127\.0\.0\.1:{udpEcho} seq={seq} time=[\d.]+ ms", line)
    assert lines[3:] == ["3 sent, 3 received"]


def test_udpPingRefused() -> None:
    """Nothing on the port: the connected port hears ICMP and says so at once."""
    port = freeUDPPort()
    status, out, err = run("examples/udpping.py", str(port), "3", "5")
    assert status == 0, err
    assert out.splitlines() == [
        f"connection refused: nothing listens on port {port}",
        "1 sent, 0 received",
    ]


@pytest.mark.skipif(loopbackMulticastProblem() is not None, reason=str(loopbackMulticastProblem()))
def test_multicastChat() -> None:
    """A listener hears lines sent by two others, then leaves and exits."""
    port = str(freeUDPPort())
    listener = Program(["examples/multicastchat.py", "alice", port, "--listen", "2"])
    try:
        assert listener.waitFor("joined ") == f"joined 228.0.0.5:{port} as alice"
        for name, text in [("bob", "hi alice"), ("carol", "hello all")]:
            status, out, err = run("examples/multicastchat.py", name, port, "--say", text)
            assert (status, out) == (0, ""), err
        status, out, err = listener.finish()
    finally:
        listener.kill()
    assert status == 0, err
    assert out.splitlines() == ["<bob> hi alice", "<carol> hello all"]
