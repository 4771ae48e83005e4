"""The kernel: the event loop (`ReactorCore`), its pollers, timers, system events and waker.

It knows no socket, protocol or transport: those are given to it as descriptors with
``fileno``/``doRead``/``doWrite``/``connectionLost``.
"""
