"""``examples/portforward.py`` relays a connection to ``examples/echoserver.py`` and back."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from tests._subprocess import BOUND, Program


@pytest.fixture
def programs() -> Iterator[tuple[Program, Program]]:
    """The echo server and, in front of it, the forwarder; both on free ports."""
    echo = Program(["examples/echoserver.py", "0"])
    forwarder = None
    try:
        echoPort = echo.waitFor("listening on ").split()[2]
        forwarder = Program(["examples/portforward.py", "0", "127.0.0.1", echoPort])
        yield echo, forwarder
    finally:
        if forwarder is not None:
            forwarder.kill()
        echo.kill()


def test_portforward_relays(programs: tuple[Program, Program]) -> None:
    _, forwarder = programs
    port = int(forwarder.waitFor("listening on ").split()[2])
    message = b"through the forwarder\n" * 1000
    with socket.create_connection(("127.0.0.1", port), timeout=BOUND) as conn:
        conn.sendall(message)
        received = b""
        while len(received) < len(message):
            chunk = conn.recv(65536)
            if not chunk:
                break
            received += chunk
    assert received == message
