"""Python-level utilities shared by the rest of torsion (Failure, ...)."""
