"""UNIX stream sockets: listening ports and connectors (public in ``torsion.internet.unix``).

The reactor's ``listenUNIX`` creates and starts a `Port`; its ``connectUNIX`` creates a
`Connector` and calls `Connector.connect`. Connections are `Server` (accepted) and `Client`
(connected) transports, which can pass file descriptors
(`torsion.internet._transports.unixconnection`).

Addresses are paths (``str`` or ``bytes``). On Linux, a name starting with a NUL byte
(``"\\0name"``) is in the abstract namespace: no file is created, and the name is freed by the
kernel when the socket closes, so there is never a stale one (and no lock file to take).

The socket file and its lock, as in Twisted:

* `Port` creates the socket file with permissions ``mode`` and removes it when it stops
  listening, so a server restarted on the same path works.
* With ``wantPID``, the port first takes ``<path>.lock`` (`FilesystemLock`, the same symlink-to-PID
  lock as Twisted's): a second server on the path fails with
  `CannotListenError` while the first lives. If the lock was left by a process that died, it is
  broken and the socket file that process left behind is removed before binding.
* Without ``wantPID`` nothing is ever removed before binding: a socket file left by a crashed
  server makes ``listenUNIX`` fail with "Address already in use", as in Twisted.
* ``connectUNIX(..., checkPID=True)`` fails at once with `BadFileError` when no live process
  holds the lock (the server is not running), without trying to connect.
"""

from __future__ import annotations

import errno
import os
import socket
import stat

from torsion.internet._transports.connectors import BaseConnector
from torsion.internet._transports.ports import StreamPort
from torsion.internet._transports.unixconnection import Client, Server, unixAddress
from torsion.internet.address import UNIXAddress
from torsion.internet.error import (
    BadFileError,
    CannotListenError,
    NotConnectingError,
    TimeoutError,
    UserError,
    getConnectError,
)
from torsion.internet.interfaces import IDelayedCall, IReactorTimeAndFDSet
from torsion.internet.protocol import ClientFactory, Factory, Protocol
from torsion.python import log
from torsion.python.failure import Failure
from torsion.python.lockfile import FilesystemLock, isLocked

__all__ = ["Connector", "Path", "Port", "inFilesystem"]

Path = str | bytes
"""A UNIX socket address: a file path, or (Linux) ``"\\0name"`` in the abstract namespace."""

# connect() results meaning "not yet": the listen queue is full (Linux), or still connecting.
_TRY_AGAIN = frozenset({errno.EAGAIN, errno.EWOULDBLOCK, errno.EINPROGRESS, errno.EALREADY})


def inFilesystem(path: bytes) -> bool:
    """Return whether ``path`` names a file (False for a Linux abstract-namespace name)."""
    return path[:1] != b"\0"


def _checkLockable(path: bytes, what: str) -> None:
    if not inFilesystem(path):
        raise ValueError(f"{what} needs a file path, not an abstract-namespace name {path!r}")


def _removeStaleSocket(path: bytes) -> None:
    """Remove the socket file a dead server left at ``path`` (never a non-socket file)."""
    try:
        if stat.S_ISSOCK(os.lstat(path).st_mode):
            os.unlink(path)
    except OSError:
        pass  # Gone already, or not ours to remove: bind() reports what is wrong.


