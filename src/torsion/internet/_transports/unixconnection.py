"""The transport of a connected UNIX stream socket: `UNIXConnection`, and its `Server` and `Client`.

`UNIXConnection` is `torsion.internet._transports.connection.SocketConnection` (buffering,
half-close, producers, closing: all as for TCP, its sibling) with UNIX addresses and
file-descriptor passing:

* ``sendFileDescriptor(fd)`` queues a duplicate of ``fd`` (so the caller may close its own at
  once); the queued descriptors travel as ``SCM_RIGHTS`` ancillary data with the next bytes
  sent (those still buffered, else the next written), at most `MAX_FDS_PER_MESSAGE` per
  ``sendmsg``; while more batches wait, each takes a single byte. As in Twisted, descriptors
  need bytes to travel with: with nothing buffered, a descriptor waits for the next write.
* ``doRead`` uses ``recvmsg``. Received descriptors go to the protocol's
  ``fileDescriptorReceived(fd)`` (Twisted's ``IFileDescriptorReceiver``), before the bytes
  they came with; a protocol without that method gets them closed, so they never leak. They
  arrive close-on-exec, so child processes do not inherit them.
"""

from __future__ import annotations

import array
import os
import socket
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast

from torsion.internet._transports.connection import READ_SIZE, SocketConnection
from torsion.internet._transports.stream import ClientMixin, ServerMixin
from torsion.internet.address import UNIXAddress
from torsion.internet.error import ConnectionLost
from torsion.internet.interfaces import IReactorTimeAndFDSet
from torsion.logger import Logger
from torsion.python.failure import Failure

if TYPE_CHECKING:
    from torsion.internet.protocol import Protocol as _Protocol

__all__ = ["MAX_FDS_PER_MESSAGE", "Client", "Server", "UNIXConnection"]

_log = Logger(namespace="torsion.internet.unix")

MAX_FDS_PER_MESSAGE = 64
"""The most descriptors sent with one ``sendmsg`` (Twisted queues up to 64 before pushing back)."""

_SCM_MAX_FD = 253  # Linux's limit per message: room to receive everything a peer may send.
_ANCILLARY_SIZE = socket.CMSG_SPACE(_SCM_MAX_FD * array.array("i").itemsize)
_RECV_FLAGS = getattr(socket, "MSG_CMSG_CLOEXEC", 0)


def unixAddress(name: str | bytes) -> UNIXAddress:
    """Return the `UNIXAddress` of a socket name (``""`` for an unbound socket)."""
    return UNIXAddress(name or None)


def _closeAll(fds: Iterable[int]) -> None:
    """Close each of ``fds``, ignoring those already closed."""
    for fd in fds:
        try:
            os.close(fd)
        except OSError:
            pass  # Already closed: nothing to release.


class _Ancillary:
    """A socket stand-in for `WriteBuffer.sendTo` that attaches descriptors to the send.

    With ``oneByte``, only the first byte goes: more batches of descriptors are waiting, and
    each needs bytes of its own to travel with.
    """

    def __init__(self, skt: socket.socket, fds: list[int], oneByte: bool) -> None:
        self._socket = skt
        self._data = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))]
        self._oneByte = oneByte

    def send(self, data: Any) -> int:
        return self.sendmsg([data])

    def sendmsg(self, buffers: Any) -> int:
        if self._oneByte:
            buffers = [memoryview(next(iter(buffers)))[:1]]
        return self._socket.sendmsg(buffers, self._data)


