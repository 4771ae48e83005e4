"""Marking callables, properties, module attributes and parameters as deprecated (Twisted's).

Each decorator wraps its target so that using it emits a `DeprecationWarning` whose message
names the target and the version it was deprecated in (``"pkg.mod.f was deprecated in
Twisted 22.10.0"``), and appends the same note to its docstring::

    @deprecated(Version("mypkg", 1, 2, 0), replacement="mypkg.better")
    def old(x: int) -> int: ...

Versions are `torsion.python.versions.Version`s (incremental's work too: only ``package``
and ``short()`` are used). A deprecated module attribute works by replacing the module in
``sys.modules`` with a proxy that warns when the attribute is read, as Twisted does.

`inspect` and `dis` are imported by the functions that need them (parameter deprecations,
`warnAboutFunction`), so that the modules deprecating a name or property load quickly.
"""

from __future__ import annotations

import functools
import sys
import warnings
from collections.abc import Callable, Mapping, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any, ParamSpec, Protocol, TypeVar, cast

from torsion.python.reflect import fullyQualifiedName as _fullyQualifiedName
from torsion.python.versions import Version, getVersionString

if TYPE_CHECKING:
    import inspect

__all__ = [
    "DEPRECATION_WARNING_FORMAT",
    "deprecated",
    "deprecatedKeywordParameter",
    "deprecatedModuleAttribute",
    "deprecatedProperty",
    "getDeprecationWarningString",
    "getWarningMethod",
    "setWarningMethod",
    "warnAboutFunction",
]

_P = ParamSpec("_P")
_R = TypeVar("_R")
_C = TypeVar("_C", bound=Callable[..., Any])

#: The default format of a deprecation message; ``fqpn`` and ``version`` are interpolated.
DEPRECATION_WARNING_FORMAT = "%(fqpn)s was deprecated in %(version)s"

_Replacement = str | Callable[..., object] | None


class _WarningMethod(Protocol):
    def __call__(self, message: str, category: type[Warning], stacklevel: int) -> object: ...


_warn: _WarningMethod = warnings.warn


def getWarningMethod() -> _WarningMethod:
    """Return the function deprecation warnings are emitted with (`warnings.warn` by default)."""
    return _warn


def setWarningMethod(newMethod: _WarningMethod) -> None:
    """Emit deprecation warnings with ``newMethod(message, category, stacklevel)`` from now on.

    ``stacklevel`` counts as for `warnings.warn` called where ``newMethod`` is called.
    """
    global _warn
    _warn = newMethod


def _emit(message: str, stacklevel: int) -> None:
    """Warn with the current warning method; ``stacklevel`` is relative to our caller."""
    _warn(message, DeprecationWarning, stacklevel=stacklevel + 1)


def _getReplacementString(replacement: str | Callable[..., object]) -> str:
    """``"please use X instead"``, where X is the replacement's text or dotted name."""
    if callable(replacement):
        replacement = _fullyQualifiedName(replacement)
    return f"please use {replacement} instead"


def _getDeprecationDocstring(version: Version, replacement: _Replacement = None) -> str:
    """The note appended to a deprecated object's docstring: ``"Deprecated in X 1.2.3."``."""
    doc = f"Deprecated in {getVersionString(version)}"
    if replacement:
        doc = f"{doc}; {_getReplacementString(replacement)}"
    return doc + "."


def _getDeprecationWarningString(
    fqpn: str, version: Version, format: str | None = None, replacement: _Replacement = None
) -> str:
    """The warning message for the name ``fqpn`` deprecated in ``version``.

    Args:
        fqpn: The fully qualified name of what is deprecated.
        version: When it was deprecated.
        format: ``%``-format with ``fqpn`` and ``version`` keys (default
            `DEPRECATION_WARNING_FORMAT`).
        replacement: What to use instead: text, or a callable whose dotted name is used.
    """
    if format is None:
        format = DEPRECATION_WARNING_FORMAT
    warningString = format % {"fqpn": fqpn, "version": getVersionString(version)}
    if replacement:
        warningString = f"{warningString}; {_getReplacementString(replacement)}"
    return warningString


