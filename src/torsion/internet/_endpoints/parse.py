"""Endpoint description strings: ``serverFromString``, ``clientFromString`` and their plugins.

The syntax is Twisted's: ``type:arg:arg:key=value:...``. Arguments are separated by ``:``; an
argument with an ``=`` is a keyword argument (only the first ``=`` counts, so values may hold
more); ``\\`` makes the next character literal (``\\:``, ``\\=``, ``\\\\``). The type is matched
case-insensitively.

``tcp:`` and ``tcp6:`` are built in here; ``unix:`` (``_endpoints_unix``), ``ssl:`` and ``tls:``
(``_endpoints_ssl``: the ``tls:`` server is Twisted's directory of PEM files chosen by SNI) are
registered by their modules, which ``torsion.internet.endpoints`` imports.

New endpoint types come from two places, looked up after the built-in ones:

* `registerServerParser` / `registerClientParser`, for a program: a callable
  ``parser(reactor, *args, **kwargs)`` returning the endpoint, given the description's
  arguments as strings.
* The ``torsion.endpoints`` entry-point group, for an installed distribution: the entry
  point's name is the type, and the object it loads has ``parseStreamServer(reactor, *args,
  **kwargs)`` and/or ``parseStreamClient(reactor, *args, **kwargs)`` (the methods of Twisted's
  ``IStreamServerEndpointStringParser`` and ``IStreamClientEndpointStringParserWithReactor``
  plugins)::

      [project.entry-points."torsion.endpoints"]
      myproto = "mypackage.endpoints:myProtoParser"
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Callable, Sequence
from typing import Any

from torsion.internet._endpoints.tcp import (
    TCP4ClientEndpoint,
    TCP4ServerEndpoint,
    TCP6ClientEndpoint,
    TCP6ServerEndpoint,
)
from torsion.internet.interfaces import IReactorTCP

__all__ = [
    "ENTRY_POINT_GROUP",
    "clientFromString",
    "parseDescription",
    "quoteStringArgument",
    "registerClientParser",
    "registerServerParser",
    "serverFromString",
]

ENTRY_POINT_GROUP = "torsion.endpoints"
"""The entry-point group searched for endpoint types torsion does not know."""

Parser = Callable[..., Any]
"""``parser(reactor, *args, **kwargs) -> endpoint``, given the description's strings."""


class DescriptionProblem(ValueError):
    """What is wrong with a description; the public functions add the description itself."""


def parseDescription(description: str) -> tuple[list[str], dict[str, str]]:
    """Split ``description`` into its positional and keyword arguments, unescaped.

    ``parseDescription("tcp:80:interface=\\:\\:1")`` is ``(["tcp", "80"], {"interface":
    "::1"})``.

    Raises:
        ValueError: A trailing lone backslash, or the same keyword twice.
    """
    args: list[str] = []
    kwargs: dict[str, str] = {}
    parts: list[str] = []  # The current argument: [value] or [key, value].
    current: list[str] = []
    chars = iter(description)
    for char in chars:
        if char == "\\":
            escaped = next(chars, None)
            if escaped is None:
                raise DescriptionProblem("trailing backslash (escape it as \\\\)")
            current.append(escaped)
        elif char == ":":
            _add(args, kwargs, [*parts, "".join(current)])
            parts, current = [], []
        elif char == "=" and not parts:
            parts, current = ["".join(current)], []
        else:
            current.append(char)
    _add(args, kwargs, [*parts, "".join(current)])
    return args, kwargs


def _add(args: list[str], kwargs: dict[str, str], parts: list[str]) -> None:
    if len(parts) == 1:
        args.append(parts[0])
        return
    key, value = parts
    if key in kwargs:
        raise DescriptionProblem(f"argument {key!r} given twice")
    kwargs[key] = value


def quoteStringArgument(argument: str) -> str:
    """Escape ``argument`` so that it is read back as one literal value in a description."""
    return argument.replace("\\", "\\\\").replace(":", "\\:").replace("=", "\\=")


