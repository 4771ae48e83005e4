"""`default._getInstallFunction`: the install function of the best reactor for a platform."""

from __future__ import annotations

from torsion.internet import default
from torsion.internet._reactors import registry
from torsion.python.runtime import Platform


def test_linuxGetsTheRegistrysBest() -> None:
    install = default._getInstallFunction(Platform("posix", "linux"))
    expected = registry.bestReactorName(Platform("posix", "linux"))
    assert install.__module__ == registry.spec(expected).module


def test_windowsGetsSelect() -> None:
    install = default._getInstallFunction(Platform("nt", "win32"))
    assert install.__module__ == registry.spec("select").module
