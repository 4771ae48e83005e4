"""`checkStreamTransport`: one conformance suite for every stream transport.

Modelled on trio's ``check_two_way_stream``: the user gives a *maker* that connects two protocol
instances over their transport, and the suite runs each check on fresh connections.
"""

from __future__ import annotations

from collections.abc import Iterable

from torsion.testing._streamcheck._checks import CHECKS, Run
from torsion.testing._streamcheck._harness import (
    MiB,
    Options,
    PumpDriver,
    ReactorDriver,
    StreamDriver,
    StreamMaker,
)

__all__ = [
    "STREAM_CHECKS",
    "PumpDriver",
    "ReactorDriver",
    "StreamDriver",
    "StreamMaker",
    "checkStreamTransport",
]

#: The names of `checkStreamTransport`'s checks, in the order they run.
STREAM_CHECKS: tuple[str, ...] = tuple(CHECKS)


def checkStreamTransport(
    maker: StreamMaker,
    *,
    halfClose: bool = True,
    abort: bool = True,
    producers: bool = True,
    backPressure: bool = True,
    writesAfterLoseConnection: bool | None = True,
    transferSize: int = 8 * MiB,
    bufferLimit: int = 4 * MiB,
    timeout: float = 30.0,
    only: Iterable[str] | None = None,
    skip: Iterable[str] = (),
) -> list[str]:
    """Check that a stream transport behaves as torsion's (and Twisted's) TCP does.

    **The maker.** ``maker(serverProtocol, clientProtocol)`` connects the two protocol
    instances it is given over the transport under test (``makeConnection`` is called once on
    each, at once or while the driver runs) and returns a `StreamDriver`: an object whose
    ``runUntil(d, timeout)`` moves bytes until the Deferred ``d`` fires and whose ``close()``
    releases what else the maker set up. It is called once per connection (several times per
    check). On a real reactor return a `ReactorDriver`; in memory, a `PumpDriver`::

        def tcp(server, client):
            port = reactor.listenTCP(0, Factory.forProtocol(lambda: server),
                                     interface="127.0.0.1")
            reactor.connectTCP("127.0.0.1", port.getHost().port,
                               ClientFactory.forProtocol(lambda: client))
            return ReactorDriver(reactor, port.stopListening)

        checkStreamTransport(tcp)

    **The checks** (`STREAM_CHECKS`; each is described in full by its failure messages):

    * ``ordering``: many writes of varying sizes, both ways at once, arrive in order.
    * ``largeTransfer``: ``transferSize`` bytes each way in one write arrive intact.
    * ``writeSequence``: sequences of bytes, bytearray, memoryview and empty chunks, mixed with
      ``write``, keep the order.
    * ``writeTypes``: str is refused with TypeError; a bytearray is taken at the call; writes
      after the close are ignored.
    * ``loseConnectionDrains``: what was written before ``loseConnection`` (from
      ``dataReceived``, and from ``connectionMade``) arrives, then ConnectionDone on both sides;
      ``connectionLost`` is never called from inside ``loseConnection``.
    * ``pauseReading``: ``transport.pauseProducing()`` stops ``dataReceived`` until
      ``resumeProducing()``; nothing is lost.
    * ``abort`` (if ``abort``): ``abortConnection`` with data buffered: ConnectionAborted
      locally, the peer sees the connection lost, the buffered data is dropped.
    * ``halfClose`` and ``halfCloseUnsupported`` (if ``halfClose``): ``loseWriteConnection``
      gives the peer ``readConnectionLost`` (or, for a protocol without it, the end of the
      connection) after all the data; the half-closer gets ``writeConnectionLost`` and still
      reads the answer.
    * ``pushProducer``, ``pullProducer``, ``producerLifecycle``, ``producerStoppedOnLost``
      (if ``producers``): a streaming producer feeds the connection (paused while the peer
      does not read and resumed after, if ``backPressure``); a pull producer is asked for data
      each time its data has gone; ``loseConnection`` waits for ``unregisterProducer``; a
      second ``registerProducer`` is refused; a producer is stopped when registered on a
      closed connection, or when the peer's close ends the connection (skip
      ``producerStoppedOnLost`` for pipes, whose output stays open).
    * ``backPressure`` (if ``producers`` and ``backPressure``): with a peer that does not read,
      a push producer is paused before ``bufferLimit`` bytes are buffered, by ``write`` and
      ``writeSequence``, and resumed once the peer reads again.
    * ``stopProducing``: ``transport.stopProducing()`` closes as ``loseConnection`` does.

    In every scenario each side gets ``connectionMade`` once, before any other event, and
    ``connectionLost`` exactly once, last. A check whose capability is turned off is not run.

    Args:
        maker: Connects a server and a client protocol; see above.
        halfClose: The transport has ``loseWriteConnection`` and tells half-closeable
            protocols ``readConnectionLost`` / ``writeConnectionLost``.
        abort: The transport has ``abortConnection``.
        producers: The transport is an ``IConsumer`` (``registerProducer``...).
        backPressure: Its write buffer is bounded: a streaming producer is paused when the
            peer stops reading (an in-memory pump with an unbounded buffer is not).
        writesAfterLoseConnection: Whether writes made in the same turn after
            ``loseConnection`` (or ``loseWriteConnection``) are still sent: True, they must be
            (Twisted's TCP); False, they must be dropped (TLS); None, either is accepted.
        transferSize: Bytes each way for ``largeTransfer`` and ``pushProducer``.
        bufferLimit: The most a transport may buffer before pausing a producer.
        timeout: Seconds any one wait may take before the check fails as hung.
        only: Run only these checks (names from `STREAM_CHECKS`).
        skip: Do not run these checks.

    Returns:
        The names of the checks that ran.

    Raises:
        AssertionError: One or more checks failed; the message has a paragraph per failed
            check, starting with its name in brackets (and the first failure as its cause).
        ValueError: ``only`` or ``skip`` names an unknown check.
    """
    __tracebackhide__ = True
    options = Options(
        halfClose=halfClose,
        abort=abort,
        producers=producers,
        backPressure=backPressure,
        writesAfterLoseConnection=writesAfterLoseConnection,
        transferSize=transferSize,
        bufferLimit=bufferLimit,
        timeout=timeout,
    )
    wanted = list(STREAM_CHECKS) if only is None else list(only)
    skipped = set(skip)
    unknown = sorted((set(wanted) | skipped) - set(STREAM_CHECKS))
    if unknown:
        raise ValueError(f"unknown checks {unknown}; choose from {', '.join(STREAM_CHECKS)}")
    ran: list[str] = []
    failures: list[tuple[str, BaseException]] = []
    for name in STREAM_CHECKS:
        check, needs = CHECKS[name]
        if name not in wanted or name in skipped or not all(getattr(options, n) for n in needs):
            continue
        ran.append(name)
        run = Run(name, maker, options)
        try:
            check(run)
        except Exception as e:
            failures.append((name, e))
            for scenario in run.scenarios:
                scenario.abandon()
    if failures:
        text = "\n".join(f"[{name}] {type(e).__name__}: {e}" for name, e in failures)
        raise AssertionError(
            f"checkStreamTransport: {len(failures)} of {len(ran)} checks failed:\n{text}"
        ) from failures[0][1]
    return ran
