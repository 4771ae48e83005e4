"""`torsion.python._tzhelper`: fixed-offset time zones (Twisted's names)."""

from __future__ import annotations

import time
from datetime import UTC as stdlibUTC
from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from torsion.python._tzhelper import UTC, FixedOffsetTimeZone


@given(st.sampled_from("+-"), st.integers(0, 23), st.integers(0, 59))
def test_signHoursMinutes(sign: str, hours: int, minutes: int) -> None:
    zone = FixedOffsetTimeZone.fromSignHoursMinutes(sign, hours, minutes)
    expected = timedelta(hours=hours, minutes=minutes) * (-1 if sign == "-" else 1)
    assert zone.utcoffset(None) == expected
    assert zone.dst(None) == timedelta(0)
    assert zone.tzname(None) == f"{sign}{hours:02d}:{minutes:02d}"


def test_badSign() -> None:
    with pytest.raises(ValueError):
        FixedOffsetTimeZone.fromSignHoursMinutes("*", 1, 0)


def test_utcIsNamedWithItsOffset() -> None:
    assert UTC.utcoffset(None) == timedelta(0) and UTC.tzname(None) == "+00:00"


def test_fromLocalTimeStamp(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "EST+05EDT,M4.1.0,M10.5.0")
    time.tzset()
    try:
        winter = datetime(2026, 1, 15, 12, tzinfo=stdlibUTC).timestamp()
        summer = datetime(2026, 7, 15, 12, tzinfo=stdlibUTC).timestamp()
        assert FixedOffsetTimeZone.fromLocalTimeStamp(winter).utcoffset(None) == timedelta(hours=-5)
        assert FixedOffsetTimeZone.fromLocalTimeStamp(summer).utcoffset(None) == timedelta(hours=-4)
    finally:
        monkeypatch.undo()
        time.tzset()
