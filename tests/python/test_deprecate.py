"""Tests for `torsion.python.deprecate`."""

from __future__ import annotations

import inspect
import sys
import types
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from torsion.python import deprecate
from torsion.python.deprecate import (
    DEPRECATION_WARNING_FORMAT,
    _appendToDocstring,
    _mutuallyExclusiveArguments,
    _passedSignature,
    deprecated,
    deprecatedKeywordParameter,
    deprecatedModuleAttribute,
    deprecatedProperty,
    getDeprecationWarningString,
    getWarningMethod,
    setWarningMethod,
    warnAboutFunction,
)
from torsion.python.versions import Version

V = Version("Pkg", 1, 2, 3)


@pytest.fixture
def caught() -> Iterator[list[warnings.WarningMessage]]:
    with warnings.catch_warnings(record=True) as log:
        warnings.simplefilter("always")
        yield log


def messages(log: list[warnings.WarningMessage]) -> list[str]:
    assert all(w.category is DeprecationWarning for w in log)
    return [str(w.message) for w in log]


def replacementFunction() -> None:
    """Use me."""


def oldFunction(x: int, y: int = 1) -> int:
    """Add.

    More text.
    """
    return x + y


# -- messages and docstrings -----------------------------------------------------------


def test_warningString() -> None:
    name = f"{__name__}.oldFunction"
    assert DEPRECATION_WARNING_FORMAT == "%(fqpn)s was deprecated in %(version)s"
    assert getDeprecationWarningString(oldFunction, V) == f"{name} was deprecated in Pkg 1.2.3"
    assert getDeprecationWarningString(oldFunction, V, "%(fqpn)s: gone since %(version)s") == (
        f"{name}: gone since Pkg 1.2.3"
    )
    assert getDeprecationWarningString(oldFunction, V, replacement="new.thing") == (
        f"{name} was deprecated in Pkg 1.2.3; please use new.thing instead"
    )
    assert getDeprecationWarningString(oldFunction, V, replacement=replacementFunction) == (
        f"{name} was deprecated in Pkg 1.2.3; please use {__name__}.replacementFunction instead"
    )


def test_appendToDocstring() -> None:
    class Thing:
        pass

    thing = Thing()
    thing.__doc__ = None
    _appendToDocstring(thing, "Note.")
    assert thing.__doc__ == "Note."
    thing.__doc__ = "One line."
    _appendToDocstring(thing, "Note.")
    assert thing.__doc__ == "One line.\n\nNote.\n"
    thing.__doc__ = "\n    Summary.\n\n    Details.\n    "
    _appendToDocstring(thing, "Note.")
    assert thing.__doc__ == "\nSummary.\n\nDetails.\n\nNote.\n"


# -- deprecated ------------------------------------------------------------------------


def test_deprecatedFunctionWarnsAtTheCaller(caught: list[warnings.WarningMessage]) -> None:
    old = deprecated(V)(oldFunction)
    assert old(2, y=3) == 5
    line = inspect.currentframe().f_lineno - 1  # type: ignore[union-attr]
    assert messages(caught) == [getDeprecationWarningString(oldFunction, V)]
    assert (caught[0].filename, caught[0].lineno) == (__file__, line)
    assert old.__name__ == "oldFunction" and old.__wrapped__ is oldFunction  # type: ignore[attr-defined]
    assert old.deprecatedVersion is V  # type: ignore[attr-defined]
    assert old.__doc__ == "Add.\n\nMore text.\n\nDeprecated in Pkg 1.2.3.\n"
    old(1)
    assert len(caught) == 2


def test_deprecatedReplacementInDocstring() -> None:
    old = deprecated(V, replacementFunction)(lambda: None)
    assert old.__doc__ == (
        f"Deprecated in Pkg 1.2.3; please use {__name__}.replacementFunction instead."
    )


