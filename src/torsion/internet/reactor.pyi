"""The type of ``from torsion.internet import reactor``: the global reactor, an `IFullReactor`.

At run time the module replaces itself in ``sys.modules`` with the installed reactor object;
for type checkers it is this module, whose names are the reactor's, each taken from
`torsion.internet.interfaces.IFullReactor` so that the signatures cannot drift from it.
"""

from torsion.internet.interfaces import IFullReactor, IHostnameResolver

_reactor: IFullReactor

# Attributes (properties of the interface).
nameResolver: IHostnameResolver
running: bool

# Methods, bound to the reactor.
addReader = _reactor.addReader
addSystemEventTrigger = _reactor.addSystemEventTrigger
addWriter = _reactor.addWriter
callFromThread = _reactor.callFromThread
callInThread = _reactor.callInThread
callLater = _reactor.callLater
callWhenRunning = _reactor.callWhenRunning
close = _reactor.close
connectSSL = _reactor.connectSSL
connectTCP = _reactor.connectTCP
connectUNIX = _reactor.connectUNIX
connectUNIXDatagram = _reactor.connectUNIXDatagram
crash = _reactor.crash
fireSystemEvent = _reactor.fireSystemEvent
getDelayedCalls = _reactor.getDelayedCalls
getReaders = _reactor.getReaders
getThreadPool = _reactor.getThreadPool
getWriters = _reactor.getWriters
installNameResolver = _reactor.installNameResolver
iterate = _reactor.iterate
listenMulticast = _reactor.listenMulticast
listenSSL = _reactor.listenSSL
listenTCP = _reactor.listenTCP
listenUDP = _reactor.listenUDP
listenUNIX = _reactor.listenUNIX
listenUNIXDatagram = _reactor.listenUNIXDatagram
removeAll = _reactor.removeAll
removeReader = _reactor.removeReader
removeSystemEventTrigger = _reactor.removeSystemEventTrigger
removeWriter = _reactor.removeWriter
resolve = _reactor.resolve
run = _reactor.run
seconds = _reactor.seconds
spawnProcess = _reactor.spawnProcess
stop = _reactor.stop
suggestThreadPoolSize = _reactor.suggestThreadPoolSize
