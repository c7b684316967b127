"""SQL of the leadership-shock event studies (see :mod:`kharita.analysis.shocks`)."""

from __future__ import annotations

from kharita.store.sql.periods import period_sql


def weekly_sql(frame: str) -> str:
    """Weighted events per week (first day, a Monday) and branch."""
    week = period_sql("week")
    return f"""
SELECT {week} AS week, entity_id, SUM(weight) AS n
FROM ({frame}) f GROUP BY {week}, entity_id ORDER BY week, entity_id
"""
