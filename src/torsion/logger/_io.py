"""`LoggingFile`: a write-only file whose lines become log events (for ``sys.stdout``).

Each complete line written (without its newline) is emitted as an event with the format
``{log_io}``; a partial line waits for the rest. Bytes are decoded with the file's encoding.
Writes from several threads are serialised, so no line is split or lost.
"""

from __future__ import annotations

import sys
import threading
import warnings
from collections.abc import Iterable
from io import UnsupportedOperation
from typing import AnyStr, NoReturn

from torsion.logger._levels import LogLevel
from torsion.logger._logger import Logger

__all__ = ["LoggingFile"]

# What torsion.python.deprecate.deprecatedProperty(Version("Twisted", 21, 2, 0)) would say;
# written out so that importing the logger does not load the deprecation machinery.
_SOFTSPACE_DEPRECATED = f"{__name__}.LoggingFile.softspace was deprecated in Twisted 21.2.0"


class LoggingFile:
    """A file-like object that logs each line written to it through ``logger`` at ``level``.

    Args:
        logger: The logger to emit through.
        level: The level of the events.
        encoding: How bytes written are decoded (default: ``sys.getdefaultencoding()``).
    """

    _softspace = 0

    def __init__(
        self, logger: Logger, level: LogLevel = LogLevel.info, encoding: str | None = None
    ) -> None:
        self.level = level
        self.log = logger
        self._encoding = sys.getdefaultencoding() if encoding is None else encoding
        self._buffer = ""
        self._closed = False
        self._lock = threading.Lock()

    @property
    def softspace(self) -> int:
        """Python 2's print state; unused (deprecated since Twisted 21.2.0)."""
        warnings.warn(_SOFTSPACE_DEPRECATED, DeprecationWarning, stacklevel=2)
        return self._softspace

    @softspace.setter
    def softspace(self, value: int) -> None:
        warnings.warn(_SOFTSPACE_DEPRECATED, DeprecationWarning, stacklevel=2)
        self._softspace = value

    @property
    def closed(self) -> bool:
        """Whether `close` was called."""
        return self._closed

    @property
    def encoding(self) -> str:
        """The encoding bytes written are decoded with."""
        return self._encoding

    @property
    def mode(self) -> str:
        """Always ``"w"``."""
        return "w"

    @property
    def newlines(self) -> None:
        """Always None: the file is never read."""
        return None

    @property
    def name(self) -> str:
        """``<LoggingFile namespace#level>``."""
        return f"<{self.__class__.__name__} {self.log.namespace}#{self.level.name}>"

    def close(self) -> None:
        """Refuse further writes."""
        self._closed = True

    def flush(self) -> None:
        """Nothing to do: whole lines are logged as soon as they are written."""

    def fileno(self) -> NoReturn:
        """There is no file descriptor: `io.UnsupportedOperation`."""
        raise UnsupportedOperation("LoggingFile has no file descriptor.")

    def isatty(self) -> bool:
        """Never a terminal."""
        return False

    def write(self, message: AnyStr) -> None:
        """Log the complete lines of what was written so far; keep the rest for later.

        Raises:
            ValueError: The file is closed.
        """
        if self._closed:
            raise ValueError("I/O operation on closed file")
        text = message.decode(self._encoding) if isinstance(message, bytes) else message
        with self._lock:
            *lines, self._buffer = (self._buffer + text).split("\n")
        for line in lines:
            self.log.emit(self.level, format="{log_io}", log_io=line)

    def writelines(self, lines: Iterable[AnyStr]) -> None:
        """Write each of ``lines`` (no newlines are added)."""
        for line in lines:
            self.write(line)

    def _unsupported(self, *args: object) -> NoReturn:
        raise OSError("unsupported operation")

    read = _unsupported
    next = _unsupported
    readline = _unsupported
    readlines = _unsupported
    xreadlines = _unsupported
    seek = _unsupported
    tell = _unsupported
    truncate = _unsupported
