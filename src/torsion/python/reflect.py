"""Names to objects and back: Twisted's reflection helpers.

`namedAny` turns a dotted name (``"package.module.Class.attribute"``) into the object, importing
as much of it as is a module; `qual` and `fullyQualifiedName` go the other way. The ``safe_*``
functions format any object, even one whose ``__repr__`` or ``__str__`` raises, for use in
error reports that must not fail themselves. `objgrep` (from `torsion.python._objgrep`) finds
where an object is referenced from another.
"""

from __future__ import annotations

import os
import traceback
import types
from collections.abc import Callable, MutableMapping
from typing import Any, TypeVar

from torsion.python._objgrep import findInstances, isLike, isOfType, isSame, modgrep
from torsion.python._objgrep import objgrep as objgrep
from torsion.python.compat import nativeString

# objgrep is importable from here but, as in Twisted, not part of the star-import.
__all__ = [
    "InvalidName",
    "ModuleNotFound",
    "ObjectNotFound",
    "QueueMethod",
    "accumulateClassDict",
    "accumulateClassList",
    "accumulateMethods",
    "addMethodNamesToDict",
    "filenameToModuleName",
    "findInstances",
    "fullFuncName",
    "fullyQualifiedName",
    "getClass",
    "isLike",
    "isOfType",
    "isSame",
    "modgrep",
    "namedAny",
    "namedClass",
    "namedModule",
    "namedObject",
    "prefixedMethodNames",
    "prefixedMethods",
    "qual",
    "requireModule",
    "safe_repr",
    "safe_str",
]

_T = TypeVar("_T")


class _NoModuleFound(Exception):
    """Importing a name failed because no such module exists (not because its code failed)."""


class InvalidName(ValueError):
    """The name is not a ``.``-separated list of Python identifiers."""


class ModuleNotFound(InvalidName):
    """The single-part name names no module that can be imported."""


class ObjectNotFound(InvalidName):
    """No prefix of the dotted name names a module that can be imported."""


def namedModule(name: str) -> types.ModuleType:
    """Import and return the module called `name` (``"a.b.c"`` returns ``a.b.c``, not ``a``)."""
    module = __import__(name)
    for part in name.split(".")[1:]:
        module = getattr(module, part)
    return module


def namedObject(name: str) -> Any:
    """Return the module-level object `name`, such as ``"os.path.join"``."""
    moduleName, _, attribute = name.rpartition(".")
    return getattr(namedModule(moduleName), attribute)


namedClass = namedObject


def requireModule(name: str, default: _T | None = None) -> types.ModuleType | _T | None:
    """Import the module `name`, or return `default` if importing it raises `ImportError`."""
    try:
        return namedModule(name)
    except ImportError:
        return default


def _importAndCheckStack(importName: str) -> types.ModuleType:
    """Import `importName`, telling "no such module" apart from "the module's code failed".

    An `ImportError` raised while the module itself (or a package on the way) ran is the
    module's own error and propagates; one raised before any of its code ran means there is no
    such module.

    Raises:
        _NoModuleFound: No module is called `importName`.
    """
    try:
        return __import__(importName)
    except ImportError as error:
        tb = error.__traceback__
        while tb is not None:
            if tb.tb_frame.f_globals.get("__name__") == importName:
                raise
            tb = tb.tb_next
        raise _NoModuleFound() from None


def namedAny(name: str) -> Any:
    """Return the object called `name`, importing the longest prefix of it that is a module.

    The rest of the name is looked up attribute by attribute, so ``"os.path.join.__doc__"``
    imports ``os.path`` and returns ``os.path.join.__doc__``.

    Raises:
        InvalidName: `name` is empty, starts or ends with ``.``, or contains ``..``.
        ModuleNotFound: `name` has one part and names no module.
        ObjectNotFound: `name` has several parts and none of its prefixes names a module.
        AttributeError: An attribute along the way is missing.
        Exception: Whatever a module imported on the way raises (an `ImportError` of its own
            included).
    """
    if not name:
        raise InvalidName("Empty module name")
    names = name.split(".")
    if "" in names:
        raise InvalidName(
            f"name must be a string giving a '.'-separated list of Python identifiers, not {name!r}"
        )
    for end in range(len(names), 0, -1):
        try:
            obj: Any = _importAndCheckStack(".".join(names[:end]))
        except _NoModuleFound:
            continue
        for attribute in names[1:]:
            obj = getattr(obj, attribute)
        return obj
    if len(names) == 1:
        raise ModuleNotFound(f"No module named {name!r}")
    raise ObjectNotFound(f"{name!r} does not name an object")


def qual(clazz: type[object]) -> str:
    """Return ``module.ClassName`` for `clazz` (its ``__name__``, not its ``__qualname__``)."""
    return f"{clazz.__module__}.{clazz.__name__}"


def fullyQualifiedName(obj: object) -> str:
    """Return the dotted name of a module, class, function or method.

    Classes and functions get their module prefixed to their ``__qualname__``; a module or
    anything else that only has a name is returned as it is.
    """
    name: str = getattr(obj, "__qualname__", None) or obj.__name__  # type: ignore[attr-defined]
    if isinstance(obj, type | types.FunctionType | types.MethodType):
        return f"{obj.__module__}.{name}"
    return name


def fullFuncName(func: Callable[..., Any]) -> str:
    """Return ``module.name`` of a module-level function, checked to lead back to it.

    Raises:
        Exception: The name does not import as ``func`` (a nested function, a rebound name).
    """
    import pickle

    module = pickle.whichmodule(func, func.__name__)  # type: ignore[attr-defined]  # untyped
    qualName = f"{module}.{func.__name__}"
    if namedObject(qualName) is not func:
        raise Exception(f"Couldn't find {func} as {qualName}.")
    return qualName


