"""Endpoint description strings: tokenizing, escaping, built-in types, errors and plugins."""

from __future__ import annotations

import importlib.metadata
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from torsion.internet._endpoints import parse as _endpoints_parse
from torsion.internet._endpoints.parse import parseDescription
from torsion.internet.endpoints import (
    TCP4ClientEndpoint,
    TCP4ServerEndpoint,
    TCP6ClientEndpoint,
    TCP6ServerEndpoint,
    clientFromString,
    quoteStringArgument,
    registerClientParser,
    registerServerParser,
    serverFromString,
)
from torsion.internet.protocol import Factory
from torsion.internet.testing import MemoryReactorClock


def test_parse_positional_and_keyword() -> None:
    """``:`` separates; the first ``=`` makes a keyword; later ``=`` belong to the value."""
    assert parseDescription("a:b:d=1:c") == (["a", "b", "c"], {"d": "1"})
    assert parseDescription("x:k=a=b") == (["x"], {"k": "a=b"})
    assert parseDescription(r"tcp:80:interface=\:\:1") == (["tcp", "80"], {"interface": "::1"})
    assert parseDescription(r"a\=b:c\\") == (["a=b", "c\\"], {})
    assert parseDescription("") == ([""], {})


@given(st.lists(st.text(), min_size=1), st.dictionaries(st.text(min_size=1), st.text()))
def test_escaping_round_trips(args: list[str], kwargs: dict[str, str]) -> None:
    """Any strings, quoted and joined, parse back to themselves."""
    parts = [quoteStringArgument(a) for a in args]
    parts += [f"{quoteStringArgument(k)}={quoteStringArgument(v)}" for k, v in kwargs.items()]
    assert parseDescription(":".join(parts)) == (args, kwargs)


def test_server_tcp() -> None:
    """tcp: and tcp6: build TCP server endpoints with Twisted's defaults."""
    reactor = MemoryReactorClock()
    endpoint = serverFromString(reactor, "tcp:8080:interface=127.0.0.1:backlog=10")
    assert isinstance(endpoint, TCP4ServerEndpoint)
    endpoint.listen(object())  # type: ignore[arg-type]
    assert reactor.tcpServers[-1][0] == 8080 and reactor.tcpServers[-1][2:] == (10, "127.0.0.1")
    serverFromString(reactor, "TCP:81").listen(None)
    assert reactor.tcpServers[-1][2:] == (50, "")
    endpoint = serverFromString(reactor, "tcp6:82")
    assert isinstance(endpoint, TCP6ServerEndpoint)
    endpoint.listen(Factory())
    assert reactor.tcpServers[-1][2:] == (50, "::")
    serverFromString(reactor, r"tcp6:port=83:interface=\:\:1").listen(None)
    assert reactor.tcpServers[-1][0] == 83 and reactor.tcpServers[-1][3] == "::1"


def test_client_tcp() -> None:
    """tcp:HOST:PORT and tcp:host=H:port=P[:timeout][:bindAddress] build TCP4ClientEndpoint."""
    reactor = MemoryReactorClock()
    endpoint = clientFromString(reactor, "tcp:example.com:80")
    assert isinstance(endpoint, TCP4ClientEndpoint)
    endpoint.connect(Factory()).addErrback(lambda f: None)
    assert reactor.tcpClients[-1][:2] == ("example.com", 80)
    assert reactor.tcpClients[-1][3:] == (30, None)
    d = clientFromString(
        reactor, "tcp:host=example.com:port=80:timeout=5:bindAddress=10.0.0.1"
    ).connect(None)
    d.addErrback(lambda f: None)
    assert reactor.tcpClients[-1][3:] == (5, ("10.0.0.1", 0))
    clientFromString(reactor, "tcp:host=h:81").connect(None).addErrback(lambda f: None)
    assert reactor.tcpClients[-1][:2] == ("h", 81)
    assert isinstance(clientFromString(reactor, r"tcp6:\:\:1:80"), TCP6ClientEndpoint)


