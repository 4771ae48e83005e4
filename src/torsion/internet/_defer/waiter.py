"""What ``await deferred`` yields while the Deferred has no result yet.

Kept apart from `Deferred` so that both the Deferred and the coroutine driver can use it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from torsion.python.failure import Failure

if TYPE_CHECKING:
    import asyncio

__all__ = ["Awaited", "Waiter"]


class Awaited(Protocol):
    """What a `Waiter` needs of the Deferred it waits on (a `Deferred`, structurally).

    Structural, so that this module does not import the Deferred's, which imports it.
    """

    def addBoth(self, callback: Callable[..., object], /, *args: Any) -> object: ...
    def cancel(self) -> None: ...


AwaitedT = TypeVar("AwaitedT", bound=Awaited)


class Waiter(Generic[AwaitedT]):
    """What ``await deferred`` yields while the Deferred has no result.

    torsion's coroutine driver waits on ``deferred``. The other methods are the part of the
    asyncio Future protocol that an asyncio Task uses on what its coroutine yields, so a plain
    asyncio Task can await a Deferred too (Twisted cannot: its issue #9806).
    """

    __slots__ = ("_asyncio_future_blocking", "_result", "deferred")

    def __init__(self, deferred: AwaitedT) -> None:
        self.deferred = deferred
        self._asyncio_future_blocking = True

    def store(self, result: object) -> None:
        """Record the awaited Deferred's result (consuming it, as an awaited result is)."""
        self._result = result

    def take(self) -> Any:
        """The stored result (a Failure is returned, not raised)."""
        return self._result

    def get_loop(self) -> asyncio.AbstractEventLoop:
        import asyncio

        return asyncio.get_running_loop()

    def add_done_callback(self, fn: Callable[[Any], object], *, context: Any = None) -> None:
        loop = self.get_loop()

        def fired(result: object) -> None:
            self._result = result
            loop.call_soon(fn, self, context=context)

        self.deferred.addBoth(fired)

    def result(self) -> Any:
        result = self._result
        if isinstance(result, Failure):
            result.raiseException()
        return result

    def cancel(self, msg: object = None) -> bool:
        # False tells the Task to throw asyncio.CancelledError in itself once woken up.
        self.deferred.cancel()
        return False
