"""Run a few ``ls``-style commands at the same time and print what each one wrote, in order.

Each child gets a ``Collector`` (a ``ProcessProtocol``) that gathers its stdout and stderr and
fires a Deferred at ``processEnded`` with the exit code; ``DeferredList`` waits for all of them.

Run: ``python examples/runprocesses.py [DIRECTORY]`` (default: the current directory).
"""

import sys

from torsion.internet import defer, task
from torsion.internet.error import ProcessDone, ProcessTerminated
from torsion.internet.interfaces import IReactorProcess
from torsion.internet.protocol import ProcessProtocol
from torsion.python.failure import Failure

Outcome = tuple[list[str], bytes, int | str]  # argv, output, exit code (or "killed")


class Collector(ProcessProtocol):
    """Collects a child's output; ``done`` fires with (argv, output, exit code)."""

    def __init__(self, argv: list[str]) -> None:
        self.argv = argv
        self.output = b""
        self.done: defer.Deferred[Outcome] = defer.Deferred()

    def outReceived(self, data: bytes) -> None:
        self.output += data

    def errReceived(self, data: bytes) -> None:
        self.output += data

    def processEnded(self, reason: Failure) -> None:
        assert isinstance(reason.value, ProcessDone | ProcessTerminated)
        code = reason.value.exitCode
        self.done.callback((self.argv, self.output, code if code is not None else "killed"))


def run(reactor: IReactorProcess, argv: list[str]) -> defer.Deferred[Outcome]:
    collector = Collector(argv)
    # args[0] is the child's argv[0]; env=None passes our environment on (the default is an
    # empty one, as in Twisted).
    reactor.spawnProcess(collector, argv[0], argv, env=None)
    return collector.done


async def main(reactor: IReactorProcess, directory: str = ".") -> None:
    commands = [
        ["ls", "-1", directory],
        ["du", "-s", "-k", directory],
        ["ls", "-1", "-a", directory],
        ["ls", "/nonexistent-directory"],
    ]
    results = await defer.DeferredList([run(reactor, argv) for argv in commands])
    for _, outcome in results:
        assert not isinstance(outcome, Failure)  # a Collector's Deferred never fails
        argv, output, code = outcome
        print(f"$ {' '.join(argv)}  (exit {code})")
        print(output.decode(errors="replace"), end="")


if __name__ == "__main__":
    task.react(main, sys.argv[1:])
