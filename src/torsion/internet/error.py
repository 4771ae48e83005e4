"""Exceptions raised by the reactor and the objects it manages (Twisted's ``error`` module).

The timer errors, the connection errors of the TCP transport, and the reactor's own.
"""

from __future__ import annotations

import errno
import socket

__all__ = [
    "AlreadyCalled",
    "AlreadyCancelled",
    "BadFileError",
    "BindError",
    "CannotListenError",
    "ConnectBindError",
    "ConnectError",
    "ConnectingCancelledError",
    "ConnectionAborted",
    "ConnectionClosed",
    "ConnectionDone",
    "ConnectionFdescWentAway",
    "ConnectionLost",
    "ConnectionRefusedError",
    "DNSLookupError",
    "FileDescriptorOverrun",
    "InvalidAddressError",
    "MessageLengthError",
    "MulticastJoinError",
    "NoProtocol",
    "NoRouteError",
    "NotConnectingError",
    "NotListeningError",
    "ProcessDone",
    "ProcessExitedAlready",
    "ProcessTerminated",
    "ReactorAlreadyInstalledError",
    "ReactorAlreadyRunning",
    "ReactorNotRestartable",
    "ReactorNotRunning",
    "SSLError",
    "ServiceNameUnknownError",
    "TCPTimedOutError",
    "TLSHandshakeTimeoutError",
    "TLSShutdownTimeoutError",
    "TimeoutError",
    "UnknownHostError",
    "UnsupportedAddressFamily",
    "UnsupportedSocketType",
    "UserError",
    "getConnectError",
]


class _EventError(ValueError):
    """Shared message formatting: the fixed message, then any arguments, then a full stop."""

    MESSAGE = ""

    def __str__(self) -> str:
        text = self.MESSAGE
        if self.args:
            text = f"{text}: {' '.join(str(arg) for arg in self.args)}"
        return f"{text}."


class AlreadyCalled(_EventError):
    """Tried to cancel, delay or reset a delayed call that has already run.

    A ValueError, as in Twisted, so code catching that keeps working.
    """

    MESSAGE = "Tried to cancel an already-called event"


class AlreadyCancelled(_EventError):
    """Tried to cancel, delay or reset a delayed call that was already cancelled.

    A ValueError, as in Twisted, so code catching that keeps working.
    """

    MESSAGE = "Tried to cancel an already-cancelled event"


class ReactorNotRunning(RuntimeError):
    """Tried to stop a reactor that is not running, or is already stopping."""


class ReactorAlreadyRunning(RuntimeError):
    """Tried to run a reactor whose ``run`` is already running."""


class ReactorNotRestartable(RuntimeError):
    """Twisted's error for running a reactor a second time.

    Torsion's reactors can run again, so torsion never raises it; it exists so that code
    catching it still imports.
    """


class ReactorAlreadyInstalledError(AssertionError):
    """Tried to install a reactor when one is already installed (an AssertionError, as in
    Twisted)."""


# -- listening, connecting and connections (used by the TCP transport) ----------------------


class _Described(Exception):
    """`_EventError`'s message formatting for errors that are not ValueErrors."""

    MESSAGE = ""

    def __str__(self) -> str:
        text = self.MESSAGE
        if self.args:
            text = f"{text}: {' '.join(str(arg) for arg in self.args)}"
        return f"{text}."


class BindError(_Described):
    """An error occurred binding to an interface."""

    MESSAGE = "An error occurred binding to an interface"


class CannotListenError(BindError):
    """`startListening` could not listen on the requested interface and port.

    Attributes:
        interface: The interface that was asked for ('' for all).
        port: The port number (or UNIX socket path) that was asked for.
        socketError: The `OSError` that bind or listen raised.
    """

    def __init__(self, interface: str, port: int | str | bytes, socketError: BaseException) -> None:
        super().__init__(interface, port, socketError)
        self.interface = interface
        self.port = port
        self.socketError = socketError

    def __str__(self) -> str:
        return f"Couldn't listen on {self.interface or 'any'}:{self.port!s}: {self.socketError}."


class DNSLookupError(_Described, OSError):
    """A host name could not be resolved to an address."""

    MESSAGE = "DNS lookup failed"


