"""Twisted's grab bag of small utilities: mixins, a case-insensitive dict, user switching.

Each is what Twisted's ``twisted.python.util`` offers under the same name, the helpers Twisted
deprecated included (``getPluginDirs``, ``OrderedDict``: they warn as Twisted's do). The older,
self-contained helpers live in `torsion.python._oldutil`.
"""

from __future__ import annotations

import errno
import os
import sys
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping, Sequence
from types import FrameType
from typing import Any, AnyStr, ClassVar, ParamSpec, TypeVar

from torsion.python._oldutil import (
    IntervalDifferential,
    LineLog,
    addPluginDir,
    getPluginDirs,
    println,
    raises,
    searchupwards,
    str_xor,
)
from torsion.python.deprecate import deprecatedModuleAttribute
from torsion.python.reflect import qual
from torsion.python.versions import Version

__all__ = [
    "FancyEqMixin",
    "FancyStrMixin",
    "InsensitiveDict",
    "IntervalDifferential",
    "LineLog",
    "OrderedDict",
    "addPluginDir",
    "getPassword",
    "getPluginDirs",
    "gidFromString",
    "initgroups",
    "makeStatBar",
    "mergeFunctionMetadata",
    "nameToLabel",
    "padTo",
    "println",
    "raises",
    "runAsEffectiveUser",
    "runWithWarningsSuppressed",
    "searchupwards",
    "sibpath",
    "spewer",
    "str_xor",
    "switchUID",
    "uidFromString",
    "uniquify",
    "untilConcludes",
]

deprecatedModuleAttribute(
    Version("Twisted", 15, 5, 0),
    "Use collections.OrderedDict instead.",
    __name__,
    "OrderedDict",
)

#: The stdlib's group functions, None where the platform has none (Windows). Twisted's module
#: offers them under these names; `initgroups` calls `_initgroups` through this module, so
#: tests can replace it.
_initgroups: Callable[[str, int], None] | None = getattr(os, "initgroups", None)
setgroups: Callable[[Sequence[int]], None] | None = getattr(os, "setgroups", None)
getgroups: Callable[[], list[int]] | None = getattr(os, "getgroups", None)

_T = TypeVar("_T")
_V = TypeVar("_V")
_P = ParamSpec("_P")
_FunctionT = TypeVar("_FunctionT")


class InsensitiveDict(MutableMapping[Any, _V]):
    """A dict whose `str` and `bytes` keys match whatever their case.

    With `preserve` true, `keys()` and `items()` give each key as it was last stored; with it
    false, they give text and bytes keys lower-cased. As in Twisted, `keys()`, `values()` and
    `items()` return lists.
    """

    data: dict[Any, tuple[Any, _V]]
    """Each key, lower-cased if text or bytes, mapped to the key as stored and its value."""

    def __init__(self, dict: Mapping[Any, _V] | None = None, preserve: bool = True) -> None:
        self.data = {}
        self.preserve = preserve
        if dict:
            self.update(dict)

    @staticmethod
    def _lowerOrReturn(key: Any) -> Any:
        """The key under which `key` is stored: lower-cased if it is text or bytes."""
        return key.lower() if isinstance(key, str | bytes) else key

    def _doPreserve(self, key: Any) -> Any:
        return key if self.preserve else self._lowerOrReturn(key)

    def __getitem__(self, key: Any) -> _V:
        return self.data[self._lowerOrReturn(key)][1]

    def __setitem__(self, key: Any, value: _V) -> None:
        self.data[self._lowerOrReturn(key)] = (key, value)

    def __delitem__(self, key: Any) -> None:
        del self.data[self._lowerOrReturn(key)]

    def __contains__(self, key: object) -> bool:
        return self._lowerOrReturn(key) in self.data

    def __iter__(self) -> Iterator[Any]:
        return (self._doPreserve(key) for key, _ in self.data.values())

    def __len__(self) -> int:
        return len(self.data)

    def keys(self) -> list[Any]:  # type: ignore[override]
        """The keys, in their stored case (see the class docstring)."""
        return list(self)

    def values(self) -> list[_V]:  # type: ignore[override]
        """The values."""
        return [value for _, value in self.data.values()]

    def items(self) -> list[tuple[Any, _V]]:  # type: ignore[override]
        """The ``(key, value)`` pairs, keys as `keys()` gives them."""
        return [(self._doPreserve(key), value) for key, value in self.data.values()]

    def copy(self) -> InsensitiveDict[_V]:
        """A shallow copy, with the same `preserve`."""
        return InsensitiveDict(self, self.preserve)

    def __repr__(self) -> str:
        items = ", ".join(f"{k!r}: {v!r}" for k, v in self.items())
        return f"InsensitiveDict({{{items}}})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Mapping):
            return NotImplemented
        return len(self) == len(other) and all(
            k in other and other[k] == v for k, v in self.items()
        )

    __hash__ = None  # type: ignore[assignment]


