"""Deferred: results that arrive later, and the tools built on them (Twisted's ``defer``).

Everything Twisted's ``twisted.internet.defer`` offers, under the same names: `Deferred` and its
chaining, `succeed`/`fail`/`maybeDeferred`, `DeferredList`/`gatherResults`/`race`, locks,
semaphores and queues, a filesystem lock to wait for (`DeferredFilesystemLock`),
`inlineCallbacks` and ``async``/``await`` (`ensureDeferred`), plus asyncio interop
(`Deferred.fromFuture`, `Deferred.asFuture`, and awaiting a Deferred from a plain asyncio Task).
"""

from __future__ import annotations

from typing import Any, ParamSpec, TypeVar
from warnings import warn

from torsion.internet._defer.coroutines import ensureDeferred, inlineCallbacks, returnValue
from torsion.internet._defer.deferred import (
    AlreadyCalledError,
    CancelledError,
    Deferred,
    NotACoroutineError,
    TimeoutError,
    getDebugging,
    setDebugging,
)
from torsion.internet._defer.filelock import AlreadyTryingToLockError, DeferredFilesystemLock
from torsion.internet._defer.lists import (
    FAILURE,
    SUCCESS,
    DeferredList,
    FailureGroup,
    FirstError,
    gatherResults,
    race,
)

# Twisted's private names of DeferredList's result types, which typed code imports from here.
from torsion.internet._defer.lists import _DeferredListResultItemT as _DeferredListResultItemT
from torsion.internet._defer.lists import _DeferredListResultListT as _DeferredListResultListT
from torsion.internet._defer.lists import _DeferredListSingleResultT as _DeferredListSingleResultT
from torsion.internet._defer.shortcuts import execute, fail, maybeDeferred, succeed
from torsion.internet._defer.sync import (
    DeferredLock,
    DeferredQueue,
    DeferredSemaphore,
    QueueOverflow,
    QueueUnderflow,
)
from torsion.logger import Logger, LogLevel
from torsion.python.failure import Failure

__all__ = [
    "FAILURE",
    "SUCCESS",
    "AlreadyCalledError",
    "AlreadyTryingToLockError",
    "CancelledError",
    "Deferred",
    "DeferredFilesystemLock",
    "DeferredList",
    "DeferredLock",
    "DeferredQueue",
    "DeferredSemaphore",
    "FailureGroup",
    "FirstError",
    "NotACoroutineError",
    "QueueOverflow",
    "QueueUnderflow",
    "TimeoutError",
    "ensureDeferred",
    "execute",
    "fail",
    "gatherResults",
    "getDebugging",
    "inlineCallbacks",
    "logError",
    "maybeDeferred",
    "passthru",
    "race",
    "returnValue",
    "setDebugging",
    "succeed",
    "timeout",
]

_T = TypeVar("_T")
_P = ParamSpec("_P")

_log = Logger(namespace="torsion")


def passthru(arg: _T) -> _T:
    """Return ``arg``: the identity callback."""
    return arg


def logError(err: Failure) -> Failure:
    """An errback that logs the failure (an ``error`` event, namespace ``torsion``) and
    returns it, so the next errback gets it unchanged (as in Twisted: if none handles it, the
    Deferred reports it again when it is garbage-collected)."""
    _log.failure("Unhandled Error", err, LogLevel.error)
    return err


def timeout(deferred: Deferred[Any]) -> None:
    """Fail ``deferred`` with `TimeoutError` (deprecated: use `Deferred.addTimeout`)."""
    warn(
        "torsion.internet.defer.timeout was deprecated in Twisted 17.1.0;"
        " please use torsion.internet.defer.Deferred.addTimeout instead",
        DeprecationWarning,
        stacklevel=2,
    )
    deferred.errback(Failure(TimeoutError("Callback timed out")))
