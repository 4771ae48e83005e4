"""The two ends of a pipe as reactor descriptors: `PipeReader` and `PipeWriter`.

A child process's stdout and stderr are read by a `PipeReader`, its stdin written by a
`PipeWriter`; `torsion.internet.stdio` uses the same two classes for the program's own stdin and
stdout. Each reports to an owner (`PipeOwner`) by the child's descriptor number: data with
``childDataReceived`` and the end of the pipe, exactly once, with ``childConnectionLost``.

The writer behaves like the TCP transport (STYLE.md point 6): write at once when nothing is
buffered, buffer only the unsent tail (written later with one vectored ``writev``), pause a
streaming producer above the high-water mark, and let ``loseConnection`` drain first. It also
watches its descriptor for *readability*: the write end of a pipe is never readable, except
when the reading end has been closed (``POLLERR``; ``select`` reports it as readable), which is
how the closing of a child's stdin is noticed even when nothing is being written.

Regular files cannot be watched by epoll (``EPERM``) and are always ready, so for them (a
program's stdin or stdout redirected to a file) reading and writing are driven by
``callLater(0)`` instead of the reactor's readiness.
"""

from __future__ import annotations

import errno
import os
import stat
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, Any, Protocol

from torsion.internet._transports.buffer import HIGH_WATER, MAX_IOV
from torsion.internet._transports.stream import Consumer
from torsion.internet.error import ConnectionDone, ConnectionLost
from torsion.internet.interfaces import IProducer, IReactorTimeAndFDSet
from torsion.logger import Logger, LogLevel
from torsion.python.failure import Failure

__all__ = ["READ_SIZE", "PipeOwner", "PipeReader", "PipeWriter", "ProcessAddress", "asBytes"]

_log = Logger(namespace="torsion.internet.process")

READ_SIZE = 256 * 1024
"""The most bytes one read asks for (a pipe holds 64 KiB by default on Linux)."""


@dataclass(frozen=True)
class ProcessAddress:
    """The address of either end of a process's pipes: there is nothing to say about it."""


class PipeOwner(Protocol):
    """Who a pipe reports to: a process transport, or `torsion.internet.stdio.StandardIO`."""

    def childDataReceived(self, childFD: int, data: bytes) -> None: ...
    def childConnectionLost(self, childFD: int, reason: Failure) -> None: ...


def asBytes(data: object) -> bytes:
    """Return ``data`` as (a private copy in) ``bytes``.

    Raises:
        TypeError: ``data`` is not bytes-like (a ``str``, say).
    """
    if type(data) is bytes:
        return data
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    raise TypeError(f"Data must be bytes, not {type(data).__name__}")


class _Pipe:
    """What both ends share: the descriptor, its owner, watching it, and closing it once."""

    def __init__(
        self,
        reactor: IReactorTimeAndFDSet,
        fd: int,
        childFD: int,
        owner: PipeOwner,
        closeFd: bool = True,
    ) -> None:
        self.reactor = reactor
        self.fd = fd
        self.childFD = childFD
        self.owner = owner
        self.disconnected = False
        self._closeFd = closeFd
        self._wasBlocking = os.get_blocking(fd)
        os.set_blocking(fd, False)
        self._regular = stat.S_ISREG(os.fstat(fd).st_mode)
        self._soon: Any = None  # For a regular file: the pending callLater standing in for I/O.

    if TYPE_CHECKING:
        # Both ends have both (a writer is watched for reading too): the reactor's descriptor.
        def doRead(self) -> BaseException | None: ...
        def doWrite(self) -> BaseException | None: ...

    def fileno(self) -> int:
        """Return the descriptor (still the old number once closed)."""
        return self.fd

    def logPrefix(self) -> str:
        """Name the pipe in log lines."""
        return f"{type(self.owner).__name__} fd {self.childFD}"

    def connectionLost(self, reason: Failure) -> None:
        """Stop watching, close the descriptor (or restore its blocking mode) and tell the owner.

        Runs once: after ``doRead``/``doWrite`` returned a reason, or from the reactor at
        shutdown, or scheduled by ``loseConnection``.
        """
        if self.disconnected:
            return
        self.disconnected = True
        self._unwatch()
        self.reactor.removeReader(self)
        self.reactor.removeWriter(self)
        self._lost()
        if self._closeFd:
            os.close(self.fd)
        else:
            # Another program may share this open file (a terminal): leave it as it was found.
            os.set_blocking(self.fd, self._wasBlocking)
        self.owner.childConnectionLost(self.childFD, reason)

    def _lost(self) -> None:
        """Subclass hook: release what the end holds, before the descriptor closes."""

    def _unwatch(self) -> None:
        if self._soon is not None:
            if self._soon.active():
                self._soon.cancel()
            self._soon = None

    def _every(self, step: Callable[[], BaseException | None]) -> None:
        """For a regular file: run ``step`` (``doRead``/``doWrite``) on the next pass."""
        if self._soon is None:
            self._soon = self.reactor.callLater(0, self._run, step)

    def _run(self, step: Callable[[], BaseException | None]) -> None:
        self._soon = None
        try:
            why = step()
        except Exception as exc:
            why = exc
        if why is not None:
            self.connectionLost(Failure(why))

    def _closeSoon(self, reason: BaseException) -> None:
        self.reactor.callLater(0, self.connectionLost, Failure(reason))

    def _failed(self, name: str, exc: Exception) -> Exception:
        _log.failure(
            "Unhandled error in {owner}.{callback}",
            Failure(exc),
            LogLevel.error,
            owner=type(self.owner).__name__,
            callback=name,
        )
        return exc