class Port(StreamPort):
    """A listening UNIX stream socket that accepts connections for a factory (see `StreamPort`).

    Attributes:
        port: The path (or abstract name) listened on, as given (Twisted's name).
        mode: The socket file's permissions.
        wantPID: Whether a ``<path>.lock`` PID lock guards the path.
        lockFile: The `FilesystemLock` held while listening, or None.
    """

    serverTransport = Server
    _peerAddress = staticmethod(unixAddress)

    def __init__(
        self,
        address: Path,
        factory: Factory,
        backlog: int = 50,
        mode: int = 0o666,
        reactor: IReactorTimeAndFDSet | None = None,
        wantPID: bool = False,
    ) -> None:
        super().__init__(factory, backlog, reactor)
        self.port = address  # A path here, as in Twisted.
        self._path = os.fsencode(address)
        if wantPID:
            _checkLockable(self._path, "wantPID")
        self.mode = mode
        self.wantPID = wantPID
        self.lockFile: FilesystemLock | None = None
        self._host: UNIXAddress | None = None
        self._file: tuple[int, int] | None = None  # (st_dev, st_ino) of the file we created.
        self._adopted: socket.socket | None = None  # Listening already: see the classmethod.

    def __repr__(self) -> str:
        where = repr(self.port) if self._host is not None else "not listening"
        return f"<{self.factory.__class__.__name__} on {where}>"

    def _cannotListen(self, reason: BaseException) -> CannotListenError:
        return CannotListenError("", self.port, reason)

    def startListening(self) -> None:
        """Take the lock (with ``wantPID``), bind, listen, start the factory, accept.

        A port made by `_fromListeningDescriptor` starts on its socket as it is.

        Raises:
            CannotListenError: The lock is held by a live process, or binding or listening
                failed (the path is in use, say).
        """
        skt, self._adopted = self._adopted, None
        if skt is None:
            skt = self._bindAndListen()
        self._host = unixAddress(skt.getsockname())
        # A legacy event, as in Twisted, whose tests read its "message".
        log.msg(
            f"{self.factory.logPrefix()} starting on {os.fsdecode(self._path)!r}",
            log_namespace="torsion.internet.unix",
        )
        self._listening(skt)

    def _bindAndListen(self) -> socket.socket:
        if self.wantPID:
            self._lock()
        skt = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            skt.bind(self._path)
            if inFilesystem(self._path):
                info = os.stat(self._path)
                self._file = (info.st_dev, info.st_ino)
                os.chmod(self._path, self.mode)
            skt.listen(self.backlog)
        except OSError as e:
            skt.close()
            self._release()
            raise self._cannotListen(e) from e
        return skt

    @classmethod
    def _fromListeningDescriptor(
        cls, reactor: IReactorTimeAndFDSet, fd: int, factory: Factory
    ) -> Port:
        """A port (not started yet) on a duplicate of the listening UNIX socket ``fd``.

        ``startListening`` then neither binds nor listens, and closing the port leaves the
        socket file alone (it is not the port's); the caller keeps its own ``fd``.
        """
        skt = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM, 0, os.dup(fd))
        port = cls(skt.getsockname(), factory, reactor=reactor)
        port._adopted = skt
        return port

    def _acceptedSocket(self, fd: int) -> socket.socket:
        return socket.socket(socket.AF_UNIX, socket.SOCK_STREAM, 0, fd)

    def _lock(self) -> None:
        lock = FilesystemLock(self._path + b".lock")
        try:
            acquired = lock.lock()
        except OSError as e:
            raise self._cannotListen(e) from e
        if not acquired:
            path = os.fsdecode(lock.name)
            raise self._cannotListen(
                OSError(errno.EADDRINUSE, f"Cannot acquire lock {path}: a live process holds it")
            )
        self.lockFile = lock
        if not lock.clean:
            _removeStaleSocket(self._path)

    def _release(self) -> None:
        """Remove the socket file (if it is still the one we made) and release the lock."""
        if self._file is not None:
            try:
                info = os.lstat(self._path)
                if (info.st_dev, info.st_ino) == self._file:
                    os.unlink(self._path)
            except OSError:
                pass  # Removed (or replaced) by someone else: leave it.
            self._file = None
        if self.lockFile is not None:
            try:
                self.lockFile.unlock()
            except (OSError, ValueError):
                pass  # Removed, or taken over, by someone else: nothing left to release.
            self.lockFile = None

    def getHost(self) -> UNIXAddress:
        """Return the address listened on."""
        if self._host is None:
            raise RuntimeError("the port is not listening")
        return self._host

    def _closeSocket(self) -> None:
        """Remove the socket file, release the lock, then close the socket."""
        self._release()
        self.socket.close()  # type: ignore[union-attr]
        log.msg(
            f"(UNIX Port {os.fsdecode(self._path)} Closed)", log_namespace="torsion.internet.unix"
        )


