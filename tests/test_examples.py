"""Every program in ``examples/`` runs, as a subprocess, and does what its docstring says."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests._subprocess import Program


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    program = Program(list(args), env)
    try:
        return program.finish()
    finally:
        program.kill()


@pytest.fixture
def echoServer() -> Iterator[int]:
    """``examples/echoserver.py`` on a free port; yields the port."""
    program = Program(["examples/echoserver.py", "0"])
    try:
        yield int(program.waitFor("listening on ").split()[2])
    finally:
        program.kill()


def test_timer() -> None:
    """Ticks at once and then every interval; stops after five intervals."""
    started = time.monotonic()
    status, out, err = run("examples/timer.py", env={"TIMER_SCALE": "0.1"})
    assert status == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("Current time is ")  # LoopingCall.start calls at once
    assert lines[1] == "Running the reactor..."
    assert lines[-2:] == ["Stopping reactor", "Reactor stopped."]
    ticks = lines[2:-2]
    # Ticks at 0.1 ... 0.5 s; the one at 0.5 s is due just before the stop (as in Twisted). A
    # heavily loaded machine may make LoopingCall skip a late beat, never add one.
    assert 3 <= len(ticks) <= 5
    assert all(line.startswith("Current time is ") for line in ticks)
    assert time.monotonic() - started >= 0.5
    assert err == ""


def test_echoClient(echoServer: int) -> None:
    status, out, err = run("examples/echoclient.py", str(echoServer), "ping pong")
    assert status == 0, err
    assert out.splitlines() == [
        "Server said: ping pong",
        "Connection lost: Connection was closed cleanly.",
    ]


def test_echoClientRefused() -> None:
    status, out, _ = run("examples/echoclient.py", str(freePort()))
    assert status == 0
    assert out.startswith("Connection failed: Connection was refused")


def test_clientCreator(echoServer: int) -> None:
    status, out, err = run("examples/clientcreator.py", str(echoServer), "one-off")
    assert status == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("Connected to IPv4Address(type='TCP', host='127.0.0.1'")
    assert lines[1:] == ["Reply: one-off"]


def test_reconnectingClient(echoServer: int) -> None:
    status, out, err = run("examples/reconnectingclient.py", str(echoServer), "3")
    assert status == 0, err
    assert out.splitlines() == [
        f"Connecting to port {echoServer}",
        "Echoed: message 1",
        f"Connecting to port {echoServer}",
        "Echoed: message 2",
        f"Connecting to port {echoServer}",
        "Echoed: message 3",
        "Done after 3 connections.",
    ]


def test_reconnectingClientWaitsForServer() -> None:
    """Started before the server, the client retries until the server is up."""
    port = freePort()
    client = Program(["examples/reconnectingclient.py", str(port), "2", "0.05"])
    try:
        client.waitFor("Connection failed: Connection was refused")
        server = Program(["examples/echoserver.py", str(port)])
        try:
            server.waitFor("listening on ")
            status, out, err = client.finish()
        finally:
            server.kill()
    finally:
        client.kill()
    assert status == 0, err
    lines = out.splitlines()
    assert lines[-4:] == [
        "Echoed: message 1",
        f"Connecting to port {port}",
        "Echoed: message 2",
        "Done after 2 connections.",
    ]


def freePort() -> int:
    """A port nothing listens on (free a moment ago)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_lineChat() -> None:
    """Two clients name themselves; a line from one reaches the other, prefixed by the name."""
    server = Program(["examples/linechat.py", "0"])
    try:
        port = int(server.waitFor("listening on ").split()[2])
        alice = socket.create_connection(("127.0.0.1", port), timeout=10)
        bob = socket.create_connection(("127.0.0.1", port), timeout=10)
        with alice, bob, alice.makefile("rb") as a:
            with bob.makefile("rb") as b:
                assert a.readline() == b.readline() == b"What's your name?\r\n"
                alice.sendall(b"alice\r\n")
                assert a.readline() == b"Welcome, alice!\r\n"
                bob.sendall(b"alice\r\nbob\r\n")
                assert b.readline() == b"Name taken or empty, please choose another.\r\n"
                assert b.readline() == b"Welcome, bob!\r\n"
                assert a.readline() == b"* bob joined\r\n"
                alice.sendall(b"hi bob\r\n")
                assert b.readline() == b"<alice> hi bob\r\n"
                bob.close()
            assert a.readline() == b"* bob left\r\n"
    finally:
        server.kill()


def test_netstringRPC() -> None:
    server = Program(["examples/netstring_rpc.py", "server", "0"])
    try:
        port = server.waitFor("listening on ").split()[2]
        status, out, err = run(
            "examples/netstring_rpc.py", "client", port, "add 1 2", "mul 3 4", "div 1 2"
        )
    finally:
        server.kill()
    assert status == 0, err
    assert out.splitlines() == [
        "add 1 2 -> 3",
        "mul 3 4 -> 12",
        "div 1 2 -> error: no method 'div'",
    ]


def test_ported(tmp_path: Path) -> None:
    """The Twisted program with zope.interface, adapters, FilePath and reflect runs on torsion."""
    status, out, err = run("examples/ported.py", str(tmp_path))
    assert status == 0, err
    assert out == "Good day, Ada.\n"
    assert (tmp_path / "greetings.txt").read_bytes() == b"Good day, Ada."