class PipeReader(_Pipe):
    """The reading end of a pipe (a child's stdout or stderr, or a program's own stdin).

    It starts reading at once; `stopReading`/`startReading` pause and resume it (no
    ``childDataReceived`` while paused; an EOF waits until reading resumes).
    """

    def __init__(
        self,
        reactor: IReactorTimeAndFDSet,
        fd: int,
        childFD: int,
        owner: PipeOwner,
        closeFd: bool = True,
    ) -> None:
        super().__init__(reactor, fd, childFD, owner, closeFd)
        self._paused = False
        self._closing = False
        self._watch()

    def startReading(self) -> None:
        """Read again after `stopReading`."""
        self._paused = False
        self._watch()

    def stopReading(self) -> None:
        """Stop reading (and delivering data) until `startReading`."""
        self._paused = True
        self.reactor.removeReader(self)
        self._unwatch()

    def _watch(self) -> None:
        if self._paused or self._closing or self.disconnected:
            return
        if self._regular:
            self._every(self._readFile)
        else:
            self.reactor.addReader(self)

    def _readFile(self) -> BaseException | None:
        why = self.doRead()
        if why is None:
            self._watch()
        return why

    def doRead(self) -> BaseException | None:
        """Read what is there and hand it to the owner; return a reason at EOF or on error."""
        try:
            data = os.read(self.fd, READ_SIZE)
        except BlockingIOError:
            return None
        except OSError as e:
            if e.errno == errno.EIO:
                return ConnectionDone()  # A pty whose other side is closed: its EOF.
            return ConnectionLost(e.strerror or str(e))
        if not data:
            return ConnectionDone()
        try:
            self.owner.childDataReceived(self.childFD, data)
        except Exception as exc:
            return self._failed("childDataReceived", exc)
        return None

    def doWrite(self) -> None:
        """Never called: a reader is not watched for writing."""

    def loseConnection(self) -> None:
        """Stop reading and close the pipe on the next reactor pass."""
        if self._closing or self.disconnected:
            return
        self._closing = True
        self.reactor.removeReader(self)
        self._unwatch()
        self._closeSoon(ConnectionDone())


