"""In-memory test doubles: ``MemoryReactor``, ``StringTransport`` and kin.

Public in ``torsion.internet.testing``.
"""
