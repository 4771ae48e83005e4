"""Tests for `torsion.python.util`."""

from __future__ import annotations

import collections
import errno
import io
import os
import sys
import warnings
from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from types import FrameType
from typing import Any, ClassVar

import pytest
from hypothesis import given
from hypothesis import strategies as st

from torsion.python import util
from torsion.python.util import (
    FancyEqMixin,
    FancyStrMixin,
    InsensitiveDict,
    getPassword,
    gidFromString,
    makeStatBar,
    mergeFunctionMetadata,
    nameToLabel,
    padTo,
    runAsEffectiveUser,
    runWithWarningsSuppressed,
    sibpath,
    spewer,
    switchUID,
    uidFromString,
    uniquify,
    untilConcludes,
)


def test_InsensitiveDict_is_a_mutable_mapping() -> None:
    dct: InsensitiveDict[int] = InsensitiveDict()
    assert isinstance(dct, Iterable) and isinstance(dct, Mapping)
    assert isinstance(dct, MutableMapping) and not isinstance(dct, Sequence)


def test_InsensitiveDict_preserving_case() -> None:
    dct: InsensitiveDict[Any] = InsensitiveDict({"Foo": "bar", 1: 2, "fnz": {1: 2}})
    assert dct["fnz"] == {1: 2}
    assert dct["foo"] == dct["FOO"] == dct.get("Foo") == "bar"
    assert dct.get("missing", 5) == 5
    assert 1 in dct and "foo" in dct and "nope" not in dct
    assert dct.copy() == dct
    assert eval(repr(dct), {"InsensitiveDict": InsensitiveDict}) == dct
    assert sorted(map(str, dct.keys())) == ["1", "Foo", "fnz"]
    assert ("Foo", "bar") in dct.items()
    assert len(dct) == 3
    dct["FOO"] = "baz"  # replaces, and the key's case is the latest one's
    assert len(dct) == 3 and ("FOO", "baz") in dct.items()
    del dct[1]
    del dct["foo"]
    assert dct.keys() == ["fnz"]
    assert dct.values() == [{1: 2}]


def test_InsensitiveDict_lowering_case() -> None:
    dct: InsensitiveDict[Any] = InsensitiveDict({"Foo": "bar", b"BaZ": 1}, preserve=False)
    assert dct.keys() == ["foo", b"baz"]
    assert dct.items() == [("foo", "bar"), (b"baz", 1)]
    assert dct[b"baz"] == 1


def test_InsensitiveDict_mapping_methods() -> None:
    dct: InsensitiveDict[int] = InsensitiveDict({"A": 1})
    assert dct.setdefault("a", 5) == 1
    assert dct.setdefault("b", 2) == 2
    assert dct.pop("B") == 2
    assert dct.pop("b", 9) == 9
    with pytest.raises(KeyError):
        dct.pop("b")
    assert dct.popitem() == ("A", 1)
    dct.update({"x": 1, "Y": 2})
    dct.clear()
    assert len(dct) == 0
    assert InsensitiveDict({"a": 1}) == {"a": 1}
    assert InsensitiveDict({"a": 1}) != {"a": 2}
    assert InsensitiveDict({"a": 1}) != {"a": 1, "b": 2}
    assert InsensitiveDict({"a": 1}) != [("a", 1)]


_ASCII_KEYS = st.text(alphabet=st.characters(max_codepoint=127), max_size=3)


@given(st.dictionaries(_ASCII_KEYS, st.integers(), max_size=5), st.booleans())
def test_InsensitiveDict_finds_every_key_in_any_case(data: dict[str, int], preserve: bool) -> None:
    dct = InsensitiveDict(data, preserve)
    for key, value in data.items():
        if sum(k.lower() == key.lower() for k in data) == 1:
            assert dct[key.upper()] == dct[key.lower()] == value
    assert len(dct) == len({k.lower() for k in data})


def test_uniquify_and_padTo() -> None:
    assert uniquify([3, 1, 3, 2, 1]) == [3, 1, 2]
    assert padTo(3, [1]) == [1, None, None]
    assert padTo(2, ["a"], "z") == ["a", "z"]
    original = [1, 2]
    padded = padTo(2, original)
    assert padded == original and padded is not original
    with pytest.raises(ValueError, match="3 elements is more than 2"):
        padTo(2, [1, 2, 3])


def test_nameToLabel() -> None:
    cases = {
        "f": "F",
        "fo": "Fo",
        "foo": "Foo",
        "fooBar": "Foo Bar",
        "fooBarBaz": "Foo Bar Baz",
        "fooBAR": "Foo BAR",
        "fooBARBaz": "Foo BAR Baz",
        "fooBaRZ": "Foo Ba RZ",
    }
    assert {name: nameToLabel(name) for name in cases} == cases


