"""SQL of activity tables (see :mod:`kharita.analysis.activity` for the definitions)."""

from __future__ import annotations

from kharita.errors import UserInputError
from kharita.store.sql.periods import period_sql

#: ``by`` value -> the frame column(s) that make the unit.
BY_COLUMNS: dict[str, tuple[str, ...]] = {
    "network": (),
    "branch": ("entity_id",),
    "region": ("region",),
    "country": ("country_iso3",),
    "admin1": ("country_iso3", "admin1"),
    "cell": ("priogrid_gid",),
}


def check_by(by: str) -> tuple[str, ...]:
    """The unit columns of ``by`` (:data:`BY_COLUMNS`); :class:`UserInputError` otherwise."""
    if by not in BY_COLUMNS:
        raise UserInputError(f"by={by!r}: expected one of {', '.join(BY_COLUMNS)}")
    return BY_COLUMNS[by]


def activity_sql(frame: str, *, by: str = "branch", freq: str = "year") -> str:
    """Weighted events, distinct events and weighted fatalities per period and unit,
    over the frame SQL ``frame`` (a ``SELECT`` of the frame's SQL columns).

    Distinct events: single-row events (``n_rows = 1``) are counted with ``COUNT(*)``;
    only events with several frame rows (several branches) need ``COUNT(DISTINCT)``.
    """
    cols = check_by(by)
    period = period_sql(freq)
    keys = ("period", *cols)
    select_keys = ", ".join((f"{period} AS period", *cols))
    group = ", ".join((period, *cols))
    join = " AND ".join(f"a.{k} IS NOT DISTINCT FROM m.{k}" for k in keys)
    out = ", ".join(f"a.{k}" for k in keys)
    return f"""
WITH f AS ({frame}),
a AS (
  SELECT {select_keys},
         SUM(weight) AS events,
         COUNT(*) FILTER (WHERE n_rows = 1) AS single_events,
         SUM(weight * COALESCE(fatalities_best, 0)) AS fatalities_best,
         SUM(weight * COALESCE(fatalities_low, fatalities_best, 0)) AS fatalities_low,
         SUM(weight * COALESCE(fatalities_high, fatalities_best, 0)) AS fatalities_high
  FROM f GROUP BY {group}
),
m AS (
  SELECT {select_keys}, COUNT(DISTINCT event_id) AS multi_events
  FROM f WHERE n_rows > 1 GROUP BY {group}
)
SELECT {out}, a.events,
       a.single_events + COALESCE(m.multi_events, 0) AS events_raw,
       a.fatalities_best, a.fatalities_low, a.fatalities_high
FROM a LEFT JOIN m ON {join}
ORDER BY {out}
"""
