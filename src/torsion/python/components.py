"""Adapters and components (Twisted's ``twisted.python.components``).

`registerAdapter` says how to turn an object of one kind into a provider of an interface;
`getAdapterFactory` finds that factory again, and a `Componentized` object keeps the adapters
made of it, so each interface asks for one adapter object that can keep state.

zope.interface is optional. When it is installed, adapters to zope interfaces go to a zope
``AdapterRegistry`` hooked into zope's adaptation, as in Twisted, so ``IFoo(obj)`` finds them.
Adapters to anything else (torsion's `typing.Protocol` interfaces, plain classes, or everything
when zope is absent) go to a small registry keyed by the interface object, looked up along the
adapted class's MRO; `getAdapterFactory` and `Componentized.getComponent` consult both.
"""

from __future__ import annotations

import importlib
import pprint
import typing
import warnings
from collections.abc import Callable
from types import ModuleType
from typing import Any

from torsion.internet._interfacemeta import adapterHooks, isInterface, zopeTwin

__all__ = [
    "ALLOW_DUPLICATES",
    "Adapter",
    "CannotAdapt",
    "Componentized",
    "ReprableComponentized",
    "backwardsCompatImplements",
    "getAdapterFactory",
    "getRegistry",
    "globalRegistry",
    "proxyForInterface",
    "registerAdapter",
]

AdapterFactory = Callable[[Any], Any]

#: Set to a true value to let `registerAdapter` replace an adapter already registered.
ALLOW_DUPLICATES = 0

#: What adapting an object that cannot be adapted raises (zope's ``IFoo(obj)``).
CannotAdapt = TypeError


def _optional(name: str) -> ModuleType | None:
    """Import ``name`` if it is installed (the core of torsion depends on nothing)."""
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


_zope: Any = _optional("zope.interface")


def _isZopeInterface(obj: object) -> bool:
    return _zope is not None and isinstance(obj, _zope.interface.InterfaceClass)


def _normal(interface: object) -> object:
    """A torsion interface as zope knows it (its twin) when zope is installed; else as is."""
    return zopeTwin(interface) if _zope is not None and isInterface(interface) else interface


class _Registry:
    """Adapter factories for interfaces zope does not know, keyed by (origin, interface)."""

    def __init__(self) -> None:
        self._factories: dict[tuple[object, object], AdapterFactory] = {}

    def registered(self, origin: object, target: object) -> AdapterFactory | None:
        """Return the factory registered for exactly ``origin``, or None."""
        return self._factories.get((origin, target))

    def register(self, origin: object, target: object, factory: AdapterFactory) -> None:
        """Register ``factory`` to adapt ``origin`` (a class or an interface) to ``target``."""
        self._factories[origin, target] = factory

    def lookup(self, origin: object, target: object) -> AdapterFactory | None:
        """Return the factory for ``origin`` or, if it is a class, its nearest base."""
        for candidate in origin.__mro__ if isinstance(origin, type) else (origin,):
            factory = self._factories.get((candidate, target))
            if factory is not None:
                return factory
        return None

    def targets(self) -> set[object]:
        """Return every interface something can be adapted to."""
        return {target for _, target in self._factories}


_local = _Registry()


def _addHook(registry: Any) -> Callable[[object, object], object]:
    """Make zope's adaptation (``IFoo(obj)``) look in ``registry``; return the hook added.

    Args:
        registry: A zope ``AdapterRegistry``.
    """
    lookup = registry.lookup1

    def hook(iface: object, ob: object) -> object:
        factory = lookup(_zope.providedBy(ob), iface)
        return None if factory is None else factory(ob)

    _zope.interface.adapter_hooks.append(hook)
    return hook


def _removeHook(hook: Callable[[object, object], object]) -> None:
    """Undo `_addHook`: zope's adaptation no longer looks in that registry."""
    _zope.interface.adapter_hooks.remove(hook)


