"""Time zones of a fixed offset from UTC, without daylight saving (Twisted's ``_tzhelper``).

The log formatters render an event's time in the zone the machine was in at that moment:
`FixedOffsetTimeZone.fromLocalTimeStamp` captures that zone's offset (daylight saving
included) as a zone that never changes, so a time formats the same whenever it is rendered.
`UTC` is the zero offset, named ``+00:00``.
"""

from __future__ import annotations

from datetime import UTC as _STDLIB_UTC
from datetime import datetime, timedelta, tzinfo

__all__ = ["UTC", "FixedOffsetTimeZone"]

_NO_DST = timedelta(0)


class FixedOffsetTimeZone(tzinfo):
    """A time zone always ``offset`` away from UTC.

    Attributes:
        offset: How far ahead of UTC (negative: behind) the zone's clocks are.
        name: What `tzname` says, or None for the offset as ``UTC+HHMM``.
    """

    def __init__(self, offset: timedelta, name: str | None = None) -> None:
        self.offset = offset
        self.name = name

    @classmethod
    def fromSignHoursMinutes(cls, sign: str, hours: int, minutes: int) -> FixedOffsetTimeZone:
        """The zone ``sign`` ``hours``:``minutes`` from UTC, named as that (``-05:00``).

        ``+00:00`` is never called ``Z`` (AMP's wire format depends on it).

        Raises:
            ValueError: ``sign`` is neither ``"+"`` nor ``"-"``.
        """
        if sign not in ("+", "-"):
            raise ValueError(f"Invalid sign for timezone {sign!r}")
        name = f"{sign}{hours:02d}:{minutes:02d}"
        delta = timedelta(hours=hours, minutes=minutes)
        return cls(-delta if sign == "-" else delta, name)

    @classmethod
    def fromLocalTimeStamp(cls, timeStamp: float) -> FixedOffsetTimeZone:
        """The offset the local time zone had at ``timeStamp`` (seconds since the epoch), fixed.

        Daylight saving in force at that moment is part of the offset.
        """
        local = datetime.fromtimestamp(timeStamp)
        utc = datetime.fromtimestamp(timeStamp, _STDLIB_UTC).replace(tzinfo=None)
        return cls(local - utc)

    def utcoffset(self, dt: datetime | None) -> timedelta:
        """Return the offset, the same for every ``dt``."""
        return self.offset

    def dst(self, dt: datetime | None) -> timedelta:
        """Return zero: the offset already includes any daylight saving."""
        return _NO_DST

    def tzname(self, dt: datetime | None) -> str:
        """Return the name given, or else ``UTC`` and the offset (``UTC-0500``)."""
        if self.name is not None:
            return self.name
        return datetime.fromtimestamp(0, self).strftime("UTC%z")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.offset!r}, {self.name!r})"


UTC = FixedOffsetTimeZone.fromSignHoursMinutes("+", 0, 0)
"""Coordinated Universal Time, named ``+00:00``."""
