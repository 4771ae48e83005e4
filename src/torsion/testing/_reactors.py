"""The reactors tests run on: a registry by name, fresh instances, and the global reactor.

The names are torsion's one registry of reactors (``torsion.internet._reactors.registry``),
which ``torsion.internet.default`` uses too; here they serve the pytest plugin
(``--torsion-reactor``, the ``reactor`` fixture, the ``reactors`` parametrization) and
`torsion.trial.unittest.TestCase` (which runs on the global reactor).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, cast

from torsion.internet._reactors import registry

if TYPE_CHECKING:
    from torsion.internet.interfaces import IFullReactor

__all__ = [
    "REACTORS",
    "ReactorUnavailable",
    "availableReactors",
    "defaultReactorName",
    "globalReactor",
    "installedReactor",
    "makeReactor",
    "reactorName",
    "unavailableReason",
]

_GLOBAL = "torsion.internet.reactor"

#: Every reactor name torsion knows, installed on this platform or not.
REACTORS = registry.REACTORS
reactorName = registry.reactorName
unavailableReason = registry.unavailableReason


class ReactorUnavailable(RuntimeError):
    """The named reactor cannot run on this platform (its backend is missing)."""


def availableReactors() -> list[str]:
    """The names of the reactors that can run on this platform, in `REACTORS` order."""
    return [name for name in REACTORS if unavailableReason(name) is None]


def defaultReactorName() -> str:
    """The reactor ``torsion.internet.default.install`` would choose on this platform.

    Raises:
        ValueError: ``$TORSION_REACTOR`` names no reactor torsion knows.
    """
    from torsion.internet import default

    name = default.defaultReactorName()
    registry.spec(name)  # an unknown name fails here, with the list of known ones
    return name


def makeReactor(name: str | None = None) -> IFullReactor:
    """A new, not installed reactor called ``name`` (default: the platform's default).

    Raises:
        ValueError: ``name`` is not a known reactor.
        ReactorUnavailable: It cannot run on this platform.
    """
    name = defaultReactorName() if name is None else name
    reason = unavailableReason(name)
    if reason is not None:
        raise ReactorUnavailable(f"reactor {name!r} is unavailable: {reason}")
    return cast("IFullReactor", registry.reactorClass(name)())


def installedReactor() -> IFullReactor | None:
    """The global reactor if one is installed, without installing one."""
    return cast("IFullReactor | None", sys.modules.get(_GLOBAL))


def globalReactor(name: str | None = None) -> IFullReactor:
    """The global reactor, installing a new ``name`` reactor first if none is installed.

    This is the reactor ``from torsion.internet import reactor`` gives, so code under test that
    uses the global reactor and the test runner agree on it.
    """
    installed = installedReactor()
    if installed is not None:
        return installed
    from torsion.internet.main import installReactor

    reactor = makeReactor(name)
    installReactor(reactor)
    return reactor
