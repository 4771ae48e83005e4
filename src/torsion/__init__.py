"""torsion: an event-driven networking framework with Twisted's API, typed and fast.

``torsion.__version__`` is the installed distribution's version string and ``torsion.version``
the same as a `torsion.python.versions.Version`, as ``twisted.__version__`` and
``twisted.version`` are. Both are read on first use, not at import: `importlib.metadata` takes
tens of milliseconds to load, and every ``import torsion.<anything>`` runs this module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from torsion.python.versions import Version

    __version__: str
    version: Version

# The version when torsion runs from a source tree that was never installed (no metadata).
_UNINSTALLED_VERSION = "0.1.0"


if not TYPE_CHECKING:  # hidden from mypy, which would otherwise accept any attribute name

    def __getattr__(name: str) -> object:
        """Compute `__version__` and `version` on first access, then keep them."""
        if name not in ("__version__", "version"):
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        from importlib import metadata

        from torsion.python.versions import parseVersion

        try:
            text = metadata.version(__name__)
        except metadata.PackageNotFoundError:
            text = _UNINSTALLED_VERSION
        globals().update(__version__=text, version=parseVersion(__name__, text))
        return globals()[name]
