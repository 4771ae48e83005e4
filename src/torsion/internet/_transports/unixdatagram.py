"""UNIX datagram sockets: ``listenUNIXDatagram`` and ``connectUNIXDatagram``.

Twisted's ``unix.DatagramPort`` and ``unix.ConnectedDatagramPort``. A path starting with a NUL
(``"\\0name"``) is a Linux abstract-namespace address: no file is created.

Differences from Twisted, on purpose: closing a port removes its socket file (Twisted leaves
it, so listening again on the path fails); a connect that fails closes the socket at once and
tells the protocol's ``connectionFailed``, without ever calling ``stopProtocol``.
"""

from __future__ import annotations

import os
import socket
import stat
from typing import Any

from torsion.internet._transports.datagram import DatagramPort as _DatagramPort
from torsion.internet.address import UNIXAddress
from torsion.internet.error import CannotListenError
from torsion.internet.interfaces import IReactorTimeAndFDSet
from torsion.internet.protocol import AbstractDatagramProtocol, ConnectedDatagramProtocol
from torsion.logger import Logger, LogLevel
from torsion.python import log
from torsion.python.failure import Failure

__all__ = ["ConnectedDatagramPort", "DatagramPort"]

_log = Logger(namespace="torsion.internet.unix")

_Path = str | bytes


def _inFilesystem(path: _Path | None) -> bool:
    """Return whether ``path`` names a file (not unbound, not an abstract address)."""
    return bool(path) and path[:1] not in ("\0", b"\0")  # type: ignore[index]


class DatagramPort(_DatagramPort):
    """A UNIX datagram socket bound to a path, delivering ``(datagram, senderPath)``.

    The sender's path is None when the sender's socket is not bound (it cannot be answered).

    Attributes:
        port: The path bound (Twisted's name), or None for an unbound socket.
        mode: The permissions given to the socket file.
    """

    _kind = "UNIX datagram"

    def __init__(
        self,
        addr: _Path | None,
        proto: AbstractDatagramProtocol,
        maxPacketSize: int = 8192,
        mode: int = 0o666,
        reactor: IReactorTimeAndFDSet | None = None,
    ) -> None:
        super().__init__(proto, maxPacketSize, reactor)
        self.port = addr
        self.mode = mode
        self._inode: tuple[int, int] | None = None  # the socket file we created

    def _bind(self) -> socket.socket:
        """Create the socket and bind it to `port` (if any).

        Raises:
            CannotListenError: Binding failed (the path is in use, say).
        """
        skt = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            if self.port:
                skt.bind(self.port)
        except OSError as e:
            skt.close()
            raise CannotListenError("", self.port, e) from e  # type: ignore[arg-type]
        if self.port and _inFilesystem(self.port):
            os.chmod(self.port, self.mode)
            info = os.stat(self.port)
            self._inode = (info.st_dev, info.st_ino)
        return skt

    def startListening(self) -> None:
        """Bind, attach the protocol (``startProtocol``) and start reading.

        Raises:
            CannotListenError: Binding failed (the path is in use, say).
        """
        log.msg(
            f"{self.logPrefix()} starting on {self.port!r}", log_namespace="torsion.internet.unix"
        )
        self._start(self._bind())

    def getHost(self) -> UNIXAddress:
        """Return the address bound (name None for an unbound socket)."""
        name = self.socket.getsockname() if self.connected else self.port  # type: ignore[union-attr]
        return UNIXAddress(name or None)

    def write(self, datagram: bytes, addr: _Path) -> None:
        """Send one datagram to the socket at path ``addr``.

        A datagram the receiver cannot queue now is dropped (as Twisted does).

        Raises:
            MessageLengthError: Too long to send; the port keeps working.
            OSError: No socket at ``addr``, for example.
        """
        self._send(datagram, addr)

    def _where(self) -> str:
        return repr(self.port)

    def _closed(self) -> None:
        """Remove the socket file, if it is still the one this port created."""
        inode, self._inode = self._inode, None
        if inode is None or self.port is None:
            return
        try:
            info = os.stat(self.port)
            if stat.S_ISSOCK(info.st_mode) and (info.st_dev, info.st_ino) == inode:
                os.unlink(self.port)
        except OSError:
            pass  # already gone


class ConnectedDatagramPort(DatagramPort):
    """A UNIX datagram socket connected to one peer; its protocol is a
    `ConnectedDatagramProtocol` (``datagramReceived(data)``, ``connectionRefused``).

    Attributes:
        remoteaddr: The peer's path.
    """

    def __init__(
        self,
        addr: _Path,
        proto: ConnectedDatagramProtocol,
        maxPacketSize: int = 8192,
        mode: int = 0o666,
        bindAddress: _Path | None = None,
        reactor: IReactorTimeAndFDSet | None = None,
    ) -> None:
        super().__init__(bindAddress, proto, maxPacketSize, mode, reactor)
        self.remoteaddr = addr
        self._peer = addr

    def startListening(self) -> None:
        """Bind (if a bind address was given), connect, then attach the protocol.

        A failure does not raise: it goes to the protocol's ``connectionFailed``.
        """
        try:
            skt = self._bind()
        except CannotListenError:
            self._failed(Failure())
            return
        try:
            skt.connect(self.remoteaddr)
        except OSError:
            reason = Failure()
            skt.close()
            self._closed()
            self._failed(reason)
            return
        self._start(skt)

    def _failed(self, reason: Failure) -> None:
        try:
            self.protocol.connectionFailed(reason)  # type: ignore[attr-defined]
        except Exception:
            _log.failure(
                "Unhandled error in {prefix}.connectionFailed",
                level=LogLevel.error,
                prefix=self.logPrefix(),
            )

    def _deliver(self, data: bytes, addr: Any) -> None:
        self.protocol.datagramReceived(data)  # type: ignore[call-arg]

    def write(self, datagram: bytes) -> None:  # type: ignore[override]
        """Send one datagram to the peer (dropped if the peer cannot queue it now).

        Raises:
            MessageLengthError: Too long to send; the port keeps working.
        """
        self._send(datagram, None)

    def getPeer(self) -> UNIXAddress:
        """Return the peer's address."""
        return UNIXAddress(self.remoteaddr)
