"""An echo server on a UNIX socket: listenUNIX with a PID lock file.

Run: ``python examples/unixecho.py [PATH]`` (default ``/tmp/torsion-echo.sock``). It prints
``listening on PATH`` once it is ready. ``PATH.lock`` holds the server's PID while it runs, so a
second server on the same path fails at once; if the server dies without cleaning up (``kill
-9``), the next one notices the lock is stale and removes the leftover socket file.

Clients, from other terminals::

    nc -U /tmp/torsion-echo.sock              # or: socat - UNIX-CONNECT:/tmp/torsion-echo.sock

or from torsion (``checkPID`` fails at once if no live server holds the lock)::

    from torsion.internet import reactor
    from torsion.internet.protocol import ClientCreator, Protocol

    class Client(Protocol):
        def dataReceived(self, data):
            print("Server said:", data.decode())
            reactor.stop()

    d = ClientCreator(reactor, Client).connectUNIX("/tmp/torsion-echo.sock", checkPID=True)
    d.addCallback(lambda proto: proto.transport.write(b"hello"))
    reactor.run()
"""

import sys

from torsion.internet import reactor
from torsion.internet.error import CannotListenError
from torsion.internet.protocol import Factory, Protocol


class Echo(Protocol):
    def dataReceived(self, data: bytes) -> None:
        # As soon as any data is received, write it back.
        assert self.transport is not None
        self.transport.write(data)


def main() -> None:
    path = sys.argv[1] if len(sys.argv) > 1 else "/tmp/torsion-echo.sock"
    try:
        port = reactor.listenUNIX(path, Factory.forProtocol(Echo), wantPID=True)
    except CannotListenError as e:
        print(e, file=sys.stderr)
        sys.exit(1)
    print("listening on", port.getHost().name, flush=True)
    reactor.run()


if __name__ == "__main__":
    main()
