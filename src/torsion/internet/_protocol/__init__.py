"""Protocols and factories: the base classes users subclass, and `ClientCreator`."""