class Connector(BaseConnector):
    """Makes (and remakes) a UNIX socket connection for a client factory.

    Connecting a UNIX socket completes at once, except when the server's listen queue is full:
    Linux then says "try again" without queueing the attempt (and the socket polls as ready,
    so waiting for writability would spin); the connector retries every `retryDelay` seconds
    until the timeout.

    Attributes:
        address: The path (or abstract name) to connect to, as given.
        checkPID: Whether to fail at once (`BadFileError`) when no live process holds the
            server's ``<path>.lock``.
        transport: The `Client` transport once connected.
    """

    retryDelay = 0.01

    def __init__(
        self,
        address: Path,
        factory: ClientFactory,
        timeout: float | None,
        reactor: IReactorTimeAndFDSet,
        checkPID: bool = False,
    ) -> None:
        self.address = address
        self._path = os.fsencode(address)
        if checkPID:
            _checkLockable(self._path, "checkPID")
        super().__init__(factory, timeout, reactor)
        self.checkPID = checkPID
        self.transport: Client | None = None
        self._socket: socket.socket | None = None
        self._nextAttempt: IDelayedCall | None = None

    def __repr__(self) -> str:
        return f"<Connector to {self.address!r} {self.state}>"

    def _startAttempt(self) -> None:
        if self.timeout is not None:
            self._timeoutCall = self.reactor.callLater(self.timeout, self._fail, TimeoutError())
        self._nextAttempt = self.reactor.callLater(0, self._attempt)

    def _attempt(self) -> None:
        self._nextAttempt = None
        skt = self._socket
        if skt is None:
            lock = self._path + b".lock"
            if self.checkPID and not isLocked(lock):
                self._fail(BadFileError(string=f"no live server holds {os.fsdecode(lock)}"))
                return
            try:
                skt = self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            except OSError as e:
                self._fail(getConnectError(e))
                return
            skt.setblocking(False)
        err = skt.connect_ex(self._path)
        if err in (0, errno.EISCONN):
            self._connected(skt)
        elif err in _TRY_AGAIN:
            self._nextAttempt = self.reactor.callLater(self.retryDelay, self._attempt)
        else:
            self._fail(getConnectError((err, os.strerror(err))))

    def _connected(self, skt: socket.socket) -> None:
        self._cancelCalls()
        self._socket = None
        self.state = "connected"
        try:
            peer = unixAddress(skt.getpeername())
        except OSError:  # Gone between the connect and now.
            peer = UNIXAddress(self.address)
        protocol = self.factory.buildProtocol(peer)
        client = self.transport = Client(skt, protocol or Protocol(), peer, self, self.reactor)
        if protocol is None:
            client.loseConnection()  # The factory refused: close, as Twisted does.
        else:
            client._start()

    def _fail(self, exc: BaseException) -> None:
        """End the attempt in progress: close its socket, tell the factory."""
        self._cancelCalls()
        if self._socket is not None:
            self._socket.close()
            self._socket = None
        self.state = "disconnected"
        self.factory.clientConnectionFailed(self, Failure(exc))
        self._maybeStopFactory()

    def stopConnecting(self) -> None:
        """Abandon the attempt in progress: ``clientConnectionFailed(UserError)``.

        Raises:
            NotConnectingError: Not connecting.
        """
        if self.state != "connecting":
            raise NotConnectingError("we're not trying to connect")
        self._fail(UserError())

    def getDestination(self) -> UNIXAddress:
        """Return the address connected to."""
        return UNIXAddress(self.address)

    def _cancelCalls(self) -> None:
        for call in (self._timeoutCall, self._nextAttempt):
            if call is not None and call.active():
                call.cancel()
        self._timeoutCall = self._nextAttempt = None
