"""Protocols built on the core: framing (`basic`), small standard services (`wire`), and more."""