class ConnectError(Exception):
    """An error occurred while connecting.

    Attributes:
        osError: The errno (or the OS error) behind the failure, or None.
    """

    MESSAGE = "An error occurred while connecting"

    def __init__(self, osError: object = None, string: object = "") -> None:
        super().__init__(string)
        self.osError = osError

    def __str__(self) -> str:
        text = self.MESSAGE
        if self.osError:
            text = f"{text}: {self.osError}"
        if self.args[0]:
            text = f"{text}: {self.args[0]}"
        return f"{text}."


class ConnectBindError(ConnectError):
    """Couldn't bind the local address given for an outgoing connection."""

    MESSAGE = "Couldn't bind"


class UnknownHostError(ConnectError):
    """Hostname couldn't be looked up."""

    MESSAGE = "Hostname couldn't be looked up"


class NoRouteError(ConnectError):
    """No route to host."""

    MESSAGE = "No route to host"


class ConnectionRefusedError(ConnectError):
    """Connection was refused by other side (not the builtin of the same name)."""

    MESSAGE = "Connection was refused by other side"


class TCPTimedOutError(ConnectError):
    """TCP connection timed out (the kernel gave up)."""

    MESSAGE = "TCP connection timed out"


class ServiceNameUnknownError(ConnectError):
    """Service name given as port is unknown."""

    MESSAGE = "Service name given as port is unknown"


class UserError(ConnectError):
    """User aborted connection (`IConnector.stopConnecting`)."""

    MESSAGE = "User aborted connection"


class TimeoutError(UserError):  # Twisted's name; not the builtin.
    """User timeout caused connection failure (``connectTCP``'s ``timeout`` passed)."""

    MESSAGE = "User timeout caused connection failure"


_ERRNO_ERRORS: dict[int, type[ConnectError]] = {
    errno.ENETUNREACH: NoRouteError,
    errno.ECONNREFUSED: ConnectionRefusedError,
    errno.ETIMEDOUT: TCPTimedOutError,
}


def getConnectError(e: BaseException | tuple[int, str]) -> ConnectError:
    """Return the `ConnectError` subclass instance matching a socket error.

    Args:
        e: An `OSError` (its errno picks the class; ``socket.gaierror`` gives
            `UnknownHostError`), an ``(errno, message)`` pair, or another exception (whose
            arguments are such a pair, or which becomes a plain `ConnectError`'s text).
    """
    if isinstance(e, OSError) and e.errno is not None:
        number: object = e.errno
        text: object = e.strerror or str(e)
    else:
        try:
            number, text = e.args if isinstance(e, BaseException) else e
        except (TypeError, ValueError):
            return ConnectError(string=e)  # Twisted keeps the exception itself as the text.
    if isinstance(e, socket.gaierror):
        return UnknownHostError(number, text)
    if number is None:
        return ConnectError(string=text)
    kind = _ERRNO_ERRORS.get(number, ConnectError) if isinstance(number, int) else ConnectError
    return kind(number, text)


class SSLError(ConnectError):
    """A TLS error occurred while connecting."""

    MESSAGE = "An SSL error occurred"


class ConnectionClosed(Exception):
    """Connection was closed, whether cleanly or non-cleanly."""


class ConnectionLost(_Described, ConnectionClosed):
    """Connection to the other side was lost in a non-clean fashion."""

    MESSAGE = "Connection to the other side was lost in a non-clean fashion"


class ConnectionFdescWentAway(ConnectionLost):
    """The connection's file descriptor went away (Twisted's name, kept for its users)."""

    MESSAGE = "Uh"  # Twisted's message, word for word.


class FileDescriptorOverrun(ConnectionLost):
    """More descriptors were sent with ``sendFileDescriptor`` than bytes were written with them.

    Each descriptor needs at least one byte to travel with (Twisted's rule).
    """

    MESSAGE = "A mis-use of IUNIXTransport.sendFileDescriptor caused the connection to be closed"


class ConnectionAborted(ConnectionLost):
    """Connection was aborted locally, using ``ITCPTransport.abortConnection``."""

    MESSAGE = "Connection was aborted locally using ITCPTransport.abortConnection"


class ConnectionDone(_Described, ConnectionClosed):
    """Connection was closed cleanly."""

    MESSAGE = "Connection was closed cleanly"


