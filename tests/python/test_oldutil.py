"""Tests for `torsion.python._oldutil` (public in `torsion.python.util`)."""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from twisted.python import util as twistedUtil

from torsion.python import util
from torsion.python.util import (
    IntervalDifferential,
    LineLog,
    addPluginDir,
    getPluginDirs,
    println,
    raises,
    searchupwards,
    str_xor,
)


def test_the_names_are_utils() -> None:
    for name in ("IntervalDifferential", "LineLog", "raises", "searchupwards", "str_xor"):
        assert name in util.__all__


def test_println(capsys: pytest.CaptureFixture[str]) -> None:
    println("a", 1, None)
    println()
    assert capsys.readouterr().out == "a 1 None\n\n"


def test_str_xor_is_its_own_inverse() -> None:
    assert str_xor("abc", 1) == "`cb"
    assert str_xor(str_xor("héllo", 42), 42) == "héllo"


def test_raises() -> None:
    assert raises(ZeroDivisionError, divmod, 1, 0) == 1
    assert raises(ZeroDivisionError, divmod, 1, 1) == 0
    with pytest.raises(ZeroDivisionError):
        raises(TypeError, divmod, 1, 0)


def test_searchupwards(tmp_path: Path) -> None:
    deep = tmp_path / "a" / "b" / "c"
    deep.mkdir(parents=True)
    (tmp_path / "foo.txt").touch()
    (tmp_path / "a" / "foo.txt").touch()
    (tmp_path / "bar").mkdir()
    (tmp_path / "a" / "b" / "bar").mkdir()
    assert searchupwards(str(deep), files=["foo.txt"], dirs=["bar"]) == f"{tmp_path}{os.sep}"
    assert searchupwards(str(deep), dirs=["bar"]) == f"{deep.parent}{os.sep}"
    assert searchupwards(str(deep), files=["no such file here"]) is None


def test_LineLog_keeps_the_last_lines() -> None:
    log = LineLog(2)
    assert bytes(log) == b""
    for line in (b"one", b"two", b"three"):
        log.append(line)
    assert bytes(log) == log.str() == b"two\nthree"
    assert log[0] == b"two" and log[-1] == b"three"
    log.clear()
    assert bytes(log) == b"" and log.log == [None, None]


def test_an_unbounded_LineLog() -> None:
    for size in (0, -5):
        log = LineLog(size)
        for n in range(50):
            log.append(b"%d" % n)
        assert log[0] == b"0" and log[49] == b"49"


def test_IntervalDifferential_without_intervals_gives_the_default() -> None:
    schedule = iter(IntervalDifferential([], 10))
    assert [next(schedule) for _ in range(3)] == [(10, None)] * 3


def test_IntervalDifferential_merges_the_instants() -> None:
    schedule = iter(IntervalDifferential([7, 11, 13]))
    expected = [(7, 0), (4, 1), (2, 2), (1, 0), (7, 0), (1, 1), (4, 2), (2, 0), (5, 1), (2, 0)]
    assert [next(schedule) for _ in expected] == expected


def test_IntervalDifferential_add_and_remove() -> None:
    schedule = iter(IntervalDifferential([], 10))
    assert next(schedule) == (10, None)
    schedule.addInterval(3)
    assert [next(schedule), next(schedule)] == [(3, 0), (3, 0)]
    schedule.addInterval(6)
    assert [next(schedule) for _ in range(3)] == [(3, 0), (3, 0), (0, 1)]
    schedule.removeInterval(3)
    assert next(schedule) == (6, 0)  # The interval of 6 moved down to index 0.
    schedule.removeInterval(6)
    assert next(schedule) == (10, None)
    with pytest.raises(ValueError):
        schedule.removeInterval(6)


def test_the_iterator_is_iterable() -> None:
    schedule = iter(IntervalDifferential([2]))
    assert iter(schedule) is schedule


@given(
    st.lists(st.integers(1, 20), max_size=4).map(sorted),
    st.lists(st.tuples(st.booleans(), st.integers(1, 20)), max_size=6),
)
def test_IntervalDifferential_is_twisteds(
    intervals: list[int], changes: list[tuple[bool, int]]
) -> None:
    ours = iter(IntervalDifferential(intervals, 5))
    twistedIntervals: Any = twistedUtil.IntervalDifferential  # untyped
    theirs = iter(twistedIntervals(intervals, 5))
    for add, interval in changes:
        assert [next(ours) for _ in range(3)] == [next(theirs) for _ in range(3)]
        if add:
            ours.addInterval(interval)
            theirs.addInterval(interval)
        elif interval in [t.interval for t in ours.intervals]:
            ours.removeInterval(interval)
            theirs.removeInterval(interval)
    assert [next(ours) for _ in range(10)] == [next(theirs) for _ in range(10)]


def test_the_plugin_directory_functions_are_deprecated(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".twisted").mkdir()
    with pytest.warns(DeprecationWarning, match=r"util\.getPluginDirs is deprecated since"):
        found = list(getPluginDirs())
    assert str(tmp_path / ".twisted") in found
    monkeypatch.setattr(sys, "path", list(sys.path))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        addPluginDir()
    assert [str(w.message) for w in caught] == [
        "torsion.python.util.addPluginDir is deprecated since Twisted 12.2.",
        "torsion.python.util.getPluginDirs is deprecated since Twisted 12.2.",
    ]
    assert sys.path[-1] == str(tmp_path / ".twisted")
