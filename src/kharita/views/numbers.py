"""How a count is written in the brief's tables and the workbench (the command line's
tables have their own cells, :func:`kharita.cli.output.format_cell`, with the same rule
for counts)."""

from __future__ import annotations

from typing import Any


def count_text(v: Any) -> str:
    """A count with thousands separators; a weighted count (ambiguous reports split
    between candidates) keeps one decimal only when it has one; missing is empty.

    >>> [count_text(v) for v in (6457.0, 3334.5, 1233, None, 0.0)]
    ['6,457', '3,334.5', '1,233', '', '0']
    """
    if v is None or v != v:
        return ""
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:,}"
    return f"{float(v):,.1f}".removesuffix(".0")
