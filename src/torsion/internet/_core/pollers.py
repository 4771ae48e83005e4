"""The I/O pollers a reactor core is composed with: select, poll and epoll.

All three offer the same four methods (`Poller`) and report events as ``(fd, mask)`` pairs whose
bits are `READ`, `WRITE` and `ERROR`. Those bits have the values of ``select.POLLIN``,
``POLLOUT`` and ``POLLERR | POLLHUP | POLLNVAL``, which on Linux are also the ``EPOLL*`` values,
so the poll and epoll backends hand back the kernel's list untouched: no per-event translation.

Some facts the code below relies on:

* Closing a file descriptor removes it from every epoll set it is in (when no duplicate of it
  is open), so ``epoll.unregister`` of a descriptor that was closed first fails with EBADF or
  ENOENT, and re-registering a number that was closed and reused fails with EEXIST only if the
  old registration survived. Both are expected here and absorbed.
* ``select()`` fails as a whole (EBADF) when any descriptor in its sets was closed; the select
  backend then finds the culprits one by one and reports them as `ERROR`, so their owner's
  ``doRead`` sees the error and the core disconnects it.
* ``poll`` and ``epoll`` round their timeout up (CPython converts with ``ROUND_CEILING``), so a
  timer due in 0.3 ms does not make the loop spin with zero timeouts until it is due.
"""

from __future__ import annotations

import errno
import select
from typing import Protocol

__all__ = ["ERROR", "READ", "WRITE", "EPollPoller", "PollPoller", "Poller", "SelectPoller"]

READ = select.POLLIN if hasattr(select, "POLLIN") else 1
WRITE = select.POLLOUT if hasattr(select, "POLLOUT") else 4
ERROR = (
    select.POLLERR | select.POLLHUP | select.POLLNVAL if hasattr(select, "POLLERR") else 8 | 16 | 32
)


class Poller(Protocol):
    """What the reactor core needs from an I/O backend."""

    def register(self, fd: int, readable: bool, writable: bool) -> None:
        """Watch ``fd`` for the given conditions (adding it, or changing what is watched)."""
        ...

    def unregister(self, fd: int) -> None:
        """Stop watching ``fd``; a descriptor that is not watched (or already closed) is fine."""
        ...

    def poll(self, timeout: float | None) -> list[tuple[int, int]]:
        """Wait up to ``timeout`` seconds (None: forever) and return the ``(fd, mask)`` events."""
        ...

    def close(self) -> None:
        """Release the backend's own resources."""
        ...


def _mask(readable: bool, writable: bool) -> int:
    return (READ if readable else 0) | (WRITE if writable else 0)


class SelectPoller:
    """`Poller` over ``select.select``: portable, limited to descriptors below FD_SETSIZE."""

    def __init__(self) -> None:
        self._reads: set[int] = set()
        self._writes: set[int] = set()

    def register(self, fd: int, readable: bool, writable: bool) -> None:
        """Watch ``fd`` for reading and/or writing."""
        (self._reads.add if readable else self._reads.discard)(fd)
        (self._writes.add if writable else self._writes.discard)(fd)

    def unregister(self, fd: int) -> None:
        """Stop watching ``fd``."""
        self._reads.discard(fd)
        self._writes.discard(fd)

    def poll(self, timeout: float | None) -> list[tuple[int, int]]:
        """Wait for events; one pair per ready condition (an fd may appear twice)."""
        try:
            readable, writable, _ = select.select(self._reads, self._writes, (), timeout)
        except (OSError, ValueError):
            return self._findBroken()
        events = [(fd, READ) for fd in readable]
        if writable:
            events += [(fd, WRITE) for fd in writable]
        return events

    def _findBroken(self) -> list[tuple[int, int]]:
        """Report the descriptors that make ``select`` fail (closed, or out of range)."""
        broken = []
        for fd in self._reads | self._writes:
            try:
                select.select([fd], [], [], 0)
            except (OSError, ValueError):
                broken.append((fd, ERROR))
        return broken

    def close(self) -> None:
        """Forget every descriptor."""
        self._reads.clear()
        self._writes.clear()


class PollPoller:
    """`Poller` over ``select.poll``: no descriptor limit, O(watched) per call."""

    def __init__(self) -> None:
        self._poll = select.poll()
        self._masks: dict[int, int] = {}

    def register(self, fd: int, readable: bool, writable: bool) -> None:
        """Watch ``fd`` for reading and/or writing."""
        mask = _mask(readable, writable)
        if self._masks.get(fd) != mask:
            self._masks[fd] = mask
            self._poll.register(fd, mask)  # register also modifies

    def unregister(self, fd: int) -> None:
        """Stop watching ``fd``."""
        if self._masks.pop(fd, None) is not None:
            self._poll.unregister(fd)

    def poll(self, timeout: float | None) -> list[tuple[int, int]]:
        """Wait for events; the kernel's ``(fd, revents)`` list as is."""
        return self._poll.poll(None if timeout is None else timeout * 1000.0)

    def close(self) -> None:
        """Forget every descriptor."""
        self._masks.clear()


class EPollPoller:
    """`Poller` over Linux ``select.epoll``: O(ready) per call."""

    def __init__(self) -> None:
        self._epoll = select.epoll()
        self._masks: dict[int, int] = {}

    def register(self, fd: int, readable: bool, writable: bool) -> None:
        """Watch ``fd`` for reading and/or writing."""
        mask = _mask(readable, writable)
        old = self._masks.get(fd)
        if old == mask:
            return
        self._masks[fd] = mask
        epoll = self._epoll
        try:
            if old is None:
                epoll.register(fd, mask)
            else:
                epoll.modify(fd, mask)
        except FileExistsError:
            epoll.modify(fd, mask)
        except FileNotFoundError:
            # Closed and reused since it was registered: the kernel already forgot it.
            epoll.register(fd, mask)

    def unregister(self, fd: int) -> None:
        """Stop watching ``fd``."""
        if self._masks.pop(fd, None) is None:
            return
        try:
            self._epoll.unregister(fd)
        except OSError as e:
            if e.errno not in (errno.EBADF, errno.ENOENT):
                raise

    def poll(self, timeout: float | None) -> list[tuple[int, int]]:
        """Wait for events; the kernel's ``(fd, events)`` list as is."""
        return self._epoll.poll(-1 if timeout is None else timeout)

    def close(self) -> None:
        """Close the epoll descriptor."""
        self._masks.clear()
        self._epoll.close()
