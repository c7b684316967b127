"""SQL of the concentration measures (see :mod:`kharita.analysis.concentration`).

The bootstrap resamples events within periods, so the measures need each event's
contribution to the branches' totals: events with one frame row are grouped by
(period, branch, value) with their number ``n``; the rows of events with several
frame rows (several branches) are returned as they are and grouped by the caller.
"""

from __future__ import annotations

from kharita.store.sql.common import q
from kharita.store.sql.geography import weight_sql
from kharita.store.sql.periods import period_sql


def _exclude(root: str | None) -> str:
    return "" if root is None else f"AND entity_id <> {q(root)}"


def single_patterns_sql(frame: str, *, freq: str, weighting: str,
                        exclude: str | None) -> str:
    """Events with one frame row: ``period, entity_id, value, n`` (``exclude``: a branch
    id left out, e.g. the network's root)."""
    period, value = period_sql(freq), weight_sql(weighting)
    return f"""
SELECT {period} AS period, entity_id, {value} AS value, COUNT(*) AS n
FROM ({frame}) f WHERE n_rows = 1 {_exclude(exclude)}
GROUP BY {period}, entity_id, {value}
ORDER BY period, entity_id, value
"""


def multi_rows_sql(frame: str, *, freq: str, weighting: str, exclude: str | None) -> str:
    """Rows of events that may have several frame rows: ``period, event_id, entity_id,
    value``."""
    period, value = period_sql(freq), weight_sql(weighting)
    return f"""
SELECT {period} AS period, event_id, entity_id, {value} AS value
FROM ({frame}) f WHERE n_rows > 1 {_exclude(exclude)}
ORDER BY event_id, entity_id
"""


def unassigned_sql(frame: str, *, freq: str, weighting: str, root: str) -> str:
    """Per period, the weight (or fatalities) of rows left at the root (no branch)."""
    period, value = period_sql(freq), weight_sql(weighting)
    return f"""
SELECT {period} AS period,
       SUM(CASE WHEN entity_id = {q(root)} THEN {value} ELSE 0 END) AS unassigned
FROM ({frame}) f GROUP BY {period}
"""


def branch_shares_sql(frame: str, *, freq: str, weighting: str,
                      exclude: str | None) -> str:
    """Per period and branch: the weighted value and its share of the period's total."""
    period, value = period_sql(freq), weight_sql(weighting)
    where = "" if exclude is None else f"WHERE entity_id <> {q(exclude)}"
    return f"""
WITH b AS (
  SELECT {period} AS period, entity_id, SUM({value}) AS value
  FROM ({frame}) f {where} GROUP BY {period}, entity_id
)
SELECT period, entity_id, value, value / SUM(value) OVER (PARTITION BY period) AS share
FROM b ORDER BY period, entity_id
"""
