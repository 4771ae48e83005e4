"""A UDP echo server: a DatagramProtocol that sends every datagram back to its sender.

Run: ``python examples/udpecho.py [PORT]`` (default 8000, or ``$ECHO_PORT``; 0 picks a free
port). It prints ``listening on PORT`` once it is ready. Try it with ``examples/udpping.py``
or ``nc -u 127.0.0.1 8000``.
"""

import os
import sys

from torsion.internet import reactor
from torsion.internet.protocol import DatagramProtocol


class Echo(DatagramProtocol):
    def datagramReceived(self, datagram: bytes, addr: tuple[str, int]) -> None:
        # UDP has no connections: each datagram comes with the address to answer.
        self.transport.write(datagram, addr)


def main() -> None:
    port = int(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("ECHO_PORT", "8000"))
    listening = reactor.listenUDP(port, Echo(), interface="127.0.0.1")
    print("listening on", listening.getHost().port, flush=True)
    reactor.run()


if __name__ == "__main__":
    main()
