"""Twisted's legacy logging API (``twisted.python.log``), on top of `torsion.logger`.

A legacy event is a dict: ``message`` (a tuple of the objects passed to `msg`), ``time``,
``system`` (the context's, ``"-"`` by default), ``isError``, and for errors ``failure`` and
``why``; ``format`` (a ``%``-format over the event) can stand in for the message. `msg` and
`err` publish such events into `torsion.logger`'s global publisher, completed with the new
keys (``log_format``, ``log_level``, ...), so new-style observers see them too; legacy
observers added with `addObserver` are wrapped so that they get legacy keys on new-style
events as well.

Nothing here formats an object eagerly or lets a broken ``__str__``/``__repr__`` or format
string escape: the text says what could not be formatted instead.
"""

from __future__ import annotations

import sys
import threading
import time
import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from io import UnsupportedOperation
from typing import (
    IO,
    Any,
    ClassVar,
    NoReturn,
    Protocol,
    TypeAlias,
    TypeVar,
    cast,
    runtime_checkable,
)

from torsion.internet._interfacemeta import InterfaceMeta
from torsion.logger import (
    LegacyLogObserverWrapper,
    LoggingFile,
    STDLibLogObserver,
    globalLogBeginner,
    globalLogPublisher,
)
from torsion.logger import Logger as _NewLogger
from torsion.logger import LogLevel as _NewLogLevel
from torsion.logger import LogPublisher as _NewPublisher
from torsion.logger._fields import addContextFields, hasContextFields
from torsion.logger._global import LogBeginner
from torsion.logger._legacy import publishToNewObserver
from torsion.python import context, failure, reflect, util
from torsion.python.threadable import synchronize

__all__ = [
    "DefaultObserver",
    "EventDict",
    "FileLogObserver",
    "ILogContext",
    "ILogObserver",
    "LogPublisher",
    "Logger",
    "NullFile",
    "PythonLoggingObserver",
    "StdioOnnaStick",
    "addObserver",
    "callWithContext",
    "callWithLogger",
    "deferr",
    "discardLogs",
    "err",
    "msg",
    "removeObserver",
    "showwarning",
    "startLogging",
    "startLoggingWithObserver",
    "textFromEventDict",
    "theLogPublisher",
]

EventDict: TypeAlias = dict[str, Any]
_T = TypeVar("_T")


class ILogContext:
    """The key under which `torsion.python.context` holds the fields every event gets.

    Its value is a dict (``{"system": "-"}`` unless a `callWithContext` says otherwise); the
    class itself is only a key.
    """


@runtime_checkable
class ILogObserver(Protocol, metaclass=InterfaceMeta):
    """Takes legacy events; any callable of one argument does (bound methods usually).

    Declaring it (``@implementer(ILogObserver)``) is optional.
    """

    def __call__(self, eventDict: EventDict) -> None:
        """Handle one event (see the module docstring for its usual keys)."""
        ...


context.setDefault(ILogContext, {"system": "-"})


def callWithContext(ctx: dict[str, Any], func: Callable[..., _T], *args: Any, **kw: Any) -> _T:
    """Call ``func(*args, **kw)`` with the fields of ``ctx`` added to every event it logs."""
    fields = dict(context.get(ILogContext))
    fields.update(ctx)
    return context.call({ILogContext: fields}, func, *args, **kw)


def callWithLogger(logger: Logger, func: Callable[..., _T], *args: Any, **kw: Any) -> _T | None:
    """Call ``func(*args, **kw)`` as ``logger``'s system, logging what it raises.

    Events logged during the call have ``logger.logPrefix()`` as their ``system``. An
    exception (other than KeyboardInterrupt) is logged with `err` and None returned; a
    ``logPrefix`` that raises is logged too, and the call goes on as a "(buggy logPrefix
    method)".
    """
    try:
        prefix = logger.logPrefix()
    except KeyboardInterrupt:
        raise
    except BaseException:
        prefix = "(buggy logPrefix method)"
        err(system=prefix)
    try:
        return callWithContext({"system": prefix}, func, *args, **kw)
    except KeyboardInterrupt:
        raise
    except BaseException:
        err(system=prefix)
        return None


