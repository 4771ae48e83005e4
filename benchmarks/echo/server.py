"""One echo server for benchmarks/echo: ``python server.py KIND [CPU]``.

KIND is ``torsion-select``, ``torsion-poll``, ``torsion-epoll``, ``torsion-asyncio``,
``torsion-uvloop``, ``twisted-epoll``, ``twisted-asyncio``, ``asyncio`` or ``uvloop`` (the last
two: a plain asyncio ``Protocol`` on that loop). The server listens on 127.0.0.1 on a free
port, prints the port on one line, sets TCP_NODELAY on every connection, pins itself to CPU (if
given) and runs until killed.
"""

from __future__ import annotations

import os
import socket
import sys
from typing import Any, cast


def serveReactor(kind: str) -> None:
    """Torsion or Twisted: the same program, only the package and the reactor differ."""
    package, name = kind.split("-")
    module = __import__(f"{package}.internet.{name}reactor", fromlist=["install"])
    module.install()
    reactor: Any = __import__(f"{package}.internet.reactor", fromlist=["reactor"])
    protocol: Any = __import__(f"{package}.internet.protocol", fromlist=["Protocol"])

    class Echo(protocol.Protocol):  # type: ignore[misc]
        def connectionMade(self) -> None:
            self.transport.setTcpNoDelay(True)

        def dataReceived(self, data: bytes) -> None:
            self.transport.write(data)

    factory = protocol.Factory.forProtocol(Echo)
    factory.noisy = False
    port = reactor.listenTCP(0, factory, backlog=1024, interface="127.0.0.1")
    print(port.getHost().port, flush=True)
    reactor.run(installSignalHandlers=False)


def serveAsyncio(kind: str) -> None:
    """A plain asyncio ``Protocol`` echo server, on stock asyncio or on uvloop."""
    import asyncio

    class Echo(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            # uvloop's transports are not asyncio.Transport subclasses, only alike.
            self.transport = cast(asyncio.Transport, transport)
            transport.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def data_received(self, data: bytes) -> None:
            self.transport.write(data)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(Echo, "127.0.0.1", 0, backlog=1024)
        print(server.sockets[0].getsockname()[1], flush=True)
        await server.serve_forever()

    if kind == "uvloop":
        import uvloop

        loop = uvloop.new_event_loop()
    else:
        loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(main())
    finally:
        loop.close()


def main() -> None:
    kind = sys.argv[1]
    if len(sys.argv) > 2:
        os.sched_setaffinity(0, {int(sys.argv[2])})
    if kind in ("asyncio", "uvloop"):
        serveAsyncio(kind)
    else:
        serveReactor(kind)


if __name__ == "__main__":
    main()
