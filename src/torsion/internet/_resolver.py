"""Twisted's ``twisted.internet._resolver`` names, where Twisted's code and tests import them.

The implementation is ``torsion.internet._reactors.resolver`` and ``.simpleresolver``.
"""

from __future__ import annotations

from torsion.internet._reactors.resolver import GAIResolver
from torsion.internet._reactors.simpleresolver import (
    ComplexResolverSimplifier,
    FirstOneWins,
    HostResolution,
    SimpleResolverComplexifier,
)

__all__ = [
    "ComplexResolverSimplifier",
    "FirstOneWins",
    "GAIResolver",
    "HostResolution",
    "SimpleResolverComplexifier",
]
