"""`PosixReactorBase`: the kernel plus every transport, the reactor users get.

`torsion.internet._reactors.reactorbase.ReactorBase` runs the loop and resolves names, and
knows no socket; this class adds what makes transports (Twisted's ``IReactorTCP``,
``IReactorUNIX``, ``IReactorUDP``, ``IReactorMulticast``, ``IReactorUNIXDatagram``,
``IReactorProcess``, ``IReactorSSL``). The select, poll and epoll reactors are this class
over their poller; the asyncio reactor is too, with its own TCP classes in
`PosixReactorBase.tcpPortType` and `PosixReactorBase.tcpConnectorType`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from torsion.internet._process import process
from torsion.internet._reactors.reactorbase import ReactorBase
from torsion.internet._tls import ports as tlsports
from torsion.internet._transports import adopt, tcp, udp, unix, unixdatagram
from torsion.internet._transports.binding import Binding
from torsion.internet.interfaces import (
    IConnector,
    IFullReactor,
    IListeningPort,
    IProcessProtocol,
    IProcessTransport,
    ITCPListeningPort,
    IUNIXListeningPort,
)
from torsion.internet.protocol import (
    AbstractDatagramProtocol,
    ClientFactory,
    ConnectedDatagramProtocol,
    Factory,
)

__all__ = ["PosixReactorBase"]


class PosixReactorBase(ReactorBase):
    """A reactor with every transport torsion has, over the poller it is given.

    Attributes:
        tcpPortType: The listening port class ``listenTCP`` makes.
        tcpConnectorType: The connector class ``connectTCP`` makes.
    """

    tcpPortType: type[tcp.Port] = tcp.Port
    tcpConnectorType: type[tcp.Connector] = tcp.Connector

    # -- TCP (torsion.internet.tcp) -----------------------------------------------------------

    def listenTCP(
        self, port: int | Binding, factory: Factory, backlog: int = 50, interface: str = ""
    ) -> ITCPListeningPort:
        """Listen for TCP connections on ``port`` (0: any free port), or as a `makeBinding`
        says."""
        p = self.tcpPortType(port, factory, backlog, interface, self)
        p.startListening()
        return p

    def connectTCP(
        self,
        host: str,
        port: int,
        factory: ClientFactory,
        timeout: float = 30,
        bindAddress: Binding | tuple[str, int] | None = None,
    ) -> IConnector:
        """Connect to ``host``:``port``; ``factory`` hears how it goes."""
        c = self.tcpConnectorType(host, port, factory, timeout, bindAddress, self)
        c.connect()
        return c

    # -- sockets made elsewhere (IReactorSocket) ----------------------------------------------

    def adoptStreamPort(
        self, fileDescriptor: int, addressFamily: int, factory: Factory
    ) -> IListeningPort:
        """Accept connections on the listening socket ``fileDescriptor`` (TCP or UNIX);
        the reactor uses a duplicate, the caller keeps its own."""
        return adopt.adoptStreamPort(self, fileDescriptor, addressFamily, factory, self.tcpPortType)

    def adoptStreamConnection(
        self, fileDescriptor: int, addressFamily: int, factory: Factory
    ) -> Any:
        """Run a protocol of ``factory`` on the connected socket ``fileDescriptor`` (TCP or
        UNIX; a duplicate, as `adoptStreamPort`); return its transport."""
        return adopt.adoptStreamConnection(
            self, fileDescriptor, addressFamily, factory, self.tcpPortType.serverTransport
        )

    def adoptDatagramPort(
        self,
        fileDescriptor: int,
        addressFamily: int,
        protocol: AbstractDatagramProtocol,
        maxPacketSize: int = 8192,
    ) -> udp.Port:
        """Deliver to ``protocol`` the datagrams of the bound UDP socket ``fileDescriptor``
        (a duplicate, as `adoptStreamPort`)."""
        return adopt.adoptDatagramPort(self, fileDescriptor, addressFamily, protocol, maxPacketSize)

    # -- UNIX sockets (torsion.internet.unix) --------------------------------------------------

    def listenUNIX(
        self,
        address: str | bytes,
        factory: Factory,
        backlog: int = 50,
        mode: int = 0o666,
        wantPID: bool = False,
    ) -> IUNIXListeningPort:
        """Listen on the UNIX socket ``address`` (see `torsion.internet.unix`)."""
        p = unix.Port(address, factory, backlog, mode, self, wantPID)
        p.startListening()
        return p

    def connectUNIX(
        self,
        address: str | bytes,
        factory: ClientFactory,
        timeout: float = 30,
        checkPID: bool = False,
    ) -> IConnector:
        """Connect to the UNIX socket ``address``; ``factory`` hears how it goes."""
        c = unix.Connector(address, factory, timeout, self, checkPID)
        c.connect()
        return c

    # -- UDP and multicast (torsion.internet.udp) ----------------------------------------------

    def listenUDP(
        self,
        port: int,
        protocol: AbstractDatagramProtocol,
        interface: str = "",
        maxPacketSize: int = 8192,
    ) -> udp.Port:
        """Bind UDP ``port`` (0: any free one) and deliver its datagrams to ``protocol``."""
        p = udp.Port(port, protocol, interface, maxPacketSize, self)
        p.startListening()
        return p

    def listenMulticast(
        self,
        port: int,
        protocol: AbstractDatagramProtocol,
        interface: str = "",
        maxPacketSize: int = 8192,
        listenMultiple: bool = False,
    ) -> udp.MulticastPort:
        """As `listenUDP`, with a port that can join multicast groups."""
        p = udp.MulticastPort(port, protocol, interface, maxPacketSize, self, listenMultiple)
        p.startListening()
        return p

    def listenUNIXDatagram(
        self,
        address: str | bytes,
        protocol: AbstractDatagramProtocol,
        maxPacketSize: int = 8192,
        mode: int = 0o666,
    ) -> unixdatagram.DatagramPort:
        """Bind a UNIX datagram socket at path ``address`` and deliver to ``protocol``."""
        p = unixdatagram.DatagramPort(address, protocol, maxPacketSize, mode, self)
        p.startListening()
        return p

    def connectUNIXDatagram(
        self,
        address: str | bytes,
        protocol: ConnectedDatagramProtocol,
        maxPacketSize: int = 8192,
        mode: int = 0o666,
        bindAddress: str | bytes | None = None,
    ) -> unixdatagram.ConnectedDatagramPort:
        """Connect a UNIX datagram socket to path ``address``; failure goes to
        ``protocol.connectionFailed``."""
        p = unixdatagram.ConnectedDatagramPort(
            address, protocol, maxPacketSize, mode, bindAddress, self
        )
        p.startListening()
        return p

    # -- child processes (torsion.internet.process) --------------------------------------------

    def spawnProcess(
        self,
        processProtocol: IProcessProtocol,
        executable: str | bytes,
        args: Sequence[str | bytes] = (),
        env: Mapping[str, str] | None = {},  # Twisted's default: an empty environment
        path: str | None = None,
        uid: int | None = None,
        gid: int | None = None,
        usePTY: bool | tuple[int, int, str] = False,
        childFDs: Mapping[int, str | int] | None = None,
    ) -> IProcessTransport:
        """Start a child process connected to ``processProtocol``
        (`torsion.internet.process.spawnProcess` documents the arguments)."""
        return process.spawnProcess(
            self, processProtocol, executable, args, env, path, uid, gid, usePTY, childFDs
        )

    # -- TLS (torsion.internet.ssl) ------------------------------------------------------------

    def listenSSL(
        self,
        port: int,
        factory: Factory,
        contextFactory: Any,
        backlog: int = 50,
        interface: str = "",
    ) -> ITCPListeningPort:
        """Listen for TLS connections on ``port``: `listenTCP` with a TLS layer on each."""
        return tlsports.listenSSL(self, port, factory, contextFactory, backlog, interface)

    def connectSSL(
        self,
        host: str,
        port: int,
        factory: ClientFactory,
        contextFactory: Any,
        timeout: float = 30,
        bindAddress: tuple[str, int] | None = None,
    ) -> IConnector:
        """Connect to ``host``:``port`` over TLS: `connectTCP` with a TLS layer."""
        return tlsports.connectSSL(self, host, port, factory, contextFactory, timeout, bindAddress)


if TYPE_CHECKING:
    # Every reactor is a full one: mypy checks the class against the interface here.
    _isFull: type[IFullReactor] = PosixReactorBase
