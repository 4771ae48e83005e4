"""Running a program for its output or exit code.

The public module is ``torsion.internet.utils``; its docstring describes the behaviour.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeVar, cast

from torsion.internet._globalreactor import globalReactor
from torsion.internet.defer import Deferred
from torsion.internet.error import ProcessTerminated
from torsion.internet.interfaces import IReactorProcess
from torsion.internet.protocol import ProcessProtocol
from torsion.python.failure import Failure

__all__ = ["ProcessKilled", "getProcessOutput", "getProcessOutputAndValue", "getProcessValue"]

_T = TypeVar("_T")


def _spawn(
    makeProtocol: Callable[[Deferred[_T]], ProcessProtocol],
    executable: str,
    args: Sequence[str],
    env: Mapping[str, str] | None,
    path: str | None,
    reactor: IReactorProcess | None,
) -> Deferred[_T]:
    if reactor is None:
        reactor = cast(IReactorProcess, globalReactor())
    d: Deferred[_T] = Deferred()
    reactor.spawnProcess(makeProtocol(d), executable, (executable, *args), env, path)
    return d


class _UnexpectedErrorOutput(IOError):
    """The program wrote to stderr (and ``errortoo`` was false).

    Attributes:
        processEnded: Fails with the program's exit reason once it has ended.
    """

    def __init__(self, text: bytes, processEnded: Deferred[None]) -> None:
        super().__init__(f"got stderr: {text!r}")
        self.processEnded = processEnded


class _BackRelay(ProcessProtocol):
    """Collects stdout (and stderr with ``errortoo``); fails at the first stderr otherwise."""

    def __init__(self, deferred: Deferred[bytes], errortoo: bool) -> None:
        self.deferred: Deferred[bytes] | None = deferred
        self.errortoo = errortoo
        self.output = bytearray()
        self.onProcessEnded: Deferred[None] | None = None

    def outReceived(self, data: bytes) -> None:
        self.output += data

    def errReceived(self, data: bytes) -> None:
        if self.errortoo:
            self.output += data
        elif self.deferred is not None:
            deferred, self.deferred = self.deferred, None
            self.onProcessEnded = Deferred()
            deferred.errback(_UnexpectedErrorOutput(data, self.onProcessEnded))
            assert self.transport is not None
            self.transport.loseConnection()

    def processEnded(self, reason: Failure) -> None:
        if self.deferred is not None:
            self.deferred.callback(bytes(self.output))
        elif self.onProcessEnded is not None:
            self.onProcessEnded.errback(reason)


def getProcessOutput(
    executable: str,
    args: Sequence[str] = (),
    env: Mapping[str, str] | None = {},  # Twisted's default: an empty environment
    path: str | None = None,
    reactor: IReactorProcess | None = None,
    errortoo: bool = False,
) -> Deferred[bytes]:
    """Run a program; return a Deferred of everything it wrote to stdout.

    The Deferred fails with an `IOError` (its ``processEnded`` attribute a Deferred of the
    exit) as soon as the program writes to stderr, which also closes its pipes, unless
    ``errortoo`` is true, in which case stderr is collected along with stdout.
    """
    return _spawn(lambda d: _BackRelay(d, errortoo), executable, args, env, path, reactor)


class _ValueGetter(ProcessProtocol):
    def __init__(self, deferred: Deferred[int | None]) -> None:
        self.deferred = deferred

    def processEnded(self, reason: Failure) -> None:
        self.deferred.callback(reason.value.exitCode)  # type: ignore[attr-defined]


def getProcessValue(
    executable: str,
    args: Sequence[str] = (),
    env: Mapping[str, str] | None = {},  # Twisted's default: an empty environment
    path: str | None = None,
    reactor: IReactorProcess | None = None,
) -> Deferred[int | None]:
    """Run a program; return a Deferred of its exit code (None if a signal killed it)."""
    return _spawn(_ValueGetter, executable, args, env, path, reactor)


class ProcessKilled(ProcessTerminated):
    """`getProcessOutputAndValue`'s failure when a signal ended the program.

    Twisted fails with the plain tuple ``(out, err, signal)``, which is not an exception; this
    one unpacks and indexes like that tuple (``out, err, sig = failure.value``).

    Attributes:
        out: What the program wrote to stdout.
        err: What it wrote to stderr.
    """

    def __init__(self, out: bytes, err: bytes, signal: int, status: int | None) -> None:
        super().__init__(None, signal, status)
        self.out = out
        self.err = err

    def _fields(self) -> tuple[bytes, bytes, int]:
        assert self.signal is not None
        return (self.out, self.err, self.signal)

    def __iter__(self) -> Iterator[bytes | int]:
        return iter(self._fields())

    def __getitem__(self, index: int) -> bytes | int:
        return self._fields()[index]

    def __len__(self) -> int:
        return 3


class _EverythingGetter(ProcessProtocol):
    def __init__(self, deferred: Deferred[tuple[bytes, bytes, int]], stdinBytes: bytes | None):
        self.deferred = deferred
        self.stdinBytes = stdinBytes
        self.out = bytearray()
        self.err = bytearray()

    def connectionMade(self) -> None:
        if self.stdinBytes is not None:
            assert self.transport is not None
            self.transport.writeToChild(0, self.stdinBytes)
            self.transport.closeStdin()

    def outReceived(self, data: bytes) -> None:
        self.out += data

    def errReceived(self, data: bytes) -> None:
        self.err += data

    def processEnded(self, reason: Failure) -> None:
        e: Any = reason.value
        if e.signal:
            self.deferred.errback(
                ProcessKilled(bytes(self.out), bytes(self.err), e.signal, e.status)
            )
        else:
            self.deferred.callback((bytes(self.out), bytes(self.err), e.exitCode))


def getProcessOutputAndValue(
    executable: str,
    args: Sequence[str] = (),
    env: Mapping[str, str] | None = {},  # Twisted's default: an empty environment
    path: str | None = None,
    reactor: IReactorProcess | None = None,
    stdinBytes: bytes | None = None,
) -> Deferred[tuple[bytes, bytes, int]]:
    """Run a program; return a Deferred of ``(stdout, stderr, exitCode)``.

    ``stdinBytes``, if given, is written to the program's stdin, which is then closed. When a
    signal ends the program, the Deferred fails with `ProcessKilled`, which unpacks as
    ``(stdout, stderr, signal)``.
    """
    return _spawn(lambda d: _EverythingGetter(d, stdinBytes), executable, args, env, path, reactor)
