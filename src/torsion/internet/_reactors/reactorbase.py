"""`ReactorBase`: the kernel's event loop plus pluggable name resolution (Twisted's class).

`torsion.internet._core.loop.ReactorCore` is the loop; it knows no names. This class adds
what Twisted's ``ReactorBase`` has beyond it: the two resolver slots
(``IReactorPluggableResolver``, ``IReactorPluggableNameResolver``), kept in agreement whichever
was installed last, and ``resolve``. Every torsion reactor is one
(`torsion.internet._reactors.posixbase.PosixReactorBase` adds the transports), and
``ReactorBase()`` on its own is a working loop over ``select``, as tests of loop-level code
use it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from torsion.internet._core.loop import ReactorCore
from torsion.internet._reactors.resolver import GAIResolver
from torsion.internet._reactors.simpleresolver import (
    ComplexResolverSimplifier,
    SimpleResolverComplexifier,
    ThreadedResolver,
)
from torsion.internet.defer import Deferred, succeed
from torsion.internet.interfaces import IHostnameResolver, IResolverSimple

__all__ = ["ReactorBase"]


class ReactorBase(ReactorCore):
    """`ReactorCore` with a host name resolver and an IPv4 resolver that can be replaced."""

    _nameResolver: IHostnameResolver | None = None
    _resolver: IResolverSimple | None = None

    @property
    def nameResolver(self) -> IHostnameResolver:
        """The host name resolver (`IReactorPluggableNameResolver`): by default a
        `GAIResolver`, running ``getaddrinfo`` in the reactor's thread pool."""
        resolver = self._nameResolver
        if resolver is None:
            resolver = self._nameResolver = GAIResolver(self)
        return resolver

    def installNameResolver(self, resolver: IHostnameResolver) -> IHostnameResolver:
        """Make ``resolver`` the `nameResolver`, and `resolver` ask it; return the previous."""
        previous = self.nameResolver
        self._nameResolver = resolver
        self._resolver = ComplexResolverSimplifier(resolver)
        return previous

    @property
    def resolver(self) -> IResolverSimple:
        """The IPv4 resolver ``resolve`` asks (`IReactorPluggableResolver`): by default a
        `ThreadedResolver`, running ``getaddrinfo`` in the reactor's thread pool."""
        resolver = self._resolver
        if resolver is None:
            resolver = self._resolver = ThreadedResolver(self)
        return resolver

    def installResolver(self, resolver: IResolverSimple) -> IResolverSimple:
        """Make ``resolver`` the `resolver`, and `nameResolver` ask it; return the previous."""
        previous = self.resolver
        self._resolver = resolver
        self._nameResolver = SimpleResolverComplexifier(resolver)
        return previous

    def resolve(self, name: str, timeout: Sequence[float] = (1, 3, 11, 45)) -> Deferred[str]:
        """Look up an IPv4 address of ``name`` with the installed `resolver`.

        Args:
            name: A host name or an IPv4 address (which is its own answer).
            timeout: Retry delays in Twisted's resolver API; their sum bounds the lookup.

        Returns:
            A Deferred of the address string; it fails with `DNSLookupError` when the name
            does not resolve or the lookup takes longer than the timeout.
        """
        if not name:
            return succeed("0.0.0.0")  # Twisted's answer for the empty name.
        try:
            return succeed(str(ipaddress.IPv4Address(name)))
        except ValueError:
            pass
        return self.resolver.getHostByName(name, tuple(int(t) for t in timeout))

    def _uninstallHandler(self) -> None:
        """Put back the signal handlers `run` installed, if it is still running (Twisted's
        name; its reactor tests call it before throwing a reactor away)."""
        self._signals.restore()
