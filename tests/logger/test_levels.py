"""Tests for `torsion.logger._levels`."""

from __future__ import annotations

import pytest

from torsion.logger import InvalidLogLevelError, LogLevel


def test_fiveLevelsInOrder() -> None:
    names = [level.name for level in LogLevel.iterconstants()]
    assert names == ["debug", "info", "warn", "error", "critical"]
    assert LogLevel.debug < LogLevel.info < LogLevel.warn < LogLevel.error < LogLevel.critical


@pytest.mark.parametrize("level", list(LogLevel.iterconstants()))
def test_levelWithName(level: LogLevel) -> None:
    assert LogLevel.levelWithName(level.name) is level
    assert LogLevel.lookupByName(level.name) is level


def test_levelWithInvalidNameKeepsWhatWasGiven() -> None:
    bogus = "*bogus*"
    with pytest.raises(InvalidLogLevelError) as raised:
        LogLevel.levelWithName(bogus)
    assert raised.value.level is bogus
    assert str(raised.value) == bogus