def test_deprecatedClass(caught: list[warnings.WarningMessage]) -> None:
    class Old:
        """An old class."""

        def __init__(self, value: int) -> None:
            self.value = value

    Deprecated = deprecated(V, "New")(Old)
    assert Deprecated(4).value == 4
    assert messages(caught) == [
        f"{__name__}.test_deprecatedClass.<locals>.Old was deprecated in Pkg 1.2.3;"
        " please use New instead"
    ]
    assert (
        Deprecated.__doc__ == "An old class.\n\nDeprecated in Pkg 1.2.3; please use New instead.\n"
    )


# -- deprecatedProperty ----------------------------------------------------------------


class WithProperty:
    _value: object = None

    @deprecatedProperty(V)
    def value(self) -> object:
        """The value."""
        return self._value

    @value.setter  # type: ignore[no-redef]
    def value(self, value: object) -> None:
        self._value = value


def test_deprecatedPropertyGetterAndSetter(caught: list[warnings.WarningMessage]) -> None:
    obj = WithProperty()
    expected = f"{__name__}.WithProperty.value was deprecated in Pkg 1.2.3"
    obj.value = 7  # type: ignore[method-assign]
    assert messages(caught) == [expected]
    assert caught[0].filename == __file__
    assert obj.value == 7
    assert messages(caught) == [expected, expected]
    assert WithProperty.value.__doc__ == "The value.\n\nDeprecated in Pkg 1.2.3.\n"
    assert WithProperty.value.deprecatedVersion is V  # type: ignore[attr-defined]


# -- deprecatedModuleAttribute ---------------------------------------------------------


@pytest.fixture
def module() -> Iterator[types.ModuleType]:
    name = f"{__name__}.fakemodule"
    mod = types.ModuleType(name)
    mod.old = 1  # type: ignore[attr-defined]
    mod.other = 2  # type: ignore[attr-defined]
    sys.modules[name] = mod
    yield mod
    del sys.modules[name]


def test_deprecatedModuleAttribute(
    module: types.ModuleType, caught: list[warnings.WarningMessage]
) -> None:
    name = module.__name__
    deprecatedModuleAttribute(V, "use other", name, "old")
    proxy: Any = sys.modules[name]
    assert proxy is not module and repr(proxy) == f"<_ModuleProxy module={module!r}>"
    assert proxy.other == 2 and caught == []
    assert proxy.old == 1
    assert messages(caught) == [f"{name}.old was deprecated in Pkg 1.2.3: use other"]
    assert caught[0].filename == __file__
    with pytest.raises(AttributeError):
        proxy.missing  # noqa: B018
    with pytest.raises(AttributeError):
        proxy._deprecatedAttributes  # noqa: B018
    proxy.new = 3
    assert module.new == 3
    deprecatedModuleAttribute(V, "use old", name, "other")
    assert sys.modules[name] is proxy
    assert proxy.other == 2 and len(caught) == 2


