"""Twisted's ``twisted.trial.util`` names that tests refer to."""

from __future__ import annotations

from torsion.testing._janitor import DirtyReactorAggregateError
from torsion.testing._running import DEFAULT_TIMEOUT

__all__ = ["DEFAULT_TIMEOUT_DURATION", "DirtyReactorAggregateError"]

#: Seconds a test may wait on the reactor by default (trial's 120).
DEFAULT_TIMEOUT_DURATION = DEFAULT_TIMEOUT
