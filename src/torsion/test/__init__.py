"""Helpers for testing torsion programs (Twisted's ``twisted.test`` package).

`iosim` connects two protocols in memory; `proto_helpers` is the old name of
`torsion.internet.testing`.
"""
