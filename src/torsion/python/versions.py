"""`Version`: a package's version, comparable, printed the PEP 440 way.

Twisted re-exports ``incremental.Version``; torsion has its own with the same constructor,
methods and ordering, so it needs no dependency. ``Version("torsion", 1, 2, 3,
release_candidate=1)`` is ``1.2.3rc1``; a major of ``"NEXT"`` stands for the release not yet
numbered, newer than any.
"""

from __future__ import annotations

import math
import re
import warnings
from typing import Literal

__all__ = ["IncomparableVersions", "Version", "getVersionString", "parseVersion"]


class IncomparableVersions(TypeError):
    """Two versions of different packages were compared."""


class Version:
    """A release of `package`: ``major.minor.micro``, maybe a candidate, post or dev release.

    Versions of one package (its name compared without case) order as incremental orders
    them: by major, minor and micro, then release candidate, post and dev release, where no
    candidate sorts after every candidate, no post release before every post release, and no
    dev release after every dev release (so ``1.0.0.dev1`` comes after ``1.0.0rc1``, unlike
    PEP 440). ``"NEXT"`` comes after every numbered major. Comparing versions of different
    packages raises `IncomparableVersions`; comparing with anything else is `NotImplemented`.

    Args:
        package: The package's name.
        major: The major number, or ``"NEXT"``.
        minor: The minor number.
        micro: The micro number.
        release_candidate: The release candidate's number, if this is one.
        prerelease: incremental's old name of `release_candidate` (deprecated), kept so that
            positional arguments mean what they mean to incremental.
        post: The post release's number, if this is one.
        dev: The dev release's number, if this is one.

    Raises:
        ValueError: `major` is ``"NEXT"`` and another number is set, or both
            `release_candidate` and `prerelease` are.
    """

    def __init__(
        self,
        package: str,
        major: Literal["NEXT"] | int,
        minor: int,
        micro: int,
        release_candidate: int | None = None,
        prerelease: int | None = None,
        post: int | None = None,
        dev: int | None = None,
    ) -> None:
        if prerelease is not None:
            if release_candidate is not None:
                raise ValueError("Please only return one of these.")
            warnings.warn(
                "Version's prerelease is deprecated (as in incremental 16.9.0): "
                "pass release_candidate instead.",
                DeprecationWarning,
                stacklevel=2,
            )
            release_candidate = prerelease
        if major == "NEXT" and (minor or micro or release_candidate or post or dev):
            raise ValueError("When using NEXT, all other values except Package must be 0.")
        self.package = package
        self.major = major
        self.minor = minor
        self.micro = micro
        self.release_candidate = release_candidate
        self.post = post
        self.dev = dev

    def public(self) -> str:
        """Return the PEP 440 version string, such as ``14.4.0``, ``1.2.3rc1.post2.dev9``."""
        if self.major == "NEXT":
            return "NEXT"
        rc = "" if self.release_candidate is None else f"rc{self.release_candidate}"
        post = "" if self.post is None else f".post{self.post}"
        dev = "" if self.dev is None else f".dev{self.dev}"
        return f"{self.major}.{self.minor}.{self.micro}{rc}{post}{dev}"

    base = public
    short = public
    local = public

    def __repr__(self) -> str:
        optional = "".join(
            f", {name}={value!r}"
            for name, value in (
                ("release_candidate", self.release_candidate),
                ("post", self.post),
                ("dev", self.dev),
            )
            if value is not None
        )
        return (
            f"{type(self).__name__}({self.package!r}, {self.major!r}, {self.minor}, "
            f"{self.micro}{optional})"
        )

    def __str__(self) -> str:
        return f"[{self.package}, version {self.short()}]"

    def _key(self) -> tuple[float, ...]:
        """What orders versions: a missing candidate or dev number sorts after any number."""
        return (
            math.inf if self.major == "NEXT" else self.major,
            self.minor,
            self.micro,
            math.inf if self.release_candidate is None else self.release_candidate,
            -1 if self.post is None else self.post,
            math.inf if self.dev is None else self.dev,
        )

    def _compare(self, other: object) -> tuple[tuple[float, ...], tuple[float, ...]] | None:
        """Both keys, or None if `other` is not a Version."""
        if not isinstance(other, Version):
            return None
        if self.package.lower() != other.package.lower():
            raise IncomparableVersions(f"{self.package!r} != {other.package!r}")
        return self._key(), other._key()

    def __eq__(self, other: object) -> bool:
        keys = self._compare(other)
        return NotImplemented if keys is None else keys[0] == keys[1]

    def __lt__(self, other: object) -> bool:
        keys = self._compare(other)
        return NotImplemented if keys is None else keys[0] < keys[1]

    def __le__(self, other: object) -> bool:
        keys = self._compare(other)
        return NotImplemented if keys is None else keys[0] <= keys[1]

    def __gt__(self, other: object) -> bool:
        keys = self._compare(other)
        return NotImplemented if keys is None else keys[0] > keys[1]

    def __ge__(self, other: object) -> bool:
        keys = self._compare(other)
        return NotImplemented if keys is None else keys[0] >= keys[1]

    def __hash__(self) -> int:
        return hash((self.package.lower(), self._key()))


def getVersionString(version: Version) -> str:
    """Return ``"package version"``, such as ``"torsion 1.2.3"``."""
    return f"{version.package} {version.short()}"


_PUBLIC = re.compile(r"(\d+)\.(\d+)(?:\.(\d+))?(?:rc(\d+))?(?:\.post(\d+))?(?:\.dev(\d+))?")


def parseVersion(package: str, text: str) -> Version:
    """Return the `Version` of `package` that `text` (as `Version.public` writes it) names.

    A missing micro number is 0, so ``"1.2"`` is ``1.2.0``.

    Raises:
        ValueError: `text` is not ``NEXT`` nor ``major.minor[.micro][rcN][.postN][.devN]``.
    """
    if text == "NEXT":
        return Version(package, "NEXT", 0, 0)
    match = _PUBLIC.fullmatch(text)
    if match is None:
        raise ValueError(f"{text!r} is not a version torsion.python.versions.Version can hold")
    major, minor, micro, rc, post, dev = (None if g is None else int(g) for g in match.groups())
    assert major is not None and minor is not None
    return Version(package, major, minor, micro or 0, rc, post=post, dev=dev)
