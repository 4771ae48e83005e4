"""Every public module path and name that torsion ever offered still works.

``public_surface.json`` records, for each public module (no path component starting with an
underscore), its ``__all__`` and the other public names defined in the module itself. Moving
implementation between private modules must keep all of them importable; adding names is fine.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest

_SURFACE: dict[str, dict[str, list[str]]] = json.loads(
    (Path(__file__).parent / "public_surface.json").read_text()
)


@pytest.mark.parametrize("moduleName", sorted(_SURFACE))
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # A deprecated name is still there.
def test_public_names_still_importable(moduleName: str) -> None:
    module = importlib.import_module(moduleName)
    recorded = _SURFACE[moduleName]
    missingAll = sorted(set(recorded["__all__"]) - set(getattr(module, "__all__", [])))
    assert not missingAll, f"{moduleName}.__all__ lost {missingAll}"
    wanted = recorded["__all__"] + recorded["attributes"]
    missing = [name for name in wanted if not hasattr(module, name)]
    assert not missing, f"{moduleName} lost {missing}"
