"""Twisted's Windows helpers (``twisted.python.win32``): error numbers and argument quoting.

torsion runs on POSIX systems; these are here because portable code and Twisted's tests import
them: the Windows error numbers that ``FilePath`` compares with, and the quoting that turns an
argument list into one Windows command line.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

__all__ = [
    "ERROR_DIRECTORY",
    "ERROR_FILE_NOT_FOUND",
    "ERROR_INVALID_NAME",
    "ERROR_PATH_NOT_FOUND",
    "O_BINARY",
    "FakeWindowsError",
    "WindowsError",
    "cmdLineQuote",
    "quoteArguments",
]

ERROR_FILE_NOT_FOUND = 2
ERROR_PATH_NOT_FOUND = 3
ERROR_INVALID_NAME = 123
ERROR_DIRECTORY = 267

#: ``os.O_BINARY`` where the platform has it (Windows), else 0: a no-op flag for ``os.open``.
O_BINARY: int = getattr(os, "O_BINARY", 0)


class FakeWindowsError(OSError):
    """Stands in for ``WindowsError`` where there is none (every POSIX system)."""


#: The platform's ``WindowsError``, or `FakeWindowsError` (so ``except WindowsError`` parses).
WindowsError: type[OSError] = getattr(__builtins__, "WindowsError", FakeWindowsError)

_BACKSLASHES_BEFORE_QUOTE = re.compile(r'(\\*)"')
_TRAILING_BACKSLASHES = re.compile(r"(\\+)\Z")


def cmdLineQuote(s: str) -> str:
    """Quote one argument so that Windows' argument parsing gives it back whole.

    An argument with a space, a tab, a double quote, or an empty one is put in double quotes;
    a double quote inside is escaped with a backslash, and the backslashes before it and at
    the end are doubled (as Twisted does, quoted or not).
    """
    quote = '"' if (" " in s or "\t" in s or '"' in s or s == "") else ""
    escaped = _TRAILING_BACKSLASHES.sub(r"\1\1", _BACKSLASHES_BEFORE_QUOTE.sub(r'\1\1\\"', s))
    return f"{quote}{escaped}{quote}"


def quoteArguments(arguments: Iterable[str]) -> str:
    """One Windows command line for ``arguments``, each quoted by `cmdLineQuote`."""
    return " ".join(cmdLineQuote(argument) for argument in arguments)