class QueueMethod:
    """A stand-in for a method that does not exist yet: calling it records the call.

    ``calls`` receives ``(name, args)`` per call, to be replayed on the real object later.
    """

    def __init__(self, name: str, calls: list[tuple[str, tuple[Any, ...]]]) -> None:
        self.name = name
        self.calls = calls

    def __call__(self, *args: Any) -> None:
        self.calls.append((self.name, args))


def getClass(obj: object) -> type[Any]:
    """Return the type of `obj`."""
    return type(obj)


def _className(o: object) -> str:
    """The name of `o`'s class, even if its ``__class__`` or the class's ``__name__`` raises."""
    try:
        cls = o.__class__
    except BaseException:
        cls = type(o)
    try:
        return str(cls.__name__)
    except BaseException:
        try:
            return str(cls)
        except BaseException:
            return f"<BROKEN CLASS AT 0x{id(cls):x}>"


def _safeFormat(formatter: Callable[[object], str], o: object) -> str:
    """Describe `o` and the exception `formatter` just raised on it, with its traceback."""
    return (
        f"<{_className(o)} instance at 0x{id(o):x} with {formatter.__name__} error:\n"
        f" {traceback.format_exc()}>"
    )


def safe_repr(o: object) -> str:
    """Return ``repr(o)``, or, if that raises, a description of `o` and the traceback."""
    try:
        return repr(o)
    except BaseException:
        return _safeFormat(repr, o)


def safe_str(o: object) -> str:
    """Return ``str(o)`` (bytes decoded as UTF-8 if they are), or a description if it raises."""
    if isinstance(o, bytes):
        try:
            return o.decode("utf-8")
        except UnicodeDecodeError:
            pass
    try:
        return str(o)
    except BaseException:
        return _safeFormat(str, o)


def _prefixedFunctions(cls: type[Any], prefix: str) -> list[str]:
    """The names in `cls`'s own namespace that are plain functions named `prefix` + something."""
    return [
        name
        for name, value in vars(cls).items()
        if type(value) is types.FunctionType and name.startswith(prefix) and name != prefix
    ]


def addMethodNamesToDict(
    classObj: type[Any],
    dict: MutableMapping[str, int],
    prefix: str,
    baseClass: type[Any] | None = None,
) -> None:
    """Set ``dict[suffix] = 1`` for every method ``prefix + suffix`` of `classObj` and its bases.

    With `baseClass`, only classes that have `baseClass` among their direct bases contribute.
    """
    for base in classObj.__bases__:
        addMethodNamesToDict(base, dict, prefix, baseClass)
    if baseClass is None or baseClass in classObj.__bases__:
        for name in _prefixedFunctions(classObj, prefix):
            dict[name[len(prefix) :]] = 1


def prefixedMethodNames(classObj: type[Any], prefix: str) -> list[str]:
    """Return the suffixes of the method names of `classObj` (bases included) after `prefix`.

    This is how Twisted dispatches on names: ``prefixedMethodNames(cls, "irc_")`` lists the
    commands a class handles.
    """
    names: dict[str, int] = {}
    addMethodNamesToDict(classObj, names, prefix)
    return list(names)


def accumulateMethods(
    obj: object,
    dict: MutableMapping[str, Any],
    prefix: str = "",
    curClass: type[Any] | None = None,
) -> None:
    """Set ``dict[suffix]`` to the bound method ``obj.<prefix + suffix>`` for each such method.

    Methods are collected from `curClass` (by default `obj`'s class) and its bases other than
    `object`, bases first, so a subclass's method wins.
    """
    if curClass is None:
        curClass = obj.__class__
    for base in curClass.__bases__:
        if base is not object:
            accumulateMethods(obj, dict, prefix, base)
    for name in _prefixedFunctions(curClass, prefix):
        dict[name[len(prefix) :]] = getattr(obj, name)


def prefixedMethods(obj: object, prefix: str = "") -> list[Any]:
    """Return the bound methods of `obj` whose names start with `prefix`."""
    methods: dict[str, Any] = {}
    accumulateMethods(obj, methods, prefix)
    return list(methods.values())


def accumulateClassDict(
    classObj: type[Any], attr: str, adict: dict[Any, Any], baseClass: type[Any] | None = None
) -> None:
    """Merge the dicts that `classObj` and its bases define as `attr` into `adict`.

    Bases are merged first, so a class's entries override its bases'. With `baseClass`, only
    `classObj` itself is filtered by it (as in Twisted, bases are always merged).
    """
    for base in classObj.__bases__:
        accumulateClassDict(base, attr, adict)
    if baseClass is None or baseClass in classObj.__bases__:
        adict.update(vars(classObj).get(attr, {}))


def accumulateClassList(
    classObj: type[Any], attr: str, listObj: list[Any], baseClass: type[Any] | None = None
) -> None:
    """Extend `listObj` with the lists that `classObj` and its bases define as `attr`."""
    for base in classObj.__bases__:
        accumulateClassList(base, attr, listObj)
    if baseClass is None or baseClass in classObj.__bases__:
        listObj.extend(vars(classObj).get(attr, []))


def filenameToModuleName(fn: str | bytes) -> str:
    """Guess the dotted module name of the file or package directory `fn`.

    Each directory above it that holds an ``__init__.py`` adds a package to the name; the
    Python path is not consulted, so use this only on files known to be modules.
    """
    path = os.fsdecode(fn)
    fullName = os.path.abspath(path)
    modName = nativeString(os.path.splitext(os.path.basename(path.rstrip(os.sep)))[0])
    while True:
        fullName = os.path.dirname(fullName)
        if not os.path.exists(os.path.join(fullName, "__init__.py")):
            return modName
        modName = f"{nativeString(os.path.basename(fullName))}.{modName}"
