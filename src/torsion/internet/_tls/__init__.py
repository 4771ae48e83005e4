"""TLS settings: certificates, PEM directories, context factories, and the SSL ports.

The engine that encrypts a connection is ``torsion.protocols.tls``.
"""
