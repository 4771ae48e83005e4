"""A UDP ping client: sends COUNT numbered pings, one at a time, and prints each round trip.

Run: ``python examples/udpping.py PORT [COUNT [TIMEOUT]]`` against ``examples/udpecho.py``
(COUNT default 3; a ping without a reply within TIMEOUT seconds, default 1, is reported lost).
The port is *connected* to the server, so a closed server port is reported at once
(``connectionRefused``) instead of after a timeout.
"""

import sys
import time

from torsion.internet import reactor
from torsion.internet.interfaces import IDelayedCall, IUDPTransport
from torsion.internet.protocol import DatagramProtocol


class Pinger(DatagramProtocol):
    transport: IUDPTransport

    def __init__(self, host: str, port: int, count: int, timeout: float) -> None:
        self.server = (host, port)
        self.count = count
        self.timeout = timeout
        self.seq = 0
        self.replies = 0
        self.sentAt = 0.0
        self.timer: IDelayedCall | None = None

    def startProtocol(self) -> None:
        self.transport.connect(*self.server)  # write() needs no address from now on
        self.ping()

    def ping(self) -> None:
        self.seq += 1
        self.sentAt = time.perf_counter()
        self.transport.write(b"ping %d" % self.seq)
        self.timer = reactor.callLater(self.timeout, self.lost)

    def datagramReceived(self, datagram: bytes, addr: tuple[str, int]) -> None:
        if datagram != b"ping %d" % self.seq or self.timer is None:
            return  # a late reply to an earlier ping
        self.timer.cancel()
        self.timer = None
        self.replies += 1
        rtt = (time.perf_counter() - self.sentAt) * 1000
        print(f"reply from {addr[0]}:{addr[1]} seq={self.seq} time={rtt:.3f} ms")
        self.next()

    def lost(self) -> None:
        self.timer = None
        print(f"no reply for seq={self.seq}")
        self.next()

    def connectionRefused(self) -> None:
        print("connection refused: nothing listens on port", self.server[1])
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        self.finish()

    def next(self) -> None:
        if self.seq < self.count:
            self.ping()
        else:
            self.finish()

    def finish(self) -> None:
        print(f"{self.seq} sent, {self.replies} received")
        reactor.stop()


def main() -> None:
    port = int(sys.argv[1])
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    timeout = float(sys.argv[3]) if len(sys.argv) > 3 else 1.0
    reactor.listenUDP(0, Pinger("127.0.0.1", port, count, timeout), interface="127.0.0.1")
    reactor.run()


if __name__ == "__main__":
    main()
