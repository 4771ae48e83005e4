"""`StandardIO`: a protocol over this program's own stdin and stdout.

The public module is ``torsion.internet.stdio``; its docstring describes the behaviour.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import cast

from torsion.internet._globalreactor import globalReactor
from torsion.internet._process.pipes import PipeReader, PipeWriter, ProcessAddress
from torsion.internet.error import ConnectionDone
from torsion.internet.interfaces import (
    IHalfCloseableProtocol,
    IProducer,
    IProtocol,
    IReactorTimeAndFDSet,
)
from torsion.logger import Logger, LogLevel
from torsion.python.failure import Failure

__all__ = ["StandardIO"]

_log = Logger(namespace="torsion.internet.stdio")


class StandardIO:
    """Connect ``proto`` to stdin and stdout (or the descriptors given).

    Args:
        proto: The protocol; its ``makeConnection`` is called at once.
        stdin: The descriptor to read.
        stdout: The descriptor to write.
        reactor: The reactor to use (default: the global one).

    Attributes:
        protocol: The protocol.
        disconnecting: True once `loseConnection` was called.
        disconnected: True once the protocol's ``connectionLost`` ran.
    """

    def __init__(
        self,
        proto: IProtocol,
        stdin: int = 0,
        stdout: int = 1,
        reactor: IReactorTimeAndFDSet | None = None,
    ) -> None:
        self.reactor = cast(IReactorTimeAndFDSet, globalReactor()) if reactor is None else reactor
        self.protocol = proto
        self.disconnecting = False
        self.disconnected = False
        self._reason: Failure | None = None
        self._writer: PipeWriter | None = PipeWriter(self.reactor, stdout, 1, self, closeFd=False)
        self._reader: PipeReader | None = PipeReader(self.reactor, stdin, 0, self, closeFd=False)
        try:
            proto.makeConnection(self)
        except Exception:
            _log.failure(
                "Unhandled error in {protocol}.connectionMade",
                level=LogLevel.error,
                protocol=type(proto).__name__,
            )

    # -- ITransport ------------------------------------------------------------------------

    def write(self, data: bytes) -> None:
        """Write ``data`` to stdout (buffered; dropped once stdout is closed).

        Raises:
            TypeError: ``data`` is not bytes-like.
        """
        if self._writer is not None:
            self._writer.write(data)

    def writeSequence(self, data: Iterable[bytes]) -> None:
        """Write each chunk of ``data`` to stdout."""
        if self._writer is not None:
            self._writer.writeSequence(data)

    def loseConnection(self) -> None:
        """Stop reading; finish writing, then end with ``connectionLost(ConnectionDone)``."""
        self.disconnecting = True
        if self._reader is not None:
            self._reader.loseConnection()
        if self._writer is not None:
            self._writer.loseConnection()

    def loseWriteConnection(self) -> None:
        """Finish writing, then stop writing (a half-closeable protocol keeps reading)."""
        if self._writer is not None:
            self._writer.loseConnection()

    def getPeer(self) -> ProcessAddress:
        """Return a `ProcessAddress`."""
        return ProcessAddress()

    def getHost(self) -> ProcessAddress:
        """Return a `ProcessAddress`."""
        return ProcessAddress()

    # -- producer and consumer ---------------------------------------------------------------

    def registerProducer(self, producer: IProducer, streaming: bool) -> None:
        """Let ``producer`` feed stdout, paced by its buffer (stopped at once if it is closed).

        Raises:
            RuntimeError: A producer is registered already.
        """
        if self._writer is None:
            producer.stopProducing()
        else:
            self._writer.registerProducer(producer, streaming)

    def unregisterProducer(self) -> None:
        """Detach the producer."""
        if self._writer is not None:
            self._writer.unregisterProducer()

    def pauseProducing(self) -> None:
        """Stop reading stdin until `resumeProducing`."""
        if self._reader is not None:
            self._reader.stopReading()

    def resumeProducing(self) -> None:
        """Read stdin again."""
        if self._reader is not None:
            self._reader.startReading()

    def stopProducing(self) -> None:
        """As `loseConnection`."""
        self.loseConnection()

    # -- events from the two ends ------------------------------------------------------------

    def childDataReceived(self, childFD: int, data: bytes) -> None:
        """Stdin delivered ``data``."""
        self.protocol.dataReceived(data)

    def childConnectionLost(self, childFD: int, reason: Failure) -> None:
        """Stdin (0) reached its end, or stdout (1) was closed; the protocol's
        ``connectionLost`` follows once both are gone."""
        if not reason.check(ConnectionDone) and self._reason is None:
            self._reason = reason
        if childFD == 0:
            self._reader = None
            if self._writer is not None and not self.disconnecting:
                self._halfClosed("readConnectionLost", self._writer.loseConnection)
        else:
            self._writer = None
            if self._reader is not None and not self.disconnecting:
                self._halfClosed("writeConnectionLost", self._reader.loseConnection)
        if self._reader is None and self._writer is None and not self.disconnected:
            self.disconnected = True
            try:
                self.protocol.connectionLost(self._reason or Failure(ConnectionDone()))
            except Exception:
                _log.failure(
                    "Unhandled error in {protocol}.connectionLost",
                    level=LogLevel.error,
                    protocol=self._name(),
                )

    def _halfClosed(self, event: str, closeOther: Callable[[], None]) -> None:
        """One direction ended: tell a half-closeable protocol, or close the other one too."""
        if not isinstance(self.protocol, IHalfCloseableProtocol):
            closeOther()
            return
        try:
            getattr(self.protocol, event)()
        except Exception as exc:
            failure = Failure(exc)
            _log.failure(
                "Unhandled error in {protocol}.{callback}",
                failure,
                LogLevel.error,
                protocol=self._name(),
                callback=event,
            )
            self._reason = self._reason or failure
            closeOther()

    def _name(self) -> str:
        return type(self.protocol).__name__