def getDeprecationWarningString(
    callableThing: Callable[..., object],
    version: Version,
    format: str | None = None,
    replacement: _Replacement = None,
) -> str:
    """The warning message saying ``callableThing`` was deprecated in ``version``.

    See `_getDeprecationWarningString` for ``format`` and ``replacement``.
    """
    return _getDeprecationWarningString(
        _fullyQualifiedName(callableThing), version, format, replacement
    )


def _appendToDocstring(thingWithDoc: object, textToAppend: str) -> None:
    """Append a paragraph to ``thingWithDoc.__doc__``, as Twisted lays it out.

    No docstring: the text becomes it. One line: a blank line, the text, and a final
    newline. Several lines: a blank line and the text at the indentation of the docstring's
    last (blank) line, every line then stripped of its leading spaces.
    """
    doc = thingWithDoc.__doc__
    lines = doc.splitlines() if doc else []
    if not lines:
        lines.append(textToAppend)
    elif len(lines) == 1:
        lines.extend(["", textToAppend, ""])
    else:
        spaces = ""
        if not lines[-1].strip():
            spaces = lines.pop()
        lines.extend(["", spaces + textToAppend, spaces])
        lines = [line.lstrip(" ") for line in lines]
    thingWithDoc.__doc__ = "\n".join(lines)


