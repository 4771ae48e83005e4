"""The pollers on their own: registration, events, closed descriptors."""

from __future__ import annotations

import select
import socket
from collections.abc import Iterator

import pytest

from torsion.internet._core.pollers import (
    ERROR,
    READ,
    WRITE,
    EPollPoller,
    Poller,
    PollPoller,
    SelectPoller,
)
from torsion.testing import unavailableReason

_POLLERS: dict[str, type[Poller]] = {
    "select": SelectPoller,
    "poll": PollPoller,
    "epoll": EPollPoller,
}


@pytest.fixture(params=list(_POLLERS), ids=list(_POLLERS))
def poller(request: pytest.FixtureRequest) -> Iterator[Poller]:
    reason = unavailableReason(request.param)
    if reason is not None:
        pytest.skip(reason)
    instance: Poller = _POLLERS[request.param]()
    yield instance
    instance.close()


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    a, b = socket.socketpair()
    yield a, b
    a.close()
    b.close()


def _masks(events: list[tuple[int, int]], fd: int) -> int:
    mask = 0
    for eventFd, eventMask in events:
        if eventFd == fd:
            mask |= eventMask
    return mask


def test_readableAndWritable(poller: Poller, pair: tuple[socket.socket, socket.socket]) -> None:
    a, b = pair
    poller.register(a.fileno(), True, False)
    assert poller.poll(0) == []
    b.send(b"x")
    assert _masks(poller.poll(0), a.fileno()) & READ
    poller.register(a.fileno(), True, True)  # modify
    mask = _masks(poller.poll(0), a.fileno())
    assert mask & READ and mask & WRITE
    poller.register(a.fileno(), False, True)
    assert _masks(poller.poll(0), a.fileno()) == WRITE
    poller.unregister(a.fileno())
    poller.unregister(a.fileno())  # twice is fine
    assert poller.poll(0) == []


def test_hangUpReported(poller: Poller, pair: tuple[socket.socket, socket.socket]) -> None:
    a, b = pair
    poller.register(a.fileno(), True, False)
    b.close()
    assert _masks(poller.poll(0), a.fileno()) & (READ | ERROR)


def test_closedDescriptor(poller: Poller) -> None:
    a, b = socket.socketpair()
    fd = a.fileno()
    poller.register(fd, True, False)
    a.close()
    b.close()
    events = poller.poll(0)
    # epoll forgets a closed fd; select and poll report it as an error.
    assert _masks(events, fd) in (0, ERROR, select.POLLNVAL)
    poller.unregister(fd)
