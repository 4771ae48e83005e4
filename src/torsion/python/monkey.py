"""`MonkeyPatcher`: replace attributes for a while, then put the originals back.

Tests use it to swap a function or constant for the length of a call or a ``with`` block.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import ParamSpec, TypeVar

__all__ = ["MonkeyPatcher"]

_T = TypeVar("_T")
_P = ParamSpec("_P")


class MonkeyPatcher:
    """A set of patches ``(obj, name, value)``: `patch` sets them, `restore` undoes them.

    Args:
        patches: ``(obj, name, value)`` triples, as `addPatch` takes them.
    """

    def __init__(self, *patches: tuple[object, str, object]) -> None:
        self._patchesToApply: list[tuple[object, str, object]] = []
        # What each patched attribute held before the first patch (obj, name, value).
        self._originals: list[tuple[object, str, object]] = []
        for patch in patches:
            self.addPatch(*patch)

    def addPatch(self, obj: object, name: str, value: object) -> None:
        """Have `patch` set ``obj.<name>`` to `value`."""
        self._patchesToApply.append((obj, name, value))

    def _alreadyPatched(self, obj: object, name: str) -> bool:
        return any((o, n) == (obj, name) for o, n, _ in self._originals)

    def patch(self) -> None:
        """Apply every patch, remembering each attribute's original value for `restore`.

        An attribute patched twice keeps its very first original, so `restore` gets back to
        where things were before any patch.
        """
        for obj, name, value in self._patchesToApply:
            if not self._alreadyPatched(obj, name):
                self._originals.append((obj, name, getattr(obj, name)))
            setattr(obj, name, value)

    def restore(self) -> None:
        """Put back every original value, last patched first; a second call does nothing."""
        while self._originals:
            obj, name, value = self._originals.pop()
            setattr(obj, name, value)

    def __enter__(self) -> None:
        self.patch()

    def __exit__(
        self,
        excType: type[BaseException] | None = None,
        excValue: BaseException | None = None,
        excTraceback: TracebackType | None = None,
    ) -> None:
        self.restore()

    def runWithPatches(self, f: Callable[_P, _T], *args: _P.args, **kw: _P.kwargs) -> _T:
        """Call ``f(*args, **kw)`` with the patches applied, restoring them however it ends."""
        self.patch()
        try:
            return f(*args, **kw)
        finally:
            self.restore()