def _warningWrapper(function: Callable[_P, _R], warningString: str) -> Callable[_P, _R]:
    """``function`` wrapped to warn with ``warningString``, blaming its caller."""

    @functools.wraps(function)
    def deprecatedFunction(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        _emit(warningString, stacklevel=2)
        return function(*args, **kwargs)

    return deprecatedFunction


def deprecated(
    version: Version, replacement: _Replacement = None
) -> Callable[[Callable[_P, _R]], Callable[_P, _R]]:
    """A decorator marking a function, method or class as deprecated in ``version``.

    The decorated callable warns each time it is called (a class, when it is instantiated:
    as in Twisted, the class is replaced by a function that makes instances), has the
    deprecation noted in its docstring, and ``version`` as its ``deprecatedVersion``.

    Args:
        version: The version it was deprecated in.
        replacement: What to use instead: text, or a callable whose dotted name is used.
    """

    def deprecationDecorator(function: Callable[_P, _R]) -> Callable[_P, _R]:
        warningString = getDeprecationWarningString(function, version, None, replacement)
        deprecatedFunction = _warningWrapper(function, warningString)
        _appendToDocstring(deprecatedFunction, _getDeprecationDocstring(version, replacement))
        deprecatedFunction.deprecatedVersion = version  # type: ignore[attr-defined]
        return deprecatedFunction

    return deprecationDecorator


class _DeprecatedProperty(property):
    """A property whose getter and setter (added with ``.setter``) warn."""

    warningString: str = ""
    deprecatedVersion: Version | None = None

    def setter(self, fset: Callable[[Any, Any], None], /) -> _DeprecatedProperty:
        result = _DeprecatedProperty(
            self.fget, _warningWrapper(fset, self.warningString), self.fdel, self.__doc__
        )
        # Python 3.11 keeps an explicit doc of a property subclass where the class's
        # docstring shadows it; set it on the instance, as property does for fget's.
        result.__doc__ = self.__doc__
        result.warningString = self.warningString
        result.deprecatedVersion = self.deprecatedVersion
        return result


def deprecatedProperty(
    version: Version, replacement: _Replacement = None
) -> Callable[[Callable[[Any], Any]], property]:
    """A decorator making a getter a property deprecated in ``version``.

    Reading the property warns, and so does setting it through a setter added with the
    returned property's ``.setter``. The getter's docstring gets the deprecation note.
    """

    def deprecationDecorator(function: Callable[[Any], Any]) -> property:
        warningString = getDeprecationWarningString(function, version, None, replacement)
        getter = _warningWrapper(function, warningString)
        _appendToDocstring(getter, _getDeprecationDocstring(version, replacement))
        getter.deprecatedVersion = version  # type: ignore[attr-defined]
        result = _DeprecatedProperty(getter)
        result.warningString = warningString
        result.deprecatedVersion = version
        return result

    return deprecationDecorator


class _InternalState:
    """Reads and writes the attributes of a `_ModuleProxy` itself, bypassing its hooks."""

    def __init__(self, proxy: _ModuleProxy) -> None:
        object.__setattr__(self, "proxy", proxy)

    def __getattribute__(self, name: str) -> Any:
        return object.__getattribute__(object.__getattribute__(self, "proxy"), name)

    def __setattr__(self, name: str, value: object) -> None:
        object.__setattr__(object.__getattribute__(self, "proxy"), name, value)


class _ModuleProxy:
    """Stands in ``sys.modules`` for a module, warning when a deprecated attribute is read.

    Every other attribute is read from and written to the wrapped module. Right after
    ``__path__`` is read, the next read never warns: that is the import system (``from
    package import module`` reads ``__path__`` then the name), so importing a deprecated
    submodule warns once, not twice.
    """

    def __init__(self, module: ModuleType) -> None:
        state = _InternalState(self)
        state._module = module
        state._deprecatedAttributes = {}
        state._lastWasPath = False

    def __repr__(self) -> str:
        state = _InternalState(self)
        return f"<{type(self).__name__} module={state._module!r}>"

    def __setattr__(self, name: str, value: object) -> None:
        state = _InternalState(self)
        state._lastWasPath = False
        setattr(state._module, name, value)

    def __getattribute__(self, name: str) -> Any:
        state = _InternalState(self)
        deprecatedAttribute = None
        if not state._lastWasPath:
            deprecatedAttribute = state._deprecatedAttributes.get(name)
        if deprecatedAttribute is not None:
            value = deprecatedAttribute.get()
        else:
            value = getattr(state._module, name)
        state._lastWasPath = name == "__path__"
        return value


class _DeprecatedAttribute:
    """A module attribute deprecated in ``version``: `get` reads it and warns.

    Attributes:
        module: The (real) module the attribute is on.
        fqpn: Its fully qualified name.
        version: The version it was deprecated in.
        message: Said after the standard text.
    """

    def __init__(self, module: ModuleType, name: str, version: Version, message: str) -> None:
        self.module = module
        self.__name__ = name
        self.fqpn = module.__name__ + "." + name
        self.version = version
        self.message = message

    def get(self) -> Any:
        """Return the attribute's value, warning (blaming the code that read it)."""
        result = getattr(self.module, self.__name__)
        message = _getDeprecationWarningString(
            self.fqpn, self.version, DEPRECATION_WARNING_FORMAT + ": " + self.message
        )
        # Levels: this method, the proxy's __getattribute__, then the reader.
        _emit(message, stacklevel=3)
        return result


def _deprecateAttribute(proxy: _ModuleProxy, name: str, version: Version, message: str) -> None:
    """Register ``name`` of the proxied module as deprecated."""
    module = object.__getattribute__(proxy, "_module")
    attributes = object.__getattribute__(proxy, "_deprecatedAttributes")
    attributes[name] = _DeprecatedAttribute(module, name, version, message)


def deprecatedModuleAttribute(version: Version, message: str, moduleName: str, name: str) -> None:
    """Make reading ``moduleName.name`` warn that it was deprecated in ``version``.

    The module in ``sys.modules`` is replaced by a proxy (once; later calls reuse it), so
    this works for code that imports the module afterwards: call it at the end of the
    module, with ``__name__`` as ``moduleName``.

    Args:
        version: The version it was deprecated in.
        message: Appended to the warning (``"...: message"``), such as what to use instead.
        moduleName: The module's full name.
        name: The attribute's name.
    """
    module: object = sys.modules[moduleName]
    if not isinstance(module, _ModuleProxy):
        module = _ModuleProxy(cast(ModuleType, module))
        sys.modules[moduleName] = cast(ModuleType, module)
    _deprecateAttribute(module, name, version, message)


def warnAboutFunction(offender: Callable[..., object], warningString: str) -> None:
    """Emit a `DeprecationWarning` pointing at the last line of ``offender``'s code.

    Unlike `warnings.warn`, the function blamed need not be on the call stack: this is for
    deprecating a behaviour of a function the caller passes in. Filters on the offender's
    module apply, and its ``__warningregistry__`` records it.
    """
    import dis
    import inspect

    function = cast(Any, offender)
    module = sys.modules[function.__module__]
    lines = [line for _, line in dis.findlinestarts(function.__code__) if line is not None]
    warnings.warn_explicit(
        warningString,
        category=DeprecationWarning,
        filename=inspect.getabsfile(module),
        lineno=max(lines),
        module=module.__name__,
        registry=function.__globals__.setdefault("__warningregistry__", {}),
        module_globals=None,
    )


def _passedSignature(
    signature: inspect.Signature, positional: tuple[object, ...], keyword: Mapping[str, object]
) -> dict[str, object]:
    """Map the parameters of ``signature`` to what a call passes them (Twisted's rules).

    Parameters passed nothing are left out, except keyword-only ones with a default, which
    map to it; ``*args`` maps to a tuple and ``**kwargs`` to a dict of the unnamed keywords.

    Raises:
        TypeError: The call does not fit: too many positional arguments, a parameter passed
            twice, an unknown keyword, or a keyword-only parameter without default missing.
    """
    import inspect

    result: dict[str, object] = {}
    kwargs: dict[str, object] | None = None
    numPositional = 0
    for n, (name, param) in enumerate(signature.parameters.items()):
        if param.kind is inspect.Parameter.VAR_POSITIONAL:
            varargs = positional[n:]
            result[name] = varargs
            # Twisted sets this to len(varargs) + 1, right only if one parameter precedes.
            numPositional += len(varargs)
        elif param.kind is inspect.Parameter.VAR_KEYWORD:
            kwargs = {}
            result[name] = kwargs
        elif param.kind in (
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
            inspect.Parameter.POSITIONAL_ONLY,
        ):
            if n < len(positional):
                result[name] = positional[n]
                numPositional += 1
        elif param.kind is inspect.Parameter.KEYWORD_ONLY:
            if name not in keyword:
                if param.default is inspect.Parameter.empty:
                    raise TypeError(f"missing keyword arg {name}")
                result[name] = param.default
        else:  # pragma: no cover - inspect has no other kinds
            raise TypeError(f"'{name}' parameter is invalid kind: {param.kind}")
    if len(positional) > numPositional:
        raise TypeError("Too many arguments.")
    for name, value in keyword.items():
        if name in signature.parameters:
            if name in result:
                raise TypeError("Already passed.")
            result[name] = value
        elif kwargs is not None:
            kwargs[name] = value
        else:
            raise TypeError("no such param")
    return result


def _mutuallyExclusiveArguments(
    argumentPairs: Sequence[Sequence[str]],
) -> Callable[[Callable[_P, _R]], Callable[_P, _R]]:
    """A decorator making its function raise `TypeError` if both of a pair are passed."""

    def wrapper(wrappee: Callable[_P, _R]) -> Callable[_P, _R]:
        import inspect

        spec = inspect.signature(wrappee)

        @functools.wraps(wrappee)
        def wrapped(*args: _P.args, **kwargs: _P.kwargs) -> _R:
            arguments = _passedSignature(spec, args, kwargs)
            for this, that in argumentPairs:
                if this in arguments and that in arguments:
                    raise TypeError(
                        f"The {this!r} and {that!r} arguments to "
                        f"{_fullyQualifiedName(wrappee)} are mutually exclusive."
                    )
            return wrappee(*args, **kwargs)

        return wrapped

    return wrapper


def deprecatedKeywordParameter(
    version: Version, name: str, replacement: str | None = None
) -> Callable[[_C], _C]:
    """A decorator making a call that passes parameter ``name`` warn.

    Passing it by keyword warns, and so does passing it by position when it can be.

    Args:
        version: The version the parameter was deprecated in.
        name: The parameter's name.
        replacement: Text saying what to use instead.
    """

    def wrapper(wrappee: _C) -> _C:
        import inspect

        warningString = _getDeprecationWarningString(
            f"The {name!r} parameter to {_fullyQualifiedName(wrappee)}",
            version,
            replacement=replacement,
        )
        doc = f"The {name!r} parameter was deprecated in {getVersionString(version)}"
        if replacement:
            doc = doc + "; " + _getReplacementString(replacement)
        doc += "."
        params = inspect.signature(wrappee).parameters
        index: int | None = None
        if name in params and params[name].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD:
            index = list(params).index(name)

        @functools.wraps(wrappee)
        def checkDeprecatedParameter(*args: Any, **kwargs: Any) -> Any:
            if name in kwargs or (index is not None and len(args) > index):
                _emit(warningString, stacklevel=2)
            return wrappee(*args, **kwargs)

        _appendToDocstring(checkDeprecatedParameter, doc)
        return cast(_C, checkDeprecatedParameter)

    return wrapper
