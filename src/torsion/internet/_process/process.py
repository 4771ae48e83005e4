"""Child processes: `Process` and `spawnProcess`.

The public module is ``torsion.internet.process``; its docstring describes the behaviour.
"""

from __future__ import annotations

import errno
import os
import signal
from collections.abc import Callable, Iterable, Mapping, Sequence

from torsion.internet._process import pidwatch as _pidwatch
from torsion.internet._process import spawn as _spawn
from torsion.internet._process.pipes import PipeReader, PipeWriter, ProcessAddress, asBytes
from torsion.internet.error import ProcessDone, ProcessExitedAlready, ProcessTerminated
from torsion.internet.interfaces import IProcessProtocol, IProducer, IReactorProcessSupport
from torsion.logger import Logger, LogLevel
from torsion.python.failure import Failure

__all__ = ["Process", "spawnProcess"]

_log = Logger(namespace="torsion.internet.process")


def spawnProcess(
    reactor: IReactorProcessSupport,
    processProtocol: IProcessProtocol,
    executable: str | bytes,
    args: Sequence[str | bytes] = (),
    env: Mapping[str, str] | None = {},  # Twisted's default: an empty environment
    path: str | None = None,
    uid: int | None = None,
    gid: int | None = None,
    usePTY: bool | tuple[int, int, str] = False,
    childFDs: Mapping[int, str | int] | None = None,
) -> Process:
    """Start a child and connect ``processProtocol`` to it (``reactor.spawnProcess``).

    Args:
        reactor: The reactor whose loop serves the child's pipes.
        processProtocol: Receives the child's output and exit.
        executable: The program; without a slash, searched in this process's PATH.
        args: The child's whole argv, ``args[0]`` included (Twisted's convention).
        env: The child's environment: ``{}`` (the default, as Twisted) is an empty one;
            None inherits this process's.
        path: The child's working directory (None: this one).
        uid: Run the child as this user (needs the privilege to).
        gid: Run the child with this group.
        usePTY: Give the child a new pseudo-terminal as stdin, stdout and stderr (or a
            ``(master, slave, ttyName)`` tuple to use); output arrives as fd 1.
        childFDs: Child fd -> ``"r"`` (the parent reads what the child writes there), ``"w"``
            (the parent writes what the child reads) or a descriptor of this process to give
            the child. Default ``{0: "w", 1: "r", 2: "r"}``; descriptors not listed are closed.

    Raises:
        OSError: The child could not be started (nothing is left open).
        ValueError: A ``childFDs`` mapping that cannot be honoured (see `_spawn`).
    """
    spawned = _spawn.spawn(executable, args, env, path, uid, gid, usePTY, childFDs)
    return Process(reactor, processProtocol, spawned, pty=bool(usePTY))


