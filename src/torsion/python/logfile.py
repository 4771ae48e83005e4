"""Log files that rotate by size or by day (Twisted's ``twisted.python.logfile``).

`LogFile` moves the current file to ``name.1`` (the older ones to ``name.2``, ``name.3``, ...)
once it reaches ``rotateLength`` bytes; `DailyLogFile` moves it to ``name.YYYY_M_D`` on the
first write of a new day. Both are safe to write from several threads, write through to the
operating system at once (no buffer of their own to lose in a crash), and encode text as
UTF-8. `BaseLogFile.reopen` supports external rotation tools (logrotate), and
`BaseLogFile.reopenOnSignal` ties it to a signal such as ``SIGUSR1``.

Rotation never raises: if the directory or the file cannot be written, the file stays as it
is and writing goes on into it.
"""

from __future__ import annotations

import glob
import os
import signal
import stat
import time
from collections.abc import Callable
from types import FrameType
from typing import IO, Any, ClassVar, Self, TypeAlias, cast

from torsion.internet._baseinterfaces import IReactorTime
from torsion.python import threadable

__all__ = ["BaseLogFile", "DailyLogFile", "LogFile", "LogReader"]

_Date: TypeAlias = tuple[int, int, int]
_Handler: TypeAlias = Callable[[int, FrameType | None], Any] | int | signal.Handlers | None


