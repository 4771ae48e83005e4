"""What Twisted's ``compat`` module still offers on Python 3: bytes and text helpers, ``cmp``.

Twisted kept this module through its Python 2 to 3 port; most of it became aliases of
builtins. torsion keeps the names that Python 3 code still imports from it (``nativeString``,
``networkString``, ``iterbytes``, ``comparable`` ...) with Twisted's behaviour, and leaves out
the aliases that only re-exported the standard library under its Python 2 names, except
``unicode``.
"""

from __future__ import annotations

import codecs
import io
import os
import sys
from collections.abc import Callable, Iterator
from types import FrameType, TracebackType
from typing import Any, AnyStr, NoReturn, TypeVar

__all__ = [
    "bytesEnviron",
    "cmp",
    "comparable",
    "currentframe",
    "execfile",
    "intToBytes",
    "ioType",
    "iterbytes",
    "lazyByteSlice",
    "nativeString",
    "networkString",
    "reraise",
    "unicode",
]

_TypeT = TypeVar("_TypeT", bound=type)

_PYPY = sys.implementation.name == "pypy"
"""True on PyPy, where a few behaviours (reference counting, ``object``'s methods) differ."""

unicode = str
"""Python 2's name for `str`, still imported by code ported from it."""


def nativeString(s: AnyStr) -> str:
    """Return `s` as `str`, decoding bytes as ASCII.

    Args:
        s: Bytes or text that must be ASCII.

    Raises:
        UnicodeError: `s` holds something other than ASCII (text is checked too, so the
            result always encodes back to the same bytes).
        TypeError: `s` is neither bytes nor str.
    """
    if isinstance(s, bytes):
        return s.decode("ascii")
    if isinstance(s, str):
        s.encode("ascii")
        return s
    raise TypeError(f"{s!r} is neither bytes nor str")


def networkString(s: str) -> bytes:
    """Return `s` encoded as ASCII, for text built by formatting that goes on the wire.

    Raises:
        UnicodeError: `s` is not ASCII.
        TypeError: `s` is not a `str` (bytes included: that mistake should not pass silently).
    """
    if not isinstance(s, str):
        raise TypeError("Can only convert strings to bytes")
    return s.encode("ascii")


def iterbytes(originalBytes: bytes) -> Iterator[bytes]:
    """Yield each byte of `originalBytes` as a one-byte `bytes` (Python 2's iteration)."""
    for i in range(len(originalBytes)):
        yield originalBytes[i : i + 1]


def intToBytes(i: int) -> bytes:
    """Return `i` as ASCII digits, ``b"%d" % i``."""
    return b"%d" % (i,)


def lazyByteSlice(
    object: bytes | bytearray | memoryview, offset: int = 0, size: int | None = None
) -> memoryview:
    """Return a view of `size` bytes (or all the rest) of `object` from `offset`: no copy."""
    view = memoryview(object)
    if size is None:
        return view[offset:]
    return view[offset : offset + size]


def cmp(a: Any, b: Any) -> int:
    """Python 2's ``cmp``: -1 if ``a < b``, 0 if ``a == b``, 1 otherwise."""
    if a < b:
        return -1
    if a == b:
        return 0
    return 1


def _fromCmp(test: Callable[[int], bool]) -> Callable[[Any, object], bool]:
    """A rich comparison method that asks ``__cmp__`` and tests its answer."""

    def compare(self: Any, other: object) -> bool:
        result = self.__cmp__(other)
        if result is NotImplemented:
            return result  # type: ignore[no-any-return]
        return test(result)

    return compare


def comparable(klass: _TypeT) -> _TypeT:
    """Class decorator: give `klass` the six rich comparisons, computed by its ``__cmp__``.

    ``__cmp__(other)`` returns a negative number, zero or a positive one, or `NotImplemented`
    (which each comparison passes on, so Python tries the other operand).
    """
    tests: dict[str, Callable[[int], bool]] = {
        "__eq__": lambda c: c == 0,
        "__ne__": lambda c: c != 0,
        "__lt__": lambda c: c < 0,
        "__le__": lambda c: c <= 0,
        "__gt__": lambda c: c > 0,
        "__ge__": lambda c: c >= 0,
    }
    for name, test in tests.items():
        setattr(klass, name, _fromCmp(test))
    return klass


def ioType(fileIshObject: object, default: type[Any] = str) -> type[Any]:
    """Return `str` if `fileIshObject` reads and writes text, `bytes` if binary, else `default`.

    Files of the `io` module say so by their class; codecs' stream readers and writers are text
    when they have an encoding.
    """
    if isinstance(fileIshObject, io.TextIOBase):
        return str
    if isinstance(fileIshObject, io.IOBase):
        return bytes
    if isinstance(fileIshObject, codecs.StreamReader | codecs.StreamWriter):
        return str if getattr(fileIshObject, "encoding", None) else bytes
    return default


def currentframe(n: int = 0) -> FrameType:
    """Return the frame `n` levels above the caller's (0 is the caller's own)."""
    frame: FrameType | None = sys._getframe()
    for _ in range(n + 1):
        assert frame is not None
        frame = frame.f_back
    assert frame is not None
    return frame


def execfile(filename: str, globals: dict[str, Any], locals: dict[str, Any] | None = None) -> None:
    """Run the Python file `filename` in the given namespaces (Python 2's ``execfile``)."""
    with open(filename, "rb") as source:
        code = compile(source.read(), filename, "exec")
    exec(code, globals, globals if locals is None else locals)


def bytesEnviron() -> dict[bytes, bytes]:
    """This process's environment with names and values as bytes (POSIX: ``os.environb``)."""
    return dict(os.environb)


def reraise(exception: BaseException, traceback: TracebackType | None) -> NoReturn:
    """Raise ``exception`` with ``traceback`` (Python 2's three-argument ``raise``)."""
    raise exception.with_traceback(traceback)
