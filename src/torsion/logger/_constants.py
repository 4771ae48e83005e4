"""`NamedConstant`: a small set of named, ordered, singleton values (Twisted's ``constantly``).

Twisted's log levels and filter results are ``constantly.Names`` containers. torsion's core uses
only the standard library, so this module gives the same behaviour in a few lines: a class
whose instances are its constants, made once by `NamedConstant._define`, looked up by name,
iterated and ordered in definition order, and kept unique by ``copy`` and ``pickle``.

The constants are instances of their own class (``LogLevel.info`` is a ``LogLevel``), so a
parameter annotated ``level: LogLevel`` accepts exactly the levels.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar, TypeVar

__all__ = ["NamedConstant"]

_ConstantT = TypeVar("_ConstantT", bound="NamedConstant")


class NamedConstant:
    """One constant of a subclass; the subclass is its container.

    Attributes:
        name: The constant's name (``"info"``).
    """

    __slots__ = ("_index", "name")

    # Set by _define on each container class.
    _byName: ClassVar[dict[str, NamedConstant]]
    _ordered: ClassVar[tuple[NamedConstant, ...]]

    name: str
    _index: int

    def __init__(self) -> None:
        raise TypeError(f"{type(self).__name__} constants are fixed; use its attributes")

    @classmethod
    def _define(cls, *names: str) -> None:
        """Make one constant of ``cls`` per name, in order, as class attributes."""
        constants = []
        for index, name in enumerate(names):
            constant = object.__new__(cls)
            constant.name = name
            constant._index = index
            setattr(cls, name, constant)
            constants.append(constant)
        cls._ordered = tuple(constants)
        cls._byName = {constant.name: constant for constant in constants}

    @classmethod
    def lookupByName(cls: type[_ConstantT], name: str) -> _ConstantT:
        """The constant called ``name``; ValueError if there is none."""
        constant = cls._byName.get(name) if isinstance(name, str) else None
        if constant is None:
            raise ValueError(name)
        return constant  # type: ignore[return-value]  # _byName holds instances of cls

    @classmethod
    def iterconstants(cls: type[_ConstantT]) -> Iterator[_ConstantT]:
        """The constants, in the order they were defined."""
        return iter(cls._ordered)  # type: ignore[arg-type]  # _ordered holds instances of cls

    def __repr__(self) -> str:
        return f"<{type(self).__name__}={self.name}>"

    def __lt__(self, other: object) -> bool:
        if isinstance(other, NamedConstant) and type(other) is type(self):
            return self._index < other._index
        return NotImplemented

    def __le__(self, other: object) -> bool:
        if isinstance(other, NamedConstant) and type(other) is type(self):
            return self._index <= other._index
        return NotImplemented

    def __gt__(self, other: object) -> bool:
        if isinstance(other, NamedConstant) and type(other) is type(self):
            return self._index > other._index
        return NotImplemented

    def __ge__(self, other: object) -> bool:
        if isinstance(other, NamedConstant) and type(other) is type(self):
            return self._index >= other._index
        return NotImplemented

    def __copy__(self: _ConstantT) -> _ConstantT:
        return self

    def __deepcopy__(self: _ConstantT, memo: object) -> _ConstantT:
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle as a lookup by name, so unpickling gives the same object back."""
        return (getattr, (type(self), self.name))
