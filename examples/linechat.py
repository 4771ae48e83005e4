"""A line-based chat server built on LineReceiver.

Run: ``python examples/linechat.py [PORT]`` (default 8123; 0 picks a free port). It prints
``listening on PORT`` once ready. Connect with ``nc -C 127.0.0.1 8123`` from several terminals:
the server asks each client for a name, then relays every line to the other clients.
"""

from __future__ import annotations

import sys

from torsion.internet import reactor
from torsion.internet.interfaces import IAddress
from torsion.internet.protocol import Factory, connectionDone
from torsion.protocols.basic import LineReceiver
from torsion.python.failure import Failure


class Chat(LineReceiver):
    def __init__(self, users: dict[bytes, Chat]) -> None:
        self.users = users
        self.name: bytes | None = None

    def connectionMade(self) -> None:
        self.sendLine(b"What's your name?")

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        if self.name is not None and self.users.get(self.name) is self:
            del self.users[self.name]
            self.broadcast(b"* " + self.name + b" left")

    def lineReceived(self, line: bytes) -> None:
        if self.name is None:
            self.handleName(line)
        else:
            self.broadcast(b"<" + self.name + b"> " + line)

    def handleName(self, name: bytes) -> None:
        if not name or name in self.users:
            self.sendLine(b"Name taken or empty, please choose another.")
            return
        self.name = name
        self.users[name] = self
        self.sendLine(b"Welcome, " + name + b"!")
        self.broadcast(b"* " + name + b" joined")

    def broadcast(self, message: bytes) -> None:
        for protocol in self.users.values():
            if protocol is not self:
                protocol.sendLine(message)


class ChatFactory(Factory):
    def __init__(self) -> None:
        self.users: dict[bytes, Chat] = {}  # maps user names to Chat instances

    def buildProtocol(self, addr: IAddress) -> Chat:
        return Chat(self.users)


def main() -> None:
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8123
    listening = reactor.listenTCP(port, ChatFactory(), interface="127.0.0.1")
    print("listening on", listening.getHost().port, flush=True)
    reactor.run()


if __name__ == "__main__":
    main()
