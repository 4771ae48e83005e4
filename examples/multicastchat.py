"""A chat over multicast UDP on the loopback interface: every member hears every line.

Run: ``python examples/multicastchat.py NAME [PORT]`` in several terminals (PORT default
8005): each line typed is sent to group 228.0.0.5 and printed by the others as
``<NAME> line``. Two bounded modes, for scripts and tests:

- ``--say TEXT``: send one line and exit;
- ``--listen N``: print the first N lines heard from others, then leave the group and exit.

``listenMultiple=True`` lets several members on one host share the port.
"""

import argparse
import os

from torsion.internet import reactor
from torsion.internet.interfaces import IMulticastTransport
from torsion.internet.protocol import DatagramProtocol
from torsion.python.failure import Failure

GROUP = "228.0.0.5"
LOOPBACK = "127.0.0.1"


class Chat(DatagramProtocol):
    transport: IMulticastTransport

    def __init__(
        self, name: str, port: int, say: str | None = None, listen: int | None = None
    ) -> None:
        self.name = name
        self.port = port
        self.say = say
        self.remaining = listen

    def startProtocol(self) -> None:
        self.transport.setOutgoingInterface(LOOPBACK)
        if self.say is not None:
            self.send(self.say)
            self.transport.stopListening().addCallback(lambda _: reactor.stop())
            return
        self.transport.joinGroup(GROUP, LOOPBACK).addCallback(self.joined)

    def joined(self, _: object) -> None:
        print(f"joined {GROUP}:{self.port} as {self.name}", flush=True)

    def send(self, text: str) -> None:
        self.transport.write(f"{self.name}\0{text}".encode(), (GROUP, self.port))

    def datagramReceived(self, datagram: bytes, addr: tuple[str, int]) -> None:
        name, _, text = datagram.decode(errors="replace").partition("\0")
        if name == self.name:
            return  # our own line, looped back
        print(f"<{name}> {text}", flush=True)
        if self.remaining is not None:
            self.remaining -= 1
            if self.remaining == 0:
                self.transport.leaveGroup(GROUP, LOOPBACK).addCallback(lambda _: reactor.stop())


class Keyboard:
    """Sends each line read from stdin; stops the reactor at end of input."""

    def __init__(self, chat: Chat) -> None:
        self.chat = chat
        self.pending = b""

    def fileno(self) -> int:
        return 0

    def logPrefix(self) -> str:
        return "Keyboard"

    def doRead(self) -> None:
        data = os.read(0, 4096)
        if not data:
            reactor.removeReader(self)
            reactor.stop()
            return
        *lines, self.pending = (self.pending + data).split(b"\n")
        for line in lines:
            self.chat.send(line.decode(errors="replace"))

    def connectionLost(self, reason: Failure) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name")
    parser.add_argument("port", nargs="?", type=int, default=8005)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--say", metavar="TEXT", help="send one line and exit")
    mode.add_argument("--listen", metavar="N", type=int, help="exit after N lines")
    args = parser.parse_args()
    chat = Chat(args.name, args.port, args.say, args.listen)
    if args.say is not None:  # only sends: any free port will do
        reactor.listenMulticast(0, chat, interface=LOOPBACK)
    else:  # binds the group address, so it hears the group and nothing else
        reactor.listenMulticast(args.port, chat, interface=GROUP, listenMultiple=True)
        if args.listen is None:
            reactor.addReader(Keyboard(chat))
    reactor.run()


if __name__ == "__main__":
    main()
