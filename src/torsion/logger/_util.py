"""`formatTrace`: a picture of how an event travelled through publishers and filters."""

from __future__ import annotations

from torsion.logger._interfaces import LogTrace

__all__ = ["formatTrace"]


_NO_NAME = object()


def _describe(obj: object) -> str:
    """``str(obj)``, followed by ``(obj.name)`` when it has a name."""
    name = getattr(obj, "name", _NO_NAME)
    return f"{obj}" if name is _NO_NAME else f"{obj} ({name})"


def formatTrace(trace: LogTrace) -> str:
    """An event's ``log_trace`` as an indented tree, one ``-> observer`` line per hop.

    The first forwarder heads the tree; each observer is indented one step deeper than the
    forwarder that sent it the event.
    """
    lines: list[str] = []
    lineage: list[object] = []
    for parent, child in trace:
        if not lineage or lineage[-1] is not parent:
            if any(p is parent for p in lineage):
                while lineage[-1] is not parent:
                    lineage.pop()
            else:
                if not lineage:
                    lines.append(f"{_describe(parent)}\n")
                lineage.append(parent)
        lines.append(f"{'  ' * len(lineage)}-> {_describe(child)}\n")
    return "".join(lines)