def test_uid_and_gid_from_strings() -> None:
    pwd = pytest.importorskip("pwd")
    grp = pytest.importorskip("grp")
    assert uidFromString("100") == 100
    assert gidFromString("100") == 100
    user = pwd.getpwuid(os.getuid())
    assert uidFromString(user.pw_name) == user.pw_uid
    group = grp.getgrgid(os.getgid())
    assert gidFromString(group.gr_name) == group.gr_gid
    with pytest.raises(KeyError):
        uidFromString("no such user, surely")


def test_untilConcludes_retries_EINTR() -> None:
    calls: list[int] = []

    def flaky(x: int) -> int:
        calls.append(x)
        if len(calls) < 3:
            raise OSError(errno.EINTR, "interrupted")
        return x * 2

    assert untilConcludes(flaky, 4) == 8
    assert calls == [4, 4, 4]

    def broken() -> None:
        raise OSError(errno.EBADF, "bad")

    with pytest.raises(OSError) as info:
        untilConcludes(broken)
    assert info.value.errno == errno.EBADF


class FakeIDs:
    """os's user and group functions, recorded instead of performed."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, uid: int, gid: int) -> None:
        self.calls: list[tuple[str, int]] = []
        self.euid, self.egid = uid, gid
        for name in ("setuid", "setgid", "seteuid", "setegid"):
            monkeypatch.setattr(os, name, self._recorder(name))
        monkeypatch.setattr(os, "getuid", lambda: uid)
        monkeypatch.setattr(os, "geteuid", lambda: self.euid)
        monkeypatch.setattr(os, "getegid", lambda: self.egid)
        monkeypatch.setattr(util, "initgroups", lambda u, g: self.calls.append(("init", u)))

    def _recorder(self, name: str) -> Any:
        def record(value: int) -> None:
            self.calls.append((name, value))
            if name == "seteuid":
                self.euid = value
            elif name == "setegid":
                self.egid = value

        return record


def test_switchUID(monkeypatch: pytest.MonkeyPatch) -> None:
    ids = FakeIDs(monkeypatch, uid=0, gid=0)
    switchUID(12000, 13000)
    assert ids.calls == [("setgid", 13000), ("init", 12000), ("setuid", 12000)]
    ids.calls.clear()
    switchUID(12000, None, euid=True)
    assert ids.calls == [("init", 12000), ("seteuid", 12000)]


def test_switchUID_to_the_current_user_warns(monkeypatch: pytest.MonkeyPatch) -> None:
    ids = FakeIDs(monkeypatch, uid=500, gid=500)
    with pytest.warns(UserWarning, match="uid is already 500") as caught:
        switchUID(500, None)
    assert ids.calls == []
    assert caught[0].filename == util.__file__  # Filed under switchUID, as in Twisted.


def test_initgroups_calls_the_stdlib_with_the_users_name(monkeypatch: pytest.MonkeyPatch) -> None:
    pwd = pytest.importorskip("pwd")
    calls: list[tuple[str, int]] = []
    monkeypatch.setattr(util, "_initgroups", lambda name, gid: calls.append((name, gid)))
    util.initgroups(os.getuid(), 4)
    assert calls == [(pwd.getpwuid(os.getuid()).pw_name, 4)]
    monkeypatch.setattr(util, "_initgroups", None)
    util.initgroups(os.getuid(), 4)  # No platform support: nothing to do.
    assert len(calls) == 1


def test_initgroups_needs_a_group() -> None:
    if util._initgroups is None:
        pytest.skip("no initgroups on this platform")
    with pytest.raises(TypeError):
        util.initgroups(os.getuid(), None)


def test_the_stdlibs_group_functions_are_offered() -> None:
    assert util.setgroups is getattr(os, "setgroups", None)
    assert util.getgroups is getattr(os, "getgroups", None)


def test_OrderedDict_is_deprecated() -> None:
    with pytest.warns(DeprecationWarning) as caught:
        from torsion.python.util import OrderedDict
    assert OrderedDict is collections.OrderedDict
    assert str(caught[0].message) == (
        "torsion.python.util.OrderedDict was deprecated in Twisted 15.5.0: "
        "Use collections.OrderedDict instead."
    )


@pytest.mark.parametrize(
    ("start", "wanted", "expected"),
    [
        ((0, 0), (0, 0), []),
        ((1, 0), (0, 0), [("seteuid", 0), ("seteuid", 1)]),
        ((0, 0), (1, 0), [("seteuid", 1), ("seteuid", 0)]),
        ((0, 0), (0, 1), [("setegid", 1), ("setegid", 0)]),
        (
            (0, 0),
            (1, 1),
            [("setegid", 1), ("seteuid", 1), ("seteuid", 0), ("setegid", 0)],
        ),
        (
            (2, 2),
            (1, 1),
            [
                ("seteuid", 0),
                ("setegid", 1),
                ("seteuid", 1),
                ("seteuid", 0),
                ("setegid", 2),
                ("seteuid", 2),
            ],
        ),
    ],
)
def test_runAsEffectiveUser(
    monkeypatch: pytest.MonkeyPatch,
    start: tuple[int, int],
    wanted: tuple[int, int],
    expected: list[tuple[str, int]],
) -> None:
    ids = FakeIDs(monkeypatch, *start)
    seen: list[tuple[int, int]] = []

    def function(a: int, *, b: int) -> int:
        seen.append((ids.euid, ids.egid))
        return a + b

    assert runAsEffectiveUser(*wanted, function, 1, b=2) == 3
    assert seen == [wanted]
    assert ids.calls == expected
    assert (ids.euid, ids.egid) == start


def test_mergeFunctionMetadata() -> None:
    def source() -> None:
        """The source's doc."""

    source.extra = 5  # type: ignore[attr-defined]
    source.__module__ = "somewhere.else"

    def target() -> str:
        return "target's behaviour"

    merged = mergeFunctionMetadata(source, target)
    assert merged is target and merged() == "target's behaviour"
    assert merged.__name__ == "source"
    assert merged.__doc__ == "The source's doc."
    assert merged.__module__ == "somewhere.else"
    assert merged.extra == 5  # type: ignore[attr-defined]