def uniquify(lst: Iterable[_T]) -> list[_T]:
    """Return the items of `lst` without repeats, in their first order."""
    return list(dict.fromkeys(lst))


def padTo(n: int, seq: Sequence[_T], default: _T | None = None) -> list[_T | None]:
    """Return a new list of `n` items: those of `seq`, then `default` as often as needed.

    Raises:
        ValueError: `seq` has more than `n` items.
    """
    if len(seq) > n:
        raise ValueError(f"{len(seq)} elements is more than {n}.")
    return [*seq, *[default] * (n - len(seq))]


def sibpath(path: os.PathLike[AnyStr] | AnyStr, sibling: AnyStr) -> AnyStr:
    """Return the path of `sibling` in the directory of `path` (typically a module's __file__)."""
    return os.path.join(os.path.dirname(os.path.abspath(path)), sibling)


def _getpass(prompt: str) -> str:
    """Ask for a password on the terminal; an interrupted or closed terminal is Ctrl-C."""
    import getpass

    try:
        return getpass.getpass(prompt)
    except EOFError:
        raise KeyboardInterrupt from None
    except OSError as e:
        if e.errno == errno.EINTR:
            raise KeyboardInterrupt from None
        raise


def getPassword(
    prompt: str = "Password: ",
    confirm: bool = False,
    forceTTY: bool = False,
    confirmPrompt: str = "Confirm password: ",
    mismatchMessage: str = "Passwords don't match.",
) -> str:
    """Return a password typed at the terminal, or the first line of stdin if it is not one.

    Args:
        prompt: What to ask.
        confirm: Ask twice, until both answers match (a mismatch writes `mismatchMessage`
            to stderr and starts again).
        forceTTY: Prompt on ``/dev/tty`` when stdin is not a terminal, rather than read stdin.
        confirmPrompt: What to ask the second time.
        mismatchMessage: What to say when the answers differ.

    Raises:
        RuntimeError: `forceTTY` is set and there is no terminal to open.
    """
    isTTY = hasattr(sys.stdin, "isatty") and sys.stdin.isatty()
    if not isTTY and not forceTTY:
        return sys.stdin.readline().removesuffix("\n")
    saved = None
    if not isTTY:
        try:
            tty = open("/dev/tty", "r+")  # noqa: SIM115 -- closed in the finally below
        except OSError:
            raise RuntimeError("Cannot obtain a TTY") from None
        saved = sys.stdin, sys.stdout
        sys.stdin = sys.stdout = tty
    try:
        while True:
            first = _getpass(prompt)
            if not confirm or first == _getpass(confirmPrompt):
                return first
            sys.stderr.write(mismatchMessage + "\n")
    finally:
        if saved is not None:
            sys.stdin.close()
            sys.stdin, sys.stdout = saved


