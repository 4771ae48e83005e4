"""Assembling reactors: the kernel plus every transport, and the registry of reactors by name."""