class Process:
    """A running child process: the transport its protocol writes to and controls.

    Args:
        reactor: The reactor serving its pipes.
        proto: Its protocol; ``makeConnection`` is called at once.
        spawned: The started child and the parent's ends of its pipes.
        pty: Whether the pipes are a pty (``closeStdin`` and friends do nothing then, and no
            ``childConnectionLost`` is reported, as in Twisted).

    Attributes:
        pid: The child's process id; None once it has been reaped.
        status: The raw wait status once reaped (None before, or when unknown).
        proto: The protocol (None after ``processEnded``).
        pipes: Child fd -> its open pipe.
    """

    def __init__(
        self,
        reactor: IReactorProcessSupport,
        proto: IProcessProtocol,
        spawned: _spawn.Spawned,
        pty: bool,
    ) -> None:
        self.reactor = reactor
        self.proto: IProcessProtocol | None = proto
        self.pid: int | None = spawned.pid
        self.status: int | None = None
        self._pid = spawned.pid
        self._reaped = False
        self._pty = pty
        self.pipes: dict[int, PipeReader | PipeWriter] = {}
        try:
            _pidwatch.watchChild(reactor, spawned.pid, self._exited)
        except BaseException:
            _abandon(spawned)
            raise
        for childFD, fd in spawned.readers.items():
            self.pipes[childFD] = PipeReader(reactor, fd, childFD, self)
        for childFD, fd in spawned.writers.items():
            self.pipes[childFD] = PipeWriter(reactor, fd, childFD, self)
        self._call(proto, "makeConnection", self)

    def __repr__(self) -> str:
        return f"<Process pid={self.pid} status={self.status}>"

    # -- events from the pipes and the exit watch ----------------------------------------------

    def childDataReceived(self, childFD: int, data: bytes) -> None:
        """A pipe delivered ``data``: pass it to the protocol."""
        if self.proto is not None:
            self.proto.childDataReceived(childFD, data)

    def childConnectionLost(self, childFD: int, reason: Failure) -> None:
        """A pipe closed: tell the protocol, and end if that was the last thing waited for."""
        self.pipes.pop(childFD, None)
        if self._pty:
            # The master's reading and writing ends stand or fall together.
            for pipe in list(self.pipes.values()):
                if isinstance(pipe, PipeWriter):
                    pipe.abort()
                else:
                    pipe.loseConnection()
        elif self.proto is not None:
            self._call(self.proto, "childConnectionLost", childFD)
        self._maybeEnded()

    def _exited(self, status: int | None) -> None:
        self._reaped = True
        self.status = status
        self.pid = None
        if self.proto is not None:
            self._call(self.proto, "processExited", Failure(self._reason()))
        self._maybeEnded()

    def _maybeEnded(self) -> None:
        if self.pipes or not self._reaped or self.proto is None:
            return
        proto, self.proto = self.proto, None
        self._call(proto, "processEnded", Failure(self._reason()))

    def _reason(self) -> ProcessDone | ProcessTerminated:
        status = self.status
        if status is None:
            return ProcessTerminated()
        if os.WIFSIGNALED(status):
            return ProcessTerminated(None, os.WTERMSIG(status), status)
        code = os.waitstatus_to_exitcode(status)
        return ProcessDone(status) if code == 0 else ProcessTerminated(code, None, status)

    @staticmethod
    def _call(proto: object, name: str, *args: object) -> None:
        """Call ``proto.name(*args)`` if it exists, logging what it raises."""
        method = getattr(proto, name, None)
        if method is None:
            return
        try:
            method(*args)
        except Exception:
            _log.failure(
                "Unhandled error in {protocol}.{callback}",
                level=LogLevel.error,
                protocol=type(proto).__name__,
                callback=name,
            )

    # -- IProcessTransport ---------------------------------------------------------------------

    def signalProcess(self, signalID: str | int) -> None:
        """Send a signal: a name (``"TERM"``, ``"KILL"``, ``"INT"``, ``"HUP"``, ...) or number.

        Raises:
            ProcessExitedAlready: The child has exited (been reaped) already.
        """
        signum = getattr(signal, f"SIG{signalID}") if isinstance(signalID, str) else signalID
        if self.pid is None:
            raise ProcessExitedAlready()
        try:
            os.kill(self.pid, signum)
        except OSError as e:
            if e.errno == errno.ESRCH:
                raise ProcessExitedAlready()
            raise

    def write(self, data: bytes) -> None:
        """Write to the child's stdin (dropped if it has none, as in Twisted).

        Raises:
            TypeError: ``data`` is not bytes-like.
        """
        chunk = asBytes(data)
        self._stdin(lambda pipe: pipe.write(chunk))

    def writeSequence(self, seq: Iterable[bytes]) -> None:
        """Write each chunk of ``seq`` to the child's stdin."""
        chunks = [asBytes(chunk) for chunk in seq]
        self._stdin(lambda pipe: pipe.writeSequence(chunks))

    def writeToChild(self, childFD: int, data: bytes) -> None:
        """Write ``data`` to the pipe the child reads as ``childFD``.

        Raises:
            KeyError: There is no such pipe to write to.
            NotImplementedError: The child runs on a pty.
        """
        if self._pty:
            raise NotImplementedError("a pty has no descriptors to write to; use write()")
        pipe = self.pipes[childFD]
        if not isinstance(pipe, PipeWriter):
            raise KeyError(childFD)
        pipe.write(data)

    def closeChildFD(self, descriptor: int) -> None:
        """Close the pipe to the child's ``descriptor`` (a write pipe is flushed first)."""
        if self._pty:
            raise NotImplementedError("a pty cannot close one descriptor; use loseConnection()")
        pipe = self.pipes.get(descriptor)
        if pipe is not None:
            pipe.loseConnection()

    def closeStdin(self) -> None:
        """Close the child's stdin once what was written is sent (nothing for a pty)."""
        if not self._pty:
            self.closeChildFD(0)

    def closeStdout(self) -> None:
        """Close the child's stdout (nothing for a pty)."""
        if not self._pty:
            self.closeChildFD(1)

    def closeStderr(self) -> None:
        """Close the child's stderr (nothing for a pty)."""
        if not self._pty:
            self.closeChildFD(2)

    def loseConnection(self) -> None:
        """Close stdin (after flushing), stdout and stderr; for a pty, close the terminal."""
        if self._pty:
            writer = self.pipes.get(0)
            if writer is not None:
                writer.loseConnection()
            return
        self.closeStdin()
        self.closeStderr()
        self.closeStdout()

    def getPeer(self) -> ProcessAddress:
        """Return a `ProcessAddress` (Twisted raises ``NotImplementedError``)."""
        return ProcessAddress()

    def getHost(self) -> ProcessAddress:
        """Return a `ProcessAddress` (Twisted raises ``NotImplementedError``)."""
        return ProcessAddress()

    # -- flow control --------------------------------------------------------------------------

    def pauseProducing(self) -> None:
        """Stop reading the child's output (it blocks once its pipes are full)."""
        for pipe in self.pipes.values():
            if isinstance(pipe, PipeReader):
                pipe.stopReading()

    def resumeProducing(self) -> None:
        """Read the child's output again."""
        for pipe in self.pipes.values():
            if isinstance(pipe, PipeReader):
                pipe.startReading()

    def stopProducing(self) -> None:
        """Close the pipes, as `loseConnection`."""
        self.loseConnection()

    def registerProducer(self, producer: IProducer, streaming: bool) -> None:
        """Let ``producer`` feed the child's stdin; stopped at once if there is none.

        Raises:
            RuntimeError: A producer is registered already.
        """
        if not self._stdin(lambda pipe: pipe.registerProducer(producer, streaming)):
            producer.stopProducing()

    def unregisterProducer(self) -> None:
        """Detach the stdin producer."""
        self._stdin(lambda pipe: pipe.unregisterProducer())

    def _stdin(self, action: Callable[[PipeWriter], object]) -> bool:
        pipe = self.pipes.get(0)
        if isinstance(pipe, PipeWriter):
            action(pipe)
            return True
        return False


def _abandon(spawned: _spawn.Spawned) -> None:
    """Undo a start whose exit cannot be watched: close the pipes, kill and reap the child."""
    for fd in [*spawned.readers.values(), *spawned.writers.values()]:
        os.close(fd)
    os.kill(spawned.pid, signal.SIGKILL)
    os.waitpid(spawned.pid, 0)