def test_importingDeprecatedSubmoduleWarnsOnce(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caught: list[warnings.WarningMessage]
) -> None:
    package = tmp_path / "deprecatedpkg"
    package.mkdir()
    (package / "__init__.py").write_text(
        "from torsion.python.deprecate import deprecatedModuleAttribute\n"
        "from torsion.python.versions import Version\n"
        "deprecatedModuleAttribute(Version('P', 1, 0, 0), 'gone', __name__, 'sub')\n"
    )
    (package / "sub.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "modules", dict(sys.modules))
    for _ in range(3):
        from deprecatedpkg import sub  # type: ignore[import-not-found]  # noqa: F401

        assert messages(caught) == ["deprecatedpkg.sub was deprecated in P 1.0.0: gone"]
        caught.clear()


# -- the warning method, deprecated parameters -----------------------------------------


def test_setWarningMethod() -> None:
    assert getWarningMethod() is warnings.warn
    calls: list[tuple[str, type[Warning], int]] = []

    def record(message: str, category: type[Warning], stacklevel: int) -> None:
        calls.append((message, category, stacklevel))

    setWarningMethod(record)
    try:
        assert getWarningMethod() is record
        deprecated(V)(oldFunction)(1)
    finally:
        setWarningMethod(warnings.warn)
    [(message, category, stacklevel)] = calls
    assert message == getDeprecationWarningString(oldFunction, V) and category is DeprecationWarning
    assert stacklevel == 3  # this frame, counted from where `record` was called


@deprecatedKeywordParameter(V, "foo", "bar")
def withParameter(a: int, b: int = 0, foo: int = 0, bar: int = 0) -> int:
    """Sum."""
    return a + b + foo + bar


def test_deprecatedKeywordParameter(caught: list[warnings.WarningMessage]) -> None:
    expected = (
        f"The 'foo' parameter to {__name__}.withParameter was deprecated in Pkg 1.2.3;"
        " please use bar instead"
    )
    assert withParameter(1, 2) + withParameter(1, bar=2) == 6
    assert caught == []
    assert withParameter(1, foo=2) == 3
    assert withParameter(1, 2, 3) == 6
    assert messages(caught) == [expected, expected]
    assert caught[1].filename == __file__
    assert withParameter.__doc__ == (
        "Sum.\n\nThe 'foo' parameter was deprecated in Pkg 1.2.3; please use bar instead.\n"
    )


def test_deprecatedKeywordOnlyParameter(caught: list[warnings.WarningMessage]) -> None:
    @deprecatedKeywordParameter(V, "foo")
    def f(*args: int, foo: int = 0) -> int:
        return sum(args) + foo

    assert f(1, 2, 3) == 6 and caught == []
    assert f(foo=1) == 1 and len(caught) == 1


def test_passedSignature() -> None:
    def f(a: int, b: int = 2, *args: int, c: int = 3, **kw: int) -> None: ...

    sig = inspect.signature(f)
    assert _passedSignature(sig, (1,), {}) == {"a": 1, "args": (), "c": 3, "kw": {}}
    assert _passedSignature(sig, (1, 2, 3, 4), {"d": 5}) == {
        "a": 1,
        "b": 2,
        "args": (3, 4),
        "c": 3,
        "kw": {"d": 5},
    }
    g: Callable[..., None] = lambda a, *, b: None  # noqa: E731
    with pytest.raises(TypeError, match="missing keyword arg b"):
        _passedSignature(inspect.signature(g), (1,), {})
    h: Callable[..., None] = lambda a, b=1: None  # noqa: E731
    for args, kwargs, error in [
        ((1, 2, 3), {}, "Too many arguments"),
        ((1,), {"a": 1}, "Already passed"),
        ((1,), {"z": 1}, "no such param"),
    ]:
        with pytest.raises(TypeError, match=error):
            _passedSignature(inspect.signature(h), args, kwargs)


def test_mutuallyExclusiveArguments() -> None:
    @_mutuallyExclusiveArguments([("a", "b")])
    def f(x: int, a: int = 1, b: int = 2) -> int:
        return x + a + b

    assert f(1) == 4 and f(1, 5) == 8 and f(1, b=5) == 7
    with pytest.raises(TypeError, match=r"'a' and 'b' arguments to .*f are mutually exclusive"):
        f(1, 2, b=3)


# -- warnAboutFunction -----------------------------------------------------------------


def offender() -> int:
    a = 1
    return a  # the last line: the warning points here


def test_warnAboutFunction(caught: list[warnings.WarningMessage]) -> None:
    warnAboutFunction(offender, "offender is deprecated")
    [w] = caught
    _, first = inspect.getsourcelines(offender)
    assert str(w.message) == "offender is deprecated" and w.category is DeprecationWarning
    assert (w.filename, w.lineno) == (inspect.getabsfile(sys.modules[__name__]), first + 2)


def test_warnAboutFunctionObeysModuleFilters(caught: list[warnings.WarningMessage]) -> None:
    warnings.filterwarnings("ignore", module=__name__.replace(".", r"\."))
    warnAboutFunction(offender, "filtered")
    assert caught == []


def test_publicNames() -> None:
    assert set(deprecate.__all__) <= set(dir(deprecate))