class PipeWriter(_Pipe, Consumer):
    """The writing end of a pipe (a child's stdin, or a program's own stdout): a consumer.

    Args:
        watchClose: Notice the reading end closing by watching for readability (only done
            for a write-only pipe; a tty or socket would also be readable for other reasons).

    Attributes:
        producer: The registered producer, or None.
        streamingProducer: Whether `producer` is a push producer.
        producerPaused: Whether this writer has paused `producer`.
    """

    def __init__(
        self,
        reactor: IReactorTimeAndFDSet,
        fd: int,
        childFD: int,
        owner: PipeOwner,
        closeFd: bool = True,
        watchClose: bool = True,
    ) -> None:
        super().__init__(reactor, fd, childFD, owner, closeFd)
        self._chunks: deque[bytes | memoryview] = deque()
        self.size = 0
        self.disconnecting = False
        self._writing = False
        if watchClose and _isWriteOnlyPipe(fd):
            reactor.addReader(self)

    def doRead(self) -> BaseException:
        """The write end became "readable": the reading end is closed."""
        return ConnectionLost("the reading end of the pipe was closed")

    def write(self, data: bytes) -> None:
        """Write ``data``: at once if nothing is buffered, else after what is.

        Ignored once the pipe is closed or closing.

        Raises:
            TypeError: ``data`` is not bytes-like.
        """
        data = asBytes(data)
        if not data or self.disconnecting or self.disconnected:
            return
        chunk: bytes | memoryview = data
        if not self.size and (self.producer is None or self.streamingProducer):
            try:
                written = os.write(self.fd, data)
            except OSError:
                written = 0  # Full (retried when writable) or broken (doWrite reports it).
            if written == len(data):
                return
            chunk = memoryview(data)[written:] if written else data
        self._chunks.append(chunk)
        self.size += len(chunk)
        self._buffered()

    def writeSequence(self, data: Iterable[bytes]) -> None:
        """Write each chunk of ``data`` in order.

        Raises:
            TypeError: A chunk is not bytes-like; nothing is written then.
        """
        for chunk in [asBytes(chunk) for chunk in data]:
            self.write(chunk)

    def _buffered(self) -> None:
        self._startWriting()
        if self.streamingProducer and not self.producerPaused:
            self._checkHighWater()

    def _checkHighWater(self) -> None:
        if self.size > HIGH_WATER:
            self.producerPaused = True
            self.producer.pauseProducing()  # type: ignore[union-attr]

    def doWrite(self) -> BaseException | None:
        """Write what is buffered; once drained, serve producers and a pending close."""
        if self.size:
            try:
                written = os.writev(self.fd, list(islice(self._chunks, MAX_IOV)))
            except BlockingIOError:
                return None
            except OSError as e:
                return ConnectionLost(e.strerror or str(e))
            self._consumed(written)
            if self.producerPaused and not self.size:
                self.producerPaused = False
                try:
                    self.producer.resumeProducing()  # type: ignore[union-attr]
                except Exception as exc:
                    return self._failed("resumeProducing", exc)
            if self.size:
                return None
        self._stopWriting()
        producer = self.producer
        if producer is not None and not self.streamingProducer:
            try:
                producer.resumeProducing()  # type: ignore[attr-defined]
            except Exception as exc:
                return self._failed("resumeProducing", exc)
        if self.disconnecting and not self.size and self.producer is None:
            return ConnectionDone()
        return None

    def _consumed(self, written: int) -> None:
        chunks = self._chunks
        self.size -= written
        while written:
            head = chunks[0]
            if written < len(head):
                chunks[0] = memoryview(head)[written:]
                return
            chunks.popleft()
            written -= len(head)

    def loseConnection(self) -> None:
        """Close once everything written has been sent and any producer unregistered."""
        if self.disconnecting or self.disconnected:
            return
        self.disconnecting = True
        self._startWriting()

    def abort(self) -> None:
        """Close on the next pass, dropping what is buffered."""
        if not self.disconnected:
            self._chunks.clear()
            self.size = 0
            self.disconnecting = True
            self._closeSoon(ConnectionLost("aborted"))

    def _pullProducerRegistered(self, producer: IProducer) -> None:
        self._startWriting()  # doWrite asks for the first chunk.

    def unregisterProducer(self) -> None:
        """Detach the producer; a pending `loseConnection` can now complete."""
        self.producer = None
        self.streamingProducer = self.producerPaused = False
        if self.disconnecting:
            self._startWriting()

    def _lost(self) -> None:
        self._chunks.clear()
        self.size = 0
        producer, self.producer = self.producer, None
        if producer is not None:
            try:
                producer.stopProducing()
            except Exception as exc:
                self._failed("stopProducing", exc)

    def _startWriting(self) -> None:
        if self.disconnected:
            return
        if self._regular:
            self._every(self._writeFile)
        elif not self._writing:
            self._writing = True
            self.reactor.addWriter(self)

    def _writeFile(self) -> BaseException | None:
        why = self.doWrite()
        if why is None and (self.size or (self.disconnecting and self.producer is None)):
            self._startWriting()
        return why

    def _stopWriting(self) -> None:
        if self._writing:
            self._writing = False
            self.reactor.removeWriter(self)


def _isWriteOnlyPipe(fd: int) -> bool:
    """Whether ``fd`` is a pipe opened only for writing (so readability can only mean EOF)."""
    if not stat.S_ISFIFO(os.fstat(fd).st_mode):
        return False
    try:
        os.read(fd, 0)
    except OSError:
        return True
    return False
