"""Shared pieces of the process tests: a recording ProcessProtocol and spawning helpers."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

from tests.internet._tcphelpers import Why, runUntil
from torsion.internet.defer import Deferred
from torsion.internet.protocol import ProcessProtocol
from torsion.python.failure import Failure

__all__ = ["PYTHON", "Recorder", "isZombieOrAlive", "openFds", "runUntil", "spawn"]

PYTHON = sys.executable


class Recorder(ProcessProtocol):
    """Records every event; ``ended`` fires (with a `Why`) at processEnded.

    Attributes:
        events: ``"made"``, ``"lost N"``, ``"exited"``, ``"ended"`` in order (data not listed).
        data: Child fd -> everything received on it.
        pid: The pid seen at connectionMade.
    """

    def __init__(self) -> None:
        self.events: list[str] = []
        self.data: dict[int, bytearray] = {}
        self.pid: int | None = None
        self.exitedReason: Failure | None = None
        self.endedReason: Failure | None = None
        self.ended: Deferred[Why] = Deferred()
        self._waiters: list[tuple[Callable[[], bool], Deferred[None]]] = []

    def waitFor(self, condition: Callable[[], bool]) -> Deferred[None]:
        """A Deferred that fires once ``condition()`` holds after some event (or now)."""
        d: Deferred[None] = Deferred()
        self._waiters.append((condition, d))
        self._check()
        return d

    def _check(self) -> None:
        for waiter in list(self._waiters):
            if waiter[0]():
                self._waiters.remove(waiter)
                waiter[1].callback(None)

    @property
    def out(self) -> bytes:
        return bytes(self.data.get(1, b""))

    @property
    def err(self) -> bytes:
        return bytes(self.data.get(2, b""))

    def connectionMade(self) -> None:
        assert self.transport is not None
        self.pid = self.transport.pid
        self.events.append("made")

    def childDataReceived(self, childFD: int, data: bytes) -> None:
        self.data.setdefault(childFD, bytearray()).extend(data)
        super().childDataReceived(childFD, data)
        self._check()

    def childConnectionLost(self, childFD: int) -> None:
        self.events.append(f"lost {childFD}")
        super().childConnectionLost(childFD)
        self._check()

    def processExited(self, reason: Failure) -> None:
        self.events.append("exited")
        self.exitedReason = reason

    def processEnded(self, reason: Failure) -> None:
        self.events.append("ended")
        self.endedReason = reason
        self.ended.callback(Why(reason))


def spawn(reactor: Any, *argv: str, proto: Recorder | None = None, **kw: Any) -> Recorder:
    """Spawn ``argv`` (argv[0] is also the program) with a `Recorder`; return it."""
    proto = Recorder() if proto is None else proto
    reactor.spawnProcess(proto, argv[0], argv, **kw)
    return proto


def openFds() -> set[int]:
    """This process's open descriptors (not the one listing them, closed by now)."""
    return {fd for fd in map(int, os.listdir("/proc/self/fd")) if _isOpen(fd)}


def _isOpen(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def isZombieOrAlive(pid: int) -> bool:
    """Whether ``pid`` still exists (a zombie included): /proc, never waitpid, which could
    reap another test's children."""
    try:
        with open(f"/proc/{pid}/status") as f:
            return any(line.startswith("State:") for line in f)
    except FileNotFoundError:
        return False
