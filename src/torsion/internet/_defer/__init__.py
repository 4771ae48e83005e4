"""Deferreds and what is built on them: the waiter, coroutines, shortcuts, lists, locks and queues.

Imports no reactor and no I/O module: a Deferred is plain Python.
"""
