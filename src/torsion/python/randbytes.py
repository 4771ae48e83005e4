"""Random bytes: secure ones from the operating system, or fast ones from `random`.

`secureRandom` reads the system's source (`os.urandom`); only if that fails does ``fallback``
matter: it then warns and gives `insecureRandom` bytes instead of raising.
`insecureRandom` uses ``random.getrandbits``, or `random`'s choices where a replacement
generator lacks it. Both are methods of a module-level `RandomFactory`, as in Twisted, whose
sources tests can replace one by one.
"""

from __future__ import annotations

import os
import random
import warnings
from collections.abc import Callable

__all__ = ["SecureRandomNotAvailable", "insecureRandom", "secureRandom"]


class SecureRandomNotAvailable(RuntimeError):
    """The operating system offers no cryptographically secure random source."""


class SourceNotAvailable(RuntimeError):
    """One random source cannot be used (the factory then tries the next)."""


class RandomFactory:
    """Where `secureRandom` and `insecureRandom` come from (use those module functions).

    Attributes:
        getrandbits: The insecure source's generator of ``k`` random bits; None to make
            `insecureRandom` use ``random.randrange`` instead.
    """

    getrandbits: Callable[[int], int] | None = staticmethod(random.getrandbits)

    def _osUrandom(self, nbytes: int) -> bytes:
        """`os.urandom`, its absence or failure raised as `SourceNotAvailable`."""
        try:
            return os.urandom(nbytes)
        except (AttributeError, NotImplementedError) as e:
            raise SourceNotAvailable(e) from e

    def secureRandom(self, nbytes: int, fallback: bool = False) -> bytes:
        """Return `nbytes` cryptographically secure random bytes from the operating system.

        Args:
            nbytes: How many bytes.
            fallback: If the system has no secure source, warn (``RuntimeWarning``) and
                return `insecureRandom` bytes instead of raising.

        Raises:
            SecureRandomNotAvailable: The system has no secure source and `fallback` is
                false.
        """
        try:
            return self._osUrandom(nbytes)
        except SourceNotAvailable:
            pass
        if not fallback:
            raise SecureRandomNotAvailable("No secure random source available")
        warnings.warn(
            "urandom unavailable - proceeding with non-cryptographically secure random source",
            category=RuntimeWarning,
            stacklevel=2,
        )
        return self.insecureRandom(nbytes)

    def _randBits(self, nbytes: int) -> bytes:
        """`nbytes` bytes from `getrandbits`, or `SourceNotAvailable` if there is none."""
        if self.getrandbits is None:
            raise SourceNotAvailable("random.getrandbits is not available")
        return self.getrandbits(nbytes * 8).to_bytes(nbytes, "big")

    def _randModule(self, nbytes: int) -> bytes:
        """`nbytes` bytes drawn one by one from `random`."""
        return bytes(random.randrange(256) for _ in range(nbytes))

    def insecureRandom(self, nbytes: int) -> bytes:
        """Return `nbytes` random bytes from `random`: fast, predictable, not for secrets."""
        try:
            return self._randBits(nbytes)
        except SourceNotAvailable:
            return self._randModule(nbytes)


_factory = RandomFactory()
secureRandom = _factory.secureRandom
insecureRandom = _factory.insecureRandom
