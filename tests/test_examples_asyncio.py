"""``examples/asyncio_interop.py`` runs on both asyncio loops; the seed's examples on every reactor.

The seed's examples use the default reactor (``from torsion.internet import reactor``), which
``$TORSION_REACTOR`` overrides: `tests/test_examples.py` runs them on the default, and here they
run again on each other reactor this platform has.
"""

from __future__ import annotations

import pytest

from tests import test_examples
from tests.test_examples import run
from torsion.testing import availableReactors, defaultReactorName, unavailableReason

EXPECTED = [
    "torsion server said: HELLO FROM ASYNCIO",
    "awaited a Deferred: 42",
    "ensureDeferred: COROUTINE",
    "Deferred.fromFuture: FUTURE",
    "Task cancelled, so was the Deferred: True []",
    "Deferred cancelled, so was the Future: True",
    "reactor stopped",
]


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_asyncioInterop(loop: str) -> None:
    reason = unavailableReason(loop)
    if reason is not None:
        pytest.skip(reason)
    args = ["-X", "dev", "examples/asyncio_interop.py"] + (["uvloop"] if loop == "uvloop" else [])
    status, out, err = run(*args)
    assert status == 0, err
    assert out.splitlines() == EXPECTED
    assert err == ""  # -X dev: no unclosed sockets or loops, no never-awaited coroutines


@pytest.fixture(params=[name for name in availableReactors() if name != defaultReactorName()])
def otherReactor(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """A reactor other than the default, chosen for the example programs through
    ``$TORSION_REACTOR``."""
    monkeypatch.setenv("TORSION_REACTOR", request.param)
    return str(request.param)


echoServer = test_examples.echoServer


@pytest.mark.usefixtures("otherReactor")
class TestSeedExamplesOnOtherReactors:
    """`tests/test_examples.py`, once per non-default reactor."""

    test_timer = staticmethod(test_examples.test_timer)
    test_echoClient = staticmethod(test_examples.test_echoClient)
    test_echoClientRefused = staticmethod(test_examples.test_echoClientRefused)
    test_clientCreator = staticmethod(test_examples.test_clientCreator)
    test_reconnectingClient = staticmethod(test_examples.test_reconnectingClient)
    test_reconnectingClientWaitsForServer = staticmethod(
        test_examples.test_reconnectingClientWaitsForServer
    )
    test_lineChat = staticmethod(test_examples.test_lineChat)
    test_netstringRPC = staticmethod(test_examples.test_netstringRPC)
