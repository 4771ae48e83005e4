"""`LogLevel`, the importance of an event, and `InvalidLogLevelError`.

The five levels of Twisted's logger, ordered from ``debug`` (of interest to a developer) to
``critical`` (a failure that needs attention now): ``LogLevel.debug < LogLevel.warn``.
"""

from __future__ import annotations

from typing import ClassVar

from torsion.logger._constants import NamedConstant

__all__ = ["InvalidLogLevelError", "LogLevel"]


class InvalidLogLevelError(Exception):
    """Something that is not one of the `LogLevel` constants was used as a level.

    Attributes:
        level: What was given (kept as it is, not converted).
    """

    def __init__(self, level: object) -> None:
        super().__init__(str(level))
        self.level = level


class LogLevel(NamedConstant):
    """The level of a log event.

    * ``debug``: of interest to whoever debugs the software, not to whoever runs it.
    * ``info``: routine information (a connection came in, a service started).
    * ``warn``: worth attention but not a failure of the system (a client sent bad data).
    * ``error``: a failure of the system (an unhandled programming error, a lost database).
    * ``critical``: a failure that must be handled now (an outage, lost data).
    """

    __slots__ = ()

    debug: ClassVar[LogLevel]
    info: ClassVar[LogLevel]
    warn: ClassVar[LogLevel]
    error: ClassVar[LogLevel]
    critical: ClassVar[LogLevel]

    @classmethod
    def levelWithName(cls, name: str) -> LogLevel:
        """The level called ``name``; `InvalidLogLevelError` if there is none."""
        try:
            return cls.lookupByName(name)
        except ValueError:
            raise InvalidLogLevelError(name) from None


LogLevel._define("debug", "info", "warn", "error", "critical")
