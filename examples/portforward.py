"""A port forwarder: every connection to a local port is relayed to another host and port.

Run: ``python examples/portforward.py LOCALPORT HOST PORT`` (LOCALPORT 0 picks a free port). It
prints ``listening on PORT`` once it is ready. ``ProxyFactory`` applies back-pressure both ways:
a side that reads slowly pauses the other side's reading, so the forwarder's memory stays small.
Try it in front of the echo server: ``python examples/echoserver.py 8000`` and
``python examples/portforward.py 8080 127.0.0.1 8000``, then ``nc 127.0.0.1 8080``.
"""

import sys

from torsion.internet import reactor
from torsion.protocols import portforward


def main() -> None:
    localPort, host, port = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    listening = reactor.listenTCP(
        localPort, portforward.ProxyFactory(host, port), interface="127.0.0.1"
    )
    print("listening on", listening.getHost().port, flush=True)
    reactor.run()


if __name__ == "__main__":
    main()
