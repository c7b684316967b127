"""kharita's SQL dialect and its translation to other engines.

Queries are written once, in DuckDB's dialect (the default engine), and translated to
Spark SQL with sqlglot when the store is a :class:`~kharita.store.spark.SparkStore`.
``?`` placeholders are bound as literals before translation (Spark SQL has no
positional parameters).

References
----------
.. [1] sqlglot: a SQL parser, transpiler and optimizer, https://github.com/tobymao/sqlglot
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import sqlglot
from sqlglot import exp

from kharita.errors import StoreError

SOURCE_DIALECT = "duckdb"


def literal(value: Any) -> exp.Expression:
    """A sqlglot literal for a Python value (None, bool, number, str, date)."""
    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, (int, float)):
        return exp.Literal.number(repr(value) if isinstance(value, float) else value)
    if isinstance(value, dt.datetime):
        return exp.cast(exp.Literal.string(value.isoformat(sep=" ")), "TIMESTAMP")
    if isinstance(value, dt.date):
        return exp.cast(exp.Literal.string(value.isoformat()), "DATE")
    return exp.Literal.string(str(value))


@lru_cache(maxsize=512)
def _parse(query: str) -> list[exp.Expression]:
    try:
        return [e for e in sqlglot.parse(query, read=SOURCE_DIALECT)  # type: ignore[misc]
                if e is not None]
    except sqlglot.errors.ParseError as exc:
        raise StoreError(f"cannot translate query: {str(exc).splitlines()[0]}") from None


def bind(tree: exp.Expression, params: Sequence[Any]) -> exp.Expression:
    """Replace the ``?`` placeholders of ``tree`` by ``params``, in order."""
    values = list(params)
    holes = [n for n in tree.find_all(exp.Placeholder)]
    if len(holes) != len(values):
        raise StoreError(f"query has {len(holes)} placeholders, got {len(values)} values")
    tree = tree.copy()
    it = iter(values)

    def sub(node: exp.Expression) -> exp.Expression:
        return literal(next(it)) if isinstance(node, exp.Placeholder) else node

    return tree.transform(sub)


@lru_cache(maxsize=512)
def _translate_plain(query: str, dialect: str) -> str:
    trees = _parse(query)
    return ";\n".join(t.sql(dialect=dialect) for t in trees)


def parse(query: str, params: Sequence[Any] = ()) -> list[exp.Expression]:
    """The statements of ``query`` (DuckDB dialect) as sqlglot trees, ``?`` bound.

    >>> [t.key for t in parse("DELETE FROM t WHERE a = ?; SELECT 1", [2])]
    ['delete', 'select']
    """
    trees = _parse(query)
    if not params:
        return [t.copy() for t in trees]
    values, out = list(params), []
    for t in trees:
        k = sum(1 for _ in t.find_all(exp.Placeholder))
        out.append(bind(t, values[:k]))
        values = values[k:]
    if values:
        raise StoreError(f"query has fewer placeholders than the {len(params)} values given")
    return out


def transpile(query: str, dialect: str, params: Sequence[Any] = ()) -> str:
    """``query`` (DuckDB dialect, ``?`` placeholders) as SQL of ``dialect``.

    >>> transpile("SELECT regexp_matches(x, '^is') FROM t WHERE y = ?", "spark", ["a"])
    "SELECT x RLIKE '^is' FROM t WHERE y = 'a'"
    """
    if dialect == SOURCE_DIALECT and not params:
        return query
    if not params:
        return _translate_plain(query, dialect)
    return ";\n".join(t.sql(dialect=dialect) for t in parse(query, params))