# -- binding arguments ----------------------------------------------------------------------------


def bindArguments(
    args: Sequence[str],
    kwargs: dict[str, str],
    names: Sequence[str],
    positional: Sequence[str],
    required: Sequence[str],
) -> dict[str, str]:
    """Match positional arguments to the ``positional`` names in order, as Python does."""
    for key in kwargs:
        if key not in names:
            raise DescriptionProblem(
                f"unexpected argument {key!r} (expected one of {', '.join(names)})"
            )
    if len(args) > len(positional):
        raise DescriptionProblem(f"unexpected positional argument {args[len(positional)]!r}")
    bound = dict(kwargs)
    for name, value in zip(positional, args, strict=False):
        if name in bound:
            raise DescriptionProblem(f"{name} given twice ({value!r} and {name}={bound[name]!r})")
        bound[name] = value
    for name in required:
        if name not in bound:
            raise DescriptionProblem(f"missing {name}")
    return bound


def integerArgument(name: str, value: str, low: int, high: int) -> int:
    try:
        number = int(value, 10)
    except ValueError:
        raise DescriptionProblem(f"{name} must be an integer, not {value!r}") from None
    if not low <= number <= high:
        raise DescriptionProblem(f"{name} must be between {low} and {high}, not {number}")
    return number


def secondsArgument(name: str, value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise DescriptionProblem(f"{name} must be a number of seconds, not {value!r}") from None
    if not number >= 0 or number == float("inf"):
        raise DescriptionProblem(f"{name} must be a finite number of seconds >= 0, not {value!r}")
    return number


# -- the built-in types ---------------------------------------------------------------------------


def _tcpServer(kind: type[TCP4ServerEndpoint], defaultInterface: str) -> Parser:
    def parse(reactor: IReactorTCP, *args: str, **kwargs: str) -> TCP4ServerEndpoint:
        names = ("port", "interface", "backlog")
        bound = bindArguments(args, kwargs, names, names, ("port",))
        port = integerArgument("port", bound["port"], 0, 65535)
        backlog = integerArgument("backlog", bound.get("backlog", "50"), 0, 2**31 - 1)
        return kind(reactor, port, backlog, bound.get("interface", defaultInterface))

    return parse


def _tcpClient(kind: type[TCP4ClientEndpoint]) -> Parser:
    def parse(reactor: IReactorTCP, *args: str, **kwargs: str) -> TCP4ClientEndpoint:
        names = ("host", "port", "timeout", "bindAddress")
        # Twisted's rule: after host=..., a lone positional argument is the port.
        positional = ("port",) if "host" in kwargs else ("host", "port")
        bound = bindArguments(args, kwargs, names, positional, ("host", "port"))
        port = integerArgument("port", bound["port"], 1, 65535)
        timeout = secondsArgument("timeout", bound.get("timeout", "30"))
        bindAddress = bound.get("bindAddress")
        local = None if bindAddress is None else (bindAddress, 0)
        return kind(reactor, bound["host"], port, timeout, local)

    return parse


_serverParsers: dict[str, Parser] = {
    "tcp": _tcpServer(TCP4ServerEndpoint, ""),
    "tcp6": _tcpServer(TCP6ServerEndpoint, "::"),
}
_clientParsers: dict[str, Parser] = {
    "tcp": _tcpClient(TCP4ClientEndpoint),
    "tcp6": _tcpClient(TCP6ClientEndpoint),
}


def _register(table: dict[str, Parser], prefix: str, parser: Parser, replace: bool) -> None:
    key = prefix.lower()
    if not key or any(c in key for c in ":=\\"):
        raise ValueError(f"invalid endpoint type {prefix!r}")
    if key in table and not replace:
        raise ValueError(f"endpoint type {prefix!r} is already registered")
    table[key] = parser


def registerServerParser(prefix: str, parser: Parser, *, replace: bool = False) -> None:
    """Make ``serverFromString`` build ``prefix:...`` descriptions with ``parser``.

    Args:
        prefix: The endpoint type (matched case-insensitively).
        parser: ``parser(reactor, *args, **kwargs)`` returning an `IStreamServerEndpoint`;
            it gets the description's arguments as strings and raises ValueError for bad
            ones.
        replace: Allow replacing a type already registered (a built-in one included).

    Raises:
        ValueError: ``prefix`` is already registered (and ``replace`` is false) or is not a
            valid type name.
    """
    _register(_serverParsers, prefix, parser, replace)


def registerClientParser(prefix: str, parser: Parser, *, replace: bool = False) -> None:
    """Make ``clientFromString`` build ``prefix:...`` descriptions with ``parser``.

    The same as `registerServerParser`, for `IStreamClientEndpoint` parsers.
    """
    _register(_clientParsers, prefix, parser, replace)


def _findParser(table: dict[str, Parser], name: str, method: str) -> Parser:
    key = name.lower()
    parser = table.get(key)
    if parser is not None:
        return parser
    for entry in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        if entry.name.lower() == key:
            plugin = entry.load()
            found = getattr(plugin, method, None)
            if found is not None:
                return found  # type: ignore[no-any-return]
    raise DescriptionProblem(f"Unknown endpoint type: {name!r}")


def _fromString(reactor: Any, description: str, table: dict[str, Parser], method: str) -> Any:
    # Any: the reactor goes to the parser the description names, whose needs depend on it
    # (tcp: IReactorTCP, unix: IReactorUNIX, ssl: IReactorSSL, a plugin's: anything).
    try:
        args, kwargs = parseDescription(description)
        name = args.pop(0) if args else ""
        if not name:
            raise DescriptionProblem("no endpoint type (expected 'type:arguments', as 'tcp:8080')")
        parser = _findParser(table, name, method)
        return parser(reactor, *args, **kwargs)
    except DescriptionProblem as e:
        raise ValueError(f"{e} in endpoint description {description!r}") from None


# The reactor is Any: see _fromString.
def serverFromString(reactor: Any, description: str) -> Any:
    """Build a server endpoint from a description such as ``"tcp:8080:interface=127.0.0.1"``.

    Built-in types: ``tcp:PORT[:interface=ADDRESS][:backlog=N]`` (`TCP4ServerEndpoint`) and
    ``tcp6:PORT[:interface=ADDRESS][:backlog=N]`` (`TCP6ServerEndpoint`, interface ``::``);
    the arguments may also be positional, in that order. ``unix:``, ``ssl:`` and ``tls:``
    come with ``torsion.internet.endpoints`` (docs/endpoints.md); other types from
    `registerServerParser` and the ``torsion.endpoints`` entry points.

    Raises:
        ValueError: The description is bad; the message names the problem (unknown type,
            missing port, bad number, unexpected argument) and quotes the description.
    """
    return _fromString(reactor, description, _serverParsers, "parseStreamServer")


# The reactor is Any: see _fromString.
def clientFromString(reactor: Any, description: str) -> Any:
    """Build a client endpoint from a description such as ``"tcp:host=example.com:port=80"``.

    Built-in types: ``tcp:HOST:PORT[:timeout=SECONDS][:bindAddress=ADDRESS]``
    (`TCP4ClientEndpoint`; ``host=`` and ``port=`` may be keywords) and the same with
    ``tcp6:`` (`TCP6ClientEndpoint`). ``unix:``, ``ssl:`` and ``tls:`` come with
    ``torsion.internet.endpoints`` (docs/endpoints.md); other types from
    `registerClientParser` and the ``torsion.endpoints`` entry points.

    Raises:
        ValueError: The description is bad; the message names the problem and quotes it.
    """
    return _fromString(reactor, description, _clientParsers, "parseStreamClient")
