"""Combining several Deferreds into one: `DeferredList`, `gatherResults` and `race`.

All three work only by adding a callback/errback pair to each input Deferred, so they are not
special: callbacks added to an input before it is combined change what the combination sees, and
callbacks added afterwards see what the combination's pair returns (the result itself, or None
for a failure when errors are consumed).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Literal, TypeVar, cast, overload

from torsion.internet._defer.deferred import Deferred
from torsion.logger import Logger, LogLevel
from torsion.python.failure import Failure

__all__ = [
    "FAILURE",
    "SUCCESS",
    "DeferredList",
    "FailureGroup",
    "FirstError",
    "gatherResults",
    "race",
]

_log = Logger(namespace="torsion.internet.defer")

_T = TypeVar("_T")
_ResultT = TypeVar("_ResultT")

# The result types of a `DeferredList` of Deferreds of ``_T`` (Twisted's names, which typed
# code imports): with ``fireOnOneCallback``, and the list of pairs without.
_DeferredListSingleResultT = tuple[_T, int]
_DeferredListResultItemT = tuple[bool, _T]
_DeferredListResultListT = list[_DeferredListResultItemT[_T]]

SUCCESS = True
"""The ``success`` flag of a `DeferredList` item whose Deferred succeeded."""

FAILURE = False
"""The ``success`` flag of a `DeferredList` item whose Deferred failed."""


class FirstError(Exception):
    """The first failure among the Deferreds of a `DeferredList` with ``fireOnOneErrback``.

    `gatherResults` fails with it too. Two FirstErrors are equal when they wrap the same failure
    at the same index.

    Attributes:
        subFailure: The `Failure` of the Deferred that failed first.
        index: That Deferred's position in the input.
    """

    def __init__(self, failure: Failure, index: int) -> None:
        super().__init__(failure, index)
        self.subFailure = failure
        self.index = index

    def __repr__(self) -> str:
        return f"FirstError[#{self.index}, {self.subFailure.value!r}]"

    def __str__(self) -> str:
        return f"FirstError[#{self.index}, {self.subFailure}]"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FirstError):
            return NotImplemented
        return (self.index, self.subFailure) == (other.index, other.subFailure)

    def __hash__(self) -> int:
        return hash((self.index, self.subFailure))


class FailureGroup(Exception):
    """Every Deferred given to `race` failed.

    Attributes:
        failures: Their failures, in input order.
    """

    def __init__(self, failures: Sequence[Failure]) -> None:
        # Twisted leaves ``args`` empty; keep that, but say what failed when printed.
        super().__init__()
        self.failures = failures

    def __str__(self) -> str:
        return f"{len(self.failures)} failures: " + ", ".join(
            repr(failure.value) for failure in self.failures
        )


class DeferredList(Deferred[_ResultT]):
    """A Deferred that fires once the Deferreds it tracks have fired.

    By default it fires with a list of ``(success, result)`` pairs in input order: ``success``
    is `SUCCESS` (True) or `FAILURE` (False), ``result`` the value or the `Failure`. An empty
    input fires at once with ``[]``.

    With ``fireOnOneCallback`` it fires with ``(result, index)`` as soon as one Deferred
    succeeds; with ``fireOnOneErrback`` it fails with ``Failure(FirstError(failure, index))`` as
    soon as one fails. Either way it never fires more than once, and results that arrive later
    are still recorded in `resultList`.

    Without ``consumeErrors`` the tracked Deferreds keep their failures, so each one that no
    later errback handles is logged as an unhandled error when collected. With it, their
    failures become None for callbacks added after this DeferredList was made.

    Attributes:
        resultList: One entry per input Deferred: None until it fires, then its
            ``(success, result)`` pair.
        finishedCount: How many of the input Deferreds have fired.
        fireOnOneCallback: The constructor argument.
        fireOnOneErrback: The constructor argument.
        consumeErrors: The constructor argument.
    """

    # The result type depends on ``fireOnOneCallback``, which the overloads express through
    # the type of ``self``: ``(result, index)`` with it, the list of pairs without.
    @overload
    def __init__(
        self: DeferredList[_DeferredListSingleResultT[_T]],
        deferredList: Iterable[Deferred[_T]],
        fireOnOneCallback: Literal[True],
        fireOnOneErrback: bool = False,
        consumeErrors: bool = False,
    ) -> None: ...

    @overload
    def __init__(
        self: DeferredList[_DeferredListResultListT[_T | Failure]],
        deferredList: Iterable[Deferred[_T]],
        fireOnOneCallback: Literal[False] = False,
        fireOnOneErrback: bool = False,
        consumeErrors: bool = False,
    ) -> None: ...

    @overload
    def __init__(
        self: DeferredList[_DeferredListSingleResultT[_T] | _DeferredListResultListT[_T | Failure]],
        deferredList: Iterable[Deferred[_T]],
        fireOnOneCallback: bool,
        fireOnOneErrback: bool = False,
        consumeErrors: bool = False,
    ) -> None: ...

    def __init__(
        self,
        deferredList: Iterable[Deferred[Any]],
        fireOnOneCallback: bool = False,
        fireOnOneErrback: bool = False,
        consumeErrors: bool = False,
    ) -> None:
        """Start tracking ``deferredList``.

        Args:
            deferredList: The Deferreds to wait for.
            fireOnOneCallback: Fire with ``(result, index)`` on the first success.
            fireOnOneErrback: Fail with a `FirstError` on the first failure.
            consumeErrors: Replace each tracked Deferred's failure by None once recorded.
        """
        super().__init__()
        self._deferredList = list(deferredList)
        self.resultList: list[tuple[bool, Any] | None] = [None] * len(self._deferredList)
        # Set before the callbacks are attached: inputs that already fired run them at once.
        self.fireOnOneCallback = fireOnOneCallback
        self.fireOnOneErrback = fireOnOneErrback
        self.consumeErrors = consumeErrors
        self.finishedCount = 0
        # With fireOnOneCallback an empty list has nothing that could succeed, so (like
        # Twisted) it never fires.
        if not self._deferredList and not fireOnOneCallback:
            self.callback(cast(_ResultT, []))
        for index, deferred in enumerate(self._deferredList):
            deferred.addCallbacks(
                self._childFired,
                self._childFired,
                callbackArgs=(index, SUCCESS),
                errbackArgs=(index, FAILURE),
            )

    def _childFired(self, result: Any, index: int, succeeded: bool) -> Any:
        """Record the result of input ``index``, fire if that completes this list.

        Returns what the input Deferred's later callbacks see.
        """
        self.resultList[index] = (succeeded, result)
        self.finishedCount += 1
        if not self.called:
            if succeeded and self.fireOnOneCallback:
                self.callback(cast(_ResultT, (result, index)))
            elif not succeeded and self.fireOnOneErrback:
                self.errback(Failure(FirstError(result, index)))
            elif self.finishedCount == len(self.resultList):
                # Every slot is filled now, so the list holds no None.
                self.callback(cast(_ResultT, self.resultList))
        if not succeeded and self.consumeErrors:
            return None
        return result

    def cancel(self, msg: object = None) -> None:
        """Cancel every tracked Deferred, if this list has not fired yet.

        The list then fires as their cancellation dictates (usually with `CancelledError`
        failures). Once fired, this behaves as `Deferred.cancel`: it cancels only a Deferred
        that a callback of this list returned and that is still pending.
        """
        if self.called:
            super().cancel(msg)
            return
        for deferred in self._deferredList:
            try:
                deferred.cancel()
            except Exception:
                # One broken canceller must not keep the others from running.
                _log.failure("Exception raised from user supplied canceller", level=LogLevel.error)


def _successValues(results: list[tuple[bool, _T | Failure]]) -> list[_T]:
    """Strip the success flags; with ``fireOnOneErrback`` every pair that gets here succeeded."""
    return [cast(_T, value) for _, value in results]


def gatherResults(
    deferredList: Iterable[Deferred[_T]], consumeErrors: bool = False
) -> Deferred[list[_T]]:
    """Wait for all of ``deferredList`` and fire with the list of their results, in order.

    Fails as soon as one of them fails, with a `FirstError` wrapping that failure (not the
    failure itself). Cancelling the returned Deferred cancels all of them.

    Args:
        deferredList: The Deferreds to wait for.
        consumeErrors: Replace each input's failure by None for its later callbacks, so it
            is not also reported as unhandled.
    """
    gathered = DeferredList(deferredList, fireOnOneErrback=True, consumeErrors=consumeErrors)
    return gathered.addCallback(_successValues)


def race(ds: Sequence[Deferred[_T]]) -> Deferred[tuple[int, _T]]:
    """Fire with ``(index, result)`` of the first of ``ds`` to succeed, and cancel the others.

    If they all fail, fail with a `FailureGroup` of their failures in input order. Cancelling
    the returned Deferred cancels all of ``ds``. The inputs' own results become None: the race
    owns them. An empty ``ds`` never fires.
    """
    contenders = list(ds)
    winner: int | None = None
    failures: list[tuple[int, Failure]] = []

    def cancelAll(_: Deferred[tuple[int, _T]]) -> None:
        for contender in contenders:
            contender.cancel()

    raced: Deferred[tuple[int, _T]] = Deferred(canceller=cancelAll)

    def succeeded(value: _T, index: int) -> None:
        nonlocal winner
        # A second success can only come from a loser whose canceller fired it successfully:
        # the race is already decided, so it is dropped.
        if winner is not None:
            return
        winner = index
        # The winner itself is not cancelled: its caller may still be using what it gave.
        for other, contender in enumerate(contenders):
            if other != index:
                contender.cancel()
        raced.callback((index, value))

    def failed(failure: Failure, index: int) -> None:
        failures.append((index, failure))
        if len(failures) == len(contenders):
            failures.sort(key=lambda item: item[0])
            raced.errback(FailureGroup([failure for _, failure in failures]))

    for index, contender in enumerate(contenders):
        contender.addCallbacks(succeeded, failed, callbackArgs=(index,), errbackArgs=(index,))
    return raced