def err(_stuff: object = None, _why: str | None = None, **kw: Any) -> None:
    """Log an error: a Failure, an exception, or (None) the exception being handled.

    The names start with an underscore so that they do not take keyword arguments meant as
    event fields; pass them by position.

    Args:
        _stuff: A `Failure`, an exception (wrapped in one), None for the current exception,
            or anything else (logged as its ``repr``).
        _why: What was going on: the heading of the traceback.
        **kw: More event fields.
    """
    if _stuff is None:
        _stuff = failure.Failure()
    if isinstance(_stuff, failure.Failure):
        msg(failure=_stuff, why=_why, isError=1, **kw)
    elif isinstance(_stuff, Exception):
        msg(failure=failure.Failure(_stuff), why=_why, isError=1, **kw)
    else:
        msg(repr(_stuff), why=_why, isError=1, **kw)


deferr = err
"""Twisted's other name of `err`, for Deferred errbacks."""


class Logger:
    """Something that owns the events logged on its behalf (`callWithLogger`); subclass it."""

    def logPrefix(self) -> str:
        """The ``system`` of the events logged for this object (``"-"`` unless overridden)."""
        return "-"


class LogPublisher:
    """Publishes legacy events into a `torsion.logger` publisher.

    Args:
        observerPublisher: Where `addObserver` adds (wrapped) legacy observers; by default
            ``publishPublisher``, or a new publisher.
        publishPublisher: Where `msg` publishes; by default a new publisher.
        logBeginner: What `startLoggingWithObserver` begins logging with; by default one of
            its own, which touches neither ``sys`` nor the global publisher (for tests).
        warningsModule: The module whose ``showwarning`` `startLoggingWithObserver` replaces.
    """

    synchronized: ClassVar[list[str]] = ["msg"]

    def __init__(
        self,
        observerPublisher: _NewPublisher | None = None,
        publishPublisher: _NewPublisher | None = None,
        logBeginner: LogBeginner | None = None,
        warningsModule: Any = warnings,
    ) -> None:
        if publishPublisher is None:
            publishPublisher = _NewPublisher()
            if observerPublisher is None:
                observerPublisher = publishPublisher
        if observerPublisher is None:
            observerPublisher = _NewPublisher()
        self._observerPublisher = observerPublisher
        self._publishPublisher = publishPublisher
        self._legacyObservers: list[LegacyLogObserverWrapper] = []
        if logBeginner is None:
            beginnerPublisher = _NewPublisher()
            beginnerPublisher.addObserver(observerPublisher)
            logBeginner = LogBeginner(beginnerPublisher, cast(IO[Any], NullFile()), sys, warnings)
        self._logBeginner = logBeginner
        self._warningsModule = warningsModule
        self._oldshowwarning = warningsModule.showwarning
        self.showwarning = self._logBeginner.showwarning

    @property
    def observers(self) -> list[Callable[[EventDict], None]]:
        """The legacy observers added (with `addObserver` or `startLoggingWithObserver`)."""
        return [wrapper.legacyObserver for wrapper in self._legacyObservers]

    def _startLogging(self, other: Callable[[EventDict], None], setStdout: bool) -> None:
        """Begin logging to the legacy observer ``other`` (and standard I/O, if asked)."""
        wrapper = LegacyLogObserverWrapper(other)
        self._legacyObservers.append(wrapper)
        self._logBeginner.beginLoggingTo([wrapper], True, setStdout)

    def _stopLogging(self) -> None:
        """Put back the ``showwarning`` that beginning to log replaced (for tests)."""
        if self._warningsModule.showwarning == self.showwarning:
            self._warningsModule.showwarning = self._oldshowwarning

    def addObserver(self, other: Callable[[EventDict], None]) -> None:
        """Call ``other`` with every event, as a legacy event."""
        wrapper = LegacyLogObserverWrapper(other)
        self._legacyObservers.append(wrapper)
        self._observerPublisher.addObserver(wrapper)

    def removeObserver(self, other: Callable[[EventDict], None]) -> None:
        """Stop calling ``other`` (added before with `addObserver`); unknown ones are ignored."""
        for wrapper in self._legacyObservers:
            if wrapper.legacyObserver == other:
                self._legacyObservers.remove(wrapper)
                self._observerPublisher.removeObserver(wrapper)
                return

    def msg(self, *message: object, **kw: Any) -> None:
        """Log ``message`` (objects, joined with spaces when shown); ``kw`` are event fields.

        ``msg("Started", system="Foo")`` sets the event's ``system``. The context's fields
        (`callWithContext`) come first, ``kw`` override them.
        """
        event: EventDict = dict(context.get(ILogContext) or {})
        event.update(kw)
        event["message"] = message
        event["time"] = time.time()
        event.setdefault("isError", 0)
        if hasContextFields():
            addContextFields(event)
        publishToNewObserver(self._publishPublisher, event, textFromEventDict)