class NotConnectingError(_Described, RuntimeError):
    """The Connector was not connecting when it was asked to stop connecting."""

    MESSAGE = "The Connector was not connecting when it was asked to stop connecting"


class NotListeningError(_Described, RuntimeError):
    """The Port was not listening when it was asked to stop listening."""

    MESSAGE = "The Port was not listening when it was asked to stop listening"


class ConnectingCancelledError(Exception):
    """A connection attempt (an endpoint's ``connect``) was cancelled.

    Attributes:
        address: The address (an `IAddress`) that was being connected to.
    """

    def __init__(self, address: object) -> None:
        super().__init__(address)
        self.address = address


class NoProtocol(Exception):
    """The factory's ``buildProtocol`` returned None for a connection an endpoint made."""


# -- UNIX sockets ------------------------------------------------------------------------------


class BadFileError(ConnectError):
    """File used for UNIX socket is no good (``connectUNIX(..., checkPID=True)``: no live
    server holds its lock file)."""

    MESSAGE = "File used for UNIX socket is no good"


# -- UDP and multicast -------------------------------------------------------------------------


class MessageLengthError(_Described, OSError):
    """A datagram was too long to send (``EMSGSIZE``); the port keeps working.

    Twisted's is a plain `Exception`; this one is also an `OSError` with ``errno`` set to
    ``EMSGSIZE``, so code catching either works.
    """

    MESSAGE = "Message is too long to send"

    def __init__(self, *args: object) -> None:
        super().__init__(*args)
        self.errno = errno.EMSGSIZE


class InvalidAddressError(ValueError):
    """An address that cannot be used here (a host name where an IP address is required, an
    IPv6 address on an IPv4 port, ...).

    Attributes:
        address: The address given.
        message: Why it is invalid.
    """

    def __init__(self, address: object, message: str) -> None:
        super().__init__(address, message)
        self.address = address
        self.message = message

    def __str__(self) -> str:
        return f"Invalid address {self.address!r}: {self.message}"


class MulticastJoinError(Exception):
    """Joining or leaving a multicast group failed (the arguments say which and why)."""


# -- child processes ---------------------------------------------------------------------------


class ProcessDone(ConnectionDone):
    """A child process ended with exit code 0 (the ``processEnded`` reason of a success).

    Attributes:
        exitCode: Always 0.
        signal: Always None.
        status: The raw wait status.
    """

    MESSAGE = "A process has ended without apparent errors"

    def __init__(self, status: int | None) -> None:
        super().__init__("process finished with exit code 0")
        self.exitCode = 0
        self.signal: int | None = None
        self.status = status


class ProcessTerminated(ConnectionLost):
    """A child process ended with a non-zero exit code or was killed by a signal.

    Attributes:
        exitCode: The exit code, or None when a signal ended it.
        signal: The number of the signal that ended it, or None.
        status: The raw wait status (None if unknown).
    """

    MESSAGE = "A process has ended with a probable error condition"

    def __init__(
        self, exitCode: int | None = None, signal: int | None = None, status: int | None = None
    ) -> None:
        # Twisted's wording: "process ended[ with exit code N][ by signal S]".
        text = "process ended"
        if exitCode is not None:
            text += f" with exit code {exitCode}"
        if signal is not None:
            text += f" by signal {signal}"
        super().__init__(text)
        self.exitCode = exitCode
        self.signal = signal
        self.status = status


class ProcessExitedAlready(_Described):
    """The process has already exited: the operation (such as a signal) cannot be done."""

    MESSAGE = "The process has already exited"


# -- TLS ---------------------------------------------------------------------------------------


class TLSHandshakeTimeoutError(ConnectionLost):
    """The TLS handshake did not complete in time; the connection was aborted."""

    MESSAGE = "The TLS handshake did not complete in time"


class TLSShutdownTimeoutError(ConnectionLost):
    """The peer did not answer our TLS close_notify in time; the connection was aborted."""

    MESSAGE = "The peer did not answer the TLS close_notify in time"


# -- adopting sockets ----------------------------------------------------------------------------


class UnsupportedAddressFamily(Exception):
    """The reactor cannot use a socket of this address family (``AF_*``)."""


class UnsupportedSocketType(Exception):
    """The reactor cannot use a socket of this type (``SOCK_*``)."""
