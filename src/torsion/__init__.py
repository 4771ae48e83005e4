"""torsion: an event-driven networking framework with Twisted's API, typed and fast."""

__version__ = "0.1.0"
