"""Log events as JSON, one per record of a file, readable by Twisted's logger and back.

An event is saved with its format fields flattened first (`flattenEvent`), so it formats and
gives up its fields after loading although its objects are gone: what JSON cannot hold
becomes ``{"unpersistable": true}``, bytes are kept as text (each byte one character),
`LogLevel`\\ s and `Failure`\\ s are tagged with the class UUIDs Twisted uses, so they load
back as a level and a failure on either side.

Files hold one record per event: ``RS JSON NL``, RS being the record separator
(``"\\x1e"`` by default, as in RFC 7464 JSON text sequences), or plain JSON lines.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO, Any, AnyStr, cast

from torsion.logger._file import FileLogObserver
from torsion.logger._flatten import flattenEvent
from torsion.logger._interfaces import LogEvent
from torsion.logger._jsonfailure import failureAsJSON, failureFromJSON
from torsion.logger._levels import LogLevel
from torsion.logger._logger import Logger
from torsion.python.failure import Failure

__all__ = [
    "eventAsJSON",
    "eventFromJSON",
    "eventsFromJSONLogFile",
    "jsonFileLogObserver",
    "log",
    "objectLoadHook",
    "objectSaveHook",
]

log = Logger()

JSONDict = dict[str, Any]

# The "__class_uuid__" tags, as Twisted writes them (compared without dashes, in lower case).
_LEVEL_UUID = "02e59486-f24d-46ad-8224-3acdf2a5732a"
_FAILURE_UUID = "e76887e2-20ed-49bf-a8f8-ba25cc586f2d"
_UNPERSISTABLE: JSONDict = {"unpersistable": True}


def objectSaveHook(pythonObject: object) -> JSONDict:
    """The JSON form of an object `json` cannot encode itself (``json.dump``'s ``default``)."""
    if isinstance(pythonObject, LogLevel):
        return {"name": pythonObject.name, "__class_uuid__": _LEVEL_UUID}
    if isinstance(pythonObject, Failure):
        try:
            return {**failureAsJSON(pythonObject), "__class_uuid__": _FAILURE_UUID}
        except Exception:
            pass
    return dict(_UNPERSISTABLE)


def objectLoadHook(aDict: JSONDict) -> object:
    """The object a loaded JSON object stands for (``json.load``'s ``object_hook``)."""
    tag = aDict.get("__class_uuid__")
    if not isinstance(tag, str):
        return aDict
    tag = tag.strip("{}").lower().removeprefix("urn:uuid:").replace("-", "")
    if tag == _LEVEL_UUID.replace("-", ""):
        name = aDict.get("name")
        return LogLevel._byName.get(name) if isinstance(name, str) else None
    if tag == _FAILURE_UUID.replace("-", ""):
        try:
            return failureFromJSON(aDict)
        except Exception:
            return aDict
    return aDict


def _default(unencodable: object) -> object:
    if isinstance(unencodable, bytes):
        return unencodable.decode("charmap")
    return objectSaveHook(unencodable)


def _encode(value: object) -> str:
    return json.dumps(value, default=_default, skipkeys=True)


def eventAsJSON(event: LogEvent) -> str:
    """``event`` as one line of JSON text (no newline in it); never raises.

    Keys that are not strings (or numbers, which become strings) are left out; a value that
    cannot be encoded at all (a structure containing itself) becomes unpersistable.
    """
    flattenEvent(event)
    try:
        return _encode(event)
    except (ValueError, TypeError, RecursionError):
        return _encode({key: _encodable(value) for key, value in event.items()})


def _encodable(value: object) -> object:
    try:
        _encode(value)
    except (ValueError, TypeError, RecursionError):
        return dict(_UNPERSISTABLE)
    return value


def eventFromJSON(eventText: str) -> JSONDict:
    """The event `eventAsJSON` (torsion's or Twisted's) saved as ``eventText``.

    Raises:
        ValueError: ``eventText`` is not JSON.
    """
    return cast(JSONDict, json.loads(eventText, object_hook=objectLoadHook))


def jsonFileLogObserver(outFile: IO[Any], recordSeparator: str = "\x1e") -> FileLogObserver:
    """A `FileLogObserver` writing each event as ``recordSeparator + JSON + "\\n"``.

    Args:
        outFile: Where to write (text, or binary to get UTF-8).
        recordSeparator: What starts each record ("" for plain JSON lines).
    """
    return FileLogObserver(outFile, lambda event: f"{recordSeparator}{eventAsJSON(event)}\n")


def _asBytes(data: AnyStr) -> bytes:
    return data if isinstance(data, bytes) else data.encode("utf-8")


def eventsFromJSONLogFile(
    inFile: IO[Any], recordSeparator: str | None = None, bufferSize: int = 4096
) -> Iterator[LogEvent]:
    """The events of a file `jsonFileLogObserver` wrote, lazily, in order.

    A record that is truncated, not UTF-8 or not JSON is skipped, and logged as an error.

    Args:
        inFile: A readable file (text, or UTF-8 bytes).
        recordSeparator: The separator the records start with; None detects ``"\\x1e"``
            from the first character, else reads plain JSON lines.
        bufferSize: How much to read at a time.
    """
    if recordSeparator is None:
        first = _asBytes(inFile.read(1))
        separator = first if first == b"\x1e" else b""
    else:
        first = b""
        separator = _asBytes(recordSeparator)
    framed = separator != b""  # a framed record is complete only with its final newline
    if not framed:
        separator = b"\n"
    buffer = bytearray(first)
    while True:
        data = inFile.read(bufferSize)
        if not data:
            break
        buffer += _asBytes(data)
        *records, buffer = buffer.split(separator)
        for record in records:
            if record:
                event = _readRecord(bytes(record), framed)
                if event is not None:
                    yield event
    if buffer:
        event = _readRecord(bytes(buffer), framed)
        if event is not None:
            yield event


def _readRecord(record: bytes, framed: bool) -> LogEvent | None:
    """The event in one record, or None (logged) if it cannot be read."""
    if framed and not record.endswith(b"\n"):
        log.error("Unable to read truncated JSON record: {record!r}", record=record)
        return None
    try:
        text = record.decode("utf-8")
    except UnicodeDecodeError:
        log.error("Unable to decode UTF-8 for JSON record: {record!r}", record=record)
        return None
    try:
        return eventFromJSON(text)
    except ValueError:
        log.error("Unable to read JSON record: {record!r}", record=record)
        return None
