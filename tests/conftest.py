"""Shared fixtures: ``reactor``, one fresh reactor per test for each I/O backend."""

from __future__ import annotations

import select
from collections.abc import Iterator

import pytest

from tests.reactorutil import shutDown
from torsion.internet._core import ReactorCore

# id -> (module, class name, what the platform must have)
_REACTORS = {
    "select": ("selectreactor", "SelectReactor", "select"),
    "poll": ("pollreactor", "PollReactor", "poll"),
    "epoll": ("epollreactor", "EPollReactor", "epoll"),
}


@pytest.fixture(params=list(_REACTORS), ids=list(_REACTORS))
def reactor(request: pytest.FixtureRequest) -> Iterator[ReactorCore]:
    """A new reactor of each implementation; skipped where the platform lacks its backend.

    At teardown, anything the test left registered (sockets, the thread pool) is shut down the
    way ``stop()`` does it, then the reactor's waker and poller are closed.
    """
    module, name, needs = _REACTORS[request.param]
    if not hasattr(select, needs):
        pytest.skip(f"select.{needs} is not available on this platform")
    cls = getattr(__import__(f"torsion.internet.{module}", fromlist=[name]), name)
    instance: ReactorCore = cls()
    yield instance
    if instance.running or instance._inRun:
        instance.crash()
    if instance.getReaders() or instance.getWriters() or _poolAlive(instance):
        shutDown(instance)
    instance.close()


def _poolAlive(reactor: ReactorCore) -> bool:
    pool = reactor._threadpool
    return pool is not None and bool(pool.threads)