#: The zope ``AdapterRegistry`` `registerAdapter` fills (Twisted's name; tests may replace it,
#: with `_addHook` for the replacement). None without zope.interface.
globalRegistry: Any = None
if _zope is not None:
    globalRegistry = importlib.import_module("zope.interface.adapter").AdapterRegistry()
    _addHook(globalRegistry)


def getRegistry() -> Any:
    """Return the zope ``AdapterRegistry`` `registerAdapter` uses (without zope: the local one)."""
    return globalRegistry if _zope is not None else _local


def _zopeOrigin(origin: object) -> Any:
    """Return what zope's registry keys adapters from: an interface, or a class's declaration."""
    return origin if _isZopeInterface(origin) else _zope.implementedBy(origin)


def registerAdapter(
    adapterFactory: AdapterFactory, origInterface: object, *interfaceClasses: object
) -> None:
    """Register ``adapterFactory`` to adapt providers of ``origInterface`` to each interface.

    Args:
        adapterFactory: Called with the object to adapt; returns the adapter (or None when it
            cannot adapt that object).
        origInterface: The class, or interface, whose instances or providers are adapted.
        *interfaceClasses: The interfaces the adapters provide (at least one).

    Raises:
        ValueError: No interface was given, or an adapter is already registered for one
            (unless `ALLOW_DUPLICATES`).
    """
    if not interfaceClasses:
        raise ValueError("You need to pass an Interface")
    origInterface = _normal(origInterface)
    interfaceClasses = tuple(_normal(target) for target in interfaceClasses)
    for target in interfaceClasses:
        if _isZopeInterface(target):
            factory = globalRegistry.registered([_zopeOrigin(origInterface)], target)
        else:
            factory = _local.registered(origInterface, target)
        if factory is not None and not ALLOW_DUPLICATES:
            raise ValueError(f"an adapter ({factory}) was already registered.")
    for target in interfaceClasses:
        if _isZopeInterface(target):
            globalRegistry.register([_zopeOrigin(origInterface)], target, "", adapterFactory)
        else:
            _local.register(origInterface, target, adapterFactory)


def getAdapterFactory(fromInterface: object, toInterface: object, default: Any) -> Any:
    """Return the factory registered to adapt ``fromInterface`` (or a base) to ``toInterface``.

    Only adapters registered through this module are found (as in Twisted).

    Args:
        fromInterface: A class or an interface.
        toInterface: The interface wanted.
        default: Returned when no factory is registered.
    """
    fromInterface, toInterface = _normal(fromInterface), _normal(toInterface)
    if _isZopeInterface(toInterface):
        factory = globalRegistry.lookup1(_zopeOrigin(fromInterface), toInterface)
    else:
        factory = _local.lookup(fromInterface, toInterface)
    return default if factory is None else factory


def _provides(obj: object, interface: object) -> bool:
    """Return whether ``obj`` already provides ``interface`` (a structural check for protocols)."""
    if _isZopeInterface(interface):
        return bool(interface.providedBy(obj))  # type: ignore[attr-defined]
    try:
        return isinstance(obj, interface)  # type: ignore[arg-type]
    except TypeError:  # Not a class, or a protocol that cannot be checked at run time.
        return False


def _adapt(obj: object, interface: object) -> Any:
    """Return ``obj`` as a provider of ``interface``: itself, an adapter, or None."""
    interface = _normal(interface)
    if _isZopeInterface(interface):
        return interface.__adapt__(obj)  # type: ignore[attr-defined]
    if _provides(obj, interface):
        return obj
    factory = _local.lookup(type(obj), interface)
    return None if factory is None else factory(obj)


def _localAdapter(interface: type, obj: object) -> object:
    """``interface(obj)`` without zope.interface: an adapter registered here, or None."""
    factory = _local.lookup(type(obj), interface)
    return None if factory is None else factory(obj)


adapterHooks.append(_localAdapter)


def _providedBy(component: object) -> list[object]:
    """Return the interfaces ``component`` provides that adaptation here may ask for."""
    found: list[object] = list(_zope.providedBy(component)) if _zope is not None else []
    return found + [target for target in _local.targets() if _provides(component, target)]


