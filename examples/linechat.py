"""A line-based chat server built on LineReceiver.

Run: ``python examples/linechat.py [PORT]`` (default 8123; 0 picks a free port). It prints
``listening on PORT`` once ready. Connect with ``nc -C 127.0.0.1 8123`` from several terminals:
the server asks each client for a name, then relays every line to the other clients.
"""

import sys

from torsion.internet import reactor
from torsion.internet.protocol import Factory
from torsion.protocols.basic import LineReceiver


class Chat(LineReceiver):
    def __init__(self, users):
        self.users = users
        self.name = None

    def connectionMade(self):
        self.sendLine(b"What's your name?")

    def connectionLost(self, reason):
        if self.users.get(self.name) is self:
            del self.users[self.name]
            self.broadcast(b"* " + self.name + b" left")

    def lineReceived(self, line):
        if self.name is None:
            self.handleName(line)
        else:
            self.broadcast(b"<" + self.name + b"> " + line)

    def handleName(self, name):
        if not name or name in self.users:
            self.sendLine(b"Name taken or empty, please choose another.")
            return
        self.name = name
        self.users[name] = self
        self.sendLine(b"Welcome, " + name + b"!")
        self.broadcast(b"* " + name + b" joined")

    def broadcast(self, message):
        for protocol in self.users.values():
            if protocol is not self:
                protocol.sendLine(message)


class ChatFactory(Factory):
    def __init__(self):
        self.users = {}  # maps user names to Chat instances

    def buildProtocol(self, addr):
        return Chat(self.users)


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8123
    listening = reactor.listenTCP(port, ChatFactory(), interface="127.0.0.1")
    print("listening on", listening.getHost().port, flush=True)
    reactor.run()


if __name__ == "__main__":
    main()
