"""UNIX socket endpoints and their ``unix:`` descriptions (Twisted's syntax).

Servers: ``unix:ADDRESS[:mode=OCTAL][:backlog=N][:lockfile=0|1]`` (positional in that order,
or ``address=``). As in Twisted, ``lockfile`` (``wantPID``) defaults to 1; for a Linux
abstract-namespace address (``\\0name``), which cannot have a lock file, it defaults to 0.

Clients: ``unix:PATH[:timeout=SECONDS][:checkPID=0|1]`` (or ``path=``); Twisted's spelling
``lockfile=0|1`` means the same as ``checkPID``.

Importing this module registers both parsers (`torsion.internet.endpoints` imports it).
"""

from __future__ import annotations

from typing import Any

from torsion.internet._endpoints.parse import (
    DescriptionProblem,
    bindArguments,
    integerArgument,
    registerClientParser,
    registerServerParser,
    secondsArgument,
)
from torsion.internet._endpoints.tcp import WrappingFactory
from torsion.internet.defer import Deferred, fail, succeed
from torsion.internet.interfaces import IListeningPort, IReactorUNIX
from torsion.internet.protocol import Factory

__all__ = ["UNIXClientEndpoint", "UNIXServerEndpoint"]


class UNIXServerEndpoint:
    """Listens on a UNIX stream socket.

    Args:
        reactor: A reactor with ``listenUNIX``.
        address: The socket's path (or ``"\\0name"``, a Linux abstract-namespace name).
        backlog: The ``listen`` backlog.
        mode: The socket file's permissions.
        wantPID: Guard the path with a ``<address>.lock`` PID lock (see
            `torsion.internet.unix`).
    """

    def __init__(
        self,
        reactor: IReactorUNIX,
        address: str | bytes,
        backlog: int = 50,
        mode: int = 0o666,
        wantPID: bool = False,
    ) -> None:
        self._reactor = reactor
        self._address = address
        self._backlog = backlog
        self._mode = mode
        self._wantPID = wantPID

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._address!r}>"

    def listen(self, protocolFactory: Factory) -> Deferred[IListeningPort]:
        """Listen with ``protocolFactory``.

        Returns:
            A Deferred of the listening port; it fails with `CannotListenError` when the
            path is in use or locked by a live server.
        """
        try:
            port = self._reactor.listenUNIX(
                self._address,
                protocolFactory,
                backlog=self._backlog,
                mode=self._mode,
                wantPID=self._wantPID,
            )
        except BaseException:
            return fail()
        return succeed(port)


class UNIXClientEndpoint:
    """Connects to a UNIX stream socket.

    Args:
        reactor: A reactor with ``connectUNIX``.
        path: The server's path (or ``"\\0name"``).
        timeout: Seconds before the attempt fails with `TimeoutError`.
        checkPID: Fail at once (`BadFileError`) when no live server holds ``<path>.lock``.
    """

    def __init__(
        self, reactor: IReactorUNIX, path: str | bytes, timeout: float = 30, checkPID: bool = False
    ) -> None:
        self._reactor = reactor
        self._path = path
        self._timeout = timeout
        self._checkPID = checkPID

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._path!r}>"

    def connect(self, protocolFactory: Factory) -> Deferred[Any]:
        """Connect, building one protocol with ``protocolFactory``.

        Returns:
            A Deferred of the built protocol, fired after its ``connectionMade``. It fails
            with `ConnectionRefusedError`, `ConnectError` (no such file), `BadFileError`,
            `TimeoutError`; cancelling it stops the attempt with `ConnectingCancelledError`.
        """
        try:
            wrapper = WrappingFactory(protocolFactory)
            self._reactor.connectUNIX(
                self._path, wrapper, timeout=self._timeout, checkPID=self._checkPID
            )
        except BaseException:
            return fail()
        return wrapper.onConnection


def _flag(name: str, value: str) -> bool:
    return bool(integerArgument(name, value, 0, 1))


def _parseServer(reactor: IReactorUNIX, *args: str, **kwargs: str) -> UNIXServerEndpoint:
    names = ("address", "mode", "backlog", "lockfile")
    bound = bindArguments(args, kwargs, names, names, ("address",))
    address = bound["address"]
    mode = bound.get("mode", "666")
    try:
        modeBits = int(mode, 8)
    except ValueError:
        raise DescriptionProblem(f"mode must be octal permissions (as 660), not {mode!r}") from None
    if not 0 <= modeBits <= 0o7777:
        raise DescriptionProblem(f"mode must be octal permissions (as 660), not {mode!r}")
    backlog = integerArgument("backlog", bound.get("backlog", "50"), 0, 2**31 - 1)
    abstract = address.startswith("\0")
    wantPID = _flag("lockfile", bound.get("lockfile", "0" if abstract else "1"))
    return UNIXServerEndpoint(reactor, address, backlog, modeBits, wantPID)


def _parseClient(reactor: IReactorUNIX, *args: str, **kwargs: str) -> UNIXClientEndpoint:
    if "lockfile" in kwargs and "checkPID" in kwargs:
        raise DescriptionProblem("give checkPID or lockfile, not both")
    if "lockfile" in kwargs:
        kwargs["checkPID"] = kwargs.pop("lockfile")
    bound = bindArguments(args, kwargs, ("path", "timeout", "checkPID"), ("path",), ("path",))
    timeout = secondsArgument("timeout", bound.get("timeout", "30"))
    checkPID = _flag("checkPID", bound.get("checkPID", "0"))
    return UNIXClientEndpoint(reactor, bound["path"], timeout, checkPID)


registerServerParser("unix", _parseServer)
registerClientParser("unix", _parseClient)
