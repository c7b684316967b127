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


_RANKING = (exp.RowNumber, exp.Rank, exp.DenseRank, exp.PercentRank, exp.CumeDist,
            exp.Ntile, exp.Lag, exp.Lead)


def _spark_node(node: exp.Expression) -> exp.Expression:
    """One node rewritten where sqlglot's Spark output is not valid Spark SQL."""
    if isinstance(node, exp.ArrayOverlaps):
        # DuckDB list_has_any(a, b); sqlglot writes Spark's non-existent a && b.
        return exp.Anonymous(this="ARRAYS_OVERLAP",
                             expressions=[node.this.copy(), node.expression.copy()])
    if isinstance(node, exp.IsInf):
        # DuckDB isinf(x); sqlglot writes IS_INF, which Spark does not have.
        x = node.this
        return exp.paren(exp.func("ABS", x.copy()).eq(
            exp.cast(exp.Literal.string("Infinity"), "DOUBLE")))
    if isinstance(node, exp.Window) and isinstance(node.this, _RANKING) \
            and node.args.get("spec") is not None:
        # Ibis writes ranking windows with an explicit whole-partition frame; DuckDB
        # ignores it, Spark refuses any frame on a ranking function.
        node = node.copy()
        node.set("spec", None)
        return node
    if isinstance(node, exp.GroupConcat):
        fixed = _distinct_string_agg(node)
        if fixed is not None:
            return fixed
    if isinstance(node, (exp.First, exp.Last)) and isinstance(node.this, exp.Order):
        # DuckDB first(x ORDER BY k DESC) (Ibis' argmax/argmin): Spark has no ordered
        # aggregates but max_by/min_by (a struct key for several same-direction keys).
        order = node.this
        keys = order.expressions
        desc = {bool(k.args.get("desc")) for k in keys}
        if len(desc) == 1:
            key = keys[0].this.copy() if len(keys) == 1 else exp.func(
                "STRUCT", *[k.this.copy() for k in keys])
            highest = desc.pop() != isinstance(node, exp.Last)
            cls = exp.ArgMax if highest else exp.ArgMin
            return cls(this=order.this.copy(), expression=key)
    return node


def _distinct_string_agg(node: exp.GroupConcat) -> exp.Expression | None:
    """``string_agg(DISTINCT x, sep [ORDER BY x])`` as
    ``CASE WHEN size(collect_set(x)) = 0 THEN NULL ELSE
    array_join(array_sort(collect_set(x)), sep) END``: Spark's LISTAGG(DISTINCT ...)
    fails (ClassCastException) next to another DISTINCT aggregate, collect_set does
    not. Only for an ascending order on the aggregated value itself (or none)."""
    inner = node.this
    order: list[exp.Expression] = []
    if isinstance(inner, exp.Order):
        order = list(inner.expressions)
        inner = inner.this
    if not isinstance(inner, exp.Distinct) or len(inner.expressions) != 1:
        return None
    value = inner.expressions[0]
    if any(o.args.get("desc") or o.this != value for o in order) or len(order) > 1:
        return None
    sep = node.args.get("separator") or exp.Literal.string(",")
    values = exp.func("COLLECT_SET", value.copy())
    joined = exp.func("ARRAY_JOIN", exp.func("ARRAY_SORT", values.copy()), sep.copy())
    empty = exp.func("SIZE", values.copy()).eq(0)
    return exp.Case(ifs=[exp.If(this=empty, true=exp.Null())], default=joined)


#: Fixes applied to a tree before it is written in a dialect.
_FIXES = {"spark": _spark_node}


def to_sql(tree: exp.Expression, dialect: str) -> str:
    """A sqlglot tree (parsed from kharita's dialect) as SQL of ``dialect``."""
    fix = _FIXES.get(dialect)
    if fix is not None:
        tree = tree.copy().transform(fix)
    return tree.sql(dialect=dialect)


@lru_cache(maxsize=512)
def _translate_plain(query: str, dialect: str) -> str:
    trees = _parse(query)
    return ";\n".join(to_sql(t, dialect) for t in trees)


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
    >>> transpile("SELECT first(r ORDER BY k DESC) FROM t", "spark")
    'SELECT MAX_BY(r, k) FROM t'
    >>> transpile("SELECT row_number() OVER (ORDER BY b ROWS BETWEEN UNBOUNDED PRECEDING "
    ...           "AND UNBOUNDED FOLLOWING) FROM t", "spark")
    'SELECT ROW_NUMBER() OVER (ORDER BY b NULLS LAST) FROM t'
    >>> sql = transpile("SELECT string_agg(DISTINCT e, ', ' ORDER BY e) FROM t", "spark")
    >>> "ELSE ARRAY_JOIN(ARRAY_SORT(COLLECT_SET(e)), ', ') END" in sql
    True
    >>> transpile("SELECT isinf(x) FROM t", "spark")
    "SELECT (ABS(x) = CAST('Infinity' AS DOUBLE)) FROM t"
    """
    if dialect == SOURCE_DIALECT and not params:
        return query
    if not params:
        return _translate_plain(query, dialect)
    return ";\n".join(to_sql(t, dialect) for t in parse(query, params))
