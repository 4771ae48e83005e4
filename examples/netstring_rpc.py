"""A netstring RPC server and client: each request and reply is one netstring.

Run the server: ``python examples/netstring_rpc.py server [PORT]`` (0 picks a free port; it
prints ``listening on PORT``). Run the client:
``python examples/netstring_rpc.py client PORT "add 1 2" "mul 3 4"``: it sends each call, prints
``add 1 2 -> 3`` for each reply, in order, and exits. Methods: ``add``, ``mul``, ``neg``,
``echo``; a bad call gets ``error: ...`` back.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from torsion.internet import reactor
from torsion.internet.interfaces import IConnector
from torsion.internet.protocol import ClientFactory, Factory
from torsion.protocols.basic import NetstringReceiver
from torsion.python.failure import Failure

METHODS: dict[str, Callable[..., object]] = {
    "add": lambda *args: sum(int(a) for a in args),
    "mul": lambda a, b: int(a) * int(b),
    "neg": lambda a: -int(a),
    "echo": lambda *args: " ".join(args),
}


class RPCServer(NetstringReceiver):
    def stringReceived(self, string: bytes) -> None:
        name, *args = string.decode("utf-8").split() or [""]
        try:
            result = METHODS[name](*args)
        except KeyError:
            reply = f"error: no method {name!r}"
        except (TypeError, ValueError) as e:
            reply = f"error: {e}"
        else:
            reply = str(result)
        self.sendString(reply.encode("utf-8"))


class RPCClient(NetstringReceiver):
    factory: RPCClientFactory

    def connectionMade(self) -> None:
        self.pending = list(self.factory.calls)
        for call in self.pending:
            self.sendString(call.encode("utf-8"))

    def stringReceived(self, string: bytes) -> None:
        call = self.pending.pop(0)
        print(f"{call} -> {string.decode('utf-8')}", flush=True)
        if not self.pending:
            assert self.transport is not None
            self.transport.loseConnection()


class RPCClientFactory(ClientFactory):
    protocol = RPCClient

    def __init__(self, calls: list[str]) -> None:
        self.calls = calls

    def clientConnectionFailed(self, connector: IConnector, reason: Failure) -> None:
        print("Connection failed:", reason.getErrorMessage())
        reactor.stop()

    def clientConnectionLost(self, connector: IConnector, reason: Failure) -> None:
        reactor.stop()


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "server":
        port = int(sys.argv[2]) if len(sys.argv) > 2 else 8124
        listening = reactor.listenTCP(port, Factory.forProtocol(RPCServer), interface="127.0.0.1")
        print("listening on", listening.getHost().port, flush=True)
    elif len(sys.argv) > 3 and sys.argv[1] == "client":
        reactor.connectTCP("127.0.0.1", int(sys.argv[2]), RPCClientFactory(sys.argv[3:]))
    else:
        sys.exit(__doc__)
    reactor.run()


if __name__ == "__main__":
    main()
