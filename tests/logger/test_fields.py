"""Fields from the context of an event's origin: `logContext` and `bindContextVar`."""

from __future__ import annotations

import logging
import threading
from contextvars import ContextVar, copy_context

from torsion.logger import Logger, bindContextVar, capturedLogs, logContext, unbindContextVar
from torsion.python import log as legacyLog

requestId: ContextVar[int] = ContextVar("request_id")


def test_blockFieldsOnlyInsideTheBlock() -> None:
    log = Logger(namespace="app")
    with capturedLogs() as events:
        with logContext(peer="p1"):
            with logContext(stage="inner"):
                log.info("inner")
            log.info("outer")
        log.info("after")
    assert [(e.get("peer"), e.get("stage")) for e in events] == [
        ("p1", "inner"),
        ("p1", None),
        (None, None),
    ]


def test_theCallsOwnFieldWins() -> None:
    with capturedLogs() as events, logContext(peer="context"):
        Logger(namespace="app").info("x", peer="call")
    assert events[0]["peer"] == "call"


def test_boundVariableInEveryApi() -> None:
    bindContextVar(requestId)
    try:

        def inContext() -> None:
            requestId.set(42)
            Logger(namespace="app").info("new")
            legacyLog.msg("legacy")
            logging.getLogger("torsion.fieldtest").warning("stdlib")

        with capturedLogs() as events:
            copy_context().run(inContext)
            Logger(namespace="app").info("unset here")
    finally:
        unbindContextVar(requestId)
    assert [e.get("request_id") for e in events] == [42, 42, 42, None]


def test_boundUnderAnotherName() -> None:
    bindContextVar(requestId, "rid")

    def inContext() -> None:
        requestId.set(1)
        Logger(namespace="a").info("x")

    try:
        with capturedLogs() as events:
            copy_context().run(inContext)
    finally:
        unbindContextVar(requestId)
    assert events[0]["rid"] == 1 and "request_id" not in events[0]


def test_eachThreadHasItsOwnBlockFields() -> None:
    log = Logger(namespace="app")
    barrier = threading.Barrier(3)

    def work(name: str) -> None:
        with logContext(worker=name):
            barrier.wait(timeout=10)  # all three blocks are open at once
            log.info("from {me}", me=name)

    with capturedLogs() as events:
        threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=10)
    assert sorted((e["me"], e["worker"]) for e in events) == [(f"w{i}",) * 2 for i in range(3)]