def makeStatBar(
    width: int,
    maxPosition: float,
    doneChar: str = "=",
    undoneChar: str = "-",
    currentChar: str = ">",
) -> Callable[..., str]:
    """Return ``statBar(position, force=False)``, which draws a `width`-character progress bar.

    The bar spans positions 0 to `maxPosition`. ``statBar`` returns "" when the bar would look
    as it did the last time, unless `force` is true, so callers redraw only on change.
    """
    scale = width / maxPosition
    last = ""

    def statBar(position: float, force: bool = False) -> str:
        nonlocal last
        done = int(scale * position)
        bar = f"[{doneChar * done}{currentChar}{undoneChar * (width - done - 2)}]"
        if bar == last and not force:
            return ""
        last = bar
        return bar

    statBar.__doc__ = (
        f"statBar(position, force=False) -> '[{doneChar * 3}{currentChar}{undoneChar * 3}]'"
        f"-style progress bar, {width} characters long, for positions 0..{maxPosition}."
    )
    return statBar


def spewer(frame: FrameType, s: str, ignored: object) -> None:
    """A `sys.settrace` function that prints every function or method call."""
    if "self" in frame.f_locals:
        self = frame.f_locals["self"]
        print(f"method {frame.f_code.co_name} of {qual(type(self))} at {id(self)}")
    else:
        code = frame.f_code
        print(f"function {code.co_name} in {code.co_filename}, line {frame.f_lineno}")


class FancyStrMixin:
    """Give a class a ``__str__`` (and ``__repr__``) like ``<Name attr=value ...>``.

    ``showAttributes`` lists what to show: an attribute name (shown with ``repr``), a pair
    ``(name, formatter)`` where ``formatter(value)`` gives the text, or a triple
    ``(name, label, format)`` shown as ``label=format % value``. ``fancybasename``, if set,
    replaces the class name.
    """

    showAttributes: Sequence[str | tuple[str, str, str] | tuple[str, Callable[[Any], str]]] = ()

    def __str__(self) -> str:
        parts = ["<", getattr(self, "fancybasename", type(self).__name__)]
        for attr in self.showAttributes:
            if isinstance(attr, str):
                parts.append(f" {attr}={getattr(self, attr)!r}")
            elif len(attr) == 2:
                parts.append(f" {attr[0]}={attr[1](getattr(self, attr[0]))}")
            else:
                parts.append(f" {attr[1]}={attr[2] % (getattr(self, attr[0]),)}")
        parts.append(">")
        return "".join(parts)

    __repr__ = __str__


class FancyEqMixin:
    """Compare instances by the attributes named in ``compareAttributes``.

    With no ``compareAttributes``, an instance equals only itself. An instance is compared
    with an instance of its own class or of a base class; against anything else the
    comparison is `NotImplemented`, so the other operand decides.
    """

    compareAttributes: ClassVar[Sequence[str]] = ()

    def __eq__(self, other: object) -> bool:
        if not self.compareAttributes:
            return self is other
        if not isinstance(self, type(other)):
            return NotImplemented
        return all(getattr(self, a) == getattr(other, a) for a in self.compareAttributes)

    def __ne__(self, other: object) -> bool:
        result = self.__eq__(other)
        if result is NotImplemented:
            return NotImplemented
        return not result


def untilConcludes(f: Callable[_P, _T], *a: _P.args, **kw: _P.kwargs) -> _T:
    """Call ``f(*a, **kw)``, again each time it fails with `EINTR`, and return its result."""
    while True:
        try:
            return f(*a, **kw)
        except OSError as e:
            if e.errno != errno.EINTR:
                raise


def mergeFunctionMetadata(f: Callable[..., Any], g: _FunctionT) -> _FunctionT:
    """Give `g` the name, docstring, attributes and module of `f`, and return `g`.

    What `g` does not allow to be set is left as it is.
    """
    for name in ("__name__", "__doc__", "__module__"):
        try:
            setattr(g, name, getattr(f, name))
        except (TypeError, AttributeError):
            pass
    try:
        g.__dict__.update(f.__dict__)
    except (TypeError, AttributeError):
        pass
    return g


