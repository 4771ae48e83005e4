"""`FileLogObserver`: writes each event, as its formatter renders it, to a file.

One event is one write and one flush, done under a lock, so events that threads log at the
same time never interleave in the file. Text that the file's encoding cannot represent (a lone
surrogate from a badly decoded name, say) is written with backslash escapes rather than
raising.
"""

from __future__ import annotations

import functools
import io
import threading
from collections.abc import Callable
from typing import IO, Any

from torsion.logger._format import formatEventAsClassicLogText, formatTime, timeFormatRFC3339
from torsion.logger._interfaces import LogEvent

__all__ = ["FileLogObserver", "textFileLogObserver"]


class FileLogObserver:
    """Writes ``formatEvent(event)`` to ``outFile`` for each event (nothing if it is empty).

    ``outFile`` should take text; a binary file is given UTF-8.
    """

    def __init__(self, outFile: IO[Any], formatEvent: Callable[[LogEvent], str | None]) -> None:
        self._encoding: str | None = None if _takesText(outFile) else "utf-8"
        self._outFile = outFile
        self.formatEvent = formatEvent
        self._lock = threading.Lock()

    def __call__(self, event: LogEvent) -> None:
        """Write ``event``, then flush the file."""
        text = self.formatEvent(event)
        if not text:
            return
        outFile = self._outFile
        with self._lock:
            if self._encoding is not None:
                outFile.write(text.encode(self._encoding, "backslashreplace"))
            else:
                try:
                    outFile.write(text)
                except UnicodeEncodeError:
                    outFile.write(text.encode("ascii", "backslashreplace").decode("ascii"))
            outFile.flush()


def _takesText(outFile: object) -> bool:
    """Whether ``outFile`` is a text file (`torsion.python.compat.ioType`, which is loaded
    only for files that do not say so by their class)."""
    if isinstance(outFile, io.TextIOBase):
        return True
    from torsion.python.compat import ioType

    return ioType(outFile) is str


def textFileLogObserver(
    outFile: IO[Any], timeFormat: str | None = timeFormatRFC3339
) -> FileLogObserver:
    """A `FileLogObserver` writing classic log lines (``{time} [{system}] {message}``).

    Args:
        outFile: Where to write (text, or binary to get UTF-8).
        timeFormat: The strftime format of the time; None writes ``-`` instead.
    """
    timeFormatter = functools.partial(formatTime, timeFormat=timeFormat)

    def formatEvent(event: LogEvent) -> str | None:
        return formatEventAsClassicLogText(event, timeFormatter)

    return FileLogObserver(outFile, formatEvent)
