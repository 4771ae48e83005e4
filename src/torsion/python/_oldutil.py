"""The older helpers of Twisted's ``twisted.python.util``, for programs that still use them.

Public in ``torsion.python.util``. They are small and self-contained: schedules of repeating
intervals, a bounded log of lines, a search for a directory upwards, and the plugin-directory
functions Twisted deprecated in 12.2 (still warning as Twisted's do).
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "IntervalDifferential",
    "LineLog",
    "addPluginDir",
    "getPluginDirs",
    "println",
    "raises",
    "searchupwards",
    "str_xor",
]


def getPluginDirs() -> Iterator[str]:
    """The plugin directories that exist: next to the package, ``~/TwistedPlugins``, ``~/.twisted``.

    Deprecated (as in Twisted since 12.2): plugins are found on ``sys.path``.
    """
    warnings.warn(
        "torsion.python.util.getPluginDirs is deprecated since Twisted 12.2.",
        DeprecationWarning,
        stacklevel=2,
    )
    packageDir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    besidePackage = os.path.join(os.path.dirname(packageDir), "plugins")
    candidates = [besidePackage, *map(os.path.expanduser, ("~/TwistedPlugins", "~/.twisted"))]
    return filter(os.path.isdir, candidates)


def addPluginDir() -> None:
    """Append `getPluginDirs` to ``sys.path``. Deprecated (as in Twisted since 12.2)."""
    warnings.warn(
        "torsion.python.util.addPluginDir is deprecated since Twisted 12.2.",
        DeprecationWarning,
        stacklevel=2,
    )
    sys.path.extend(getPluginDirs())


def println(*a: object) -> None:
    """Write the ``str`` of each argument to stdout, separated by spaces, then a newline."""
    sys.stdout.write(" ".join(map(str, a)) + "\n")


def str_xor(s: str, b: int) -> str:
    """Return `s` with each character's code point XORed with `b`."""
    return "".join(chr(ord(c) ^ b) for c in s)


def searchupwards(start: str, files: Sequence[str] = (), dirs: Sequence[str] = ()) -> str | None:
    """Return the nearest directory, from `start` up to the root, that has all `files` and `dirs`.

    The result ends with a separator; None if no directory on the way qualifies.
    """
    segments = os.path.abspath(start).split(os.sep)
    while segments:
        candidate = os.sep.join(segments) + os.sep
        if all(os.path.exists(candidate + f) for f in files) and all(
            os.path.isdir(candidate + d) for d in dirs
        ):
            return candidate
        segments.pop()
    return None


def raises(
    exception: type[BaseException], f: Callable[..., object], *args: Any, **kwargs: Any
) -> int:
    """Return 1 if ``f(*args, **kwargs)`` raises `exception`, else 0 (other errors propagate)."""
    try:
        f(*args, **kwargs)
    except exception:
        return 1
    return 0


class LineLog:
    """The last `size` lines appended (all of them if `size` is 0), oldest first.

    Protocols such as SMTP keep one to quote the recent conversation in an error.
    """

    def __init__(self, size: int = 10) -> None:
        self.size = max(size, 0)
        self.log: list[bytes | None] = [None] * self.size

    def append(self, line: bytes) -> None:
        """Add `line`, dropping the oldest when the log is full."""
        self.log.append(line)
        if self.size:
            del self.log[0]

    def str(self) -> bytes:
        """The lines joined by newlines (Twisted's name for `bytes(log)`)."""
        return bytes(self)

    def __bytes__(self) -> bytes:
        return b"\n".join(self._lines())

    def __getitem__(self, item: int) -> bytes:
        return self._lines()[item]

    def clear(self) -> None:
        """Forget every line."""
        self.log = [None] * self.size

    def _lines(self) -> list[bytes]:
        return [line for line in self.log if line]


class IntervalDifferential:
    """The waits between the instants of several repeating intervals, merged.

    Iterating gives ``(wait, index)`` pairs: how long after the previous instant the next one
    comes, and which interval (its position in `intervals`) it belongs to. Intervals 7, 11 and
    13 give ``(7, 0) (4, 1) (2, 2) (1, 0) (7, 0) ...``; instants that coincide come in order of
    interval, then index, with a wait of 0. With no interval, every item is ``(default, None)``.
    The iterator's `addInterval` and `removeInterval` change the schedule as it runs.
    """

    def __init__(self, intervals: Sequence[float], default: float = 60) -> None:
        self.intervals = list(intervals)
        self.default = default

    def __iter__(self) -> _IntervalDifferentialIterator:
        return _IntervalDifferentialIterator(self.intervals, self.default)


@dataclass(order=True)
class _Timer:
    """One interval's next instant; ordered so coinciding instants come by interval, index."""

    due: float
    interval: float
    index: int


class _IntervalDifferentialIterator:
    """The running schedule of an `IntervalDifferential`."""

    def __init__(self, intervals: Iterable[float], default: float) -> None:
        self.intervals = [_Timer(i, i, n) for n, i in enumerate(intervals)]
        self.intervals.sort()
        self.default = default
        self.last: float = 0

    def __iter__(self) -> _IntervalDifferentialIterator:
        return self

    def __next__(self) -> tuple[float, int | None]:
        if not self.intervals:
            return (self.default, None)
        first = self.intervals[0]
        due, index = first.due, first.index
        first.due += first.interval
        self.intervals.sort()
        wait, self.last = due - self.last, due
        return wait, index

    def addInterval(self, i: float) -> None:
        """Add interval `i`, counted from the last instant of the interval due next."""
        if self.intervals:
            head = self.intervals[0]
            start = head.due - head.interval
        else:
            start = 0
        self.intervals.append(_Timer(start + i, i, len(self.intervals)))
        self.intervals.sort()

    def removeInterval(self, interval: float) -> None:
        """Remove one interval of length `interval`; those after it move down one index.

        Raises:
            ValueError: There is no such interval.
        """
        for position, timer in enumerate(self.intervals):
            if timer.interval == interval:
                del self.intervals[position]
                for other in self.intervals:
                    if other.index > timer.index:
                        other.index -= 1
                return
        raise ValueError("Specified interval not in IntervalDifferential")
