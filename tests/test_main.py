"""``python -m torsion``: echo and chat over real sockets, then a clean stop on SIGINT."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests._subprocess import BOUND, Program
from torsion.testing import REACTORS, unavailableReason


@pytest.fixture(params=REACTORS)
def server(request: pytest.FixtureRequest) -> Iterator[tuple[Program, int, int]]:
    """A running ``python -m torsion`` on ephemeral ports: (program, echo port, chat port)."""
    reason = unavailableReason(request.param)
    if reason is not None:
        pytest.skip(reason)
    args = ["-m", "torsion", "--echo-port", "0", "--chat-port", "0", "--reactor", request.param]
    program = Program(args)
    try:
        echo = program.waitFor("  echo: nc 127.0.0.1 ")
        chat = program.waitFor("  chat: nc 127.0.0.1 ")
        yield program, int(echo.split()[3]), int(chat.split()[3])
    finally:
        program.kill()


def connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=BOUND)
    return sock


def recvLine(sock: socket.socket) -> bytes:
    """One ``\\n``-terminated line (read a byte at a time: the tests' lines are short)."""
    line = bytearray()
    while not line.endswith(b"\n"):
        byte = sock.recv(1)
        if not byte:
            raise EOFError(bytes(line))
        line += byte
    return bytes(line)


def recvExactly(sock: socket.socket, n: int) -> bytes:
    data = bytearray()
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        assert chunk, "connection closed early"
        data += chunk
    return bytes(data)


def stopCleanly(program: Program) -> str:
    """Send SIGINT; return stderr after checking for exit status 0 and no traceback."""
    program.proc.send_signal(signal.SIGINT)
    status, out, err = program.finish()
    assert status == 0, err
    assert "Traceback" not in err
    assert "Received SIGINT, shutting down." in err
    assert "stopped." in out
    return err


def test_echo(server: tuple[Program, int, int]) -> None:
    proc, echoPort, _ = server
    with connect(echoPort) as a, connect(echoPort) as b:
        a.sendall(b"hello, torsion\n")
        payload = os.urandom(300_000)
        b.sendall(payload)
        assert recvExactly(b, len(payload)) == payload
        assert recvExactly(a, 15) == b"hello, torsion\n"
    stopCleanly(proc)


def test_chat(server: tuple[Program, int, int]) -> None:
    proc, _, chatPort = server
    with connect(chatPort) as a:
        assert recvLine(a).startswith(b"* welcome, 127.0.0.1:")
        with connect(chatPort) as b:
            welcome = recvLine(b)
            bName = welcome.split(b", ")[1].split(b";")[0]
            assert recvLine(a) == b"* " + bName + b" joined\n"
            b.sendall(b"hello ")
            b.sendall(b"everyone\r\nsecond line\n")
            assert recvLine(a) == b"<" + bName + b"> hello everyone\n"
            assert recvLine(a) == b"<" + bName + b"> second line\n"
            b.sendall(b"/nick bob\n")
            assert recvLine(a) == b"* " + bName + b" is now bob\n"
            assert recvLine(b) == b"* " + bName + b" is now bob\n"
            a.sendall(b"hi bob\n")
            assert recvLine(b).endswith(b"> hi bob\n")
        assert recvLine(a) == b"* bob left\n"
    stopCleanly(proc)


def test_chatDropsOverlongLine(server: tuple[Program, int, int]) -> None:
    proc, _, chatPort = server
    with connect(chatPort) as a, connect(chatPort) as b:
        recvLine(a)
        recvLine(b)
        recvLine(a)  # b joined
        b.sendall(b"ok\n" + b"x" * 20_000)
        assert recvLine(a).endswith(b"> ok\n")
        assert recvLine(b) == b"* line too long (over 16384 bytes), bye\n"
        assert b.recv(100) == b""
        assert recvLine(a).endswith(b" left\n")
    stopCleanly(proc)


def test_portInUse() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "torsion", "--echo-port", str(port), "--chat-port", "0"],
            capture_output=True,
            text=True,
            timeout=BOUND,
        )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert str(port) in result.stderr


def test_logFormatJsonWritesOneObjectPerLine() -> None:
    program = Program(
        ["-m", "torsion", "--echo-port", "0", "--chat-port", "0", "--log-format", "json"]
    )
    try:
        chatPort = int(program.waitFor("  chat: nc 127.0.0.1 ").split()[3])
        with connect(chatPort) as a:
            recvLine(a)  # the welcome: the join was logged by then
        err = stopCleanly(program)
    finally:
        program.kill()
    events = [json.loads(line) for line in err.splitlines()]
    texts = [event["log_text"] for event in events]
    assert any(text.startswith("chat: ") and "joined" in text for text in texts), texts
    assert "Received SIGINT, shutting down." in texts
    assert all({"log_namespace", "log_level", "log_time"} <= set(event) for event in events)