def nameToLabel(mname: str) -> str:
    """Turn an identifier into a label: ``"fooBarBAZQuux"`` becomes ``"Foo Bar BAZ Quux"``."""
    words: list[str] = []
    word = ""
    lastWasUpper = False
    for letter in mname:
        if letter.isupper() == lastWasUpper:
            word += letter
        elif not lastWasUpper:
            words.append(word)
            word = letter
        elif len(word) == 1:
            word += letter
        else:
            # An acronym ended: its last capital starts the word this lower-case letter is in.
            words.append(word[:-1])
            word = word[-1] + letter
        lastWasUpper = letter.isupper()
    if not words:
        return mname.capitalize()
    words[0] = words[0].capitalize()
    words.append(word)
    return " ".join(words)


def uidFromString(uidString: str) -> int:
    """Return the UID that `uidString` gives in decimal, or the UID of the user it names.

    Raises:
        KeyError: No user has that name.
    """
    try:
        return int(uidString)
    except ValueError:
        import pwd

        return pwd.getpwnam(uidString).pw_uid


def gidFromString(gidString: str) -> int:
    """Return the GID that `gidString` gives in decimal, or the GID of the group it names.

    Raises:
        KeyError: No group has that name.
    """
    try:
        return int(gidString)
    except ValueError:
        import grp

        return grp.getgrnam(gidString).gr_gid


def initgroups(uid: int, primaryGid: int | None) -> None:
    """Set the supplementary groups of this process to those of the user `uid`.

    Does nothing where the platform has no ``initgroups`` (Windows).

    Raises:
        TypeError: `primaryGid` is None (the stdlib's ``initgroups`` needs a group).
    """
    if _initgroups is None:
        return
    import pwd

    _initgroups(pwd.getpwuid(uid).pw_name, primaryGid)  # type: ignore[arg-type]


def switchUID(uid: int | None, gid: int | None, euid: bool = False) -> None:
    """Switch this process to the user `uid` and group `gid` (either may be None: unchanged).

    Args:
        uid: The user to become; already being it only warns (``UserWarning``), since
            dropping privileges that were never held is usually a configuration mistake.
        gid: The group to become.
        euid: Set only the effective IDs, so a process started as root can regain root.
    """
    setuid, setgid, getuid = (
        (os.seteuid, os.setegid, os.geteuid) if euid else (os.setuid, os.setgid, os.getuid)
    )
    if gid is not None:
        setgid(gid)
    if uid is None:
        return
    if uid == getuid():
        which = "euid" if euid else "uid"
        warnings.warn(
            f"tried to drop privileges and set{which} {uid} but {which} is already "
            f"{getuid()}; should we be root? Continuing.",
            stacklevel=1,  # Filed under switchUID, as Twisted's is.
        )
        return
    initgroups(uid, gid)
    setuid(uid)


def runAsEffectiveUser(
    euid: int, egid: int, function: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs
) -> _T:
    """Call `function` with the effective user `euid` and group `egid`, then switch back.

    Only the IDs that differ are changed; becoming root first, when needed, is what lets a
    process that started as root move between users.
    """
    uid, gid = os.geteuid(), os.getegid()
    if uid == euid and gid == egid:
        return function(*args, **kwargs)
    if uid != 0:
        os.seteuid(0)
    if gid != egid:
        os.setegid(egid)
    if euid != 0:
        os.seteuid(euid)
    try:
        return function(*args, **kwargs)
    finally:
        if euid != 0:
            os.seteuid(0)
        if gid != egid:
            os.setegid(gid)
        if uid != 0:
            os.seteuid(uid)


def runWithWarningsSuppressed(
    suppressedWarnings: Iterable[tuple[tuple[Any, ...], dict[str, Any]]],
    f: Callable[_P, _T],
    *args: _P.args,
    **kwargs: _P.kwargs,
) -> _T:
    """Call `f` with warnings filtered: each ``(args, kwargs)`` is a `warnings.filterwarnings`.

    The filters are gone again when `f` returns.
    """
    with warnings.catch_warnings():
        for a, kw in suppressedWarnings:
            warnings.filterwarnings(*a, **kw)
        return f(*args, **kwargs)