def _qual(obj: Any) -> str:
    """Return the dotted name of a class or interface (``pkg.module.IFoo``)."""
    return f"{obj.__module__}.{getattr(obj, '__qualname__', None) or obj.__name__}"


def _namedObject(name: str) -> object:
    """Return the object that `_qual` named ``name``."""
    parts = name.split(".")
    for split in range(len(parts) - 1, 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for attribute in parts[split:]:
            found = getattr(found, attribute)
        return found
    raise ValueError(f"{name!r} names no object")


class Adapter:
    """A base for adapters: keeps the adapted object as `original`.

    Args:
        original: The object adapted.

    Attributes:
        original: The object adapted.
        temporaryAdapter: If true, a `Componentized` does not keep the adapter.
        multiComponent: If true, a `Componentized` keeps the adapter for every interface it is
            the registered adapter for.
    """

    temporaryAdapter = False
    multiComponent = True

    def __init__(self, original: Any) -> None:
        self.original = original

    def __conform__(self, interface: object) -> Any:
        """Adapt as `original` would (zope's ``IFoo(adapter)`` asks this)."""
        conform = getattr(self.original, "__conform__", None)
        return None if conform is None else conform(interface)

    def isuper(self, iface: object, adapter: object) -> Any:
        """Forward to `original` (Twisted's legacy component API)."""
        return self.original.isuper(iface, adapter)


class Componentized:
    """A mixin for objects that keep the adapters made of them, one per interface.

    `getComponent` makes the adapter registered for this class the first time an interface is
    asked for and returns the same one afterwards, so an adapter can keep state about this
    object. Components are keyed by the interface's dotted name, as in Twisted.
    """

    persistenceVersion = 1

    def __init__(self) -> None:
        self._adapterCache: dict[str, Any] = {}

    def locateAdapterClass(self, klass: type, interfaceClass: object, default: Any) -> Any:
        """Return the adapter factory registered from ``klass`` to ``interfaceClass``."""
        return getAdapterFactory(klass, interfaceClass, default)

    def setAdapter(self, interfaceClass: object, adapterClass: AdapterFactory) -> None:
        """Keep ``adapterClass(self)`` as the component for ``interfaceClass``."""
        self.setComponent(interfaceClass, adapterClass(self))

    def addAdapter(self, adapterClass: AdapterFactory, ignoreClass: bool = False) -> Any:
        """Make ``adapterClass(self)``, `addComponent` it, and return it."""
        adapter = adapterClass(self)
        self.addComponent(adapter, ignoreClass)
        return adapter

    def setComponent(self, interfaceClass: object, component: object) -> None:
        """Keep ``component`` as the provider of ``interfaceClass``."""
        self._adapterCache[_qual(interfaceClass)] = component

    def addComponent(self, component: object, ignoreClass: bool = False) -> None:
        """Keep ``component`` for each interface it provides that it is the adapter for.

        Args:
            component: The provider to keep.
            ignoreClass: Keep it for every interface it provides, whether or not its class is
                the adapter registered from this object's class.
        """
        for interface in _providedBy(component):
            if ignoreClass or (
                self.locateAdapterClass(type(self), interface, None) is type(component)
            ):
                self._adapterCache[_qual(interface)] = component

    def unsetComponent(self, interfaceClass: object) -> None:
        """Forget the component kept for ``interfaceClass``.

        Raises:
            KeyError: None is kept for it.
        """
        del self._adapterCache[_qual(interfaceClass)]

    def removeComponent(self, component: object) -> list[object]:
        """Forget ``component`` for every interface; return those interfaces."""
        names = [name for name, kept in self._adapterCache.items() if kept is component]
        for name in names:
            del self._adapterCache[name]
        return [_namedObject(name) for name in names]

    def getComponent(self, interface: object, default: Any = None) -> Any:
        """Return the component kept for ``interface``, making and keeping it if needed.

        An adapter whose ``temporaryAdapter`` is true is made each time and not kept; one whose
        ``multiComponent`` is true is also kept for the other interfaces it is the adapter for.

        Args:
            interface: The interface wanted.
            default: Returned when this object cannot be adapted to ``interface``.
        """
        name = _qual(interface)
        if name in self._adapterCache:
            return self._adapterCache[name]
        adapter = _adapt(self, interface)
        if adapter is None:
            return default
        if not getattr(adapter, "temporaryAdapter", False):
            self._adapterCache[name] = adapter
            if getattr(adapter, "multiComponent", False):
                self.addComponent(adapter)
        return adapter

    def __conform__(self, interface: object) -> Any:
        """zope's ``IFoo(componentized)`` asks this: `getComponent`."""
        return self.getComponent(interface)


class ReprableComponentized(Componentized):
    """A `Componentized` whose repr lists its components."""

    def __repr__(self) -> str:
        return pprint.pformat(self._adapterCache)


def _interfaceNames(iface: Any) -> list[str]:
    """Return the attribute names ``iface`` declares, its bases' included.

    For a zope interface, its names; otherwise the public names (no leading underscore) that
    the classes of its MRO define or annotate, `typing.Protocol` and `object` excepted.
    """
    if _isZopeInterface(iface):
        return list(iface)
    names: dict[str, None] = {}
    for base in iface.__mro__:
        if base in (object, typing.Protocol, typing.Generic):
            continue
        for name in [*vars(base), *vars(base).get("__annotations__", {})]:
            if not name.startswith("_"):
                names[name] = None
    return list(names)


def proxyForInterface(iface: Any, originalAttribute: str = "original") -> type[Any]:
    """Return a class whose instances forward ``iface``'s attributes to a wrapped provider.

    Subclass the result to change some of the behaviour::

        class LoudProtocol(proxyForInterface(IProtocol)):
            def dataReceived(self, data):
                self.original.dataReceived(data.upper())

    Reading, setting and deleting an attribute of the interface act on the wrapped object;
    on the class, a method is a function taking the proxy (so ``super()`` calls work).

    Args:
        iface: A zope interface, or a `typing.Protocol` (its public members).
        originalAttribute: The proxy's attribute that holds the wrapped object.

    Returns:
        A class whose constructor takes the object to wrap.
    """

    def __init__(self: object, original: object) -> None:
        setattr(self, originalAttribute, original)

    contents: dict[str, object] = {"__init__": __init__}
    for name in _interfaceNames(iface):
        contents[name] = _ProxyDescriptor(name, originalAttribute)
    proxy = type(f"(Proxy for {_qual(iface)})", (object,), contents)
    if _isZopeInterface(iface):
        _zope.classImplements(proxy, iface)
    return proxy


class _ProxiedClassMethod:
    """A proxy class's method, got from the class: calls the wrapped object's method."""

    def __init__(self, methodName: str, originalAttribute: str) -> None:
        self.methodName = self.__name__ = methodName
        self.originalAttribute = originalAttribute

    def __call__(self, oself: object, *args: Any, **kw: Any) -> Any:
        original = getattr(oself, self.originalAttribute)
        return getattr(original, self.methodName)(*args, **kw)


class _ProxyDescriptor:
    """An attribute of a proxy that reads, sets and deletes the wrapped object's attribute."""

    def __init__(self, attributeName: str, originalAttribute: str) -> None:
        self.attributeName = attributeName
        self.originalAttribute = originalAttribute

    def __get__(self, oself: object, owner: type | None = None) -> Any:
        if oself is None:
            return _ProxiedClassMethod(self.attributeName, self.originalAttribute)
        return getattr(getattr(oself, self.originalAttribute), self.attributeName)

    def __set__(self, oself: object, value: object) -> None:
        setattr(getattr(oself, self.originalAttribute), self.attributeName, value)

    def __delete__(self, oself: object) -> None:
        delattr(getattr(oself, self.originalAttribute), self.attributeName)


def backwardsCompatImplements(klass: type) -> None:
    """Do nothing (deprecated since Twisted 2.5; zope.interface's declarations suffice)."""
    warnings.warn(
        "backwardsCompatImplements does nothing and is deprecated; remove the call",
        DeprecationWarning,
        stacklevel=2,
    )
