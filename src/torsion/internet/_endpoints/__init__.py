"""Endpoints: TCP, UNIX, TLS and hostname endpoints, and the description-string parser."""
