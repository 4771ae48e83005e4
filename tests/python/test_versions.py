"""Tests for `torsion.python.versions` and the package's own `torsion.version`."""

from __future__ import annotations

import itertools
from importlib import metadata
from typing import Any

import incremental
import pytest
from hypothesis import given
from hypothesis import strategies as st

import torsion
from torsion.python.versions import IncomparableVersions, Version, getVersionString, parseVersion


def test_public_forms() -> None:
    assert Version("p", 14, 4, 0).public() == "14.4.0"
    assert Version("p", 1, 2, 3, release_candidate=1).public() == "1.2.3rc1"
    assert Version("p", 14, 2, 1, release_candidate=1, dev=9).public() == "14.2.1rc1.dev9"
    assert Version("p", 1, 0, 0, post=2, dev=1).public() == "1.0.0.post2.dev1"
    assert Version("p", "NEXT", 0, 0).public() == "NEXT"
    version = Version("p", 1, 2, 3, release_candidate=4)
    assert version.base() == version.short() == version.local() == version.public()


def test_repr_and_str() -> None:
    assert repr(Version("dummy", 1, 2, 3)) == "Version('dummy', 1, 2, 3)"
    assert repr(Version("dummy", 1, 2, 3, release_candidate=4, post=5, dev=6)) == (
        "Version('dummy', 1, 2, 3, release_candidate=4, post=5, dev=6)"
    )
    assert str(Version("dummy", 1, 2, 3, dev=1)) == "[dummy, version 1.2.3.dev1]"
    assert getVersionString(Version("dummy", 1, 0, 0, post=1)) == "dummy 1.0.0.post1"


def test_ordering() -> None:
    ordered = [
        Version("p", 1, 0, 0, release_candidate=1, dev=1),
        Version("p", 1, 0, 0, release_candidate=1),
        Version("p", 1, 0, 0, release_candidate=2),
        Version("p", 1, 0, 0, dev=1),  # as in incremental: after any candidate (not PEP 440)
        Version("p", 1, 0, 0),
        Version("p", 1, 0, 0, post=1, dev=0),
        Version("p", 1, 0, 0, post=1),
        Version("p", 1, 0, 1),
        Version("p", 1, 10, 0),
        Version("p", 2, 0, 0),
        Version("p", "NEXT", 0, 0),
    ]
    assert sorted(reversed(ordered)) == ordered
    for lower, higher in itertools.pairwise(ordered):
        assert lower < higher and lower <= higher and higher > lower and higher >= lower
        assert lower != higher and (lower == higher) is False


def test_package_names_compare_without_case() -> None:
    assert Version("Dummy", 1, 0, 0) == Version("dummy", 1, 0, 0)
    assert hash(Version("Dummy", 1, 0, 0)) == hash(Version("dummy", 1, 0, 0))
    with pytest.raises(IncomparableVersions):
        Version("dummy", 1, 0, 0) < Version("other", 1, 0, 0)  # noqa: B015
    with pytest.raises(IncomparableVersions):
        Version("dummy", 1, 0, 0) == Version("other", 1, 0, 0)  # noqa: B015


def test_other_objects_are_NotImplemented() -> None:
    version: Any = Version("dummy", 1, 0, 0)
    assert version != (1, 0, 0)
    assert version.__eq__((1, 0, 0)) is NotImplemented
    assert version.__lt__((1, 0, 0)) is NotImplemented
    with pytest.raises(TypeError):
        version < (1, 0, 0)  # noqa: B015


def test_NEXT_stands_alone() -> None:
    with pytest.raises(ValueError, match="NEXT"):
        Version("dummy", "NEXT", 1, 0)
    assert Version("dummy", "NEXT", 0, 0) == Version("dummy", "NEXT", 0, 0)


def test_prerelease_is_the_deprecated_release_candidate() -> None:
    with pytest.warns(DeprecationWarning, match="release_candidate"):
        old = Version("dummy", 1, 0, 0, None, 2)
    assert old == Version("dummy", 1, 0, 0, release_candidate=2)
    with pytest.raises(ValueError):
        Version("dummy", 1, 0, 0, release_candidate=1, prerelease=1)


_NUMBER = st.integers(0, 30)
_OPTIONAL = st.one_of(st.none(), st.integers(0, 5))
_VERSIONS = st.builds(
    lambda major, minor, micro, rc, post, dev: ("p", major, minor, micro, rc, post, dev),
    _NUMBER,
    _NUMBER,
    _NUMBER,
    _OPTIONAL,
    _OPTIONAL,
    _OPTIONAL,
)


def _ours(args: tuple[Any, ...]) -> Version:
    package, major, minor, micro, rc, post, dev = args
    return Version(package, major, minor, micro, release_candidate=rc, post=post, dev=dev)


def _incremental(args: tuple[Any, ...]) -> incremental.Version:
    package, major, minor, micro, rc, post, dev = args
    return incremental.Version(
        package, major, minor, micro, release_candidate=rc, post=post, dev=dev
    )


@given(_VERSIONS, _VERSIONS)
def test_same_order_and_text_as_incremental(a: tuple[Any, ...], b: tuple[Any, ...]) -> None:
    ours, theirs = (_ours(a), _ours(b)), (_incremental(a), _incremental(b))
    for compare in ("__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__"):
        assert getattr(ours[0], compare)(ours[1]) == getattr(theirs[0], compare)(theirs[1])
    assert ours[0].public() == theirs[0].public()
    assert repr(ours[0]) == repr(theirs[0])
    assert str(ours[0]) == str(theirs[0])


@given(_VERSIONS)
def test_parseVersion_reads_what_public_writes(args: tuple[Any, ...]) -> None:
    version = _ours(args)
    parsed = parseVersion("p", version.public())
    assert parsed == version and repr(parsed) == repr(version)


def test_parseVersion() -> None:
    assert parseVersion("p", "1.2") == Version("p", 1, 2, 0)
    assert parseVersion("p", "NEXT") == Version("p", "NEXT", 0, 0)
    for bad in ["", "1", "1.2.3.4", "1.2.3a1", "v1.2.3", "1.2.3rc", "1.2.3 "]:
        with pytest.raises(ValueError):
            parseVersion("p", bad)


def test_torsion_version_is_the_installed_one() -> None:
    assert torsion.__version__ == metadata.version("torsion")
    assert isinstance(torsion.version, Version)
    assert torsion.version.package == "torsion"
    assert torsion.version.public() == parseVersion("torsion", torsion.__version__).public()
    with pytest.raises(AttributeError):
        torsion.noSuchAttribute  # type: ignore[attr-defined]  # noqa: B018


def test_torsion_version_without_metadata(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(name: str) -> str:
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "version", missing)
    for name in ("__version__", "version"):
        monkeypatch.delitem(vars(torsion), name, raising=False)
    assert torsion.__version__ == torsion._UNINSTALLED_VERSION
    assert torsion.version == parseVersion("torsion", torsion._UNINSTALLED_VERSION)
