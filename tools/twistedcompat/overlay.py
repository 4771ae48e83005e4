"""Twisted's test packages, copied and rewritten so that they import torsion instead of Twisted.

Every ``test`` directory of the installed Twisted is copied under ``<overlay>/torsion/`` at the
same relative place (``twisted/internet/test`` becomes ``torsion/internet/test``), with its data
files. In Python files, ``twisted`` becomes ``torsion`` in imports and in dotted names, also
inside strings (``"twisted.internet.reactor"``). Nothing of Twisted's is committed: the copy is
made from the Twisted installed by the ``test`` extra, into a temporary directory.

The copies are not a package of their own: the runner's pytest plugin adds each overlay
directory to the ``__path__`` of the real torsion package at the same place, so that
``torsion.internet.test.reactormixins`` is importable next to ``torsion.internet.tcp``.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

__all__ = ["TEST_DIRECTORY", "build", "rewrite"]

TEST_DIRECTORY = "test"

# A dotted name starting with the package (twisted.internet, "twisted.python.log"), and the
# bare package in an import statement (import twisted; from twisted import version).
_DOTTED = re.compile(r"(?<![\w.-])twisted(?=\.[A-Za-z_])")
_IMPORT = re.compile(r"^(\s*(?:from|import)\s+)twisted\b", re.MULTILINE)


def rewrite(source: str) -> str:
    """``source`` with ``twisted`` renamed to ``torsion`` in imports and dotted names."""
    return _IMPORT.sub(r"\1torsion", _DOTTED.sub("torsion", source))


def build(twistedRoot: Path, overlay: Path) -> list[Path]:
    """Copy and rewrite every test directory of ``twistedRoot`` under ``overlay/torsion``.

    Each directory between ``overlay/torsion`` and a test directory gets an empty
    ``__init__.py``, so pytest names the test modules by their dotted torsion names.

    Returns:
        The test directories made, under ``overlay``.
    """
    made = []
    for source in sorted(twistedRoot.rglob(TEST_DIRECTORY)):
        if not source.is_dir() or not (source / "__init__.py").exists():
            continue
        target = overlay / "torsion" / source.relative_to(twistedRoot)
        _copyTree(source, target)
        for parent in [target.parent, *target.parent.parents]:
            if parent == overlay:
                break
            (parent / "__init__.py").touch()
        made.append(target)
    if made:
        (overlay / "torsion" / "__init__.py").write_text(_TOP_PACKAGE, encoding="utf-8")
    return made


# The overlay's own ``torsion/__init__.py``. A test that starts a child Python with its own
# sys.path puts the overlay first there, where ``import torsion`` would find this directory
# instead of torsion: so it loads the real package in its place.
_TOP_PACKAGE = '''"""Stands in for torsion only where the overlay comes first on sys.path
(a child process of a test): it loads the real torsion package in its place, and lets the
modules that are only in the overlay (``torsion.test.process_twisted``) import after it."""

import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys

_overlay = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class _OverlayFinder(importlib.abc.MetaPathFinder):
    """Finds, after every other finder, the torsion modules that only the overlay has."""

    def find_spec(self, name, path=None, target=None):
        if not name.startswith("torsion."):
            return None
        base = os.path.join(_overlay, *name.split("."))
        module, package = base + ".py", os.path.join(base, "__init__.py")
        for candidate, isPackage in ((module, False), (package, True)):
            if os.path.exists(candidate):
                locations = [os.path.dirname(candidate)] if isPackage else None
                return importlib.util.spec_from_file_location(
                    name, candidate, submodule_search_locations=locations
                )
        return None


_path = [p for p in sys.path if os.path.abspath(p or os.curdir) != _overlay]
_spec = importlib.machinery.PathFinder.find_spec("torsion", _path)
_real = importlib.util.module_from_spec(_spec)
sys.modules["torsion"] = _real
_spec.loader.exec_module(_real)
sys.meta_path.append(_OverlayFinder())
'''


def _copyTree(source: Path, target: Path) -> None:
    for path in source.rglob("*"):
        if "__pycache__" in path.parts or path.is_dir():
            continue
        destination = target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".py":
            destination.write_text(rewrite(path.read_text(encoding="utf-8")), encoding="utf-8")
        else:
            shutil.copy2(path, destination)
