"""Shared pieces of the UNIX socket tests: a short socket directory and a connected pair."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest

from tests.internet._tcphelpers import Client, Collecting, Recorder, runUntil
from torsion.internet.defer import Deferred, gatherResults

needsAbstract = pytest.mark.skipif(
    os.uname().sysname != "Linux", reason="abstract-namespace UNIX sockets are Linux-only"
)


def shortDirectory() -> Iterator[str]:
    """Make a fresh directory with a short path (AF_UNIX paths are limited to ~107 bytes),
    yield it, remove it; each test module's ``sockdir`` fixture is this."""
    path = tempfile.mkdtemp(prefix="tx", dir="/tmp" if os.path.isdir("/tmp") else None)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def connectPair(
    reactor: Any, path: str | bytes, serverProtocol: Any = Recorder, clientProtocol: Any = Recorder
) -> tuple[Any, Any, Any]:
    """Listen on ``path``, connect to it; return (port, server protocol, client protocol)."""
    server = Collecting(serverProtocol)
    port = reactor.listenUNIX(path, server)
    client = Client(clientProtocol)
    reactor.connectUNIX(path, client)
    serverProto = runUntil(reactor, server.first)
    runUntil(reactor, serverProto.made)
    clientProto = runUntil(reactor, client.first)
    runUntil(reactor, clientProto.made)
    return port, serverProto, clientProto


def close(reactor: Any, port: Any, *protocols: Any) -> None:
    """Close the protocols' connections and the port, and wait until all are gone."""
    for p in protocols:
        p.transport.loseConnection()
    runUntil(reactor, gatherResults([p.lost for p in protocols]))
    runUntil(reactor, port.stopListening())


class Receiver(Recorder):
    """Records descriptors as they arrive (``"fd"`` events); ``fdsDone`` fires at ``fdsWanted``."""

    def __init__(self) -> None:
        super().__init__()
        self.fds: list[int] = []
        self.fdsWanted = 1
        self.fdsDone: Deferred[list[int]] = Deferred()

    def fileDescriptorReceived(self, descriptor: int) -> None:
        self.events.append("fd")
        self.fds.append(descriptor)
        if len(self.fds) == self.fdsWanted:
            self.fdsDone.callback(list(self.fds))