def test_getPassword_reads_stdin_when_it_is_not_a_terminal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("secret\nmore\n"))
    assert getPassword() == "secret"


def test_getPassword_confirms_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    answers = iter(["one", "two", "same", "same"])
    prompts: list[str] = []
    errors = io.StringIO()

    def ask(prompt: str) -> str:
        prompts.append(prompt)
        return next(answers)

    monkeypatch.setattr(sys, "stdin", Terminal())
    monkeypatch.setattr(sys, "stderr", errors)
    monkeypatch.setattr(util, "_getpass", ask)
    assert getPassword("P: ", confirm=True, confirmPrompt="C: ", mismatchMessage="no") == "same"
    assert prompts == ["P: ", "C: ", "P: ", "C: "]
    assert errors.getvalue() == "no\n"


def test_getPassword_turns_EOF_into_KeyboardInterrupt(monkeypatch: pytest.MonkeyPatch) -> None:
    import getpass

    def eof(prompt: str) -> str:
        raise EOFError

    monkeypatch.setattr(getpass, "getpass", eof)
    with pytest.raises(KeyboardInterrupt):
        util._getpass("P: ")


def test_sibpath() -> None:
    assert sibpath(__file__, "other.txt") == os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "other.txt"
    )


def test_makeStatBar() -> None:
    bar = makeStatBar(10, 100)
    assert bar(0) == "[>--------]"
    assert bar(0) == ""  # unchanged
    assert bar(0, force=True) == "[>--------]"
    assert bar(50) == "[=====>---]"
    assert bar(51) == ""
    assert "10 characters long" in (bar.__doc__ or "")


def test_spewer_prints_calls(capsys: pytest.CaptureFixture[str]) -> None:
    class Thing:
        def method(self) -> FrameType:
            return sys._getframe()

    def function() -> FrameType:
        return sys._getframe()

    thing = Thing()
    spewer(thing.method(), "call", None)
    spewer(function(), "call", None)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"method method of {__name__}.Thing at {id(thing)}"
    assert lines[1].startswith(f"function function in {__file__}, line ")


class Point(FancyStrMixin, FancyEqMixin):
    showAttributes = ("x", ("y", lambda v: f"<{v}>"), ("z", "zed", "%.1f"))
    compareAttributes: ClassVar[Sequence[str]] = ("x", "y")

    def __init__(self, x: int, y: int, z: float = 0.0) -> None:
        self.x, self.y, self.z = x, y, z


class NamedPoint(Point):
    fancybasename = "P"


class Identity(FancyEqMixin):
    pass


def test_FancyStrMixin() -> None:
    assert str(Point(1, 2, 3.25)) == "<Point x=1 y=<2> zed=3.2>"
    assert repr(NamedPoint(1, 2)) == "<P x=1 y=<2> zed=0.0>"


def test_FancyEqMixin() -> None:
    assert Point(1, 2) == Point(1, 2, 9.0)
    assert Point(1, 2) != Point(1, 3)
    assert (Point(1, 2) != Point(1, 2)) is False
    assert Point(1, 2) == NamedPoint(1, 2)  # a subclass compares with its base
    assert Point(1, 2) != "not a point"
    one = Identity()
    assert one == one and one != Identity()


def test_FancyEqMixin_lets_the_other_operand_decide() -> None:
    class Anything:
        def __eq__(self, other: object) -> bool:
            return True

        def __ne__(self, other: object) -> bool:
            return False

    assert Point(1, 2) == Anything()
    assert (Point(1, 2) != Anything()) is False


def test_runWithWarningsSuppressed() -> None:
    def noisy() -> int:
        warnings.warn("ignore me", DeprecationWarning, stacklevel=1)
        warnings.warn("not me", UserWarning, stacklevel=1)
        return 7

    filters = [((), {"action": "ignore", "category": DeprecationWarning})]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert runWithWarningsSuppressed(filters, noisy) == 7
        warnings.warn("after", DeprecationWarning, stacklevel=1)
    assert [str(w.message) for w in caught] == ["not me", "after"]
