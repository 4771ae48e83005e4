"""Twisted's trial test cases (`torsion.trial.unittest`), running under pytest or unittest.

There is no ``trial`` runner: the test cases are `unittest.TestCase` subclasses, and the
torsion pytest plugin (`torsion.testing.pytest_plugin`) provides the rest.
"""
