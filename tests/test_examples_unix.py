"""``examples/unixecho.py`` runs as a subprocess: it echoes, refuses a second server on its
path while it lives, and starts again on the path after being killed without cleaning up."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator

import pytest

from tests._subprocess import BOUND, Program
from tests.internet._unixhelpers import shortDirectory


@pytest.fixture
def path() -> Iterator[str]:
    for directory in shortDirectory():
        yield os.path.join(directory, "echo.sock")


def echo(path: str, message: bytes) -> bytes:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(BOUND)
        s.connect(path)
        s.sendall(message)
        s.shutdown(socket.SHUT_WR)
        received = b""
        while chunk := s.recv(65536):
            received += chunk
    return received


def start(path: str) -> Program:
    server = Program(["examples/unixecho.py", path])
    assert server.waitFor("listening on ") == f"listening on {path}"
    return server


def test_unix_echo_server_restarts_after_a_crash(path: str) -> None:
    server = start(path)
    try:
        assert echo(path, b"hello over UNIX") == b"hello over UNIX"
        assert os.readlink(path + ".lock") == str(server.proc.pid)
        second = Program(["examples/unixecho.py", path])
        status, out, err = second.finish()
        assert status == 1 and "Cannot acquire lock" in err and out == ""
    finally:
        server.kill()  # SIGKILL: the socket file and the lock stay behind.
    assert os.path.exists(path) and os.path.lexists(path + ".lock")
    server = start(path)
    try:
        assert echo(path, b"again") == b"again"
        assert os.readlink(path + ".lock") == str(server.proc.pid)
    finally:
        server.kill()