class BaseLogFile:
    """A log file at ``directory/name`` that a subclass knows when to rotate.

    Args:
        name: The file's name.
        directory: The directory it is in.
        defaultMode: The permissions to give the file; None keeps those of an existing file
            (and the umask's for a new one).

    Attributes:
        name: The file's name.
        directory: The directory it is in.
        path: ``directory/name``.
        defaultMode: The permissions the file is given on each (re)opening, or None.
        closed: Whether `close` was called (and the file not opened again since).
    """

    synchronized: ClassVar[list[str]] = ["write", "rotate"]

    _file: IO[bytes]
    closed: bool

    def __init__(self, name: str, directory: str, defaultMode: int | None = None) -> None:
        self.directory = directory
        self.name = name
        self.path = os.path.join(directory, name)
        if defaultMode is None and os.path.exists(self.path):
            defaultMode = stat.S_IMODE(os.stat(self.path).st_mode)
        self.defaultMode = defaultMode
        self._reopenPending = False
        self._openFile()

    @classmethod
    def fromFullPath(cls, filename: str, *args: Any, **kwargs: Any) -> Self:
        """Make a log file from one path instead of a name and a directory.

        Args:
            filename: The file's path, relative to the working directory or absolute.
            *args: The class's other positional arguments (after ``name, directory``).
            **kwargs: The class's keyword arguments.
        """
        path = os.path.abspath(filename)
        return cls(os.path.basename(path), os.path.dirname(path), *args, **kwargs)

    def shouldRotate(self) -> bool:
        """Whether the next write must rotate first; subclasses decide.

        Raises:
            NotImplementedError: Always, here.
        """
        raise NotImplementedError

    def rotate(self) -> None:
        """Move the current file aside and start a new one; subclasses decide how."""
        raise NotImplementedError

    def _openFile(self) -> None:
        """Open the file for appending, creating it if it does not exist.

        A new file is created without any permission when `defaultMode` is set, so no other
        user can open it before it gets `defaultMode`. Writes append (``O_APPEND``), so a file
        that a tool truncated under the log is not left with a hole.
        """
        self.closed = False
        creationMode = 0 if self.defaultMode is not None else 0o666
        flags = os.O_RDWR | os.O_CREAT | os.O_APPEND | getattr(os, "O_BINARY", 0)
        fd = os.open(self.path, flags, creationMode)
        self._file = open(fd, "rb+", buffering=0)  # noqa: SIM115  # open until close()
        if self._file.seekable():  # Not a pipe.
            self._file.seek(0, os.SEEK_END)
        if self.defaultMode is not None and stat.S_ISREG(os.fstat(fd).st_mode):
            # Only a regular file's mode is the log's to set: a log written to a device such
            # as /dev/null must not change the device's permissions for everyone.
            try:
                os.chmod(fd, self.defaultMode)
            except OSError:
                pass

    def write(self, data: str | bytes) -> None:
        """Append ``data`` (text is encoded as UTF-8), rotating first if `shouldRotate` says so.

        A reopening that `reopenOnSignal` asked for happens here, before the data is written.
        """
        if self._reopenPending:
            self._reopenPending = False
            self.reopen()
        if self.shouldRotate():
            self.flush()
            self.rotate()
        if isinstance(data, str):
            data = data.encode("utf-8")
        view = memoryview(data)
        while view:  # An unbuffered write may take less than all of it.
            written = self._file.write(view)
            view = view[written:]

    def flush(self) -> None:
        """Flush the file (a formality: every write already went to the operating system)."""
        self._file.flush()

    def close(self) -> None:
        """Close the file; the log file cannot be written again until `reopen`."""
        self.closed = True
        self._file.close()
        del self._file

    def reopen(self) -> None:
        """Close the file and open ``path`` again.

        After an external tool renamed the file, this starts a new one at ``path``, leaving
        the renamed file (and what was written to it) alone.
        """
        self.close()
        self._openFile()

    def reopenOnSignal(self, signum: int) -> Callable[[], None]:
        """Reopen the file whenever the process receives ``signum`` (e.g. ``signal.SIGUSR1``).

        This is the other half of an external rotation tool: logrotate renames the file and
        sends the signal, and the log starts a new file at ``path``. The handler only marks
        the file; the reopening happens at the next `write`, under the lock the writes hold,
        since a signal handler can interrupt a write halfway. A handler that was installed
        before is still called after this one.

        Nothing is installed until this is called (never when the module is imported), and
        like every signal handler it can only be installed from the main thread.

        Args:
            signum: The signal's number.

        Returns:
            A function that puts the previous handler back.

        Raises:
            ValueError: Not called from the main thread, or ``signum`` is no signal.
        """
        previous: _Handler = signal.getsignal(signum)

        def handler(number: int, frame: FrameType | None) -> None:
            self._reopenPending = True
            if callable(previous):
                previous(number, frame)

        signal.signal(signum, handler)

        def restore() -> None:
            signal.signal(signum, cast(Any, previous))

        return restore

    def getCurrentLog(self) -> LogReader:
        """Return a reader of the current file."""
        return LogReader(self.path)

    def __getstate__(self) -> dict[str, Any]:
        """Pickle the log file's settings, not its open file or its lock."""
        state = self.__dict__.copy()
        for transient in ("_file", "_threadable_lock", "_reopenPending"):
            state.pop(transient, None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Restore the settings and open the file again (appending to it)."""
        self.__dict__.update(state)
        self._reopenPending = False
        self._openFile()


class LogFile(BaseLogFile):
    """A log file that rotates when it reaches a size.

    Args:
        name: The file's name.
        directory: The directory it is in.
        rotateLength: The size in bytes at which the next write rotates first; 0 or None
            never rotates by itself.
        defaultMode: As for `BaseLogFile`.
        maxRotatedFiles: If not None, the most rotated files kept: a rotation deletes
            ``name.N`` for every N at or above it.

    Attributes:
        size: The current file's size in bytes.
    """

    size: int

    def __init__(
        self,
        name: str,
        directory: str,
        rotateLength: int | None = 1000000,
        defaultMode: int | None = None,
        maxRotatedFiles: int | None = None,
    ) -> None:
        super().__init__(name, directory, defaultMode)
        self.rotateLength = rotateLength
        self.maxRotatedFiles = maxRotatedFiles

    def _openFile(self) -> None:
        super()._openFile()
        self.size = self._file.tell() if self._file.seekable() else 0

    def shouldRotate(self) -> bool:
        """Whether the file reached ``rotateLength``."""
        return bool(self.rotateLength) and self.size >= cast(int, self.rotateLength)

    def write(self, data: str | bytes) -> None:
        """Append ``data``, rotating first if the file is full; counts the bytes written."""
        if isinstance(data, str):
            data = data.encode("utf-8")
        super().write(data)
        self.size += len(data)

    def rotate(self) -> None:
        """Rename the file to ``name.1`` (``name.1`` to ``name.2``, ...) and start a new one.

        Files numbered ``maxRotatedFiles`` and above are deleted instead of renamed. If the
        directory or the file cannot be written, nothing happens and writing goes on.
        """
        if not (os.access(self.directory, os.W_OK) and os.access(self.path, os.W_OK)):
            return
        for number in reversed(self.listLogs()):
            old = f"{self.path}.{number}"
            if self.maxRotatedFiles is not None and number >= self.maxRotatedFiles:
                os.remove(old)
            else:
                os.rename(old, f"{self.path}.{number + 1}")
        self._file.close()
        os.rename(self.path, f"{self.path}.1")
        self._openFile()

    def listLogs(self) -> list[int]:
        """Return the numbers of the rotated files there are, in ascending order.

        Files whose suffix is no number, or is 0, are not the log's and are left out.
        """
        numbers = []
        for path in glob.glob(f"{glob.escape(self.path)}.*"):
            try:
                number = int(path.rsplit(".", 1)[1])
            except ValueError:
                continue
            if number > 0:
                numbers.append(number)
        return sorted(numbers)

    def getLog(self, identifier: int) -> LogReader:
        """Return a reader of rotated file number ``identifier`` (1 is the newest).

        Raises:
            TypeError: ``identifier`` is no integer.
            ValueError: There is no such file.
        """
        if not isinstance(identifier, int):
            raise TypeError(f"a rotated log's number is an int, not {identifier!r}")
        filename = f"{self.path}.{identifier}"
        if not os.path.exists(filename):
            raise ValueError("no such logfile exists")
        return LogReader(filename)

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state.pop("size", None)  # Read from the file again when it is reopened.
        return state


threadable.synchronize(LogFile)


class DailyLogFile(BaseLogFile):
    """A log file that rotates on the first write of each new (local) day.

    The rotated file is named after the day it holds: ``name.2024_3_9``.

    Args:
        name: The file's name.
        directory: The directory it is in.
        defaultMode: As for `BaseLogFile`.
        clock: Where "now" comes from (`torsion.internet.task.Clock` in tests); by default
            the system's time. Twisted's way of overriding `toDate` works as well.

    Attributes:
        lastDate: The (year, month, day) the current file is for: when it was opened, the
            day of its last change (today for a new file), then the day of the latest write.
    """

    lastDate: _Date

    def __init__(
        self,
        name: str,
        directory: str,
        defaultMode: int | None = None,
        *,
        clock: IReactorTime | None = None,
    ) -> None:
        self.clock = clock
        super().__init__(name, directory, defaultMode)

    def _openFile(self) -> None:
        existed = os.path.exists(self.path)
        super()._openFile()
        # A file there already is of the day it last changed; a new one is of today.
        self.lastDate = self.toDate(os.stat(self.path).st_mtime) if existed else self.toDate()

    def shouldRotate(self) -> bool:
        """Whether today is a later day than `lastDate`."""
        return self.toDate() > self.lastDate

    def toDate(self, *args: float) -> _Date:
        """Return the local (year, month, day) of a Unix time, or of now without one.

        Override this (with `time.gmtime`, say) to rotate on another calendar.
        """
        if not args and self.clock is not None:
            args = (self.clock.seconds(),)
        return time.localtime(*args)[:3]

    def suffix(self, tupledate: _Date | float) -> str:
        """Return the suffix of the rotated file of a (year, month, day), or of a Unix time."""
        if isinstance(tupledate, int | float):
            tupledate = self.toDate(tupledate)
        return "_".join(map(str, tupledate))

    def getLog(self, identifier: float) -> LogReader:
        """Return a reader of the file of the day of Unix time ``identifier``.

        Raises:
            ValueError: There is no file of that day.
        """
        if self.toDate(identifier) == self.lastDate:
            return self.getCurrentLog()
        filename = f"{self.path}.{self.suffix(identifier)}"
        if not os.path.exists(filename):
            raise ValueError("no such logfile exists")
        return LogReader(filename)

    def write(self, data: str | bytes) -> None:
        """Append ``data``, rotating first on a new day."""
        super().write(data)
        # max: a clock set back (by NTP, say) must not make the file a day older again.
        self.lastDate = max(self.lastDate, self.toDate())

    def rotate(self) -> None:
        """Rename the file to ``name.<lastDate>`` and start a new one.

        Nothing happens if that name is taken already, or if the directory or the file cannot
        be written; writing then goes on into the current file.
        """
        if not (os.access(self.directory, os.W_OK) and os.access(self.path, os.W_OK)):
            return
        newPath = f"{self.path}.{self.suffix(self.lastDate)}"
        if os.path.exists(newPath):
            return
        self._file.close()
        os.rename(self.path, newPath)
        self._openFile()

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state.pop("lastDate", None)  # Taken from the file again when it is reopened.
        return state


threadable.synchronize(DailyLogFile)


class LogReader:
    """Reads the lines of a log file, a few at a time.

    Args:
        name: The file's path.
    """

    def __init__(self, name: str) -> None:
        # What the log wrote is UTF-8; bytes that are not still come out, escaped.
        self._file = open(name, encoding="utf-8", errors="backslashreplace")  # noqa: SIM115

    def readLines(self, lines: int = 10) -> list[str]:
        """Return up to the next ``lines`` lines; fewer (or none) at the end of the file."""
        result = []
        for _ in range(lines):
            line = self._file.readline()
            if not line:
                break
            result.append(line)
        return result

    def close(self) -> None:
        """Close the file."""
        self._file.close()