synchronize(LogPublisher)


theLogPublisher = LogPublisher(
    observerPublisher=globalLogPublisher,
    publishPublisher=globalLogPublisher,
    logBeginner=globalLogBeginner,
)
"""The legacy face of `torsion.logger.globalLogPublisher`."""

addObserver = theLogPublisher.addObserver
removeObserver = theLogPublisher.removeObserver
msg = theLogPublisher.msg
showwarning = theLogPublisher.showwarning


def _safeFormat(fmtString: str, fmtDict: dict[str, Any]) -> str:
    """Return ``fmtString % fmtDict``, or, if that raises, text that says what went wrong.

    Never raises (but for KeyboardInterrupt): the fallbacks describe the format and the
    fields, then only the format, then nothing, as far as each can be turned into text.
    """
    try:
        return fmtString % fmtDict
    except KeyboardInterrupt:
        raise
    except BaseException:
        pass
    try:
        return (
            "Invalid format string or unformattable object in log message: "
            f"{fmtString!r}, {fmtDict}"
        )
    except BaseException:
        pass
    try:
        return f"UNFORMATTABLE OBJECT WRITTEN TO LOG with fmt {fmtString!r}, MESSAGE LOST"
    except BaseException:
        return "PATHOLOGICAL ERROR IN BOTH FORMAT STRING AND MESSAGE DETAILS, MESSAGE LOST"


def textFromEventDict(eventDict: EventDict) -> str | None:
    """Return the text of a legacy event, or None if it has none.

    The message's objects joined with spaces; without a message, an error's ``why`` (or
    "Unhandled Error") and its traceback; else the ``format`` applied to the event.
    """
    message = eventDict["message"]
    if message:
        return " ".join(map(reflect.safe_str, message))
    if eventDict["isError"] and "failure" in eventDict:
        why = eventDict.get("why")
        heading = reflect.safe_str(why) if why else "Unhandled Error"
        try:
            traceback = eventDict["failure"].getTraceback()
        except Exception as e:
            traceback = f"(unable to obtain traceback): {e}"
        return f"{heading}\n{traceback}"
    if "format" in eventDict:
        return _safeFormat(eventDict["format"], eventDict)
    return None


class _GlobalStartStopObserver(ABC):
    """An observer whose `start` and `stop` add and remove it on the global publisher."""

    @abstractmethod
    def emit(self, eventDict: EventDict) -> None:
        """Handle one event."""

    def start(self) -> None:
        """Begin receiving the global publisher's events."""
        addObserver(self.emit)

    def stop(self) -> None:
        """Stop receiving them."""
        removeObserver(self.emit)


