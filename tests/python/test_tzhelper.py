"""torsion.python._tzhelper: fixed-offset time zones, UTC, and the local zone's offset fixed."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC as STDLIB_UTC
from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from torsion.python._tzhelper import UTC, FixedOffsetTimeZone


@pytest.fixture
def localZone() -> Iterator[None]:
    """Let a test set ``$TZ``; the zone the process had comes back afterwards."""
    before = os.environ.get("TZ")
    yield
    if before is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = before
    time.tzset()


def _setZone(name: str) -> None:
    os.environ["TZ"] = name
    time.tzset()


def test_utc() -> None:
    """UTC is the zero offset, named +00:00, never in daylight saving."""
    assert UTC.utcoffset(None) == timedelta(0)
    assert UTC.dst(None) == timedelta(0)
    assert UTC.tzname(None) == "+00:00"
    assert datetime(2020, 1, 2, tzinfo=UTC) == datetime(2020, 1, 2, tzinfo=STDLIB_UTC)


@given(
    st.sampled_from(["+", "-"]),
    st.integers(min_value=0, max_value=23),
    st.integers(min_value=0, max_value=59),
)
def test_from_sign_hours_minutes(sign: str, hours: int, minutes: int) -> None:
    """The offset is signed as asked and the name spells it, always with a sign."""
    zone = FixedOffsetTimeZone.fromSignHoursMinutes(sign, hours, minutes)
    magnitude = timedelta(hours=hours, minutes=minutes)
    assert zone.utcoffset(None) == (magnitude if sign == "+" else -magnitude)
    assert zone.tzname(None) == f"{sign}{hours:02d}:{minutes:02d}"
    assert zone.dst(datetime(2000, 6, 1)) == timedelta(0)


@given(st.text(max_size=3).filter(lambda s: s not in ("+", "-")))
def test_from_sign_hours_minutes_refuses_other_signs(sign: str) -> None:
    """Only + and - are signs (not Z, not an empty string)."""
    with pytest.raises(ValueError, match="Invalid sign"):
        FixedOffsetTimeZone.fromSignHoursMinutes(sign, 1, 0)


def test_unnamed_zone_is_named_by_its_offset() -> None:
    """Without a name, tzname spells the offset as UTC+HHMM."""
    assert FixedOffsetTimeZone(timedelta(hours=-5)).tzname(None) == "UTC-0500"
    assert FixedOffsetTimeZone(timedelta(hours=5, minutes=30)).tzname(None) == "UTC+0530"


@pytest.mark.usefixtures("localZone")
@pytest.mark.parametrize(
    ("zone", "summer", "winter"),
    [
        ("UTC+00", timedelta(0), timedelta(0)),
        ("EST+05EDT,M4.1.0,M10.5.0", timedelta(hours=-4), timedelta(hours=-5)),
        ("CEST-01CEDT,M4.1.0,M10.5.0", timedelta(hours=2), timedelta(hours=1)),
        ("CST+06", timedelta(hours=-6), timedelta(hours=-6)),
    ],
)
def test_from_local_time_stamp(zone: str, summer: timedelta, winter: timedelta) -> None:
    """The local zone's offset at a moment, daylight saving included, fixed in a zone."""
    _setZone(zone)
    june = time.mktime((2006, 6, 30, 0, 0, 0, 4, 181, 1))
    january = time.mktime((2007, 1, 31, 0, 0, 0, 2, 31, 0))
    assert FixedOffsetTimeZone.fromLocalTimeStamp(june).utcoffset(None) == summer
    assert FixedOffsetTimeZone.fromLocalTimeStamp(january).utcoffset(None) == winter
    assert FixedOffsetTimeZone.fromLocalTimeStamp(june).dst(None) == timedelta(0)


def test_repr() -> None:
    """The repr shows the offset and the name."""
    assert repr(UTC) == "FixedOffsetTimeZone(datetime.timedelta(0), '+00:00')"
