"""Tests of torsion.protocols."""
