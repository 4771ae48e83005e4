"""The seed's timed calls: print the time every second, stop the reactor after 5 seconds.

Run: ``python examples/timer.py``. ``TIMER_SCALE=0.1`` shortens both intervals tenfold
(the tests use it); unset, the program behaves exactly as the seed's.
"""

import os
import time

from torsion.internet import reactor, task

SCALE = float(os.environ.get("TIMER_SCALE", "1"))


def printtime() -> None:
    print("Current time is", time.strftime("%H:%M:%S"))


def stopreactor() -> None:
    print("Stopping reactor")
    reactor.stop()


lc = task.LoopingCall(printtime)  # call printtime every second
lc.start(1 * SCALE)
reactor.callLater(5 * SCALE, stopreactor)  # call stopreactor after 5 seconds
print("Running the reactor...")
reactor.run()
print("Reactor stopped.")