class FileLogObserver(_GlobalStartStopObserver):
    """Writes events as ``<time> [<system>] <text>`` lines to a text file.

    Args:
        f: The file: anything with ``write(str)`` and ``flush()``.

    Attributes:
        timeFormat: If not None, the `datetime.strftime` format of the time (local time);
            by default ``2001-02-03 04:05:06+0100``.
    """

    timeFormat: str | None = None

    def __init__(self, f: IO[str]) -> None:
        self.write = f.write
        self.flush = f.flush

    def getTimezoneOffset(self, when: float) -> int:
        """Return how many seconds west of UTC local time was at Unix time ``when``."""
        utc = datetime.fromtimestamp(when, UTC).replace(tzinfo=None)
        offset = utc - datetime.fromtimestamp(when)
        return offset.days * 86400 + offset.seconds

    def formatTime(self, when: float) -> str:
        """Return Unix time ``when`` as local time text (see `timeFormat`)."""
        if self.timeFormat is not None:
            return datetime.fromtimestamp(when).strftime(self.timeFormat)
        second = int(when)
        cached = self._formattedSecond
        offset = getattr(self.getTimezoneOffset, "__func__", None)
        if cached[0] == second and offset is _defaultOffset:
            return cached[1]  # the text shows whole seconds: work it out once per second
        text = self._formatSecond(when)
        self._formattedSecond = (second, text)
        return text

    _formattedSecond: tuple[int | None, str] = (None, "")

    def _formatSecond(self, when: float) -> str:
        east = -self.getTimezoneOffset(when)
        local = datetime.fromtimestamp(when + east, UTC)
        hours, minutes = divmod(abs(east) // 60, 60)
        sign = "-" if east < 0 else "+"
        return f"{local:%Y-%m-%d %H:%M:%S}{sign}{hours:02d}{minutes:02d}"

    def emit(self, eventDict: EventDict) -> None:
        """Write one event as a line; its text's own newlines continue it, indented by a tab."""
        text = textFromEventDict(eventDict)
        if text is None:
            return
        text = text.replace("\n", "\n\t")
        system = eventDict["system"]
        try:
            line = f"[{system}] {text}\n"
        except Exception:  # a system whose str() raises: say so instead
            line = _safeFormat("[%(system)s] %(text)s\n", {"system": system, "text": text})
        util.untilConcludes(self.write, f"{self.formatTime(eventDict['time'])} {line}")
        util.untilConcludes(self.flush)


class PythonLoggingObserver(_GlobalStartStopObserver):
    """Passes events on to the standard library's `logging`, under one logger's name.

    Events are logged at INFO, errors at CRITICAL; an event's ``logLevel`` field (a `logging`
    level) chooses another. `logging`'s handlers run in the thread that logs, so one that
    blocks (a network handler, say) blocks that thread, the reactor's included.

    Events this observer gets while it is passing one on, in the same thread, are dropped: a
    `logging` handler whose output comes back into the torsion log (one that writes to a
    redirected ``sys.stderr``, or that bridges `logging` into torsion) would otherwise send
    its output round for ever.

    Args:
        loggerName: The `logging` logger's name, ``"torsion"`` by default (Twisted's is
            ``"twisted"``: the same rename as the imports), as for `STDLibLogObserver`.
    """

    _forwardsToStdlib = True  # see `STDLibLogObserver`

    def __init__(self, loggerName: str = "torsion") -> None:
        self._newObserver = STDLibLogObserver(loggerName)
        self._emitting = threading.local()

    def emit(self, eventDict: EventDict) -> None:
        """Pass one event on to `logging` (unless it came back from there, see above)."""
        if "log_format" not in eventDict or getattr(self._emitting, "active", False):
            return
        self._emitting.active = True
        try:
            publishToNewObserver(self._newObserver, eventDict, textFromEventDict)
        finally:
            self._emitting.active = False


_defaultOffset = FileLogObserver.getTimezoneOffset


class StdioOnnaStick:
    """A stand-in for ``sys.stdout``/``sys.stderr`` that logs each line written to it.

    Args:
        isError: Whether the lines are logged as errors (for stderr).
        encoding: The ``encoding`` it reports (the default encoding if None).
    """

    closed = 0
    softspace = 0
    mode = "wb"
    name = "<stdio (log)>"

    def __init__(self, isError: int = 0, encoding: str | None = None) -> None:
        self.isError = isError
        self.encoding = encoding if encoding is not None else sys.getdefaultencoding()
        self.buf = ""

    def close(self) -> None:
        """Do nothing: the log stays open."""

    def fileno(self) -> NoReturn:
        """Raise: there is no file descriptor behind it."""
        raise UnsupportedOperation("StdioOnnaStick has no file descriptor.")

    def flush(self) -> None:
        """Do nothing: each complete line is logged as it is written."""

    def read(self, *args: object) -> NoReturn:
        """Raise: the log cannot be read."""
        raise OSError("can't read from the log!")

    readline = read
    readlines = read
    seek = read
    tell = read

    def write(self, data: str) -> None:
        """Log each line that ``data`` completes; keep the unfinished rest for later."""
        *lines, self.buf = (self.buf + data).split("\n")
        for line in lines:
            msg(line, printed=1, isError=self.isError)

    def writelines(self, lines: Iterable[str]) -> None:
        """Log each of ``lines`` as one message."""
        for line in lines:
            msg(line, printed=1, isError=self.isError)


def startLogging(file: IO[str], *a: Any, **kw: Any) -> FileLogObserver | None:
    """Log to a text file: start a `FileLogObserver` on it with `startLoggingWithObserver`.

    Returns:
        The observer, or None if ``file`` is the log itself (a redirected ``sys.stdout``),
        which would send every line round for ever.
    """
    if isinstance(file, LoggingFile):
        return None
    observer = FileLogObserver(file)
    startLoggingWithObserver(observer.emit, *a, **kw)
    return observer


def startLoggingWithObserver(observer: Callable[[EventDict], None], setStdout: int = 1) -> None:
    """Begin logging to ``observer``, replaying what was logged before, and log "Log opened.".

    If ``setStdout`` is true, ``sys.stdout`` and ``sys.stderr`` are replaced by files that
    log what is written to them (stderr's as errors), and warnings go to the log as well.
    """
    theLogPublisher._startLogging(observer, bool(setStdout))
    msg("Log opened.")


class NullFile:
    """A file that discards what is written to it."""

    softspace = 0

    def read(self) -> None:
        """Return nothing."""

    def write(self, bytes: object) -> None:
        """Discard ``bytes``."""

    def flush(self) -> None:
        """Do nothing."""

    def close(self) -> None:
        """Do nothing."""


def discardLogs() -> None:
    """Make `logfile` discard what is written to it."""
    global logfile
    logfile = NullFile()


logfile: LoggingFile | NullFile = LoggingFile(
    logger=_NewLogger(), level=_NewLogLevel.info, encoding=getattr(sys.stdout, "encoding", None)
)
"""A file whose lines are logged at info: what ``sys.stdout`` becomes after `startLogging`."""

logerr = LoggingFile(
    logger=_NewLogger(), level=_NewLogLevel.error, encoding=getattr(sys.stderr, "encoding", None)
)
"""A file whose lines are logged as errors: what ``sys.stderr`` becomes after `startLogging`."""


class DefaultObserver(_GlobalStartStopObserver):
    """Writes the text of error events to `stderr` and ignores the rest.

    Attributes:
        stderr: Where errors are written (``sys.stderr`` when the module was imported).
    """

    stderr: IO[str] = sys.stderr

    def emit(self, eventDict: EventDict) -> None:
        """Write an error event's text; ignore other events."""
        if eventDict["isError"]:
            text = textFromEventDict(eventDict)
            if text is not None:
                self.stderr.write(text)
            self.stderr.flush()


defaultObserver = DefaultObserver()
"""A `DefaultObserver`, not started."""