class UNIXConnection(SocketConnection[UNIXAddress]):
    """A connected UNIX stream socket (Twisted's ``IUNIXTransport``).

    It has no TCP socket options (``setTcpNoDelay`` and kin): there is no Nagle's algorithm or
    keep-alive on a UNIX socket.
    """

    _makeAddress = staticmethod(unixAddress)

    def __init__(
        self, skt: socket.socket, protocol: _Protocol, reactor: IReactorTimeAndFDSet
    ) -> None:
        super().__init__(skt, protocol, reactor)
        self._outgoingFds: list[int] = []  # Our duplicates, waiting for bytes to travel with.

    # -- sending descriptors ---------------------------------------------------------------

    def sendFileDescriptor(self, fd: int) -> None:
        """Send a duplicate of ``fd`` to the peer, with the next bytes sent.

        Those are the bytes still buffered, if any, else the next ones written: the descriptor
        never arrives after bytes written after this call. The caller keeps (and may close at
        once) its own ``fd``. Ignored once the connection can no longer write.

        Raises:
            OSError: ``fd`` is not an open descriptor.
        """
        if not self._state.writeOpen:
            return
        self._outgoingFds.append(os.dup(fd))
        self._updateDirect()  # Writes must go through doWrite, which attaches the descriptors.
        if self._buffer.size:
            self._startWriting()

    def doWrite(self) -> BaseException | None:
        """Send queued descriptors with the buffered bytes, then the rest as TCP does."""
        fds = self._outgoingFds
        if fds:
            while fds and self._buffer.size:
                batch = fds[:MAX_FDS_PER_MESSAGE]
                sender = _Ancillary(self.socket, batch, len(fds) > len(batch))
                try:
                    self._buffer.sendTo(cast(socket.socket, sender))
                except BlockingIOError:
                    return None
                except OSError as e:
                    return ConnectionLost(e.strerror or str(e))
                del fds[: len(batch)]
                _closeAll(batch)
            if not fds:  # Writing may send at once again.
                self._updateDirect()
        return super().doWrite()

    def _mayWriteNow(self) -> bool:
        """Not while descriptors wait: doWrite attaches them to the bytes they go with."""
        return not self._outgoingFds

    def connectionLost(self, reason: Failure) -> None:
        """Close the socket (dropping descriptors not sent yet) and tell the protocol."""
        fds, self._outgoingFds = self._outgoingFds, []
        _closeAll(fds)
        super().connectionLost(reason)

    # -- receiving descriptors -------------------------------------------------------------

    def doRead(self) -> BaseException | None:
        """Read bytes and descriptors; descriptors go to the protocol first.

        Returns:
            None to keep going, or the reason to close the connection with.
        """
        try:
            data, ancillary, flags, _ = self.socket.recvmsg(READ_SIZE, _ANCILLARY_SIZE, _RECV_FLAGS)
        except BlockingIOError:
            return None
        except OSError as e:
            return ConnectionLost(e.strerror or str(e))
        if flags & socket.MSG_CTRUNC:
            _log.warn(
                "{prefix}: received descriptors that did not fit were discarded",
                prefix=self.logPrefix(),
            )
        if ancillary:
            reason = self._descriptorsReceived(ancillary)
            if reason is not None:
                return reason
        if not data:
            return self._readEOF()
        try:
            self.protocol.dataReceived(data)
        except Exception as exc:
            return self._callbackFailed("dataReceived", exc)
        return None

    def _descriptorsReceived(self, ancillary: list[tuple[int, int, bytes]]) -> Exception | None:
        """Hand each received descriptor to the protocol, or close it; never leak one."""
        fds = array.array("i")
        for level, kind, payload in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds.frombytes(payload[: len(payload) - len(payload) % fds.itemsize])
            else:
                _log.warn(
                    "{protocolName} (on {hostAddress!r}) received unsupported ancillary data"
                    " (level={cmsgLevel!r}, type={cmsgType!r}) from {peerAddress!r}.",
                    protocolName=self.logPrefix(),
                    hostAddress=self.getHost(),
                    peerAddress=self.getPeer(),
                    cmsgLevel=level,
                    cmsgType=kind,
                )
        receive = getattr(self.protocol, "fileDescriptorReceived", None)
        if receive is None:
            _log.warn(
                "{protocolName} (on {hostAddress!r}) does not provide IFileDescriptorReceiver;"
                " closing file descriptor received (from {peerAddress!r}).",
                protocolName=self.logPrefix(),
                hostAddress=self.getHost(),
                peerAddress=self.getPeer(),
            )
            _closeAll(fds)
            return None
        for index, fd in enumerate(fds):
            try:
                receive(fd)
            except Exception as exc:
                _closeAll(fds[index + 1 :])
                return self._callbackFailed("fileDescriptorReceived", exc)
        return None


class Server(ServerMixin[UNIXAddress], UNIXConnection):
    """A connection accepted by a listening `torsion.internet.unix.Port` (see `ServerMixin`)."""


class Client(ClientMixin[UNIXAddress], UNIXConnection):
    """A connection made by a `torsion.internet.unix.Connector` (see `ClientMixin`)."""