BAD = [
    (serverFromString, "", "no endpoint type"),
    (serverFromString, "8080", "Unknown endpoint type: '8080'"),
    (serverFromString, "bogus:80", "Unknown endpoint type: 'bogus'"),
    (clientFromString, "bogus:h:80", "Unknown endpoint type: 'bogus'"),
    (serverFromString, "unix:/tmp/sock:mode=rw", "mode must be octal permissions"),
    (serverFromString, "ssl:443:privateKey=k.pem", "cannot read 'k.pem'"),
    (serverFromString, "tls:443", "'443' is not a directory"),
    (serverFromString, "tcp", "missing port"),
    (serverFromString, "tcp:interface=127.0.0.1", "missing port"),
    (clientFromString, "tcp:example.com", "missing port"),
    (clientFromString, "tcp:port=80", "missing host"),
    (serverFromString, "tcp:http", "port must be an integer, not 'http'"),
    (serverFromString, "tcp:70000", "port must be between 0 and 65535, not 70000"),
    (serverFromString, "tcp:80:backlog=many", "backlog must be an integer, not 'many'"),
    (clientFromString, "tcp:h:80:timeout=soon", "timeout must be a number of seconds"),
    (clientFromString, "tcp:h:80:timeout=-1", "timeout must be a finite number"),
    (serverFromString, "tcp:80:colour=red", "unexpected argument 'colour'"),
    (serverFromString, "tcp:80:127.0.0.1:5:extra", "unexpected positional argument 'extra'"),
    (clientFromString, "tcp:h:80:5", "unexpected positional argument '5'"),
    (serverFromString, "tcp:80:port=81", "port given twice ('80' and port='81')"),
    (clientFromString, "tcp:h:80:host=g", "unexpected positional argument '80'"),
    (serverFromString, "tcp:80:backlog=1:backlog=2", "argument 'backlog' given twice"),
    (serverFromString, "tcp:80\\", "trailing backslash"),
]


@pytest.mark.parametrize(("function", "description", "fragment"), BAD)
def test_bad_descriptions(function: Any, description: str, fragment: str) -> None:
    """A bad description is a ValueError naming the problem and quoting the description."""
    with pytest.raises(ValueError) as info:
        function(MemoryReactorClock(), description)
    assert fragment in str(info.value)
    assert f"in endpoint description {description!r}" in str(info.value)


@pytest.fixture
def registries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Isolate the parser tables, so registrations don't leak between tests."""
    monkeypatch.setattr(_endpoints_parse, "_serverParsers", dict(_endpoints_parse._serverParsers))
    monkeypatch.setattr(_endpoints_parse, "_clientParsers", dict(_endpoints_parse._clientParsers))


@pytest.mark.usefixtures("registries")
def test_register_parsers() -> None:
    """A registered parser gets the reactor and the description's strings."""
    seen: list[Any] = []

    def parser(reactor: Any, *args: str, **kwargs: str) -> str:
        seen.append((reactor, args, kwargs))
        return "endpoint"

    registerServerParser("Mine", parser)
    registerClientParser("mine", parser)
    reactor = MemoryReactorClock()
    assert serverFromString(reactor, "mine:a:b=c") == "endpoint"
    assert clientFromString(reactor, r"MINE:x\:y") == "endpoint"
    assert seen == [(reactor, ("a",), {"b": "c"}), (reactor, ("x:y",), {})]
    with pytest.raises(ValueError, match="already registered"):
        registerServerParser("tcp", parser)
    with pytest.raises(ValueError, match="invalid endpoint type"):
        registerClientParser("a:b", parser)
    registerServerParser("tcp", parser, replace=True)
    assert serverFromString(reactor, "tcp:1") == "endpoint"


class _Plugin:
    """A Twisted-style string parser plugin (server side only)."""

    def parseStreamServer(self, reactor: Any, *args: str, **kwargs: str) -> Any:
        return ("plugin", args, kwargs)


class _EntryPoint:
    name = "PlugType"

    def load(self) -> Any:
        return _Plugin()


def test_entry_point_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    """Types in the torsion.endpoints entry-point group are found by name."""
    groups: list[str] = []

    def entry_points(*, group: str) -> list[Any]:
        groups.append(group)
        return [_EntryPoint()]

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)  # as parse looks it up
    reactor = MemoryReactorClock()
    assert serverFromString(reactor, "plugtype:1:a=b") == ("plugin", ("1",), {"a": "b"})
    assert groups == ["torsion.endpoints"]
    # The plugin has no client parser: the type stays unknown for clientFromString.
    with pytest.raises(ValueError, match="Unknown endpoint type: 'plugtype'"):
        clientFromString(reactor, "plugtype:1")
