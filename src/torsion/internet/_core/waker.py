"""Waking a sleeping reactor from other threads and from signals.

`Waker` is a non-blocking socket pair whose reading end the reactor watches: one byte written to
the other end makes a blocked ``select``/``poll``/``epoll`` return. It is also the target of
``signal.set_wakeup_fd``, so a signal arriving while the loop is blocked wakes it at once (the C
level signal handler writes the byte; the Python handler runs when the interpreter next can).

`SignalHandlers` installs the reactor's SIGINT/SIGTERM handlers for the duration of one ``run``
and puts the previous handlers (and wakeup fd) back afterwards.
"""

from __future__ import annotations

import signal
import socket
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

__all__ = ["SignalHandlers", "Waker"]

_Handler = Callable[[int, FrameType | None], Any] | int | signal.Handlers | None


class Waker:
    """The reactor's internal reader that wakes it up.

    It provides the reader descriptor interface (``fileno``, ``doRead``, ``connectionLost``,
    ``logPrefix``), but the core keeps it out of ``getReaders`` and ``removeAll``.
    """

    def __init__(self) -> None:
        self._reader, self._writer = socket.socketpair()
        self._reader.setblocking(False)
        self._writer.setblocking(False)

    def fileno(self) -> int:
        """The descriptor the reactor polls for reading."""
        return self._reader.fileno()

    def writeFileno(self) -> int:
        """The descriptor written to, for ``signal.set_wakeup_fd``."""
        return self._writer.fileno()

    def wakeUp(self) -> None:
        """Make the reactor's poll return (thread-safe; never blocks)."""
        try:
            self._writer.send(b"\0")
        except OSError:
            # BlockingIOError: the buffer is full of wake-ups already, so the loop will wake.
            # Other errors: closed during shutdown; nobody is left to wake.
            pass

    def doRead(self) -> None:
        """Discard the wake-up bytes; waking was their only purpose."""
        try:
            while self._reader.recv(4096):
                pass
        except OSError:
            pass

    def doWrite(self) -> None:
        """Never called: the waker is not watched for writing."""

    def connectionLost(self, reason: object) -> None:
        """Never called: the core never disconnects its waker."""

    def logPrefix(self) -> str:
        """Name used when logging about this descriptor."""
        return "Waker"

    def close(self) -> None:
        """Close both sockets."""
        self._reader.close()
        self._writer.close()


class SignalHandlers:
    """SIGINT/SIGTERM handlers and the signal wakeup fd: installed by `install`, undone later.

    Args:
        onSignal: Called (in the main thread, from the Python-level handler) with the signal
            number. It must only do things that are safe at any point of the main thread's
            execution, such as queuing a call with ``callFromThread``.
        waker: Its writing end becomes the signal wakeup fd (None: no wakeup fd is set).
    """

    def __init__(self, onSignal: Callable[[int], object], waker: Waker | None) -> None:
        self._onSignal = onSignal
        self._waker = waker
        self._previous: dict[int, _Handler] = {}
        self._previousWakeupFd: int | None = None

    def install(self) -> bool:
        """Install the handlers, if this is the main thread; return whether it did."""
        if threading.current_thread() is not threading.main_thread():
            return False
        for signum in _SIGNALS:
            self._previous[signum] = signal.signal(signum, self._handle)
        if self._waker is not None:
            self._previousWakeupFd = signal.set_wakeup_fd(
                self._waker.writeFileno(), warn_on_full_buffer=False
            )
        return True

    def restore(self) -> None:
        """Put back what `install` replaced (nothing if it installed nothing)."""
        if self._previousWakeupFd is not None:
            signal.set_wakeup_fd(self._previousWakeupFd)
            self._previousWakeupFd = None
        for signum, handler in self._previous.items():
            # None: the previous handler was not set from Python and cannot be put back.
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)
        self._previous.clear()

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self._onSignal(signum)


_SIGNALS = [signal.SIGINT, signal.SIGTERM]
if hasattr(signal, "SIGBREAK"):  # Windows' Ctrl-Break
    _SIGNALS.append(signal.SIGBREAK)
