"""Tests for `torsion.python.reflect`: names to objects and back, safe formatting."""

from __future__ import annotations

import os
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from hypothesis import given
from hypothesis import strategies as st
from twisted.python import reflect as twistedReflect

from torsion.python import reflect
from torsion.python.reflect import (
    InvalidName,
    ModuleNotFound,
    ObjectNotFound,
    accumulateClassDict,
    accumulateClassList,
    accumulateMethods,
    addMethodNamesToDict,
    filenameToModuleName,
    fullyQualifiedName,
    getClass,
    namedAny,
    namedClass,
    namedModule,
    namedObject,
    prefixedMethodNames,
    prefixedMethods,
    qual,
    requireModule,
    safe_repr,
    safe_str,
)


class Summer:
    """A class with a nested attribute chain for `namedAny`."""

    def reallySet(self) -> None:
        """A documented method."""


class Base:
    def good_method(self) -> None: ...

    def bad_method(self) -> None: ...

    def good_(self) -> None:
        """Named exactly the prefix: not collected."""


class Child(Base):
    def good_method(self) -> None:
        """Overrides Base's: the subclass's method wins."""

    def good_other(self) -> None: ...

    good_notAFunction = 3


@pytest.fixture
def packages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A directory on sys.path with modules that fail to import in different ways."""
    pkg = tmp_path / "reflecthelpers"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "zde.py").write_text("1 / 0\n")
    (pkg / "importerror.py").write_text("import reflecthelpers_no_such_module_anywhere\n")
    (pkg / "fine.py").write_text("value = 42\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield pkg
    for name in [n for n in sys.modules if n.startswith("reflecthelpers")]:
        del sys.modules[name]


def test_namedAny_imports_the_longest_module_prefix() -> None:
    assert namedAny("os") is os
    assert namedAny("os.path") is os.path
    assert namedAny("os.path.join") is os.path.join
    assert namedAny(f"{__name__}.Summer") is Summer
    assert namedAny(f"{__name__}.Summer.reallySet.__doc__") == "A documented method."


def test_namedAny_invalid_names() -> None:
    with pytest.raises(InvalidName, match=r"^Empty module name$"):
        namedAny("")
    for name in [".os", "os.", "os..path"]:
        with pytest.raises(InvalidName) as info:
            namedAny(name)
        assert str(info.value) == (
            f"name must be a string giving a '.'-separated list of Python identifiers, not {name!r}"
        )


def test_namedAny_missing_modules_and_objects() -> None:
    with pytest.raises(ModuleNotFound) as moduleInfo:
        namedAny("nosuchmoduleintheworld")
    assert str(moduleInfo.value) == "No module named 'nosuchmoduleintheworld'"
    with pytest.raises(ObjectNotFound) as objectInfo:
        namedAny("tcelfer.nohtyp.detsiwt")
    assert str(objectInfo.value) == "'tcelfer.nohtyp.detsiwt' does not name an object"
    with pytest.raises(ObjectNotFound):
        namedAny("@#$@(#.!@(#!@#")
    assert issubclass(ModuleNotFound, InvalidName) and issubclass(ObjectNotFound, InvalidName)
    assert issubclass(InvalidName, ValueError)


def test_namedAny_missing_attributes_raise_AttributeError() -> None:
    for name in ["os.nosuchmodule", "os.nosuch.modulein.theworld", f"{__name__}.Summer.nope"]:
        with pytest.raises(AttributeError):
            namedAny(name)


def test_namedAny_lets_a_module_own_errors_through(packages: Path) -> None:
    for _ in range(2):  # the failed import leaves nothing behind, so it fails again
        with pytest.raises(ZeroDivisionError):
            namedAny("reflecthelpers.zde")
    with pytest.raises(ImportError) as info:
        namedAny("reflecthelpers.importerror")
    assert not isinstance(info.value, InvalidName)  # the module's own error, not "not found"
    assert namedAny("reflecthelpers.fine.value") == 42


def test_namedModule_namedObject_requireModule() -> None:
    assert namedModule("os.path") is os.path
    assert namedObject("os.path.join") is os.path.join
    assert namedClass is namedObject
    assert requireModule("os.path") is os.path
    assert requireModule("nosuchmoduleintheworld") is None
    assert requireModule("nosuchmoduleintheworld", default="x") == "x"


_PARTS = st.sampled_from(["os", "path", "join", "sys", "modules", "nosuch", "torsion", "python"])


@given(st.lists(_PARTS, min_size=1, max_size=4).map(".".join))
def test_namedAny_agrees_with_Twisted(name: str) -> None:
    """On names made of real and unreal parts, torsion returns or raises what Twisted does."""
    outcomes: list[tuple[str, Any]] = []
    for implementation in (namedAny, twistedReflect.namedAny):
        try:
            outcomes.append(("value", implementation(name)))
        except Exception as e:
            outcomes.append(("error", type(e).__name__))
    ((kind, ours), (theirKind, theirs)) = outcomes
    assert kind == theirKind
    assert ours is theirs if kind == "value" else ours == theirs


@given(
    st.text(alphabet=st.sampled_from("ab."), max_size=8).filter(lambda name: "" in name.split("."))
)
def test_namedAny_rejects_empty_parts(name: str) -> None:
    with pytest.raises(InvalidName):
        namedAny(name)


def test_qual_and_fullyQualifiedName() -> None:
    assert qual(Summer) == f"{__name__}.Summer"
    assert qual(int) == "builtins.int"
    assert fullyQualifiedName(os) == "os"
    assert fullyQualifiedName(reflect) == "torsion.python.reflect"
    assert fullyQualifiedName(Summer) == f"{__name__}.Summer"
    assert fullyQualifiedName(namedAny) == "torsion.python.reflect.namedAny"
    assert fullyQualifiedName(Summer.reallySet) == f"{__name__}.Summer.reallySet"
    assert fullyQualifiedName(Summer().reallySet) == f"{__name__}.Summer.reallySet"
    assert namedAny(fullyQualifiedName(Summer.reallySet)) is Summer.reallySet


def test_getClass() -> None:
    assert getClass(Summer) is type
    assert getClass(Summer()) is Summer


def test_prefixed_method_names() -> None:
    assert sorted(prefixedMethodNames(Child, "good_")) == ["method", "other"]
    names: dict[str, int] = {}
    addMethodNamesToDict(Child, names, "bad_")
    assert names == {"method": 1}
    onlyUnder: dict[str, int] = {}
    addMethodNamesToDict(Child, onlyUnder, "good_", baseClass=Base)
    assert sorted(onlyUnder) == ["method", "other"]  # Child's own, as Child is-a Base
    none: dict[str, int] = {}
    addMethodNamesToDict(Child, none, "good_", baseClass=Summer)
    assert none == {}


def test_accumulateMethods_binds_and_lets_subclasses_win() -> None:
    child = Child()
    methods: dict[str, Any] = {}
    accumulateMethods(child, methods, "good_")
    assert methods == {"method": child.good_method, "other": child.good_other}
    assert methods["method"].__func__ is Child.good_method
    assert sorted(m.__name__ for m in prefixedMethods(child, "good_")) == [
        "good_method",
        "good_other",
    ]


def test_accumulate_class_attributes() -> None:
    class Plant:
        properties: ClassVar[dict[str, str]] = {"colour": "green", "taste": "plain"}
        items: ClassVar[list[int]] = [1]

    class Seaweed(Plant):
        properties: ClassVar[dict[str, str]] = {"taste": "salty"}
        items: ClassVar[list[int]] = [2]

    merged: dict[str, str] = {}
    accumulateClassDict(Seaweed, "properties", merged)
    assert merged == {"colour": "green", "taste": "salty"}
    listed: list[int] = []
    accumulateClassList(Seaweed, "items", listed)
    assert listed == [1, 2]


class Breakable:
    breakRepr = False
    breakStr = False

    def __repr__(self) -> str:
        if self.breakRepr:
            raise RuntimeError("repr!")
        return "<Breakable>"

    def __str__(self) -> str:
        if self.breakStr:
            raise RuntimeError("str!")
        return "Breakable"


class BrokenName(type):
    """A metaclass whose classes fail to give their name, or to be str()-ed."""

    @property
    def __name__(cls) -> str:  # type: ignore[override]
        raise RuntimeError("no name")

    def __str__(cls) -> str:
        raise RuntimeError("no str")


def test_safe_repr() -> None:
    assert safe_repr([1, b"a"]) == repr([1, b"a"])
    broken = Breakable()
    broken.breakRepr = True
    text = safe_repr(broken)
    first = text.split("\n")[0]
    assert first == f"<Breakable instance at 0x{id(broken):x} with repr error:"
    assert "RuntimeError: repr!" in text
    assert os.path.splitext(__file__)[0] in text  # the traceback names this file
    onlyStr = Breakable()
    onlyStr.breakStr = True
    assert safe_repr(onlyStr) == "<Breakable>"


def test_safe_repr_of_a_class_without_a_name() -> None:
    class Nameless(Breakable, metaclass=BrokenName):
        breakRepr = True

    text = safe_repr(Nameless())
    assert text.startswith("<<BROKEN CLASS AT 0x")
    assert "RuntimeError: repr!" in text


def test_safe_str() -> None:
    assert safe_str([1, 2]) == "[1, 2]"
    assert safe_str(b"a") == "a"
    assert safe_str("é".encode()) == "é"
    assert safe_str(b"\xff") == str(b"\xff")
    broken = Breakable()
    broken.breakStr = True
    text = safe_str(broken)
    assert text.startswith(f"<Breakable instance at 0x{id(broken):x} with str error:\n")
    assert "RuntimeError: str!" in text


def test_filenameToModuleName(tmp_path: Path) -> None:
    package = tmp_path / "fakepackage" / "test"
    package.mkdir(parents=True)
    (tmp_path / "fakepackage" / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    assert filenameToModuleName(str(package)) == "fakepackage.test"
    assert filenameToModuleName(str(package) + os.sep) == "fakepackage.test"
    module = package / "test_reflect.py"
    assert filenameToModuleName(str(module)) == "fakepackage.test.test_reflect"
    assert filenameToModuleName(os.fsencode(module)) == "fakepackage.test.test_reflect"
    assert filenameToModuleName(str(tmp_path / "lonely.py")) == "lonely"


def test_QueueMethod_records_calls() -> None:
    calls: list[tuple[str, tuple[Any, ...]]] = []
    method = reflect.QueueMethod("write", calls)
    method(b"a", 1)
    method()
    assert calls == [("write", (b"a", 1)), ("write", ())]


def test_fullFuncName_names_a_module_level_function() -> None:
    assert reflect.fullFuncName(os.path.join) == "posixpath.join"
    assert reflect.fullFuncName(namedAny) == "torsion.python.reflect.namedAny"


def test_fullFuncName_refuses_a_name_that_does_not_lead_back() -> None:
    twin = types.FunctionType(namedAny.__code__, namedAny.__globals__, "namedAny")
    with pytest.raises(Exception, match="Couldn't find"):
        reflect.fullFuncName(twin)
