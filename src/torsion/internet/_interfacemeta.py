"""`InterfaceMeta`: torsion's `typing.Protocol` interfaces, also usable as zope.interface ones.

torsion's interfaces are structural types for the type checker. Twisted programs use them the
zope.interface way too, and this metaclass makes that work at run time:

* ``IFoo.providedBy(obj)`` and ``IFoo.implementedBy(cls)`` answer by structure (the methods are
  there) or by declaration (``@implementer(IFoo)``), with or without zope.interface.
* When zope.interface is installed, each interface has a zope twin, an ``InterfaceClass`` with
  the same name, bases and methods, made on first use. zope's own functions accept torsion's
  interfaces through it: ``implementer``, ``provider``, ``classImplements`` and
  ``directlyProvides`` iterate their arguments, and iterating an interface gives its twin;
  ``verifyObject(IFoo, obj)`` and the rest of zope's interface API reach the twin's methods.
* ``IFoo(obj)`` and ``IFoo(obj, default)`` adapt, as zope's interfaces do: ``obj`` itself if
  it provides ``IFoo``, else what an adapter registered for the twin makes of it.

zope.interface stays optional: torsion imports it only where a twin is needed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Protocol, TypeGuard

__all__ = ["InterfaceMeta", "adapterHooks", "isInterface", "zopeInstalled", "zopeTwin"]

if TYPE_CHECKING:
    from typing import _ProtocolMeta
else:
    _ProtocolMeta = type(Protocol)  # typing's metaclass of Protocol classes (private there)
_NO_DEFAULT = object()

#: Called as ``hook(interface, obj)`` when ``interface(obj)`` adapts without zope.interface:
#: the first that returns something other than None gives the adapter
#: (``torsion.python.components`` adds its registry here).
adapterHooks: list[Callable[[type, object], object]] = []


@functools.cache
def zopeInstalled() -> bool:
    """Whether zope.interface can be imported (it is never required; imported on first ask)."""
    try:
        import zope.interface  # noqa: F401
    except ImportError:
        return False
    return True


class InterfaceMeta(_ProtocolMeta):
    """The metaclass of torsion's interfaces (see the module docstring).

    Concrete classes that subclass an interface keep the behaviour of ordinary classes: only
    the interfaces themselves (``typing.Protocol`` classes) adapt, iterate and delegate.
    """

    def providedBy(cls, obj: object) -> bool:
        """Whether ``obj`` has this interface's methods, or declares that it provides it."""
        if _declared(cls, "providedBy", obj):
            return True
        try:
            return isinstance(obj, cls)
        except TypeError:  # Not runtime-checkable: only a declaration counts.
            return False

    def implementedBy(cls, klass: type) -> bool:
        """Whether instances of ``klass`` provide this interface (by structure or declaration)."""
        if _declared(cls, "implementedBy", klass):
            return True
        try:
            return issubclass(klass, cls)
        except TypeError:  # Data members: check that each name is on the class.
            return all(hasattr(klass, name) for name in _members(cls))

    def __iter__(cls) -> Iterator[Any]:
        """An interface iterates to its zope twin (zope's declarations flatten arguments so)."""
        if not isInterface(cls):
            raise TypeError(f"{cls.__name__!r} is not iterable")
        return iter((zopeTwin(cls),))

    if not TYPE_CHECKING:  # The type checker keeps its view: interfaces are not callable.

        def __call__(cls, *args: Any, **kwargs: Any) -> Any:
            if not isInterface(cls):
                return super().__call__(*args, **kwargs)
            return _adapt(cls, *args, **kwargs)

        def __getattr__(cls, name: str) -> Any:
            if name.startswith("_") or not isInterface(cls) or not zopeInstalled():
                raise AttributeError(name)
            return getattr(zopeTwin(cls), name)


def isInterface(obj: object) -> TypeGuard[type]:
    """Whether ``obj`` is one of torsion's interfaces (not a class that implements one)."""
    return isinstance(obj, InterfaceMeta) and bool(obj.__dict__.get("_is_protocol", False))


def _members(cls: type) -> list[str]:
    """The public names an interface declares, its bases' included."""
    names: dict[str, None] = {}
    for base in reversed(cls.__mro__):
        if isInterface(base):
            names.update(dict.fromkeys(n for n in vars(base) if not n.startswith("_")))
            names.update(dict.fromkeys(getattr(base, "__annotations__", {})))
    return [n for n in names if not n.startswith("_")]


def _declared(cls: type, how: str, subject: object) -> bool:
    """Whether zope.interface has ``subject`` declared as providing or implementing ``cls``."""
    if not zopeInstalled():
        return False
    check: Any = getattr(zopeTwin(cls), how)
    return bool(check(subject))


def _adapt(cls: type, obj: object, default: object = _NO_DEFAULT) -> object:
    if cls.providedBy(obj):  # type: ignore[attr-defined]
        return obj
    if zopeInstalled():
        if default is _NO_DEFAULT:
            return zopeTwin(cls)(obj)
        return zopeTwin(cls)(obj, default)
    for hook in adapterHooks:
        adapter = hook(cls, obj)
        if adapter is not None:
            return adapter
    if default is _NO_DEFAULT:
        raise TypeError("Could not adapt", obj, cls)
    return default


_twins: dict[type, Any] = {}


def zopeTwin(cls: type) -> Any:
    """The zope.interface ``InterfaceClass`` standing for interface ``cls`` (made once)."""
    twin = _twins.get(cls)
    if twin is not None:
        return twin
    from zope.interface.interface import (
        Attribute,
        InterfaceClass,
        fromMethod,
    )

    bases = tuple(zopeTwin(base) for base in cls.__bases__ if isInterface(base))
    attrs: dict[str, Any] = {}
    for name, value in vars(cls).items():
        if name.startswith("_"):
            continue
        if callable(value) and hasattr(value, "__code__"):
            attrs[name] = fromMethod(value, name=name)
        elif isinstance(value, property):
            attrs[name] = Attribute(value.__doc__ or "")
    for name in getattr(cls, "__annotations__", {}):
        if not name.startswith("_") and name not in attrs:
            attrs[name] = Attribute("")
    twin = InterfaceClass(cls.__name__, bases, attrs, cls.__doc__, cls.__module__)
    _twins[cls] = twin
    return twin
