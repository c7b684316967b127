"""Small SQL helpers shared by the query builders."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable


def q(value: object) -> str:
    """A SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"


def date_lit(value: dt.date | None) -> str:
    """A SQL date literal (``NULL`` for None)."""
    return "CAST(NULL AS DATE)" if value is None else f"DATE {q(value.isoformat())}"


def in_list(values: Iterable[str]) -> str:
    """``'a', 'b'`` (``NULL`` for an empty list, which matches nothing)."""
    vals = list(values)
    return ", ".join(q(v) for v in vals) if vals else "NULL"


def ident(name: str) -> str:
    """A double-quoted identifier."""
    return '"' + name.replace('"', '""') + '"'
