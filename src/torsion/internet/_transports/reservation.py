"""A spare file descriptor, so a listening port can still turn clients away when out of them.

When a process reaches its descriptor limit, ``accept()`` fails with EMFILE and the waiting
connections stay in the kernel's backlog: the listening socket stays readable, and the clients
hang until they time out. `FileDescriptorReservation` keeps one descriptor open (on
``/dev/null``) for that moment: `torsion.internet._transports.ports.StreamPort` closes it,
accepts the waiting connections and closes each at once (their peers see the connection
closed), then reopens it. `reservedFD` is the process's reservation, taken when the first
stream port starts listening; on Windows, whose socket handles are not limited so,
it is a `NullFileDescriptorReservation` that is never available.

While the reservation is released, nothing may open a descriptor, log observers writing to
files included: `BuffersLogs` holds the log events emitted meanwhile and sends them on after.
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Callable
from types import TracebackType
from typing import Protocol, runtime_checkable

from torsion.internet._interfacemeta import InterfaceMeta
from torsion.logger import ILogObserver, LogEvent, Logger

__all__ = [
    "BuffersLogs",
    "FileDescriptorReservation",
    "IFileDescriptorReservation",
    "NullFileDescriptorReservation",
    "reservedFD",
]


# Logged as the public module whose ports use the reservation.
_log = Logger(namespace="torsion.internet.tcp")


class _Closeable(Protocol):
    def close(self) -> object: ...


@runtime_checkable
class IFileDescriptorReservation(Protocol, metaclass=InterfaceMeta):
    """A descriptor held in reserve, released for the length of a ``with`` block.

    Entering the block closes the reserved descriptor, so the block can open one (accept a
    connection) in its place; leaving it opens the reserve again. Another thread may take the
    freed slot first, so the reservation is best effort.
    """

    def available(self) -> bool:
        """Whether the reserved descriptor is open, so that entering the block frees one."""
        ...

    def reserve(self) -> None:
        """Open the reserved descriptor unless it is open already.

        Failing for lack of descriptors (EMFILE) is logged and leaves the reservation
        unavailable, to be tried again later; any other error is raised.
        """
        ...

    def __enter__(self) -> None:
        """Close the reserved descriptor for the block."""
        ...

    def __exit__(
        self,
        excType: type[BaseException] | None,
        excValue: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Open the reserved descriptor again (best effort: a failure is logged)."""
        ...


class FileDescriptorReservation:
    """An `IFileDescriptorReservation` holding a file that ``fileFactory`` opens.

    Args:
        fileFactory: Opens the reserve and returns it (an object with ``close``).
    """

    def __init__(self, fileFactory: Callable[[], _Closeable]) -> None:
        self._fileFactory = fileFactory
        self._file: _Closeable | None = None

    def __repr__(self) -> str:
        state = "reserved" if self._file is not None else "not reserved"
        return f"<{type(self).__name__} {state}>"

    def available(self) -> bool:
        """Whether the reserve is open (see `IFileDescriptorReservation.available`)."""
        return self._file is not None

    def reserve(self) -> None:
        """Open the reserve unless it is open (see `IFileDescriptorReservation.reserve`).

        Raises:
            Exception: What opening it raised, unless it was EMFILE.
        """
        if self._file is not None:
            return
        try:
            self._file = self._fileFactory()
        except OSError as e:
            if e.errno != errno.EMFILE:
                raise
            _log.failure("Could not reserve EMFILE recovery file descriptor.")

    def __enter__(self) -> None:
        """Close the reserve for the block.

        Raises:
            RuntimeError: Nothing is reserved (`reserve` was not called, or failed).
        """
        reserved, self._file = self._file, None
        if reserved is None:
            raise RuntimeError("No file reserved.  Have you called my reserve method?")
        reserved.close()

    def __exit__(
        self,
        excType: type[BaseException] | None,
        excValue: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Open the reserve again; what that raises is logged, never raised over the block's."""
        try:
            self.reserve()
        except Exception:
            _log.failure("Could not re-reserve EMFILE recovery file descriptor.")


class NullFileDescriptorReservation:
    """An `IFileDescriptorReservation` that reserves nothing and is never available."""

    def available(self) -> bool:
        """Return False: there is never a reserve to release."""
        return False

    def reserve(self) -> None:
        """Do nothing."""

    def __enter__(self) -> None:
        """Do nothing."""

    def __exit__(
        self,
        excType: type[BaseException] | None,
        excValue: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Do nothing."""


class _RawDescriptor:
    """A bare descriptor with ``close``: the reserve, which may stay open until the process
    exits (a file object would warn about that)."""

    def __init__(self, fd: int) -> None:
        self._fd = fd

    def close(self) -> None:
        os.close(self._fd)


def _openDevNull() -> _Closeable:
    return _RawDescriptor(os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC))


#: The process's reservation, shared by every listening port.
reservedFD: IFileDescriptorReservation = (
    NullFileDescriptorReservation()
    if sys.platform == "win32"
    else FileDescriptorReservation(_openDevNull)
)


class BuffersLogs:
    """A context manager whose logger holds its events until the block ends.

    Entering gives a `Logger` in ``namespace`` whose events are kept; leaving the block, even
    by an exception, sends them to ``observer`` in order.

    Args:
        namespace: The namespace of the logger the block gets.
        observer: Where the events go once the block is over.
    """

    def __init__(self, namespace: str, observer: ILogObserver) -> None:
        self._namespace = namespace
        self._observer = observer
        self._events: list[LogEvent] = []

    def __enter__(self) -> Logger:
        """Return the logger whose events wait for the end of the block."""
        return Logger(namespace=self._namespace, observer=self._events.append)

    def __exit__(
        self,
        excType: type[BaseException] | None,
        excValue: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Send the events held to the observer (the block's exception, if any, goes on)."""
        events, self._events = self._events, []
        for event in events:
            self._observer(event)
