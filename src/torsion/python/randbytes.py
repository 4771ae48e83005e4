"""Random bytes: secure ones from the operating system, or fast ones from `random`.

Twisted probed several sources because old platforms lacked a secure one; every platform
Python 3.11 runs on has `os.urandom`, so `secureRandom` is that, and its `fallback` argument only
matters if the system's source fails.
"""

from __future__ import annotations

import os
import random
import warnings

__all__ = ["SecureRandomNotAvailable", "insecureRandom", "secureRandom"]


class SecureRandomNotAvailable(RuntimeError):
    """The operating system offers no cryptographically secure random source."""


def insecureRandom(nbytes: int) -> bytes:
    """Return `nbytes` random bytes from `random`: fast, predictable, not for secrets."""
    return random.randbytes(nbytes)


def secureRandom(nbytes: int, fallback: bool = False) -> bytes:
    """Return `nbytes` cryptographically secure random bytes from the operating system.

    Args:
        nbytes: How many bytes.
        fallback: If the system has no secure source, warn (``RuntimeWarning``) and return
            `insecureRandom` bytes instead of raising.

    Raises:
        SecureRandomNotAvailable: The system has no secure source and `fallback` is false.
    """
    try:
        return os.urandom(nbytes)
    except NotImplementedError:
        pass
    if not fallback:
        raise SecureRandomNotAvailable("No secure random source available")
    warnings.warn(
        "urandom unavailable - proceeding with non-cryptographically secure random source",
        category=RuntimeWarning,
        stacklevel=2,
    )
    return insecureRandom(nbytes)
