"""The pieces of ``tools/twisted_compat.py``: Twisted's tests, rewritten, run and reported."""
