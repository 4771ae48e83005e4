"""Asynchronous results, time, and (later) the reactor and its transports."""
